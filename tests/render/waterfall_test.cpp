// The waterfall: bins land in the right columns at the right power, only the usable band counts as
// observed, rows merge with the totals kept, a sweep's dwells stay apart, bad settings are refused.
#include "coex/core/error.hpp"
#include "coex/render/waterfall.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace coex::render {
namespace {

constexpr std::size_t kFft = 256;
constexpr double kRate = 20e6, kBin = kRate / kFft;

// A frame of per-bin power: `floor` everywhere, `peak` in the bin at `offset_hz` from the centre.
std::vector<float> frame(float floor, double offset_hz = 0.0, float peak = 0.0f) {
    std::vector<float> bins(kFft, floor);
    if (peak > 0.0f) bins[static_cast<std::size_t>(std::lround(offset_hz / kBin)) + kFft / 2] = peak;
    return bins;
}

SegmentInfo tuning(double centre_hz, std::optional<double> bandwidth_hz = std::nullopt) {
    return {centre_hz, kRate, 0.0, std::nullopt, bandwidth_hz};
}

TEST(Waterfall, ToneLandsInItsColumnAtItsPower) {
    Waterfall w({2400e6, 2480e6, 0.0, 2000, 1000, 0.0, 0.0});
    const auto bins = frame(1e-7f, 3e6, 1e-2f);
    for (int k = 0; k < 100; ++k) w.add(tuning(2437e6), k * 12.8e-6, 12.8e-6, kBin, bins);
    EXPECT_EQ(w.frames(), 100u);
    EXPECT_DOUBLE_EQ(w.column_hz(), kBin);
    EXPECT_EQ(w.rows(), 100u);
    const double tone_hz = 2437e6 + std::lround(3e6 / kBin) * kBin;  // the bin's centre
    const auto column = static_cast<std::size_t>((tone_hz - 2400e6) / w.column_hz());
    ASSERT_TRUE(w.mean(50, column));
    EXPECT_NEAR(10 * std::log10(*w.mean(50, column)), -20.0, 0.01);
    EXPECT_NEAR(10 * std::log10(*w.mean(50, column + 5)), -70.0, 0.01);
    // Only the usable band (90 % of 20 MS/s: 2428–2446 MHz) is observed.
    EXPECT_FALSE(w.mean(50, static_cast<std::size_t>((2427e6 - 2400e6) / w.column_hz())));
    EXPECT_TRUE(w.mean(50, static_cast<std::size_t>((2429e6 - 2400e6) / w.column_hz())));
    EXPECT_FALSE(w.mean(50, static_cast<std::size_t>((2447e6 - 2400e6) / w.column_hz())));
    EXPECT_FALSE(w.mean(50, 0));
}

TEST(Waterfall, TrustedBandwidthLimitsWhatIsObserved) {
    Waterfall w({2400e6, 2480e6, 0.0, 2000, 1000, 0.0, 0.0});
    w.add(tuning(2437e6, 10e6), 0.0, 12.8e-6, kBin, frame(1e-6f));
    EXPECT_TRUE(w.mean(0, static_cast<std::size_t>((2433e6 - 2400e6) / w.column_hz())));
    EXPECT_FALSE(w.mean(0, static_cast<std::size_t>((2431e6 - 2400e6) / w.column_hz())));
}

TEST(Waterfall, RowsMergeInPairsAndKeepTheTotals) {
    Waterfall w({2420e6, 2460e6, 0.0, 2000, 64, 0.0, 0.0});
    const int frames = 5000;
    for (int k = 0; k < frames; ++k) w.add(tuning(2437e6), k * 12.8e-6, 12.8e-6, kBin, frame(k < frames / 2 ? 1e-6f : 1e-4f));
    EXPECT_GE(w.rows(), 32u);
    EXPECT_LE(w.rows(), 64u);
    EXPECT_GE(w.end_s(), frames * 12.8e-6 - 1e-9);
    const auto column = static_cast<std::size_t>((2437e6 - 2420e6) / w.column_hz());
    std::uint64_t total = 0;
    for (std::size_t r = 0; r < w.rows(); ++r) total += w.count(r, column);
    EXPECT_EQ(total, static_cast<std::uint64_t>(frames));
    EXPECT_NEAR(*w.mean(0, column), 1e-6, 1e-9);               // the quiet first half
    EXPECT_NEAR(*w.mean(w.rows() - 1, column), 1e-4, 1e-7);    // the loud second half
}

TEST(Waterfall, ExpectedDurationSetsTheRowsUpFront) {
    Waterfall w({2420e6, 2460e6, 0.0, 2000, 100, 0.0, 1.0});
    w.add(tuning(2437e6), 0.0, 12.8e-6, kBin, frame(1e-6f));
    EXPECT_DOUBLE_EQ(w.row_seconds(), 0.01);
    w.add(tuning(2437e6), 0.995, 12.8e-6, kBin, frame(1e-6f));
    EXPECT_EQ(w.rows(), 100u);
}

TEST(Waterfall, SweepDwellsStayApart) {
    Waterfall w({2400e6, 2480e6, 0.0, 2000, 1000, 0.0, 0.02});
    for (int k = 0; k < 500; ++k) w.add(tuning(2412e6), k * 12.8e-6, 12.8e-6, kBin, frame(1e-6f));
    for (int k = 0; k < 500; ++k) w.add(tuning(2462e6), 0.01 + k * 12.8e-6, 12.8e-6, kBin, frame(1e-6f));
    const auto ch1 = static_cast<std::size_t>((2412e6 - 2400e6) / w.column_hz());
    const auto ch11 = static_cast<std::size_t>((2462e6 - 2400e6) / w.column_hz());
    const auto early = static_cast<std::size_t>(0.003 / w.row_seconds()), late = static_cast<std::size_t>(0.013 / w.row_seconds());
    EXPECT_TRUE(w.mean(early, ch1));
    EXPECT_FALSE(w.mean(early, ch11)) << "channel 11 was not observed while the receiver sat on channel 1";
    EXPECT_FALSE(w.mean(late, ch1));
    EXPECT_TRUE(w.mean(late, ch11));
}

TEST(Waterfall, ColumnsFinerThanBinsHaveNoHoles) {
    Waterfall w({2430e6, 2444e6, 10e3, 4000, 100, 0.0, 0.0});  // 10 kHz columns, 78 kHz bins
    w.add(tuning(2437e6), 0.0, 12.8e-6, kBin, frame(1e-6f));
    for (std::size_t c = 0; c < w.columns(); ++c) EXPECT_TRUE(w.mean(0, c)) << "column " << c;
}

TEST(Waterfall, BadSettingsAreRefused) {
    EXPECT_THROW(Waterfall({2480e6, 2400e6, 0.0, 2000, 1000, 0.0, 0.0}), ConfigError);
    EXPECT_THROW(Waterfall({2400e6, 2480e6, -1.0, 2000, 1000, 0.0, 0.0}), ConfigError);
    EXPECT_THROW(Waterfall({2400e6, 2480e6, 0.0, 1, 1000, 0.0, 0.0}), ConfigError);
    EXPECT_THROW(Waterfall({2400e6, 2480e6, 0.0, 2000, 1, 0.0, 0.0}), ConfigError);
    EXPECT_THROW(Waterfall({2400e6, 2480e6, 0.0, 2000, 1000, NAN, 0.0}), ConfigError);
}

}  // namespace
}  // namespace coex::render
