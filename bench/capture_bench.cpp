// CaptureReader::read: HDF5 hyperslab read plus conversion to full-scale cf32, for each stored type,
// in blocks of 65 536 samples as io::ReplaySource reads them. The files (0.25 s of the benchmark
// signal, written by CaptureWriter with its default chunking) are made in /tmp once per process and
// removed at exit; having just been written they are in the page cache, so this measures HDF5 and the
// conversion, not the disk. items_per_second: samples; bytes_per_second: bytes stored in the file.
#include "bench_signal.hpp"
#include "bench_main.hpp"

#include "coex/io/capture.hpp"

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace {

using coex::cf32;
using coex::io::SampleType;
constexpr std::size_t kBlock = 65536;

class BenchFiles {
public:
    const std::filesystem::path& path(SampleType type) {
        auto it = paths_.find(type);
        if (it != paths_.end()) return it->second;
        std::filesystem::path p = "/tmp/coex-bench-read-" + coex::io::to_string(type) + "-" +
                                  std::to_string(static_cast<long>(::getpid())) + ".h5";
        coex::io::CaptureWriter writer(p, {}, type);
        writer.begin_segment(coex::bench::bench_segment());
        writer.append(coex::bench::bench_signal());
        writer.close();
        return paths_.emplace(type, p).first->second;
    }
    ~BenchFiles() {
        std::error_code ec;
        for (const auto& [type, p] : paths_) std::filesystem::remove(p, ec);
    }

private:
    std::map<SampleType, std::filesystem::path> paths_;
};

BenchFiles& files() {
    static BenchFiles f;
    return f;
}

void BM_CaptureRead(benchmark::State& state) {
    const auto type = static_cast<SampleType>(state.range(0));
    coex::io::CaptureReader reader(files().path(type));
    const std::uint64_t length = reader.segments().at(0).length;
    std::vector<cf32> buffer(kBlock);
    std::uint64_t samples = 0;
    for (auto _ : state) {
        for (std::uint64_t offset = 0; offset < length; offset += kBlock) samples += reader.read(0, offset, buffer);
        benchmark::DoNotOptimize(buffer.data());
        benchmark::ClobberMemory();
    }
    const std::size_t bytes_per_sample = type == SampleType::int8 ? 2 : type == SampleType::int16 ? 4 : 8;
    state.SetItemsProcessed(static_cast<std::int64_t>(samples));
    state.SetBytesProcessed(static_cast<std::int64_t>(samples * bytes_per_sample));
    state.SetLabel(coex::io::to_string(type));
}
BENCHMARK(BM_CaptureRead)
    ->ArgName("type")
    ->Arg(static_cast<int>(SampleType::int8))
    ->Arg(static_cast<int>(SampleType::int16))
    ->Arg(static_cast<int>(SampleType::float32))
    ->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
    coex::bench::use_bench_wisdom();
    return coex::bench::run_benchmarks(argc, argv);
}
