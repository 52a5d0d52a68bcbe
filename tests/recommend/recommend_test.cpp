// The recommendation: scenes from the simulator end to end, and the cost model's rules on
// hand-made reports.
#include "../support/memory_source.hpp"
#include "coex/recommend/recommend.hpp"
#include "coex/sim/scenario.hpp"
#include "coex/sim/synth.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <limits>

namespace coex {
namespace {

report::Report analyze_scene(const sim::Scene& scene) {
    sim::Synthesizer synth(scene);
    std::vector<testing::MemorySource::Segment> segments;
    for (std::size_t s = 0; s < synth.segments().size(); ++s) segments.push_back({synth.segments()[s].info, synth.render(s)});
    // (one block per segment, as the synthesizer renders them)
    testing::MemorySource source(std::move(segments), std::numeric_limits<std::size_t>::max());
    return analysis::run(source, {testing::test_analysis_config(), std::nullopt, {}});
}

bool mentions(const std::vector<std::string>& lines, const std::string& word) {
    for (const auto& l : lines)
        if (l.find(word) != std::string::npos) return true;
    return false;
}

std::string all(const report::Recommendation& r) {
    std::string s = r.headline + "\n";
    for (const auto& l : r.reasons) s += "  " + l + "\n";
    for (const auto& l : r.remediation) s += "  do: " + l + "\n";
    return s;
}

TEST(Recommendation, SeedStoryMovesToElevenAndNamesTheUsbDevice) {
    const auto scene = sim::load_scene(std::filesystem::path(COEX_SOURCE_DIR) / "captures/scenes/seed-story-wideband.json");
    const auto report = analyze_scene(scene);
    recommend::Config config;
    config.current_channel = 1;
    const auto rec = recommend::recommend(report, config);
    ASSERT_TRUE(rec.channel.has_value()) << all(rec);
    EXPECT_EQ(*rec.channel, 11) << all(rec);
    EXPECT_TRUE(rec.change);
    EXPECT_EQ(rec.headline, "move your router from channel 1 to channel 11.");
    EXPECT_TRUE(mentions(rec.remediation, "USB 3.0")) << all(rec);
    EXPECT_TRUE(mentions(rec.reasons, "2400–2428 MHz")) << all(rec);
    EXPECT_TRUE(mentions(rec.reasons, "Bluetooth")) << all(rec);
}

TEST(Recommendation, OvenAndBusyChannelOneGiveSix) {
    const auto scene = sim::parse_scene(R"({
        "seed": 301, "duration_s": 0.12,
        "receiver": { "view": "wideband", "center_mhz": 2442, "sample_rate_msps": 100 },
        "emitters": [
          { "type": "microwave_oven", "mains_hz": 50, "center_mhz": 2458, "snr_db": 35 },
          { "type": "wifi_ofdm", "channel": 1, "snr_db": 25, "airtime": 0.5 }
        ] })", "oven");
    const auto report = analyze_scene(scene);
    const auto rec = recommend::recommend(report, {});
    ASSERT_TRUE(rec.channel.has_value()) << all(rec);
    EXPECT_EQ(*rec.channel, 6) << all(rec);
    EXPECT_TRUE(mentions(rec.remediation, "microwave")) << all(rec);
}

// Hand-made reports for the rules.
report::Report band(std::initializer_list<std::pair<int, double>> occupancy, int last_channel = 13) {
    report::Report r;
    for (int k = 1; k <= last_channel; ++k) {
        report::WifiChannelRow row;
        row.channel = k;
        row.center_mhz = wifi_channel_center_mhz(k);
        row.observed = true;
        row.observed_s = 1.0;
        row.noise_floor_dbfs_per_mhz = -100.0;
        for (const auto& [c, o] : occupancy)
            if (c == k) {
                row.occupancy = o;
                row.mean_power_dbfs = -50.0;
            }
        r.wifi.push_back(row);
    }
    return r;
}

TEST(Recommendation, StaysWhenTheGainIsSmall) {
    auto r = band({{1, 0.10}, {6, 0.06}, {11, 0.08}});
    recommend::Config config;
    config.current_channel = 11;
    const auto rec = recommend::recommend(r, config);
    ASSERT_TRUE(rec.channel.has_value());
    EXPECT_EQ(*rec.channel, 11) << all(rec);
    EXPECT_FALSE(rec.change);
    EXPECT_NE(rec.headline.find("stay on channel 11"), std::string::npos) << rec.headline;
}

TEST(Recommendation, MovesWhenTheCurrentChannelIsBusy) {
    auto r = band({{1, 0.10}, {6, 0.70}, {11, 0.05}});
    recommend::Config config;
    config.current_channel = 6;
    const auto rec = recommend::recommend(r, config);
    EXPECT_EQ(rec.channel.value_or(0), 11) << all(rec);
    EXPECT_TRUE(rec.change);
}

TEST(Recommendation, PrefersOneSixElevenUnlessAnotherIsClearlyBetter) {
    // channel 3 is a little cleaner than 1/6/11 but not by a factor 0.8: 1/6/11 win
    auto r = band({{1, 0.05}, {3, 0.0}, {6, 0.30}, {11, 0.30}, {13, 0.3}});
    r.wifi[2].occupancy = 0.0;
    const auto rec = recommend::recommend(r, {});
    EXPECT_TRUE(rec.channel == 1 || rec.channel == 6 || rec.channel == 11) << all(rec);
}

TEST(Recommendation, NeverRecommendsAnUnobservedChannel) {
    auto r = band({{1, 0.5}, {6, 0.5}, {11, 0.5}});
    for (auto& row : r.wifi)
        if (row.channel == 13 || row.channel == 12) row.observed = false, row.occupancy = 0.0;
    const auto rec = recommend::recommend(r, {});
    ASSERT_TRUE(rec.channel.has_value());
    EXPECT_NE(*rec.channel, 13);
    EXPECT_NE(*rec.channel, 12);
    for (const auto& entry : rec.ranking) EXPECT_LT(entry.channel, 12);
    EXPECT_TRUE(mentions(rec.reasons, "never recommended")) << all(rec);
}

TEST(Recommendation, TooLittleObservedAsksForABetterCapture) {
    auto r = band({{6, 0.3}});
    for (auto& row : r.wifi) row.observed = row.channel == 6;
    const auto rec = recommend::recommend(r, {});
    EXPECT_FALSE(rec.channel.has_value());
    ASSERT_TRUE(rec.capture_advice.has_value());
    EXPECT_NE(rec.capture_advice->find("30 s"), std::string::npos);
}

TEST(Recommendation, HostapdBaselineIgnoresNonWifiNoise) {
    // USB 3.0 noise over channel 1, no traffic anywhere: hostapd (busy time only) keeps 1 in the
    // running; coex avoids it.
    auto r = band({});
    r.wifi[0].noise_floor_dbfs_per_mhz = -86.0;
    report::Emitter usb;
    usb.emitter_class = EmitterClass::usb3_noise;
    usb.low_mhz = 2400;
    usb.high_mhz = 2428;
    usb.center_mhz = 2414;
    usb.above_floor_db = 14.0;
    usb.duty_cycle = 1.0;
    r.emitters.push_back(usb);
    const auto base = recommend::hostapd_baseline(r, RegDomain::eu);
    ASSERT_FALSE(base.empty());
    const auto rec = recommend::recommend(r, {});
    ASSERT_TRUE(rec.channel.has_value());
    EXPECT_NE(*rec.channel, 1);
    const auto ranking = recommend::rank_channels(r, {});
    double cost1 = 0.0;
    for (const auto& s : ranking)
        if (s.channel == 1) cost1 = s.parts.non_wifi;
    EXPECT_GT(cost1, 0.5);
}

// A 4.5 ms look at the band is shorter than two of the longest PPDUs: no channel is chosen from it, and
// the report says what to record; a channel seen for 20 ms is enough, and the report says what it rests on.
TEST(Recommendation, TooShortALookChoosesNothingAndSaysWhatToRecord) {
    auto r = band({{1, 0.3}, {6, 0.6}});
    for (auto& row : r.wifi) row.observed_s = 0.0045;
    const auto short_look = recommend::recommend(r, {});
    EXPECT_FALSE(short_look.channel.has_value()) << short_look.headline;
    EXPECT_NE(short_look.headline.find("4.5 ms"), std::string::npos) << short_look.headline;
    ASSERT_TRUE(short_look.capture_advice.has_value());
    EXPECT_NE(short_look.capture_advice->find("record for longer"), std::string::npos);
    ASSERT_TRUE(short_look.least_observed_s.has_value());
    EXPECT_DOUBLE_EQ(*short_look.least_observed_s, 0.0045);

    for (auto& row : r.wifi) row.observed_s = 0.020;
    const auto enough = recommend::recommend(r, {});
    ASSERT_TRUE(enough.channel.has_value()) << enough.headline;
    EXPECT_EQ(*enough.channel, 11);
    EXPECT_DOUBLE_EQ(*enough.least_observed_s, 0.020);
}

TEST(Recommendation, Width40PairsChannels) {
    auto r = band({{1, 0.05}, {5, 0.05}, {6, 0.6}, {11, 0.02}});
    recommend::Config config;
    config.width_mhz = 40;
    const auto rec = recommend::recommend(r, config);
    ASSERT_TRUE(rec.channel.has_value());
    ASSERT_FALSE(rec.ranking.empty());
    EXPECT_NE(rec.ranking.front().secondary, 0);
    EXPECT_EQ(std::abs(rec.ranking.front().secondary - rec.ranking.front().channel), 4);
}

}  // namespace
}  // namespace coex

