// The coex executable end to end: exit codes, one-line errors naming the file or option, reports.
#include "coex/io/capture.hpp"
#include "coex/sim/sim.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sys/wait.h>

namespace coex {
namespace {

namespace fs = std::filesystem;

struct Run {
    int code = -1;
    std::string out;  // stdout
    std::string err;  // stderr
};

Run run(const std::string& arguments) {
    const fs::path dir = fs::temp_directory_path() / ("coex-cli-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const auto out = dir / "stdout", err = dir / "stderr";
    const std::string command = std::string(COEX_BINARY_DIR) + "/coex " + arguments + " >" + out.string() + " 2>" + err.string();
    const int status = std::system(command.c_str());
    auto slurp = [](const fs::path& p) {
        std::ifstream in(p);
        return std::string(std::istreambuf_iterator<char>(in), {});
    };
    Run r{WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
    fs::remove_all(dir);
    return r;
}

int lines(const std::string& text) { return static_cast<int>(std::count(text.begin(), text.end(), '\n')); }

class Cli : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("coex-cli-test-" + std::to_string(::getpid()) + "-" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    // 50 ms at 20 MS/s on channel 6: noise and 802.11g frames at about 40 % airtime.
    fs::path make_capture(const std::string& name, io::SampleType type = io::SampleType::int8) {
        std::mt19937_64 rng(9);
        const sim::Segment view{2437e6, 20e6, 1'000'000};
        std::vector<cf32> x(view.samples);
        sim::add_awgn(x, -60.0, rng);
        auto frame = std::make_shared<sim::Waveform>(sim::wifi_ofdm_ppdu(1000, sim::WifiRate::mbps24, rng));
        std::vector<sim::Burst> bursts;
        for (double t = 0.001; t < 0.049; t += 0.001) bursts.push_back({t, 2437e6, -30.0, frame});
        sim::add_bursts(view, bursts, x);
        const auto path = dir_ / name;
        io::CaptureWriter w(path, {"test", "2026-01-01T00:00:00Z", "cli test"}, type);
        w.begin_segment({2437e6, 20e6, 0.0, 30.0, std::nullopt});
        w.append(x);
        w.end_segment();
        w.close();
        return path;
    }
    fs::path dir_;
};

TEST_F(Cli, AnalyzePrintsTheChannelTable) {
    const auto path = make_capture("ok.h5");
    const auto r = run("analyze " + path.string());
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.err, "");
    EXPECT_NE(r.out.find("2437 MHz"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("not observed: channels 1–5, 7–13"), std::string::npos) << r.out;
}

TEST_F(Cli, JsonReportHasTheDocumentedShape) {
    const auto path = make_capture("ok.h5");
    const auto json_path = dir_ / "report.json";
    const auto r = run("analyze " + path.string() + " --json " + json_path.string() + " --country US");
    ASSERT_EQ(r.code, 0) << r.err;
    std::ifstream in(json_path);
    const auto j = nlohmann::json::parse(in);
    EXPECT_EQ(j["schema"], "coex-report/1");
    EXPECT_EQ(j["capture"]["path"], path.string());
    EXPECT_EQ(j["capture"]["segments"], 1);
    EXPECT_DOUBLE_EQ(j["capture"]["duration_s"].get<double>(), 0.05);
    EXPECT_EQ(j["capture"]["sample_rates_hz"], nlohmann::json::array({20e6}));
    EXPECT_EQ(j["capture"]["hardware"], "test");
    EXPECT_TRUE(j["noise_floor_dbfs_per_mhz"].is_number());
    ASSERT_EQ(j["wifi"]["channels"].size(), 11u);  // US
    const auto& ch6 = j["wifi"]["channels"][5];
    EXPECT_EQ(ch6["channel"], 6);
    EXPECT_EQ(ch6["center_mhz"], 2437.0);
    EXPECT_EQ(ch6["observed"], true);
    EXPECT_GT(ch6["occupancy"].get<double>(), 0.3);
    EXPECT_TRUE(ch6["mean_power_dbfs"].is_number());
    EXPECT_EQ(j["wifi"]["channels"][0]["observed"], false);
    EXPECT_TRUE(j["wifi"]["channels"][0]["occupancy"].is_null());
    EXPECT_TRUE(j["emitters"].is_array());
    // a single 20 MS/s view sees one channel: no channel is chosen, and the next capture is suggested
    ASSERT_TRUE(j["recommendation"].is_object());
    EXPECT_TRUE(j["recommendation"]["channel"].is_null());
    EXPECT_TRUE(j["recommendation"]["capture_advice"].is_string());
    EXPECT_EQ(j["stats"]["samples_in"], 1'000'000);
    EXPECT_EQ(j["stats"]["samples_dropped"], 0);
    EXPECT_EQ(j["stats"]["samples_lost"], 0);
    EXPECT_GT(j["stats"]["frames"].get<int>(), 0);
    // text report still on stdout
    EXPECT_NE(r.out.find("Wi-Fi channels"), std::string::npos);
}

TEST_F(Cli, JsonToStdoutReplacesTheText) {
    const auto path = make_capture("ok.h5", io::SampleType::float32);
    const auto r = run("analyze " + path.string() + " --json -");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out)["schema"], "coex-report/1");
}

TEST_F(Cli, BadFilesExitTwoWithOneLineNamingTheFile) {
    const auto missing = dir_ / "missing.h5";
    const auto text = dir_ / "notes.h5";
    std::ofstream(text) << "not a capture\n";
    const auto truncated = make_capture("truncated.h5");
    fs::resize_file(truncated, fs::file_size(truncated) / 2);
    for (const auto& [file, problem] : std::vector<std::pair<fs::path, std::string>>{
             {missing, "no such file"}, {text, "not an HDF5 file"}, {truncated, "truncated"}}) {
        const auto r = run("analyze " + file.string());
        EXPECT_EQ(r.code, 2) << file;
        EXPECT_EQ(lines(r.err), 1) << r.err;
        EXPECT_NE(r.err.find(file.string()), std::string::npos) << r.err;
        EXPECT_NE(r.err.find(problem), std::string::npos) << r.err;
        EXPECT_EQ(r.out, "");
    }
}

// A file a fuzzer made (tests/fuzz/corpus/capture_h5): its global heap is damaged so that Debian 12's
// HDF5 1.10.8 never returns from reading a string attribute. The capture reader's watchdog ends it with
// the one-line answer for a damaged file after 10 s of CPU.
TEST_F(Cli, HdfLibraryThatNeverReturnsEndsInExitTwo) {
    const fs::path file = dir_ / "damaged.h5";
    fs::copy_file(fs::path(COEX_SOURCE_DIR) / "tests/fuzz/corpus/capture_h5/hdf5-loops-on-damaged-global-heap", file);
    const auto r = run("analyze " + file.string());
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find(file.string() + ": file is damaged"), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
}

// A file name in Latin-1 (legal on Linux; what older Windows tools write) is not UTF-8: the JSON report
// names it with U+FFFD where a byte is not UTF-8, instead of ending on the JSON library's exception.
TEST_F(Cli, AFileNameThatIsNotUtf8IsReportedNotFatal) {
    const auto path = dir_ / "caf\xe9.h5";
    fs::copy_file(make_capture("ok.h5"), path);
    const auto r = run("analyze '" + path.string() + "' --json -");
    ASSERT_EQ(r.code, 0) << r.err;
    const auto report = nlohmann::json::parse(r.out);
    EXPECT_NE(report["capture"]["path"].get<std::string>().find("caf\xef\xbf\xbd.h5"), std::string::npos);
}

TEST_F(Cli, NanSamplesExitTwoNamingTheSample) {
    const auto path = dir_ / "nan.h5";
    {
        io::CaptureWriter w(path, {}, io::SampleType::float32);
        w.begin_segment({2437e6, 20e6, 0.0, std::nullopt, std::nullopt});
        std::vector<cf32> x(100000, cf32(0.01f, 0.0f));
        w.append(x);
        w.end_segment();
    }
    // Poke a NaN into the stored floats (the writer refuses to write one).
    {
        std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(f)), {});
        const float marker = 0.01f;
        const auto pos = bytes.rfind(std::string(reinterpret_cast<const char*>(&marker), 4));
        ASSERT_NE(pos, std::string::npos);
        const float nan = std::numeric_limits<float>::quiet_NaN();
        f.seekp(static_cast<std::streamoff>(pos));
        f.write(reinterpret_cast<const char*>(&nan), 4);
    }
    const auto r = run("analyze " + path.string());
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_EQ(lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find(path.string()), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("NaN"), std::string::npos) << r.err;
}

