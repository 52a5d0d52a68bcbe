// Scenes to files and back: the capture holds what the labels describe; the CLI's synth and eval
// end to end (exit codes, one-line errors, same seed -> same samples).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

#include "coex/core/error.hpp"
#include "coex/eval/corpus.hpp"
#include "coex/eval/score.hpp"
#include "coex/io/capture.hpp"

using namespace coex;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

class EvalCorpus : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("coex-eval-test-" + std::to_string(::getpid()) + "-" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    fs::path write(const std::string& name, const std::string& text) const {
        const auto p = dir_ / name;
        std::ofstream(p) << text;
        return p;
    }
    fs::path dir_;
};

struct Run {
    int code = -1;
    std::string out, err;
};

Run run(const std::string& arguments, const fs::path& dir) {
    const auto out = dir / "stdout.txt", err = dir / "stderr.txt";
    const std::string command = std::string(COEX_BINARY_DIR) + "/coex " + arguments + " >" + out.string() + " 2>" + err.string();
    const int status = std::system(command.c_str());
    auto slurp = [](const fs::path& p) {
        std::ifstream in(p);
        return std::string(std::istreambuf_iterator<char>(in), {});
    };
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
}

std::vector<cf32> read_all(const fs::path& capture, std::size_t segment) {
    io::CaptureReader r(capture);
    std::vector<cf32> x(r.segments().at(segment).length);
    EXPECT_EQ(r.read(segment, 0, x), x.size());
    return x;
}

const char* kSweep = R"({"seed": 4, "receiver": {"view": "sweep", "centers_mhz": [2412, 2437], "dwell_ms": 5, "rounds": 2, "retune_gap_ms": 1},
  "emitters": [{"type": "wifi_ofdm", "channel": 6, "snr_db": 25, "airtime": 0.4}, {"type": "bluetooth_classic", "snr_db": 20}]})";

}  // namespace

TEST_F(EvalCorpus, SynthesisWritesCaptureAndLabelsThatAgree) {
    const auto scene = sim::parse_scene(kSweep, "sweep.json");
    const auto r = eval::synthesize(scene, dir_ / "sweep.h5");
    EXPECT_EQ(r.labels, dir_ / "sweep.labels.json");
    EXPECT_EQ(r.segments, 4u);
    io::CaptureReader reader(r.capture);
    ASSERT_EQ(reader.segments().size(), 4u);
    const auto labels = json::parse(std::ifstream(r.labels));
    for (std::size_t i = 0; i < 4; ++i) {
        const auto& seg = reader.segments()[i];
        EXPECT_EQ(seg.type, io::SampleType::int8);
        EXPECT_DOUBLE_EQ(seg.info.start_time_s, labels["segments"][i]["start_s"].get<double>());
        EXPECT_DOUBLE_EQ(seg.info.center_frequency_hz / 1e6, labels["segments"][i]["center_mhz"].get<double>());
        EXPECT_EQ(seg.length, labels["segments"][i]["samples"].get<std::uint64_t>());
    }
    EXPECT_EQ(labels["capture"], "sweep.h5");
    EXPECT_EQ(eval::labelled_captures(dir_), std::vector<fs::path>{dir_ / "sweep.h5"});
    // No temporary files left behind.
    int files = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_)) ++files;
    EXPECT_EQ(files, 2);
}

TEST_F(EvalCorpus, AnalysisOfASynthesisedCaptureScores) {
    const auto r = eval::synthesize(sim::parse_scene(kSweep, "sweep.json"), dir_ / "s.h5");
    analysis::AnalysisConfig config;
    config.spectrogram.planning = dsp::FftPlanning::estimate;
    const std::string report = eval::analyze_to_json(r.capture, config);
    std::ifstream in(r.labels);
    const std::string labels((std::istreambuf_iterator<char>(in)), {});
    const auto s = eval::score_capture(report, labels, "s.h5");
    EXPECT_EQ(s.view, "sweep");
    ASSERT_EQ(s.occupancy.size(), 2u);  // channels 1 and 6 are seen whole
    for (const auto& o : s.occupancy) EXPECT_LT(std::abs(o.reported - o.truth), 0.05) << "channel " << o.channel;
}

TEST_F(EvalCorpus, SceneFilesSkipLabelsAndReports) {
    write("a.json", "{}");
    write("b.labels.json", "{}");
    write("c.report.json", "{}");
    write("d.txt", "");
    EXPECT_EQ(eval::scene_files(dir_), std::vector<fs::path>{dir_ / "a.json"});
    EXPECT_EQ(eval::labels_path_for("x/y.h5"), fs::path("x/y.labels.json"));
}

