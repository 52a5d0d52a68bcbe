#include "capture_options.hpp"

#include "commands.hpp"

#include <algorithm>
#include <limits>

namespace po = boost::program_options;

namespace coex::cli {

void add_capture_options(po::options_description& options, CaptureOptions& o) {
    options.add_options()
        ("format", po::value(&o.format)->value_name("F"),
         "the input's format when its extension does not say: h5, sigmf, cu8 (rtl_sdr), cs8 (hackrf_transfer), cs16 (int16 I/Q), cf32 (GNU Radio)")
        ("rate", po::value(&o.rate)->value_name("HZ"), "sample rate of a raw input, e.g. 20e6 or 20M (default: from a name like x_2437M_20000k.cu8)")
        ("center", po::value(&o.center)->value_name("HZ"), "centre frequency of a raw input, e.g. 2437e6 or 2437M (default: from the name)")
        ("quiet,q", po::bool_switch(&o.quiet), "no progress bar (it is only drawn when stderr is a terminal)");
}

io::OpenOptions open_options(const CaptureOptions& o) {
    io::OpenOptions open;
    if (!o.format.empty()) {
        open.format = io::parse_capture_format(o.format);
        if (!open.format) throw UsageError{"--format: '" + o.format + "' is not one of h5, sigmf, cu8, cs8, cs16, cf32"};
    }
    if (!o.rate.empty()) {
        open.sample_rate_hz = io::parse_hertz_text(o.rate);
        if (!open.sample_rate_hz) throw UsageError{"--rate: '" + o.rate + "' is not a sample rate in Hz (e.g. 20e6, 20M, 2400k)"};
    }
    if (!o.center.empty()) {
        open.center_hz = io::parse_hertz_text(o.center);
        if (!open.center_hz) throw UsageError{"--center: '" + o.center + "' is not a frequency in Hz (e.g. 2437e6, 2437M, 2.437G)"};
    }
    return open;
}

CaptureSpan capture_span(const io::CaptureInfo& info) {
    CaptureSpan span;
    double first = std::numeric_limits<double>::infinity(), last = -first;
    for (const auto& s : info.segments) {
        span.tunings.push_back(s.info);
        first = std::min(first, s.info.start_time_s);
        last = std::max(last, s.info.start_time_s + static_cast<double>(s.length) / s.info.sample_rate_hz);
    }
    if (!info.segments.empty()) {
        span.start_s = first;
        span.duration_s = last - first;
    }
    return span;
}

}  // namespace coex::cli
