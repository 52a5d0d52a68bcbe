// The monitor's files: the event log, period reports, whole-file writes and retention.
#include "coex/monitor/files.hpp"

#include "coex/core/error.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>
#include <cstdio>
#include <ctime>

namespace coex::monitor {
namespace fs = std::filesystem;

namespace {

std::tm utc_tm(double unix_s) {
    const auto t = static_cast<std::time_t>(std::floor(unix_s));
    std::tm tm{};
    gmtime_r(&t, &tm);
    return tm;
}

// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
long days_from_civil(long y, unsigned m, unsigned d) {
    y -= m <= 2;
    const long era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<long>(doe) - 719468;
}

std::optional<long> day_number(const std::string& date) {
    int y = 0, m = 0, d = 0;
    if (date.size() < 10 || std::sscanf(date.c_str(), "%4d-%2d-%2d", &y, &m, &d) != 3 || m < 1 || m > 12 || d < 1 || d > 31) return std::nullopt;
    return days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
}

double rounded(double x, int decimals) {
    const double scale = std::pow(10.0, decimals);
    return std::round(x * scale) / scale;
}

}  // namespace

std::string utc_date(double unix_s) {
    const auto tm = utc_tm(unix_s);
    char t[16];
    std::strftime(t, sizeof t, "%Y-%m-%d", &tm);
    return t;
}

std::string utc_time(double unix_s) {
    const auto tm = utc_tm(unix_s);
    char t[32];
    std::strftime(t, sizeof t, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return t;
}

std::optional<double> parse_utc(const std::string& text) {
    int y = 0, mo = 0, d = 0, h = 0, mi = 0;
    double s = 0.0;
    int used = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &used) != 3) return std::nullopt;
    if (mo < 1 || mo > 12 || d < 1 || d > 31) return std::nullopt;
    std::string rest = text.substr(static_cast<std::size_t>(used));
    if (!rest.empty()) {
        if (rest[0] != 'T' && rest[0] != ' ') return std::nullopt;
        int n = 0;
        if (std::sscanf(rest.c_str() + 1, "%2d:%2d:%lf%n", &h, &mi, &s, &n) != 3) return std::nullopt;
        rest = rest.substr(1 + static_cast<std::size_t>(n));
    }
    double offset = 0.0;
    if (!rest.empty() && rest != "Z") {
        int oh = 0, om = 0;
        if ((rest[0] != '+' && rest[0] != '-') || std::sscanf(rest.c_str() + 1, "%2d:%2d", &oh, &om) != 2) return std::nullopt;
        offset = (rest[0] == '-' ? -1.0 : 1.0) * (oh * 3600.0 + om * 60.0);
    }
    const double day = static_cast<double>(days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)));
    return day * 86400.0 + h * 3600.0 + mi * 60.0 + s - offset;
}

void write_whole_file(const fs::path& path, const std::string& bytes) {
    // Written aside, forced to the disk, then renamed over the old one: a kill or a power cut at any
    // moment leaves either the old file or the new one, whole (and at worst a stray .part).
    const fs::path aside = path.string() + ".part";
    const int fd = ::open(aside.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    std::error_code ec;
    if (fd < 0) throw InputError(aside.string() + ": cannot write: " + std::strerror(errno));
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            // A full disk: the file it would have replaced stays whole, and no half-written copy is left.
            const std::string why = std::strerror(errno);
            ::close(fd);
            fs::remove(aside, ec);
            throw InputError(aside.string() + ": cannot write: " + why);
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        const std::string why = std::strerror(errno);
        fs::remove(aside, ec);
        throw InputError(aside.string() + ": cannot write: " + why);
    }
    fs::rename(aside, path, ec);
    if (ec) {
        std::error_code rm;
        fs::remove(aside, rm);
        throw InputError(path.string() + ": cannot replace: " + ec.message());
    }
}

std::size_t remove_older_than(const fs::path& dir, const std::string& prefix, const std::string& today, int keep_days) {
    const auto now = day_number(today);
    if (!now) return 0;
    std::size_t removed = 0;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.rfind(prefix, 0) != 0) continue;
        const auto day = day_number(name.substr(prefix.size()));
        if (day && *now - *day > keep_days) {
            std::error_code rm;
            if (fs::remove(it->path(), rm)) ++removed;
        }
    }
    return removed;
}

// ---- the event log --------------------------------------------------------------------------------

