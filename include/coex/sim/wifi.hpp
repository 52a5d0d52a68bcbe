#pragma once
// IEEE 802.11 PPDU generators: 802.11a/g OFDM (20 MHz) and 802.11b DSSS 1 Mb/s.
#include <cstddef>
#include <cstdint>
#include <random>
#include <span>

#include "coex/sim/waveform.hpp"

namespace coex::sim {

// ---- 802.11a/g OFDM, 20 MHz channel, 20 MS/s ------------------------------------------------
enum class WifiRate { mbps6, mbps9, mbps12, mbps18, mbps24, mbps36, mbps48, mbps54 };

struct WifiRateInfo {
    double mbps;            // data rate
    int n_bpsc;             // coded bits per subcarrier (1, 2, 4, 6)
    int n_cbps;             // coded bits per OFDM symbol (48 x n_bpsc)
    int n_dbps;             // data bits per OFDM symbol
    int code_num, code_den; // convolutional code rate (1/2, 2/3, 3/4)
    std::uint8_t signal_rate_bits;  // RATE field R1..R4, R1 in bit 0
};
const WifiRateInfo& wifi_rate_info(WifiRate rate);

inline constexpr double wifi_ofdm_sample_rate_hz = 20e6;
inline constexpr std::size_t wifi_ofdm_max_psdu_bytes = 4095;

// Number of DATA OFDM symbols: ceil((16 + 8 * psdu_bytes + 6) / N_DBPS).
std::size_t wifi_ofdm_n_sym(std::size_t psdu_bytes, WifiRate rate);
// 20 us (L-STF 8 + L-LTF 8 + L-SIG 4) + 4 us x N_SYM.
double wifi_ofdm_ppdu_duration_s(std::size_t psdu_bytes, WifiRate rate);

// Non-HT PPDU: L-STF (10 x 16 samples), L-LTF (32-sample GI2 + 2 x 64), L-SIG (BPSK r=1/2, not
// scrambled), DATA (SERVICE 16 zero bits + PSDU + 6 tail + pad, scrambled, K=7 code, punctured,
// interleaved, mapped, 48 data + 4 pilot subcarriers, 64-point IFFT, 16-sample CP). No time-domain
// windowing between symbols (each CP is an exact copy of its symbol's last 16 samples).
// Random PSDU bytes and a random nonzero scrambler seed are drawn from rng. 20 MS/s, power 1.0.
// psdu_bytes must be 1..4095 (ConfigError otherwise).
Waveform wifi_ofdm_ppdu(std::size_t psdu_bytes, WifiRate rate, std::mt19937_64& rng);
// Same with a given PSDU and scrambler seed (1..127; the x7..x1 register, x1 in bit 0).
Waveform wifi_ofdm_ppdu(std::span<const std::uint8_t> psdu, WifiRate rate, std::uint8_t scrambler_seed);

// ---- 802.11b DSSS, 1 Mb/s DBPSK, long preamble -----------------------------------------------
inline constexpr double wifi_dsss_chip_rate_hz = 11e6;
inline constexpr double wifi_dsss_sample_rate_hz = 22e6;  // 2 samples per chip
inline constexpr std::size_t wifi_dsss_max_psdu_bytes = 4095;

// 192 us PLCP (144-bit preamble + 48-bit header at 1 Mb/s) + 8 us per PSDU octet.
double wifi_dsss_ppdu_duration_s(std::size_t psdu_bytes);

// Long PLCP preamble (SYNC: 128 ones, SFD 0xF3A0), PLCP header (SIGNAL 0x0A, SERVICE 0x00,
// LENGTH in us, CRC-16), PSDU (random bytes from rng); all scrambled with the self-synchronising
// x^7+x^4+1 scrambler (random nonzero initial state from rng), DBPSK, each bit spread by Barker-11
// at 11 Mchip/s. Chip pulse: root-raised-cosine, roll-off 1.0 (so the spectrum is the single main
// lobe 0.5(1+cos(pi f / 11 MHz)), nulls at +-11 MHz), truncated to +-4 chips, at 2 samples/chip
// = 22 MS/s. psdu_bytes must be 1..4095. Power 1.0.
Waveform wifi_dsss_ppdu(std::size_t psdu_bytes, std::mt19937_64& rng);

}  // namespace coex::sim
