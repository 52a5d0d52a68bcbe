// The event tracker: emitters matched across windows, events timed by the emitters' own first and last
// moments (not by window edges, not delayed by the hysteresis), changes by the documented thresholds.
#include "coex/monitor/events.hpp"

#include "coex/core/error.hpp"

#include <gtest/gtest.h>

namespace coex::monitor {
namespace {

constexpr double kT0 = 1796000000.0;  // a UTC time; windows of 10 s from here

Sighting sighting(const std::string& cls, double low, double high, double level, double duty, double first, double last,
                  std::optional<int> channel = std::nullopt) {
    Sighting s;
    s.state.class_key = cls;
    s.state.low_mhz = low;
    s.state.high_mhz = high;
    s.state.level_dbfs = level;
    s.state.duty_cycle = duty;
    s.state.evidence = "behaviour";
    s.center_mhz = (low + high) / 2.0;
    s.first_unix_s = kT0 + first;
    s.last_unix_s = kT0 + last;
    s.wifi_channel = channel;
    return s;
}

WindowSummary window(int k, std::vector<Sighting> seen) {
    WindowSummary w;
    w.state.start_unix_s = kT0 + 10.0 * k;
    w.state.end_unix_s = kT0 + 10.0 * (k + 1);
    w.state.observed_s = 10.0;
    w.sightings = std::move(seen);
    return w;
}

TEST(EventTracker, OvenOnAt20OffAt40IsTimedByItsBurstsNotByTheWindows) {
    EventTracker tracker("kitchen");
    std::vector<Event> all;
    for (int k = 0; k < 7; ++k) {
        std::vector<Sighting> seen;
        // On from 21.3 s to 39.6 s: inside windows 2 and 3 only.
        if (k == 2) seen.push_back(sighting("microwave_oven", 2452, 2458, -30, 0.45, 21.3, 29.98));
        if (k == 3) seen.push_back(sighting("microwave_oven", 2452.5, 2458.5, -30.5, 0.44, 30.01, 39.6));
        for (auto& e : tracker.update(window(k, seen))) all.push_back(e);
    }
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].kind, EventKind::appeared);
    EXPECT_NEAR(all[0].start_unix_s - kT0, 21.3, 1e-6);
    EXPECT_FALSE(all[0].end_unix_s);
    EXPECT_EQ(all[1].kind, EventKind::disappeared);
    EXPECT_EQ(all[1].id, all[0].id);
    EXPECT_EQ(all[1].id.rfind("microwave_oven@2455#", 0), 0u) << all[1].id;
    EXPECT_NEAR(all[1].start_unix_s - kT0, 21.3, 1e-6);
    ASSERT_TRUE(all[1].end_unix_s);
    EXPECT_NEAR(*all[1].end_unix_s - kT0, 39.6, 1e-6);  // its last burst, although said two windows later
    EXPECT_EQ(all[1].sensor_id, "kitchen");
    EXPECT_EQ(tracker.followed(), 0u);
}

TEST(EventTracker, OneMissedWindowDoesNotEndAnEmitter) {
    EventTracker tracker("s");  // absent_windows = 2
    std::vector<Event> all;
    const int present[] = {1, 1, 0, 1, 1, 0, 0};
    for (int k = 0; k < 7; ++k) {
        std::vector<Sighting> seen;
        if (present[k]) seen.push_back(sighting("usb3_noise", 2400, 2424, -50, 1.0, 10.0 * k, 10.0 * k + 9.9));
        for (auto& e : tracker.update(window(k, seen))) all.push_back(e);
    }
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].kind, EventKind::appeared);
    EXPECT_EQ(all[1].kind, EventKind::disappeared);
    EXPECT_NEAR(*all[1].end_unix_s - kT0, 49.9, 1e-6);
}

TEST(EventTracker, AWindowThatSawNothingIsNoEvidenceOfAbsence) {
    EventTracker tracker("s", EventRules{.absent_windows = 1});
    EXPECT_EQ(tracker.update(window(0, {sighting("zigbee", 2424, 2426, -40, 0.1, 1, 9)})).size(), 1u);
    EXPECT_TRUE(tracker.update(window(1, {}), /*observed=*/false).empty());
    EXPECT_EQ(tracker.followed(), 1u);
    const auto gone = tracker.update(window(2, {}));
    ASSERT_EQ(gone.size(), 1u);
    EXPECT_EQ(gone[0].kind, EventKind::disappeared);
}

