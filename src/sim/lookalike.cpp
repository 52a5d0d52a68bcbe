// Look-alike emitters: LTE-numerology OFDM, analog FM video, a toy remote's 2-FSK (lookalike.hpp).
#include "coex/sim/lookalike.hpp"

#include "coex/core/error.hpp"
#include "coex/sim/bluetooth.hpp"
#include "coex/sim/esb.hpp"
#include "dsp.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace coex::sim {
namespace {

using detail::cd;

double uniform(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

double gauss(std::mt19937_64& rng) {
    const double u = 1.0 - uniform(rng), a = uniform(rng);
    return std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * std::numbers::pi * a);
}

// A random QPSK or square 16-QAM point (Gray mapping does not matter for random data), unit mean power.
cd random_point(int bits_per_symbol, std::mt19937_64& rng) {
    const std::uint64_t r = rng();
    if (bits_per_symbol == 2) return cd((r & 1) ? 1.0 : -1.0, (r & 2) ? 1.0 : -1.0) / std::sqrt(2.0);
    const double levels[4] = {-3.0, -1.0, 1.0, 3.0};
    return cd(levels[r & 3], levels[(r >> 2) & 3]) / std::sqrt(10.0);
}

}  // namespace

LteNumerology lte_numerology(int channel_mhz) {
    if (channel_mhz == 10) return {1024, 600, 80, 72};
    if (channel_mhz == 20) return {2048, 1200, 160, 144};
    throw ConfigError("LTE-numerology OFDM: channel width must be 10 or 20 MHz");
}

Waveform lte_ofdm(const LteNumerology& num, double duration_s, int bits_per_symbol, std::mt19937_64& rng) {
    if (bits_per_symbol != 2 && bits_per_symbol != 4) throw ConfigError("LTE-numerology OFDM: bits per symbol must be 2 (QPSK) or 4 (16-QAM)");
    Waveform w;
    w.sample_rate_hz = num.sample_rate_hz();
    const auto n = static_cast<std::size_t>(std::llround(duration_s * w.sample_rate_hz));
    w.samples.reserve(n + num.fft_size + num.cp_first);
    const std::size_t fft = num.fft_size, half = num.used_subcarriers / 2;
    std::vector<cd> bins(fft);
    for (std::size_t symbol = 0; w.samples.size() < n; ++symbol) {
        std::fill(bins.begin(), bins.end(), cd(0.0, 0.0));
        for (std::size_t k = 1; k <= half; ++k) {
            bins[k] = random_point(bits_per_symbol, rng);
            bins[fft - k] = random_point(bits_per_symbol, rng);
        }
        detail::fft_inplace(bins, true);
        const std::size_t cp = symbol % 7 == 0 ? num.cp_first : num.cp_other;
        for (std::size_t i = fft - cp; i < fft; ++i) w.samples.emplace_back(static_cast<float>(bins[i].real()), static_cast<float>(bins[i].imag()));
        for (std::size_t i = 0; i < fft; ++i) w.samples.emplace_back(static_cast<float>(bins[i].real()), static_cast<float>(bins[i].imag()));
    }
    w.samples.resize(n);
    // A transmitter filters its OFDM to meet its adjacent-channel limits (TS 36.104 §6.6.2: ACLR ≥ 45 dB):
    // a Blackman-windowed sinc low-pass (129 taps), flat over the used subcarriers, ~−58 dB beyond the
    // channel edge. Unfiltered, each symbol's sinc skirts would light the MHz beside the band.
    const double cutoff = 0.5 * num.occupied_hz() + 0.65e6;
    constexpr int taps = 129, half_taps = taps / 2;
    std::vector<double> h(taps);
    double gain = 0.0;
    for (int k = 0; k < taps; ++k) {
        const double m = k - half_taps, x = 2.0 * cutoff / w.sample_rate_hz;
        const double sinc = m == 0 ? x : std::sin(std::numbers::pi * x * m) / (std::numbers::pi * m);
        const double window = 0.42 - 0.5 * std::cos(2.0 * std::numbers::pi * k / (taps - 1)) + 0.08 * std::cos(4.0 * std::numbers::pi * k / (taps - 1));
        h[static_cast<std::size_t>(k)] = sinc * window;
        gain += h[static_cast<std::size_t>(k)];
    }
    std::vector<cf32> filtered(n);
    for (std::size_t i = 0; i < n; ++i) {
        std::complex<double> acc{};
        for (int k = 0; k < taps; ++k) {
            const auto j = static_cast<std::ptrdiff_t>(i) + half_taps - k;
            if (j >= 0 && j < static_cast<std::ptrdiff_t>(n)) acc += h[static_cast<std::size_t>(k)] / gain * std::complex<double>(w.samples[static_cast<std::size_t>(j)]);
        }
        filtered[i] = cf32(static_cast<float>(acc.real()), static_cast<float>(acc.imag()));
    }
    w.samples = std::move(filtered);
    detail::normalize_power(w.samples);
    return w;
}

