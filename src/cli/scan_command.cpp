// coex scan --device ARGS: sweep a live radio over the band, analyse as it goes (the same pipeline as
// `coex analyze`), optionally record what was analysed, and report.
#include "analysis_options.hpp"
#include "commands.hpp"
#include "parse.hpp"
#include "live_session.hpp"
#include "output.hpp"
#include "pictures.hpp"

#include "coex/report/writers.hpp"
#include "coex/analysis/pipeline.hpp"
#include "coex/core/error.hpp"
#include "coex/report/report.hpp"

#include <boost/program_options.hpp>

#include <iostream>

namespace po = boost::program_options;

namespace coex::cli {
namespace {

struct StageCpu {
    double reader = 0.0, analysis = 0.0, recording = 0.0, wall = 0.0;
};

// The part of the scan report that replay cannot have: the radio, the plan, how the stream went and
// what it cost, and per channel what the sweep saw.
report::LiveSection live_section(const LiveSetup& setup, const source::LiveCounters& c, const source::CoverageTracker& coverage,
                                 const StageCpu& cpu, const Recorder* rec, const std::string& record_path) {
    const auto& src = *setup.source;
    const auto& plan = src.plan();
    const auto& info = src.radio_info();
    report::LiveSection l;
    l.device = setup.device_args;
    l.radio = {info.driver, info.family, info.hardware, info.serial, info.sample_type, setup.gain_db};
    l.plan.kind = source::to_string(plan.kind);
    l.plan.sample_rate_hz = plan.sample_rate_hz;
    l.plan.usable_hz = plan.usable_hz;
    l.plan.dwell_s = plan.dwells.size() > 1 ? src.config().dwell_s : src.stream_seconds();
    l.plan.settle_s = src.config().settle_s;
    l.plan.lo_offset_hz = plan.lo_offset_hz;
    l.plan.invert = plan.invert;
    for (const auto& d : plan.dwells) l.plan.dwells_mhz.push_back(d.rf_center_hz / 1e6);
    l.end = source::to_string(src.end_reason());
    l.end_message = src.end_message();
    l.stream_s = src.stream_seconds();
    l.counters = {c.samples_in, c.samples_dropped, c.samples_lost, c.samples_settling, c.stream_samples, c.blocks_dropped, c.drop_runs,
                  c.overflows, c.timeouts, c.retunes, c.segments, c.rounds_done, c.ring_blocks, c.ring_high_water, c.timestamps};
    for (const auto& r : coverage.results()) l.coverage.push_back({r.name, r.low_mhz, r.high_mhz, r.observed_s, r.longest_blind_s, r.looks});
    l.cpu_s = {cpu.reader, cpu.analysis, cpu.recording, cpu.wall};
    if (rec) l.recording = report::LiveSection::Recording{record_path, rec->samples(), rec->segments(), rec->bytes(), rec->hit_max_size()};
    return l;
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
    if (!parse_command_line(args, options, {}, {}, vm)) return 0;

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
    analysis::Pipeline pipeline({config, advice, {}});  // (its configuration is checked before the radio opens)
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
    pipeline.describe_capture({rec ? record_path : setup.device_args, metadata.hardware, metadata.datetime, metadata.description});

    StageCpu cpu;
    const auto loop = drain(src, radio.view, "coex scan " + setup.device_args, [&](const SampleBlock& block) {
        if (rec) {
            const double c0 = thread_cpu_seconds();
            const bool ok = rec->append(block);
            cpu.recording += thread_cpu_seconds() - c0;
            if (!ok) return false;
        }
        const double c0 = thread_cpu_seconds();
        pipeline.consume(block);
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
    auto report = pipeline.finish(stats);
    report.live = live_section(setup, counters, coverage, cpu, rec ? &*rec : nullptr, record_path);

    if (analysis_options.redact) report::redact(report);
    if (json_out.active()) json_out.write(report::to_json(report));
    pictures.write(report);
    if (!json_out.is_stdout()) std::cout << report::to_text(report);
    return finish_code(src, "scan");
}

}  // namespace coex::cli
