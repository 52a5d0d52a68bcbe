// The receiver gain-step stage (src/analysis/gain_steps.hpp), as the analyzer drives it: every frame's
// bins and 1 MHz cells pushed, then every frame whose gain is decided popped. Inputs are the real
// spectrogram frames of the benchmark signal (noise + Wi-Fi at ~30 % airtime, 20 MS/s), so the sliding
// minima and the step test see the levels they see in use. items_per_second counts frames: at 20 MS/s
// the pipeline needs 78 k frames/s at FFT 256 and 19.5 k frames/s at FFT 1024.
// BM_SubBandSums is the stage's per-frame arithmetic alone, the vector version against the plain loop
// it must equal (tests/analysis/gain_steps_test.cpp checks them bit for bit).
#include "bench_main.hpp"
#include "bench_signal.hpp"

#include "gain_steps.hpp"

#include "coex/dsp/cell_grid.hpp"

#include <benchmark/benchmark.h>

#include <vector>

namespace {

// 128 frames of the signal, cycled, so that the bins come from the cache as they do in the analyzer
// (there the stage reads each frame right after its FFT); 0.25 s of frames streamed from memory
// measured the memory.
constexpr std::size_t kFrames = 128;
const coex::bench::SpectrogramFrames& frames_for(std::size_t n) { return coex::bench::spectrogram_frames(n, kFrames); }

// push + pop per frame; the frames repeat, their times and sample positions run on.
void BM_GainSteps(benchmark::State& state) {
    const auto& f = frames_for(static_cast<std::size_t>(state.range(0)));
    coex::analysis::GainSteps steps(f.fft_size, f.frame_seconds, f.grid.size());
    coex::analysis::GainSteps::Released out;
    std::uint64_t frame = 0;
    double released_sum = 0.0;
    for (auto _ : state) {
        const std::size_t i = static_cast<std::size_t>(frame % f.count);
        steps.push(static_cast<double>(frame) * f.frame_seconds, frame * f.fft_size, 0,
                   std::span<const float>(f.bins.data() + i * f.fft_size, f.fft_size),
                   std::span<const float>(f.cells.data() + i * f.grid.size(), f.grid.size()));
        while (steps.pop(out)) released_sum += out.cells[0];
        ++frame;
    }
    benchmark::DoNotOptimize(released_sum);
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.counters["held"] = static_cast<double>(steps.held());
    state.counters["steps"] = static_cast<double>(steps.steps());  // 0: the signal has none
}
BENCHMARK(BM_GainSteps)->ArgName("fft")->Arg(256)->Arg(1024);

template <bool Plain>
void BM_SubBandSums(benchmark::State& state) {
    const auto& f = frames_for(static_cast<std::size_t>(state.range(0)));
    constexpr std::size_t kGroups = 16;
    std::vector<float> acc(kGroups, 0.0f);
    std::size_t i = 0;
    for (auto _ : state) {
        const float* bins = f.bins.data() + i * f.fft_size;
        if constexpr (Plain)
            coex::analysis::add_sub_band_sums_plain(bins, f.fft_size / kGroups, kGroups, acc.data());
        else
            coex::analysis::add_sub_band_sums(bins, f.fft_size / kGroups, kGroups, acc.data());
        benchmark::DoNotOptimize(acc.data());
        benchmark::ClobberMemory();
        if (++i == f.count) {
            i = 0;
            std::fill(acc.begin(), acc.end(), 0.0f);
        }
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_SubBandSums<true>)->Name("BM_SubBandSums/plain")->ArgName("fft")->Arg(256)->Arg(1024);
BENCHMARK(BM_SubBandSums<false>)->Name("BM_SubBandSums/vector")->ArgName("fft")->Arg(256)->Arg(1024);

}  // namespace

int main(int argc, char** argv) { return coex::bench::run_benchmarks(argc, argv); }
