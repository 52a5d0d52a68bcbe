// The recommendation with hysteresis over hours, on synthetic sequences of windows (no radio): a short
// burst of interference does not move it, a lasting one does after the smoothing and the hold, and the
// reasons say why.
#include "coex/monitor/advisor.hpp"

#include "coex/core/error.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

namespace coex::monitor {
namespace {

constexpr double kT0 = 1796000000.0;
constexpr double kWindow = 10.0;

WindowState window(double t, const std::map<int, double>& costs, std::optional<int> own_best = std::nullopt) {
    WindowState s;
    s.start_unix_s = kT0 + t;
    s.end_unix_s = kT0 + t + kWindow;
    for (const auto& [ch, cost] : costs) s.channels.push_back({ch, 2407.0 + 5 * ch, 0.0, kWindow, -60.0, cost});
    s.window_best_channel = own_best;
    return s;
}

bool mentions(const WindowState& s, const std::string& text) {
    for (const auto& r : s.reasons)
        if (r.find(text) != std::string::npos) return true;
    return false;
}

// Runs the advisor over [from, to) seconds with these costs; returns the last state and when the
// recommendation first became `watch` (if it did).
struct Run {
    WindowState last;
    std::optional<double> switched_at;
};
Run run(ChannelAdvisor& advisor, double from, double to, const std::map<int, double>& costs, int watch) {
    Run r;
    for (double t = from; t < to; t += kWindow) {
        r.last = window(t, costs);
        advisor.update(r.last);
        if (!r.switched_at && r.last.recommended_channel == watch) r.switched_at = t + kWindow;
    }
    return r;
}

TEST(ChannelAdvisor, FirstAnswerIsTheWindowsOwnChoice) {
    ChannelAdvisor advisor;
    auto s = window(0, {{1, 0.0}, {6, 0.0}, {11, 0.0}, {3, 0.0}}, 6);
    advisor.update(s);
    EXPECT_EQ(s.recommended_channel, 6);
    EXPECT_EQ(s.headline, "use channel 6.");
    EXPECT_TRUE(mentions(s, "first window"));
}

TEST(ChannelAdvisor, AnOvenForTenMinutesDoesNotMoveItALastingNeighbourDoes) {
    ChannelAdvisor advisor;  // 1 h smoothing, 0.7 × and 0.1 margin, 15 min hold
    // Two quiet hours: channel 1 is best.
    auto a = run(advisor, 0, 7200, {{1, 0.10}, {6, 0.50}, {11, 0.55}}, 1);
    ASSERT_EQ(a.last.recommended_channel, 1);
    // Ten minutes of an oven on channel 1 (cost 1.2): its smoothed cost rises to ~0.27, far from moving.
    auto b = run(advisor, 7200, 7800, {{1, 1.20}, {6, 0.50}, {11, 0.55}}, 6);
    EXPECT_FALSE(b.switched_at);
    EXPECT_EQ(b.last.recommended_channel, 1);
    // The window alone would have moved: the reasons say one window is not enough.
    auto oven = window(7800, {{1, 1.20}, {6, 0.50}, {11, 0.55}}, 6);
    advisor.update(oven);
    EXPECT_EQ(oven.recommended_channel, 1);
    EXPECT_TRUE(mentions(oven, "this window alone would pick channel 6"));
    // Back to quiet for an hour: what the oven added (0.17) decays by e.
    (void)run(advisor, 7810, 11410, {{1, 0.10}, {6, 0.50}, {11, 0.55}}, 6);
    const double quiet_cost = *advisor.smoothed_cost(1);
    EXPECT_NEAR(quiet_cost, 0.1 + 0.17 / M_E, 0.01);
    // A neighbour settles on channel 1 for the evening (cost 0.9). Smoothed from 0.163, channel 1 crosses
    // the switching line (≥ 0.714: 0.5 ≤ 0.7 × it, and 0.1 below it) after ln(0.737 / 0.186) τ ≈ 1.38 h;
    // then the 15 min hold: ≈ 1.63 h.
    auto c = run(advisor, 11410, 11410 + 4 * 3600, {{1, 0.90}, {6, 0.50}, {11, 0.55}}, 6);
    ASSERT_TRUE(c.switched_at);
    const double after = *c.switched_at - 11410;
    EXPECT_GT(after, 1.55 * 3600) << after;
    EXPECT_LT(after, 1.7 * 3600) << after;
    EXPECT_EQ(c.last.recommended_channel, 6);
    EXPECT_TRUE(mentions(c.last, "switched from channel 1 to 6")) << c.last.reasons[1];
}

TEST(ChannelAdvisor, TheHoldMustBeUnbroken) {
    ChannelAdvisor advisor(AdvisorConfig{.time_constant_s = 60.0, .switch_factor = 0.7, .switch_margin = 0.1, .hold_s = 600.0});
    (void)run(advisor, 0, 600, {{1, 0.1}, {6, 0.5}, {11, 0.95}}, 1);
    // Channel 6 better for 8 min (smoothing is quick here), then not, then better again: the clock restarts.
    auto a = run(advisor, 600, 1080, {{1, 0.9}, {6, 0.1}, {11, 0.95}}, 6);
    EXPECT_FALSE(a.switched_at);
    EXPECT_TRUE(mentions(a.last, "before the recommendation moves"));
    (void)run(advisor, 1080, 1380, {{1, 0.1}, {6, 0.5}, {11, 0.95}}, 6);
    auto b = run(advisor, 1380, 2400, {{1, 0.9}, {6, 0.1}, {11, 0.95}}, 6);
    ASSERT_TRUE(b.switched_at);
    EXPECT_GE(*b.switched_at - 1380, 600.0);
    EXPECT_LT(*b.switched_at - 1380, 600.0 + 300.0);  // the smoothing adds a few minutes at most
}

TEST(ChannelAdvisor, CurrentChannelShapesTheHeadline) {
    ChannelAdvisor advisor;
    auto s = window(0, {{1, 0.5}, {6, 0.05}, {11, 0.5}}, 6);
    s.current_channel = 1;
    advisor.update(s);
    EXPECT_EQ(s.headline, "move your router from channel 1 to channel 6.");
    auto t = window(10, {{1, 0.5}, {6, 0.05}, {11, 0.5}}, 6);
    t.current_channel = 6;
    advisor.update(t);
    EXPECT_EQ(t.headline, "keep your router on channel 6.");
}

TEST(ChannelAdvisor, NoChannelSeenNoRecommendation) {
    ChannelAdvisor advisor;
    auto s = window(0, {});
    advisor.update(s);
    EXPECT_FALSE(s.recommended_channel);
    EXPECT_THROW(ChannelAdvisor(AdvisorConfig{.time_constant_s = 0}), ConfigError);
}

TEST(ChannelAdvisor, OneOrTwoChannelsAreTooFewToChooseFrom) {
    // A radio parked on channel 6 sees only 6: naming it "the best" would be a guess.
    ChannelAdvisor advisor;
    auto parked = window(0, {{6, 0.5}});
    advisor.update(parked);
    EXPECT_FALSE(parked.recommended_channel);
    EXPECT_NE(parked.headline.find("too few to choose from"), std::string::npos) << parked.headline;
    auto two = window(10, {{6, 0.5}, {11, 0.1}});
    advisor.update(two);
    EXPECT_FALSE(two.recommended_channel);
    auto three = window(20, {{1, 0.3}, {6, 0.5}, {11, 0.1}});
    advisor.update(three);
    EXPECT_EQ(three.recommended_channel, 11);
}

}  // namespace
}  // namespace coex::monitor
