// coex devices / scan / record end to end, through the real SoapySDR runtime and the project's
// simulated radio (driver=coexsim), directly and through SoapyRemote on loopback. Every program is
// run with a time limit.
#include "process.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <filesystem>
#include <fstream>
#include <set>

namespace coex {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::Finished;

const std::string kCoex = std::string(COEX_BINARY_DIR) + "/coex";
const fs::path kScenes = fs::path(COEX_SOURCE_DIR) / "tests" / "source" / "scenes";

int lines(const std::string& text) { return static_cast<int>(std::count(text.begin(), text.end(), '\n')); }

json load(const fs::path& p) {
    std::ifstream in(p);
    return json::parse(in);
}

// The report without what only a live scan has, or what names the run.
// Equal in structure, strings and integers; floating-point values within `relative` of each other.
// The recording rounds the samples to the capture's integer scale, so the replay sees them a hair
// apart from the live run: cell powers move in the sixth digit, and the FM discriminator of a
// noise-like wideband burst (its "deviation") by up to ~1.5 %. Same bursts, classes and counts.
::testing::AssertionResult nearly_equal(const json& a, const json& b, const std::string& where = "", double relative = 2e-2) {
    if (a.type() != b.type() && !(a.is_number() && b.is_number()))
        return ::testing::AssertionFailure() << where << ": " << a.dump() << " vs " << b.dump();
    if (a.is_object()) {
        if (a.size() != b.size()) return ::testing::AssertionFailure() << where << ": different keys";
        for (const auto& [k, v] : a.items()) {
            if (!b.contains(k)) return ::testing::AssertionFailure() << where << ": no " << k;
            if (auto r = nearly_equal(v, b.at(k), where + "." + k, relative); !r) return r;
        }
        return ::testing::AssertionSuccess();
    }
    if (a.is_array()) {
        if (a.size() != b.size()) return ::testing::AssertionFailure() << where << ": " << a.size() << " vs " << b.size() << " items";
        for (std::size_t i = 0; i < a.size(); ++i)
            if (auto r = nearly_equal(a[i], b[i], where + "[" + std::to_string(i) + "]", relative); !r) return r;
        return ::testing::AssertionSuccess();
    }
    if (a.is_number_float() || b.is_number_float()) {
        const double x = a.get<double>(), y = b.get<double>();
        if (std::abs(x - y) <= relative * std::max({std::abs(x), std::abs(y), 1e-9})) return ::testing::AssertionSuccess();
        return ::testing::AssertionFailure() << where << ": " << x << " vs " << y;
    }
    if (a == b) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << where << ": " << a.dump() << " vs " << b.dump();
}

json comparable(json report) {
    report.erase("live");
    report["capture"].erase("path");
    return report;
}

class Live : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("coex-live-test-" + std::to_string(::getpid()) + "-" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    Finished coex(std::vector<std::string> args, double limit_s = 30.0) {
        args.insert(args.begin(), kCoex);
        return test::run(args, dir_, limit_s);
    }
    static std::string sim(const std::string& extra = {}) { return "driver=coexsim" + (extra.empty() ? "" : "," + extra); }
    static std::string scene(const std::string& name) { return "scene=" + (kScenes / (name + ".json")).string(); }

    fs::path dir_;
};

TEST_F(Live, DevicesListsTheSimulatorWithItsRangesAndSaysItReachesTheBand) {
    const auto r = coex({"devices", "--device", sim(scene("room-ch6"))});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("coexsim"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("tunes       1–6000 MHz"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("rates       0.25–20 MS/s"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("gain        0–60 dB: SIM 0–60"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("2.4 GHz     yes — at 20 MS/s a sweep of 2400–2483.5 MHz takes 15 dwells"), std::string::npos) << r.out;
}

TEST_F(Live, DevicesSaysPlainlyWhenARadioCannotReachTheBand) {
    const auto r = coex({"devices", "--device", sim("freq_max=1766e6,rate_max=2.4e6")});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("2.4 GHz     no: it tunes up to 1766 MHz"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("--lo-offset"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("--invert"), std::string::npos) << r.out;
}

TEST_F(Live, ScanOfASceneReportsWhatItsLabelsSay) {
    // The ground truth comes from the simulator itself (coex synth writes the labels of the scene).
    const auto synth = coex({"synth", (kScenes / "room-ch6.json").string(), "-o", (dir_ / "truth.h5").string()});
    ASSERT_EQ(synth.code, 0) << synth.err;
    const json labels = load(dir_ / "truth.labels.json");
    const auto r = coex({"scan", "--device", sim(scene("room-ch6")), "--band", "2428:2446", "--duration", "1s", "--view", "off",
                         "--json", (dir_ / "scan.json").string()});
    ASSERT_EQ(r.code, 0) << r.err;
    const json report = load(dir_ / "scan.json");
    // Wi-Fi on channel 6: observed, with the labelled airtime
    double truth = -1.0;
    for (const auto& ch : labels["wifi"]["channels"])
        if (ch["channel"] == 6) truth = ch["airtime"].get<double>();
    ASSERT_GT(truth, 0.0);
    bool seen = false;
    for (const auto& ch : report["wifi"]["channels"]) {
        if (ch["channel"] != 6) {
            EXPECT_FALSE(ch["observed"].get<bool>()) << ch.dump();
            continue;
        }
        seen = true;
        ASSERT_TRUE(ch["observed"].get<bool>());
        EXPECT_NEAR(ch["occupancy"].get<double>(), truth, 0.05) << ch.dump();
        // what reached the analysis (a loaded machine may drop some: counted, and not observed)
        EXPECT_NEAR(ch["observed_s"].get<double>(), report["stats"]["samples_in"].get<double>() / 20e6, 1e-3);
        EXPECT_GT(ch["observed_s"].get<double>(), 0.5);
    }
    EXPECT_TRUE(seen);
    // every labelled class is reported
    std::set<std::string> found;
    for (const auto& e : report["emitters"]) found.insert(e["class"].get<std::string>());
    for (const auto& [cls, info] : labels["classes"].items()) EXPECT_TRUE(found.count(cls)) << cls << " is labelled but not reported";
    // the live section: the plan, the counters, the coverage
    const json& live = report["live"];
    EXPECT_EQ(live["plan"]["dwells_mhz"], json::array({2437.0}));
    EXPECT_EQ(live["end"], "completed");
    EXPECT_EQ(live["counters"]["lost_exact"], true);
    const auto& c = live["counters"];
    EXPECT_EQ(c["samples_in"].get<std::uint64_t>() + c["samples_dropped"].get<std::uint64_t>() + c["samples_lost"].get<std::uint64_t>() +
                  c["samples_settling"].get<std::uint64_t>(),
              20'000'000u);
}

TEST_F(Live, RecordingASweepThenAnalysingItGivesTheSameReport) {
    // 4 MS/s over the band: 28 dwells of 20 ms (3 whole 1 MHz cells each), with overflows (gaps) on the way.
    const auto rec = dir_ / "sweep.h5";
    const auto r = coex({"scan", "--device", sim(scene("band") + ",overflow_every=0.13,overflow_samples=3000"), "--rate", "4e6",
                         "--dwell", "20ms", "--rounds", "2", "--view", "off", "--record", rec.string(), "--json",
                         (dir_ / "scan.json").string()});
    ASSERT_EQ(r.code, 0) << r.err;
    const json live = load(dir_ / "scan.json");
    EXPECT_EQ(live["live"]["plan"]["kind"], "cover");
    EXPECT_EQ(live["live"]["plan"]["dwells_mhz"].size(), 28u);
    EXPECT_GT(live["stats"]["samples_lost"].get<std::uint64_t>(), 0u);
    EXPECT_GT(live["capture"]["segments"].get<std::uint64_t>(), 56u) << "a segment per dwell, and a new one after every gap";
    const auto a = coex({"analyze", rec.string(), "--json", (dir_ / "replay.json").string()});
    ASSERT_EQ(a.code, 0) << a.err;
    json replay = load(dir_ / "replay.json");
    json scanned = comparable(live);
    // replay has no source losses of its own; everything else is the same
    scanned["stats"]["samples_lost"] = 0;
    scanned["stats"]["samples_dropped"] = 0;
    EXPECT_TRUE(nearly_equal(comparable(replay), scanned, "report"));
    // what a sweep sees: channels 1 and 11 busy, the spur at 2450.3 MHz
    bool spur = false;
    for (const auto& e : live["emitters"])
        spur = spur || (e["class"] == "narrowband_spur" && std::abs(e["center_mhz"].get<double>() - 2450.3) < 0.2);
    EXPECT_TRUE(spur) << live["emitters"].dump();
}

TEST_F(Live, InjectedOverflowsAppearExactlyInSamplesLost) {
    const auto r = coex({"scan", "--device", sim("overflow_every=0.25,overflow_samples=1000"), "--rate", "2e6", "--band", "2436.5:2437.5",
                         "--duration", "1.2s", "--view", "off", "--json", (dir_ / "o.json").string()});
    ASSERT_EQ(r.code, 0) << r.err;
    const json j = load(dir_ / "o.json");
    EXPECT_EQ(j["stats"]["samples_lost"].get<std::uint64_t>(), 4000u) << "at 0.25, 0.5, 0.75 and 1.0 s";
    const auto& c = j["live"]["counters"];
    EXPECT_EQ(c["overflows"].get<std::uint64_t>(), 4u);
    EXPECT_EQ(c["samples_dropped"].get<std::uint64_t>(), 0u);
    EXPECT_EQ(c["samples_in"].get<std::uint64_t>() + c["samples_lost"].get<std::uint64_t>() + c["samples_settling"].get<std::uint64_t>(),
              2'400'000u);
    EXPECT_EQ(j["capture"]["segments"].get<std::uint64_t>(), 5u);
    EXPECT_NE(r.out.find("4000 lost (4 overflows; exact from device timestamps)"), std::string::npos) << r.out;
}

TEST_F(Live, AnInterruptedScanLeavesACaptureAnalyzeReadsWhole) {
    const auto rec = dir_ / "cut.h5";
    test::Child scan({kCoex, "scan", "--device", sim(scene("room-ch6")), "--band", "2428:2446", "--duration", "30s", "--view", "off",
                      "--record", rec.string(), "--json", (dir_ / "scan.json").string()},
                     dir_);
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    scan.signal(SIGINT);
    const auto r = scan.wait(std::chrono::seconds(15));
    ASSERT_FALSE(r.timed_out);
    ASSERT_EQ(r.code, 0) << r.err;
    const json live = load(dir_ / "scan.json");
    EXPECT_EQ(live["live"]["end"], "stopped");
    const auto recorded = live["live"]["recording"]["samples"].get<std::uint64_t>();
    EXPECT_GT(recorded, 0u);
    EXPECT_EQ(live["stats"]["samples_in"].get<std::uint64_t>(), recorded);
    const auto a = coex({"analyze", rec.string(), "--json", (dir_ / "replay.json").string()});
    ASSERT_EQ(a.code, 0) << a.err;
    const json replay = load(dir_ / "replay.json");
    EXPECT_EQ(replay["stats"]["samples_in"].get<std::uint64_t>(), recorded);
    EXPECT_EQ(comparable(replay), comparable(live));
}

TEST_F(Live, RecordWritesOneSegmentPerDwellAndStopsAtMaxSize) {
    const auto path = dir_ / "r.h5";
    const auto r = coex({"record", "--device", sim(scene("band")), "--rate", "2e6", "--band", "2435.5:2440.5", "--dwell", "10ms", "--rounds",
                         "3", "--view", "off", path.string()});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("in 15 segments"), std::string::npos) << r.out;  // 5 cells of 1 MHz at 2 MS/s: 5 dwells × 3 rounds
    const auto a = coex({"analyze", path.string(), "--json", (dir_ / "a.json").string()});
    ASSERT_EQ(a.code, 0) << a.err;
    EXPECT_EQ(load(dir_ / "a.json")["capture"]["segments"], 15);

    const auto capped = dir_ / "capped.h5";
    const auto m = coex({"record", "--device", sim(), "--rate", "2e6", "--band", "2436.5:2437.5", "--max-size", "1M", "--view", "off",
                         capped.string()},
                        20.0);
    ASSERT_EQ(m.code, 0) << m.err;
    EXPECT_NE(m.out.find("stopped at --max-size"), std::string::npos) << m.out;
    // 1 MB of samples (4 chunks, the last one padded) and the file's own structure, which since the
    // kill-safe writer includes room for 1024 segment names made up front (about 140 kB in all here).
    EXPECT_LE(fs::file_size(capped), 1'250'000u) << "1 MB of samples and the file's own structure";
    EXPECT_EQ(coex({"analyze", capped.string()}).code, 0);
}

TEST_F(Live, AWedgedRadioEndsTheScanWithAClearMessage) {
    const auto r = coex({"scan", "--device", sim("stall_at=0.4"), "--rate", "2e6", "--band", "2436.5:2437.5", "--duration", "20s",
                         "--stall-timeout", "1s", "--view", "off", "--record", (dir_ / "w.h5").string()},
                        15.0);
    EXPECT_FALSE(r.timed_out);
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find("delivered no samples for 1.0 s"), std::string::npos) << r.err;
    EXPECT_NE(r.out.find("ended    stalled"), std::string::npos) << "the report covers what came before";
    EXPECT_EQ(coex({"analyze", (dir_ / "w.h5").string()}).code, 0);
}

TEST_F(Live, ARadioThatVanishesMidStreamLeavesAValidRecording) {
    const auto path = dir_ / "v.h5";
    const auto r = coex({"record", "--device", sim("vanish_at=0.5"), "--rate", "2e6", "--band", "2436.5:2437.5", "--duration", "5s",
                         "--view", "off", path.string()},
                        15.0);
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find("the radio failed"), std::string::npos) << r.err;
    const auto a = coex({"analyze", path.string(), "--json", (dir_ / "a.json").string()});
    ASSERT_EQ(a.code, 0) << a.err;
    EXPECT_GT(load(dir_ / "a.json")["stats"]["samples_in"].get<std::uint64_t>(), 900'000u);
}

TEST_F(Live, ADownconverterWithAHighSideLoIsUndone) {
    // The simulated radio tunes only up to 1766 MHz and sits behind a mixer with its LO at 2900 MHz:
    // RF 2450.3 MHz arrives at 449.7 MHz, mirrored. coex tunes through it and puts the spur back.
    const std::string device = sim(scene("tone") + ",freq_max=1766e6,lo_offset=2900e6,invert=1");
    const auto plain = coex({"scan", "--device", device, "--rate", "4e6", "--duration", "1s", "--view", "off"});
    EXPECT_EQ(plain.code, 2);
    EXPECT_NE(plain.err.find("cannot reach"), std::string::npos) << plain.err;
    const auto r = coex({"scan", "--device", device, "--lo-offset", "2900e6", "--invert", "--rate", "4e6", "--band", "2448.5:2451.5",
                         "--duration", "1s", "--view", "off", "--json", (dir_ / "t.json").string()});
    ASSERT_EQ(r.code, 0) << r.err;
    const json j = load(dir_ / "t.json");
    bool spur = false;
    for (const auto& e : j["emitters"])
        spur = spur || (e["class"] == "narrowband_spur" && std::abs(e["center_mhz"].get<double>() - 2450.3) < 0.1);
    EXPECT_TRUE(spur) << j["emitters"].dump();
    EXPECT_EQ(j["live"]["plan"]["lo_offset_hz"], 2900e6);
    EXPECT_EQ(j["live"]["plan"]["dwells_mhz"], json::array({2450.0}));
    // without --invert the same tuning would put RF below the LO the wrong way round: refused
    const auto wrong = coex({"scan", "--device", device, "--lo-offset", "2900e6", "--rate", "4e6", "--duration", "1s"});
    EXPECT_EQ(wrong.code, 2);
    EXPECT_NE(wrong.err.find("--lo-offset"), std::string::npos) << wrong.err;
}

TEST_F(Live, WithNoHackRfAttachedTheScanFailsAtOnceWithOneLine) {
    for (const auto& [driver, name] : {std::pair{"hackrf", "HackRF"}, std::pair{"rtlsdr", "RTL-SDR"}}) {
        const auto r = coex({"scan", "--device", std::string("driver=") + driver, "--duration", "1s"}, 10.0);
        if (r.err.find("no SoapySDR module for driver") != std::string::npos) {
            GTEST_SKIP() << "soapysdr-module-" << driver << " is not installed (tools/deps installs it)";
        }
        EXPECT_FALSE(r.timed_out);
        EXPECT_LT(r.seconds, 5.0);
        EXPECT_EQ(r.code, 2);
        // the drivers may log on their own; coex says one line, the last
        const auto last = r.err.substr(r.err.rfind('\n', r.err.size() - 2) + 1);
        EXPECT_EQ(last.rfind("coex scan: no " + std::string(name) + " found (driver=" + driver + ")", 0), 0u) << r.err;
        EXPECT_EQ(r.out, "");
    }
}

TEST_F(Live, UsageErrorsAreOneLineNamingTheOption) {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"scan"},
             {"scan", "--device", sim(), "--band", "2400-2483"},
             {"scan", "--device", sim(), "--plan", "zigzag"},
             {"scan", "--device", sim(), "--dwell", "10 parsecs"},
             {"scan", "--device", sim(), "--gain", "LNA=99"},
             {"scan", "--device", sim(), "--rate", "50e6"},
             {"record", "--device", sim(), "--duration", "1s"},
             {"record", "--device", sim(), "--max-size", "lots", (dir_ / "x.h5").string()},
             {"scan", "--device", "driver=nosuchradio"}}) {
        const auto r = coex(args, 10.0);
        EXPECT_EQ(r.code, 2) << args[1] << " " << r.err;
        EXPECT_EQ(lines(r.err), 1) << r.err;
        EXPECT_EQ(r.err.rfind("coex " + args[0] + ": ", 0), 0u) << r.err;
    }
}

