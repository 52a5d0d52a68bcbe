// coex monitor's engine (coex/monitor/monitor.hpp, docs/monitor.md).
#include "coex/monitor/monitor.hpp"

#include "coex/core/bands.hpp"
#include "coex/core/cpu_time.hpp"
#include "coex/core/emitter_class.hpp"
#include "coex/core/error.hpp"
#include "coex/render/day_picture.hpp"
#include "coex/render/html.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace coex::monitor {
namespace fs = std::filesystem;

namespace {

constexpr double kDayRowMinS = 10.0;       // the day keeps a row per window, at most one per 10 s (8640 a day)
constexpr std::size_t kDayMarksMax = 5000;  // events marked on one day's picture

struct Band {
    int first_mhz = 2400, last_mhz = 2483;
};

Band band_for(RegDomain domain) {
    const auto channels = wifi_channels(domain);
    const double top = channels.empty() ? 2483.0 : channels.back().center_mhz + 10.0;
    return {2400, static_cast<int>(std::max(2483.0, std::ceil(top)))};
}

// Stage CPU accounting: adds the thread CPU spent in a scope to a counter.
class CpuScope {
public:
    explicit CpuScope(double& into) : into_(into), start_(thread_cpu_seconds()) {}
    ~CpuScope() { into_ += thread_cpu_seconds() - start_; }
    CpuScope(const CpuScope&) = delete;
    CpuScope& operator=(const CpuScope&) = delete;

private:
    double& into_;
    double start_;
};

}  // namespace

void validate(const MonitorConfig& c) {
    if (!(c.window_s >= 0.5 && c.window_s <= 3600.0)) throw ConfigError("window_s", "must be 0.5 s … 1 h");
    if (!(c.period_s >= c.window_s && c.period_s <= 86400.0)) throw ConfigError("period_s", "must be at least one window and at most a day");
    if (c.keep_days < 1 || c.keep_days > 36500) throw ConfigError("keep_days", "must be 1 … 36500");
    if (c.sensor_id.empty() || c.sensor_id.size() > 64) throw ConfigError("sensor_id", "must be 1 … 64 characters");
    for (const char ch : c.sensor_id)
        if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.'))
            throw ConfigError("sensor_id", "'" + c.sensor_id + "': use letters, digits, '-', '_' and '.' (it names MQTT topics and files)");
    validate(c.events);
    validate(c.advisor);
    analysis::validate(c.run.analysis);
    std::error_code ec;
    fs::create_directories(c.out_dir / "reports", ec);
    if (!ec) fs::create_directories(c.out_dir / "days", ec);
    if (ec) throw InputError(c.out_dir.string() + ": cannot create the monitor's folders: " + ec.message());
    const fs::path probe = c.out_dir / ".coex-monitor-probe";
    {
        std::ofstream out(probe);
        out << "probe\n";
        if (!out.flush()) throw InputError(c.out_dir.string() + ": not writable");
    }
    fs::remove(probe, ec);
}

// ---- the day at a glance ----------------------------------------------------------------------------

class Monitor::Day {
public:
    Day(const MonitorConfig& config, Band band)
        : config_(config), band_(band), channels_(wifi_channels(config.run.analysis.domain)), row_s_(std::max(kDayRowMinS, config.window_s)) {}

