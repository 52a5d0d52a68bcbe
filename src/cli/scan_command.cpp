// coex scan --device ARGS: sweep a live radio over the band, analyse as it goes (the same pipeline as
// `coex analyze`), optionally record what was analysed, and report.
#include "analysis_options.hpp"
#include "commands.hpp"
#include "live_session.hpp"
#include "output.hpp"
#include "pictures.hpp"

#include "coex/analysis/analyzer.hpp"
#include "coex/core/error.hpp"
#include "coex/recommend/recommend.hpp"
#include "coex/report/report.hpp"

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <sstream>

namespace po = boost::program_options;

namespace coex::cli {
namespace {

std::string fmt(const char* format, double v) {
    char t[64];
    std::snprintf(t, sizeof t, format, v);
    return t;
}

struct StageCpu {
    double reader = 0.0, analysis = 0.0, recording = 0.0, wall = 0.0;
};

// The part of the scan report that replay cannot have: the radio, the plan, how the stream went and
// what it cost, and per channel what the sweep saw.
nlohmann::ordered_json live_json(const LiveSetup& setup, const source::LiveCounters& c, const source::CoverageTracker& coverage,
                                 const StageCpu& cpu, const Recorder* rec, const std::string& record_path) {
    const auto& src = *setup.source;
    const auto& plan = src.plan();
    const auto& info = src.radio_info();
    nlohmann::ordered_json j;
    j["device"] = setup.device_args;
    j["radio"] = {{"driver", info.driver}, {"family", info.family}, {"hardware", info.hardware}, {"serial", info.serial},
                  {"sample_type", info.sample_type}, {"gain_db", setup.gain_db}};
    nlohmann::ordered_json dwells = nlohmann::ordered_json::array();
    for (const auto& d : plan.dwells) dwells.push_back(d.rf_center_hz / 1e6);
    j["plan"] = {{"kind", source::to_string(plan.kind)}, {"sample_rate_hz", plan.sample_rate_hz}, {"usable_hz", plan.usable_hz},
                 {"dwell_s", plan.dwells.size() > 1 ? src.config().dwell_s : src.stream_seconds()}, {"settle_s", src.config().settle_s},
                 {"lo_offset_hz", plan.lo_offset_hz}, {"invert", plan.invert}, {"dwells_mhz", dwells}};
    j["end"] = source::to_string(src.end_reason());
    if (!src.end_message().empty()) j["end_message"] = src.end_message();
    j["stream_s"] = src.stream_seconds();
    j["counters"] = {{"samples_in", c.samples_in},         {"samples_dropped", c.samples_dropped}, {"samples_lost", c.samples_lost},
                     {"samples_settling", c.samples_settling}, {"stream_samples", c.stream_samples}, {"blocks_dropped", c.blocks_dropped},
                     {"drop_runs", c.drop_runs},           {"overflows", c.overflows},           {"timeouts", c.timeouts},
                     {"retunes", c.retunes},               {"segments", c.segments},             {"rounds", c.rounds_done},
                     {"ring_blocks", c.ring_blocks},       {"ring_high_water", c.ring_high_water}, {"lost_exact", c.timestamps}};
    nlohmann::ordered_json cov = nlohmann::ordered_json::array();
    for (const auto& r : coverage.results())
        cov.push_back({{"channel", r.name}, {"low_mhz", r.low_mhz}, {"high_mhz", r.high_mhz}, {"observed_s", r.observed_s},
                       {"longest_blind_s", r.longest_blind_s}, {"looks", r.looks}});
    j["coverage"] = cov;
    j["cpu_s"] = {{"reader", cpu.reader}, {"analysis", cpu.analysis}, {"recording", cpu.recording}, {"wall", cpu.wall}};
    if (rec)
        j["recording"] = {{"path", record_path}, {"samples", rec->samples()}, {"segments", rec->segments()}, {"bytes", rec->bytes()},
                          {"stopped_at_max_size", rec->hit_max_size()}};
    return j;
}

std::string live_text(const LiveSetup& setup, const source::LiveCounters& c, const source::CoverageTracker& coverage, const StageCpu& cpu,
                      const Recorder* rec, const std::string& record_path) {
    const auto& src = *setup.source;
    const auto& plan = src.plan();
    const auto& info = src.radio_info();
    std::ostringstream out;
    out << "\nLive scan (" << setup.device_args << ")\n";
    out << "  radio    " << info.hardware << " (driver " << info.driver << (info.serial.empty() ? "" : ", serial " + info.serial) << "), gain "
        << fmt("%.1f dB", setup.gain_db) << "\n";
    out << "  plan     " << source::to_string(plan.kind) << ": " << plan.dwells.size() << " dwell" << (plan.dwells.size() == 1 ? "" : "s");
    if (plan.dwells.size() > 1) out << " × " << fmt("%g ms", src.config().dwell_s * 1e3);
    out << " at " << fmt("%g MS/s", plan.sample_rate_hz / 1e6) << " (usable " << fmt("%g MHz", plan.usable_hz / 1e6) << "), settle "
        << fmt("%g ms", src.config().settle_s * 1e3);
    if (plan.lo_offset_hz != 0.0) out << ", LO offset " << fmt("%g MHz", plan.lo_offset_hz / 1e6) << (plan.invert ? " inverted" : "");
    out << "\n";
    out << "  ended    " << source::to_string(src.end_reason()) << " after " << fmt("%.2f s", src.stream_seconds()) << " of stream";
    if (plan.dwells.size() > 1) out << " (" << c.rounds_done << " full round" << (c.rounds_done == 1 ? "" : "s") << ")";
    out << "\n";
    out << "  samples  " << c.samples_in << " in, " << c.samples_dropped << " dropped (ring full; " << c.blocks_dropped << " blocks in "
        << c.drop_runs << " runs), " << c.samples_lost << " lost (" << c.overflows << " overflows; "
        << (c.timestamps ? "exact from device timestamps" : "estimated from the host clock") << "), " << c.samples_settling
        << " discarded settling; ring peak " << c.ring_high_water << "/" << c.ring_blocks << " blocks\n";
    out << "  coverage channel  in view   looks  longest blind (a burst shorter than this can go unseen)\n";
    for (const auto& r : coverage.results())
        out << "           " << r.name << std::string(r.name.size() < 8 ? 8 - r.name.size() : 0, ' ')
            << fmt("%7.2f s", r.observed_s) << fmt("%7.0f", static_cast<double>(r.looks)) << fmt("   %.3f s", r.longest_blind_s) << "\n";
    out << "  cpu      reader " << fmt("%.2f s", cpu.reader) << " (radio driver included), analysis " << fmt("%.2f s", cpu.analysis)
        << ", recording " << fmt("%.2f s", cpu.recording) << "; " << fmt("%.2f s", cpu.wall) << " wall\n";
    if (rec)
        out << "  recorded " << record_path << ": " << rec->samples() << " samples in " << rec->segments() << " segment"
            << (rec->segments() == 1 ? "" : "s") << fmt(" (%.1f MB)", static_cast<double>(rec->bytes()) / 1e6)
            << (rec->hit_max_size() ? "; stopped at --max-size" : "") << "\n";
    return out.str();
}

}  // namespace

int run_scan(const std::vector<std::string>& args) {
    RadioOptions radio;
    std::string json_path, record_path, max_size, png_path, html_path;
    AnalysisOptions analysis_options;
    po::options_description options("coex scan --device ARGS [options]");
    options.add_options()
        ("help,h", "describe the options")
        ("record", po::value(&record_path)->value_name("FILE.h5"), "also record what is analysed (replaying it with 'coex analyze' gives this report)")
        ("max-size", po::value(&max_size)->value_name("BYTES"), "stop when the recording would grow past this (2G, 500M)")
        ("json", po::value(&json_path)->value_name("PATH"), "also write the JSON report to PATH ('-' = stdout, instead of the text)")
        ("png", po::value(&png_path)->value_name("PATH"), "also draw the picture: the sweep stitched into one waterfall, channels, emitters, airtime")
        ("html", po::value(&html_path)->value_name("PATH"), "also write the whole report as one self-contained HTML file (picture embedded)");
    add_analysis_options(options, analysis_options);
    add_radio_options(options, radio, true);
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(options).run(), vm);
    po::notify(vm);
    if (vm.count("help")) {
        std::cout << options << "\n";
        return 0;
    }

