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
#include "coex/dsp/spectrogram.hpp"
#include "coex/dsp/window.hpp"

#include <benchmark/benchmark.h>

#include <map>
#include <vector>

namespace {

// Spectrogram frames (bins) and their 1 MHz cells for one FFT size, from the start of the signal: 128
// frames, cycled, so that the bins come from the cache as they do in the analyzer (there the stage
// reads each frame right after its FFT); 0.25 s of frames streamed from memory measured the memory.
constexpr std::size_t kFrames = 128;
struct Frames {
    std::size_t fft_size = 0;
    double frame_seconds = 0.0;
    std::size_t cell_count = 0;
    std::vector<float> bins;   // frames × fft_size
    std::vector<float> cells;  // frames × cell_count
    std::size_t count = 0;

    explicit Frames(std::size_t n) : fft_size(n) {
        coex::dsp::SpectrogramConfig config;
        config.fft_size = n;
        config.planning = coex::dsp::FftPlanning::estimate;
        coex::dsp::Spectrogram spectrogram(config, coex::bench::kRateHz);
        frame_seconds = spectrogram.frame_seconds();
        // the analyzer's geometry: usable passband 90 % of the sample rate
        const coex::dsp::MhzCellGrid grid(coex::bench::kCenterHz, coex::bench::kRateHz, n, spectrogram.enbw(), 0.45 * coex::bench::kRateHz);
        cell_count = grid.size();
        std::vector<float> c(cell_count);
        spectrogram.push(coex::bench::bench_signal(), [&](std::span<const float> power) {
            if (count == kFrames) return;
            bins.insert(bins.end(), power.begin(), power.end());
            grid.reduce(power, c);
            cells.insert(cells.end(), c.begin(), c.end());
            ++count;
        });
    }
};

const Frames& frames_for(std::size_t n) {
    static std::map<std::size_t, Frames> cache;
    auto it = cache.find(n);
    if (it == cache.end()) it = cache.emplace(n, Frames(n)).first;
    return it->second;
}

// push + pop per frame; the frames repeat, their times and sample positions run on.
void BM_GainSteps(benchmark::State& state) {
    const auto& f = frames_for(static_cast<std::size_t>(state.range(0)));
    coex::analysis::GainSteps steps(f.fft_size, f.frame_seconds, f.cell_count);
    coex::analysis::GainSteps::Released out;
    std::uint64_t frame = 0;
    double released_sum = 0.0;
    for (auto _ : state) {
        const std::size_t i = static_cast<std::size_t>(frame % f.count);
        steps.push(static_cast<double>(frame) * f.frame_seconds, frame * f.fft_size, 0,
                   std::span<const float>(f.bins.data() + i * f.fft_size, f.fft_size),
                   std::span<const float>(f.cells.data() + i * f.cell_count, f.cell_count));
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
