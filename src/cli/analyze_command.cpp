// coex analyze FILE: replay a capture through the analysis pipeline and report.
#include "capture_options.hpp"
#include "analysis_options.hpp"
#include "commands.hpp"
#include "parse.hpp"
#include "output.hpp"
#include "pictures.hpp"
#include "progress.hpp"

#include "coex/report/writers.hpp"
#include "coex/analysis/pipeline.hpp"
#include "coex/core/bands.hpp"
#include "coex/core/error.hpp"
#include "coex/io/open.hpp"

#include <boost/program_options.hpp>

#include <iostream>

namespace po = boost::program_options;

namespace coex::cli {

int run_analyze(const std::vector<std::string>& args) {
    std::string path, json_path, country = "EU", png_path, html_path, png_band;
    CaptureOptions capture_options;
    AnalysisOptions analysis_options;
    po::options_description options("coex analyze FILE [options]");
    options.add_options()
        ("help,h", "describe the options")
        ("json", po::value(&json_path)->value_name("PATH"), "also write the JSON report to PATH ('-' = stdout, instead of the text)")
        ("country", po::value(&country)->value_name("CC"), "regulatory domain: US (channels 1–11), EU (1–13, default), JP (1–14)")
        ("png", po::value(&png_path)->value_name("PATH"), "also draw the picture: waterfall with channels, Bluetooth band, emitters; airtime per channel")
        ("html", po::value(&html_path)->value_name("PATH"), "also write the whole report as one self-contained HTML file (picture embedded)")
        ("png-band", po::value(&png_band)->value_name("MHz"), "the picture's frequency axis: 'observed' (zoom on what was seen) or LOW:HIGH (default: the whole band)");
    add_analysis_options(options, analysis_options);
    add_capture_options(options, capture_options);
    po::options_description hidden;
    hidden.add_options()("file", po::value(&path));
    po::variables_map vm;
    if (!parse_command_line(args, options, hidden, {{"file", 1}}, vm)) return 0;
    if (path.empty()) throw UsageError{"no capture file given (coex analyze FILE)"};

    auto [config, advice] = make_analysis_setup(analysis_options, country, vm);

    // Check everything the user gave before reading a single sample.
    OutputFile json_out("--json", json_path);
    PictureOutputs pictures(png_path, html_path, png_band);
    io::OpenOptions open = open_options(capture_options);
    open.read_ahead_blocks = 4;  // read and convert samples on a second thread, ahead of the analysis
    open.check_finite = false;   // the analyzer finds NaN/Inf samples in its spectrogram, at no cost
    config.source_name = path;
    auto capture = io::open_capture(path, open);
    // (a source that reads ahead lends its thread to the detectors; without one they get their own)
    config.detector_threading = analysis::AnalysisConfig::DetectorThreading::own_thread;
    const CaptureSpan span = capture_span(capture.info);
    pictures.observe(config);
    pictures.prepare(span.tunings, to_string(config.domain), span.start_s, span.duration_s);

    const auto& metadata = capture.info.metadata;
    Progress progress("analyze", capture.info.total_samples(), !capture_options.quiet);
    auto report = analysis::run(*capture.source, {config, advice, {path, metadata.hardware, metadata.datetime, metadata.description}},
                                [&progress](std::size_t samples) { progress.advance(samples); });
    progress.finish();

    if (analysis_options.redact) report::redact(report);
    if (json_out.active()) json_out.write(report::to_json(report));
    pictures.write(report);
    if (!json_out.is_stdout()) std::cout << report::to_text(report);
    return 0;
}

}  // namespace coex::cli
