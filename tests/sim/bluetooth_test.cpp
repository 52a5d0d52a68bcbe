// Bluetooth BR and LE generators: timing, GFSK deviation, occupied bandwidth, decode-back.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "coex/sim/bluetooth.hpp"
#include "coex/coding/coding.hpp"
#include "sim_test_util.hpp"

using namespace coex;
using namespace coex::sim;

namespace {

// Bits by the sign of the instantaneous frequency at each symbol centre.
std::vector<std::uint8_t> gfsk_bits(const Waveform& w, double symbol_rate) {
    const double sps = w.sample_rate_hz / symbol_rate;
    const auto n_sym = static_cast<std::size_t>(std::llround(static_cast<double>(w.samples.size()) / sps));
    std::vector<std::uint8_t> bits;
    for (std::size_t k = 0; k < n_sym; ++k) {
        const auto c = static_cast<std::size_t>((static_cast<double>(k) + 0.5) * sps);
        const std::size_t a = c > 0 ? c - 1 : 0, b = std::min(c + 1, w.samples.size() - 1);
        bits.push_back(std::arg(std::complex<double>(w.samples[b]) * std::conj(std::complex<double>(w.samples[a]))) > 0.0);
    }
    return bits;
}

// 99.9th percentile of |instantaneous frequency|.
double peak_deviation(const Waveform& w) {
    auto f = test::fm_discriminator(w.samples, w.sample_rate_hz);
    for (double& v : f) v = std::abs(v);
    std::sort(f.begin(), f.end());
    return f[static_cast<std::size_t>(0.999 * static_cast<double>(f.size() - 1))];
}

}  // namespace

TEST(SimBtBr, PacketDurationsFitTheirSlots) {
    std::mt19937_64 rng(11);
    struct C {
        BtPacket type;
        double us;
    };
    for (const C& c : {C{BtPacket::dh1, 366.0}, C{BtPacket::dh3, 1622.0}, C{BtPacket::dh5, 2870.0}}) {
        const auto w = bt_br_packet(c.type, rng);
        EXPECT_EQ(w.sample_rate_hz, 8e6);
        EXPECT_EQ(w.samples.size(), static_cast<std::size_t>(c.us * 8));
        EXPECT_NEAR(w.duration_s(), c.us * 1e-6, 1e-12);
        EXPECT_NEAR(bt_br_packet_duration_s(c.type, bt_max_payload_bytes(c.type)), c.us * 1e-6, 1e-12);
        EXPECT_NEAR(mean_power(w.samples), 1.0, 1e-4);
    }
    EXPECT_LE(bt_br_packet_duration_s(BtPacket::dh1, 27), 366e-6);
    EXPECT_LE(bt_br_packet_duration_s(BtPacket::dh5, 339), 2870e-6);
    // Shorter payloads, other oversampling.
    const auto w = bt_br_packet(BtPacket::dh3, 10, rng, 4);
    EXPECT_EQ(w.samples.size(), (72u + 54u + 8u * (2u + 10u + 2u)) * 4u);
    EXPECT_THROW(bt_br_packet(BtPacket::dh1, 28, rng), std::exception);
}

TEST(SimBtBr, PeakDeviationIs160kHz) {
    std::mt19937_64 rng(12);
    const auto w = bt_br_packet(BtPacket::dh5, rng);
    const double dev = peak_deviation(w);
    std::printf("BT BR peak deviation (99.9th pct of |f|): %.1f kHz\n", dev / 1e3);
    EXPECT_NEAR(dev, 160e3, 16e3);
    // Fractional oversampling takes the direct (non-tabulated) path and gives the same physics.
    std::mt19937_64 rng2(12);
    const auto w2 = bt_br_packet(BtPacket::dh5, rng2, 6.5);
    EXPECT_NEAR(peak_deviation(w2), dev, 3e3);
}