// ---- SoapyRemote -----------------------------------------------------------------------------------

int free_port() {
    const int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t n = sizeof a;
    ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &n);
    ::close(s);
    return ntohs(a.sin_port);
}

bool accepting(int port) {
    const int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    const bool ok = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(s);
    return ok;
}

std::string find_program(const std::string& name) {
    for (const char* dir : {"/usr/bin", "/usr/local/bin", "/bin"})
        if (fs::exists(fs::path(dir) / name)) return (fs::path(dir) / name).string();
    return {};
}

TEST_F(Live, ThroughSoapyRemoteOnLoopback) {
    const std::string server = find_program("SoapySDRServer");
    if (server.empty()) GTEST_SKIP() << "SoapySDRServer is not installed (package soapyremote-server; tools/deps installs it)";
    const int port = free_port();
    test::Child srv({server, "--bind=127.0.0.1:" + std::to_string(port)}, dir_,
                    {"SOAPY_SDR_PLUGIN_PATH=" + std::string(COEX_BINARY_DIR) + "/soapy", std::string("LD_PRELOAD=") + COEX_FAKE_AVAHI});
    for (int i = 0; i < 100 && !accepting(port); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_TRUE(accepting(port)) << "SoapySDRServer did not come up: " << srv.wait(std::chrono::seconds(1)).out;
    const std::string remote = "driver=remote,remote=tcp://127.0.0.1:" + std::to_string(port) + ",remote:driver=coexsim,";

    const auto d = coex({"devices", "--device", remote + scene("band")}, 15.0);
    ASSERT_EQ(d.code, 0) << d.err;
    EXPECT_NE(d.out.find("remote  coexsim: scene"), std::string::npos) << d.out;

    // a small sweep, recorded, with overflows on the way: every sample accounted for
    const auto rec = dir_ / "remote.h5";
    const auto r = coex({"scan", "--device", remote + scene("band") + ",overflow_every=0.3,overflow_samples=2000", "--rate", "2e6",
                         "--band", "2435.5:2439.5", "--dwell", "50ms", "--rounds", "3", "--view", "off", "--record", rec.string(),
                         "--json", (dir_ / "scan.json").string()},
                        30.0);
    ASSERT_EQ(r.code, 0) << r.err;
    const json live = load(dir_ / "scan.json");
    const auto& c = live["live"]["counters"];
    EXPECT_EQ(c["lost_exact"], true) << "SoapyRemote forwards the device time";
    EXPECT_GE(c["samples_lost"].get<std::uint64_t>(), 2000u) << "SoapyRemote may lose a few more around an overflow, never fewer";
    EXPECT_EQ(c["samples_in"].get<std::uint64_t>() + c["samples_dropped"].get<std::uint64_t>() + c["samples_lost"].get<std::uint64_t>() +
                  c["samples_settling"].get<std::uint64_t>(),
              c["stream_samples"].get<std::uint64_t>());
    EXPECT_EQ(live["live"]["plan"]["dwells_mhz"].size(), 4u);
    const auto a = coex({"analyze", rec.string(), "--json", (dir_ / "replay.json").string()});
    ASSERT_EQ(a.code, 0) << a.err;
    json scanned = comparable(live);
    scanned["stats"]["samples_lost"] = 0;
    scanned["stats"]["samples_dropped"] = 0;
    EXPECT_EQ(comparable(load(dir_ / "replay.json")), scanned);

    srv.signal(SIGINT);
    (void)srv.wait(std::chrono::seconds(5));
}

}  // namespace
}  // namespace coex
