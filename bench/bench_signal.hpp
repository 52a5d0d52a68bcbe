#pragma once
// The benchmark signal, shared by the stage benchmarks and make_bench_capture: a 20 MS/s view centred
// on 2437 MHz (Wi-Fi channel 6) holding white noise and standard 802.11g OFDM PPDUs from coex_sim on
// channel 6 at about 30 % airtime (a mix of ACK-sized to 1500-byte frames at 6–54 Mb/s, gaps never
// shorter than SIFS). Levels suit an 8-bit receiver such as a HackRF: noise −35 dBFS in total (about
// 1.6 LSB rms per rail at int8), Wi-Fi −15 dBFS mean power (20 dB above the noise over the 20 MHz).
#include "coex/core/types.hpp"
#include "coex/dsp/cell_grid.hpp"
#include "coex/dsp/spectrogram.hpp"
#include "coex/sim/sim.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <span>
#include <vector>

namespace coex::bench {

inline constexpr double kCenterHz = 2437e6;
inline constexpr double kRateHz = 20e6;
inline constexpr double kNoiseDbfs = -35.0;
inline constexpr double kWifiDbfs = -15.0;
inline constexpr double kTargetAirtime = 0.30;

inline SegmentInfo bench_segment(double start_time_s = 0.0) {
    SegmentInfo info;
    info.center_frequency_hz = kCenterHz;
    info.sample_rate_hz = kRateHz;
    info.start_time_s = start_time_s;
    return info;
}

// The Wi-Fi bursts of `samples` samples (no noise), and the share of that time they are on the air.
struct WifiTraffic {
    std::vector<cf32> samples;
    double airtime = 0.0;
    std::size_t frames = 0;
};

inline WifiTraffic render_wifi_traffic(std::size_t samples, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    struct Kind {
        std::size_t bytes;
        sim::WifiRate rate;
    };
    const Kind kinds[] = {{14, sim::WifiRate::mbps24},   {60, sim::WifiRate::mbps6},    {300, sim::WifiRate::mbps12},
                          {1500, sim::WifiRate::mbps54}, {1500, sim::WifiRate::mbps24}, {800, sim::WifiRate::mbps36}};
    std::vector<std::shared_ptr<const sim::Waveform>> ppdus;
    for (const auto& k : kinds) ppdus.push_back(std::make_shared<sim::Waveform>(sim::wifi_ofdm_ppdu(k.bytes, k.rate, rng)));

    const double duration = static_cast<double>(samples) / kRateHz;
    std::uniform_int_distribution<std::size_t> pick(0, ppdus.size() - 1);
    std::uniform_real_distribution<double> spread(0.5, 1.5);
    std::vector<sim::Burst> bursts;
    double on_air = 0.0;
    double t = 100e-6;
    for (;;) {
        const auto& w = ppdus[pick(rng)];
        const double length = w->duration_s();
        if (t + length >= duration) break;  // whole PPDUs only: the block can be repeated seamlessly
        bursts.push_back({t, kCenterHz, kWifiDbfs, w});
        on_air += length;
        t += length + std::max(16e-6, length * (1.0 - kTargetAirtime) / kTargetAirtime * spread(rng));
    }
    WifiTraffic traffic;
    traffic.samples.assign(samples, cf32{});
    sim::add_bursts(sim::Segment{kCenterHz, kRateHz, samples}, bursts, traffic.samples);
    traffic.airtime = on_air / duration;
    traffic.frames = bursts.size();
    return traffic;
}

// Traffic plus fresh noise drawn from `rng`.
inline void add_noise(std::span<const cf32> traffic, std::span<cf32> out, std::mt19937_64& rng) {
    std::copy(traffic.begin(), traffic.end(), out.begin());
    sim::add_awgn(out.first(traffic.size()), kNoiseDbfs, rng);
}

// 0.25 s (5 M samples) of the benchmark signal with one draw of noise, made once per process and
// shared by every benchmark in it (about 40 MB: far larger than the caches, like a real stream).
inline const std::vector<cf32>& bench_signal() {
    static const std::vector<cf32> signal = [] {
        const auto traffic = render_wifi_traffic(5'000'000, 2437);
        std::vector<cf32> x(traffic.samples.size());
        std::mt19937_64 rng(20);
        add_noise(traffic.samples, x, rng);
        return x;
    }();
    return signal;
}

// Spectrogram frames (bins) and their 1 MHz cells for one FFT size, from the start of bench_signal():
// at most `max_frames` of them (all 0.25 s by default). The analyzer's geometry: usable passband 90 % of
// the sample rate. Shared by the per-frame stage benchmarks (stages_bench, gain_steps_bench).
struct SpectrogramFrames {
    std::size_t fft_size = 0;
    double frame_seconds = 0.0;
    dsp::MhzCellGrid grid;
    std::vector<float> bins;   // count × fft_size
    std::vector<float> cells;  // count × grid.size()
    std::size_t count = 0;

    SpectrogramFrames(dsp::Spectrogram& spectrogram, std::size_t max_frames)
        : fft_size(spectrogram.fft_size()),
          frame_seconds(spectrogram.frame_seconds()),
          grid(kCenterHz, kRateHz, fft_size, spectrogram.enbw(), 0.45 * kRateHz) {
        std::vector<float> c(grid.size());
        spectrogram.push(bench_signal(), [&](std::span<const float> power) {
            if (count == max_frames) return;
            bins.insert(bins.end(), power.begin(), power.end());
            grid.reduce(power, c);
            cells.insert(cells.end(), c.begin(), c.end());
            ++count;
        });
    }
};

// The frames for (FFT size, at most so many frames), made once per process.
inline const SpectrogramFrames& spectrogram_frames(std::size_t fft_size, std::size_t max_frames = std::numeric_limits<std::size_t>::max()) {
    static std::map<std::pair<std::size_t, std::size_t>, SpectrogramFrames> cache;
    const auto key = std::make_pair(fft_size, max_frames);
    auto it = cache.find(key);
    if (it == cache.end()) {
        dsp::SpectrogramConfig config;
        config.fft_size = fft_size;
        config.planning = dsp::FftPlanning::estimate;
        dsp::Spectrogram spectrogram(config, kRateHz);
        it = cache.emplace(key, SpectrogramFrames(spectrogram, max_frames)).first;
    }
    return it->second;
}

// Measured FFTW plans are remembered in a wisdom file (coex/dsp/fft.hpp). Unless the caller chose one,
// the benchmarks keep theirs in /tmp rather than in the user's cache.
inline void use_bench_wisdom() { ::setenv("COEX_FFTW_WISDOM", "/tmp/coex-bench-fftwf.wisdom", 0); }

}  // namespace coex::bench
