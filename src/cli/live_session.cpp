#include "live_session.hpp"

#include "commands.hpp"

#include "coex/core/cpu_time.hpp"
#include "coex/core/text.hpp"
#include "coex/analysis/pipeline.hpp"
#include "coex/core/error.hpp"
#include "coex/source/planner.hpp"
#include "coex/source/radio.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>
#include <sstream>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace po = boost::program_options;

namespace coex::cli {
namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int signal) {
    g_stop.store(true);
    std::signal(signal, SIG_DFL);  // a second Ctrl-C ends the process the usual way
}

// "12.5ms" → (12.5, "ms"); UsageError when there is no number.
std::pair<double, std::string> split_number(const std::string& option, const std::string& text) {
    std::size_t used = 0;
    double v = 0.0;
    try {
        v = std::stod(text, &used);
    } catch (const std::exception&) {
        throw UsageError{option + ": '" + text + "' is not a number"};
    }
    if (!std::isfinite(v)) throw UsageError{option + ": '" + text + "' is not a finite number"};
    std::string unit = text.substr(used);
    unit.erase(std::remove_if(unit.begin(), unit.end(), [](unsigned char c) { return std::isspace(c); }), unit.end());
    return {v, unit};
}

std::string mega(double v) {
    char t[32];
    if (v >= 1e9) std::snprintf(t, sizeof t, "%.2fG", v / 1e9);
    else if (v >= 1e6) std::snprintf(t, sizeof t, "%.1fM", v / 1e6);
    else if (v >= 1e3) std::snprintf(t, sizeof t, "%.1fk", v / 1e3);
    else std::snprintf(t, sizeof t, "%.0f", v);
    return t;
}

source::GainSetting parse_gain(const std::string& text) {
    source::GainSetting g;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) {
        const auto eq = item.find('=');
        if (eq == std::string::npos) {
            if (g.overall_db) throw UsageError{"--gain: give one overall value (40) or NAME=DB elements (LNA=24,VGA=20)"};
            g.overall_db = split_number("--gain", item).first;
        } else {
            const std::string name = item.substr(0, eq);
            const auto [v, unit] = split_number("--gain", item.substr(eq + 1));
            if (name.empty() || (!unit.empty() && unit != "dB")) throw UsageError{"--gain: '" + item + "' is not NAME=DB"};
            g.elements.emplace_back(name, v);
        }
    }
    if (!g.overall_db && g.elements.empty()) throw UsageError{"--gain: empty"};
    return g;
}

}  // namespace

void add_radio_options(po::options_description& options, RadioOptions& o, bool sweep) {
    options.add_options()
        ("device", po::value(&o.device)->value_name("ARGS"), "SoapySDR device arguments: driver=hackrf, driver=rtlsdr, driver=coexsim,scene=FILE.json, driver=remote,remote=tcp://HOST:55132,remote:driver=hackrf …")
        ("rate", po::value(&o.rate)->value_name("HZ"), "sample rate (default: the radio's highest; RTL-SDR 2.4e6)")
        ("gain", po::value(&o.gain)->value_name("DB|NAME=DB,…"), "overall gain, or per element (HackRF default AMP=0,LNA=16,VGA=20; RTL-SDR 30)")
        ("antenna", po::value(&o.antenna)->value_name("NAME"), "antenna port")
        ("bandwidth", po::value(&o.bandwidth)->value_name("HZ"), "trusted passband, also asked of the radio's filter (default: 90 % of the rate)")
        ("lo-offset", po::value(&o.lo_offset)->value_name("HZ"), "a downconverter in front: RF = tuned + offset (e.g. 2000e6)")
        ("invert", po::bool_switch(&o.invert), "the downconverter's LO is above the band: RF = offset − tuned, spectrum mirrored")
        ("duration", po::value(&o.duration)->value_name("TIME"), "how long to stream (30s, 2m, 500ms)")
        ("settle", po::value(&o.settle)->value_name("TIME"), "samples discarded after each retune (default per driver: HackRF 10ms, RTL-SDR 20ms)")
        ("ring", po::value(&o.ring)->value_name("TIME"), "buffer between the radio and the pipeline, in seconds of samples (default 0.5s)")
        ("stall-timeout", po::value(&o.stall)->value_name("TIME"), "end when the radio delivers nothing for this long (default 5s)")
        ("view", po::value(&o.view)->value_name("MODE"), "live view on stderr: auto (when it is a terminal), on, off")
        ("verbose", po::bool_switch(&o.verbose), "show the drivers' warnings");
    if (sweep) {
        options.add_options()
            ("band", po::value(&o.band)->value_name("LO:HI"), "band to sweep, MHz (default 2400:2483.5)")
            ("plan", po::value(&o.plan)->value_name("KIND"), "auto (default), wifi (a dwell on every Wi-Fi channel), cover (fewest dwells)")
            ("dwell", po::value(&o.dwell)->value_name("TIME"), "time on each tuning of a sweep (default 100ms)")
            ("rounds", po::value(&o.rounds)->value_name("N"), "passes over the sweep (with --duration: whichever ends first)")
            ("country", po::value(&o.country)->value_name("CC"), "regulatory domain: US, EU (default), JP");
    }
}