EventLog::EventLog(fs::path dir, int keep_days, std::uint64_t max_bytes) : dir_(std::move(dir)), keep_days_(keep_days), max_bytes_(max_bytes) {
    std::error_code ec;
    fs::create_directories(dir_, ec);
    const auto file = path();
    if (fs::exists(file)) {
        // Carry on from an earlier run: its day is the day of its first line; a line cut short by a crash
        // is ended so that what follows starts on a line of its own.
        std::ifstream in(file, std::ios::binary);
        std::string first;
        std::getline(in, first);
        try {
            if (!first.empty()) day_ = utc_date(event_from_json(first, file.string()).start_unix_s);
        } catch (const InputError&) {
            day_ = utc_date(static_cast<double>(std::time(nullptr)));
        }
        size_ = fs::file_size(file, ec);
        if (size_ > 0) {
            // A last line without its newline was cut short (a power cut; a kill cannot, since every
            // line goes out in one write): it is no whole event, so it is dropped and counted.
            std::ifstream in_tail(file, std::ios::binary);
            const std::uint64_t look = std::min<std::uint64_t>(size_, 1u << 20);
            std::string tail(look, '\0');
            in_tail.seekg(-static_cast<std::streamoff>(look), std::ios::end);
            in_tail.read(tail.data(), static_cast<std::streamsize>(look));
            if (tail.back() != '\n') {
                const auto newline = tail.rfind('\n');
                const std::uint64_t keep = newline == std::string::npos ? size_ - look : size_ - look + newline + 1;
                fs::resize_file(file, keep, ec);
                if (ec) throw InputError(file.string() + ": cannot drop the line cut short at its end: " + ec.message());
                size_ = keep;
                ++torn_lines_;
            }
        }
    }
    open();
}

void EventLog::open() {
    // Unbuffered: each event goes to the file in one write of its whole line, so a kill never leaves
    // half a line behind.
    out_.rdbuf()->pubsetbuf(nullptr, 0);
    out_.open(path(), std::ios::binary | std::ios::app);
    if (!out_) throw InputError(path().string() + ": cannot open for appending");
}

void EventLog::roll(const std::string& day) {
    out_.close();
    std::string name = "events-" + (day_.empty() ? day : day_);
    fs::path target = dir_ / (name + ".jsonl");
    for (int n = 1; fs::exists(target); ++n) target = dir_ / (name + "." + std::to_string(n) + ".jsonl");
    std::error_code ec;
    fs::rename(path(), target, ec);
    if (ec) throw InputError(path().string() + ": cannot roll to " + target.string() + ": " + ec.message());
    size_ = 0;
    day_.clear();
    remove_older_than(dir_, "events-", day, keep_days_);
    open();
}

void EventLog::window(const WindowState&) {}

void EventLog::event(const Event& e) {
    const std::string line = to_json(e) + "\n";
    const std::string day = utc_date(e.end_unix_s.value_or(e.start_unix_s));
    if (size_ > 0 && ((!day_.empty() && day > day_) || size_ + line.size() > max_bytes_)) roll(day);
    if (day_.empty()) day_ = day;
    out_ << line;
    out_.flush();
    if (!out_) {
        // A full disk: cut off whatever part of the line reached the file, so the log stays whole lines,
        // and open it again for the next event.
        out_.close();
        std::error_code ec;
        fs::resize_file(path(), size_, ec);
        out_.clear();
        out_.open(path(), std::ios::binary | std::ios::app);
        throw InputError(path().string() + ": cannot write an event (disk full?)");
    }
    size_ += line.size();
    ++written_;
}

void EventLog::stopping(std::string_view) { out_.flush(); }

// ---- period reports -------------------------------------------------------------------------------

void PeriodSummary::add(const WindowState& s) {
    if (windows_ == 0) {
        start_ = s.start_unix_s;
        if (last_) {
            in_at_start_ = last_->samples_in;
            dropped_at_start_ = last_->samples_dropped;
            lost_at_start_ = last_->samples_lost;
        }
    }
    end_ = s.end_unix_s;
    ++windows_;
    observed_s_ += s.observed_s;
    for (const auto& c : s.channels) {
        auto& ch = channels_[c.channel];
        ch.center_mhz = c.center_mhz;
        ch.airtime_sum += c.airtime;
        ch.airtime_max = std::max(ch.airtime_max, c.airtime);
        ch.observed_s += c.observed_s;
        ++ch.windows;
        if (c.noise_floor_dbfs_per_mhz) {
            ch.floor_sum += *c.noise_floor_dbfs_per_mhz;
            ++ch.floors;
        }
        if (c.cost) {
            ch.cost_sum += *c.cost;
            ++ch.costs;
        }
    }
    constexpr std::size_t kMaxSeen = 512;  // a bound on memory whatever the band holds
    for (const auto& e : s.emitters) {
        const auto key = std::make_pair(e.class_key, std::lround((e.low_mhz + e.high_mhz) / 2.0));
        auto it = seen_.find(key);
        if (it == seen_.end()) {
            if (seen_.size() >= kMaxSeen) continue;
            it = seen_.emplace(key, Seen{e.class_key, e.low_mhz, e.high_mhz, -1e9, 0.0, 0, e.summary}).first;
        }
        auto& seen = it->second;
        seen.low_mhz = std::min(seen.low_mhz, e.low_mhz);
        seen.high_mhz = std::max(seen.high_mhz, e.high_mhz);
        seen.level_max_dbfs = std::max(seen.level_max_dbfs, e.level_dbfs);
        seen.duty_sum += e.duty_cycle;
        ++seen.windows;
    }
    last_ = s;
}

