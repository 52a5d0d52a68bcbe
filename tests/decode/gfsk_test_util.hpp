#pragma once
// Test signals for the GFSK decoders (BLE, ESB): a generated packet put through what a real
// receiver and the burst framework do to it — carrier offset plus the centre estimate's error,
// white noise at a given SNR over the signal's bandwidth, noise margins before and after, a DC
// offset (LO leak) and 8-bit quantisation — and a reader for the real float32 recordings.
#include "coex/core/types.hpp"
#include "coex/decode/packet.hpp"
#include "coex/sim/waveform.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdio>
#include <fstream>
#include <memory>
#include <numbers>
#include <random>
#include <string>
#include <vector>

namespace coex::decode::test {

struct Impairments {
    double offset_hz = 0.0;      // signal frequency against the centre handed to the decoder
    double snr_db = 12.0;        // over noise_bandwidth_hz
    double noise_bandwidth_hz = 1e6;
    double margin_before_s = 80e-6;
    double margin_after_s = 80e-6;
    cf32 dc{0.08f, -0.05f};      // receiver LO leak, relative to the signal's amplitude 1
    bool quantise_8bit = true;
    // a transmitter's power ramp: the waveform's first and last ramp_s weighted by a raised cosine
    // (0 -> 1, 1 -> 0), as the simulator's scenes do (sim::Burst::ramp_s)
    double ramp_s = 0.0;
};

struct Burst {
    std::vector<cf32> samples;
    double sample_rate_hz = 0.0;
    double center_hz = 0.0;
    double packet_start_s = 0.0;  // where the packet's first sample is

    [[nodiscard]] Input input() const { return Input{samples, sample_rate_hz, center_hz}; }
};

// The waveform (power 1) inside noise margins, shifted, noisy, DC-offset and quantised.
inline Burst impair(const sim::Waveform& w, double center_hz, const Impairments& imp, std::mt19937_64& rng) {
    Burst b;
    b.sample_rate_hz = w.sample_rate_hz;
    b.center_hz = center_hz;
    const double fs = w.sample_rate_hz;
    const auto before = static_cast<std::size_t>(std::lround(imp.margin_before_s * fs));
    const auto after = static_cast<std::size_t>(std::lround(imp.margin_after_s * fs));
    b.packet_start_s = static_cast<double>(before) / fs;
    b.samples.assign(before + w.samples.size() + after, cf32{});
    const double noise_power = std::pow(10.0, -imp.snr_db / 10.0) * fs / imp.noise_bandwidth_hz;
    std::normal_distribution<float> gauss(0.0f, static_cast<float>(std::sqrt(noise_power / 2.0)));
    std::uniform_real_distribution<double> phase0(0.0, 2.0 * std::numbers::pi);
    const double ph0 = phase0(rng);
    const double ramp_n = imp.ramp_s * fs;
    auto ramp = [&](std::size_t s) {
        const double edge = static_cast<double>(std::min(s, w.samples.size() - 1 - s));
        return edge >= ramp_n ? 1.0 : 0.5 - 0.5 * std::cos(std::numbers::pi * (edge + 0.5) / ramp_n);
    };
    float peak = 0.0f;
    for (std::size_t i = 0; i < b.samples.size(); ++i) {
        cf32 v{};
        if (i >= before && i - before < w.samples.size()) {
            const double ph = ph0 + 2.0 * std::numbers::pi * imp.offset_hz * static_cast<double>(i) / fs;
            v = w.samples[i - before] * cf32(static_cast<float>(std::cos(ph) * ramp(i - before)), static_cast<float>(std::sin(ph) * ramp(i - before)));
        }
        v += cf32(gauss(rng), gauss(rng)) + imp.dc;
        b.samples[i] = v;
        peak = std::max({peak, std::abs(v.real()), std::abs(v.imag())});
    }
    if (imp.quantise_8bit && peak > 0.0f) {
        const float scale = 127.0f / peak;
        for (auto& v : b.samples)
            v = cf32(std::round(v.real() * scale) / 127.0f, std::round(v.imag() * scale) / 127.0f);
    }
    return b;
}

// Noise only (power 1 per sample before quantisation), same DC and quantisation.
inline Burst noise_burst(double fs, double duration_s, std::mt19937_64& rng) {
    sim::Waveform silent;
    silent.sample_rate_hz = fs;
    Impairments imp;
    imp.snr_db = 0.0;
    imp.noise_bandwidth_hz = fs;
    imp.margin_before_s = duration_s;
    imp.margin_after_s = 0.0;
    return impair(silent, 2440e6, imp, rng);
}

// A slice of a wideband waveform brought toward 10 MS/s by averaging `factor` samples (a crude
// anti-alias filter; the content only has to be foreign).
inline sim::Waveform decimate(const sim::Waveform& w, std::size_t factor) {
    sim::Waveform out;
    out.sample_rate_hz = w.sample_rate_hz / static_cast<double>(factor);
    for (std::size_t i = 0; i + factor <= w.samples.size(); i += factor) {
        cf32 acc{};
        for (std::size_t k = 0; k < factor; ++k) acc += w.samples[i + k];
        out.samples.push_back(acc / static_cast<float>(factor));
    }
    return out;
}

inline std::unique_ptr<Decoder> make_decoder(Protocol protocol) {
    for (const auto& d : decoder_registry())
        if (d.protocol == protocol) return d.make();
    return nullptr;
}

// Complex float32 little-endian interleaved I, Q; empty when the file is missing.
inline std::vector<cf32> read_cf32(const std::string& path) {
    std::vector<cf32> out;
    std::ifstream f(path, std::ios::binary);
    float iq[2];
    while (f.read(reinterpret_cast<char*>(iq), sizeof iq)) out.emplace_back(iq[0], iq[1]);
    return out;
}

// Multiplies by exp(-j 2 pi f t): brings a carrier at +f to 0 Hz.
inline std::vector<cf32> mix_down(std::vector<cf32> x, double f_hz, double fs) {
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double ph = -2.0 * std::numbers::pi * f_hz * static_cast<double>(i) / fs;
        x[i] *= cf32(static_cast<float>(std::cos(ph)), static_cast<float>(std::sin(ph)));
    }
    return x;
}

}  // namespace coex::decode::test