double parse_seconds(const std::string& option, const std::string& text) {
    const auto [v, unit] = split_number(option, text);
    double s = v;
    if (unit == "ms") s = v * 1e-3;
    else if (unit == "us" || unit == "µs") s = v * 1e-6;
    else if (unit == "m" || unit == "min") s = v * 60.0;
    else if (unit == "h") s = v * 3600.0;
    else if (!unit.empty() && unit != "s") throw UsageError{option + ": '" + text + "': units are us, ms, s, m, h"};
    if (!(s >= 0.0)) throw UsageError{option + ": '" + text + "' is negative"};
    return s;
}

double parse_hertz(const std::string& option, const std::string& text) {
    auto [v, unit] = split_number(option, text);
    std::string u = unit;
    if (u.size() >= 2 && (u.substr(u.size() - 2) == "Hz" || u.substr(u.size() - 2) == "hz")) u.resize(u.size() - 2);
    if (u == "k" || u == "K") v *= 1e3;
    else if (u == "M") v *= 1e6;
    else if (u == "G") v *= 1e9;
    else if (!u.empty()) throw UsageError{option + ": '" + text + "': give Hz (2000e6) or with k, M, G (2000M)"};
    return v;
}

std::uint64_t parse_bytes(const std::string& option, const std::string& text) {
    auto [v, unit] = split_number(option, text);
    std::string u = unit;
    if (!u.empty() && (u.back() == 'B' || u.back() == 'b')) u.pop_back();
    double f = 1.0;
    if (u == "k" || u == "K") f = 1e3;
    else if (u == "M") f = 1e6;
    else if (u == "G") f = 1e9;
    else if (u == "T") f = 1e12;
    else if (!u.empty()) throw UsageError{option + ": '" + text + "': give bytes, or with k, M, G, T (2G)"};
    if (!(v * f >= 1.0)) throw UsageError{option + ": '" + text + "' is less than one byte"};
    return static_cast<std::uint64_t>(v * f);
}

