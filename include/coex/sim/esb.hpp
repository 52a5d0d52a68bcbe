#pragma once
// Nordic Enhanced ShockBurst (ESB), the framing of nRF24L01+-style proprietary links (wireless mice
// and keyboards, game pads, toy remotes): nRF24L01+ Product Specification v1.0, section 7.3.
//   preamble  1 byte, alternating bits, starting with the address's first bit (0xAA or 0x55)
//   address   3–5 bytes
//   PCF       9 bits: payload length (6), PID (2), NO_ACK (1)
//   payload   0–32 bytes
//   CRC       2 bytes (x^16 + x^12 + x^5 + 1, initial 0xFFFF) or 1 byte (x^8 + x^2 + x + 1,
//             initial 0xFF), over address, PCF and payload
// Every field is sent most significant bit first. At 1 Mb/s: GFSK, BT 0.5, ±160 kHz deviation — the
// modulation of Bluetooth BR, which is why these links look like it.
#include "coex/coding/coding.hpp"
#include "coex/sim/waveform.hpp"

#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace coex::sim {

inline constexpr double esb_symbol_rate_hz = 1e6;
inline constexpr double esb_mod_index = 0.32;  // ±160 kHz at 1 Mb/s
inline constexpr std::size_t esb_max_payload_bytes = 32;

// CRC-16/CCITT-FALSE over whole bits (MSB-first bit order, as the radio shifts them).
std::uint16_t esb_crc16(std::span<const std::uint8_t> bits);
// CRC-8 (x^8 + x^2 + x + 1, initial 0xFF) over bits.
std::uint8_t esb_crc8(std::span<const std::uint8_t> bits);

// The packet's bits, preamble to CRC. address: 3–5 bytes; payload ≤ 32 bytes; pid 0–3; crc_bytes 1 or
// 2 (ConfigError otherwise).
coding::Bits esb_frame_bits(std::span<const std::uint8_t> address, std::span<const std::uint8_t> payload, int pid, bool no_ack,
                    int crc_bytes = 2);
// Air time at 1 Mb/s, or at symbol_rate_hz (the nRF24L01+'s 2 Mb/s mode).
double esb_packet_duration_s(std::size_t address_bytes, std::size_t payload_bytes, int crc_bytes = 2,
                             double symbol_rate_hz = esb_symbol_rate_hz);

// One packet with a random payload of payload_bytes, GFSK at samples_per_symbol × symbol_rate_hz,
// power 1.0. symbol_rate_hz 1e6 (±160 kHz) or 2e6 (the 2 Mb/s mode: same index, ±320 kHz).
Waveform esb_packet(std::span<const std::uint8_t> address, std::size_t payload_bytes, int pid, std::mt19937_64& rng,
                    double samples_per_symbol = 4.0, double symbol_rate_hz = esb_symbol_rate_hz);

}  // namespace coex::sim
