// IEEE 802.11b (clause 15 DSSS, clause 16 HR/DSSS) PPDUs: long or short PLCP preamble, DBPSK 1 Mb/s
// or DQPSK 2 Mb/s PSDU, Barker-11 spread.
#include <cmath>

#include "coex/core/error.hpp"
#include "coex/coding/coding.hpp"
#include "coex/sim/wifi.hpp"
#include "dsp.hpp"

namespace coex::sim {
namespace {

constexpr double kPi = 3.14159265358979323846;

// Carrier phase advance, in quarter turns, of a DQPSK dibit (d0 first in time): 00 -> 0, 01 -> pi/2,
// 11 -> pi, 10 -> 3pi/2 (802.11 Table 15-3/16-3 "DQPSK encoding table").
int dqpsk_quarter_turns(std::uint8_t d0, std::uint8_t d1) {
    static constexpr int table[2][2] = {{0, 1}, {3, 2}};
    return table[d0 & 1u][d1 & 1u];
}

// Scrambled bits -> 22 MS/s waveform. The first `n_dbpsk` bits are DBPSK symbols, the rest DQPSK
// dibits. Each symbol is Barker-11 spread; chip pulse RRC (roll-off 1, +-4 chips), 2 samples/chip,
// chip i peaks at sample 2i + 1; then the carrier phase theta, power 1.
Waveform dsss_modulate(const coding::Bits& scrambled, std::size_t n_dbpsk, double theta) {
    using coding::barker11;
    const std::size_t n_dqpsk = (scrambled.size() - n_dbpsk) / 2;
    const std::size_t n_symbols = n_dbpsk + n_dqpsk;
    const std::size_t n_chips = n_symbols * barker11.size();
    // Chip values as exact quarter-turn phasors (re, im in {-1, 0, 1}).
    std::vector<float> chip_re(n_chips), chip_im(n_chips);
    static constexpr float quarter_re[4] = {1.0f, 0.0f, -1.0f, 0.0f};
    static constexpr float quarter_im[4] = {0.0f, 1.0f, 0.0f, -1.0f};
    int quarter = 0;
    for (std::size_t s = 0; s < n_symbols; ++s) {
        if (s < n_dbpsk) {
            if (scrambled[s]) quarter = (quarter + 2) & 3;
        } else {
            const std::size_t b = n_dbpsk + 2 * (s - n_dbpsk);
            quarter = (quarter + dqpsk_quarter_turns(scrambled[b], scrambled[b + 1])) & 3;
        }
        for (std::size_t c = 0; c < barker11.size(); ++c) {
            const auto chip = static_cast<float>(barker11[c]);
            chip_re[s * barker11.size() + c] = quarter_re[quarter] * chip;
            chip_im[s * barker11.size() + c] = quarter_im[quarter] * chip;
        }
    }

    constexpr int sps = 2, half_span = 4 * sps;
    float taps[2 * half_span + 1];
    for (int m = -half_span; m <= half_span; ++m) taps[m + half_span] = static_cast<float>(detail::rrc(static_cast<double>(m) / sps, 1.0));

    Waveform w;
    w.sample_rate_hz = wifi_dsss_sample_rate_hz;
    w.samples.assign(n_chips * sps, cf32{0.0f, 0.0f});
    const auto n_out = static_cast<long>(w.samples.size());
    for (std::size_t i = 0; i < n_chips; ++i) {
        const long centre = static_cast<long>(i) * sps + 1;
        for (int m = -half_span; m <= half_span; ++m) {
            const long n = centre + m;
            if (n >= 0 && n < n_out)
                w.samples[static_cast<std::size_t>(n)] += cf32{chip_re[i] * taps[m + half_span], chip_im[i] * taps[m + half_span]};
        }
    }
    const cf32 rot{static_cast<float>(std::cos(theta)), static_cast<float>(std::sin(theta))};
    for (cf32& v : w.samples) v *= rot;
    detail::normalize_power(w.samples);
    return w;
}

void check_psdu_size(std::size_t psdu_bytes) {
    if (psdu_bytes == 0 || psdu_bytes > wifi_dsss_max_psdu_bytes) throw ConfigError("802.11b PSDU must be 1..4095 bytes");
}

// PLCP header: SIGNAL, SERVICE, LENGTH (us), CRC-16, each field LSB first.
coding::Bits plcp_header(std::uint8_t signal, std::uint32_t length_us) {
    coding::Bits header;
    coding::append_bits_lsb(header, signal, 8);
    coding::append_bits_lsb(header, 0x00u, 8);
    coding::append_bits_lsb(header, length_us, 16);
    const coding::Bits crc = coding::dsss_plcp_crc(header);
    header.insert(header.end(), crc.begin(), crc.end());
    return header;
}

}  // namespace

double wifi_dsss_ppdu_duration_s(std::size_t psdu_bytes) {
    return 192e-6 + 8e-6 * static_cast<double>(psdu_bytes);
}

double wifi_dsss_ppdu_duration_s(std::size_t psdu_bytes, const WifiDsssOptions& options) {
    const double per_octet = options.rate == WifiDsssRate::mbps1 ? 8e-6 : 4e-6;
    return (options.short_preamble ? 96e-6 : 192e-6) + per_octet * static_cast<double>(psdu_bytes);
}

Waveform wifi_dsss_ppdu(std::size_t psdu_bytes, std::mt19937_64& rng) {
    using namespace coding;
    check_psdu_size(psdu_bytes);
    const auto scrambler_state = static_cast<std::uint8_t>(detail::draw_uint(rng, 1, 127));
    std::vector<std::uint8_t> psdu(psdu_bytes);
    detail::fill_random_bytes(rng, psdu);

    // PLCP preamble: SYNC (128 ones) + SFD 0xF3A0, both LSB first; header (SIGNAL 0x0A = 1 Mb/s).
    Bits bits(128, 1);
    append_bits_lsb(bits, 0xF3A0u, 16);
    const Bits header = plcp_header(0x0A, static_cast<std::uint32_t>(8u * psdu_bytes));
    bits.insert(bits.end(), header.begin(), header.end());
    const Bits payload = bytes_to_bits_lsb(psdu);
    bits.insert(bits.end(), payload.begin(), payload.end());
    const Bits scrambled = dsss_scramble(bits, scrambler_state);
    // Arbitrary carrier phase (otherwise the 1 Mb/s signal would be purely real).
    const double theta = 2.0 * kPi * static_cast<double>(rng() >> 11) * 0x1.0p-53;
    return dsss_modulate(scrambled, scrambled.size(), theta);
}

Waveform wifi_dsss_ppdu(std::span<const std::uint8_t> psdu, const WifiDsssOptions& options) {
    using namespace coding;
    check_psdu_size(psdu.size());
    const bool two_mbps = options.rate == WifiDsssRate::mbps2;
    if (options.short_preamble && !two_mbps) throw ConfigError("802.11b short PLCP preamble needs a 2 Mb/s (or faster) PSDU");

    Bits bits;
    if (options.short_preamble) {
        bits.assign(56, 0);                // SYNC: 56 zeros
        append_bits_lsb(bits, 0x05CFu, 16);  // SFD, LSB first
    } else {
        bits.assign(128, 1);               // SYNC: 128 ones
        append_bits_lsb(bits, 0xF3A0u, 16);
    }
    const std::size_t length_us = psdu.size() * (two_mbps ? 4u : 8u);
    const Bits header = plcp_header(two_mbps ? 0x14 : 0x0A, static_cast<std::uint32_t>(length_us));
    bits.insert(bits.end(), header.begin(), header.end());
    // Bits sent at 1 Mb/s DBPSK: the preamble, and the header too with the long preamble.
    const std::size_t n_dbpsk = options.short_preamble ? bits.size() - header.size() : bits.size();
    const std::size_t n_dbpsk_total = two_mbps ? n_dbpsk : n_dbpsk + 8 * psdu.size();
    const Bits payload = bytes_to_bits_lsb(psdu);
    bits.insert(bits.end(), payload.begin(), payload.end());

    const std::uint8_t seed = options.scrambler_state.value_or(options.short_preamble ? 0b0011011 : 0b1101100);
    const Bits scrambled = dsss_scramble(bits, seed);
    return dsss_modulate(scrambled, n_dbpsk_total, options.carrier_phase_rad);
}

}  // namespace coex::sim