LiveSetup open_live(const RadioOptions& o, std::optional<double> default_duration, bool reopen) {
    if (o.device.empty()) throw UsageError{"--device is required (e.g. --device driver=hackrf; 'coex devices' lists what SoapySDR sees)"};
    if (o.view != "auto" && o.view != "on" && o.view != "off") throw UsageError{"--view: '" + o.view + "' is not one of auto, on, off"};
    LiveSetup setup;
    setup.device_args = o.device;
    const auto domain = parse_reg_domain(o.country);
    if (!domain) throw UsageError{"--country: '" + o.country + "' is not one of US, EU, JP"};
    setup.domain = *domain;

    // Everything that can be checked without the radio first.
    source::PlanRequest rq;
    rq.domain = *domain;
    {
        const auto colon = o.band.find(':');
        if (colon == std::string::npos) throw UsageError{"--band: '" + o.band + "': give LOW:HIGH in MHz (2400:2483.5)"};
        rq.band_low_hz = split_number("--band", o.band.substr(0, colon)).first * 1e6;
        rq.band_high_hz = split_number("--band", o.band.substr(colon + 1)).first * 1e6;
    }
    const auto kind = source::parse_plan_kind(o.plan);
    if (!kind) throw UsageError{"--plan: '" + o.plan + "' is not one of auto, wifi, cover"};
    rq.kind = *kind;
    if (!o.lo_offset.empty()) rq.lo_offset_hz = parse_hertz("--lo-offset", o.lo_offset);
    rq.invert = o.invert;
    if (o.invert && o.lo_offset.empty()) throw UsageError{"--invert: needs --lo-offset (the downconverter's LO frequency)"};
    std::optional<double> rate, bandwidth;
    if (!o.rate.empty()) rate = parse_hertz("--rate", o.rate);
    if (!o.bandwidth.empty()) bandwidth = parse_hertz("--bandwidth", o.bandwidth);
    std::optional<source::GainSetting> gain;
    if (!o.gain.empty()) gain = parse_gain(o.gain);
    source::LiveConfig cfg;
    cfg.dwell_s = parse_seconds("--dwell", o.dwell);
    if (!o.rounds.empty()) {
        const auto [v, unit] = split_number("--rounds", o.rounds);
        if (!unit.empty() || v < 1 || v != std::floor(v)) throw UsageError{"--rounds: '" + o.rounds + "' is not a whole number ≥ 1"};
        cfg.rounds = static_cast<int>(v);
    }
    if (!o.duration.empty()) cfg.duration_s = parse_seconds("--duration", o.duration);
    if (!cfg.rounds && !cfg.duration_s) cfg.duration_s = default_duration;
    cfg.ring_seconds = parse_seconds("--ring", o.ring);
    cfg.stall_timeout_s = parse_seconds("--stall-timeout", o.stall);
    std::optional<double> settle;
    if (!o.settle.empty()) settle = parse_seconds("--settle", o.settle);

    if (o.verbose) source::set_driver_log([](const std::string& line) { std::cerr << "[driver] " << line << "\n"; });
    auto radio = source::open_radio(o.device);
    const auto& info = radio->info();
    const auto defaults = source::driver_defaults(info.family);
    setup.radio_name = defaults.name;

    const double chosen = source::choose_sample_rate(info, rate, defaults.max_rate_hz);
    rq.sample_rate_hz = radio->set_sample_rate(chosen);
    if (!(rq.sample_rate_hz > 0.0)) rq.sample_rate_hz = chosen;
    setup.gain_db = radio->set_gain(gain ? *gain : defaults.gain);  // AGC off; an empty setting keeps the driver's gain
    if (!o.antenna.empty()) radio->set_antenna(o.antenna);
    const double filter = radio->set_bandwidth(bandwidth.value_or(rq.sample_rate_hz));
    if (bandwidth) rq.bandwidth_hz = std::min(*bandwidth, rq.sample_rate_hz);
    else if (filter > 0.0 && filter < 0.9 * rq.sample_rate_hz) rq.bandwidth_hz = filter;  // the filter is narrower than the usual 90 %
    rq.tunable_hz = info.frequency_ranges_hz;
    rq.radio_name = defaults.name;
    cfg.plan = source::plan_sweep(rq);
    cfg.settle_s = settle.value_or(defaults.settle_s);
    cfg.stop = &install_stop_signals();
    cfg.gain_db = setup.gain_db;
    if (reopen) {
        // The same radio, set up as it was: rate, gain, antenna and filter (the reader tunes it).
        cfg.reopen = [device = o.device, rate = rq.sample_rate_hz, gain = gain ? *gain : defaults.gain, antenna = o.antenna,
                      filter = bandwidth.value_or(rq.sample_rate_hz)] {
            auto again = source::open_radio(device);
            again->set_sample_rate(rate);
            again->set_gain(gain);
            if (!antenna.empty()) again->set_antenna(antenna);
            again->set_bandwidth(filter);
            return again;
        };
    }
    setup.source = std::make_unique<source::LiveSource>(std::move(radio), cfg);
    return setup;
}

