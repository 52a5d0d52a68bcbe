// coex synth SCENE.json -o CAPTURE.h5: a labelled capture from a scene file (docs/scenes.md).
#include "commands.hpp"
#include "parse.hpp"

#include "coex/eval/corpus.hpp"
#include "coex/io/open.hpp"
#include "coex/sim/scenario.hpp"

#include <boost/program_options.hpp>

#include <cstdio>
#include <iostream>

namespace po = boost::program_options;

namespace coex::cli {

int run_synth(const std::vector<std::string>& args) {
    std::string scene_path, out_path, labels_path;
    long long seed = -1;
    std::string sample_type;
    po::options_description options("coex synth SCENE.json -o CAPTURE.h5 [options]");
    options.add_options()
        ("help,h", "describe the options")
        ("output,o", po::value(&out_path)->value_name("PATH"), "the capture to write (HDF5, docs/capture-format.md)")
        ("labels", po::value(&labels_path)->value_name("PATH"), "where to write the ground truth (default: CAPTURE with .labels.json)")
        ("seed", po::value(&seed)->value_name("N"), "override the scene's seed (same seed, same samples)")
        ("sample-type", po::value(&sample_type)->value_name("T"), "override the receiver's sample type: int8, int16, float32");
    po::options_description hidden;
    hidden.add_options()("scene", po::value(&scene_path));
    po::variables_map vm;
    if (!parse_command_line(args, options, hidden, {{"scene", 1}}, vm)) return 0;
    if (scene_path.empty()) throw UsageError{"no scene file given (coex synth SCENE.json -o CAPTURE.h5)"};
    if (out_path.empty()) throw UsageError{"-o: no output capture given (coex synth SCENE.json -o CAPTURE.h5)"};
    // synth writes the capture format (HDF5); a .cu8 or .sigmf name would hold HDF5 that the name belies
    if (const auto format = io::capture_format_for_path(out_path); format && *format != io::CaptureFormat::hdf5)
        throw UsageError{"-o: " + out_path + ": coex synth writes HDF5 (.h5); for another format, coex convert the .h5 afterwards"};
    if (vm.count("seed") && seed < 0) throw UsageError{"--seed: must be 0 or more"};
    if (!sample_type.empty() && sample_type != "int8" && sample_type != "int16" && sample_type != "float32")
        throw UsageError{"--sample-type: '" + sample_type + "' is not one of int8, int16, float32"};

    sim::Scene scene = sim::load_scene(scene_path);
    if (seed >= 0) scene.seed = static_cast<std::uint64_t>(seed);
    if (!sample_type.empty()) scene.receiver.sample_type = sample_type;
    std::optional<std::filesystem::path> labels;
    if (!labels_path.empty()) labels = labels_path;
    const auto r = eval::synthesize(scene, out_path, labels);
    char line[512];
    std::snprintf(line, sizeof line, "wrote %s (%zu segment%s, %llu samples, %s, %llu clipped) and %s in %.2f s\n", r.capture.c_str(),
                  r.segments, r.segments == 1 ? "" : "s", static_cast<unsigned long long>(r.samples), scene.receiver.sample_type.c_str(),
                  static_cast<unsigned long long>(r.clipped_samples), r.labels.c_str(), r.seconds);
    std::cout << line;
    return 0;
}

}  // namespace coex::cli