    // Starts a new day (writing the finished one's last picture) when the window belongs to another.
    bool add(const WindowState& s, const BandSpectrum& spectrum) {
        const std::string date = utc_date(s.start_unix_s);
        bool rolled = false;
        if (!date_.empty() && date != date_) {
            draw();
            rolled = true;
            data_.rows.clear();
            data_.marks.clear();
            counts_ = {};
        }
        if (date_ != date) {
            date_ = date;
            midnight_ = std::floor(s.start_unix_s / 86400.0) * 86400.0;
        }
        const double t0 = s.start_unix_s - midnight_, t1 = s.end_unix_s - midnight_;
        const long bucket = static_cast<long>(std::floor(t0 / row_s_));
        const float nan = std::numeric_limits<float>::quiet_NaN();
        if (data_.rows.empty() || bucket != bucket_) {
            render::DayPictureData::Row row;
            row.start_s = t0;
            row.end_s = t1;
            row.max_dbfs.assign(spectrum.cells(), nan);
            row.mean_dbfs.assign(spectrum.cells(), nan);
            row.airtime.assign(channels_.size(), nan);
            data_.rows.push_back(std::move(row));
            bucket_ = bucket;
            merged_ = 0;
        }
        auto& row = data_.rows.back();
        row.end_s = std::max(row.end_s, t1);
        ++merged_;
        for (std::size_t c = 0; c < spectrum.cells(); ++c) {
            if (const auto mx = spectrum.max_dbfs(c)) row.max_dbfs[c] = std::isfinite(row.max_dbfs[c]) ? std::max(row.max_dbfs[c], static_cast<float>(*mx)) : static_cast<float>(*mx);
            if (const auto mn = spectrum.mean_dbfs(c)) {
                // Windows merged into one row (windows shorter than 10 s) average in power.
                const double prev = std::isfinite(row.mean_dbfs[c]) ? std::pow(10.0, row.mean_dbfs[c] / 10.0) : 0.0;
                const double n = std::isfinite(row.mean_dbfs[c]) ? static_cast<double>(merged_ - 1) : 0.0;
                row.mean_dbfs[c] = static_cast<float>(10.0 * std::log10((prev * n + std::pow(10.0, *mn / 10.0)) / (n + 1.0)));
            }
        }
        for (const auto& ch : s.channels)
            for (std::size_t k = 0; k < channels_.size(); ++k)
                if (channels_[k].number == ch.channel)
                    row.airtime[k] = std::isfinite(row.airtime[k]) ? std::max(row.airtime[k], static_cast<float>(ch.airtime)) : static_cast<float>(ch.airtime);
        last_ = s;
        return rolled;
    }

    void add(const Event& e) {
        if (e.kind == EventKind::appeared) ++counts_[0];
        else if (e.kind == EventKind::changed) ++counts_[1];
        else ++counts_[2];
        if (date_.empty() || data_.marks.size() >= kDayMarksMax) return;
        const double t = e.kind == EventKind::disappeared ? e.end_unix_s.value_or(e.start_unix_s) : e.start_unix_s;
        if (t < midnight_ || t >= midnight_ + 86400.0) return;
        render::DayPictureData::Mark m;
        m.time_s = t - midnight_;
        m.low_mhz = e.low_mhz;
        m.high_mhz = e.high_mhz;
        m.kind = e.kind == EventKind::appeared ? 0 : e.kind == EventKind::changed ? 1 : 2;
        const auto cls = emitter_class_from_key(e.class_key);
        m.emitter_class = cls.value_or(EmitterClass::unknown);
        const std::string name = cls ? std::string(display_name(*cls)) : e.class_key;
        m.label = name + (e.kind == EventKind::appeared ? " on" : e.kind == EventKind::disappeared ? " off" : " changed");
        data_.marks.push_back(std::move(m));
    }

    // Redraws the day's picture (written aside, then renamed into place).
    void draw() {
        if (date_.empty()) return;
        data_.title = "coex monitor · " + config_.sensor_id + " · " + date_ + " (UTC)";
        data_.first_mhz = band_.first_mhz;
        data_.channels.clear();
        data_.channel_mhz.clear();
        for (const auto& c : channels_) {
            data_.channels.push_back(c.number);
            data_.channel_mhz.push_back(c.center_mhz);
        }
        data_.legend_lines.clear();
        char line[256];
        std::snprintf(line, sizeof line, "%zu row%s of %.0f s · events: %llu appeared, %llu changed, %llu disappeared", data_.rows.size(),
                      data_.rows.size() == 1 ? "" : "s", row_s_,
                      static_cast<unsigned long long>(counts_[0]), static_cast<unsigned long long>(counts_[1]),
                      static_cast<unsigned long long>(counts_[2]));
        data_.legend_lines.emplace_back(line);
        if (last_ && last_->recommended_channel)
            data_.legend_lines.push_back("recommendation at " + utc_time(last_->end_unix_s).substr(11, 8) + " UTC: " + last_->headline);
        const auto picture = render::draw_day(data_);
        write_whole_file(config_.out_dir / "days" / (date_ + ".png"), picture.png);
        write_whole_file(config_.out_dir / "days" / (date_ + ".html"), render::render_day_html(data_, picture));
        remove_older_than(config_.out_dir / "days", "", date_, config_.keep_days);
        ++drawn_;
    }

    [[nodiscard]] std::uint64_t drawn() const { return drawn_; }

private:
    const MonitorConfig& config_;
    Band band_;
    std::vector<WifiChannel> channels_;
    double row_s_;
    std::string date_;
    double midnight_ = 0.0;
    long bucket_ = 0;
    std::uint64_t merged_ = 0;
    render::DayPictureData data_;
    std::array<std::uint64_t, 3> counts_{};
    std::optional<WindowState> last_;
    std::uint64_t drawn_ = 0;
};