const std::atomic<bool>& install_stop_signals() {
    static const bool installed = [] {
        std::signal(SIGINT, on_stop_signal);
        std::signal(SIGTERM, on_stop_signal);
        return true;
    }();
    (void)installed;
    return g_stop;
}

// ---- recording ------------------------------------------------------------------------------------

io::SampleType sample_type_of(const std::string& name) {
    if (name == "int8") return io::SampleType::int8;
    if (name == "int16") return io::SampleType::int16;
    return io::SampleType::float32;
}

io::CaptureMetadata metadata_for(const LiveSetup& setup, const std::string& command) {
    const auto& info = setup.source->radio_info();
    const auto& plan = setup.source->plan();
    io::CaptureMetadata m;
    m.hardware = info.hardware + " (SoapySDR driver " + info.driver + (info.serial.empty() ? "" : ", serial " + info.serial) + ")";
    char when[32];
    const std::time_t now = std::time(nullptr);
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    m.datetime = when;
    std::ostringstream d;
    d << "coex " << command << " --device " << setup.device_args << "; " << plan.dwells.size() << " dwell"
      << (plan.dwells.size() == 1 ? "" : "s") << " (" << source::to_string(plan.kind) << " plan) at " << rate_text(plan.sample_rate_hz);
    if (plan.lo_offset_hz != 0.0) d << ", LO offset " << plan.lo_offset_hz / 1e6 << " MHz" << (plan.invert ? " (inverted)" : "");
    m.description = d.str();
    return m;
}

Recorder::Recorder(const std::string& path, const io::CaptureMetadata& metadata, io::SampleType type, std::optional<std::uint64_t> max_bytes)
    : writer_(path, metadata, type),
      bytes_per_sample_(type == io::SampleType::int8 ? 2 : type == io::SampleType::int16 ? 4 : 8),
      max_bytes_(max_bytes),
      last_flush_(std::chrono::steady_clock::now()) {}

Recorder::~Recorder() {
    if (commit_log_ >= 0) ::close(commit_log_);
}

void Recorder::log_commits_to(const std::string& path) {
    commit_log_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (commit_log_ < 0) throw UsageError{"--commit-log: cannot create '" + path + "' (" + std::strerror(errno) + ")"};
    log_commits();
}

void Recorder::log_commits() {
    if (commit_log_ < 0 || (writer_.samples_committed() == logged_ && logged_ != 0)) return;
    logged_ = writer_.samples_committed();
    const std::string line = std::to_string(logged_) + "\n";
    // One write(2) per line, unbuffered: a kill right after it cannot take the line back.
    if (::write(commit_log_, line.data(), line.size()) < 0) {
        ::close(commit_log_);
        commit_log_ = -1;
    }
}

bool Recorder::append(const SampleBlock& block) {
    if (hit_max_) return false;
    if (max_bytes_ && bytes() + block.samples.size() * bytes_per_sample_ > *max_bytes_) {
        hit_max_ = true;
        return false;
    }
    if (!open_ || block.segment_index != current_) {
        if (open_) writer_.end_segment();
        writer_.begin_segment(block.segment);
        open_ = true;
        current_ = block.segment_index;
        ++segments_;
    }
    writer_.append(block.samples);  // writes and flushes every chunk that fills
    const auto now = std::chrono::steady_clock::now();
    if (now - last_flush_ >= std::chrono::seconds(1)) {  // at low rates a chunk takes long to fill
        writer_.flush();
        last_flush_ = now;
    }
    log_commits();
    return true;
}

void Recorder::close() {
    if (open_) writer_.end_segment();
    open_ = false;
    writer_.close();
    log_commits();
}

// ---- the loop and the live view -------------------------------------------------------------------

