// The whole pipeline after the source, Analyzer::consume, on samples already in memory: 20 MS/s,
// noise + 802.11g OFDM at ~30 % airtime (bench_signal.hpp), in blocks of 65 536 samples as
// io::ReplaySource delivers them. The blocks are built once; each iteration feeds the 0.25 s of signal
// again as the continuation of one stream (first_sample keeps counting), so after the first 0.05 s
// (the floor warm-up) every iteration is the steady state of a long capture.
// Second argument, detectors: 0 off (AnalysisConfig::detect = false: spectrogram, floors and 1 MHz
// cells only, what `coex analyze --no-detect` runs), 1 on the calling thread, 2 on a detector thread
// (AnalysisConfig::DetectorThreading::own_thread; `coex analyze` shares them with its read-ahead thread).
// Rates are over wall-clock time. Counters: ch6_occupancy (the detector's answer, ~0.30 when it works) and x_realtime (speed ÷ 20 MS/s).
#include "bench_signal.hpp"
#include "bench_main.hpp"

#include "coex/analysis/analyzer.hpp"

#include <benchmark/benchmark.h>

#include <vector>

namespace {

using coex::cf32;
constexpr std::size_t kBlock = 65536;

std::vector<coex::SampleBlock>& blocks() {
    static std::vector<coex::SampleBlock> all = [] {
        const auto& x = coex::bench::bench_signal();
        std::vector<coex::SampleBlock> out;
        for (std::size_t pos = 0; pos < x.size(); pos += kBlock) {
            coex::SampleBlock b;
            b.segment = coex::bench::bench_segment();
            b.samples.assign(x.begin() + static_cast<std::ptrdiff_t>(pos),
                             x.begin() + static_cast<std::ptrdiff_t>(std::min(x.size(), pos + kBlock)));
            out.push_back(std::move(b));
        }
        return out;
    }();
    return all;
}

void BM_AnalyzerConsume(benchmark::State& state) {
    auto& input = blocks();
    coex::analysis::AnalysisConfig config;
    config.spectrogram.fft_size = static_cast<std::size_t>(state.range(0));  // 0: the default (256 at 20 MS/s)
    config.spectrogram.planning = coex::dsp::FftPlanning::measure;
    config.detect = state.range(1) != 0;
    config.detector_threading = state.range(1) == 2 ? coex::analysis::AnalysisConfig::DetectorThreading::own_thread
                                                   : coex::analysis::AnalysisConfig::DetectorThreading::inline_calls;
    coex::analysis::Analyzer analyzer(config);
    std::uint64_t next = 0;
    for (auto _ : state) {
        for (auto& block : input) {
            block.first_sample = next;
            next += block.samples.size();
            analyzer.consume(block);
        }
    }
    coex::SourceStats stats;
    stats.samples_in = next;
    const auto report = analyzer.finish(stats);
    for (const auto& row : report.wifi)
        if (row.channel == 6) state.counters["ch6_occupancy"] = row.occupancy;
    state.SetItemsProcessed(static_cast<std::int64_t>(next));
    state.counters["x_realtime"] =
        benchmark::Counter(static_cast<double>(next) / coex::bench::kRateHz, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_AnalyzerConsume)
    ->ArgNames({"fft", "detectors"})
    ->ArgsProduct({{0, 1024}, {0, 1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->MeasureProcessCPUTime()  // the CPU column counts the detector thread too
    ->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
    coex::bench::use_bench_wisdom();
    return coex::bench::run_benchmarks(argc, argv);
}
