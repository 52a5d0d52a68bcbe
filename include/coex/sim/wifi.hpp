#pragma once
// IEEE 802.11 PPDU generators: 802.11a/g OFDM (20 MHz) and 802.11b DSSS 1 Mb/s.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <span>

#include "coex/coding/coding.hpp"
#include "coex/sim/waveform.hpp"

namespace coex::sim {

// ---- 802.11a/g OFDM, 20 MHz channel, 20 MS/s ------------------------------------------------
enum class WifiRate { mbps6, mbps9, mbps12, mbps18, mbps24, mbps36, mbps48, mbps54 };

using WifiRateInfo = coding::WifiLegacyRate;
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

// ---- 802.11n HT-mixed format, one spatial stream, BCC, 800 ns guard interval -----------------
enum class HtWidth { ht20, ht40 };

struct HtMcsInfo {
    int n_bpsc;             // coded bits per subcarrier
    int code_num, code_den; // 1/2, 2/3, 3/4, 5/6
    int n_sd;               // data subcarriers: 52 (20 MHz) or 108 (40 MHz)
    int n_cbps, n_dbps;     // coded / data bits per OFDM symbol
    double mbps;            // data rate
};
// MCS 0..7 (ConfigError otherwise).
HtMcsInfo wifi_ht_mcs_info(int mcs, HtWidth width);

inline constexpr std::size_t wifi_ht_max_psdu_bytes = 65535;
double wifi_ht_sample_rate_hz(HtWidth width);  // 20e6 or 40e6
std::size_t wifi_ht_n_sym(std::size_t psdu_bytes, int mcs, HtWidth width);
// L-STF 8 + L-LTF 8 + L-SIG 4 + HT-SIG 8 + HT-STF 4 + HT-LTF 4 us, then 4 us per DATA symbol.
double wifi_ht_ppdu_duration_s(std::size_t psdu_bytes, int mcs, HtWidth width);

// HT-mixed PPDU (802.11n clause 19/20). The legacy part (L-STF, L-LTF, L-SIG with RATE 6 Mb/s and
// the LENGTH that spoofs the PPDU's duration) and HT-SIG (48 bits: MCS, CBW 20/40, HT length,
// smoothing, not sounding, reserved, aggregation, STBC 0, BCC, long GI, no extension streams,
// CRC-8, tail; BPSK rate 1/2 rotated by 90 degrees, QBPSK) are the 20 MHz fields, duplicated on both
// 20 MHz halves at 40 MHz with the upper half rotated by +90 degrees. Then HT-STF, one HT-LTF
// (the 56- or 114-tone sequences) and DATA: SERVICE + PSDU + tail + pad scrambled, K=7 code,
// punctured, HT interleaver, 52 or 108 data subcarriers, pilots {1,1,1,-1} / {1,1,1,-1,-1,1}
// cycling per symbol times the polarity p_{n+3}; 64- or 128-point IFFT, CP 1/4. At 40 MHz the +90
// degree rotation of the upper half applies to every field. Every field has the same mean power.
// PPDUs longer than the L-SIG can express (5.484 ms) are refused. Power 1.0.
Waveform wifi_ht_ppdu(std::span<const std::uint8_t> psdu, int mcs, HtWidth width, std::uint8_t scrambler_seed,
                      bool aggregation = false);
// Random PSDU bytes and scrambler seed from rng.
Waveform wifi_ht_ppdu(std::size_t psdu_bytes, int mcs, HtWidth width, std::mt19937_64& rng, bool aggregation = false);

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

// ---- 802.11b DSSS with a given PSDU: long or short PLCP preamble, 1 or 2 Mb/s ----------------
enum class WifiDsssRate { mbps1, mbps2 };

struct WifiDsssOptions {
    // Short PLCP preamble (HR/DSSS): SYNC = 56 scrambled zeros, SFD 0x05CF, both at 1 Mb/s DBPSK,
    // then the PLCP header at 2 Mb/s DQPSK. The short preamble carries no 1 Mb/s PSDU.
    bool short_preamble = false;
    WifiDsssRate rate = WifiDsssRate::mbps1;  // PSDU rate: DBPSK or DQPSK, Barker-11 spread either way
    // Scrambler register (the state argument of coding::dsss_scramble); the standard's seeds read as
    // binary literals: long preamble 1101100, short preamble 0011011. nullopt picks that one.
    std::optional<std::uint8_t> scrambler_state;
    double carrier_phase_rad = 0.0;
};

// 192 us (long) or 96 us (short) of PLCP preamble and header, then 8 / rate us per PSDU octet.
double wifi_dsss_ppdu_duration_s(std::size_t psdu_bytes, const WifiDsssOptions& options);

// The PPDU of a given PSDU (1..4095 octets; for beacons and ACKs pass the frame with its FCS):
// preamble, PLCP header (SIGNAL 0x0A or 0x14, SERVICE 0, LENGTH = duration of the PSDU in us,
// CRC-16) and PSDU, all scrambled by one continuous x^7+x^4+1 scrambler. DBPSK: a '1' advances the
// carrier phase by pi. DQPSK (2 Mb/s): dibits (d0 first in time) 00, 01, 11, 10 advance it by
// 0, pi/2, pi, 3pi/2 (counterclockwise), the reference being the preceding symbol whatever its
// modulation. Same spreading, chip pulse and 22 MS/s as above; power 1.0. ConfigError for an empty
// or too long PSDU and for the short preamble with a 1 Mb/s PSDU.
Waveform wifi_dsss_ppdu(std::span<const std::uint8_t> psdu, const WifiDsssOptions& options);

}  // namespace coex::sim
