// coex monitor: watch a room for days (docs/monitor.md). The live radio (or a replayed capture) goes
// window by window through the same pipeline as scan; the monitor library keeps the event log, the period
// reports, the day picture and the status file under --out; the events are also printed, one line each.
#include "commands.hpp"
#include "analysis_options.hpp"
#include "live_session.hpp"
#include "parse.hpp"
#include "publish_options.hpp"

#include "coex/core/cpu_time.hpp"
#include "coex/core/error.hpp"
#include "coex/dsp/window.hpp"
#include "coex/io/open.hpp"
#include "coex/monitor/files.hpp"
#include "coex/monitor/monitor.hpp"
#include "coex/publish/metrics.hpp"
#include "coex/publish/mqtt_sink.hpp"

#include <boost/program_options.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <thread>
#include <unistd.h>

namespace po = boost::program_options;

namespace coex::cli {
namespace {

// Prints each event as a line on stdout (the monitor's own log; the files are the record).
class PrintedEvents : public monitor::Sink {
public:
    void window(const monitor::WindowState&) override {}
    void event(const monitor::Event& e) override {
        const double t = e.kind == monitor::EventKind::disappeared ? e.end_unix_s.value_or(e.start_unix_s) : e.start_unix_s;
        char head[160];
        std::snprintf(head, sizeof head, "%s %-11s %-28s %7.1f–%.1f MHz %6.1f dBFS", monitor::utc_time(t).c_str(),
                      std::string(monitor::to_string(e.kind)).c_str(), e.id.c_str(), e.low_mhz, e.high_mhz, e.level_dbfs);
        std::cout << head << (e.detail.empty() ? "" : "  " + e.detail) << std::endl;
    }
    void stopping(std::string_view) override { std::cout << std::flush; }
};

// Hands the monitor a sink the command owns: the MQTT sink must outlive the metrics sink that reads its
// counters, and the monitor's own sinks go first.
class BorrowedSink : public monitor::Sink {
public:
    explicit BorrowedSink(monitor::Sink& sink) : sink_(sink) {}
    void window(const monitor::WindowState& state) override { sink_.window(state); }
    void event(const monitor::Event& event) override { sink_.event(event); }
    void stopping(std::string_view reason) override { sink_.stopping(reason); }

private:
    monitor::Sink& sink_;
};

std::string host_name() {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "coex";
    std::string id;
    for (const char c : std::string(name))
        id += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') ? c : '-';
    return id.substr(0, 64);
}

void print_summary(const monitor::Monitor& m, double reader_cpu_s, double wall_s, const std::string& out,
                   const source::LiveCounters* live = nullptr, const publish::MqttClient* mqtt = nullptr) {
    const auto& s = m.stats();
    const auto& last = m.last_window();
    std::cout << "coex monitor: " << s.windows << " windows, " << s.periods << " period reports, " << s.pictures << " pictures under " << out << "\n";
    std::cout << "  events     " << s.events_appeared << " appeared, " << s.events_changed << " changed, " << s.events_disappeared << " disappeared\n";
    if (live) {
        // The sample clock, whole: every sample of stream time was analysed, dropped, lost or discarded.
        std::cout << "  samples    in " << live->samples_in << ", dropped " << live->samples_dropped << ", lost " << live->samples_lost << " (of which "
                  << live->samples_unobserved << " while the radio was away), settling " << live->samples_settling << ", stream "
                  << live->stream_samples << "\n";
        std::cout << "  radio      " << live->overflows << " overflows, " << live->timeouts << " timeouts, " << live->outages << " outages, "
                  << live->reopens << " reopens (" << live->reopen_failures << " failed attempts)\n";
    } else {
        std::cout << "  samples    in " << s.samples_in << ", dropped " << (last ? last->samples_dropped : 0) << ", lost " << (last ? last->samples_lost : 0) << "\n";
    }
    if (mqtt) {
        const auto c = mqtt->counters();
        std::cout << "  mqtt       offered " << c.offered << ", published " << c.published << ", dropped " << c.dropped << ", queued " << c.queued
                  << ", in flight " << c.in_flight << ", reconnects " << c.reconnects << "\n";
    }
    if (s.write_failures || s.events_unlogged)
        std::cout << "  files      " << s.write_failures << " writes failed, " << s.events_unlogged << " events not logged; last: " << s.last_write_error << "\n";
    char line[200];
    const double w = std::max(wall_s, 1e-9);
    std::snprintf(line, sizeof line, "  cpu        analysis %.2f s (%.1f %%), summary %.2f s (%.1f %%), files %.2f s (%.1f %%), reader %.2f s (%.1f %%) of %.1f s wall\n",
                  s.cpu_analysis_s, 100 * s.cpu_analysis_s / w, s.cpu_summary_s, 100 * s.cpu_summary_s / w, s.cpu_files_s, 100 * s.cpu_files_s / w,
                  reader_cpu_s, 100 * reader_cpu_s / w, wall_s);
    std::cout << line;
    if (last && !last->headline.empty()) std::cout << "  now        " << last->headline << "\n";
}

}  // namespace

int run_monitor(const std::vector<std::string>& args) {
    RadioOptions radio;
    AnalysisOptions analysis_options;
    std::string capture_path, pace = "realtime", out_dir = "coex-monitor", window = "10s", period = "5m", sensor_id, smoothing = "1h",
                switch_hold = "15m", fft_window = "hann", metrics_address;
    MqttOptions mqtt;
    int keep_days = 30;
    double switch_margin = 0.1;
    po::options_description options("coex monitor (--device ARGS | --capture FILE) [options]");
    options.add_options()
        ("help,h", "describe the options")
        ("capture", po::value(&capture_path)->value_name("FILE"), "replay a recording instead of a radio (any format 'coex analyze' reads)")
        ("pace", po::value(&pace)->value_name("HOW"), "with --capture: realtime (default: stream time follows the clock) or fast")
        ("out", po::value(&out_dir)->value_name("DIR"), "where the event log, period reports, day pictures and status go (default ./coex-monitor)")
        ("window", po::value(&window)->value_name("TIME"), "length of a window of stream time (default 10s)")
        ("period", po::value(&period)->value_name("TIME"), "a report every this much (default 5m)")
        ("keep-days", po::value(&keep_days)->value_name("N"), "remove reports, pictures and rolled event logs older than this (default 30)")
        ("sensor-id", po::value(&sensor_id)->value_name("ID"), "this sensor's name in events, reports and topics (default: the host name)")
        ("smoothing", po::value(&smoothing)->value_name("TIME"), "time constant of the channel costs' smoothing (default 1h)")
        ("switch-hold", po::value(&switch_hold)->value_name("TIME"), "a better channel must stay better this long before the recommendation moves (default 15m)")
        ("switch-margin", po::value(&switch_margin)->value_name("COST"), "… and cost at least this much less (and 30 % less; default 0.1)")
        ("my-network", po::value(&analysis_options.my_networks)->value_name("SSID")->composing(), "your own network's name (repeat for several)")
        ("current-channel", po::value(&analysis_options.current_channel)->value_name("N"), "the router's channel now")
        ("width", po::value(&analysis_options.width)->value_name("MHz"), "channel width to recommend for: 20 (default) or 40")
        ("fft", po::value(&analysis_options.fft_size)->value_name("N"), "FFT size, a power of two (default: ~78 kHz bins for the sample rate)")
        ("fft-window", po::value(&fft_window)->value_name("NAME"), "spectrogram window: hann (default), hamming, blackman-harris, rect")
        ("no-decode", po::bool_switch(&analysis_options.no_decode), "do not decode packets (less CPU; classes rest on behaviour and shape)")
        ("metrics", po::value(&metrics_address)->value_name("HOST:PORT"), "serve Prometheus metrics at http://HOST:PORT/metrics (docs/publish.md)");
    add_mqtt_options(options, mqtt);
    add_radio_options(options, radio, true);
    po::variables_map vm;
    if (!parse_command_line(args, options, {}, {}, vm)) return 0;

    // Everything the user gave is checked before the radio opens or a sample is read.
    if (capture_path.empty() == radio.device.empty()) throw UsageError{"give --device ARGS (a radio) or --capture FILE (a recording), one of them"};
    if (pace != "realtime" && pace != "fast") throw UsageError{"--pace: '" + pace + "' is not realtime or fast"};
    if (vm.count("pace") && capture_path.empty()) throw UsageError{"--pace: only with --capture (a radio runs at its own pace)"};
    if (!capture_path.empty())
        for (const char* radio_only : {"rate", "gain", "antenna", "bandwidth", "lo-offset", "invert", "settle", "ring", "stall-timeout", "band", "plan", "dwell",
                                       "rounds"})
            if (vm.count(radio_only) && !vm[radio_only].defaulted())
                throw UsageError{std::string("--") + radio_only + ": only with --device (a recording has its own tunings)"};
    if (!dsp::parse_window(fft_window)) throw UsageError{"--fft-window: '" + fft_window + "' is not one of hann, hamming, blackman-harris, rect"};
    analysis_options.window = fft_window;
    auto [analysis, advice] = make_analysis_setup(analysis_options, radio.country, vm);
    monitor::MonitorConfig config;
    config.sensor_id = sensor_id.empty() ? host_name() : sensor_id;
    config.out_dir = out_dir;
    config.window_s = parse_seconds("--window", window);
    config.period_s = parse_seconds("--period", period);
    config.keep_days = keep_days;
    config.advisor.time_constant_s = parse_seconds("--smoothing", smoothing);
    config.advisor.hold_s = parse_seconds("--switch-hold", switch_hold);
    config.advisor.switch_margin = switch_margin;
    config.run = {analysis, advice, {}};
    std::optional<double> duration;
    if (!radio.duration.empty()) duration = parse_seconds("--duration", radio.duration);
    monitor::validate(config);
    std::optional<publish::MqttSinkConfig> mqtt_sink_config;
    if (!mqtt.url.empty()) mqtt_sink_config = publish::MqttSinkConfig{mqtt_config_from(mqtt), config.sensor_id, "coex", "homeassistant", "coex monitor", COEX_VERSION};
    std::optional<publish::MetricsConfig> metrics_config;
    if (!metrics_address.empty()) metrics_config = parse_metrics_address("--metrics", metrics_address);

    const auto& stop = install_stop_signals();
    std::vector<std::unique_ptr<monitor::Sink>> sinks;
    auto event_log = std::make_unique<monitor::EventLog>(config.out_dir, config.keep_days);
    if (event_log->torn_lines_dropped() > 0)
        std::cerr << "coex monitor: " << event_log->path().string() << ": dropped its last line, cut short when an earlier run stopped\n";
    sinks.push_back(std::move(event_log));
    sinks.push_back(std::make_unique<PrintedEvents>());
    // Declared before the Monitor, so they outlive it: MQTT connects in the background (a broker that is
    // away only queues), and the metrics endpoint is open before the first window.
    std::optional<publish::MqttSink> mqtt_sink;
    if (mqtt_sink_config) {
        mqtt_sink.emplace(*mqtt_sink_config);
        sinks.push_back(std::make_unique<BorrowedSink>(*mqtt_sink));
    }
    std::optional<publish::MetricsSink> metrics_sink;
    if (metrics_config) {
        metrics_sink.emplace(*metrics_config, mqtt_sink ? &mqtt_sink->client() : nullptr);
        sinks.push_back(std::make_unique<BorrowedSink>(*metrics_sink));
    }

    const auto wall_start = std::chrono::steady_clock::now();
    const auto wall = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count(); };
    if (!capture_path.empty()) {
        io::OpenOptions open_options;
        open_options.read_ahead_blocks = 4;
        auto opened = io::open_capture(capture_path, open_options);
        config.origin_unix_s = monitor::parse_utc(opened.info.metadata.datetime).value_or(static_cast<double>(std::time(nullptr)));
        monitor::Monitor m(std::move(config), std::move(sinks));
        std::string reason = "end of the capture";
        SampleBlock block;
        std::optional<double> first;
        double cpu_reading = 0.0;
        for (;;) {
            if (stop.load()) {
                reason = "stopped by a signal";
                break;
            }
            const double c0 = thread_cpu_seconds();
            if (!opened.source->next(block)) break;
            cpu_reading += thread_cpu_seconds() - c0;
            const double t = block.segment.start_time_s + static_cast<double>(block.first_sample) / block.segment.sample_rate_hz;
            if (!first) first = t;
            if (duration && t - *first >= *duration) {
                reason = "duration reached";
                break;
            }
            if (pace == "realtime") {
                // Sleep until the wall clock reaches the block's stream time, in short naps so a signal ends it promptly.
                while (!stop.load() && wall() < t - *first)
                    std::this_thread::sleep_for(std::chrono::duration<double>(std::min(0.1, t - *first - wall())));
            }
            m.consume(block);
        }
        m.finish(reason);
        print_summary(m, cpu_reading, wall(), out_dir, nullptr, mqtt_sink ? &mqtt_sink->client() : nullptr);
        return 0;
    }

