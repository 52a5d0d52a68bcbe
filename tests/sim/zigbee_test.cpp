// IEEE 802.15.4 O-QPSK generator: chip timing, constant envelope, decode-back, MSK-like spectrum.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "coex/coding/coding.hpp"
#include "coex/sim/zigbee.hpp"
#include "sim_test_util.hpp"

using namespace coex;
using namespace coex::sim;

TEST(SimZigbee, RateDurationAndConstantEnvelope) {
    std::mt19937_64 rng(31);
    for (std::size_t len : {1u, 20u, 127u}) {
        const auto w = zigbee_packet(len, rng);
        EXPECT_EQ(w.sample_rate_hz, 8e6);
        const std::size_t chips = 64 * (6 + len);
        EXPECT_EQ(w.samples.size(), (chips + 1) * 4);
        EXPECT_NEAR(w.duration_s(), static_cast<double>(chips + 1) / 2e6, 1e-12);
        EXPECT_NEAR(zigbee_packet_duration_s(len), w.duration_s(), 1e-12);
        // 4-byte preamble + SFD + PHR = 6 octets = 192 us before the PSDU.
        EXPECT_NEAR(static_cast<double>(chips) / 2e6, 192e-6 + 32e-6 * static_cast<double>(len), 1e-12);
        double lo = 1e9, hi = 0.0;
        for (std::size_t n = 4; n + 4 < w.samples.size(); ++n) {
            lo = std::min(lo, static_cast<double>(std::abs(w.samples[n])));
            hi = std::max(hi, static_cast<double>(std::abs(w.samples[n])));
        }
        EXPECT_GT(lo, 0.99);
        EXPECT_LT(hi, 1.01);
        EXPECT_NEAR(mean_power(w.samples), 1.0, 1e-4);
    }
    EXPECT_THROW(zigbee_packet(0, rng), std::exception);
    EXPECT_THROW(zigbee_packet(128, rng), std::exception);
}

TEST(SimZigbee, ChipsDespreadToFrameWithValidFcs) {
    std::mt19937_64 rng(32);
    const std::size_t len = 30;
    const double spc = 4;
    const auto w = zigbee_packet(len, rng, spc);
    // I chip 2m peaks at (2m + 1) Tc, Q chip 2m + 1 at (2m + 2) Tc.
    const std::size_t n_chips = 64 * (6 + len);
    std::vector<int> chips(n_chips);
    for (std::size_t k = 0; k < n_chips; ++k) {
        const auto n = static_cast<std::size_t>(static_cast<double>(k + 1) * spc);
        const float v = (k % 2 == 0) ? w.samples[n].real() : w.samples[n].imag();
        EXPECT_GT(std::abs(v), 0.99f) << "chip " << k;  // half-sine peak
        chips[k] = v > 0 ? 1 : 0;
    }
    // Despread each 32-chip block to the best-matching symbol; all must match exactly.
    std::vector<std::uint8_t> octets;
    for (std::size_t s = 0; s < n_chips / 32; ++s) {
        std::uint32_t block = 0;
        for (int i = 0; i < 32; ++i) block |= static_cast<std::uint32_t>(chips[32 * s + static_cast<std::size_t>(i)]) << i;
        int best = -1, best_dist = 33;
        for (int sym = 0; sym < 16; ++sym) {
            const int d = __builtin_popcount(block ^ coding::zigbee_chips(sym));
            if (d < best_dist) {
                best_dist = d;
                best = sym;
            }
        }
        EXPECT_EQ(best_dist, 0);
        if (s % 2 == 0) octets.push_back(static_cast<std::uint8_t>(best));
        else octets.back() |= static_cast<std::uint8_t>(best << 4);
    }
    ASSERT_EQ(octets.size(), 6 + len);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(octets[static_cast<std::size_t>(i)], 0x00);
    EXPECT_EQ(octets[4], 0xA7);
    EXPECT_EQ(octets[5], len);
    const auto mpdu = coding::bytes_to_bits_lsb(std::span(octets).subspan(6, len - 2));
    const auto fcs = coding::bytes_to_bits_lsb(std::span(octets).subspan(6 + len - 2, 2));
    EXPECT_EQ(coding::ieee802154_fcs(mpdu), fcs);
}

TEST(SimZigbee, SpectrumFirstNullAt1500kHz) {
    std::mt19937_64 rng(33);
    std::vector<cf32> all;
    for (int i = 0; i < 8; ++i) {
        const auto w = zigbee_packet(127, rng);
        all.insert(all.end(), w.samples.begin(), w.samples.end());
    }
    const auto psd = test::welch(all, 8e6, 1024);
    const double peak = psd.peak();
    for (int side : {-1, 1}) {
        std::size_t best = psd.bin(side * 1.0e6);
        for (std::size_t i = 0; i < psd.nfft; ++i) {
            const double f = side * psd.freq(i);
            if (f >= 1.0e6 && f <= 2.0e6 && psd.p[i] < psd.p[best]) best = i;
        }
        const double f_null = std::abs(psd.freq(best));
        // MSK theory (half-sine O-QPSK, 1 us per branch symbol): S(f) ~ [cos(pi f Ts)/(1 - 4 f^2 Ts^2)]^2.
        const double at1 = test::db10(psd.p[psd.bin(side * 1.0e6)] / psd.p[psd.bin(0.0)]);
        std::printf("802.15.4 spectrum, %s side: first null %.3f MHz (%.1f dBr); PSD(1 MHz)/PSD(0) %.1f dB (MSK theory -9.5)\n",
                    side < 0 ? "lower" : "upper", f_null / 1e6, test::db10(psd.p[best] / peak), at1);
        EXPECT_NEAR(f_null, 1.5e6, 0.1e6);
        EXPECT_LT(test::db10(psd.p[best] / peak), -25.0);
        EXPECT_NEAR(at1, -9.5, 2.5);
    }
}
