#pragma once
// What the monitor keeps under --out (docs/monitor.md, "Files"): the event log (events.jsonl, a JSON
// line per event, flushed line by line, rolled by day and size, old rolls removed), the period reports
// (reports/, one JSON file per period, removed after keep_days) and small whole-file writes that are
// never seen half done (written aside, then renamed).
#include "coex/monitor/state.hpp"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace coex::monitor {

// "YYYY-MM-DD" and "YYYY-MM-DDTHH:MM:SSZ" of a UTC time.
[[nodiscard]] std::string utc_date(double unix_s);
[[nodiscard]] std::string utc_time(double unix_s);
// The UTC time of "YYYY-MM-DDTHH:MM:SS[.fff][Z|+HH:MM]" (or a bare date); nullopt when it is not one.
[[nodiscard]] std::optional<double> parse_utc(const std::string& text);

// Writes `bytes` to `path` through a temporary file beside it and a rename: readers see the old file
// or the new one, never part of one. Throws InputError naming the path when it cannot.
void write_whole_file(const std::filesystem::path& path, const std::string& bytes);

// Removes files in `dir` whose name starts with `prefix` followed by a date (YYYY-MM-DD) older than
// `keep_days` before `today` (YYYY-MM-DD). Returns how many it removed. Dates come from the names, which
// follow the stream's time, so a replayed recording's files are kept by its own calendar.
std::size_t remove_older_than(const std::filesystem::path& dir, const std::string& prefix, const std::string& today, int keep_days);

// The event log: <dir>/events.jsonl. Each event is one line, flushed as written. The file rolls to
// events-YYYY-MM-DD.jsonl (the day of its lines; .1, .2 … when that exists) when an event of a later
// day arrives or it would pass max_bytes; rolled files older than keep_days are removed. Each line goes
// out in one write, so a kill never cuts one; a last line cut short all the same (a power cut) is
// dropped when the log is opened again, and counted, so every line is a whole JSON object.
class EventLog : public Sink {
public:
    EventLog(std::filesystem::path dir, int keep_days, std::uint64_t max_bytes = 64ull << 20);
    void window(const WindowState& state) override;
    void event(const Event& event) override;
    void stopping(std::string_view reason) override;

    [[nodiscard]] std::uint64_t written() const { return written_; }
    [[nodiscard]] std::uint64_t torn_lines_dropped() const { return torn_lines_; }
    [[nodiscard]] std::filesystem::path path() const { return dir_ / "events.jsonl"; }

private:
    void roll(const std::string& day);
    void open();

    std::filesystem::path dir_;
    int keep_days_;
    std::uint64_t max_bytes_;
    std::ofstream out_;
    std::string day_;  // of the lines in events.jsonl; "" while it is empty
    std::uint64_t size_ = 0, written_ = 0, torn_lines_ = 0;
};

// Everything the monitor saw in one period (default 5 min), summarised as JSON under reports/. Memory
// is per channel and per emitter seen (matched by class and centre MHz), never per window or burst.
class PeriodSummary {
public:
    PeriodSummary() = default;
    void add(const WindowState& state);
    void add(const Event& event);
    // Starts the next period (the counters' baseline carries over).
    void next();
    [[nodiscard]] bool empty() const { return windows_ == 0; }
    [[nodiscard]] double start_unix_s() const { return start_; }
    [[nodiscard]] double end_unix_s() const { return end_; }
    // The period as JSON (docs/monitor.md, "Period reports").
    [[nodiscard]] std::string to_json(const std::string& sensor_id) const;

private:
    struct Channel {
        double center_mhz = 0.0;
        double airtime_sum = 0.0, airtime_max = 0.0, observed_s = 0.0;
        double floor_sum = 0.0, cost_sum = 0.0;
        std::uint64_t windows = 0, floors = 0, costs = 0;
    };
    struct Seen {
        std::string class_key;
        double low_mhz = 0.0, high_mhz = 0.0, level_max_dbfs = -1e9, duty_sum = 0.0;
        std::uint64_t windows = 0;
        std::string summary;
    };
    double start_ = 0.0, end_ = 0.0, observed_s_ = 0.0;
    std::uint64_t windows_ = 0;
    std::map<int, Channel> channels_;
    std::map<std::pair<std::string, long>, Seen> seen_;
    std::map<std::string, std::uint64_t> events_;
    std::optional<WindowState> last_;
    std::uint64_t dropped_at_start_ = 0, lost_at_start_ = 0, in_at_start_ = 0;
};

}  // namespace coex::monitor