TEST(SimBtBr, OccupiedBandwidthAbout1MHz) {
    std::mt19937_64 rng(13);
    std::vector<cf32> all;
    for (int i = 0; i < 6; ++i) {
        const auto w = bt_br_packet(BtPacket::dh5, rng);
        all.insert(all.end(), w.samples.begin(), w.samples.end());
    }
    const auto psd = test::welch(all, 8e6, 1024);
    const double obw = test::occupied_bandwidth(psd, 0.99);
    double lo = 0, hi = 0;  // -20 dB bandwidth
    for (std::size_t i = 0; i < psd.nfft; ++i)
        if (psd.p[i] >= 0.01 * psd.peak()) {
            if (lo == 0) lo = psd.freq(i);
            hi = psd.freq(i);
        }
    std::printf("BT BR 99%% occupied bandwidth %.3f MHz, -20 dB bandwidth %.3f MHz\n", obw / 1e6, (hi - lo) / 1e6);
    EXPECT_GT(obw, 0.8e6);
    EXPECT_LT(obw, 1.3e6);
}

TEST(SimBtBr, AccessCodeAndHeaderDecode) {
    std::mt19937_64 rng(14);
    for (BtPacket type : {BtPacket::dh1, BtPacket::dh3, BtPacket::dh5}) {
        const auto w = bt_br_packet(type, rng);
        const auto bits = gfsk_bits(w, 1e6);
        ASSERT_GE(bits.size(), 126u);
        // The sync word carries its LAP in bits 34..57; the whole access code must be the one the
        // standard's construction gives for that LAP.
        std::uint32_t lap = 0;
        for (int i = 0; i < 24; ++i) lap |= static_cast<std::uint32_t>(bits[4 + 34 + static_cast<std::size_t>(i)]) << i;
        const auto ac = coding::bt_access_code(lap);
        EXPECT_TRUE(std::equal(ac.begin(), ac.end(), bits.begin())) << "LAP " << std::hex << lap;
        // Header: 18 bits each sent three times (FEC 1/3).
        for (std::size_t i = 0; i < 18; ++i) {
            EXPECT_EQ(bits[72 + 3 * i], bits[72 + 3 * i + 1]);
            EXPECT_EQ(bits[72 + 3 * i], bits[72 + 3 * i + 2]);
        }
    }
}

TEST(SimBle, PeakDeviationBothPhys) {
    std::mt19937_64 rng(21);
    const auto w1 = ble_packet(37, BlePhy::le1m, 37, rng);
    const auto w2 = ble_packet(37, BlePhy::le2m, 37, rng);
    const double d1 = peak_deviation(w1), d2 = peak_deviation(w2);
    std::printf("BLE peak deviation: 1M %.1f kHz, 2M %.1f kHz\n", d1 / 1e3, d2 / 1e3);
    EXPECT_NEAR(d1, 250e3, 25e3);
    EXPECT_NEAR(d2, 500e3, 50e3);
    EXPECT_EQ(w1.sample_rate_hz, 8e6);
    EXPECT_EQ(w2.sample_rate_hz, 16e6);
}

TEST(SimBle, DurationsAndPhyRatio) {
    std::mt19937_64 rng(22);
    for (std::size_t len : {0u, 20u, 37u, 251u}) {
        const auto w1 = ble_packet(len, BlePhy::le1m, 38, rng);
        const auto w2 = ble_packet(len, BlePhy::le2m, 38, rng);
        const double t1 = 8e-6 * static_cast<double>(1 + 4 + 2 + len + 3);
        const double t2 = 4e-6 * static_cast<double>(2 + 4 + 2 + len + 3);
        EXPECT_NEAR(w1.duration_s(), t1, 1e-12);
        EXPECT_NEAR(w2.duration_s(), t2, 1e-12);
        EXPECT_NEAR(ble_packet_duration_s(len, BlePhy::le1m), t1, 1e-12);
        EXPECT_NEAR(w1.duration_s() / w2.duration_s(), 2.0 * (10.0 + static_cast<double>(len)) / (11.0 + static_cast<double>(len)), 1e-9);
        EXPECT_NEAR(mean_power(w1.samples), 1.0, 1e-4);
    }
    EXPECT_NEAR(ble_packet_duration_s(20, BlePhy::le1m) / ble_packet_duration_s(20, BlePhy::le2m), 240.0 / 124.0, 1e-12);
    EXPECT_THROW(ble_packet(256, BlePhy::le1m, 37, rng), std::exception);
    EXPECT_THROW(ble_packet(10, BlePhy::le1m, 40, rng), std::exception);
}

