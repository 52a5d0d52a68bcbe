// coex convert IN OUT: between coex HDF5, SigMF and raw I/Q files (docs/formats.md).
#include "capture_options.hpp"
#include "commands.hpp"
#include "parse.hpp"
#include "progress.hpp"

#include "coex/analysis/analyzer.hpp"
#include "coex/core/bands.hpp"
#include "coex/core/error.hpp"
#include "coex/io/open.hpp"

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <set>

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace coex::cli {

namespace {

// Sample index (into the concatenated segments, as SigMF numbers them) of capture time t: inside a
// segment, its sample; in a gap, the first sample after it (`after`) or the last before it.
std::uint64_t sample_at(const io::CaptureInfo& info, double t, bool after) {
    std::uint64_t offset = 0, last = 0;
    for (const auto& s : info.segments) {
        const double rate = s.info.sample_rate_hz;
        const double start = s.info.start_time_s, end = start + static_cast<double>(s.length) / rate;
        if (t < start) return after ? offset : last;
        if (t < end) return offset + std::min<std::uint64_t>(s.length - 1, static_cast<std::uint64_t>((t - start) * rate));
        offset += s.length;
        last = offset == 0 ? 0 : offset - 1;
    }
    return last;
}

io::SigmfAnnotation annotation_for(const report::Emitter& e, const io::CaptureInfo& info) {
    io::SigmfAnnotation a;
    a.sample_start = sample_at(info, e.first_s, true);
    const std::uint64_t end = std::max(a.sample_start, sample_at(info, e.last_s, false));
    a.sample_count = end - a.sample_start + 1;
    a.freq_lower_edge_hz = e.low_mhz * 1e6;
    a.freq_upper_edge_hz = e.high_mhz * 1e6;
    a.label = std::string(key(e.emitter_class));
    a.comment = e.summary;
    nlohmann::json extra{{"coex:level_dbfs", e.level_dbfs},     {"coex:above_floor_db", e.above_floor_db},
                         {"coex:duty_cycle", e.duty_cycle},     {"coex:bursts", e.bursts},
                         {"coex:confidence", e.confidence},     {"coex:first_s", e.first_s},
                         {"coex:last_s", e.last_s},             {"core:generator", "coex"}};
    a.extra_json = extra.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return a;
}

std::string format_number(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.10g", value);
    return text;
}

}  // namespace

int run_convert(const std::vector<std::string>& args) {
    std::string in_path, out_path, to, type, country = "EU";
    CaptureOptions capture_options;
    bool annotate = false;
    po::options_description options("coex convert IN OUT [options]");
    options.add_options()
        ("help,h", "describe the options")
        ("to", po::value(&to)->value_name("F"), "OUT's format when its extension does not say: h5, sigmf, cu8, cs8, cs16, cf32")
        ("type", po::value(&type)->value_name("T"),
         "sample type inside .h5 or SigMF: cu8, cs8, cs16, cf32 (default: the input's; HDF5 keeps cu8 as float32, exactly)")
        ("annotate", po::bool_switch(&annotate), "analyse while converting and write each emitter found as a SigMF annotation")
        ("country", po::value(&country)->value_name("CC"), "regulatory domain for --annotate: US, EU (default), JP");
    add_capture_options(options, capture_options);
    po::options_description hidden;
    hidden.add_options()("in", po::value(&in_path))("out", po::value(&out_path));
    po::variables_map vm;
    constexpr const char* kFormats =
        "Formats are taken from the extensions: .h5 .sigmf-meta .cu8 .cs8 .cs16 .cf32 .cfile; a raw input's rate and\n"
        "centre from --rate/--center or from its name (x_2437M_20000k.cu8).\n";
    if (!parse_command_line(args, options, hidden, {{"in", 1}, {"out", 1}}, vm, kFormats)) return 0;
    if (in_path.empty() || out_path.empty()) throw UsageError{"give an input and an output (coex convert IN OUT)"};

    // Everything the user gave is checked before a sample is written.
    std::optional<io::CaptureFormat> out_format = to.empty() ? io::capture_format_for_path(out_path) : io::parse_capture_format(to);
    if (!to.empty() && !out_format) throw UsageError{"--to: '" + to + "' is not one of h5, sigmf, cu8, cs8, cs16, cf32"};
    if (!out_format)
        throw UsageError{"'" + out_path + "': the output format is unknown: name it .h5, .sigmf-meta, .cu8, .cs8, .cs16, .cf32 or .cfile, or give --to"};
    std::optional<io::IqFormat> out_type;
    if (!type.empty()) {
        out_type = io::parse_iq_format(type);
        if (!out_type) throw UsageError{"--type: '" + type + "' is not one of cu8, cs8, cs16, cf32"};
        if (io::raw_layout(*out_format)) throw UsageError{"--type: a raw output's type is its format (." + io::to_string(*out_format) + ")"};
    }
    const auto domain = parse_reg_domain(country);
    if (!domain) throw UsageError{"--country: '" + country + "' is not one of US, EU, JP"};
    if (annotate && *out_format != io::CaptureFormat::sigmf)
        throw UsageError{"--annotate: annotations are written into SigMF metadata; '" + out_path + "' is not .sigmf-meta"};

    auto capture = io::open_capture(in_path, open_options(capture_options));
    const io::CaptureInfo& info = capture.info;
    {
        std::error_code ec;
        const fs::path out = *out_format == io::CaptureFormat::sigmf ? io::sigmf_data_path(out_path) : fs::path(out_path);
        const fs::path in = info.format == io::CaptureFormat::sigmf ? io::sigmf_data_path(info.path) : info.path;
        if (fs::equivalent(out, in, ec) || fs::equivalent(out_path, info.path, ec))
            throw UsageError{"'" + out_path + "' is the input itself; write to another file"};
    }
    if (io::raw_layout(*out_format) && info.segments.size() > 1)
        throw InputError(out_path + ": a raw " + io::to_string(*out_format) + " file holds one segment; " + info.path.string() + " has " +
                         std::to_string(info.segments.size()) + " (write .sigmf-meta or .h5 to keep them)");
    if (*out_format == io::CaptureFormat::sigmf) {
        std::set<double> rates;
        for (const auto& s : info.segments) rates.insert(s.info.sample_rate_hz);
        if (rates.size() > 1)
            throw InputError(info.path.string() + ": its segments have " + std::to_string(rates.size()) +
                             " different sample rates; a SigMF recording has one (write .h5 to keep them)");
    }

    io::SinkOptions sink_options;
    sink_options.format = out_format;
    sink_options.sample_format = out_type.value_or(info.sample_format);
    sink_options.metadata = info.metadata;
    auto sink = io::create_capture(out_path, sink_options);

    std::optional<analysis::Analyzer> analyzer;
    if (annotate) {
        analysis::AnalysisConfig config;
        config.domain = *domain;
        analyzer.emplace(config);
    }
    Progress progress("convert", info.total_samples(), !capture_options.quiet);
    (void)io::copy_samples(*capture.source, *sink, [&](const SampleBlock& block) {
        if (analyzer) analyzer->consume(block);
        progress.advance(block.samples.size());
    });
    progress.finish();

    std::size_t kept = 0, dropped = 0;
    for (const auto& a : info.annotations) (sink->add_annotation(a) ? kept : dropped) += 1;
    std::size_t found = 0;
    if (analyzer) {
        const auto report = analyzer->finish(capture.source->stats());
        for (const auto& e : report.emitters) found += sink->add_annotation(annotation_for(e, info)) ? 1 : 0;
    }
    sink->commit();

    std::string files;
    for (const auto& f : sink->files()) files += (files.empty() ? "" : " + ") + f.string();
    std::cout << "coex convert: wrote " << files << ": " << sink->samples_written() << " samples in " << info.segments.size()
              << " segment" << (info.segments.size() == 1 ? "" : "s") << " ("
              << io::to_string(io::raw_layout(*out_format).value_or(sink_options.sample_format)) << ")";
    if (kept) std::cout << ", " << kept << " annotation" << (kept == 1 ? "" : "s") << " kept";
    if (annotate) std::cout << ", " << found << " emitter" << (found == 1 ? "" : "s") << " annotated";
    std::cout << "\n";
    if (sink->samples_clipped() > 0)
        std::cerr << "coex convert: note: " << sink->samples_clipped() << " samples were clipped to the range of "
                  << io::to_string(io::raw_layout(*out_format).value_or(sink_options.sample_format)) << "\n";
    if (dropped > 0)
        std::cerr << "coex convert: note: " << dropped << " SigMF annotation" << (dropped == 1 ? " has" : "s have")
                  << " no place in " << io::to_string(*out_format) << " and " << (dropped == 1 ? "was" : "were") << " not kept\n";
    if (io::raw_layout(*out_format)) {
        const auto named = io::tuning_from_name(out_path);
        const auto& seg = info.segments.front().info;
        if (!named.center_hz || !named.sample_rate_hz)
            std::cerr << "coex convert: note: a raw file keeps no rate or centre; read it back with --rate "
                      << format_number(seg.sample_rate_hz) << " --center " << format_number(seg.center_frequency_hz)
                      << ", or name it like x_" << format_number(seg.center_frequency_hz / 1e6) << "M_"
                      << format_number(seg.sample_rate_hz / 1e3) << "k." << io::to_string(*out_format) << "\n";
    }
    return 0;
}

}  // namespace coex::cli