// ---- the monitor -----------------------------------------------------------------------------------

Monitor::Monitor(MonitorConfig config, std::vector<std::unique_ptr<Sink>> sinks)
    : config_((validate(config), std::move(config))),
      sinks_(std::move(sinks)),
      tracker_(config_.sensor_id, config_.events),
      advisor_(config_.advisor) {
    const Band band = band_for(config_.run.analysis.domain);
    spectrum_ = std::make_unique<BandSpectrum>(band.first_mhz, band.last_mhz, config_.run.analysis.spectrogram.window);
    day_ = std::make_unique<Day>(config_, band);
    config_.run.analysis.on_frame = [this](const analysis::FrameView& frame) { spectrum_->add(frame); };
    config_.run.analysis.keep_bursts = false;  // a window's bursts are never needed after it
}

Monitor::~Monitor() = default;

void Monitor::account(std::uint64_t samples_dropped, std::uint64_t samples_lost) {
    dropped_ = samples_dropped;
    lost_ = samples_lost;
}

void Monitor::radio(const RadioHealth& health) {
    const bool changed = !radio_ || radio_->present != health.present || radio_->outages != health.outages ||
                         radio_->reopens != health.reopens || radio_->reopen_failures != health.reopen_failures;
    radio_ = health;
    if (changed && !finished_) {
        CpuScope cpu(stats_.cpu_files_s);
        write_status(health.present ? "running" : "radio away");
    }
}

// A file write that fails (InputError: a full disk, a read-only folder) is counted and the monitor goes
// on; write_whole_file leaves the file it would have replaced as it was.
template <class F>
void Monitor::guarded_write(F&& write) {
    try {
        write();
    } catch (const InputError& e) {
        ++stats_.write_failures;
        stats_.last_write_error = e.what();
    }
}

void Monitor::consume(const SampleBlock& block) {
    const double rate = block.segment.sample_rate_hz;
    const double t = block.segment.start_time_s + static_cast<double>(block.first_sample) / rate;
    if (!stream_start_s_) {
        stream_start_s_ = t;
        window_start_s_ = t;
    }
    // A block starting at or after the window's end closes it (and windows the stream skipped, in a gap,
    // are not made up: the next window starts on the grid where this block falls).
    if (t >= window_start_s_ + config_.window_s) {
        if (pipeline_) close_window(window_start_s_ + config_.window_s);
        window_start_s_ = *stream_start_s_ + std::floor((t - *stream_start_s_) / config_.window_s) * config_.window_s;
    }
    if (!pipeline_) {
        CpuScope cpu(stats_.cpu_analysis_s);
        pipeline_ = std::make_unique<analysis::Pipeline>(config_.run);
    }
    {
        CpuScope cpu(stats_.cpu_analysis_s);
        pipeline_->consume(block);
    }
    window_samples_ += block.samples.size();
    stats_.samples_in += block.samples.size();
    window_last_s_ = t + static_cast<double>(block.samples.size()) / rate;
}

void Monitor::close_window(double end_stream_s) {
    report::Report report;
    {
        CpuScope cpu(stats_.cpu_analysis_s);
        report = pipeline_->finish(SourceStats{window_samples_, 0, 0});
        pipeline_.reset();
    }
    WindowSummary summary;
    std::vector<Event> events;
    {
        CpuScope cpu(stats_.cpu_summary_s);
        const double origin = config_.origin_unix_s;
        summary = summarize(report, {config_.sensor_id, origin + window_start_s_, origin + end_stream_s, origin});
        auto& s = summary.state;
        packets_ += packets_decoded(report);
        s.samples_in = stats_.samples_in;
        s.samples_dropped = dropped_;
        s.samples_lost = lost_;
        s.packets_decoded = packets_;
        s.windows = ++stats_.windows;
        advisor_.update(s);
        events = tracker_.update(summary, s.observed_s > 0.0);
        deliver(events);
        for (auto& sink : sinks_) guarded_write([&] { sink->window(s); });
    }
    window_samples_ = 0;
    const auto& s = summary.state;
    // The period this window belongs to (counted from the stream's start): a new one closes the last.
    const long period = static_cast<long>(std::floor((window_start_s_ - *stream_start_s_ + 1e-9) / config_.period_s));
    {
        CpuScope cpu(stats_.cpu_files_s);
        if (period != period_index_ && !period_.empty()) close_period();
        period_index_ = period;
        for (const auto& e : events) {
            period_.add(e);
            day_->add(e);
            if (e.kind == EventKind::appeared) ++stats_.events_appeared;
            else if (e.kind == EventKind::changed) ++stats_.events_changed;
            else ++stats_.events_disappeared;
        }
        period_.add(s);
        bool rolled = false;
        guarded_write([&] { rolled = day_->add(s, *spectrum_); });
        if (rolled) ++stats_.pictures;
    }
    spectrum_->clear();
    last_ = s;
}

