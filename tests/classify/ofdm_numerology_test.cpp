// cyclic_prefix_look on OFDM built here from its definition (an inverse DFT per symbol, its last
// samples copied in front), not with src/sim: LTE's numerology (15 kHz, normal prefix) shows its
// prefix at 66.7 µs through a real receiver's impairments; 802.11's numerology, noise and a tone do not.
#include "ofdm_numerology.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <numbers>
#include <random>
#include <vector>

namespace coex::classify {
namespace {

using cd = std::complex<double>;
constexpr double kPi = std::numbers::pi;

// Radix-2 inverse DFT (n a power of two), unnormalised.
void inverse_fft(std::vector<cd>& a) {
    const std::size_t n = a.size();
    for (std::size_t i = 1, j = 0; i < n; ++i) {
        std::size_t bit = n >> 1;
        for (; j & bit; bit >>= 1) j ^= bit;
        j ^= bit;
        if (i < j) std::swap(a[i], a[j]);
    }
    for (std::size_t len = 2; len <= n; len <<= 1) {
        const cd w = std::polar(1.0, 2.0 * kPi / static_cast<double>(len));
        for (std::size_t i = 0; i < n; i += len) {
            cd wk = 1.0;
            for (std::size_t k = 0; k < len / 2; ++k, wk *= w) {
                const cd u = a[i + k], v = a[i + k + len / 2] * wk;
                a[i + k] = u + v;
                a[i + k + len / 2] = u - v;
            }
        }
    }
}

// `symbols` OFDM symbols of `fft` points, `used` subcarriers around an empty DC carrying random QPSK,
// each preceded by its last cp(i) samples.
template <class CpLength>
std::vector<cf32> ofdm(std::size_t fft, std::size_t used, std::size_t symbols, CpLength cp, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<cf32> out;
    std::vector<cd> bins(fft);
    for (std::size_t s = 0; s < symbols; ++s) {
        std::fill(bins.begin(), bins.end(), cd{});
        for (std::size_t k = 1; k <= used / 2; ++k) {
            bins[k] = cd(rng() & 1 ? 1.0 : -1.0, rng() & 1 ? 1.0 : -1.0);
            bins[fft - k] = cd(rng() & 1 ? 1.0 : -1.0, rng() & 1 ? 1.0 : -1.0);
        }
        inverse_fft(bins);
        const std::size_t c = cp(s);
        for (std::size_t i = fft - c; i < fft; ++i) out.emplace_back(bins[i]);
        for (std::size_t i = 0; i < fft; ++i) out.emplace_back(bins[i]);
    }
    return out;
}

double mean_power(const std::vector<cf32>& x) {
    double p = 0.0;
    for (const auto& v : x) p += std::norm(v);
    return p / static_cast<double>(x.size());
}

// What a receiver does to it: a carrier offset, noise at snr_db, a DC offset, then 8-bit samples
// (the signal at a quarter of full scale), and the DC taken out again as the classifier does.
void impair(std::vector<cf32>& x, double rate, double cfo_hz, double snr_db, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    const double p = mean_power(x);
    std::normal_distribution<double> noise(0.0, std::sqrt(p / std::pow(10.0, snr_db / 10.0) / 2.0));
    const double scale = 0.25 / std::sqrt(p);
    cd mean{};
    for (std::size_t n = 0; n < x.size(); ++n) {
        const cd v = (cd(x[n]) * std::polar(1.0, 2.0 * kPi * cfo_hz * static_cast<double>(n) / rate) + cd(noise(rng), noise(rng))) * scale +
                     cd(0.03, -0.02);
        const auto q = [](double u) { return std::clamp(std::round(u * 127.0), -128.0, 127.0) / 127.0; };
        x[n] = cf32(static_cast<float>(q(v.real())), static_cast<float>(q(v.imag())));
        mean += cd(x[n]);
    }
    mean /= static_cast<double>(x.size());
    for (auto& v : x) v -= cf32(static_cast<float>(mean.real()), static_cast<float>(mean.imag()));
}

// LTE 10 MHz: 1024 points at 15.36 MS/s, 600 used, prefix 80 samples on the first of each 7, 72 after.
std::vector<cf32> lte_10mhz(std::size_t symbols, std::uint64_t seed) {
    return ofdm(1024, 600, symbols, [](std::size_t s) { return s % 7 == 0 ? std::size_t{80} : std::size_t{72}; }, seed);
}

TEST(CyclicPrefix, LteNumerologyShowsItsPrefixThroughAReceiver) {
    constexpr double rate = 15.36e6;
    auto x = lte_10mhz(140, 1);  // 10 ms
    impair(x, rate, 23e3, 10.0, 2);
    const auto look = cyclic_prefix_look(x, rate, kLteUsefulSymbolSeconds);
    ASSERT_TRUE(look.valid);
    // prefix share 72.6/1096.6 = 0.066, times SNR/(1+SNR) = 0.91 at 10 dB
    EXPECT_NEAR(look.at_lag, 0.066 * 10.0 / 11.0, 0.012);
    EXPECT_LT(look.elsewhere, 0.01);
    EXPECT_TRUE(shows_lte_prefix(look));
}

TEST(CyclicPrefix, SixSymbolsAtZeroDbStillShowIt) {
    constexpr double rate = 15.36e6;
    auto x = lte_10mhz(7, 3);  // one slot, 0.5 ms
    impair(x, rate, -40e3, 3.0, 4);
    const auto look = cyclic_prefix_look(x, rate, kLteUsefulSymbolSeconds);
    EXPECT_TRUE(shows_lte_prefix(look)) << look.at_lag << " " << look.elsewhere;
}

TEST(CyclicPrefix, WifiNumerologyDoesNotShowIt) {
    // 802.11a/g: 64 points at 20 MS/s, 52 used, 16-sample guard interval; 4 ms of it
    constexpr double rate = 20e6;
    auto x = ofdm(64, 52, 1000, [](std::size_t) { return std::size_t{16}; }, 5);
    impair(x, rate, 50e3, 25.0, 6);
    const auto lte = cyclic_prefix_look(x, rate, kLteUsefulSymbolSeconds);
    EXPECT_FALSE(shows_lte_prefix(lte)) << lte.at_lag << " " << lte.elsewhere;
    const auto wifi = cyclic_prefix_look(x, rate, 3.2e-6);  // its own lag, for contrast
    EXPECT_GT(wifi.at_lag, 0.15);
}

TEST(CyclicPrefix, NoiseAndAToneDoNotShowIt) {
    constexpr double rate = 20e6;
    std::mt19937_64 rng(7);
    std::normal_distribution<float> g(0.0f, 1.0f);
    std::vector<cf32> noise(200000), tone(200000);
    for (auto& v : noise) v = cf32(g(rng), g(rng));
    for (std::size_t n = 0; n < tone.size(); ++n)
        tone[n] = std::polar(1.0f, static_cast<float>(2.0 * kPi * 1.3e6 * static_cast<double>(n) / rate)) + 0.1f * cf32(g(rng), g(rng));
    const auto a = cyclic_prefix_look(noise, rate, kLteUsefulSymbolSeconds), b = cyclic_prefix_look(tone, rate, kLteUsefulSymbolSeconds);
    EXPECT_FALSE(shows_lte_prefix(a)) << a.at_lag << " " << a.elsewhere;
    EXPECT_FALSE(shows_lte_prefix(b)) << b.at_lag << " " << b.elsewhere;
    EXPECT_GT(b.at_lag, 0.9);  // a tone correlates at every lag: only the contrast rules it out
}

TEST(CyclicPrefix, TooShortASnippetIsNotJudged) {
    std::vector<cf32> x(1000, cf32(1.0f, 0.0f));
    EXPECT_FALSE(cyclic_prefix_look(x, 15.36e6, kLteUsefulSymbolSeconds).valid);
}

}  // namespace
}  // namespace coex::classify
