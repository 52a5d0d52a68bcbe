// IEEE 802.11b (clause 16/15 DSSS) 1 Mb/s PPDU with the long PLCP preamble.
#include <cmath>

#include "coex/core/error.hpp"
#include "coex/coding/coding.hpp"
#include "coex/sim/wifi.hpp"
#include "dsp.hpp"

namespace coex::sim {

double wifi_dsss_ppdu_duration_s(std::size_t psdu_bytes) {
    return 192e-6 + 8e-6 * static_cast<double>(psdu_bytes);
}

Waveform wifi_dsss_ppdu(std::size_t psdu_bytes, std::mt19937_64& rng) {
    using namespace coding;
    if (psdu_bytes == 0 || psdu_bytes > wifi_dsss_max_psdu_bytes) throw ConfigError("802.11b PSDU must be 1..4095 bytes");
    const auto scrambler_state = static_cast<std::uint8_t>(detail::draw_uint(rng, 1, 127));
    std::vector<std::uint8_t> psdu(psdu_bytes);
    detail::fill_random_bytes(rng, psdu);

    // PLCP preamble: SYNC (128 ones) + SFD 0xF3A0, both LSB first.
    Bits bits(128, 1);
    append_bits_lsb(bits, 0xF3A0u, 16);
    // PLCP header: SIGNAL (0x0A = 1 Mb/s), SERVICE (0), LENGTH (us), CRC-16.
    Bits header;
    append_bits_lsb(header, 0x0Au, 8);
    append_bits_lsb(header, 0x00u, 8);
    append_bits_lsb(header, 8u * psdu_bytes, 16);
    const Bits crc = dsss_plcp_crc(header);
    bits.insert(bits.end(), header.begin(), header.end());
    bits.insert(bits.end(), crc.begin(), crc.end());
    const Bits payload = bytes_to_bits_lsb(psdu);
    bits.insert(bits.end(), payload.begin(), payload.end());
    const Bits scrambled = dsss_scramble(bits, scrambler_state);

    // DBPSK: a '1' flips the phase. Barker-11 spreading.
    const std::size_t n_chips = scrambled.size() * barker11.size();
    std::vector<float> chips(n_chips);
    float sym = 1.0f;
    for (std::size_t i = 0; i < scrambled.size(); ++i) {
        if (scrambled[i]) sym = -sym;
        for (std::size_t c = 0; c < barker11.size(); ++c) chips[i * barker11.size() + c] = sym * static_cast<float>(barker11[c]);
    }

    // RRC chip pulse, roll-off 1, +-4 chips, 2 samples/chip; chip i peaks at sample 2i + 1.
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
            if (n >= 0 && n < n_out) w.samples[static_cast<std::size_t>(n)] += cf32{chips[i] * taps[m + half_span], 0.0f};
        }
    }
    // Arbitrary carrier phase (otherwise the 1 Mb/s signal would be purely real).
    const double theta = 2.0 * 3.14159265358979323846 * static_cast<double>(rng() >> 11) * 0x1.0p-53;
    const cf32 rot{static_cast<float>(std::cos(theta)), static_cast<float>(std::sin(theta))};
    for (cf32& v : w.samples) v *= rot;
    detail::normalize_power(w.samples);
    return w;
}

}  // namespace coex::sim