    auto [config, advice] = make_analysis_setup(analysis_options, radio.country, vm);

    std::optional<std::uint64_t> max_bytes;
    if (!max_size.empty()) {
        if (record_path.empty()) throw UsageError{"--max-size: only with --record"};
        max_bytes = parse_bytes("--max-size", max_size);
    }

    // Check everything the user gave before the radio streams a single sample.
    OutputFile json_out("--json", json_path);
    if (!record_path.empty()) OutputFile("--record", record_path);
    PictureOutputs pictures(png_path, html_path);
    pictures.observe(config);
    analysis::Analyzer analyzer(config);
    LiveSetup setup = open_live(radio, 10.0);
    {
        const auto& plan = setup.source->plan();
        std::vector<SegmentInfo> tunings;
        for (const auto& dwell : plan.dwells) tunings.push_back({dwell.rf_center_hz, plan.sample_rate_hz, 0.0, std::nullopt, plan.bandwidth_hz});
        pictures.prepare(tunings, to_string(config.domain), 0.0, 0.0);
    }
    auto& src = *setup.source;
    const auto metadata = metadata_for(setup, "scan");
    std::optional<Recorder> rec;
    if (!record_path.empty()) rec.emplace(record_path, metadata, sample_type_of(src.radio_info().sample_type), max_bytes);
    source::CoverageTracker coverage(config.domain);

