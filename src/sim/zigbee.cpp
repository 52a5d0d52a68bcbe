// IEEE 802.15.4 2.4 GHz O-QPSK PHY.
#include "coex/sim/zigbee.hpp"

#include <cmath>
#include <numbers>

#include "coex/core/error.hpp"
#include "coex/coding/coding.hpp"
#include "dsp.hpp"

namespace coex::sim {

double zigbee_packet_duration_s(std::size_t psdu_bytes) {
    const std::size_t chips = 32 * 2 * (4 + 1 + 1 + psdu_bytes);
    return static_cast<double>(chips + 1) / zigbee_chip_rate_hz;
}

Waveform zigbee_packet(std::size_t psdu_bytes, std::mt19937_64& rng, double samples_per_chip) {
    using namespace coding;
    if (psdu_bytes == 0 || psdu_bytes > zigbee_max_psdu_bytes) throw ConfigError("802.15.4 PSDU must be 1..127 bytes");
    if (!(samples_per_chip >= 2.0)) throw ConfigError("802.15.4 needs at least 2 samples per chip");

    std::vector<std::uint8_t> psdu(psdu_bytes);
    if (psdu_bytes >= 2) {
        detail::fill_random_bytes(rng, std::span(psdu).first(psdu_bytes - 2));
        const Bits fcs = ieee802154_fcs(bytes_to_bits_lsb(std::span(psdu).first(psdu_bytes - 2)));
        for (int i = 0; i < 16; ++i) psdu[psdu_bytes - 2 + static_cast<std::size_t>(i / 8)] |= static_cast<std::uint8_t>(fcs[static_cast<std::size_t>(i)] << (i % 8));
    } else {
        detail::fill_random_bytes(rng, psdu);
    }
    return zigbee_packet(psdu, samples_per_chip);
}

Waveform zigbee_packet(std::span<const std::uint8_t> psdu, double samples_per_chip) {
    using namespace coding;
    const std::size_t psdu_bytes = psdu.size();
    if (psdu_bytes == 0 || psdu_bytes > zigbee_max_psdu_bytes) throw ConfigError("802.15.4 PSDU must be 1..127 bytes");
    if (!(samples_per_chip >= 2.0)) throw ConfigError("802.15.4 needs at least 2 samples per chip");

    std::vector<std::uint8_t> octets = {0x00, 0x00, 0x00, 0x00, 0xA7, static_cast<std::uint8_t>(psdu_bytes & 0x7F)};
    octets.insert(octets.end(), psdu.begin(), psdu.end());

    // Chips: low nibble first, c0 of each symbol first.
    std::vector<float> chips;
    chips.reserve(octets.size() * 64);
    for (std::uint8_t o : octets) {
        for (int nib = 0; nib < 2; ++nib) {
            const std::uint32_t c = zigbee_chips((o >> (4 * nib)) & 0x0F);
            for (int i = 0; i < 32; ++i) chips.push_back(((c >> i) & 1u) ? 1.0f : -1.0f);
        }
    }

    // Even chips on I, odd chips on Q; half-sine pulses of 2 Tc; chip k starts at k Tc.
    Waveform w;
    w.sample_rate_hz = samples_per_chip * zigbee_chip_rate_hz;
    const std::size_t n_chips = chips.size();
    const auto n = static_cast<std::size_t>(std::llround(static_cast<double>(n_chips + 1) * samples_per_chip));
    w.samples.resize(n);
    for (std::size_t m = 0; m < n; ++m) {
        const double u = static_cast<double>(m) / samples_per_chip;  // time in chips
        float iq[2] = {0.0f, 0.0f};
        for (int branch = 0; branch < 2; ++branch) {
            const double v = u - branch;  // Q is one chip later
            if (v < 0.0) continue;
            const auto pair = static_cast<std::size_t>(std::floor(v / 2.0));
            const std::size_t k = 2 * pair + static_cast<std::size_t>(branch);
            if (k >= n_chips) continue;
            iq[branch] = chips[k] * static_cast<float>(std::sin(std::numbers::pi * (v - 2.0 * static_cast<double>(pair)) / 2.0));
        }
        w.samples[m] = cf32{iq[0], iq[1]};
    }
    detail::normalize_power(w.samples);
    return w;
}

}  // namespace coex::sim
