#pragma once
// IEEE 802.15.4 2.4 GHz O-QPSK PHY (the Zigbee/Thread radio).
#include <cstddef>
#include <cstdint>
#include <random>
#include <span>

#include "coex/sim/waveform.hpp"

namespace coex::sim {

inline constexpr double zigbee_chip_rate_hz = 2e6;
inline constexpr std::size_t zigbee_max_psdu_bytes = 127;

// SHR (8 + 2 symbols) + PHR (2 symbols) + 2 symbols per PSDU octet, 16 us per symbol, plus the
// half-chip offset of Q at the end (0.5 us).
double zigbee_packet_duration_s(std::size_t psdu_bytes);

// 250 kb/s: each octet as two 4-bit symbols (low nibble first), each symbol -> its 32-chip PN
// sequence, 2 Mchip/s; even chips on I, odd chips on Q, each a half-sine pulse of 2 chip periods,
// Q delayed by one chip period (so the envelope is constant except the first and last chip period).
// SHR = 4 zero octets + SFD 0xA7, PHR = frame length (7 bits + reserved 0), PSDU = random bytes with
// a valid FCS in the last two octets when psdu_bytes >= 2. psdu_bytes 1..127 (ConfigError
// otherwise). Sample rate = samples_per_chip x 2 MHz (samples_per_chip >= 2, may be fractional).
// Power 1.0.
Waveform zigbee_packet(std::size_t psdu_bytes, std::mt19937_64& rng, double samples_per_chip = 4);
// The same PHY around a given PSDU (1..127 octets, sent as they are: the caller supplies the FCS), for
// known MAC frames. zigbee_packet(n, rng, spc) is this applied to its random PSDU.
Waveform zigbee_packet(std::span<const std::uint8_t> psdu, double samples_per_chip = 4);

}  // namespace coex::sim
