// Enhanced ShockBurst framing against the nRF24L01+ specification (section 7.3) and the standard check
// values of its CRCs; the waveform's deviation measured on its samples.
#include "coex/sim/esb.hpp"
#include "coex/core/error.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <numbers>
#include <string>

namespace coex::sim {
namespace {

coding::Bits msb_bits(const std::string& text) {
    coding::Bits out;
    for (const unsigned char c : text)
        for (int i = 7; i >= 0; --i) out.push_back(static_cast<std::uint8_t>((c >> i) & 1u));
    return out;
}

std::uint32_t read_msb(const coding::Bits& bits, std::size_t at, int width) {
    std::uint32_t v = 0;
    for (int i = 0; i < width; ++i) v = (v << 1) | bits[at + static_cast<std::size_t>(i)];
    return v;
}

TEST(Esb, CrcsGiveTheStandardCheckValues) {
    // "123456789": CRC-16/CCITT-FALSE's published check value; for the 8-bit CRC (x^8 + x^2 + x + 1,
    // initial 0xFF, no reflection, no final xor) the value a separate table-free computation gives
    EXPECT_EQ(esb_crc16(msb_bits("123456789")), 0x29B1);
    EXPECT_EQ(esb_crc8(msb_bits("123456789")), 0xFB);
}

TEST(Esb, FrameHoldsPreambleAddressControlFieldPayloadAndCrc) {
    const std::uint8_t address[5] = {0xE7, 0xE7, 0xE7, 0xE7, 0xE7};  // the nRF24L01+ reset address
    const std::uint8_t payload[3] = {0x01, 0x02, 0x03};
    const auto bits = esb_frame_bits(address, payload, 2, false);
    ASSERT_EQ(bits.size(), 8u + 40u + 9u + 24u + 16u);
    EXPECT_EQ(read_msb(bits, 0, 8), 0xAAu) << "the address starts with a 1: preamble 10101010";
    for (int i = 0; i < 5; ++i) EXPECT_EQ(read_msb(bits, 8 + 8 * static_cast<std::size_t>(i), 8), 0xE7u);
    EXPECT_EQ(read_msb(bits, 48, 6), 3u);  // payload length
    EXPECT_EQ(read_msb(bits, 54, 2), 2u);  // PID
    EXPECT_EQ(read_msb(bits, 56, 1), 0u);  // NO_ACK
    EXPECT_EQ(read_msb(bits, 57, 24), 0x010203u);
    const coding::Bits covered(bits.begin() + 8, bits.end() - 16);
    EXPECT_EQ(read_msb(bits, bits.size() - 16, 16), esb_crc16(covered));
    // a 0 first address bit: preamble 01010101; a 1-byte CRC
    const std::uint8_t low[3] = {0x12, 0x34, 0x56};
    const auto short_frame = esb_frame_bits(low, {}, 0, true, 1);
    EXPECT_EQ(read_msb(short_frame, 0, 8), 0x55u);
    EXPECT_EQ(short_frame.size(), 8u + 24u + 9u + 8u);
    EXPECT_EQ(read_msb(short_frame, 32 + 8, 1), 1u);  // NO_ACK
    EXPECT_DOUBLE_EQ(esb_packet_duration_s(5, 8), (8 + 40 + 9 + 64 + 16) * 1e-6);
    EXPECT_THROW((void)esb_frame_bits(std::span<const std::uint8_t>(address, 2), payload, 0, false), InputError);
}

TEST(Esb, PacketIsGfskAtTheDeviationOfBluetoothBasicRate) {
    std::mt19937_64 rng(7);
    const std::uint8_t address[5] = {0xC2, 0x19, 0x7A, 0x33, 0x05};
    const Waveform w = esb_packet(address, 16, 1, rng, 8.0);
    ASSERT_DOUBLE_EQ(w.sample_rate_hz, 8e6);
    ASSERT_EQ(w.samples.size(), static_cast<std::size_t>(std::lround(esb_packet_duration_s(5, 16) * 8e6)));
    // instantaneous frequency: its extremes sit at the ±160 kHz peak deviation
    double peak = 0.0;
    for (std::size_t n = 1; n < w.samples.size(); ++n) {
        const double f = std::arg(std::complex<double>(w.samples[n]) * std::conj(std::complex<double>(w.samples[n - 1]))) *
                         w.sample_rate_hz / (2.0 * std::numbers::pi);
        peak = std::max(peak, std::abs(f));
        EXPECT_NEAR(std::abs(w.samples[n]), 1.0, 1e-3);  // constant envelope
    }
    EXPECT_NEAR(peak, 160e3, 10e3);
}

}  // namespace
}  // namespace coex::sim
