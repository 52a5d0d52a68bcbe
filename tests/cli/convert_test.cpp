// coex convert and the formats end to end, through the real binary: HDF5 ↔ SigMF ↔ raw round trips that
// analyse to the same report, every bad-input exit 2 with one line naming the file, SigMF annotations
// from --annotate, --png/--html, the progress bar (only on a terminal, never with --quiet), and the real
// recordings in ../shared/captures/real (skipped when absent).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sys/wait.h>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

struct Outcome {
    int code = -1;
    std::string out, err;
};

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

class Formats : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("coex-formats-" + std::to_string(::getpid()) + "-" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    Outcome run(const std::string& arguments) const {
        const auto out = dir_ / ".stdout", err = dir_ / ".stderr";
        const std::string command = std::string(COEX_BINARY_DIR) + "/coex " + arguments + " >" + out.string() + " 2>" + err.string();
        const int status = std::system(command.c_str());
        return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
    }
    // The JSON report of `file`, without what names the file.
    json report(const std::string& file_and_options) const {
        const Outcome r = run("analyze " + file_and_options + " --json -");
        EXPECT_EQ(r.code, 0) << r.err;
        json j = json::parse(r.out);
        j["capture"].erase("path");
        j["capture"].erase("hardware");
        j["capture"].erase("datetime");
        j["capture"].erase("description");
        return j;
    }
    std::string path(const std::string& name) const { return (dir_ / name).string(); }

    fs::path dir_;
    const std::string living_room_ = std::string(COEX_SOURCE_DIR) + "/captures/living-room-ch6.h5";
    const std::string sweep_ = std::string(COEX_SOURCE_DIR) + "/captures/seed-story-sweep.h5";
};

int lines(const std::string& text) { return static_cast<int>(std::count(text.begin(), text.end(), '\n')); }

TEST_F(Formats, Hdf5ToSigmfAndBackAnalysesTheSame) {
    const json original = report(sweep_);
    Outcome r = run("convert " + sweep_ + " " + path("sweep.sigmf-meta"));
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.err, "") << "no progress bar when stderr is not a terminal";
    EXPECT_NE(r.out.find("1920000 samples in 6 segments (cs8)"), std::string::npos) << r.out;
    EXPECT_TRUE(fs::exists(path("sweep.sigmf-data")));
    EXPECT_EQ(report(path("sweep.sigmf-meta")), original) << "analyze reads SigMF directly";

    r = run("convert " + path("sweep.sigmf-meta") + " " + path("back.h5"));
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(report(path("back.h5")), original);
    const json meta = json::parse(slurp(path("sweep.sigmf-meta")));
    EXPECT_EQ(meta["global"]["core:datatype"], "ci8");
    EXPECT_EQ(meta["captures"].size(), 6u);
}

TEST_F(Formats, EveryRawFormatAnalysesLikeTheOriginal) {
    const json original = report(living_room_);
    for (const std::string ext : {"cs8", "cu8", "cs16", "cf32"}) {
        SCOPED_TRACE(ext);
        const std::string raw = path("room_2437M_20000k." + ext);
        const Outcome r = run("convert " + living_room_ + " " + raw);
        ASSERT_EQ(r.code, 0) << r.err;
        EXPECT_EQ(r.err, "") << "the name carries the tuning: no note";
        // cu8 is offset binary: int8 samples land half a step away, so only the int8-exact formats match exactly.
        if (ext != "cu8") {
            EXPECT_EQ(report(raw), original);
        } else {
            const json j = report(raw);
            EXPECT_NEAR(j["wifi"]["channels"][5]["occupancy"].get<double>(), original["wifi"]["channels"][5]["occupancy"].get<double>(), 0.02);
        }
    }
    // A GNU Radio .cfile, with the tuning given as options.
    ASSERT_EQ(run("convert " + path("room_2437M_20000k.cf32") + " " + path("gnuradio.cfile")).code, 0);
    EXPECT_EQ(report(path("gnuradio.cfile") + " --rate 20M --center 2437e6"), original);
    // An unnamed raw output gets a note telling how to read it back.
    const Outcome note = run("convert " + living_room_ + " " + path("plain.cs8"));
    EXPECT_EQ(note.code, 0);
    EXPECT_NE(note.err.find("--rate 20000000 --center 2437000000"), std::string::npos) << note.err;
    EXPECT_EQ(slurp(path("plain.cs8")), slurp(path("room_2437M_20000k.cs8")));
}

