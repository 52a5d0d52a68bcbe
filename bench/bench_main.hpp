#pragma once
// What every benchmark program's main() does after registering its benchmarks.
#include <benchmark/benchmark.h>

namespace coex::bench {

inline int run_benchmarks(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}

}  // namespace coex::bench
