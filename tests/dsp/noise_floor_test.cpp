#include "coex/dsp/noise_floor.hpp"
#include "coex/dsp/spectrogram.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace coex::dsp {
namespace {

double to_db(double x) { return 10.0 * std::log10(x); }

// Per-bin floor of white noise with bursts of a 20 dB stronger wideband signal on 60 % of the frames.
TEST(PercentileFloor, PerBinFloorIgnoresBurstyTraffic) {
    const double rate = 20e6, noise = 1e-4;
    SpectrogramConfig c;
    c.fft_size = 256;
    c.planning = FftPlanning::estimate;
    Spectrogram s(c, rate);
    PercentileFloor floor(256, 0.1, 2.0);
    std::mt19937_64 rng(3);
    std::normal_distribution<float> g(0.0f, 1.0f);
    std::vector<cf32> frame(256);
    for (int f = 0; f < 5000; ++f) {
        const bool burst = (f % 10) < 6;
        const float sigma = static_cast<float>(std::sqrt((burst ? 100.0 * noise : noise) / 2.0));
        for (auto& v : frame) v = cf32(sigma * g(rng), sigma * g(rng));
        s.push(frame, [&](std::span<const float> p) { floor.add(p); });
    }
    const auto est = floor.estimate();
    const double expected_per_bin = noise * s.enbw() / 256.0;
    double mean_db = 0.0;
    for (float v : est) mean_db += to_db(v / expected_per_bin);
    mean_db /= 256.0;
    EXPECT_NEAR(mean_db, 0.0, 0.5);
    for (float v : est) EXPECT_NEAR(to_db(v / expected_per_bin), 0.0, 1.5);
}

TEST(PercentileFloor, SumOfBinsUsesItsDegreesOfFreedom) {
    // Sums of 13 exponential bins: χ² with 26 degrees of freedom.
    std::mt19937_64 rng(5);
    std::exponential_distribution<double> e(1.0);
    PercentileFloor floor(1, 0.2, 26.0);
    for (int i = 0; i < 20000; ++i) {
        double sum = 0.0;
        for (int k = 0; k < 13; ++k) sum += e(rng);
        const float v = static_cast<float>(sum);
        floor.add(std::span<const float>(&v, 1));
    }
    EXPECT_NEAR(to_db(floor.estimate()[0] / 13.0), 0.0, 0.2);
}

// Many channels (a spectrogram's bins) are counted a byte a cell plus the byte's wraps, in batches of
// looks; one channel 32 bits a count, look by look. Each bin's estimate must equal, bit for bit, that
// of a floor of its own fed the same values: cells far past 255 observations (the cell of exact zeros
// included), a short look counted at once, and estimates asked mid-batch.
TEST(PercentileFloor, ManyChannelsCountAsOneChannelAlone) {
    constexpr std::size_t kChannels = 256;
    std::mt19937_64 rng(11);
    std::exponential_distribution<double> e(1.0);
    PercentileFloor many(kChannels, 0.01, 2.0);
    std::vector<PercentileFloor> alone;
    for (std::size_t c = 0; c < kChannels; ++c) alone.emplace_back(1, 0.01, 2.0);
    std::vector<float> look(kChannels);
    const auto expect_equal = [&] {
        const auto est = many.estimate();
        for (std::size_t c = 0; c < kChannels; ++c) ASSERT_EQ(est[c], alone[c].estimate()[0]) << "channel " << c;
    };
    for (int i = 0; i < 20000; ++i) {
        for (std::size_t c = 0; c < kChannels; ++c) {
            // channel 1: digital silence two looks in three (its zeros' cell wraps); the others noise
            // at their own level, with bursts 30 dB up on one look in four
            const double level = 1e-3 * (1.0 + static_cast<double>(c % 7)) * (i % 4 == 0 && c > 1 ? 1000.0 : 1.0);
            look[c] = c == 1 && i % 3 != 0 ? 0.0f : static_cast<float>(level * e(rng));
        }
        const std::size_t n = i == 777 ? kChannels / 2 : kChannels;  // a short look
        many.add(std::span<const float>(look.data(), n));
        for (std::size_t c = 0; c < kChannels; ++c) alone[c].add(std::span<const float>(c < n ? &look[c] : look.data(), c < n ? 1 : 0));
        if (i == 5000 || i == 12345) expect_equal();  // mid-batch
    }
    expect_equal();
    EXPECT_NEAR(to_db(many.estimate()[0] / 1e-3), 0.0, 0.3);
    EXPECT_NEAR(to_db(many.estimate()[1] / 1e-3), 3.0, 0.3);  // channel 1 is at 2e-3 (1 + 1 % 7)
}

TEST(PercentileFloor, ZeroInputGivesZeroFloor) {
    PercentileFloor floor(4, 0.2, 2.0);
    std::vector<float> zeros(4, 0.0f);
    for (int i = 0; i < 100; ++i) floor.add(zeros);
    for (float v : floor.estimate()) EXPECT_EQ(v, 0.0f);
}

TEST(PercentileFloor, Chi2CorrectionMatchesKnownQuantiles) {
    // exponential: 10th percentile = −ln 0.9
    EXPECT_NEAR(PercentileFloor::chi2_mean_over_quantile(2.0, 0.1), 1.0 / 0.1053605, 1e-4);
    // χ²(20)/20 20th percentile = 14.578/20 (tables)
    EXPECT_NEAR(1.0 / PercentileFloor::chi2_mean_over_quantile(20.0, 0.2), 14.578 / 20.0, 0.005);
}

}  // namespace
}  // namespace coex::dsp
