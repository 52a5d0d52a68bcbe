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
