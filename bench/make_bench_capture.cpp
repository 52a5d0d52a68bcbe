// make_bench_capture: writes the benchmark capture (bench_signal.hpp) for bench/e2e_throughput.sh.
//
//   make_bench_capture SECONDS TYPE=PATH [TYPE=PATH ...]      TYPE: int8, int16 or float32
//
// The capture is rendered 0.25 s at a time (whole PPDUs in each block, traffic and noise drawn afresh
// for every block from seeds that depend only on the block's index), so memory stays small, every file
// of one run holds the same samples (quantised to its type), and a 1 s file is the first second of a
// 5 s one. Each file is written to PATH.tmp and renamed when complete, so a half-written file is never
// mistaken for a finished one.
#include "bench_signal.hpp"

#include "coex/io/capture.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

namespace {

constexpr std::size_t kBlockSamples = 5'000'000;  // 0.25 s at 20 MS/s

struct Output {
    coex::io::SampleType type;
    std::filesystem::path path;
    std::filesystem::path temp;
    std::unique_ptr<coex::io::CaptureWriter> writer;
};

int usage() {
    std::fprintf(stderr, "usage: make_bench_capture SECONDS TYPE=PATH [TYPE=PATH ...]   (TYPE: int8, int16, float32;\n"
                         "       SECONDS a multiple of 0.25)\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) try {
    using namespace coex;
    if (argc < 3) return usage();
    const double seconds = std::stod(argv[1]);
    const double blocks_exact = seconds * bench::kRateHz / static_cast<double>(kBlockSamples);
    const auto blocks = static_cast<std::size_t>(std::llround(blocks_exact));
    if (blocks == 0 || std::abs(blocks_exact - static_cast<double>(blocks)) > 1e-9) return usage();

    std::vector<Output> outputs;
    for (int i = 2; i < argc; ++i) {
        const std::string arg = argv[i];
        const auto eq = arg.find('=');
        if (eq == std::string::npos) return usage();
        const std::string type = arg.substr(0, eq);
        Output out;
        if (type == "int8") out.type = io::SampleType::int8;
        else if (type == "int16") out.type = io::SampleType::int16;
        else if (type == "float32") out.type = io::SampleType::float32;
        else return usage();
        out.path = arg.substr(eq + 1);
        out.temp = out.path;
        out.temp += ".tmp";
        outputs.push_back(std::move(out));
    }

    const auto t0 = std::chrono::steady_clock::now();
    io::CaptureMetadata metadata;
    metadata.hardware = "coex_sim (benchmark signal)";
    metadata.description = "coex bench: noise -35 dBFS + 802.11g OFDM on channel 6 at -15 dBFS, ~30 % airtime";
    for (auto& out : outputs) {
        out.writer = std::make_unique<io::CaptureWriter>(out.temp, metadata, out.type);
        out.writer->begin_segment(bench::bench_segment());
    }
    std::vector<cf32> block(kBlockSamples);
    double airtime = 0.0;
    std::size_t ppdus = 0;
    for (std::size_t b = 0; b < blocks; ++b) {
        const auto traffic = bench::render_wifi_traffic(kBlockSamples, 2437 + b);
        std::mt19937_64 rng(20 + b);
        bench::add_noise(traffic.samples, block, rng);
        for (auto& out : outputs) out.writer->append(block);
        airtime += traffic.airtime / static_cast<double>(blocks);
        ppdus += traffic.frames;
    }
    std::fprintf(stderr, "make_bench_capture: %zu OFDM PPDUs, airtime %.1f %%\n", ppdus, 100.0 * airtime);
    for (auto& out : outputs) {
        out.writer->end_segment();
        out.writer->close();
        out.writer.reset();
        std::filesystem::rename(out.temp, out.path);
        std::fprintf(stderr, "make_bench_capture: wrote %s (%s, %.2f s, %.0f MB)\n", out.path.c_str(),
                     io::to_string(out.type).c_str(), seconds,
                     static_cast<double>(std::filesystem::file_size(out.path)) / 1e6);
    }
    const auto t2 = std::chrono::steady_clock::now();
    std::fprintf(stderr, "make_bench_capture: %.1f s in all\n", std::chrono::duration<double>(t2 - t0).count());
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "make_bench_capture: %s\n", e.what());
    return 1;
}
