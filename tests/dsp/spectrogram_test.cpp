#include "coex/core/error.hpp"
#include "coex/dsp/fft.hpp"
#include "coex/dsp/spectrogram.hpp"
#include "coex/dsp/window.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <complex>
#include <cstdint>
#include <numbers>
#include <random>

namespace coex::dsp {
namespace {

double to_db(double x) { return 10.0 * std::log10(x); }

std::vector<cf32> tone(std::size_t n, double rate, double freq, double amplitude) {
    std::vector<cf32> x(n);
    for (std::size_t i = 0; i < n; ++i) {
        const double ph = 2.0 * std::numbers::pi * freq * static_cast<double>(i) / rate;
        x[i] = cf32(static_cast<float>(amplitude * std::cos(ph)), static_cast<float>(amplitude * std::sin(ph)));
    }
    return x;
}

std::vector<cf32> white_noise(std::size_t n, double power, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> g(0.0f, static_cast<float>(std::sqrt(power / 2.0)));
    std::vector<cf32> x(n);
    for (auto& v : x) v = cf32(g(rng), g(rng));
    return x;
}

SpectrogramConfig config(std::size_t n, Window w = Window::hann) {
    SpectrogramConfig c;
    c.fft_size = n;
    c.window = w;
    c.planning = FftPlanning::estimate;
    return c;
}

TEST(Spectrogram, FullScaleToneReadsZeroDbfsInItsBin) {
    const double rate = 20e6;
    Spectrogram s(config(1024), rate);
    const double freq = 37 * s.bin_hz();  // bin centre
    auto x = tone(1024 * 4, rate, freq, 1.0);
    int frames = 0;
    s.push(x, [&](std::span<const float> p) {
        ++frames;
        const auto peak = std::max_element(p.begin(), p.end()) - p.begin();
        EXPECT_EQ(peak, 512 + 37);
        EXPECT_NEAR(to_db(p[static_cast<std::size_t>(peak)]), 0.0, 0.01);
    });
    EXPECT_EQ(frames, 4);
}

TEST(Spectrogram, MinusTwentyDbfsToneReadsMinusTwentyWithinHalfDbAnywhere) {
    const double rate = 20e6;
    for (std::size_t n : {256u, 1024u, 4096u}) {
        Spectrogram s(config(n), rate);
        for (double offset_bins : {-100.0, -3.5, 0.0, 17.25, 60.5}) {  // off-centre tones: scalloping ≤ 1.42 dB for Hann
            const double freq = offset_bins * s.bin_hz();
            auto x = tone(n, rate, freq, std::pow(10.0, -20.0 / 20.0));
            s.reset();
            s.push(x, [&](std::span<const float> p) {
                const auto peak = static_cast<std::size_t>(std::max_element(p.begin(), p.end()) - p.begin());
                EXPECT_NEAR(static_cast<double>(peak), n / 2 + std::round(offset_bins), 1.0) << n << " " << offset_bins;
                // power summed over the main lobe and divided by ENBW is scalloping-free
                double lobe = 0.0;
                for (std::size_t k = peak - 3; k <= peak + 3; ++k) lobe += p[k];
                EXPECT_NEAR(to_db(lobe / s.enbw()), -20.0, 0.5) << n << " " << offset_bins;
                if (offset_bins == std::round(offset_bins)) {
                    EXPECT_NEAR(to_db(p[peak]), -20.0, 0.5);
                }
            });
        }
    }
}

TEST(Spectrogram, WhiteNoiseIsFlatWithinHalfDbAndCalibrated) {
    const double rate = 20e6;
    const double power = 0.01;  // −20 dBFS total
    Spectrogram s(config(256), rate);
    std::vector<double> mean(256, 0.0);
    int frames = 0;
    auto x = white_noise(256 * 4000, power, 1);
    s.push(x, [&](std::span<const float> p) {
        for (std::size_t k = 0; k < p.size(); ++k) mean[k] += p[k];
        ++frames;
    });
    double total = 0.0;
    for (auto& m : mean) {
        m /= frames;
        total += m;
    }
    for (std::size_t k = 0; k < mean.size(); ++k) EXPECT_NEAR(to_db(mean[k] / (total / 256.0)), 0.0, 0.5) << k;
    EXPECT_NEAR(to_db(total / s.enbw()), -20.0, 0.1);
}

TEST(Spectrogram, FftwMatchesPlainDftReference) {
    for (auto w : {Window::hann, Window::rectangular, Window::blackman_harris}) {
        Spectrogram s(config(128, w), 1e6);
        auto x = white_noise(128, 1.0, 7);
        for (std::size_t i = 0; i < x.size(); ++i) x[i] += cf32(0.3f * std::cos(0.2f * i), 0.3f * std::sin(0.2f * i));
        const auto reference = reference_power_spectrum(x, w);
        s.push(x, [&](std::span<const float> p) {
            for (std::size_t k = 0; k < p.size(); ++k) EXPECT_NEAR(p[k], reference[k], 1e-4 * (1.0 + reference[k])) << k;
        });
    }
}

// The window and the power are computed as float loops over the interleaved parts (vectorised, and an
// AVX2 copy where the CPU has one); every bin must still be the float that the std::complex loops give:
// frame[i] · w[i] into the FFT, then std::norm(X_k) · scale, rotated so −fs/2 comes first.
TEST(Spectrogram, BinsEqualTheComplexLoopsBitForBit) {
    for (std::size_t n : {16u, 64u, 256u, 1024u}) {
        for (auto w : {Window::hann, Window::blackman_harris}) {
            Spectrogram s(config(n, w), 20e6);
            Fft fft(n, FftPlanning::estimate);
            const auto window = make_window(w, n);
            double sum = 0.0;
            for (float v : window) sum += v;
            const auto scale = static_cast<float>(1.0 / (sum * sum));
            auto x = white_noise(3 * n, 0.01, 11 + n);
            for (std::size_t i = 0; i < n; ++i) x[n + i] += cf32(0.5f, -0.25f);  // a DC term
            std::size_t frame = 0;
            s.push(x, [&](std::span<const float> p) {
                for (std::size_t i = 0; i < n; ++i) fft.input()[i] = x[frame * n + i] * window[i];
                fft.execute();
                for (std::size_t k = 0; k < n / 2; ++k) {
                    const float high = std::norm(fft.output()[k]) * scale, low = std::norm(fft.output()[k + n / 2]) * scale;
                    ASSERT_EQ(std::bit_cast<std::uint32_t>(p[k + n / 2]), std::bit_cast<std::uint32_t>(high)) << "FFT " << n << ", frame " << frame << ", bin " << k + n / 2;
                    ASSERT_EQ(std::bit_cast<std::uint32_t>(p[k]), std::bit_cast<std::uint32_t>(low)) << "FFT " << n << ", frame " << frame << ", bin " << k;
                }
                ++frame;
            });
            EXPECT_EQ(frame, 3u);
        }
    }
}

TEST(Spectrogram, OverlapProducesFramesEveryHop) {
    SpectrogramConfig c = config(256);
    c.overlap = 0.5;
    Spectrogram s(c, 1e6);
    EXPECT_EQ(s.hop(), 128u);
    std::vector<cf32> x(256 + 128 * 9);
    int frames = 0;
    // pushing in odd-sized pieces must give the same frame count as one push
    for (std::size_t pos = 0; pos < x.size(); pos += 77)
        s.push(std::span<const cf32>(x).subspan(pos, std::min<std::size_t>(77, x.size() - pos)), [&](auto) { ++frames; });
    EXPECT_EQ(frames, 10);
}

TEST(Spectrogram, RejectsBadConfiguration) {
    EXPECT_THROW(Spectrogram(config(1000), 1e6), ConfigError);
    EXPECT_THROW(Spectrogram(config(256), 0.0), ConfigError);
    SpectrogramConfig c = config(256);
    c.overlap = 0.95;
    EXPECT_THROW(Spectrogram(c, 1e6), ConfigError);
}

TEST(Spectrogram, DefaultFftSizeGivesAbout78kHzBins) {
    EXPECT_EQ(default_fft_size(20e6), 256u);
    EXPECT_EQ(default_fft_size(100e6), 1024u);
    EXPECT_EQ(default_fft_size(2.4e6), 32u);
    EXPECT_EQ(default_fft_size(10e6), 128u);
}

}  // namespace
}  // namespace coex::dsp
