// kill_check FILE.h5 SOURCE.h5 COMMITTED [HEAD]: the kill test's judge of one recording
// (bench/kill_test.sh).
//
// FILE was written by `coex record` from the coexsim radio playing SOURCE (a one-segment capture) and
// killed; COMMITTED is the last line of its --commit-log, the samples the recorder had written and
// flushed before the kill. FILE must open with coex's own reader and hold at least COMMITTED samples,
// every one readable; and every sample of a segment at SOURCE's tuning must be SOURCE's sample at the
// same stream position (the radio plays SOURCE looped: stream sample k is SOURCE[k mod length]), except
// the first HEAD samples of each segment (default 0). Those can be the radio's, not the scene's: when
// the reader starts or retunes late on a loaded host, the simulated radio still delivers samples of the
// old tuning that the live source's settling time does not cover. What a kill can take is at a
// segment's end, which is always compared. Segments at other tunings (a sweep) are read through but
// not compared.
//
// Prints one line: "ok SEGMENTS SAMPLES COMPARED COMMITTED", "empty" (nothing committed, and the file
// holds no segment or was not yet renamed into place), or "FAIL <why>"; exits 0, 0 or 1.
#include "coex/core/error.hpp"
#include "coex/io/capture.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

namespace {

int fail(const std::string& why) {
    std::cout << "FAIL " << why << "\n";
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4 && argc != 5) {
        std::cerr << "usage: kill_check FILE.h5 SOURCE.h5 COMMITTED [HEAD]\n";
        return 2;
    }
    const std::uint64_t head = argc == 5 ? std::stoull(argv[4]) : 0;
    const std::string path = argv[1];
    const std::uint64_t committed = std::stoull(argv[3]);
    try {
        coex::io::CaptureReader source(argv[2]);
        if (source.segments().size() != 1) return fail("the source capture must have one segment");
        const auto& source_info = source.segments()[0].info;
        std::vector<coex::cf32> expected(source.segments()[0].length);
        source.read(0, 0, expected);

        std::optional<coex::io::CaptureReader> file;
        try {
            file.emplace(path);
        } catch (const coex::InputError& e) {
            const std::string message = e.what();
            const bool nothing = message.find("no segments") != std::string::npos ||
                                 message.find("no such file") != std::string::npos;
            if (committed == 0 && nothing) {
                std::cout << "empty\n";
                return 0;
            }
            return fail("does not open: " + message);
        }
        std::uint64_t samples = 0, compared = 0;
        std::vector<coex::cf32> block(1 << 16);
        const auto& segments = file->segments();
        for (std::size_t s = 0; s < segments.size(); ++s) {
            const auto& info = segments[s].info;
            const bool same_tuning = std::abs(info.center_frequency_hz - source_info.center_frequency_hz) < 1.0 &&
                                     info.sample_rate_hz == source_info.sample_rate_hz;
            const auto first = static_cast<std::uint64_t>(std::llround(info.start_time_s * info.sample_rate_hz));
            for (std::uint64_t offset = 0; offset < segments[s].length;) {
                const std::size_t got = file->read(s, offset, block);
                if (got == 0) return fail("segment " + std::to_string(s) + " ends early at " + std::to_string(offset));
                if (same_tuning) {
                    for (std::size_t k = 0; k < got; ++k) {
                        if (offset + k < head) continue;
                        const std::uint64_t at = (first + offset + k) % expected.size();
                        if (block[k] != expected[at]) {
                            return fail("segment " + std::to_string(s) + " sample " + std::to_string(offset + k) +
                                        " differs from the source's sample " + std::to_string(at));
                        }
                    }
                    compared += got - std::min<std::uint64_t>(got, head > offset ? head - offset : 0);
                }
                offset += got;
            }
            samples += segments[s].length;
        }
        if (samples < committed) {
            return fail("holds " + std::to_string(samples) + " samples; the recorder had committed " + std::to_string(committed));
        }
        if (file->unfinished_segments_skipped() > 0) std::cerr << path << ": newest segment unfinished, skipped\n";
        std::cout << "ok " << segments.size() << " " << samples << " " << compared << " " << committed << "\n";
        return 0;
    } catch (const std::exception& e) {
        return fail(std::string("reading failed: ") + e.what());
    }
}
