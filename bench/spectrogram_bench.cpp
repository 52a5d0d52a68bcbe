// The spectrogram stage (dsp::Spectrogram) across FFT sizes, and its peer: a bare single-thread FFTW3f
// loop (FFT 1024, Hann, |X|², average of 20 frames) over the same samples, the reference the project
// measures itself against. Both report samples per second (items_per_second) over wall-clock time, to
// compare with the wall-clock timing of `coex analyze` in e2e_throughput.sh.
//
// This file includes <fftw3.h> on purpose: the reference loop is written straight on FFTW, with
// nothing of coex in between (the window is computed here too).
#include "bench_signal.hpp"
#include "bench_main.hpp"

#include "coex/dsp/spectrogram.hpp"
#include "coex/io/capture.hpp"

#include <benchmark/benchmark.h>
#include <fftw3.h>

#include <cmath>
#include <cstdlib>
#include <numbers>
#include <span>
#include <vector>

namespace {

using coex::cf32;
constexpr std::size_t kBlock = 65536;  // what io::ReplaySource hands the pipeline

// dsp::Spectrogram alone: Hann, no overlap, measured plans, fed in replay-sized blocks.
void BM_Spectrogram(benchmark::State& state) {
    const auto& x = coex::bench::bench_signal();
    coex::dsp::SpectrogramConfig config;
    config.fft_size = static_cast<std::size_t>(state.range(0));
    config.window = coex::dsp::Window::hann;
    config.overlap = 0.0;
    config.planning = coex::dsp::FftPlanning::measure;
    coex::dsp::Spectrogram spectrogram(config, coex::bench::kRateHz);
    const std::size_t probe = config.fft_size / 2 + 1;
    float sink = 0.0f;
    for (auto _ : state) {
        for (std::size_t pos = 0; pos < x.size(); pos += kBlock) {
            const std::span<const cf32> block(x.data() + pos, std::min(kBlock, x.size() - pos));
            spectrogram.push(block, [&](std::span<const float> power) { sink += power[probe]; });
        }
        spectrogram.reset();
    }
    benchmark::DoNotOptimize(sink);
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * x.size()));
}
BENCHMARK(BM_Spectrogram)->ArgName("fft")->RangeMultiplier(2)->Range(256, 8192)->Unit(benchmark::kMillisecond)->UseRealTime();

// The reference: window-multiply, fftwf_execute, |X|² accumulated over 20 frames, then the average
// written out. Single thread, FFTW_MEASURE plan, frames back to back (no overlap).
void bare_fftw_avg20(benchmark::State& state, const std::vector<cf32>& x) {
    constexpr int kSize = 1024;
    constexpr int kAverage = 20;

    auto* in = static_cast<fftwf_complex*>(fftwf_malloc(sizeof(fftwf_complex) * kSize));
    auto* out = static_cast<fftwf_complex*>(fftwf_malloc(sizeof(fftwf_complex) * kSize));
    const fftwf_plan plan = fftwf_plan_dft_1d(kSize, in, out, FFTW_FORWARD, FFTW_MEASURE);
    if (!plan) {
        state.SkipWithError("FFTW could not plan");
        return;
    }
    std::vector<float> window(kSize);
    for (int i = 0; i < kSize; ++i)
        window[i] = static_cast<float>(0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * i / kSize));
    std::vector<float> sum(kSize, 0.0f), average(kSize, 0.0f);
    const std::size_t frames = x.size() / kSize;
    int in_sum = 0;  // frames in `sum`; the stream runs on across iterations

    for (auto _ : state) {
        for (std::size_t f = 0; f < frames; ++f) {
            const cf32* frame = x.data() + f * kSize;
            for (int i = 0; i < kSize; ++i) {
                in[i][0] = frame[i].real() * window[i];
                in[i][1] = frame[i].imag() * window[i];
            }
            fftwf_execute(plan);
            for (int k = 0; k < kSize; ++k) sum[k] += out[k][0] * out[k][0] + out[k][1] * out[k][1];
            if (++in_sum == kAverage) {
                for (int k = 0; k < kSize; ++k) {
                    average[k] = sum[k] * (1.0f / kAverage);
                    sum[k] = 0.0f;
                }
                benchmark::DoNotOptimize(average.data());
                benchmark::ClobberMemory();
                in_sum = 0;
            }
        }
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * frames * kSize));
    fftwf_destroy_plan(plan);
    fftwf_free(in);
    fftwf_free(out);
}

// Over the 0.25 s of bench_signal() (40 MB, a little more than the L3 cache).
void BM_BareFftwAvg20(benchmark::State& state) { bare_fftw_avg20(state, coex::bench::bench_signal()); }
BENCHMARK(BM_BareFftwAvg20)->Unit(benchmark::kMillisecond)->UseRealTime();

// Over every sample of the capture named by $COEX_BENCH_CAPTURE (segment 0), loaded into memory once:
// e2e_throughput.sh runs it on the same 5 s file it gives `coex analyze`.
const std::vector<cf32>& capture_samples(const char* path) {
    static const std::vector<cf32> x = [path] {
        coex::io::CaptureReader reader(path);
        std::vector<cf32> all(reader.segments().at(0).length);
        for (std::size_t pos = 0; pos < all.size(); pos += kBlock)
            reader.read(0, pos, std::span<cf32>(all.data() + pos, std::min(kBlock, all.size() - pos)));
        return all;
    }();
    return x;
}

}  // namespace

int main(int argc, char** argv) {
    coex::bench::use_bench_wisdom();
    if (const char* path = std::getenv("COEX_BENCH_CAPTURE"); path && *path) {
        benchmark::RegisterBenchmark("BM_BareFftwAvg20/capture", [path](benchmark::State& state) {
            bare_fftw_avg20(state, capture_samples(path));
        })->Unit(benchmark::kMillisecond)->UseRealTime();
    }
    return coex::bench::run_benchmarks(argc, argv);
}
