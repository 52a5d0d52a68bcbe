// Signals that are not Wi-Fi must give no Wi-Fi occupancy; channels not seen whole are not observed.
#include "analysis_helpers.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>

namespace coex {
namespace {

using testing::analyze_samples;
using testing::channel;

std::vector<cf32> noise(std::size_t n, double power, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> g(0.0f, static_cast<float>(std::sqrt(power / 2.0)));
    std::vector<cf32> x(n);
    for (auto& v : x) v = cf32(g(rng), g(rng));
    return x;
}

const SegmentInfo kChannel6View{2437e6, 20e6, 0.0, std::nullopt, std::nullopt};

TEST(FalsePositives, TwentyMsPerSecondViewOnChannel6SeesOnlyChannel6) {
    const auto x = noise(2'000'000, 1e-5, 1);
    const auto r = analyze_samples(x, kChannel6View);
    for (const auto& c : r.wifi) EXPECT_EQ(c.observed, c.channel == 6) << c.channel;
    EXPECT_FALSE(channel(r, 1).observed);
    EXPECT_FALSE(channel(r, 11).observed);
    EXPECT_NEAR(channel(r, 6).observed_s, 0.1, 0.001);
    EXPECT_EQ(channel(r, 6).occupancy, 0.0);
    ASSERT_TRUE(r.noise_floor_dbfs_per_mhz.has_value());
    // 1e-5 over 20 MHz = 5e-7 per MHz = −63.0 dBFS/MHz
    EXPECT_NEAR(*r.noise_floor_dbfs_per_mhz, -63.0, 0.5);
}

TEST(FalsePositives, StrongCwToneIsNotWifi) {
    auto x = noise(2'000'000, 1e-6, 2);
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double ph = 2.0 * std::numbers::pi * 1.3e6 * static_cast<double>(i) / 20e6;
        x[i] += cf32(0.1f * static_cast<float>(std::cos(ph)), 0.1f * static_cast<float>(std::sin(ph)));
    }
    const auto r = analyze_samples(x, kChannel6View);
    EXPECT_EQ(channel(r, 6).occupancy, 0.0);
}

TEST(FalsePositives, PulsedCwToneIsNotWifi) {
    auto x = noise(2'000'000, 1e-6, 3);
    for (std::size_t i = 0; i < x.size(); ++i) {
        if ((i / 20000) % 2) continue;  // 1 ms on, 1 ms off
        const double ph = 2.0 * std::numbers::pi * -4.0e6 * static_cast<double>(i) / 20e6;
        x[i] += cf32(0.1f * static_cast<float>(std::cos(ph)), 0.1f * static_cast<float>(std::sin(ph)));
    }
    const auto r = analyze_samples(x, kChannel6View);
    EXPECT_EQ(channel(r, 6).occupancy, 0.0);
    EXPECT_GT(r.stats.counters.at("wifi.rejected_uneven"), 0u);
}

TEST(FalsePositives, AllZeroSamplesGiveNoFloorAndNoOccupancy) {
    const std::vector<cf32> x(1'000'000);
    const auto r = analyze_samples(x, kChannel6View);
    EXPECT_FALSE(r.noise_floor_dbfs_per_mhz.has_value());
    EXPECT_TRUE(channel(r, 6).observed);
    EXPECT_EQ(channel(r, 6).occupancy, 0.0);
}

TEST(FalsePositives, ClippedNoiseIsNotWifi) {
    auto x = noise(2'000'000, 4.0, 4);  // driven far past full scale, then clipped like an ADC
    for (auto& v : x) v = cf32(std::clamp(v.real(), -1.0f, 1.0f), std::clamp(v.imag(), -1.0f, 1.0f));
    const auto r = analyze_samples(x, kChannel6View);
    EXPECT_EQ(channel(r, 6).occupancy, 0.0);
}

TEST(FalsePositives, ContinuousBroadbandRiseIsAbsorbedByTheFloor) {
    // USB 3.0-like: a steady wideband rise 15 dB over thermal noise, 100 % of the time.
    const auto x = noise(2'000'000, 1e-5 * 31.6, 5);
    const auto r = analyze_samples(x, kChannel6View);
    EXPECT_EQ(channel(r, 6).occupancy, 0.0);
}

}  // namespace
}  // namespace coex
