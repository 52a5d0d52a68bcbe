#pragma once
// What `coex scan` and `coex record` share: the radio options, opening and planning, the SIGINT
// flag, the recorder, the loop that drains the live source, and the live view on the terminal.
#include "coex/analysis/analyzer.hpp"
#include "coex/core/cpu_time.hpp"
#include "coex/core/bands.hpp"
#include "coex/io/capture.hpp"
#include "coex/source/coverage.hpp"
#include "coex/source/live_source.hpp"

#include <boost/program_options.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace coex::cli {

// Radio and sweep options, as typed.
struct RadioOptions {
    std::string device, rate, gain, antenna, bandwidth, band = "2400:2483.5", plan = "auto", dwell = "100ms", rounds,
        duration, settle, lo_offset, ring = "0.5s", stall = "5s", country = "EU", view = "auto";
    bool invert = false, verbose = false;
};
void add_radio_options(boost::program_options::options_description& options, RadioOptions& o, bool sweep_options);

// Parsers for option values; each throws UsageError naming the option.
double parse_seconds(const std::string& option, const std::string& text);    // "30s", "100ms", "2m", "1h", "0.5"
double parse_hertz(const std::string& option, const std::string& text);      // "2000e6", "2000M", "2.4G", "500k"
std::uint64_t parse_bytes(const std::string& option, const std::string& text);  // "2G", "500M", "1.5GB", "123456"

// An opened, configured radio behind a LiveSource, ready to start.
struct LiveSetup {
    std::unique_ptr<source::LiveSource> source;
    std::string device_args;
    RegDomain domain = RegDomain::eu;
    std::string radio_name;
    double gain_db = 0.0;
};
// Opens the radio (InputError: not found), applies rate/gain/antenna/bandwidth, plans the sweep
// (ConfigError → exit 2) and builds the source. `default_duration`: used when neither --rounds nor
// --duration is given (unset: run until Ctrl-C). `reopen`: a radio that fails or wedges is opened
// again, set up the same way, instead of ending the stream (coex monitor).
LiveSetup open_live(const RadioOptions& o, std::optional<double> default_duration, bool reopen = false);

// SIGINT/SIGTERM set this flag (a second one ends the process the usual way).
const std::atomic<bool>& install_stop_signals();

// Writes what the pipeline saw, segment by segment, in the radio's own sample type.
class Recorder {
public:
    Recorder(const std::string& path, const io::CaptureMetadata& metadata, io::SampleType type, std::optional<std::uint64_t> max_bytes);
    ~Recorder();
    Recorder(const Recorder&) = delete;
    Recorder& operator=(const Recorder&) = delete;
    // Appends a line with the number of samples safely in the file (written and flushed) every time it
    // grows: the kill test's witness of what a kill must not take (bench/kill_test.sh).
    void log_commits_to(const std::string& path);
    // False when the block would take the file past --max-size (it is not written; the caller stops).
    [[nodiscard]] bool append(const SampleBlock& block);
    void close();
    [[nodiscard]] std::uint64_t samples() const { return writer_.samples_written(); }
    [[nodiscard]] std::uint64_t samples_committed() const { return writer_.samples_committed(); }
    [[nodiscard]] std::uint64_t bytes() const { return samples() * bytes_per_sample_; }
    [[nodiscard]] std::size_t segments() const { return segments_; }
    [[nodiscard]] bool hit_max_size() const { return hit_max_; }

private:
    io::CaptureWriter writer_;
    std::uint64_t bytes_per_sample_;
    std::optional<std::uint64_t> max_bytes_;
    std::size_t current_ = static_cast<std::size_t>(-1), segments_ = 0;
    bool open_ = false, hit_max_ = false;
    std::chrono::steady_clock::time_point last_flush_;
    int commit_log_ = -1;
    std::uint64_t logged_ = 0;
    void log_commits();
};

io::SampleType sample_type_of(const std::string& name);
io::CaptureMetadata metadata_for(const LiveSetup& setup, const std::string& command);

// Drains the source into `consume` (analysis, recording, coverage), refreshing the live view about
// once a second; with `analysis` the view also shows occupancy and emitters from short looks of its
// own at the stream (a second analyser, only while the view is on).
struct LoopResult {
    double consumer_cpu_s = 0.0;
    double wall_s = 0.0;
    std::uint64_t samples_consumed = 0;  // blocks `consume` accepted
};
// `tick`: called on every turn of the loop (at least every 100 ms, blocks or not).
LoopResult drain(source::LiveSource& source, const std::string& view_mode, const std::string& title,
                 const std::function<bool(const SampleBlock&)>& consume, const source::CoverageTracker* coverage,
                 const analysis::AnalysisConfig* analysis = nullptr, const std::function<void()>& tick = {});

// Exit code and stderr line for how the stream ended: 0 completed/stopped, 2 stalled/device error.
int finish_code(const source::LiveSource& source, const std::string& command);


}  // namespace coex::cli
