// The monitor's wire format round-trips, and a malformed message from another sensor is an InputError
// naming the field, never a crash or a silently wrong state.
#include "coex/monitor/state.hpp"

#include "coex/core/error.hpp"

#include <gtest/gtest.h>

namespace coex::monitor {
namespace {

WindowState sample_state() {
    WindowState s;
    s.sensor_id = "living-room";
    s.start_unix_s = 1796000000.0;
    s.end_unix_s = 1796000010.0;
    s.observed_s = 9.75;
    s.noise_floor_dbfs_per_mhz = -61.25;
    s.channels = {{1, 2412.0, 0.42, 9.75, -55.5, 0.61}, {6, 2437.0, 0.05, 9.75, -61.0, 0.12}, {11, 2462.0, 0.0, 9.75, std::nullopt, std::nullopt}};
    s.emitters = {{"usb3_noise", 2400.0, 2424.0, -50.5, 7.5, 1.0, 0.8, "shape", "USB 3.0 noise over 2400–2424 MHz"}};
    s.networks = {{"HomeNet", "02:11:22:33:44:55", 6, 12, -40.0, true}, {"", "02:66:77:88:99:aa", 1, 3, std::nullopt, false}};
    s.recommended_channel = 11;
    s.current_channel = 6;
    s.window_best_channel = 11;
    s.headline = "move your router from channel 6 to channel 11.";
    s.reasons = {"channel 1: USB 3.0 noise"};
    s.samples_in = 200000000;
    s.samples_dropped = 3;
    s.packets_decoded = 1234;
    s.windows = 7;
    return s;
}

TEST(MonitorState, WindowRoundTrips) {
    const auto s = sample_state();
    const auto back = window_state_from_json(to_json(s), "test");
    EXPECT_EQ(back.sensor_id, "living-room");
    EXPECT_DOUBLE_EQ(back.start_unix_s, s.start_unix_s);
    ASSERT_EQ(back.channels.size(), 3u);
    EXPECT_EQ(back.channels[0].channel, 1);
    EXPECT_NEAR(back.channels[0].airtime, 0.42, 1e-9);
    EXPECT_FALSE(back.channels[2].cost.has_value());
    ASSERT_EQ(back.emitters.size(), 1u);
    EXPECT_EQ(back.emitters[0].class_key, "usb3_noise");
    ASSERT_EQ(back.networks.size(), 2u);
    EXPECT_TRUE(back.networks[0].mine);
    EXPECT_EQ(back.networks[1].ssid, "");
    EXPECT_EQ(back.recommended_channel, 11);
    EXPECT_EQ(back.samples_in, 200000000u);
    EXPECT_EQ(back.windows, 7u);
    EXPECT_EQ(to_json(back), to_json(s));
}

TEST(MonitorState, EventRoundTrips) {
    Event e{"kitchen", EventKind::disappeared, "microwave_oven@2455#1", "microwave_oven", 1796000020.0, 1796000040.0,
            2450.0, 2460.0, -30.0, 25.0, 0.45, "behaviour", "off after 20 s"};
    const auto back = event_from_json(to_json(e), "test");
    EXPECT_EQ(back.kind, EventKind::disappeared);
    EXPECT_EQ(back.id, e.id);
    ASSERT_TRUE(back.end_unix_s.has_value());
    EXPECT_DOUBLE_EQ(*back.end_unix_s, 1796000040.0);
    EXPECT_EQ(to_json(back), to_json(e));
}

TEST(MonitorState, MalformedMessagesNameTheField) {
    const auto expect_error = [](const std::string& text, const std::string& needle) {
        try {
            (void)window_state_from_json(text, "coex/x/state");
            FAIL() << "accepted: " << text;
        } catch (const InputError& e) {
            EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find("coex/x/state"), std::string::npos) << e.what();
        }
    };
    expect_error("not json", "not JSON");
    expect_error("[]", "expected an object");
    expect_error("{}", "sensor: missing");
    std::string good = to_json(sample_state());
    std::string bad_airtime = good;
    bad_airtime.replace(bad_airtime.find("\"airtime\":0.42"), 14, "\"airtime\":4.2");
    expect_error(bad_airtime, "channels[0].airtime");
    std::string bad_channel = good;
    bad_channel.replace(bad_channel.find("\"channel\":1,"), 12, "\"channel\":\"1\",");
    expect_error(bad_channel, "channels[0].channel");
    EXPECT_THROW((void)event_from_json(R"({"sensor":"a","kind":"exploded"})", "e"), InputError);
}

}  // namespace
}  // namespace coex::monitor
