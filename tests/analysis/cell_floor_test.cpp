// CellFloor: the noise floor per 1 MHz cell from the analysis frames and from a probe with frames a
// quarter as long, the lower of the two. Fed here as the analyzer feeds it: every frame's cells from the
// main spectrogram, all samples to the probe. The signals are white noise of known power and a wideband
// noise-like transmitter 20 dB up, on back to back with gaps shorter than a frame.
#include "cell_floor.hpp"

#include "coex/dsp/cell_grid.hpp"
#include "coex/dsp/spectrogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace coex::analysis {
namespace {

constexpr std::uint64_t kAll = ~std::uint64_t{0};  // the probe looks at every sample (still learning)

double db(double x) { return 10.0 * std::log10(x); }

struct Floor {
    SegmentInfo segment;
    dsp::SpectrogramConfig config;
    dsp::Spectrogram main;
    dsp::MhzCellGrid grid;
    CellFloor floor;
    std::vector<float> cells, estimate;
    GainSteps no_steps;

    // quantisation_step: the samples' stored step (1/128: int8 read back /128); 0: floats
    explicit Floor(double rate = 20e6, std::size_t fft = 256, double quantisation_step = 0.0)
        : segment{2437e6, rate, 0.0, std::nullopt, std::nullopt, quantisation_step},
          config{fft, dsp::Window::hann, 0.0, dsp::FftPlanning::estimate},
          main(config, rate),
          grid(segment.center_frequency_hz, rate, main.fft_size(), main.enbw(), segment.usable_bandwidth_hz() / 2.0),
          floor(segment, config, main, grid, 0.01),
          cells(grid.size()),
          estimate(grid.size()),
          no_steps(main.fft_size(), main.frame_seconds(), grid.size()) {}