void PeriodSummary::next() {
    start_ = end_ = observed_s_ = 0.0;
    windows_ = 0;
    channels_.clear();
    seen_.clear();
    events_.clear();
}

void PeriodSummary::add(const Event& e) { ++events_[std::string(to_string(e.kind))]; }

std::string PeriodSummary::to_json(const std::string& sensor_id) const {
    using nlohmann::ordered_json;
    ordered_json channels = ordered_json::array();
    for (const auto& [number, c] : channels_) {
        ordered_json j = {{"channel", number},
                          {"center_mhz", c.center_mhz},
                          {"windows", c.windows},
                          {"observed_s", rounded(c.observed_s, 3)},
                          {"airtime_mean", rounded(c.airtime_sum / static_cast<double>(c.windows), 4)},
                          {"airtime_max", rounded(c.airtime_max, 4)}};
        j["noise_floor_dbfs_per_mhz"] = c.floors ? ordered_json(rounded(c.floor_sum / static_cast<double>(c.floors), 2)) : ordered_json(nullptr);
        j["cost_mean"] = c.costs ? ordered_json(rounded(c.cost_sum / static_cast<double>(c.costs), 4)) : ordered_json(nullptr);
        channels.push_back(j);
    }
    std::vector<const Seen*> seen;
    for (const auto& [k, s] : seen_) seen.push_back(&s);
    std::stable_sort(seen.begin(), seen.end(), [](const Seen* a, const Seen* b) { return a->windows > b->windows; });
    ordered_json emitters = ordered_json::array();
    for (const auto* s : seen)
        emitters.push_back({{"class", s->class_key},
                            {"low_mhz", rounded(s->low_mhz, 3)},
                            {"high_mhz", rounded(s->high_mhz, 3)},
                            {"windows", s->windows},
                            {"share_of_windows", rounded(static_cast<double>(s->windows) / static_cast<double>(windows_), 4)},
                            {"level_max_dbfs", rounded(s->level_max_dbfs, 2)},
                            {"duty_cycle_mean", rounded(s->duty_sum / static_cast<double>(s->windows), 4)},
                            {"summary", s->summary}});
    ordered_json events = ordered_json::object();
    for (const char* kind : {"appeared", "changed", "disappeared"}) {
        const auto it = events_.find(kind);
        events[kind] = it == events_.end() ? 0 : it->second;
    }
    ordered_json j = {{"schema", "coex-monitor-period/1"},
                      {"sensor", sensor_id},
                      {"start", rounded(start_, 3)},
                      {"end", rounded(end_, 3)},
                      {"start_utc", utc_time(start_)},
                      {"windows", windows_},
                      {"observed_s", rounded(observed_s_, 3)},
                      {"channels", channels},
                      {"emitters", emitters},
                      {"events", events}};
    if (last_) {
        j["recommendation"] = {{"channel", last_->recommended_channel ? ordered_json(*last_->recommended_channel) : ordered_json(nullptr)},
                               {"current_channel", last_->current_channel ? ordered_json(*last_->current_channel) : ordered_json(nullptr)},
                               {"headline", last_->headline},
                               {"reasons", last_->reasons}};
        j["counters"] = {{"samples_in", last_->samples_in - in_at_start_},
                         {"samples_dropped", last_->samples_dropped - dropped_at_start_},
                         {"samples_lost", last_->samples_lost - lost_at_start_},
                         {"samples_in_total", last_->samples_in},
                         {"samples_dropped_total", last_->samples_dropped},
                         {"samples_lost_total", last_->samples_lost}};
    }
    return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace coex::monitor
