// The monitor's files: UTC times, whole-file writes, the event log (a line per event, rolled by day and
// size, retention, a crash's cut line mended) and the period report's JSON.
#include "coex/monitor/files.hpp"

#include "coex/core/error.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <fstream>
#include <sys/resource.h>
#include <unistd.h>

namespace coex::monitor {
namespace {
namespace fs = std::filesystem;

class Files : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("coex-monitor-files-" + std::to_string(::getpid()) + "-" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    static std::vector<std::string> lines(const fs::path& p) {
        std::ifstream in(p);
        std::vector<std::string> out;
        for (std::string l; std::getline(in, l);) out.push_back(l);
        return out;
    }
    fs::path dir_;
};

Event event_at(double t, EventKind kind = EventKind::appeared) {
    return Event{"s", kind, "zigbee@2425#1", "zigbee", t, std::nullopt, 2424.0, 2426.0, -40.0, 20.0, 0.1, "decoded", ""};
}

TEST(UtcTimes, ParseAndFormat) {
    EXPECT_EQ(utc_time(0.0), "1970-01-01T00:00:00Z");
    EXPECT_EQ(utc_date(1796000000.0), "2026-11-30");
    EXPECT_EQ(utc_time(1796000000.0), "2026-11-30T00:53:20Z");
    EXPECT_DOUBLE_EQ(*parse_utc("2026-11-30T00:53:20Z"), 1796000000.0);
    EXPECT_DOUBLE_EQ(*parse_utc("2026-11-30T02:53:20.5+02:00"), 1796000000.5);
    EXPECT_DOUBLE_EQ(*parse_utc("2026-11-30"), 1795996800.0);
    EXPECT_FALSE(parse_utc(""));
    EXPECT_FALSE(parse_utc("yesterday"));
    EXPECT_FALSE(parse_utc("2026-13-01T00:00:00Z"));
}

TEST_F(Files, EventLogWritesALinePerEventAndRollsByDay) {
    const double day1 = *parse_utc("2026-03-01T23:59:00Z");
    {
        EventLog log(dir_, 30);
        log.event(event_at(day1));
        log.event(event_at(day1 + 30, EventKind::disappeared));
        // Flushed as written: another reader sees both lines before the log closes.
        ASSERT_EQ(lines(log.path()).size(), 2u);
        log.event(event_at(day1 + 120));  // the next day: the first day's lines roll aside
        log.stopping("test");
    }
    const auto rolled = dir_ / "events-2026-03-01.jsonl";
    ASSERT_TRUE(fs::exists(rolled));
    EXPECT_EQ(lines(rolled).size(), 2u);
    const auto now = lines(dir_ / "events.jsonl");
    ASSERT_EQ(now.size(), 1u);
    EXPECT_DOUBLE_EQ(event_from_json(now[0], "line").start_unix_s, day1 + 120);
    for (const auto& l : lines(rolled)) EXPECT_NO_THROW((void)event_from_json(l, "rolled"));
}

TEST_F(Files, EventLogRollsBySizeAndKeepsOnlyRecentDays) {
    const double t = *parse_utc("2026-03-10T12:00:00Z");
    // Old rolls from an earlier run: 40 and 5 days back.
    std::ofstream(dir_ / "events-2026-01-29.jsonl") << "{}\n";
    std::ofstream(dir_ / "events-2026-03-05.jsonl") << "{}\n";
    {
        EventLog log(dir_, 30, 1000);  // a 1000-byte file at most
        for (int i = 0; i < 12; ++i) log.event(event_at(t + i));
    }
    EXPECT_FALSE(fs::exists(dir_ / "events-2026-01-29.jsonl"));  // older than 30 days: removed at the roll
    EXPECT_TRUE(fs::exists(dir_ / "events-2026-03-05.jsonl"));
    std::size_t total = 0;
    for (const auto& f : fs::directory_iterator(dir_)) {
        const auto name = f.path().filename().string();
        if (name.rfind("events", 0) != 0 || name == "events-2026-03-05.jsonl") continue;
        EXPECT_LE(fs::file_size(f.path()), 1000u) << name;
        total += lines(f.path()).size();
    }
    EXPECT_EQ(total, 12u);  // nothing lost across the rolls
    EXPECT_TRUE(fs::exists(dir_ / "events-2026-03-10.jsonl"));
    EXPECT_TRUE(fs::exists(dir_ / "events-2026-03-10.1.jsonl"));
}

TEST_F(Files, EventLogDropsALineCutByACrashAndCountsIt) {
    const double t = *parse_utc("2026-03-10T12:00:00Z");
    const auto whole = to_json(event_at(t));
    std::ofstream(dir_ / "events.jsonl") << whole << "\n" << whole.substr(0, 40);  // cut mid-line
    {
        EventLog log(dir_, 30);
        EXPECT_EQ(log.torn_lines_dropped(), 1u);
        log.event(event_at(t + 10));
    }
    const auto l = lines(dir_ / "events.jsonl");
    ASSERT_EQ(l.size(), 2u);
    EXPECT_DOUBLE_EQ(event_from_json(l[0], "l0").start_unix_s, t);
    EXPECT_DOUBLE_EQ(event_from_json(l[1], "l1").start_unix_s, t + 10);
    EventLog again(dir_, 30);  // whole lines only now
    EXPECT_EQ(again.torn_lines_dropped(), 0u);
}

TEST_F(Files, WholeFileWritesReplace) {
    const auto p = dir_ / "status.json";
    write_whole_file(p, "one\n");
    write_whole_file(p, "two\n");
    EXPECT_EQ(lines(p), std::vector<std::string>{"two"});
    EXPECT_FALSE(fs::exists(p.string() + ".part"));
    EXPECT_THROW(write_whole_file(dir_ / "no-such-dir" / "x", "x"), InputError);
}

// A full disk, made real without root: the aside file is a link to /dev/full (every write: ENOSPC).
TEST_F(Files, AWholeFileWriteOnAFullDiskLeavesTheOldFileAndNoPart) {
    const auto path = dir_ / "status.json";
    write_whole_file(path, "{\"old\": 1}\n");
    fs::create_symlink("/dev/full", path.string() + ".part");
    EXPECT_THROW(write_whole_file(path, std::string(100000, 'x')), InputError);
    EXPECT_FALSE(fs::exists(fs::symlink_status(path.string() + ".part")));  // no half-written copy left
    EXPECT_EQ(lines(path), std::vector<std::string>{"{\"old\": 1}"});
    write_whole_file(path, "{\"new\": 2}\n");  // space again: it goes on
    EXPECT_EQ(lines(path), std::vector<std::string>{"{\"new\": 2}"});
}

// The file-size limit (ulimit -f) cuts a write short as a full disk does: part of the line lands, then
// EFBIG. The log is cut back to whole lines and takes the next event once there is room.
TEST_F(Files, AnEventCutShortByAFullDiskIsTakenBackWhole) {
    EventLog log(dir_, 30);
    const double t = *parse_utc("2026-03-01T12:00:00Z");
    log.event(event_at(t));
    const auto size = fs::file_size(log.path());
    struct rlimit old {};
    ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
    const auto previous = std::signal(SIGXFSZ, SIG_IGN);  // EFBIG instead of the signal
    struct rlimit tight = old;
    tight.rlim_cur = size + 20;  // room for 20 bytes of the next line only
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &tight), 0);
    EXPECT_THROW(log.event(event_at(t + 10, EventKind::changed)), InputError);
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &old), 0);
    std::signal(SIGXFSZ, previous);
    EXPECT_EQ(fs::file_size(log.path()), size);  // the 20 bytes that landed are gone
    log.event(event_at(t + 20, EventKind::disappeared));
    log.stopping("test");
    const auto got = lines(log.path());
    ASSERT_EQ(got.size(), 2u);
    for (const auto& l : got) EXPECT_TRUE(nlohmann::json::accept(l)) << l;
    EXPECT_EQ(nlohmann::json::parse(got[1])["kind"], "disappeared");
}

