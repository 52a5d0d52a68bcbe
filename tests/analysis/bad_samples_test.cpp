// The analyzer refuses NaN and infinite samples from any source, naming the first one, wherever it sits:
// in a whole frame (found from the frame's spectrum), in a segment's last partial frame, before a gap;
// finite samples too large for the spectrum are refused too. (coex analyze relies on this instead of a
// scan of every sample as it is read.)
#include "coex/analysis/analyzer.hpp"
#include "coex/core/error.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <string>

namespace coex::analysis {
namespace {

std::vector<cf32> noise(std::size_t n) {
    std::mt19937_64 rng(3);
    std::normal_distribution<float> g(0.0f, 0.01f);
    std::vector<cf32> x(n);
    for (auto& v : x) v = {g(rng), g(rng)};
    return x;
}

// Analyses x in blocks (a gap before block `gap_at`, when set); returns the error, or "" when none.
std::string error_of(const std::vector<cf32>& x, double overlap = 0.0, std::size_t gap_at = 0) {
    AnalysisConfig config;
    config.spectrogram.planning = dsp::FftPlanning::estimate;
    config.spectrogram.overlap = overlap;
    config.source_name = "test.h5";
    try {
        Analyzer analyzer(config);
        const std::size_t block = 10'000;
        for (std::size_t i = 0, pos = 0; pos < x.size(); ++i, pos += block) {
            SampleBlock b;
            b.segment = SegmentInfo{2437e6, 20e6, 0.0, std::nullopt, std::nullopt};
            b.first_sample = pos + (gap_at && i >= gap_at ? 1000 : 0);
            b.dropped_before = gap_at && i == gap_at ? 1000 : 0;
            b.samples.assign(x.begin() + static_cast<std::ptrdiff_t>(pos), x.begin() + static_cast<std::ptrdiff_t>(std::min(x.size(), pos + block)));
            analyzer.consume(b);
        }
        (void)analyzer.finish({});
    } catch (const InputError& e) {
        return e.what();
    }
    return "";
}

TEST(BadSamples, NanOrInfinityIsNamedWhereverItSits) {
    const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
    const std::size_t n = 100'000;
    for (const double overlap : {0.0, 0.5}) {
        for (const std::size_t at : {std::size_t{0}, std::size_t{12'345}, n - 100, n - 3}) {  // (the last 160 samples are in no whole frame)
            for (const bool real_part : {true, false}) {
                auto x = noise(n);
                (real_part ? reinterpret_cast<float*>(&x[at])[0] : reinterpret_cast<float*>(&x[at])[1]) = at % 2 ? inf : nan;
                EXPECT_EQ(error_of(x, overlap), "test.h5: segment 0: sample " + std::to_string(at) + " is NaN or infinite")
                    << "at " << at << ", overlap " << overlap;
            }
        }
    }
    EXPECT_EQ(error_of(noise(n)), "");
}

TEST(BadSamples, NanJustBeforeAGapIsNamed) {
    auto x = noise(50'000);
    x[29'990] = {std::numeric_limits<float>::quiet_NaN(), 0.0f};  // block 2's tail, in a partial frame when block 3 starts after a gap
    EXPECT_EQ(error_of(x, 0.0, 3), "test.h5: segment 0: sample 29990 is NaN or infinite");
}

TEST(BadSamples, HugeFiniteSamplesAreRefused) {
    auto x = noise(50'000);
    x[5'000] = {1e30f, 0.0f};
    const auto error = error_of(x);
    EXPECT_NE(error.find("test.h5: segment 0: samples 4864 to 5119 are too large to analyse"), std::string::npos) << error;
}

}  // namespace
}  // namespace coex::analysis