// A NaN far into a long file: the reader thread is ahead, sharing the detectors' work, when the
// analysis stops; coex must still end at once (exit 2), not hang.
TEST_F(Cli, NanDeepInALongCaptureEndsAtOnce) {
    const auto path = dir_ / "nan-deep.h5";
    const float marker = 0.02f;
    {
        io::CaptureWriter w(path, {}, io::SampleType::float32);
        w.begin_segment({2437e6, 20e6, 0.0, std::nullopt, std::nullopt});
        std::vector<cf32> x(3'000'000, cf32(0.01f, 0.0f));
        x[1'500'000] = cf32(marker, 0.0f);
        w.append(x);
        w.end_segment();
    }
    {
        std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(f)), {});
        const auto pos = bytes.find(std::string(reinterpret_cast<const char*>(&marker), 4));
        ASSERT_NE(pos, std::string::npos);
        const float nan = std::numeric_limits<float>::quiet_NaN();
        f.seekp(static_cast<std::streamoff>(pos));
        f.write(reinterpret_cast<const char*>(&nan), 4);
    }
    const auto err = dir_ / "nan-deep.err";
    const std::string command = "timeout 60 " + std::string(COEX_BINARY_DIR) + "/coex analyze " + path.string() + " >/dev/null 2>" + err.string();
    const int status = std::system(command.c_str());
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 2) << "(124: it hung and timeout stopped it)";
    std::ifstream in(err);
    const std::string message((std::istreambuf_iterator<char>(in)), {});
    EXPECT_NE(message.find("sample 1500000 is NaN or infinite"), std::string::npos) << message;
}