TEST_F(Formats, BadInputExitsTwoNamingTheFile) {
    auto expect_one_line = [&](const std::string& args, const std::string& wanted) {
        const Outcome r = run(args);
        EXPECT_EQ(r.code, 2) << args;
        EXPECT_EQ(lines(r.err), 1) << r.err;
        EXPECT_NE(r.err.find(wanted), std::string::npos) << "wanted: " << wanted << "\ngot: " << r.err;
        EXPECT_EQ(r.out, "");
    };
    std::ofstream(path("x.cu8"), std::ios::binary) << std::string(100, '\x80');
    expect_one_line("analyze " + path("x.cu8"), path("x.cu8") + ": sample rate unknown: give --rate HZ");
    expect_one_line("synth " + std::string(COEX_SOURCE_DIR) + "/captures/scenes/cw-lone.json -o " + path("s.cu8"),
                    "-o: " + path("s.cu8") + ": coex synth writes HDF5 (.h5)");
    std::ofstream(path("odd_2437M_20M.cs16"), std::ios::binary) << std::string(1001, '\0');
    expect_one_line("analyze " + path("odd_2437M_20M.cs16"), "1001 bytes is not a whole number of cs16 samples (4 bytes each)");
    expect_one_line("analyze " + path("x.cu8") + " --rate fast", "--rate: 'fast' is not a sample rate");
    expect_one_line("analyze " + living_room_ + " --rate 20M", "--rate: " + living_room_ + " is HDF5");
    expect_one_line("analyze " + path("x.cu8") + " --format wav", "--format: 'wav' is not one of");
    std::ofstream(path("bad.sigmf-meta")) << R"({"global": {"core:datatype": "ri16_le", "core:sample_rate": 1e6}, "captures": []})";
    std::ofstream(path("bad.sigmf-data"), std::ios::binary) << std::string(400, '\0');
    expect_one_line("analyze " + path("bad.sigmf-meta"), path("bad.sigmf-meta") + ": datatype 'ri16_le' is not supported");
    std::ofstream(path("norate.sigmf-meta")) << R"({"global": {"core:datatype": "ci8"}, "captures": [{"core:sample_start": 0, "core:frequency": 2.437e9}]})";
    std::ofstream(path("norate.sigmf-data"), std::ios::binary) << std::string(400, '\0');
    expect_one_line("convert " + path("norate.sigmf-meta") + " " + path("out.h5"),
                    path("norate.sigmf-meta") + ": global 'core:sample_rate' is missing (give --rate HZ)");
    expect_one_line("convert " + sweep_ + " " + path("sweep.cs8"), path("sweep.cs8") + ": a raw cs8 file holds one segment");
    expect_one_line("convert " + living_room_ + " " + path("out.wav"), "the output format is unknown");
    expect_one_line("convert " + living_room_ + " " + living_room_, "is the input itself");
    expect_one_line("convert " + living_room_ + " " + path("o.h5") + " --annotate", "--annotate: annotations are written into SigMF");
    expect_one_line("analyze " + living_room_ + " --png " + path("no/such/folder/x.png"), "--png: folder");
    // Nothing half-written is left behind by a failed conversion.
    for (const auto& e : fs::directory_iterator(dir_))
        EXPECT_EQ(e.path().string().find(".partial"), std::string::npos) << e.path();
    EXPECT_FALSE(fs::exists(path("out.h5")));
}

TEST_F(Formats, AnnotateWritesTheEmittersIntoSigmf) {
    const json analysed = report(living_room_);
    const Outcome r = run("convert " + living_room_ + " " + path("room.sigmf-meta") + " --annotate");
    ASSERT_EQ(r.code, 0) << r.err;
    const json meta = json::parse(slurp(path("room.sigmf-meta")));
    ASSERT_EQ(meta["annotations"].size(), analysed["emitters"].size());
    for (std::size_t i = 0; i < analysed["emitters"].size(); ++i) {
        const json& e = analysed["emitters"][i];
        bool found = false;
        for (const json& a : meta["annotations"])
            if (a["core:label"] == e["class"] && std::abs(a["core:freq_lower_edge"].get<double>() - e["low_mhz"].get<double>() * 1e6) < 1e3) {
                found = true;
                EXPECT_EQ(a["core:comment"], e["summary"]);
                EXPECT_GT(a["core:sample_count"].get<double>(), 0);
                EXPECT_LE(a["core:sample_start"].get<double>() + a["core:sample_count"].get<double>(), 2000000);
            }
        EXPECT_TRUE(found) << e;
    }
    // Annotations travel SigMF → SigMF; into HDF5 they cannot, and the user is told.
    Outcome again = run("convert " + path("room.sigmf-meta") + " " + path("copy.sigmf-meta"));
    ASSERT_EQ(again.code, 0) << again.err;
    EXPECT_EQ(json::parse(slurp(path("copy.sigmf-meta")))["annotations"], meta["annotations"]);
    again = run("convert " + path("room.sigmf-meta") + " " + path("copy.h5"));
    ASSERT_EQ(again.code, 0) << again.err;
    EXPECT_NE(again.err.find("annotations have no place in h5"), std::string::npos) << again.err;
}