void Monitor::close_period() {
    const std::string stamp = utc_time(period_.start_unix_s());
    std::string name = "period-" + stamp.substr(0, 10) + "T" + stamp.substr(11, 2) + stamp.substr(14, 2) + stamp.substr(17, 2) + "Z.json";
    bool written = false;
    guarded_write([&] {
        write_whole_file(config_.out_dir / "reports" / name, period_.to_json(config_.sensor_id));
        written = true;
    });
    remove_older_than(config_.out_dir / "reports", "period-", stamp.substr(0, 10), config_.keep_days);
    period_.next();
    if (written) ++stats_.periods;
    bool drawn = false;
    guarded_write([&] {
        day_->draw();
        drawn = true;
    });
    if (drawn) ++stats_.pictures;
    write_status("running");
}

void Monitor::write_status(std::string_view state) {
    using nlohmann::ordered_json;
    ordered_json j = {{"schema", "coex-monitor-status/1"},
                      {"sensor", config_.sensor_id},
                      {"state", std::string(state)},
                      {"origin", config_.origin_unix_s},
                      {"origin_utc", utc_time(config_.origin_unix_s)},
                      {"window_s", config_.window_s},
                      {"period_s", config_.period_s},
                      {"windows", stats_.windows},
                      {"periods", stats_.periods},
                      {"pictures", stats_.pictures},
                      {"events", {{"appeared", stats_.events_appeared}, {"changed", stats_.events_changed}, {"disappeared", stats_.events_disappeared}}},
                      {"samples", {{"in", stats_.samples_in}, {"dropped", dropped_}, {"lost", lost_}}},
                      {"cpu_s", {{"analysis", stats_.cpu_analysis_s}, {"summary", stats_.cpu_summary_s}, {"files", stats_.cpu_files_s}}},
                      {"files", {{"write_failures", stats_.write_failures}, {"events_unlogged", stats_.events_unlogged},
                                 {"last_error", stats_.last_write_error}}}};
    if (radio_)
        j["radio"] = {{"present", radio_->present},
                      {"outages", radio_->outages},
                      {"reopens", radio_->reopens},
                      {"reopen_failures", radio_->reopen_failures},
                      {"samples_unobserved", radio_->samples_unobserved},
                      {"unobserved_s", radio_->unobserved_s},
                      {"last_fault", radio_->last_fault}};
    if (last_) {
        j["last_window_end"] = last_->end_unix_s;
        j["recommended_channel"] = last_->recommended_channel ? ordered_json(*last_->recommended_channel) : ordered_json(nullptr);
        j["headline"] = last_->headline;
    }
    guarded_write([&] { write_whole_file(config_.out_dir / "status.json", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n"); });
}

void Monitor::deliver(const std::vector<Event>& events) {
    for (const auto& e : events)
        for (auto& sink : sinks_) {
            try {
                sink->event(e);
            } catch (const InputError& error) {
                ++stats_.events_unlogged;
                stats_.last_write_error = error.what();
            }
        }
}

void Monitor::finish(std::string_view reason) {
    if (finished_) return;
    finished_ = true;
    if (pipeline_) close_window(std::max(window_last_s_, window_start_s_));
    std::vector<Event> events;
    {
        CpuScope cpu(stats_.cpu_summary_s);
        events = tracker_.finish();
        deliver(events);
    }
    CpuScope cpu(stats_.cpu_files_s);
    for (const auto& e : events) {
        period_.add(e);
        day_->add(e);
        ++stats_.events_disappeared;
    }
    if (!period_.empty()) close_period();
    else {
        guarded_write([&] { day_->draw(); });
        if (day_->drawn()) ++stats_.pictures;
    }
    write_status(std::string("stopped: ") + std::string(reason));
    for (auto& sink : sinks_) sink->stopping(reason);
}

}  // namespace coex::monitor