    // A monitor outlives its radio's failures: it reopens it (with backoff) and goes on.
    LiveSetup setup = open_live(radio, std::nullopt, true);
    auto& src = *setup.source;
    config.origin_unix_s = static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count()) / 1e6;
    monitor::Monitor m(std::move(config), std::move(sinks));
    const double rate = src.plan().sample_rate_hz;
    std::uint64_t outages_said = 0, reopens_said = 0, write_failures_said = 0, unobserved_said = 0, failures_said = 0;
    const auto watch = [&] {
        // Faults are said once each, on stdout with the events (the monitor's log), and in status.json.
        const auto c = src.counters();
        const std::string now = monitor::utc_time(static_cast<double>(std::time(nullptr)));
        if (c.outages > outages_said) {
            outages_said = c.outages;
            std::cout << now << " radio-lost  " << src.fault_message() << "; reopening it" << std::endl;
        }
        if (c.reopens > reopens_said) {
            reopens_said = c.reopens;
            char line[200];
            std::snprintf(line, sizeof line, " radio-back  after %.1f s away (%llu failed attempts to open it); %.1f s unobserved since the start",
                          static_cast<double>(c.samples_unobserved - unobserved_said) / rate,
                          static_cast<unsigned long long>(c.reopen_failures - failures_said), static_cast<double>(c.samples_unobserved) / rate);
            std::cout << now << line << std::endl;
            unobserved_said = c.samples_unobserved;
            failures_said = c.reopen_failures;
        }
        m.radio({c.radio_present, c.outages, c.reopens, c.reopen_failures, c.samples_unobserved, static_cast<double>(c.samples_unobserved) / rate,
                 c.outages ? src.fault_message() : std::string()});
        const auto& s = m.stats();
        if (s.write_failures + s.events_unlogged > write_failures_said) {
            // The first failure is said; the summary and status.json count them all.
            if (write_failures_said == 0) std::cerr << "coex monitor: " << s.last_write_error << "; going on, counting what is not written" << std::endl;
            write_failures_said = s.write_failures + s.events_unlogged;
        }
    };
    const auto loop = drain(src, radio.view, "coex monitor " + setup.device_args, [&](const SampleBlock& block) {
        const auto c = src.counters();
        m.account(c.samples_dropped, c.samples_lost);
        m.consume(block);
        return true;
    }, nullptr, nullptr, watch);
    {
        const auto c = src.counters();
        m.account(c.samples_dropped, c.samples_lost);
        watch();
    }
    m.finish(source::to_string(src.end_reason()));
    const auto counters = src.counters();
    print_summary(m, counters.reader_cpu_s, loop.wall_s, out_dir, &counters, mqtt_sink ? &mqtt_sink->client() : nullptr);
    return finish_code(src, "monitor");
}

}  // namespace coex::cli