    StageCpu cpu;
    const auto loop = drain(src, radio.view, "coex scan " + setup.device_args, [&](const SampleBlock& block) {
        if (rec) {
            const double c0 = thread_cpu_seconds();
            const bool ok = rec->append(block);
            cpu.recording += thread_cpu_seconds() - c0;
            if (!ok) return false;
        }
        const double c0 = thread_cpu_seconds();
        analyzer.consume(block);
        cpu.analysis += thread_cpu_seconds() - c0;
        coverage.add(block.segment, block.segment.start_time_s + static_cast<double>(block.first_sample) / block.segment.sample_rate_hz,
                     block.samples.size());
        return true;
    }, &coverage, &config);
    if (rec) rec->close();
    auto counters = src.counters();
    counters.samples_in = loop.samples_consumed;
    cpu.reader = counters.reader_cpu_s;
    cpu.wall = loop.wall_s;

    auto stats = src.stats();
    stats.samples_in = loop.samples_consumed;
    auto report = analyzer.finish(stats);
    report.capture.path = rec ? record_path : setup.device_args;
    report.capture.hardware = metadata.hardware;
    report.capture.datetime = metadata.datetime;
    report.capture.description = metadata.description;
    report.recommendation = recommend::recommend(report, advice);

    const Recorder* r = rec ? &*rec : nullptr;
    if (json_out.active()) {
        auto j = nlohmann::ordered_json::parse(report::to_json(report));
        j["live"] = live_json(setup, counters, coverage, cpu, r, record_path);
        json_out.write(j.dump(2) + "\n");
    }
    pictures.write(report);
    if (!json_out.is_stdout()) std::cout << report::to_text(report) << live_text(setup, counters, coverage, cpu, r, record_path);
    return finish_code(src, "scan");
}

}  // namespace coex::cli