namespace coex {
namespace {

// --my-network: the channel its beacons were decoded on is the router's now, unless the user said
// otherwise; a network not heard is said so, and nothing is assumed.
TEST(Recommendation, YourNetworkIsWhereItsBeaconsAre) {
    auto r = band({{1, 0.45}, {6, 0.05}, {11, 0.30}});
    r.wifi[0].networks.push_back({"HomeNet", "02:11:22:33:44:55", 3, false});
    r.wifi[10].networks.push_back({"Neighbour", "02:66:77:88:99:aa", 2, false});
    EXPECT_EQ(report::mark_my_networks(r.wifi, {"HomeNet"}), std::vector<int>{1});
    recommend::Config config;
    config.my_networks = {"HomeNet"};
    const auto rec = recommend::recommend(r, config);
    EXPECT_EQ(rec.current_channel, 1) << all(rec);
    ASSERT_TRUE(rec.channel.has_value());
    EXPECT_EQ(*rec.channel, 6) << all(rec);
    EXPECT_EQ(rec.headline, "your network is on 1: move it to channel 6.");
    EXPECT_TRUE(mentions(rec.reasons, "your network HomeNet (02:11:22:33:44:55) is on channel 1")) << all(rec);
    // what the user says of the current channel wins over what was heard
    config.current_channel = 11;
    EXPECT_EQ(recommend::recommend(r, config).current_channel, 11);
}

TEST(Recommendation, YourNetworkNotHeardIsSaidAndNotAssumed) {
    auto r = band({{1, 0.45}, {6, 0.05}, {11, 0.30}});
    recommend::Config config;
    config.my_networks = {"HomeNet"};
    EXPECT_TRUE(report::mark_my_networks(r.wifi, config.my_networks).empty());
    const auto rec = recommend::recommend(r, config);
    EXPECT_FALSE(rec.current_channel.has_value());
    EXPECT_TRUE(mentions(rec.reasons, "your network (HomeNet) was not heard")) << all(rec);
}

}  // namespace
}  // namespace coex
