#pragma once
// Emitters that share a PHY or a spectral shape with the classes coex knows, without being one of
// them: the look-alikes real rooms hold (docs/scenes.md gives the devices and sources).
//   - an OFDM video/control downlink with LTE's numerology, as drones' video links use;
//   - an analog FM video sender (2.4 GHz "AV sender", baby camera), a continuous carrier;
//   - a toy remote's fixed-frequency 1 Mb/s 2-FSK, whitened, with neither ESB nor BLE framing.
#include <cstddef>
#include <cstdint>
#include <random>
#include <span>

#include "coex/coding/coding.hpp"
#include "coex/sim/waveform.hpp"

namespace coex::sim {

// ---- OFDM with LTE numerology (3GPP TS 36.211 §6.12, Table 6.12-1; TS 36.104 Table 5.6-1) ----------
// 15 kHz subcarrier spacing (useful symbol 1/15 kHz = 66.7 µs), normal cyclic prefix: 160 samples of
// 2048 for the first symbol of each 0.5 ms slot, 144 for the other six. A 10 MHz channel uses 600
// subcarriers (9 MHz) at 15.36 MS/s (1024-point IFFT), 20 MHz 1200 (18 MHz) at 30.72 MS/s (2048).
inline constexpr double lte_subcarrier_spacing_hz = 15e3;
inline constexpr double lte_slot_s = 0.5e-3;
struct LteNumerology {
    std::size_t fft_size = 1024;
    std::size_t used_subcarriers = 600;  // half below, half above the (unused) DC subcarrier
    std::size_t cp_first = 80, cp_other = 72;  // samples, at sample_rate_hz
    [[nodiscard]] double sample_rate_hz() const { return lte_subcarrier_spacing_hz * static_cast<double>(fft_size); }
    [[nodiscard]] double occupied_hz() const { return lte_subcarrier_spacing_hz * static_cast<double>(used_subcarriers + 1); }
};
// The numerology of a 10 or 20 MHz channel (ConfigError otherwise).
LteNumerology lte_numerology(int channel_mhz);

// duration_s of OFDM symbols back to back, slot after slot, every used subcarrier carrying random
// QPSK (bits_per_symbol 2) or 16-QAM (4) (ConfigError otherwise), at the numerology's own rate.
// Mean power 1.0.
Waveform lte_ofdm(const LteNumerology& numerology, double duration_s, int bits_per_symbol, std::mt19937_64& rng);

// ---- analog FM video ------------------------------------------------------------------------------
// A composite video signal (625 lines at 25 frames/s: 64 µs lines with a 4.7 µs sync pulse, 12 µs of
// blanking, then random picture content band-limited to ~5 MHz) with a 6.5 MHz FM sound subcarrier,
// frequency-modulating a carrier by ±peak_deviation_hz (sync tip at −peak, peak white at +peak).
// Carson's rule gives 2 × (4 + 5) ≈ 18 MHz for the default ±4 MHz. At 40 MS/s; mean power 1.0.
inline constexpr double fm_video_line_s = 64e-6;
Waveform fm_video(double duration_s, double peak_deviation_hz, std::mt19937_64& rng);

// ---- a toy remote's 2-FSK ---------------------------------------------------------------------------
// A packet as many toy and RC transmitters send it (fixed-frequency 1 Mb/s transceivers of the
// LT8900 / A7105 / XN297 kind): a 3-byte 0xAA preamble, a 32-bit sync word, then payload and a CRC-16
// whitened by the 9-bit PN sequence x^9 + x^5 + 1 (seed 0x1FF) — no ESB or BLE framing, so no decoder
// here proves it. Nearly rectangular 2-FSK (BT 3) at 1 Mb/s, ±deviation_hz. Mean power 1.0.
inline constexpr double toy_fsk_symbol_rate_hz = 1e6;
coding::Bits toy_fsk_bits(std::uint32_t sync_word, std::span<const std::uint8_t> payload);
double toy_fsk_packet_duration_s(std::size_t payload_bytes);
Waveform toy_fsk_packet(std::uint32_t sync_word, std::size_t payload_bytes, double deviation_hz, std::mt19937_64& rng,
                        double samples_per_symbol = 4.0);

}  // namespace coex::sim