TEST_F(Cli, BadOptionsExitTwoNamingTheOption) {
    const auto path = make_capture("ok.h5");
    for (const auto& [args, option] : std::vector<std::pair<std::string, std::string>>{
             {"--country XX", "--country"},
             {"--fft 1000", "--fft"},
             {"--overlap 0.99", "--overlap"},
             {"--window square", "--window"},
             {"--json /no/such/folder/r.json", "--json"},
             {"--bogus", "--bogus"},
             // Boost 1.74 loops forever reporting a bad value that holds its own placeholder (a fuzzer found it)
             {"--fft '%value%'", "--fft"}}) {
        const auto r = run("analyze " + path.string() + " " + args);
        EXPECT_EQ(r.code, 2) << args;
        EXPECT_EQ(lines(r.err), 1) << r.err;
        EXPECT_NE(r.err.find(option), std::string::npos) << r.err;
    }
    EXPECT_EQ(run("analyze").code, 2);
    EXPECT_EQ(run("frobnicate").code, 2);
    EXPECT_EQ(run("").code, 2);
    EXPECT_EQ(run("--help").code, 0);
    EXPECT_EQ(run("analyze --help").code, 0);
}

TEST_F(Cli, FailedRunLeavesNoHalfWrittenReport) {
    const auto json_path = dir_ / "report.json";
    const auto r = run("analyze " + (dir_ / "missing.h5").string() + " --json " + json_path.string());
    EXPECT_EQ(r.code, 2);
    EXPECT_FALSE(fs::exists(json_path));
}

TEST(BundledCapture, QuickStartCaptureAnalyses) {
    const fs::path bundled = fs::path(COEX_SOURCE_DIR) / "captures" / "living-room-ch6.h5";
    ASSERT_TRUE(fs::exists(bundled)) << bundled;
    const auto r = run("analyze " + bundled.string() + " --json -");
    ASSERT_EQ(r.code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["schema"], "coex-report/1");
    EXPECT_EQ(j["wifi"]["channels"][5]["observed"], true);
}

}  // namespace
}  // namespace coex
