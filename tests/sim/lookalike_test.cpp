// The look-alike generators against their definitions: LTE numerology (TS 36.211: 15 kHz, normal
// prefix, 600/1200 subcarriers), an FM video sender's line structure and deviation, a toy remote's
// whitened frame (checked by a PN9 written here), and the scene keys that make them.
#include "coex/sim/lookalike.hpp"

#include "coex/core/error.hpp"
#include "coex/sim/esb.hpp"
#include "coex/sim/scenario.hpp"
#include "sim_test_util.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <numbers>
#include <string>

namespace coex::sim {
namespace {

// |Σ x[n] x*[n+lag]| / Σ |x[n]|² over the whole waveform
double lag_correlation(const std::vector<cf32>& x, std::size_t lag) {
    std::complex<double> c{};
    double p = 0.0;
    for (std::size_t n = 0; n + lag < x.size(); ++n) {
        c += std::complex<double>(x[n]) * std::conj(std::complex<double>(x[n + lag]));
        p += std::norm(x[n]);
    }
    return std::abs(c) / p;
}

// Share of the power within ±half_hz of the centre (Welch PSD).
double power_within(const std::vector<cf32>& x, double rate, double half_hz, std::size_t n = 4096) {
    const auto psd = test::welch(x, rate, n);
    double inside = 0.0, total = 0.0;
    for (std::size_t i = 0; i < psd.p.size(); ++i) {
        total += psd.p[i];
        if (std::abs(psd.freq(i)) <= half_hz) inside += psd.p[i];
    }
    return inside / total;
}

TEST(LookAlikeSim, LteOfdmHasItsNumerology) {
    std::mt19937_64 rng(1);
    const auto num = lte_numerology(10);
    EXPECT_DOUBLE_EQ(num.sample_rate_hz(), 15.36e6);
    const auto w = lte_ofdm(num, 1e-3, 2, rng);
    EXPECT_EQ(w.samples.size(), 15360u);  // two 0.5 ms slots
    EXPECT_NEAR(mean_power(w.samples), 1.0, 1e-3);
    // the prefix: each symbol's first 72 (80) samples repeat 1024 later: 72.6/1096.6 of the power
    EXPECT_NEAR(lag_correlation(w.samples, 1024), 0.066, 0.01);
    EXPECT_LT(lag_correlation(w.samples, 64), 0.02);  // 802.11's lag at 20 MS/s: nothing there
    // 600 subcarriers × 15 kHz: 9 MHz; the transmit filter keeps ≥ 99.9 % within ±5 MHz, little past the used band
    EXPECT_GT(power_within(w.samples, num.sample_rate_hz(), 5.0e6), 0.999);
    EXPECT_LT(power_within(w.samples, num.sample_rate_hz(), 4.0e6), 0.91);
}

TEST(LookAlikeSim, LteTwentyMegahertzIsEighteenWide) {
    std::mt19937_64 rng(2);
    const auto num = lte_numerology(20);
    const auto w = lte_ofdm(num, 2e-3, 4, rng);
    EXPECT_EQ(w.samples.size(), 61440u);  // four slots at 30.72 MS/s
    EXPECT_NEAR(lag_correlation(w.samples, 2048), 0.066, 0.015);
    EXPECT_GT(power_within(w.samples, num.sample_rate_hz(), 9.6e6), 0.999);
    EXPECT_THROW(lte_numerology(15), ConfigError);
    EXPECT_THROW(lte_ofdm(num, 1e-3, 3, rng), ConfigError);
}

TEST(LookAlikeSim, FmVideoKeepsItsEnvelopeAndLineRate) {
    std::mt19937_64 rng(3);
    const auto w = fm_video(2e-3, 4e6, rng);
    ASSERT_EQ(w.samples.size(), 80000u);
    std::vector<double> f;
    for (std::size_t n = 1; n < w.samples.size(); ++n) {
        EXPECT_NEAR(std::abs(w.samples[n]), 1.0, 1e-4);
        f.push_back(std::arg(std::complex<double>(w.samples[n]) * std::conj(std::complex<double>(w.samples[n - 1]))) * w.sample_rate_hz /
                    (2.0 * std::numbers::pi));
    }
    // sync tips at −4 MHz (less the sound subcarrier's ±0.4), peak white at +4 MHz
    const auto [lo, hi] = std::minmax_element(f.begin(), f.end());
    EXPECT_NEAR(*lo, -4.0e6, 0.6e6);
    EXPECT_LT(*hi, 4.6e6);
    // one sync pulse (4.7 µs at the bottom) per 64 µs line: count the pulses' starts
    std::size_t pulses = 0;
    bool in_sync = false;
    for (double v : f) {
        const bool low = v < -3.0e6;
        if (low && !in_sync) ++pulses;
        in_sync = low ? true : v > -2.0e6 ? false : in_sync;
    }
    EXPECT_NEAR(static_cast<double>(pulses), 2e-3 / fm_video_line_s, 2.0);
    // Carson: ~18 MHz holds ≥ 98 % of the power
    EXPECT_GT(power_within(w.samples, w.sample_rate_hz, 9e6), 0.98);
}

TEST(LookAlikeSim, ToyFskFrameIsWhitenedAndChecks) {
    const std::vector<std::uint8_t> payload = {0x01, 0x80, 0x7F, 0x00, 0xFF};
    const auto bits = toy_fsk_bits(0xD391A2B4u, payload);
    ASSERT_EQ(bits.size(), 24u + 32u + 8u * payload.size() + 16u);
    for (std::size_t i = 0; i < 24; ++i) EXPECT_EQ(bits[i], i % 2 == 0 ? 1 : 0);  // 0xAA 0xAA 0xAA
    std::uint32_t sync = 0;
    for (std::size_t i = 24; i < 56; ++i) sync = (sync << 1) | bits[i];
    EXPECT_EQ(sync, 0xD391A2B4u);
    // de-whiten with PN9 (x^9 + x^5 + 1, all ones), written here: the payload, then its CRC-16/CCITT-FALSE
    std::vector<std::uint8_t> body(bits.begin() + 56, bits.end());
    unsigned reg = 0x1FF;
    for (auto& b : body) {
        b ^= static_cast<std::uint8_t>(reg & 1u);
        reg = (reg >> 1) | ((((reg >> 0) ^ (reg >> 5)) & 1u) << 8);
    }
    for (std::size_t i = 0; i < payload.size(); ++i) {
        unsigned byte = 0;
        for (std::size_t k = 0; k < 8; ++k) byte = (byte << 1) | body[8 * i + k];
        EXPECT_EQ(byte, payload[i]);
    }
    const std::vector<std::uint8_t> covered(body.begin(), body.end() - 16);
    std::uint16_t crc = 0;
    for (std::size_t k = body.size() - 16; k < body.size(); ++k) crc = static_cast<std::uint16_t>((crc << 1) | body[k]);
    EXPECT_EQ(crc, esb_crc16(covered));
    // the whitening changed the body: a run of zeros does not go out as zeros
    EXPECT_NE(std::vector<std::uint8_t>(bits.begin() + 56 + 24, bits.begin() + 56 + 32), std::vector<std::uint8_t>(8, 0));
}

TEST(LookAlikeSim, ToyFskDeviationIsWhatWasAsked) {
    std::mt19937_64 rng(4);
    const auto w = toy_fsk_packet(0x12345678u, 16, 160e3, rng, 8.0);
    EXPECT_NEAR(w.duration_s(), toy_fsk_packet_duration_s(16), 1e-9);
    double peak = 0.0;
    for (std::size_t n = 1; n < w.samples.size(); ++n)
        peak = std::max(peak, std::abs(std::arg(std::complex<double>(w.samples[n]) * std::conj(std::complex<double>(w.samples[n - 1])))) *
                                  w.sample_rate_hz / (2.0 * std::numbers::pi));
    EXPECT_NEAR(peak, 160e3, 8e3);
}

std::string scene_text(const std::string& emitter) {
    return R"({"duration_s": 0.01, "receiver": {"view": "single", "center_mhz": 2437}, "emitters": [)" + emitter + "]}";
}

TEST(LookAlikeSim, SceneTypesAreLabelledAsTheirClasses) {
    const auto s = parse_scene(scene_text(R"({"type": "drone_ofdm", "center_mhz": 2444.5, "channel_mhz": 20, "modulation": "16qam", "duty": 0.5},
                                              {"type": "fm_video", "center_mhz": 2432, "deviation_mhz": 3},
                                              {"type": "toy_fsk", "freq_mhz": 2441, "interval_ms": 4, "deviation_khz": 250},
                                              {"type": "esb", "freq_mhz": 2432, "rate_mbps": 2, "hop_mhz": [2432, 2440], "hop_every_ms": 8})"),
                               "t.json");
    ASSERT_EQ(s.emitters.size(), 4u);
    EXPECT_EQ(label_class(s.emitters[0]), "ofdm_not_wifi");
    EXPECT_EQ(label_class(s.emitters[1]), "unknown");
    EXPECT_EQ(label_class(s.emitters[2]), "proprietary_gfsk");
    EXPECT_EQ(label_class(s.emitters[3]), "proprietary_gfsk");
    const auto& drone = std::get<DroneOfdmSpec>(s.emitters[0].params);
    EXPECT_EQ(drone.channel_mhz, 20);
    EXPECT_EQ(drone.bits_per_symbol, 4);
    const auto& esb = std::get<EsbSpec>(s.emitters[3].params);
    EXPECT_EQ(esb.symbol_rate_hz, 2e6);
    ASSERT_EQ(esb.hop_hz.size(), 2u);
    EXPECT_DOUBLE_EQ(*esb.hop_every_s, 8e-3);
}

TEST(LookAlikeSim, BadKeysAreNamed) {
    auto error = [](const std::string& emitter) {
        try {
            (void)parse_scene(scene_text(emitter), "t.json");
        } catch (const InputError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_EQ(error(R"({"type": "drone_ofdm", "channel_mhz": 15})"), "t.json: emitters[0].channel_mhz: must be 10 or 20");
    EXPECT_EQ(error(R"({"type": "drone_ofdm", "modulation": "64qam"})"), "t.json: emitters[0].modulation: '64qam' is not one of qpsk, 16qam");
    EXPECT_EQ(error(R"({"type": "esb", "freq_mhz": 2440, "hop_every_ms": 8})"),
              "t.json: emitters[0].hop_every_ms: needs hop_mhz (the frequencies the link hops over)");
    EXPECT_EQ(error(R"({"type": "esb", "freq_mhz": 2440, "hop_mhz": [2440]})"), "t.json: emitters[0].hop_mhz: a hopping link needs at least 2 frequencies");
    EXPECT_NE(error(R"({"type": "toy_fsk", "freq_mhz": 2440, "payload_bytes": 32, "interval_ms": 0.3})").find("shorter than a packet"), std::string::npos);
    EXPECT_EQ(error(R"({"type": "fm_video", "freq_mhz": 2440})"), "t.json: emitters[0].freq_mhz: unknown key (docs/scenes.md lists the keys)");
}

}  // namespace
}  // namespace coex::sim