namespace {

// A glimpse: a second, throw-away analysis of a quarter of every second of the stream, so the live view
// can show Wi-Fi occupancy and emitters while the scan runs (the scan's own analysis gives them when the
// stream ends). Only while the view is on; it costs a quarter of the analysis again.
class Glimpse {
public:
    static constexpr double kLength_s = 0.25, kEvery_s = 1.0;

    explicit Glimpse(analysis::AnalysisConfig config) : config_(std::move(config)) {
        config_.spectrogram.planning = dsp::FftPlanning::estimate;  // a new analyser every second: no measuring
        config_.keep_bursts = false;
    }

    void observe(const SampleBlock& b) {
        const double rate = b.segment.sample_rate_hz;
        const double t0 = b.segment.start_time_s + static_cast<double>(b.first_sample) / rate;
        const double t1 = t0 + static_cast<double>(b.samples.size()) / rate;
        if (!analyzer_) {
            if (t0 < next_) return;
            analyzer_ = std::make_unique<analysis::Pipeline>(analysis::RunConfig{config_, std::nullopt, {}});
            start_ = t0;
        }
        analyzer_->consume(b);
        if (t1 - start_ >= kLength_s) close();
    }

    struct Channel {
        double occupancy = 0.0;
        double at_s = 0.0;  // stream time of the look
    };
    const std::map<int, Channel>& channels() const { return channels_; }
    const std::map<std::string, std::string>& emitters() const { return emitters_; }  // class → latest summary

private:
    void close() {
        const auto r = analyzer_->finish(SourceStats{});
        for (const auto& row : r.wifi)
            if (row.observed) channels_[row.channel] = Channel{row.occupancy, start_};
        for (const auto& e : r.emitters) emitters_[std::string(key(e.emitter_class))] = e.summary;
        analyzer_.reset();
        next_ = start_ + kEvery_s;
    }

    analysis::AnalysisConfig config_;
    std::unique_ptr<analysis::Pipeline> analyzer_;
    double start_ = 0.0, next_ = 0.0;
    std::map<int, Channel> channels_;
    std::map<std::string, std::string> emitters_;
};

class LiveView {
public:
    LiveView(const std::string& mode, std::string title, const analysis::AnalysisConfig* analysis) : title_(std::move(title)) {
        const bool tty = ::isatty(STDERR_FILENO) != 0;
        on_ = mode == "on" || (mode == "auto" && tty);
        ansi_ = tty;
        if (on_ && analysis) glimpse_.emplace(*analysis);
    }
    bool on() const { return on_; }
    void observe(const SampleBlock& b) {
        if (glimpse_) glimpse_->observe(b);
    }