Waveform fm_video(double duration_s, double peak_deviation_hz, std::mt19937_64& rng) {
    constexpr double rate = 40e6;
    Waveform w;
    w.sample_rate_hz = rate;
    const auto n = static_cast<std::size_t>(std::llround(duration_s * rate));
    w.samples.resize(n);
    const auto line = static_cast<std::size_t>(std::llround(fm_video_line_s * rate));
    const auto sync_end = static_cast<std::size_t>(std::llround(4.7e-6 * rate));
    const auto blank_end = static_cast<std::size_t>(std::llround(12e-6 * rate));
    // the video's own bandwidth: a one-pole low-pass at 5 MHz over a picture that changes every 100 ns
    const double smooth = std::exp(-2.0 * std::numbers::pi * 5e6 / rate);
    const auto pixel = static_cast<std::size_t>(std::llround(100e-9 * rate));
    double luminance = uniform(rng), video = -0.4, phase = 0.0, sound_phase = 0.0;
    const double line_phase = uniform(rng);  // where in a line the capture starts
    const auto offset = static_cast<std::size_t>(line_phase * static_cast<double>(line));
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t in_line = (i + offset) % line;
        double target;
        if (in_line < sync_end) target = -1.0;  // sync tip
        else if (in_line < blank_end) target = -0.4;  // blanking (black)
        else {
            if (in_line % pixel == 0) {
                if (uniform(rng) < 0.05) luminance = uniform(rng);  // an edge in the picture
                luminance = std::clamp(luminance + 0.02 * gauss(rng), 0.0, 1.0);
            }
            target = -0.4 + 1.4 * luminance;  // black … peak white
        }
        video = smooth * video + (1.0 - smooth) * target;
        // the sound: a 6.5 MHz subcarrier frequency-modulated ±50 kHz by a 1 kHz tone
        const double t = static_cast<double>(i) / rate;
        sound_phase += 2.0 * std::numbers::pi * (6.5e6 + 50e3 * std::sin(2.0 * std::numbers::pi * 1e3 * t)) / rate;
        const double baseband = std::clamp(video, -1.0, 1.0) + 0.1 * std::cos(sound_phase);
        phase += 2.0 * std::numbers::pi * peak_deviation_hz * baseband / rate;
        phase = std::remainder(phase, 2.0 * std::numbers::pi);
        sound_phase = std::remainder(sound_phase, 2.0 * std::numbers::pi);
        w.samples[i] = cf32(static_cast<float>(std::cos(phase)), static_cast<float>(std::sin(phase)));
    }
    return w;
}

coding::Bits toy_fsk_bits(std::uint32_t sync_word, std::span<const std::uint8_t> payload) {
    coding::Bits out;
    for (int i = 0; i < 3; ++i) coding::append_crc_msb_first(out, 0xAAu, 8);
    coding::append_crc_msb_first(out, sync_word, 32);
    coding::Bits body;
    for (const std::uint8_t byte : payload) coding::append_crc_msb_first(body, byte, 8);
    coding::append_crc_msb_first(body, esb_crc16(body), 16);
    std::uint16_t lfsr = 0x1FF;  // PN9, x^9 + x^5 + 1
    for (auto& bit : body) {
        const auto pn = static_cast<std::uint8_t>(lfsr & 1u);
        bit ^= pn;
        const auto feedback = static_cast<std::uint16_t>((lfsr ^ (lfsr >> 5)) & 1u);
        lfsr = static_cast<std::uint16_t>((lfsr >> 1) | (feedback << 8));
    }
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

double toy_fsk_packet_duration_s(std::size_t payload_bytes) {
    return (24.0 + 32.0 + 8.0 * static_cast<double>(payload_bytes) + 16.0) / toy_fsk_symbol_rate_hz;
}

Waveform toy_fsk_packet(std::uint32_t sync_word, std::size_t payload_bytes, double deviation_hz, std::mt19937_64& rng,
                        double samples_per_symbol) {
    if (payload_bytes > 64) throw ConfigError("toy FSK payload must be 0..64 bytes");
    std::vector<std::uint8_t> payload(payload_bytes);
    detail::fill_random_bytes(rng, std::span<std::uint8_t>(payload));
    return gfsk_modulate(toy_fsk_bits(sync_word, payload), toy_fsk_symbol_rate_hz, 3.0, 2.0 * deviation_hz / toy_fsk_symbol_rate_hz,
                         samples_per_symbol);
}

}  // namespace coex::sim
