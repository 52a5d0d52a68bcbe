// The Monitor over a stream that crosses midnight (UTC): windows, period reports and a picture per day,
// every sink told every window and the stop, the counters carried, retention by the stream's calendar.
#include "coex/monitor/monitor.hpp"

#include "coex/core/error.hpp"
#include "coex/monitor/files.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <random>
#include <unistd.h>

namespace coex::monitor {
namespace {
namespace fs = std::filesystem;

struct Counted {
    int windows = 0, events = 0, stops = 0;
    std::vector<WindowState> states;
    std::string reason;
};

class CountingSink : public Sink {
public:
    explicit CountingSink(Counted& c) : c_(c) {}
    void window(const WindowState& s) override {
        ++c_.windows;
        c_.states.push_back(s);
    }
    void event(const Event&) override { ++c_.events; }
    void stopping(std::string_view reason) override {
        ++c_.stops;
        c_.reason = reason;
    }

private:
    Counted& c_;
};

class MonitorRun : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("coex-monitor-run-" + std::to_string(::getpid()) + "-" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    MonitorConfig config() const {
        MonitorConfig c;
        c.sensor_id = "den";
        c.out_dir = dir_;
        c.window_s = 10.0;
        c.period_s = 20.0;
        c.keep_days = 30;
        c.run.analysis.spectrogram.planning = dsp::FftPlanning::estimate;
        c.run.recommendation = recommend::Config{};
        c.origin_unix_s = *parse_utc("2026-03-01T23:59:40Z");
        return c;
    }
    fs::path dir_;
};

// `seconds` of 8-bit-like noise at 1 MS/s on 2437 MHz, in 64 Ki-sample blocks.
void feed(Monitor& m, double seconds) {
    std::mt19937 rng(3);
    std::normal_distribution<float> noise(0.0f, 0.01f);
    const std::size_t n = static_cast<std::size_t>(seconds * 1e6), block = 1 << 16;
    for (std::size_t first = 0; first < n; first += block) {
        SampleBlock b;
        b.segment = {2437e6, 1e6, 0.0, std::nullopt, std::nullopt};
        b.first_sample = first;
        for (std::size_t k = first; k < std::min(n, first + block); ++k) b.samples.emplace_back(noise(rng), noise(rng));
        m.account(first / 100, 7);  // the source's counters, cumulative
        m.consume(b);
    }
}

TEST_F(MonitorRun, AcrossMidnightAPicturePerDayAndAReportPerPeriod) {
    fs::create_directories(dir_ / "days");
    std::ofstream(dir_ / "days" / "2026-01-15.png") << "old";  // 45 days before the stream's day
    std::ofstream(dir_ / "days" / "2026-02-20.png") << "recent";
    Counted counted;
    std::vector<std::unique_ptr<Sink>> sinks;
    sinks.push_back(std::make_unique<CountingSink>(counted));
    Monitor m(config(), std::move(sinks));
    feed(m, 40.0);
    m.finish("end of test");

    EXPECT_EQ(m.stats().windows, 4u);
    EXPECT_EQ(counted.windows, 4);
    EXPECT_EQ(counted.stops, 1);
    EXPECT_EQ(counted.reason, "end of test");
    ASSERT_EQ(counted.states.size(), 4u);
    EXPECT_EQ(counted.states[0].sensor_id, "den");
    EXPECT_DOUBLE_EQ(counted.states[0].start_unix_s, *parse_utc("2026-03-01T23:59:40Z"));
    EXPECT_DOUBLE_EQ(counted.states[2].start_unix_s, *parse_utc("2026-03-02T00:00:00Z"));
    EXPECT_NEAR(counted.states[3].end_unix_s - counted.states[0].start_unix_s, 40.0, 0.1);
    EXPECT_EQ(counted.states[3].samples_in, 40'000'000u);
    EXPECT_EQ(counted.states[3].samples_lost, 7u);
    EXPECT_EQ(counted.states[3].windows, 4u);
    // Each window says what it saw itself, not the stream so far (a pipeline joins the segment part-way).
    for (const auto& st : counted.states) EXPECT_NEAR(st.observed_s, 10.0, 0.1);
    // A picture for each day the stream touched; the 45-day-old one is gone, the recent one kept.
    EXPECT_TRUE(fs::exists(dir_ / "days" / "2026-03-01.png"));
    EXPECT_TRUE(fs::exists(dir_ / "days" / "2026-03-02.png"));
    EXPECT_FALSE(fs::exists(dir_ / "days" / "2026-01-15.png"));
    EXPECT_TRUE(fs::exists(dir_ / "days" / "2026-02-20.png"));
    // Periods of 20 s: two reports, two windows each.
    std::vector<fs::path> reports;
    for (const auto& f : fs::directory_iterator(dir_ / "reports")) reports.push_back(f.path());
    std::sort(reports.begin(), reports.end());
    ASSERT_EQ(reports.size(), 2u);
    EXPECT_EQ(reports[0].filename(), "period-2026-03-01T235940Z.json");
    EXPECT_EQ(reports[1].filename(), "period-2026-03-02T000000Z.json");
    std::ifstream in(reports[1]);
    const auto second = nlohmann::json::parse(in);
    EXPECT_EQ(second["windows"], 2);
    // A block goes whole to the window it starts in: the period's share is 20 s to within a block.
    EXPECT_NEAR(second["counters"]["samples_in"].get<double>(), 20e6, 65536.0);
    std::ifstream st(dir_ / "status.json");
    const auto status = nlohmann::json::parse(st);
    EXPECT_EQ(status["state"], "stopped: end of test");
    EXPECT_EQ(status["periods"], 2);
}

TEST_F(MonitorRun, ConfigurationIsChecked) {
    auto c = config();
    c.window_s = 0.0;
    try {
        validate(c);
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.parameter(), "window_s");
    }
    c = config();
    c.period_s = 5.0;  // shorter than a window
    EXPECT_THROW(validate(c), ConfigError);
    c = config();
    c.sensor_id = "a b";
    EXPECT_THROW(validate(c), ConfigError);
    c = config();
    c.out_dir = "/proc/coex-monitor-test";
    EXPECT_THROW(validate(c), InputError);
}

}  // namespace
}  // namespace coex::monitor
