#pragma once
// Bluetooth BR (basic rate) and Bluetooth LE packet generators (GFSK).
#include <cstddef>
#include <array>
#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include "coex/sim/waveform.hpp"

namespace coex::sim {

// ---- Bluetooth BR ------------------------------------------------------------------------------
// GFSK, BT = 0.5, modulation index 0.32 (+-160 kHz peak deviation), 1 Msym/s, '1' = positive
// frequency. Bits: access code (72: preamble, sync word built from a random LAP with the standard
// BCH construction, trailer), 54-bit header (LT_ADDR, TYPE, FLOW, ARQN, SEQN, HEC over the 10 bits
// with a random UAP; whitened, then FEC 1/3), payload (payload header, random body, CRC-16;
// whitened with a random CLK6-1). No power ramps in the waveform (add_bursts applies them: Burst::ramp_s).
enum class BtPacket { dh1, dh3, dh5 };

inline constexpr double bt_symbol_rate_hz = 1e6;
inline constexpr double bt_br_mod_index = 0.32;

// Largest user payload of a type: DH1 27, DH3 183, DH5 339 bytes.
std::size_t bt_max_payload_bytes(BtPacket type);
// 72 + 54 + 8 x (payload header (1 byte for DH1, 2 otherwise) + payload + 2 CRC) us.
double bt_br_packet_duration_s(BtPacket type, std::size_t payload_bytes);

// Full-length packet (bt_max_payload_bytes(type) random bytes): DH1 366 us, DH3 1622 us, DH5 2870 us.
// samples_per_symbol >= 2 (may be fractional); sample rate = samples_per_symbol x 1 MHz. Power 1.0.
Waveform bt_br_packet(BtPacket type, std::mt19937_64& rng, double samples_per_symbol = 8);
// Same with a chosen payload length 0..bt_max_payload_bytes(type) (ConfigError otherwise).
Waveform bt_br_packet(BtPacket type, std::size_t payload_bytes, std::mt19937_64& rng,
                      double samples_per_symbol = 8);
// The parts of a device address the air carries: the LAP (24 bits) builds the access code, the UAP
// presets the HEC and the payload CRC.
struct BtBrAddress {
    std::uint32_t lap = 0;
    std::uint8_t uap = 0;
};
// Same with a chosen LAP and UAP (ConfigError for a LAP beyond 24 bits); the clock, LT_ADDR, ARQN/SEQN
// and the payload are drawn from rng as above. The overloads without an address draw the LAP, then
// the UAP, then call this one.
Waveform bt_br_packet(BtPacket type, std::size_t payload_bytes, BtBrAddress address, std::mt19937_64& rng,
                      double samples_per_symbol = 8);

// ---- Bluetooth LE --------------------------------------------------------------------------------
// GFSK, BT = 0.5, modulation index 0.5 (+-250 kHz at 1M, +-500 kHz at 2M). Bits: preamble (1 byte
// at 1M, 2 bytes at 2M, alternating, ending opposite to the access address LSB), access address,
// PDU (2-byte header + payload_bytes), CRC-24; PDU and CRC whitened with the channel index.
// Advertising channels (37, 38, 39) use access address 0x8E89BED6, CRC init 0x555555 and an
// ADV_NONCONN_IND header (payload = AdvA + AdvData, random bytes; a legal legacy advert has 6..37,
// longer values are generated anyway); data channels (0..36) use a random access address and CRC
// init and an LL data PDU header (LLID 2).
enum class BlePhy { le1m, le2m };

inline constexpr double ble_mod_index = 0.5;
inline constexpr std::size_t ble_max_payload_bytes = 255;

double ble_symbol_rate_hz(BlePhy phy);  // 1e6 or 2e6
// (preamble + 4 + 2 + payload_bytes + 3) bytes x 8 symbols / symbol rate.
double ble_packet_duration_s(std::size_t payload_bytes, BlePhy phy);

// payload_bytes 0..255, channel_index 0..39 (ConfigError otherwise). Sample rate =
// samples_per_symbol x symbol rate. Power 1.0.
Waveform ble_packet(std::size_t payload_bytes, BlePhy phy, int channel_index, std::mt19937_64& rng,
                    double samples_per_symbol = 8);

// Who sends: an advertiser's AdvA (the first 6 payload octets, least significant octet first, TxAdd
// from `random_address`), a connection's access address and CRC init. What is unset is drawn from rng
// as the overload above does (which calls this one with nothing set).
struct BleIdentity {
    std::optional<std::array<std::uint8_t, 6>> adv_address;  // as sent (LSB first)
    bool random_address = true;
    std::optional<std::uint32_t> access_address, crc_init;
};
Waveform ble_packet(std::size_t payload_bytes, BlePhy phy, int channel_index, const BleIdentity& identity, std::mt19937_64& rng,
                    double samples_per_symbol = 8);

// ---- shared GFSK modulator -----------------------------------------------------------------------
// Continuous-phase GFSK of bits (0/1, '1' = +deviation): NRZ through a Gaussian filter of the given
// BT (truncated to +-2 symbols), peak deviation mod_index x symbol_rate / 2, phase integrated with
// the trapezoidal rule starting at 0. Output has round(bits x samples_per_symbol) samples.
Waveform gfsk_modulate(const std::vector<std::uint8_t>& bits, double symbol_rate_hz, double bt,
                       double mod_index, double samples_per_symbol);

}  // namespace coex::sim
