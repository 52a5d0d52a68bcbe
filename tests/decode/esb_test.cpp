// ESB decoder: the simulator's Enhanced ShockBurst packets (nRF24L01+ 7.3) at 1 and 2 Mb/s through
// a receiver's impairments at 12 dB SNR, CRC-8 framings proven only by a repeated address, and no
// false decodes on noise, a tone, Bluetooth BR (the same modulation), BLE, 802.15.4 and Wi-Fi.
#include "gfsk_test_util.hpp"

#include "coex/coding/coding.hpp"
#include "coex/sim/bluetooth.hpp"
#include "coex/sim/esb.hpp"
#include "coex/sim/wifi.hpp"
#include "coex/sim/zigbee.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

namespace coex::decode {
namespace {

using test::Burst;
using test::Impairments;

std::string hex(std::span<const std::uint8_t> bytes) {
    std::string s;
    char b[3];
    for (auto v : bytes) {
        std::snprintf(b, sizeof b, "%02x", v);
        s += b;
    }
    return s;
}

TEST(EsbSim, TwoMegabitModeDeviatesBy320kHz) {
    std::mt19937_64 rng(4);
    const std::uint8_t address[4] = {0x3C, 0x5A, 0x01, 0xEE};
    const sim::Waveform w = sim::esb_packet(address, 10, 1, rng, 8.0, 2e6);
    ASSERT_DOUBLE_EQ(w.sample_rate_hz, 16e6);
    ASSERT_EQ(w.samples.size(), static_cast<std::size_t>(std::lround(sim::esb_packet_duration_s(4, 10, 2, 2e6) * 16e6)));
    double peak = 0.0;
    for (std::size_t n = 1; n < w.samples.size(); ++n)
        peak = std::max(peak, std::abs(std::arg(w.samples[n] * std::conj(w.samples[n - 1]))) * 16e6 / (2 * std::numbers::pi));
    EXPECT_NEAR(peak, 320e3, 20e3);
}

double esb_decode_rate(double symbol_rate, double input_rate, int trials, std::uint64_t seed, double* worst_start = nullptr,
                       double ramp_s = 0.0, double snr_db = 12.0, bool deviation_hint = false) {
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<int> width(3, 5), payload(0, 32), byte(0, 255), pid(0, 3);
    std::uniform_real_distribution<double> cfo(-100e3, 100e3), centre(-0.3e6, 0.3e6), margin(50e-6, 150e-6);
    auto decoder = test::make_decoder(Protocol::esb);
    int ok = 0;
    for (int t = 0; t < trials; ++t) {
        std::vector<std::uint8_t> address(static_cast<std::size_t>(width(rng)));
        for (auto& a : address) a = static_cast<std::uint8_t>(byte(rng));
        const auto bytes = static_cast<std::size_t>(payload(rng));
        const sim::Waveform w = sim::esb_packet(address, bytes, pid(rng), rng, input_rate / symbol_rate, symbol_rate);
        const double centre_error = centre(rng);
        Impairments imp;
        imp.offset_hz = cfo(rng) - centre_error;
        imp.noise_bandwidth_hz = symbol_rate;
        imp.margin_before_s = margin(rng);
        imp.margin_after_s = margin(rng);
        imp.ramp_s = ramp_s;
        imp.snr_db = snr_db;
        const Burst b = test::impair(w, 2440e6 + centre_error, imp, rng);
        std::vector<Packet> out;
        Input in = b.input();
        if (deviation_hint) in.measured_deviation_hz = sim::esb_mod_index * symbol_rate / 2.0;  // as the framework measures it
        decoder->decode(in, out);
        for (const auto& p : out) {
            if (!p.checksum_ok) continue;
            EXPECT_DOUBLE_EQ(p.rate_mbps, symbol_rate / 1e6);
            if (p.kind == "esb, address width ambiguous") {
                // two address widths hold the CRC: the address read is the true one or one octet
                // longer / shorter, over the same bits
                const std::string truth = hex(address);
                EXPECT_TRUE(p.device.starts_with(truth) || truth.starts_with(p.device)) << p.device << " vs " << truth;
                EXPECT_NEAR(p.duration_s, sim::esb_packet_duration_s(address.size(), bytes, 2, symbol_rate), 1e-12);
                ++ok;
                break;
            }
            EXPECT_EQ(p.device, hex(address));
            EXPECT_EQ(p.kind, "esb");
            EXPECT_NEAR(p.duration_s, sim::esb_packet_duration_s(address.size(), bytes, 2, symbol_rate), 1e-12);
            if (worst_start) *worst_start = std::max(*worst_start, std::abs(p.start_s - b.packet_start_s));
            ++ok;
            break;
        }
    }
    return static_cast<double>(ok) / trials;
}

TEST(EsbDecoder, OneMegabitAt12dB) {
    for (double rate : {10e6, 8e6, 4e6, 2.4e6}) {
        double worst = 0.0;
        const double r = esb_decode_rate(1e6, rate, 60, 300 + static_cast<std::uint64_t>(rate / 1e5), &worst);
        std::printf("ESB 1 Mb/s at %.1f MS/s, 12 dB: %.1f %% with CRC-16, start within %.2f us\n", rate / 1e6, 100 * r, worst * 1e6);
        // below the 95 % aimed at: h = 0.32 leaves the detector a bit error rate of ~2e-4 at
        // 12 dB even with ideal sync (94 %), and the unknown address costs sync; measured 85-90 %
        // (78 % at 2.4 MS/s)
        EXPECT_GE(r, rate < 3e6 ? 0.65 : 0.80) << rate;
        EXPECT_LT(worst, 1e-6);
    }
}

TEST(EsbDecoder, TwoMegabitAt12dB) {
    for (double rate : {10e6, 8e6, 4e6}) {
        double worst = 0.0;
        const double r = esb_decode_rate(2e6, rate, 60, 400 + static_cast<std::uint64_t>(rate / 1e5), &worst);
        std::printf("ESB 2 Mb/s at %.1f MS/s, 12 dB: %.1f %% with CRC-16, start within %.2f us\n", rate / 1e6, 100 * r, worst * 1e6);
        EXPECT_GE(r, rate < 5e6 ? 0.65 : 0.85) << rate;  // measured 90-92 % (78 % at 4 MS/s)
        EXPECT_LT(worst, 0.5e-6);
    }
}

// A transmitter's PA ramps up over the preamble's first symbols and down over the CRC's last (the
// simulator's scenes ramp every burst so): the decoder finds the address after half a preamble and
// leaves the last bit to the CRC. With the framework's deviation hint, as in the pipeline (without it,
// a 2 Mb/s packet whose whole preamble a 4 µs ramp took is tried at 1 Mb/s too, and once in ~500
// such bursts a CRC-16 holds there by chance: the false-decode argument in esb.cpp).
TEST(EsbDecoder, PowerRampsEatingHalfThePreamble) {
    for (const double symbol_rate : {1e6, 2e6})
        for (const double ramp_s : {0.0, 0.5e-6, 2e-6, 4e-6}) {
            const double r = esb_decode_rate(symbol_rate, 10e6, 60, 700 + static_cast<std::uint64_t>(ramp_s * 1e7), nullptr, ramp_s, 20.0, true);
            std::printf("ESB %.0f Mb/s at 10 MS/s, 20 dB, %.1f us ramps: %.1f %% with CRC-16\n", symbol_rate / 1e6, ramp_s * 1e6, 100 * r);
            const double preamble_eaten = ramp_s * symbol_rate / 8.0;  // share of the 8 preamble symbols
            if (preamble_eaten <= 0.5) {
                EXPECT_GE(r, 0.9) << symbol_rate << " " << ramp_s;
            }
        }
}

TEST(EsbDecoder, Crc8FramingCountsOnlyWhenTheAddressComesAgain) {
    const std::uint8_t address[3] = {0x5B, 0x2E, 0xC1};
    auto decoder = test::make_decoder(Protocol::esb);
    std::mt19937_64 rng(12);
    for (int k = 0; k < 2; ++k) {
        const std::vector<std::uint8_t> payload = {0x10, static_cast<std::uint8_t>(k), 0x77, 0x00, 0xFF};
        const auto bits = sim::esb_frame_bits(address, payload, k, false, 1);
        Impairments imp;
        imp.offset_hz = 50e3;
        imp.snr_db = 20.0;  // the CRC-8 rule is under test here, not the sensitivity
        const Burst b = test::impair(sim::gfsk_modulate(bits, 1e6, 0.5, sim::esb_mod_index, 10.0), 2440e6, imp, rng);
        std::vector<Packet> out;
        decoder->decode(b.input(), out);
        ASSERT_EQ(out.size(), 1u) << k;
        EXPECT_EQ(out[0].device, "5b2ec1");
        EXPECT_TRUE(out[0].checksum_checked);
        EXPECT_EQ(out[0].checksum_ok, k == 1) << "CRC-8 alone proves nothing; the repeated address does";
        EXPECT_NEAR(out[0].duration_s, sim::esb_packet_duration_s(3, payload.size(), 1), 1e-12);
    }
}

TEST(EsbDecoder, NoChecksumDecodeOnNoiseToneBrBleZigbeeOrWifi) {
    auto d = test::make_decoder(Protocol::esb);
    std::mt19937_64 rng(21);
    int false_ok = 0, bursts = 0;
    auto count = [&](const Input& in) {
        std::vector<Packet> out;
        d->decode(in, out);
        for (const auto& p : out) false_ok += p.checksum_ok;
        ++bursts;
    };
    for (int i = 0; i < 200; ++i) count(test::noise_burst((i % 2) ? 10e6 : 4e6, 1e-3, rng).input());
    sim::Waveform tone;
    tone.sample_rate_hz = 10e6;
    for (int i = 0; i < 10000; ++i) tone.samples.push_back(std::polar(1.0f, static_cast<float>(2 * std::numbers::pi * -90e3 * i / 10e6)));
    count(test::impair(tone, 2440e6, Impairments{}, rng).input());
    auto foreign = [&](const sim::Waveform& w, double bw) {
        Impairments imp;
        imp.noise_bandwidth_hz = bw;
        imp.snr_db = 20.0;
        count(test::impair(w, 2440e6, imp, rng).input());
    };
    for (int i = 0; i < 100; ++i) {
        foreign(sim::bt_br_packet(i % 2 ? sim::BtPacket::dh1 : sim::BtPacket::dh3, rng, 10.0), 1e6);
        foreign(sim::ble_packet(static_cast<std::size_t>(i % 60), sim::BlePhy::le1m, i % 40, rng, 10.0), 1e6);
        foreign(sim::ble_packet(static_cast<std::size_t>(i % 60), sim::BlePhy::le2m, i % 40, rng, 5.0), 2e6);
    }
    for (int i = 0; i < 20; ++i) {
        foreign(sim::zigbee_packet(30 + static_cast<std::size_t>(i), rng, 5.0), 2e6);
        foreign(test::decimate(sim::wifi_dsss_ppdu(100, rng), 2), 11e6);
        foreign(test::decimate(sim::wifi_ofdm_ppdu(200, sim::WifiRate::mbps12, rng), 2), 10e6);
    }
    std::printf("ESB false checksum decodes: %d in %d foreign bursts\n", false_ok, bursts);
    EXPECT_EQ(false_ok, 0);
}

TEST(EsbDecoder, RealRecordingsGiveNoEsbPacketWithAChecksum) {
    const std::string dir = std::string(COEX_REAL_CAPTURES) + "/nrf_ble_802154/";
    if (!std::filesystem::exists(dir + "802154_0dBm.dat")) GTEST_SKIP() << "real captures absent";
    auto d = test::make_decoder(Protocol::esb);
    for (const char* f : {"802154_0dBm.dat", "BLE_0dBm.dat", "BLE_802154_0dBm_8dBm_0MHz.dat"}) {
        const auto x = test::read_cf32(dir + f);
        std::vector<Packet> out;
        d->decode(Input{x, 10e6, 2425e6}, out);
        for (const auto& p : out) EXPECT_FALSE(p.checksum_ok) << f << " " << p.device;
    }
}

TEST(EsbDecoder, CostPerMillisecondBurstAt10MSps) {
    std::mt19937_64 rng(8);
    const std::uint8_t address[5] = {0xE7, 0xE7, 0xE7, 0xE7, 0xE7};
    // ESB packets are short (<= 0.33 ms): measure on 1 ms of samples holding one
    Impairments imp;
    imp.snr_db = 20.0;
    imp.margin_before_s = 0.4e-3;
    imp.margin_after_s = 0.3e-3;
    const Burst b = test::impair(sim::esb_packet(address, 32, 0, rng, 10.0), 2440e6, imp, rng);
    auto d = test::make_decoder(Protocol::esb);
    std::vector<Packet> out;
    d->decode(b.input(), out);
    const int reps = 50;
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < reps; ++i) {
        out.clear();
        d->decode(b.input(), out);
    }
    const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / reps;
    std::printf("ESB decoder: %.0f us per 1 ms burst at 10 MS/s (1 and 2 Mb/s tried)\n", us);
    ASSERT_FALSE(out.empty());
    EXPECT_TRUE(out[0].checksum_ok);
}

}  // namespace
}  // namespace coex::decode