TEST_F(EvalCorpus, CliSynthSameSeedSameSamples) {
    const auto scene = write("s.json", kSweep);
    ASSERT_EQ(run("synth " + scene.string() + " -o " + (dir_ / "a.h5").string(), dir_).code, 0);
    ASSERT_EQ(run("synth " + scene.string() + " -o " + (dir_ / "b.h5").string(), dir_).code, 0);
    ASSERT_EQ(run("synth " + scene.string() + " --seed 5 -o " + (dir_ / "c.h5").string(), dir_).code, 0);
    EXPECT_EQ(read_all(dir_ / "a.h5", 1), read_all(dir_ / "b.h5", 1));
    EXPECT_NE(read_all(dir_ / "a.h5", 1), read_all(dir_ / "c.h5", 1));
    const auto la = json::parse(std::ifstream(dir_ / "a.labels.json")), lc = json::parse(std::ifstream(dir_ / "c.labels.json"));
    EXPECT_EQ(la["seed"], 4);
    EXPECT_EQ(lc["seed"], 5);
}

TEST_F(EvalCorpus, CliSynthBadInputIsOneLineAndExit2) {
    const auto bad = write("bad.json", R"({"receiver": {"view": "single"}, "emitters": [{"type": "ble"}, {"type": "ble"},
        {"type": "wifi_ofdm", "channel": 15}]})");
    auto r = run("synth " + bad.string() + " -o " + (dir_ / "x.h5").string(), dir_);
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(r.err, "coex synth: " + bad.string() + ": emitters[2].channel: 15 is not a Wi-Fi channel (1–14)\n");
    EXPECT_FALSE(fs::exists(dir_ / "x.h5"));
    EXPECT_FALSE(fs::exists(dir_ / "x.labels.json"));
    r = run("synth " + (dir_ / "missing.json").string() + " -o " + (dir_ / "x.h5").string(), dir_);
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("missing.json: cannot be read"), std::string::npos) << r.err;
    EXPECT_EQ(run("synth " + bad.string(), dir_).code, 2);  // no -o
    EXPECT_EQ(run("synth " + bad.string() + " -o x.h5 --sample-type int4", dir_).code, 2);
    EXPECT_EQ(run("synth --help", dir_).code, 0);
}

TEST_F(EvalCorpus, CliEvalExitCodes) {
    fs::create_directories(dir_ / "scenes");
    std::ofstream(dir_ / "scenes" / "wifi.json") << R"({"seed": 9, "duration_s": 0.05, "receiver": {"view": "single", "center_mhz": 2437},
        "emitters": [{"type": "wifi_ofdm", "channel": 6, "snr_db": 25, "airtime": 0.3}]})";
    std::ofstream(dir_ / "scenes" / "noise.json") << R"({"seed": 10, "duration_s": 0.05, "receiver": {"view": "single"}})";
    const std::string work = (dir_ / "work").string();
    const std::string base = "eval -q --fft-estimate --scenes " + (dir_ / "scenes").string() + " --work " + work;
    // Thresholds that hold: exit 0, the JSON is written.
    auto r = run(base + " --max-occupancy-error 0.03 --max-wifi-false-channels 0 --max-false-detections 0 --json " + (dir_ / "e.json").string(), dir_);
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("All thresholds hold."), std::string::npos) << r.out;
    const auto j = json::parse(std::ifstream(dir_ / "e.json"));
    EXPECT_EQ(j["summary"]["captures"], 2);
    EXPECT_EQ(j["summary"]["false_positive_scenes"], 1);
    EXPECT_TRUE(fs::exists(dir_ / "work" / "wifi.report.json"));
    // A threshold nobody can meet: exit 3, and the table names it.
    r = run("eval -q --fft-estimate " + work + " --max-occupancy-error 0 --min-f1 zigbee=0.5", dir_);
    EXPECT_EQ(r.code, 3) << r.out << r.err;
    EXPECT_NE(r.out.find("Thresholds missed:"), std::string::npos);
    EXPECT_NE(r.out.find("zigbee F1 undefined"), std::string::npos) << r.out;
    // Bad input: exit 2, one line.
    r = run("eval " + (dir_ / "nowhere").string(), dir_);
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    r = run("eval " + (dir_ / "scenes").string(), dir_);  // scene files but no --scenes: no labelled captures
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("no labelled captures"), std::string::npos) << r.err;
    EXPECT_EQ(run("eval " + work + " --min-f1 laser=0.5", dir_).code, 2);
    r = run("eval " + work + " --fft 1000", dir_);  // analysis settings are checked before any scene is made
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("--fft"), std::string::npos) << r.err;
    EXPECT_EQ(run("eval " + work + " --window square", dir_).code, 2);
    // The analysis settings reach the analysis.
    const std::string work1024 = (dir_ / "work1024").string();
    r = run("eval -q --fft-estimate --fft 1024 --overlap 0.5 --scenes " + (dir_ / "scenes").string() + " --work " + work1024, dir_);
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    const auto report = json::parse(std::ifstream(dir_ / "work1024" / "wifi.report.json"));
    EXPECT_EQ(report["settings"]["fft_sizes"], json::array({1024})) << report["settings"];
    EXPECT_EQ(report["settings"]["overlap"], 0.5);
    EXPECT_EQ(run("eval " + work + " --min-f1 wifi_ofdm=1.5", dir_).code, 2);
    EXPECT_EQ(run("eval", dir_).code, 2);
}