TEST_F(Formats, PngAndHtml) {
    const Outcome r = run("analyze " + sweep_ + " --png " + path("sweep.png") + " --html " + path("sweep.html"));
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.err, "");
    const std::string png = slurp(path("sweep.png"));
    EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
    EXPECT_GT(png.size(), 20000u);
    const std::string html = slurp(path("sweep.html"));
    EXPECT_NE(html.find("data:image/png;base64,"), std::string::npos);
    EXPECT_EQ(html.find("http"), std::string::npos);
    EXPECT_NE(html.find("Recommendation"), std::string::npos);
    // Zoomed on what was observed, or on a band given in MHz.
    EXPECT_EQ(run("analyze " + sweep_ + " --png " + path("zoom.png") + " --png-band observed").code, 0);
    EXPECT_EQ(run("analyze " + sweep_ + " --png " + path("zoom2.png") + " --png-band 2425:2450").code, 0);
    EXPECT_NE(slurp(path("zoom.png")), png);
    const Outcome bad = run("analyze " + sweep_ + " --png " + path("bad.png") + " --png-band 2450:2425");
    EXPECT_EQ(bad.code, 2);
    EXPECT_NE(bad.err.find("--png-band: '2450:2425' is not"), std::string::npos) << bad.err;
    EXPECT_EQ(run("analyze " + sweep_ + " --png-band observed").code, 2) << "--png-band without a picture";
}

// The progress bar shows on a terminal (a pseudo-terminal from script(1)) and not with --quiet.
TEST_F(Formats, ProgressOnATerminalOnly) {
    if (std::system("command -v script >/dev/null 2>&1") != 0) GTEST_SKIP() << "script(1) is not installed";
    // 4 M samples of noise; the bar is asked for at once (COEX_PROGRESS_DELAY=0).
    {
        std::mt19937 rng(1);
        std::string noise(8'000'000, '\0');
        for (auto& c : noise) c = static_cast<char>(static_cast<int>(rng() % 9) - 4);
        std::ofstream(path("noise_2437M_20M.cs8"), std::ios::binary) << noise;
    }
    auto on_terminal = [&](const std::string& args) {
        const std::string command = "COEX_PROGRESS_DELAY=0 script -qfec '" + std::string(COEX_BINARY_DIR) + "/coex " + args + " >/dev/null' /dev/null > " + path("tty.txt");
        EXPECT_EQ(std::system(command.c_str()), 0);
        return slurp(path("tty.txt"));
    };
    const std::string shown = on_terminal("analyze " + path("noise_2437M_20M.cs8"));
    EXPECT_NE(shown.find("analyze  ["), std::string::npos) << shown;
    EXPECT_NE(shown.find("MS/s"), std::string::npos) << shown;
    EXPECT_NE(shown.find(" left"), std::string::npos) << shown;
    const std::string quiet = on_terminal("analyze --quiet " + path("noise_2437M_20M.cs8"));
    EXPECT_EQ(quiet.find("analyze  ["), std::string::npos) << quiet;
}

// ---- real recordings made by others --------------------------------------------------------------

std::vector<fs::path> real_files(const std::string& folder) {
    std::vector<fs::path> files;
    const fs::path root = fs::path(COEX_REAL_CAPTURES) / folder;
    if (!fs::is_directory(root)) return files;
    for (const auto& e : fs::recursive_directory_iterator(root))
        if (e.path().extension() == ".dat") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    return files;
}

TEST_F(Formats, RealOpenofdmInt16FilesConvertAndAnalyse) {
    const auto files = real_files("openofdm_wifi_ofdm");
    if (files.empty()) GTEST_SKIP() << "no real captures at " << COEX_REAL_CAPTURES;
    // Recorded at 5200 MHz; the 20 MHz OFDM baseband is that of 2.4 GHz channel 6, so read as centred there.
    const std::string tuning = " --format cs16 --rate 20M --center 2437M";
    for (const auto& file : files) {
        SCOPED_TRACE(file.filename().string());
        const json direct = report(file.string() + tuning);
        EXPECT_GT(direct["wifi"]["channels"][5]["occupancy"].get<double>(), 0.3) << "OFDM frames fill channel 6";
        bool ofdm = false;
        for (const auto& e : direct["emitters"]) ofdm = ofdm || e["class"] == "wifi_ofdm";
        EXPECT_TRUE(ofdm);
        const Outcome r = run("convert " + file.string() + " " + path("ofdm.sigmf-meta") + tuning);
        ASSERT_EQ(r.code, 0) << r.err;
        EXPECT_EQ(report(path("ofdm.sigmf-meta")), direct);
    }
}

TEST_F(Formats, RealNrfFloat32FilesConvertAndAnalyse) {
    const auto files = real_files("nrf_ble_802154");
    if (files.empty()) GTEST_SKIP() << "no real captures at " << COEX_REAL_CAPTURES;
    const std::string tuning = " --format cf32 --rate 10M --center 2425M";
    for (const auto& file : files) {
        SCOPED_TRACE(file.filename().string());
        const json direct = report(file.string() + tuning);
        EXPECT_FALSE(direct["emitters"].empty()) << "the packets are found";
        const Outcome r = run("convert " + file.string() + " " + path("nrf.h5") + tuning);
        ASSERT_EQ(r.code, 0) << r.err;
        EXPECT_EQ(report(path("nrf.h5")), direct);
        const Outcome png = run("analyze " + file.string() + tuning + " --png " + path("nrf.png"));
        EXPECT_EQ(png.code, 0) << png.err;
    }
}

}  // namespace
