// coex eval PATH...: score the analyzer against labelled captures (docs/accuracy.md).
#include "analysis_options.hpp"
#include "commands.hpp"
#include "parse.hpp"
#include "output.hpp"

#include "coex/analysis/analyzer.hpp"
#include "coex/core/bands.hpp"
#include "coex/core/error.hpp"
#include "coex/eval/corpus.hpp"
#include "coex/eval/score.hpp"
#include "coex/sim/receiver.hpp"
#include "coex/sim/scenario.hpp"

#include <nlohmann/json.hpp>

#include <boost/program_options.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <unistd.h>

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace coex::cli {

namespace {

constexpr int kThresholdMissed = 3;

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw InputError(p.string() + ": cannot be read");
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

double parse_fraction(const std::string& option, const std::string& text) {
    try {
        std::size_t used = 0;
        const double v = std::stod(text, &used);
        if (used == text.size() && v >= 0.0 && v <= 1.0) return v;
    } catch (const std::exception&) {
    }
    throw UsageError{option + ": '" + text + "' is not a number from 0 to 1"};
}

// "0.8" (every class) or "CLASS=0.8".
void parse_class_thresholds(const std::string& option, const std::vector<std::string>& values, std::map<std::string, double>& out,
                            std::optional<double>* all) {
    for (const auto& v : values) {
        const auto eq = v.find('=');
        if (eq == std::string::npos) {
            if (!all) throw UsageError{option + ": expected CLASS=VALUE, got '" + v + "'"};
            *all = parse_fraction(option, v);
            continue;
        }
        const std::string cls = v.substr(0, eq);
        const auto& classes = eval::emitter_classes();
        if (std::find(classes.begin(), classes.end(), cls) == classes.end()) {
            std::string list;
            for (const auto& c : classes) list += (list.empty() ? "" : ", ") + c;
            throw UsageError{option + ": '" + cls + "' is not a class (" + list + ")"};
        }
        out[cls] = parse_fraction(option, v.substr(eq + 1));
    }
}

// Removes a folder made for this run, unless asked to keep it.
struct TempDir {
    fs::path path;
    bool remove = false;
    ~TempDir() {
        if (remove) {
            std::error_code ec;
            fs::remove_all(path, ec);
        }
    }
};

}  // namespace

int run_eval(const std::vector<std::string>& args) {
    std::vector<std::string> paths, min_f1, min_f1_strong, min_precision, min_recall;
    std::string json_path, work_dir, country = "EU", receiver_models_arg;
    bool scenes = false, quiet = false;
    double max_occ = -1, max_mean_occ = -1, min_rec_agree = -1;
    int max_false = -1, max_wifi_false = -1, max_false_usb3 = -1;
    long long seed = -1;
    po::options_description options("coex eval PATH... [options]");
    options.add_options()
        ("help,h", "describe the options")
        ("scenes", po::bool_switch(&scenes), "PATHs are scene files or folders of them: synthesise each (into --work) first")
        ("work", po::value(&work_dir)->value_name("DIR"), "with --scenes: where captures, labels and reports (*.report.json) go (kept); default: a temporary folder, removed")
        ("seed", po::value(&seed)->value_name("N"), "with --scenes: override every scene's seed")
        ("receiver-model", po::value(&receiver_models_arg)->value_name("MODEL[,MODEL...]"),
         "with --scenes: synthesise every scene behind each receiver model instead (hackrf, rtlsdr, usrp, pluto; 'none' = the scenes as written) and score each apart; thresholds apply to every model")
        ("json", po::value(&json_path)->value_name("PATH"), "also write the scores as JSON ('-' = stdout, instead of the table)")
        ("country", po::value(&country)->value_name("CC"), "regulatory domain for the analysis: US, EU (default), JP")
        ("quiet,q", po::bool_switch(&quiet), "no progress lines on stderr")
        ("max-occupancy-error", po::value(&max_occ)->value_name("X"), "fail (exit 3) when any observed channel's |occupancy error| exceeds X")
        ("max-mean-occupancy-error", po::value(&max_mean_occ)->value_name("X"), "fail when the mean |occupancy error| exceeds X")
        ("max-false-detections", po::value(&max_false)->value_name("N"), "fail when the false-positive scenes (noise, CW, zeros, clipping) yield more than N false detections")
        ("max-wifi-false-channels", po::value(&max_wifi_false)->value_name("N"), "fail when more than N idle channels show Wi-Fi occupancy (all scenes)")
        ("max-false-usb3", po::value(&max_false_usb3)->value_name("N"), "fail when more than N USB 3.0 noise reports come from scenes without USB 3.0 noise (all scenes)")
        ("min-f1", po::value(&min_f1)->value_name("[CLASS=]X"), "fail when a class's F1 is below X (without CLASS: every class that has labelled emitters); repeatable")
        ("min-f1-strong", po::value(&min_f1_strong)->value_name("[CLASS=]X"), "like --min-f1, scoring only emitters labelled 10 dB or more over the floor (the accuracy bar); without CLASS: every class labelled or reported; repeatable")
        ("min-precision", po::value(&min_precision)->value_name("CLASS=X"), "fail when the class's precision is below X; repeatable")
        ("min-recall", po::value(&min_recall)->value_name("CLASS=X"), "fail when the class's recall is below X; repeatable")
        ("min-recommendation-agreement", po::value(&min_rec_agree)->value_name("X"), "fail when fewer than this share of the scenes that define a recommendation agree");
    AnalysisOptions spectrogram;
    add_spectrogram_options(options, spectrogram);
    po::options_description hidden;
    hidden.add_options()("path", po::value(&paths));
    po::variables_map vm;
    constexpr const char* kExitCodes =
        "Exit codes: 0 every threshold holds; 3 a threshold was missed; 2 bad input or usage; 1 internal error.\n";
    if (!parse_command_line(args, options, hidden, {{"path", -1}}, vm, kExitCodes)) return 0;
    if (paths.empty()) throw UsageError{"no folder given (coex eval DIR, or coex eval --scenes DIR)"};

    eval::Thresholds th;
    if (vm.count("max-occupancy-error")) th.max_occupancy_error = parse_fraction("--max-occupancy-error", std::to_string(max_occ));
    if (vm.count("max-mean-occupancy-error")) th.max_mean_occupancy_error = parse_fraction("--max-mean-occupancy-error", std::to_string(max_mean_occ));
    if (vm.count("max-false-detections")) {
        if (max_false < 0) throw UsageError{"--max-false-detections: must be 0 or more"};
        th.max_false_detections = max_false;
    }
    if (vm.count("max-wifi-false-channels")) {
        if (max_wifi_false < 0) throw UsageError{"--max-wifi-false-channels: must be 0 or more"};
        th.max_wifi_false_channels = max_wifi_false;
    }
    if (vm.count("max-false-usb3")) {
        if (max_false_usb3 < 0) throw UsageError{"--max-false-usb3: must be 0 or more"};
        th.max_false_usb3 = max_false_usb3;
    }
    if (vm.count("min-recommendation-agreement"))
        th.min_recommendation_agreement = parse_fraction("--min-recommendation-agreement", std::to_string(min_rec_agree));
    parse_class_thresholds("--min-f1", min_f1, th.min_f1, &th.min_f1_all);
    std::optional<double> min_f1_strong_all;
    parse_class_thresholds("--min-f1-strong", min_f1_strong, th.min_f1_strong, &min_f1_strong_all);
    if (min_f1_strong_all) th.min_f1_strong["all"] = *min_f1_strong_all;
    parse_class_thresholds("--min-precision", min_precision, th.min_precision, nullptr);
    parse_class_thresholds("--min-recall", min_recall, th.min_recall, nullptr);
    if (vm.count("seed") && (seed < 0 || !scenes)) throw UsageError{"--seed: needs --scenes and a value of 0 or more"};
    if (!work_dir.empty() && !scenes) throw UsageError{"--work: only with --scenes"};
    // The receiver models to run the scenes behind ("" = as written).
    std::vector<std::string> models;
    if (vm.count("receiver-model")) {
        if (!scenes) throw UsageError{"--receiver-model: only with --scenes"};
        std::stringstream list(receiver_models_arg);
        for (std::string name; std::getline(list, name, ',');) {
            if (name == "none") name.clear();
            else if (!sim::find_receiver_model(name))
                throw UsageError{"--receiver-model: '" + name + "' is not one of none, " + sim::receiver_model_names()};
            if (std::find(models.begin(), models.end(), name) != models.end()) throw UsageError{"--receiver-model: '" + name + "' given twice"};
            models.push_back(name);
        }
        if (models.empty()) throw UsageError{"--receiver-model: no model given"};
    } else {
        models.emplace_back();
    }
    const bool per_model = vm.count("receiver-model") > 0;

    analysis::AnalysisConfig config;
    const auto domain = parse_reg_domain(country);
    if (!domain) throw UsageError{"--country: '" + country + "' is not one of US, EU, JP"};
    config.domain = *domain;
    config.spectrogram = spectrogram_config(spectrogram);
    config.keep_bursts = true;  // the decoding score matches labelled packets to the decoded bursts
    analysis::validate(config);  // a bad --fft or --overlap is refused before any scene is made
    OutputFile json_out("--json", json_path);

    TempDir temp;
    std::vector<fs::path> files;
    if (scenes) {
        for (const auto& p : paths) {
            if (fs::is_directory(p)) {
                const auto found = eval::scene_files(p);
                files.insert(files.end(), found.begin(), found.end());
            } else if (fs::is_regular_file(p)) {
                files.emplace_back(p);
            } else {
                throw InputError(p + ": no such scene file or folder");
            }
        }
        if (files.empty()) throw InputError(paths.front() + ": no scene files (*.json) found");
        // Parse every scene (behind every model) before synthesising any, so a bad file fails fast.
        for (const auto& model : models)
            for (const auto& f : files) (void)sim::load_scene(f, model);
        if (work_dir.empty()) {
            temp.path = fs::temp_directory_path() / ("coex-eval-" + std::to_string(::getpid()));
            temp.remove = true;
            work_dir = temp.path.string();
        }
    }

    // One run: every scene behind one model (or the labelled captures), scored.
    struct Run {
        std::string model;
        std::vector<std::string> skipped;  // "scene: why the model cannot have its view"
        std::vector<eval::CaptureScore> scores;
        eval::Summary summary;
        std::vector<std::string> fails;
    };
    std::vector<Run> runs;
    for (const auto& model : models) {
        Run run;
        run.model = model;
        // Collect the work: (capture, synthesis seconds).
        std::vector<std::pair<fs::path, double>> captures;
        if (scenes) {
            const fs::path dir = per_model ? fs::path(work_dir) / (model.empty() ? std::string("none") : model) : fs::path(work_dir);
            std::error_code ec;
            fs::create_directories(dir, ec);
            if (ec || !fs::is_directory(dir)) throw InputError(dir.string() + ": cannot create the folder (--work)");
            for (std::size_t i = 0; i < files.size(); ++i) {
                auto scene = sim::load_scene(files[i], model);
                if (seed >= 0) scene.seed = static_cast<std::uint64_t>(seed);
                if (!scene.receiver.beyond_model.empty()) {
                    run.skipped.push_back(files[i].stem().string() + ": " + scene.receiver.beyond_model);
                    continue;
                }
                const fs::path out = dir / (files[i].stem().string() + ".h5");
                const auto r = eval::synthesize(scene, out);
                if (!quiet) {
                    char line[256];
                    std::snprintf(line, sizeof line, "[%zu/%zu] synth %-36s %6.2f s  %10llu samples%s%s\n", i + 1, files.size(),
                                  files[i].stem().c_str(), r.seconds, static_cast<unsigned long long>(r.samples),
                                  model.empty() ? "" : "  receiver ", model.c_str());
                    std::cerr << line << std::flush;
                }
                captures.emplace_back(out, r.seconds);
            }
        } else {
            for (const auto& p : paths) {
                if (fs::is_directory(p)) {
                    for (const auto& c : eval::labelled_captures(p)) captures.emplace_back(c, 0.0);
                } else if (fs::is_regular_file(p)) {
                    if (!fs::exists(eval::labels_path_for(p))) throw InputError(p + ": no labels beside it (" + eval::labels_path_for(p).string() + ")");
                    captures.emplace_back(p, 0.0);
                } else {
                    throw InputError(p + ": no such capture or folder");
                }
            }
            if (captures.empty()) throw InputError(paths.front() + ": no labelled captures (*.h5 with *.labels.json beside)");
        }

        for (std::size_t i = 0; i < captures.size(); ++i) {
            const auto& [capture, synth_s] = captures[i];
            const auto t = std::chrono::steady_clock::now();
            const std::string report = eval::analyze_to_json(capture, config);
            const double analysis_s = seconds_since(t);
            if (scenes && !temp.remove) {
                fs::path report_path = capture;
                std::ofstream(report_path.replace_extension(".report.json"), std::ios::binary | std::ios::trunc) << report;
            }
            auto s = eval::score_capture(report, slurp(eval::labels_path_for(capture)), capture.filename().string());
            s.analysis_s = analysis_s;
            s.synth_s = synth_s;
            if (!quiet) {
                char line[256];
                std::snprintf(line, sizeof line, "[%zu/%zu] analyse %-34s %6.2f s\n", i + 1, captures.size(), capture.filename().c_str(), analysis_s);
                std::cerr << line << std::flush;
            }
            run.scores.push_back(std::move(s));
        }
        run.summary = eval::summarize(run.scores);
        run.fails = eval::check(run.summary, th);
        runs.push_back(std::move(run));
    }

    const bool thresholds_given = vm.count("max-occupancy-error") || vm.count("max-mean-occupancy-error") || vm.count("max-false-detections") ||
                                  vm.count("max-wifi-false-channels") || vm.count("max-false-usb3") || !min_f1.empty() ||
                                  !min_f1_strong.empty() || !min_precision.empty() || !min_recall.empty() ||
                                  vm.count("min-recommendation-agreement");
    std::vector<std::string> fails;
    for (const auto& run : runs)
        for (const auto& f : run.fails) fails.push_back(per_model ? "receiver " + (run.model.empty() ? std::string("none") : run.model) + ": " + f : f);
    if (json_out.active()) {
        if (!per_model) {
            json_out.write(eval::to_json(runs.front().summary, runs.front().scores));
        } else {
            nlohmann::ordered_json j;
            j["schema"] = "coex-eval-receivers/1";
            j["receivers"] = nlohmann::ordered_json::array();
            for (const auto& run : runs) {
                nlohmann::ordered_json r;
                r["receiver_model"] = run.model.empty() ? "none" : run.model;
                r["skipped"] = run.skipped;
                r["thresholds_missed"] = run.fails;
                r["eval"] = nlohmann::ordered_json::parse(eval::to_json(run.summary, run.scores));
                j["receivers"].push_back(r);
            }
            json_out.write(j.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
        }
    }
    if (!json_out.is_stdout()) {
        for (const auto& run : runs) {
            if (per_model) {
                std::cout << (&run == &runs.front() ? "" : "\n") << "==== receiver: " << (run.model.empty() ? "none (the scenes as written)" : run.model)
                          << " ====\n";
                if (!run.skipped.empty()) {
                    std::cout << "Skipped: " << run.skipped.size() << " scenes whose view the model cannot have:\n";
                    for (const auto& a : run.skipped) std::cout << "  " << a << "\n";
                }
            }
            std::cout << eval::to_text(run.summary, run.scores);
        }
        if (!fails.empty()) {
            std::cout << "\nThresholds missed:\n";
            for (const auto& f : fails) std::cout << "  " << f << "\n";
        } else if (thresholds_given) {
            std::cout << "\nAll thresholds hold.\n";
        }
    } else {
        for (const auto& f : fails) std::cerr << "coex eval: threshold missed: " << f << "\n";
    }
    return fails.empty() ? 0 : kThresholdMissed;
}

}  // namespace coex::cli