TEST_F(EvalCorpus, CliEvalReceiverModelsScoredApart) {
    fs::create_directories(dir_ / "scenes");
    std::ofstream(dir_ / "scenes" / "noise.json") << R"({"seed": 10, "duration_s": 0.02, "receiver": {"view": "single"}})";
    std::ofstream(dir_ / "scenes" / "wide.json") << R"({"seed": 11, "duration_s": 0.005, "receiver": {"view": "wideband"}})";
    const std::string base = "eval -q --fft-estimate --scenes " + (dir_ / "scenes").string() + " --work " + (dir_ / "work").string();
    auto r = run(base + " --receiver-model none,hackrf,usrp --max-false-usb3 0 --json " + (dir_ / "m.json").string(), dir_);
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("==== receiver: hackrf ===="), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("wide: 100 MS/s wideband view: beyond a hackrf (at most 20 MS/s)"), std::string::npos) << r.out;
    const auto j = json::parse(std::ifstream(dir_ / "m.json"));
    EXPECT_EQ(j["schema"], "coex-eval-receivers/1");
    ASSERT_EQ(j["receivers"].size(), 3u);
    EXPECT_EQ(j["receivers"][1]["receiver_model"], "hackrf");
    EXPECT_EQ(j["receivers"][1]["eval"]["summary"]["captures"], 1);  // the wideband scene skipped
    EXPECT_EQ(j["receivers"][2]["eval"]["summary"]["captures"], 2);  // a USRP has 100 MS/s
    EXPECT_EQ(j["receivers"][0]["eval"]["summary"]["false_usb3"], 0);
    // Each model's captures are its own, with its hardware and imperfections in the labels.
    const auto labels = json::parse(std::ifstream(dir_ / "work" / "usrp" / "noise.labels.json"));
    EXPECT_EQ(labels["receiver"]["model"], "usrp");
    EXPECT_EQ(labels["receiver"]["sample_type"], "int16");
    EXPECT_EQ(labels["receiver"]["passband_tilt_db"], 6.0);
    // Bad model names and a model without --scenes: exit 2, one line naming the option.
    r = run(base + " --receiver-model sdrplay", dir_);
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("--receiver-model: 'sdrplay' is not one of none, hackrf, rtlsdr, usrp, pluto"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(run(base + " --receiver-model hackrf,hackrf", dir_).code, 2);
    EXPECT_EQ(run("eval " + (dir_ / "work").string() + " --receiver-model hackrf", dir_).code, 2);
}

TEST(EvalBundled, CommittedExamplesHaveTheirLabels) {
    const fs::path captures = fs::path(COEX_SOURCE_DIR) / "captures";
    for (const char* name : {"living-room-ch6", "seed-story-sweep"}) {
        const fs::path capture = captures / (std::string(name) + ".h5");
        ASSERT_TRUE(fs::exists(capture)) << capture;
        EXPECT_LE(fs::file_size(capture), 4'200'000u) << capture;
        const auto labels = json::parse(std::ifstream(eval::labels_path_for(capture)));
        EXPECT_EQ(labels["scene"], name);
        io::CaptureReader r(capture);
        EXPECT_EQ(r.segments().size(), labels["segments"].size());
    }
}
