// coex record --device ARGS FILE.h5: write what a live radio receives to a capture, one segment per
// dwell (and again after every gap), flushed as it goes; Ctrl-C or a radio failure leaves a valid file.
#include "commands.hpp"
#include "parse.hpp"
#include "live_session.hpp"
#include "output.hpp"

#include <boost/program_options.hpp>

#include <cstdio>
#include <iostream>

namespace po = boost::program_options;

namespace coex::cli {

int run_record(const std::vector<std::string>& args) {
    RadioOptions radio;
    std::string path, max_size, commit_log;
    po::options_description options("coex record --device ARGS [--duration TIME] FILE.h5 [options]");
    options.add_options()
        ("help,h", "describe the options")
        ("max-size", po::value(&max_size)->value_name("BYTES"), "stop before the file grows past this (2G, 500M)");
    add_radio_options(options, radio, true);
    po::options_description hidden;
    hidden.add_options()("file", po::value(&path))
        // for bench/kill_test.sh: a line with the samples safely in the file each time that grows
        ("commit-log", po::value(&commit_log));
    po::variables_map vm;
    if (!parse_command_line(args, options, hidden, {{"file", 1}}, vm)) return 0;
    if (path.empty()) throw UsageError{"no capture file given (coex record --device ARGS FILE.h5)"};
    std::optional<std::uint64_t> max_bytes;
    if (!max_size.empty()) max_bytes = parse_bytes("--max-size", max_size);

    OutputFile("capture file", path);  // checks the folder before the radio is opened
    LiveSetup setup = open_live(radio, std::nullopt);
    auto& src = *setup.source;
    Recorder rec(path, metadata_for(setup, "record"), sample_type_of(src.radio_info().sample_type), max_bytes);
    if (!commit_log.empty()) rec.log_commits_to(commit_log);
    double recording_cpu = 0.0;
    const auto loop = drain(src, radio.view, "coex record " + setup.device_args, [&](const SampleBlock& block) {
        const double c0 = thread_cpu_seconds();
        const bool ok = rec.append(block);
        recording_cpu += thread_cpu_seconds() - c0;
        return ok;
    }, nullptr);
    rec.close();
    const auto c = src.counters();

    char line[256];
    std::cout << "coex record: " << path << "\n";
    std::snprintf(line, sizeof line, "  wrote    %llu samples in %zu segment%s (%.1f MB, %s), %.2f s of stream%s\n",
                  static_cast<unsigned long long>(rec.samples()), rec.segments(), rec.segments() == 1 ? "" : "s",
                  static_cast<double>(rec.bytes()) / 1e6, src.radio_info().sample_type.c_str(), src.stream_seconds(),
                  rec.hit_max_size() ? "; stopped at --max-size" : "");
    std::cout << line;
    std::snprintf(line, sizeof line, "  samples  %llu in, %llu dropped (%llu runs), %llu lost (%llu overflows; %s), %llu discarded settling\n",
                  static_cast<unsigned long long>(loop.samples_consumed), static_cast<unsigned long long>(c.samples_dropped),
                  static_cast<unsigned long long>(c.drop_runs), static_cast<unsigned long long>(c.samples_lost),
                  static_cast<unsigned long long>(c.overflows), c.timestamps ? "exact" : "estimated",
                  static_cast<unsigned long long>(c.samples_settling));
    std::cout << line;
    std::snprintf(line, sizeof line, "  cpu      reader %.2f s (radio driver included), recording %.2f s; %.2f s wall\n", c.reader_cpu_s,
                  recording_cpu, loop.wall_s);
    std::cout << line;
    return finish_code(src, "record");
}

}  // namespace coex::cli