    void draw(const source::LiveSource& src, const source::CoverageTracker* coverage, bool last) {
        if (!on_) return;
        const auto c = src.counters();
        const auto& cfg = src.config();
        const auto& plan = src.plan();
        const double t = src.stream_seconds();
        std::ostringstream out;
        out << title_ << " · " << rate_text(plan.sample_rate_hz) << " · " << plan.dwells.size() << " dwell" << (plan.dwells.size() == 1 ? "" : "s");
        if (plan.dwells.size() > 1) out << " × " << cfg.dwell_s * 1e3 << " ms · round " << c.rounds_done + 1;
        char when[96];
        if (cfg.duration_s)
            std::snprintf(when, sizeof when, " · %.1f s of %.1f s, %.1f s left", t, *cfg.duration_s, std::max(0.0, *cfg.duration_s - t));
        else
            std::snprintf(when, sizeof when, " · %.1f s (Ctrl-C ends)", t);
        out << when << (last ? " · done" : "") << "\n";
        int lines = 1;
        if (coverage) {
            const bool occupancy = glimpse_ && !glimpse_->channels().empty();
            const double span = std::max(1e-9, coverage->span_s());
            int col = 0;
            for (const auto& r : coverage->results()) {
                if (r.name.rfind("wifi", 0) != 0) continue;
                const int channel = std::stoi(r.name.substr(5));
                double share = std::min(1.0, r.observed_s / span);
                std::string figure = "   –";
                if (occupancy) {
                    const auto it = glimpse_->channels().find(channel);
                    share = it == glimpse_->channels().end() ? 0.0 : it->second.occupancy;
                    if (it != glimpse_->channels().end()) {
                        char f[16];
                        std::snprintf(f, sizeof f, "%3.0f%%", 100.0 * share);
                        figure = f;
                    }
                } else {
                    char f[16];
                    std::snprintf(f, sizeof f, "%4.1fs", r.observed_s);
                    figure = f;
                }
                const int width = 10;
                const int filled = static_cast<int>(std::lround(share * width));
                std::string bar;
                for (int i = 0; i < width; ++i) bar += i < filled ? "█" : "·";
                char cell[96];
                std::snprintf(cell, sizeof cell, "  ch%-3d%s %s", channel, bar.c_str(), figure.c_str());
                out << cell;
                if (++col % 4 == 0) {
                    out << "\n";
                    ++lines;
                }
            }
            if (col % 4 != 0) {
                out << "\n";
                ++lines;
            }
            out << (occupancy ? "  (bars: Wi-Fi occupancy at the latest look at each channel, a quarter second a second; the report measures all of it)\n"
                              : "  (bars: share of the time each Wi-Fi channel was in view so far)\n");
            ++lines;
        }
        if (glimpse_ && !glimpse_->emitters().empty()) {
            out << "  emitters seen:";
            for (const auto& [cls, summary] : glimpse_->emitters()) out << " " << cls;
            out << "\n";
            ++lines;
        }
        out << "  samples " << mega(static_cast<double>(c.samples_in)) << " in · dropped " << mega(static_cast<double>(c.samples_dropped)) << " ("
            << c.drop_runs << " runs) · lost " << mega(static_cast<double>(c.samples_lost)) << " (" << c.overflows << " overflows) · settling "
            << mega(static_cast<double>(c.samples_settling)) << " · ring " << c.ring_queued << "/" << c.ring_blocks << " (peak " << c.ring_high_water
            << ")\n";
        ++lines;
        const std::string text = out.str();
        if (ansi_) {
            if (drawn_ > 0) std::cerr << "\x1b[" << drawn_ << "A\x1b[J";
            std::cerr << text << std::flush;
            drawn_ = lines;
        } else {
            std::cerr << text << std::flush;
        }
    }

private:
    std::string title_;
    bool on_ = false, ansi_ = false;
    int drawn_ = 0;
    std::optional<Glimpse> glimpse_;
};

}  // namespace

LoopResult drain(source::LiveSource& source, const std::string& view_mode, const std::string& title,
                 const std::function<bool(const SampleBlock&)>& consume, const source::CoverageTracker* coverage,
                 const analysis::AnalysisConfig* analysis, const std::function<void()>& tick) {
    LiveView view(view_mode, title, analysis);
    LoopResult result;
    const auto start = std::chrono::steady_clock::now();
    auto last_draw = start;
    source.start();
    SampleBlock block;
    for (;;) {
        const auto polled = source.poll(block, std::chrono::milliseconds(100));
        if (polled == source::LiveSource::Poll::ended) break;
        if (polled == source::LiveSource::Poll::block) {
            const double c0 = thread_cpu_seconds();
            const bool more = consume(block);
            result.consumer_cpu_s += thread_cpu_seconds() - c0;
            if (!more) {  // --max-size: what is still queued is not looked at
                source.request_stop();
                break;
            }
            result.samples_consumed += block.samples.size();
            view.observe(block);
        }
        if (tick) tick();
        const auto now = std::chrono::steady_clock::now();
        if (view.on() && now - last_draw >= std::chrono::seconds(1)) {
            view.draw(source, coverage, false);
            last_draw = now;
        }
    }
    view.draw(source, coverage, true);
    result.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
}

int finish_code(const source::LiveSource& source, const std::string& command) {
    switch (source.end_reason()) {
        case source::EndReason::stalled:
        case source::EndReason::device_error:
            std::cerr << "coex " << command << ": " << source.end_message() << "\n";
            return 2;
        default: return 0;
    }
}

}  // namespace coex::cli
