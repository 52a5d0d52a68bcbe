#pragma once
// How a capture file is read, for every command that reads one (analyze, convert): --format, --rate and
// --center for raw files (and SigMF files that lack them), and a progress bar over the replay.
#include "coex/io/open.hpp"

#include <boost/program_options.hpp>

#include <string>

namespace coex::cli {

struct CaptureOptions {
    std::string format, rate, center;
    bool quiet = false;
};

void add_capture_options(boost::program_options::options_description& options, CaptureOptions& o);
// Checks the values; UsageError naming the option.
[[nodiscard]] io::OpenOptions open_options(const CaptureOptions& o);

// The tunings of a capture, its first start and its length in time (for the waterfall's axes).
struct CaptureSpan {
    std::vector<SegmentInfo> tunings;
    double start_s = 0.0, duration_s = 0.0;
};
[[nodiscard]] CaptureSpan capture_span(const io::CaptureInfo& info);

}  // namespace coex::cli
