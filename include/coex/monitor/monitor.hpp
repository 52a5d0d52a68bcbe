#pragma once
// coex monitor's engine: samples in, windows, events, period reports and the day picture out
// (docs/monitor.md). The stream is cut into windows of stream time (default 10 s, counted from the first
// sample); each window is analysed by its own analysis::Pipeline (the one way from samples to a report)
// and summarised; the summary goes through the advisor (hysteresis over hours) and the event tracker,
// then to every sink (the event log, MQTT, metrics: anything implementing monitor::Sink). Every period
// (default 5 min) a JSON report is written under <out>/reports/, the day's picture under <out>/days/ is
// redrawn and <out>/status.json says how the monitor is doing. Memory is bounded: a window's analysis
// is dropped when it closes; a period keeps per-channel and per-emitter sums; a day keeps one row of
// 1 MHz cells per window (at most 8640).
#include "coex/analysis/pipeline.hpp"
#include "coex/monitor/advisor.hpp"
#include "coex/monitor/events.hpp"
#include "coex/monitor/files.hpp"
#include "coex/monitor/window.hpp"
#include "coex/monitor/state.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace coex::monitor {

struct MonitorConfig {
    std::string sensor_id;
    std::filesystem::path out_dir;
    double window_s = 10.0;
    double period_s = 300.0;
    int keep_days = 30;
    analysis::RunConfig run;   // the analysis and recommendation settings of every window
    EventRules events;
    AdvisorConfig advisor;
    double origin_unix_s = 0.0;  // UTC of stream time 0 (the capture's datetime, or when the radio started)
};

// Checks every setting (ConfigError naming the field; InputError naming out_dir when it cannot be written).
void validate(const MonitorConfig& config);

// How a live radio is doing, for the status file (the live source's counters, docs/monitor.md).
struct RadioHealth {
    bool present = true;                 // false while it is away (failed, being reopened)
    std::uint64_t outages = 0, reopens = 0, reopen_failures = 0;
    std::uint64_t samples_unobserved = 0;  // the time it was away, in samples (part of samples lost)
    double unobserved_s = 0.0;
    std::string last_fault;
};

// What the monitor did and what it cost, for the status file, the command's last lines and the soak.
struct MonitorStats {
    std::uint64_t windows = 0, periods = 0, pictures = 0, samples_in = 0;
    std::uint64_t events_appeared = 0, events_changed = 0, events_disappeared = 0;
    // Files that could not be written (a full disk): the monitor goes on, the file it would have replaced
    // stays as it was, and the next period tries again. Events a sink could not take (the event log on a
    // full disk) are counted apart: the log holds every other event, whole lines only.
    std::uint64_t write_failures = 0, events_unlogged = 0;
    std::string last_write_error;
    // Thread CPU seconds per stage of the monitor's thread: the analysis (spectrogram to report), the
    // window's summary (summary, advisor, events, sinks) and the files (period reports, picture, status).
    double cpu_analysis_s = 0.0, cpu_summary_s = 0.0, cpu_files_s = 0.0;
};

class Monitor {
public:
    Monitor(MonitorConfig config, std::vector<std::unique_ptr<Sink>> sinks);
    ~Monitor();
    Monitor(const Monitor&) = delete;
    Monitor& operator=(const Monitor&) = delete;

    void consume(const SampleBlock& block);
    // The source's counters (cumulative): carried into the next window's state.
    void account(std::uint64_t samples_dropped, std::uint64_t samples_lost);
    // The radio's health (a live monitor): kept for the status file, which is rewritten at once when the
    // radio goes away or comes back.
    void radio(const RadioHealth& health);
    // Ends the stream: the last (partial) window, the period, the picture, the status; the sinks hear
    // stopping(reason). Call once.
    void finish(std::string_view reason);

    [[nodiscard]] const MonitorStats& stats() const { return stats_; }
    [[nodiscard]] const std::optional<WindowState>& last_window() const { return last_; }

private:
    class Day;
    void close_window(double end_stream_s);
    void close_period();
    void write_status(std::string_view state);
    template <class F>
    void guarded_write(F&& write);
    void deliver(const std::vector<Event>& events);  // to every sink

    MonitorConfig config_;
    std::vector<std::unique_ptr<Sink>> sinks_;
    std::unique_ptr<BandSpectrum> spectrum_;
    std::unique_ptr<analysis::Pipeline> pipeline_;
    EventTracker tracker_;
    ChannelAdvisor advisor_;
    PeriodSummary period_;
    std::unique_ptr<Day> day_;
    std::optional<double> stream_start_s_;
    double window_start_s_ = 0.0, window_last_s_ = 0.0;
    std::uint64_t window_samples_ = 0;
    long period_index_ = 0;
    std::uint64_t dropped_ = 0, lost_ = 0, packets_ = 0;
    std::optional<WindowState> last_;
    std::optional<RadioHealth> radio_;
    MonitorStats stats_;
    bool finished_ = false;
};

}  // namespace coex::monitor