    // The main frames' cells to the main floor; the samples to the probe unless told not to.
    void feed(const std::vector<cf32>& x, bool probe = true, std::size_t block = 1 << 15) {
        for (std::size_t pos = 0; pos < x.size(); pos += block) {
            const std::span<const cf32> b(x.data() + pos, std::min(block, x.size() - pos));
            if (probe) floor.probe(pos, b, kAll);
            main.push(b, [&](std::span<const float> bins) {
                grid.reduce(bins, cells);
                floor.add_cells(cells);
            });
        }
    }
    std::vector<float>& estimated() {
        floor.commit_probe(no_steps, true);  // the probe's looks wait for the receiver's gain: here never stepped
        floor.estimate(estimate);
        return estimate;
    }
    // White noise of total power σ² reads σ²·n/N in a cell of n bins of an N-point FFT.
    double noise_in_cell(std::size_t c, double noise_power) const {
        return noise_power * static_cast<double>(grid.bins_in(c)) / static_cast<double>(main.fft_size());
    }
};

std::vector<cf32> white(std::size_t n, double power, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> g(0.0f, static_cast<float>(std::sqrt(power / 2.0)));
    std::vector<cf32> x(n);
    for (auto& v : x) v = cf32(g(rng), g(rng));
    return x;
}

// Noise of power `noise`, plus a wideband noise-like transmitter `up_db` over it for `on` samples out
// of every `on + off` (back-to-back frames with short gaps, like Wi-Fi frames SIFS apart).
std::vector<cf32> bursty(std::size_t n, double noise, double up_db, std::size_t on, std::size_t off, std::uint64_t seed) {
    auto x = white(n, noise, seed);
    const auto loud = white(n, noise * std::pow(10.0, up_db / 10.0), seed + 1);
    for (std::size_t i = 0; i < n; ++i)
        if (i % (on + off) < on) x[i] += loud[i];
    return x;
}

constexpr std::size_t kSamples = 400000;  // 20 ms at 20 MS/s

TEST(CellFloor, WhiteNoiseReadsItsPowerInEveryCell) {
    Floor s;
    const double noise = 1e-4;
    s.feed(white(kSamples, noise, 1));
    const auto& est = s.estimated();
    ASSERT_EQ(est.size(), s.grid.size());
    // (the cell holding DC reads ~0.5 dB low: it sums 8 bins, not 13, but its floor is estimated with the
    // grid's mean degrees of freedom)
    double mean_db = 0.0;
    for (std::size_t c = 0; c < est.size(); ++c) {
        EXPECT_NEAR(db(est[c] / s.noise_in_cell(c, noise)), 0.0, 0.75) << "cell " << c;
        mean_db += db(est[c] / s.noise_in_cell(c, noise)) / static_cast<double>(est.size());
    }
    EXPECT_NEAR(mean_db, 0.0, 0.3);
}

TEST(CellFloor, ProbeFindsTheQuietGapsBetweenBackToBackBursts) {
    // 40 µs on, 6 µs off (87 % airtime): every 12.8 µs analysis frame holds at least 6.8 µs of a burst,
    // while a 3.2 µs probe frame fits in most gaps
    const double noise = 1e-4;
    const auto x = bursty(kSamples, noise, 20.0, 800, 120, 2);

    Floor frames_only;  // the analysis frames alone never see the floor
    frames_only.feed(x, false);
    Floor both;
    both.feed(x, true);
    const auto& high = frames_only.estimated();
    const auto& est = both.estimated();
    for (std::size_t c = 0; c < est.size(); ++c) {
        const double truth = both.noise_in_cell(c, noise);
        EXPECT_GT(db(high[c] / truth), 6.0) << "cell " << c;       // read high by the bursts
        EXPECT_NEAR(db(est[c] / truth), 0.0, 1.5) << "cell " << c;  // the probe's look is the true floor
    }
}

TEST(CellFloor, EstimateIsTheLowerOfTheTwoLooks) {
    const double noise = 1e-4;
    // the frames see quiet noise, the probe 10 dB more: the frames' floor stands
    {
        Floor s;
        const auto quiet = white(kSamples, noise, 3);
        const auto loud = white(kSamples, 10.0 * noise, 4);
        s.main.push(quiet, [&](std::span<const float> bins) {
            s.grid.reduce(bins, s.cells);
            s.floor.add_cells(s.cells);
        });
        for (std::size_t pos = 0; pos < loud.size(); pos += 1 << 15)
            s.floor.probe(pos, std::span<const cf32>(loud).subspan(pos, std::min<std::size_t>(1 << 15, loud.size() - pos)), kAll);
        const auto& est = s.estimated();
        for (std::size_t c = 0; c < est.size(); ++c) EXPECT_NEAR(db(est[c] / s.noise_in_cell(c, noise)), 0.0, 0.75) << "cell " << c;
    }
    // the other way round: the probe's quieter look wins, scaled to the frames' cells
    {
        Floor s;
        const auto quiet = white(kSamples, noise, 5);
        const auto loud = white(kSamples, 10.0 * noise, 6);
        s.main.push(loud, [&](std::span<const float> bins) {
            s.grid.reduce(bins, s.cells);
            s.floor.add_cells(s.cells);
        });
        for (std::size_t pos = 0; pos < quiet.size(); pos += 1 << 15)
            s.floor.probe(pos, std::span<const cf32>(quiet).subspan(pos, std::min<std::size_t>(1 << 15, quiet.size() - pos)), kAll);
        const auto& est = s.estimated();
        for (std::size_t c = 0; c < est.size(); ++c) EXPECT_NEAR(db(est[c] / s.noise_in_cell(c, noise)), 0.0, 1.0) << "cell " << c;
    }
}

TEST(CellFloor, WithoutProbeLooksTheFramesDecide) {
    Floor s;
    const double noise = 1e-4;
    s.feed(white(kSamples, noise, 7), false);
    const auto& est = s.estimated();
    for (std::size_t c = 0; c < est.size(); ++c) EXPECT_NEAR(db(est[c] / s.noise_in_cell(c, noise)), 0.0, 0.75) << "cell " << c;
}

TEST(CellFloor, FramesTooShortForAProbeStillGiveTheFloor) {
    // an RTL-SDR at 2.4 MS/s: 32-point frames, a probe of 8 points would not resolve a MHz
    Floor s(2.4e6, 32);
    ASSERT_GT(s.grid.size(), 0u);
    const double noise = 1e-4;
    s.feed(bursty(100000, noise, 20.0, 600, 20, 8));  // the gaps are shorter than one frame
    s.feed(white(100000, noise, 9));                  // then quiet
    const auto& est = s.estimated();
    for (std::size_t c = 0; c < est.size(); ++c) EXPECT_NEAR(db(est[c] / s.noise_in_cell(c, noise)), 0.0, 1.0) << "cell " << c;
}

// What the probe looks at depends on the samples' positions in the segment, not on how the stream was
// cut into blocks: a recording replays to the same floor as the live stream it recorded.
TEST(CellFloor, TheProbeSeesTheSameSamplesWhateverTheBlocks) {
    const auto quiet = white(kSamples, 1e-4, 9);
    const auto loud = white(kSamples, 1e-3, 10);  // the frames see 10 dB more: the probe's look decides
    std::vector<std::vector<float>> estimates;
    for (const std::size_t block : {std::size_t{1000}, std::size_t{4096}, std::size_t{65536}, std::size_t{100003}}) {
        Floor s;
        s.main.push(loud, [&](std::span<const float> bins) {
            s.grid.reduce(bins, s.cells);
            s.floor.add_cells(s.cells);
        });
        for (std::size_t pos = 0; pos < quiet.size(); pos += block)
            s.floor.probe(pos, std::span<const cf32>(quiet).subspan(pos, std::min(block, quiet.size() - pos)), 30000);  // learnt after 30000
        estimates.push_back(s.estimated());
        for (std::size_t c = 0; c < estimates.back().size(); ++c)
            EXPECT_NEAR(db(estimates.back()[c] / s.noise_in_cell(c, 1e-4)), 0.0, 1.5) << "cell " << c << ": the probe's quiet look decides";
    }
    for (std::size_t i = 1; i < estimates.size(); ++i) EXPECT_EQ(estimates[i], estimates[0]) << "block size #" << i;
}

// Rounded to int8 as an 8-bit receiver's ADC does, read back /128 as a .cs8 file is.
std::vector<cf32> through_int8(std::vector<cf32> x) {
    auto q = [](float v) { return std::clamp(std::round(v * 128.0f), -128.0f, 127.0f) / 128.0f; };
    for (auto& v : x) v = cf32(q(v.real()), q(v.imag()));
    return x;
}

constexpr double kInt8Step = 1.0 / 128.0;
constexpr double kInt8RoundingNoise = kInt8Step * kInt8Step / 6.0;  // per complex sample, step²/12 in I and in Q
constexpr double kSubStepNoise = 2.0 * (0.2 * kInt8Step) * (0.2 * kInt8Step);  // σ = 0.2 step in I and in Q

// A receiver whose noise is under its ADC's step (σ = 0.2 step a component, as BLE_BLE's recording
// after its packets through 8 bits at 90 %): ~98 % of the components round to zero, the rest to ±1,
// and the cells of those frames read well under anything the same samples could show. Told the
// samples are int8, the floor is their rounding noise.
TEST(CellFloor, IntegerSamplesNeverReadAFloorUnderTheirRoundingNoise) {
    const auto x = through_int8(white(kSamples, kSubStepNoise, 11));
    std::size_t zeros = 0;
    for (const auto& v : x) zeros += v == cf32{};
    ASSERT_GT(zeros, x.size() * 9 / 10) << "the noise must round mostly to zero";
    ASSERT_LT(zeros, x.size()) << "and not all of it";

    Floor as_float;  // the same values handed over as floats: nothing says what they resolve
    as_float.feed(x);
    Floor as_int8(20e6, 256, kInt8Step);
    as_int8.feed(x);
    const auto& low = as_float.estimated();
    const auto& est = as_int8.estimated();
    for (std::size_t c = 0; c < est.size(); ++c) {
        const double rounding = as_int8.noise_in_cell(c, kInt8RoundingNoise);
        EXPECT_LT(db(low[c] / rounding), -10.0) << "cell " << c << ": the looks alone read under the rounding noise";
        EXPECT_NEAR(db(est[c] / rounding), 0.0, 1e-4) << "cell " << c;
    }
}

// Noise well over the step (10 dB over the rounding noise): the rule does not bind, and the int8
// floor is the looks' own estimate, bit for bit.
TEST(CellFloor, IntegerSamplesOverTheirStepKeepTheLooksEstimate) {
    const auto x = through_int8(white(kSamples, 10.0 * kInt8RoundingNoise, 12));
    Floor as_float;
    as_float.feed(x);
    Floor as_int8(20e6, 256, kInt8Step);
    as_int8.feed(x);
    EXPECT_EQ(as_int8.estimated(), as_float.estimated());
    for (std::size_t c = 0; c < as_int8.estimate.size(); ++c)
        EXPECT_GT(db(as_int8.estimate[c] / as_int8.noise_in_cell(c, kInt8RoundingNoise)), 8.0) << "cell " << c;
}

// All digital zero: nothing was seen, and the floor stays unknown (0), not the rounding noise.
TEST(CellFloor, DigitalZeroStaysUnknown) {
    Floor s(20e6, 256, kInt8Step);
    s.feed(std::vector<cf32>(kSamples));
    for (const float f : s.estimated()) EXPECT_EQ(f, 0.0f);
}

// Frames at a gain 6 dB higher (a receiver's AGC step) are counted at the first frame's gain, divided
// by 4: there the samples resolve four times finer, and so may the floor.
TEST(CellFloor, RoundingNoiseIsTakenAtTheHighestGain) {
    Floor s(20e6, 256, kInt8Step);
    const auto x = through_int8(white(kSamples, kSubStepNoise, 13));
    s.main.push(x, [&](std::span<const float> bins) {
        s.grid.reduce(bins, s.cells);
        for (auto& v : s.cells) v /= 4.0f;
        s.floor.add_cells(s.cells);
        s.floor.saw_gain(4.0);
    });
    const auto& est = s.estimated();
    for (std::size_t c = 0; c < est.size(); ++c)
        EXPECT_NEAR(db(est[c] / s.noise_in_cell(c, kInt8RoundingNoise / 4.0)), 0.0, 1e-4) << "cell " << c;
}

}  // namespace
}  // namespace coex::analysis