TEST(EventTracker, LevelChannelAndDutyChangesAreSaidOnceEach) {
    EventTracker tracker("s");
    auto first = tracker.update(window(0, {sighting("wifi_ofdm", 2427, 2447, -40, 0.10, 0.1, 9.9, 6)}));
    ASSERT_EQ(first.size(), 1u);
    // 5 dB louder: below the 6 dB threshold, nothing.
    EXPECT_TRUE(tracker.update(window(1, {sighting("wifi_ofdm", 2427, 2447, -35, 0.12, 10.1, 19.9, 6)})).empty());
    // 7 dB over what was last said: changed, once.
    auto louder = tracker.update(window(2, {sighting("wifi_ofdm", 2427, 2447, -33, 0.12, 20.1, 29.9, 6)}));
    ASSERT_EQ(louder.size(), 1u);
    EXPECT_EQ(louder[0].kind, EventKind::changed);
    EXPECT_NE(louder[0].detail.find("level"), std::string::npos) << louder[0].detail;
    EXPECT_NEAR(louder[0].start_unix_s - kT0, 20.1, 1e-6);
    EXPECT_TRUE(tracker.update(window(3, {sighting("wifi_ofdm", 2427, 2447, -33, 0.12, 30.1, 39.9, 6)})).empty());
    // Moved to channel 7 (bands overlap: the same network): changed, saying the channels.
    auto moved = tracker.update(window(4, {sighting("wifi_ofdm", 2432, 2452, -33, 0.12, 40.1, 49.9, 7)}));
    ASSERT_EQ(moved.size(), 1u);
    EXPECT_NE(moved[0].detail.find("channel 6 → 7"), std::string::npos) << moved[0].detail;
    // Duty 0.12 → 0.30: +0.18 is under the 0.2 step; → 0.5 is over it and 4×.
    EXPECT_TRUE(tracker.update(window(5, {sighting("wifi_ofdm", 2432, 2452, -33, 0.30, 50.1, 59.9, 7)})).empty());
    auto busier = tracker.update(window(6, {sighting("wifi_ofdm", 2432, 2452, -33, 0.50, 60.1, 69.9, 7)}));
    ASSERT_EQ(busier.size(), 1u);
    EXPECT_NE(busier[0].detail.find("duty 12 % → 50 %"), std::string::npos) << busier[0].detail;
    // 0.5 → 0.7 is the 0.2 step but not twice: nothing.
    EXPECT_TRUE(tracker.update(window(7, {sighting("wifi_ofdm", 2432, 2452, -33, 0.70, 70.1, 79.9, 7)})).empty());
}

TEST(EventTracker, TwoEmittersOfOneClassStayApart) {
    EventTracker tracker("s");
    auto a = tracker.update(window(0, {sighting("narrowband_spur", 2410, 2411, -40, 1, 0, 9.9), sighting("narrowband_spur", 2440, 2441, -45, 1, 0, 9.9)}));
    ASSERT_EQ(a.size(), 2u);
    EXPECT_NE(a[0].id, a[1].id);
    // Next window: listed in the other order, one 1 MHz off; still two emitters, no event.
    EXPECT_TRUE(tracker.update(window(1, {sighting("narrowband_spur", 2441, 2442, -45, 1, 10, 19.9), sighting("narrowband_spur", 2410, 2411, -40, 1, 10, 19.9)}))
                    .empty());
    EXPECT_EQ(tracker.followed(), 2u);
    // A different class at the same place is another emitter.
    auto c = tracker.update(window(2, {sighting("narrowband_spur", 2410, 2411, -40, 1, 20, 29.9), sighting("narrowband_spur", 2441, 2442, -45, 1, 20, 29.9),
                                       sighting("zigbee", 2409, 2411, -50, 0.1, 21, 29)}));
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].class_key, "zigbee");
}

TEST(EventTracker, FinishClosesOnlyWhatWasAlreadyMissing) {
    EventTracker tracker("s");
    (void)tracker.update(window(0, {sighting("ble", 2401, 2403, -60, 0.01, 1, 9), sighting("zigbee", 2424, 2426, -40, 0.1, 1, 9)}));
    (void)tracker.update(window(1, {sighting("zigbee", 2424, 2426, -40, 0.1, 11, 19)}));
    const auto closed = tracker.finish();
    ASSERT_EQ(closed.size(), 1u);
    EXPECT_EQ(closed[0].class_key, "ble");
    EXPECT_NEAR(*closed[0].end_unix_s - kT0, 9.0, 1e-6);
    EXPECT_EQ(tracker.followed(), 1u);
}

TEST(EventTracker, RulesAreChecked) {
    EXPECT_THROW(EventTracker("s", EventRules{.level_change_db = 0}), ConfigError);
    EXPECT_THROW(EventTracker("s", EventRules{.absent_windows = 0}), ConfigError);
    EXPECT_THROW(EventTracker("s", EventRules{.duty_ratio = 0.5}), ConfigError);
}

}  // namespace
}  // namespace coex::monitor
