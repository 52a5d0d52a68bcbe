// GainSteps: the receiver's AGC steps told apart from emitters. Signals: white noise and 802.11a PPDUs
// from the simulator's generator (20 MS/s, 5 and 20 dB over the floor, ~50 % airtime, PPDUs of
// 0.1–2 ms), then the simulator's AGC model (3 dB steps, 10 a second, a fixed seed) on top; fed as the
// analyzer feeds it: every frame's bins and 1 MHz cells.
#include "gain_steps.hpp"

#include "coex/dsp/cell_grid.hpp"
#include "coex/dsp/spectrogram.hpp"
#include "coex/sim/receiver.hpp"
#include "coex/sim/scene.hpp"
#include "coex/sim/wifi.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <iostream>
#include <random>
#include <vector>

namespace coex::analysis {
namespace {

constexpr double kRate = 20e6;

// Noise at −40 dBFS and Wi-Fi frames at `snr_db` over it, back to back with random gaps.
std::vector<cf32> traffic(double seconds, double snr_db, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<cf32> x(static_cast<std::size_t>(seconds * kRate));
    sim::add_awgn(x, -40.0, rng);
    // PPDU power over the 16.6 MHz it occupies vs the noise in it
    const auto a = static_cast<float>(std::sqrt(std::pow(10.0, (-40.0 + snr_db) / 10.0) * 16.6 / 20.0));
    std::uniform_int_distribution<std::size_t> bytes(40, 1500), gap(400, 20000);
    std::size_t at = gap(rng);
    while (at < x.size()) {
        const auto ppdu = sim::wifi_ofdm_ppdu(bytes(rng), sim::WifiRate::mbps6, rng);
        for (std::size_t i = 0; i < ppdu.samples.size() && at + i < x.size(); ++i) x[at + i] += a * ppdu.samples[i];
        at += ppdu.samples.size() + gap(rng);
    }
    return x;
}

struct Outcome {
    std::vector<double> gain;  // per released frame
    std::vector<std::uint64_t> first_sample;
    std::uint64_t steps = 0;
    bool cells_unchanged = true;  // every released frame's cells as pushed (when its gain is 1)
    std::size_t pushed = 0;
};

// Fed in stretches: a new stretch (as after a gap, or a sweep's return to the tuning) at `breaks`.
Outcome run(const std::vector<cf32>& x, const std::vector<std::size_t>& breaks = {}) {
    const dsp::SpectrogramConfig config{256, dsp::Window::hann, 0.0, dsp::FftPlanning::estimate};
    dsp::Spectrogram spec(config, kRate);
    const SegmentInfo segment{2437e6, kRate, 0.0, std::nullopt, std::nullopt};
    dsp::MhzCellGrid grid(segment.center_frequency_hz, kRate, spec.fft_size(), spec.enbw(), segment.usable_bandwidth_hz() / 2.0);
    GainSteps steps(spec.fft_size(), spec.frame_seconds(), grid.size());
    std::vector<float> cells(grid.size());
    std::vector<std::vector<float>> pushed;
    Outcome r;
    auto drain = [&] {
        GainSteps::Released f;
        while (steps.pop(f)) {
            const std::size_t k = r.gain.size();
            r.gain.push_back(f.gain);
            r.first_sample.push_back(f.first_sample);
            if (f.gain == 1.0)
                for (std::size_t c = 0; c < cells.size(); ++c) r.cells_unchanged = r.cells_unchanged && f.cells[c] == pushed[k][c];
        }
    };
    std::uint64_t first = 0;
    std::size_t next_break = 0;
    for (std::size_t pos = 0; pos < x.size();) {
        std::size_t end = std::min<std::size_t>(pos + (1 << 16), x.size());
        if (next_break < breaks.size()) {
            if (pos == breaks[next_break]) {
                steps.end_stretch();
                drain();
                spec.reset();
                first = pos;
                ++next_break;
            }
            if (next_break < breaks.size()) end = std::min(end, breaks[next_break]);
        }
        const std::span<const cf32> b(x.data() + pos, end - pos);
        pos = end;
        spec.push(b, [&](std::span<const float> bins) {
            grid.reduce(bins, cells);
            pushed.push_back(cells);
            steps.push(static_cast<double>(first) / kRate, first, 0, bins, cells);
            first += spec.hop();
        });
        drain();
    }
    steps.end_stretch();
    drain();
    r.steps = steps.steps();
    r.pushed = pushed.size();
    return r;
}

// The per-frame sub-band sums: the vector version against the plain one, bit for bit, on real
// spectrogram frames (the step decisions and so every report depend on these floats), at every sub-band
// width the FFT sizes give (4 … 64 bins unrolled, 128 through the general loop) and with a group
// count that leaves a remainder for the plain tail.
TEST(GainSteps, SubBandSumsEqualThePlainVersionBitForBit) {
    const auto x = traffic(0.01, 20.0, 21);
    for (const std::size_t fft : {64u, 128u, 256u, 512u, 1024u, 2048u}) {
        const dsp::SpectrogramConfig config{fft, dsp::Window::hann, 0.0, dsp::FftPlanning::estimate};
        dsp::Spectrogram spec(config, kRate);
        std::size_t frames = 0;
        for (const std::size_t groups : {std::size_t{16}, std::size_t{7}}) {
            const std::size_t per_group = fft / 16;
            std::vector<float> fast(groups, 0.0f), plain(groups, 0.0f);
            spec.reset();
            spec.push(x, [&](std::span<const float> bins) {
                ++frames;
                add_sub_band_sums(bins.data(), per_group, groups, fast.data());
                add_sub_band_sums_plain(bins.data(), per_group, groups, plain.data());
            });
            for (std::size_t g = 0; g < groups; ++g) {
                ASSERT_GT(plain[g], 0.0f) << "FFT " << fft << ", sub-band " << g;
                ASSERT_EQ(std::bit_cast<std::uint32_t>(fast[g]), std::bit_cast<std::uint32_t>(plain[g]))
                    << "FFT " << fft << ", " << groups << " sub-bands, sub-band " << g << ": " << fast[g] << " vs " << plain[g];
            }
        }
        EXPECT_GT(frames, 2u) << "FFT " << fft;
    }
}

TEST(GainSteps, TrafficWithoutStepsPassesUnchanged) {
    for (const double snr : {5.0, 20.0}) {
        const Outcome r = run(traffic(0.2, snr, 11));
        EXPECT_EQ(r.steps, 0u) << snr << " dB";
        EXPECT_EQ(r.gain.size(), r.pushed);
        EXPECT_TRUE(r.cells_unchanged);
        for (double g : r.gain) ASSERT_EQ(g, 1.0);
    }
}

TEST(GainSteps, NoiseOnlyHasNoSteps) {
    std::mt19937_64 rng(3);
    std::vector<cf32> x(static_cast<std::size_t>(0.2 * kRate));
    sim::add_awgn(x, -40.0, rng);
    EXPECT_EQ(run(x).steps, 0u);
}

// The AGC model's steps over noise, a narrowband carrier and the DC leak (not scaled by the gain).
// Measured: 4 of the 5 steps in judged windows are found, each read 2.91–2.97 dB from the windows'
// quiet levels (at 0236e0b 3, from the windows' minima, which read a 3 dB step 0.1–0.6 dB short).
// Asserted: none invented, at most one missed, and where the gain is taken out it is the model's
// (within 1 dB) — never a gain the model did not have.
TEST(GainSteps, AgcStepsAreFoundAndTakenOut) {
    std::mt19937_64 noise(5);
    std::vector<cf32> x(static_cast<std::size_t>(0.4 * kRate));
    sim::add_awgn(x, -40.0, noise);
    for (std::size_t i = 0; i < x.size(); ++i) {  // a carrier at +3.1 MHz, 20 dB over the noise in its bin
        const double ph = 2.0 * 3.14159265358979 * 3.1e6 * static_cast<double>(i) / kRate;
        x[i] += cf32(static_cast<float>(0.01 * std::cos(ph)), static_cast<float>(0.01 * std::sin(ph)));
    }
    std::mt19937_64 rng(7);
    const auto truth = sim::agc_steps(x.size(), kRate, 3.0, 10.0, rng);
    ASSERT_GE(truth.size(), 2u);
    sim::apply_gain_steps(x, truth);
    for (auto& v : x) v += cf32(0.003f, -0.002f);  // the DC leak, after the gain
    const Outcome r = run(x);
    // steps in the first or last 2 ms of the stretch are not judged
    std::size_t judged = 0;
    for (const auto& t : truth) judged += t.sample > 50000 && t.sample + 50000 < x.size();
    EXPECT_LE(r.steps, judged);
    EXPECT_GE(r.steps + 1, judged);
    ASSERT_EQ(r.gain.size(), r.pushed);
    // every gain taken out is one the model had somewhere (0, ±3, ±6 dB), within 1 dB
    std::size_t checked = 0;
    for (std::size_t k = 0; k < r.gain.size(); ++k) {
        const double db = 10.0 * std::log10(r.gain[k]);
        if (r.gain[k] == 1.0) continue;
        ++checked;
        bool model = std::abs(db) <= 1.0;  // the gain before the first step
        for (const auto& t : truth) model = model || std::abs(db - t.gain_db) <= 1.0;
        ASSERT_TRUE(model) << "frame " << k << ": " << db << " dB";
    }
    EXPECT_GT(checked, 0u);
}

// The model's gain (dB) at a sample: 0 before its first step.
double model_gain_db(const std::vector<sim::GainStep>& truth, std::uint64_t sample) {
    double g = 0.0;
    for (const auto& t : truth) {
        if (t.sample > sample) break;
        g = t.gain_db;
    }
    return g;
}

// The share of released frames whose gain taken out is the model's within 1 dB.
double share_right(const Outcome& r, const std::vector<sim::GainStep>& truth) {
    std::size_t right = 0;
    for (std::size_t k = 0; k < r.gain.size(); ++k)
        right += std::abs(10.0 * std::log10(r.gain[k]) - model_gain_db(truth, r.first_sample[k])) <= 1.0;
    return static_cast<double>(right) / static_cast<double>(r.gain.size());
}

// Steps under 802.11a traffic 20 dB over the floor (about half the airtime, so many 2 ms windows hold
// no quiet tile in the channel's sub-bands), with the DC leak; 0.8 s, 9 steps of the model, all judged.
// Measured: at 0236e0b 5 found, placed 23–880 µs off, and their chain left 0.20 of the frames at the
// model's gain; now 5 found, 0.44 of the frames. Taking out nothing would leave 0.51 of them right
// here: the two steps missed first (120 and 240 ms) and a step read as 5.7 dB for 3 dB (the
// after-window's quiet level raised by the traffic) still cost more than the
// found steps give back. Asserted: more than half of the steps found, no gain change farther than
// 600 µs from a step of the model, and at least 0.4 of the frames at the model's gain.
TEST(GainSteps, StepsUnderWifiTrafficAreFoundAtTheirInstant) {
    std::vector<cf32> x = traffic(0.8, 20.0, 13);
    std::mt19937_64 rng(17);
    const auto truth = sim::agc_steps(x.size(), kRate, 3.0, 10.0, rng);
    sim::apply_gain_steps(x, truth);
    for (auto& v : x) v += cf32(0.003f, -0.002f);
    const Outcome r = run(x);
    ASSERT_EQ(r.gain.size(), r.pushed);
    std::size_t judged = 0;
    for (const auto& t : truth) judged += t.sample > 50000 && t.sample + 50000 < x.size();
    EXPECT_GT(2 * r.steps, judged);
    EXPECT_LE(r.steps, truth.size());
    // where the gain taken out changes, a step of the model is near
    for (std::size_t k = 1; k < r.gain.size(); ++k) {
        if (r.gain[k] == r.gain[k - 1]) continue;
        std::uint64_t nearest = ~std::uint64_t{0};
        for (const auto& t : truth)
            nearest = std::min<std::uint64_t>(nearest, t.sample > r.first_sample[k] ? t.sample - r.first_sample[k] : r.first_sample[k] - t.sample);
        EXPECT_LE(static_cast<double>(nearest) / kRate, 600e-6) << "gain change at frame " << k;
    }
    const double right = share_right(r, truth);
    std::cout << "steps " << truth.size() << " (judged " << judged << "), found " << r.steps << "; frames at the model's gain " << right << "\n";
    EXPECT_GE(right, 0.4);
}

// A step the tracker does not see — here the AGC moved while the tuning was not being read (between two
// stretches, as between a sweep's dwells on it) — must not stay in every gain after the next step it
// finds: that one's gain is read against the tuning's first window. Noise and a carrier; the model:
// +3 dB from the second stretch's start (50 ms), back to 0 dB at 120 ms. Read as a chain of steps the
// frames after 120 ms would be taken out at −3 dB (as at 0236e0b); read against the first window they
// are at the model's 0 dB.
TEST(GainSteps, AStepMissedIsNotCarriedIntoLaterGains) {
    std::mt19937_64 noise(21);
    std::vector<cf32> x(static_cast<std::size_t>(0.2 * kRate));
    sim::add_awgn(x, -40.0, noise);
    for (std::size_t i = 0; i < x.size(); ++i) {  // a carrier at −4.3 MHz, 20 dB over the noise in its bin
        const double ph = -2.0 * 3.14159265358979 * 4.3e6 * static_cast<double>(i) / kRate;
        x[i] += cf32(static_cast<float>(0.01 * std::cos(ph)), static_cast<float>(0.01 * std::sin(ph)));
    }
    const std::vector<sim::GainStep> truth = {{1000000, 3.0}, {2400000, 0.0}};
    sim::apply_gain_steps(x, truth);
    const Outcome r = run(x, {1000000});
    ASSERT_EQ(r.gain.size(), r.pushed);
    // (since the stretch is led in by the tuning's first window, the step at its start is found too:
    // GainSteps.StepsAtAStretchsEdgesAreFound)
    EXPECT_EQ(r.steps, 2u);
    std::size_t checked = 0;
    for (std::size_t k = 0; k < r.gain.size(); ++k) {
        if (r.first_sample[k] < 2400000 + 500) continue;  // (the step is placed to a tile, 25 µs)
        ++checked;
        ASSERT_NEAR(10.0 * std::log10(r.gain[k]), 0.0, 1.0) << "frame " << k;
    }
    EXPECT_GT(checked, 5000u);
}

// A sweep's dwells on one tuning (20 ms each, as `sweep-coarse`'s): the AGC moves while the radio is
// tuned elsewhere, inside a dwell's first 2 ms, and in a dwell's last 2 ms — where no whole window lies
// before or after the step. Noise, a carrier and the DC leak; the model: +3 dB from the second dwell's
// start, back to 0 dB 0.7 ms into the fourth, +3 dB 1.5 ms before the fifth one's end. At 4702222 none
// of the three was judged (the frames after the first two at 0 dB taken out where the model had +3,
// and so on). Asserted: all three found, nothing else, and ≥ 0.97 of the frames taken out at the
// model's gain within 1 dB (the rest: frames within a tile or two of a step).
TEST(GainSteps, StepsAtAStretchsEdgesAreFound) {
    std::mt19937_64 noise(31);
    std::vector<cf32> x(static_cast<std::size_t>(0.1 * kRate));
    sim::add_awgn(x, -40.0, noise);
    for (std::size_t i = 0; i < x.size(); ++i) {  // a carrier at +2.2 MHz, 20 dB over the noise in its bin
        const double ph = 2.0 * 3.14159265358979 * 2.2e6 * static_cast<double>(i) / kRate;
        x[i] += cf32(static_cast<float>(0.01 * std::cos(ph)), static_cast<float>(0.01 * std::sin(ph)));
    }
    const std::vector<sim::GainStep> truth = {{400000, 3.0}, {1200000 + 14000, 0.0}, {2000000 - 30000, 3.0}};
    sim::apply_gain_steps(x, truth);
    for (auto& v : x) v += cf32(0.003f, -0.002f);
    const Outcome r = run(x, {400000, 800000, 1200000, 1600000});
    ASSERT_EQ(r.gain.size(), r.pushed);
    EXPECT_EQ(r.steps, truth.size());
    const double right = share_right(r, truth);
    std::cout << "found " << r.steps << " of " << truth.size() << "; frames at the model's gain " << right << "\n";
    EXPECT_GE(right, 0.97);
}

// The lead-in and lead-out make no step of their own: 802.11a traffic 20 dB over the floor (half the
// airtime) and 5 dB, read in ten stretches of 20 ms (a sweep's dwells, or a capture with gaps), no AGC.
TEST(GainSteps, StretchesOfTrafficWithoutStepsPassUnchanged) {
    for (const double snr : {5.0, 20.0}) {
        const auto x = traffic(0.2, snr, 41);
        std::vector<std::size_t> breaks;
        for (std::size_t k = 1; k < 10; ++k) breaks.push_back(k * 400000);
        const Outcome r = run(x, breaks);
        EXPECT_EQ(r.steps, 0u) << snr << " dB";
        EXPECT_EQ(r.gain.size(), r.pushed);
        EXPECT_TRUE(r.cells_unchanged);
    }
}

}  // namespace
}  // namespace coex::analysis