TEST_F(Files, RetentionByTheDateInTheName) {
    for (const char* n : {"2026-01-01.png", "2026-02-27.png", "2026-03-01.png", "notes.txt"}) std::ofstream(dir_ / n) << "x";
    EXPECT_EQ(remove_older_than(dir_, "", "2026-03-01", 2), 1u);
    EXPECT_FALSE(fs::exists(dir_ / "2026-01-01.png"));
    EXPECT_TRUE(fs::exists(dir_ / "2026-02-27.png"));
    EXPECT_TRUE(fs::exists(dir_ / "notes.txt"));
}

TEST(PeriodSummary, MeansMaximaEmittersAndEvents) {
    PeriodSummary p;
    for (int k = 0; k < 3; ++k) {
        WindowState s;
        s.start_unix_s = 1796000000.0 + 10 * k;
        s.end_unix_s = s.start_unix_s + 10;
        s.observed_s = 10;
        s.channels = {{6, 2437, k == 1 ? 0.6 : 0.3, 10, -60.0, 0.2}};
        if (k > 0) s.emitters = {{"microwave_oven", 2452, 2458, -30.0 - k, 20, 0.45, 0.9, "behaviour", "oven"}};
        s.recommended_channel = 11;
        s.headline = "use channel 11.";
        s.samples_in = 100 * (k + 1);
        s.samples_dropped = k;
        p.add(s);
    }
    p.add(event_at(1796000010.0));
    const auto j = nlohmann::json::parse(p.to_json("s"));
    EXPECT_EQ(j["windows"], 3);
    EXPECT_NEAR(j["channels"][0]["airtime_mean"].get<double>(), 0.4, 1e-9);
    EXPECT_NEAR(j["channels"][0]["airtime_max"].get<double>(), 0.6, 1e-9);
    EXPECT_NEAR(j["channels"][0]["noise_floor_dbfs_per_mhz"].get<double>(), -60.0, 1e-9);
    ASSERT_EQ(j["emitters"].size(), 1u);
    EXPECT_EQ(j["emitters"][0]["windows"], 2);
    EXPECT_NEAR(j["emitters"][0]["level_max_dbfs"].get<double>(), -31.0, 1e-9);
    EXPECT_EQ(j["events"]["appeared"], 1);
    EXPECT_EQ(j["recommendation"]["channel"], 11);
    EXPECT_EQ(j["counters"]["samples_dropped_total"], 2);
    // The next period counts from where this one ended.
    p.next();
    WindowState s;
    s.start_unix_s = 1796000030.0;
    s.end_unix_s = 1796000040.0;
    s.samples_in = 500;
    s.samples_dropped = 5;
    p.add(s);
    const auto k = nlohmann::json::parse(p.to_json("s"));
    EXPECT_EQ(k["windows"], 1);
    EXPECT_EQ(k["counters"]["samples_in"], 200);
    EXPECT_EQ(k["counters"]["samples_dropped"], 3);
    EXPECT_TRUE(k["emitters"].empty());
}

}  // namespace
}  // namespace coex::monitor