TEST(SimBle, AdvertisingPacketDecodesWithValidCrc) {
    std::mt19937_64 rng(23);
    for (BlePhy phy : {BlePhy::le1m, BlePhy::le2m}) {
        for (int ch : {37, 38, 39}) {
            const std::size_t len = 6 + static_cast<std::size_t>(ch - 37) * 10;
            const auto w = ble_packet(len, phy, ch, rng);
            const auto bits = gfsk_bits(w, ble_symbol_rate_hz(phy));
            const std::size_t pre = phy == BlePhy::le2m ? 16 : 8;
            ASSERT_EQ(bits.size(), 8 * (pre / 8 + 4 + 2 + len + 3));
            // Preamble 0xAA (LSB first: 0 1 0 1 ...) because the advertising AA's LSB is 0.
            for (std::size_t i = 0; i < pre; ++i) EXPECT_EQ(bits[i], i % 2) << i;
            std::uint32_t aa = 0;
            for (int i = 0; i < 32; ++i) aa |= static_cast<std::uint32_t>(bits[pre + static_cast<std::size_t>(i)]) << i;
            EXPECT_EQ(aa, 0x8E89BED6u);
            // Dewhiten PDU + CRC, check header and CRC.
            const auto white = coding::ble_whitening_sequence(ch, bits.size() - pre - 32);
            coding::Bits pdu(bits.begin() + static_cast<long>(pre) + 32, bits.end());
            for (std::size_t i = 0; i < pdu.size(); ++i) pdu[i] ^= white[i];
            unsigned type = 0, length = 0;
            for (int i = 0; i < 4; ++i) type |= static_cast<unsigned>(pdu[static_cast<std::size_t>(i)]) << i;
            for (int i = 0; i < 8; ++i) length |= static_cast<unsigned>(pdu[8 + static_cast<std::size_t>(i)]) << i;
            EXPECT_EQ(type, 2u);  // ADV_NONCONN_IND
            EXPECT_EQ(length, len);
            const coding::Bits body(pdu.begin(), pdu.end() - 24), crc(pdu.end() - 24, pdu.end());
            coding::Bits expect;
            coding::append_crc_msb_first(expect, coding::ble_crc24(body, 0x555555), 24);
            EXPECT_EQ(crc, expect) << "channel " << ch;
        }
    }
}

TEST(SimBle, DataChannelPacket) {
    std::mt19937_64 rng(24);
    for (int i = 0; i < 10; ++i) {
        const auto w = ble_packet(27, BlePhy::le1m, 5 + i, rng);
        const auto bits = gfsk_bits(w, 1e6);
        std::uint32_t aa = 0;
        for (int b = 0; b < 32; ++b) aa |= static_cast<std::uint32_t>(bits[8 + static_cast<std::size_t>(b)]) << b;
        EXPECT_NE(aa, 0x8E89BED6u);
        EXPECT_NE(bits[7], bits[8]);  // preamble alternates into the access address
        for (int b = 0; b < 7; ++b) EXPECT_NE(bits[static_cast<std::size_t>(b)], bits[static_cast<std::size_t>(b) + 1]);
        const auto white = coding::ble_whitening_sequence(5 + i, 16);
        unsigned llid = 0, length = 0;
        for (int b = 0; b < 2; ++b) llid |= static_cast<unsigned>(bits[40 + static_cast<std::size_t>(b)] ^ white[static_cast<std::size_t>(b)]) << b;
        for (int b = 0; b < 8; ++b) length |= static_cast<unsigned>(bits[48 + static_cast<std::size_t>(b)] ^ white[8 + static_cast<std::size_t>(b)]) << b;
        EXPECT_EQ(llid, 2u);
        EXPECT_EQ(length, 27u);
    }
}
