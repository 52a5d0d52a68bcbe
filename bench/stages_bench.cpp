// The per-frame stages after the spectrogram: MhzCellGrid::reduce (bins → 1 MHz cells) and the noise
// floor, PercentileFloor::add (one observation per cell per frame) and PercentileFloor::estimate.
// Inputs are the real spectrogram frames of the benchmark signal (noise + Wi-Fi at ~30 % airtime), so
// the floor's histogram sees the spread of values it sees in use. items_per_second counts frames.
// At 20 MS/s the pipeline needs 78 k frames/s at FFT 256 and 19.5 k frames/s at FFT 1024.
#include "bench_signal.hpp"
#include "bench_main.hpp"

#include "coex/dsp/cell_grid.hpp"
#include "coex/dsp/noise_floor.hpp"

#include <benchmark/benchmark.h>

#include <vector>

namespace {


constexpr double kFloorPercentile = 0.01;  // as src/analysis uses it

// All 0.25 s of the signal's frames (bench_signal.hpp).
const coex::bench::SpectrogramFrames& frames_for(std::size_t n) { return coex::bench::spectrogram_frames(n); }

void BM_CellGridReduce(benchmark::State& state) {
    const auto& f = frames_for(static_cast<std::size_t>(state.range(0)));
    std::vector<float> cells(f.grid.size());
    std::size_t i = 0;
    for (auto _ : state) {
        f.grid.reduce(std::span<const float>(f.bins.data() + i * f.fft_size, f.fft_size), cells);
        benchmark::DoNotOptimize(cells.data());
        benchmark::ClobberMemory();
        if (++i == f.count) i = 0;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.counters["cells"] = static_cast<double>(f.grid.size());
}
BENCHMARK(BM_CellGridReduce)->ArgName("fft")->Arg(256)->Arg(1024)->Arg(4096);

void BM_FloorAdd(benchmark::State& state) {
    const auto& f = frames_for(static_cast<std::size_t>(state.range(0)));
    const std::size_t n = f.grid.size();
    coex::dsp::PercentileFloor floor(n, kFloorPercentile, f.grid.degrees_of_freedom());
    std::size_t i = 0;
    for (auto _ : state) {
        floor.add(std::span<const float>(f.cells.data() + i * n, n));
        if (++i == f.count) i = 0;
    }
    benchmark::DoNotOptimize(floor.observations());
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.counters["cells"] = static_cast<double>(n);
}
BENCHMARK(BM_FloorAdd)->ArgName("fft")->Arg(256)->Arg(1024);

// The estimate over a floor that has seen 0.25 s of frames (the analyzer asks every 1024 frames,
// for the main frames and again for the short probe frames).
void BM_FloorEstimate(benchmark::State& state) {
    const auto& f = frames_for(static_cast<std::size_t>(state.range(0)));
    const std::size_t n = f.grid.size();
    coex::dsp::PercentileFloor floor(n, kFloorPercentile, f.grid.degrees_of_freedom());
    for (std::size_t i = 0; i < f.count; ++i) floor.add(std::span<const float>(f.cells.data() + i * n, n));
    std::vector<float> out(n);
    for (auto _ : state) {
        floor.estimate(out);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.counters["cells"] = static_cast<double>(n);
    state.counters["observations"] = static_cast<double>(floor.observations());
}
BENCHMARK(BM_FloorEstimate)->ArgName("fft")->Arg(64)->Arg(256)->Arg(1024);

}  // namespace

int main(int argc, char** argv) {
    coex::bench::use_bench_wisdom();
    return coex::bench::run_benchmarks(argc, argv);
}
