#include "coex/dsp/noise_floor.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <stdexcept>

namespace coex::dsp {
namespace {

// Histogram cells are 1/8 octave (0.38 dB) wide, read straight off the float's exponent and top three
// mantissa bits: no logarithm on the per-frame path.
constexpr int kMantissaBits = 3;
constexpr int kShift = 23 - kMantissaBits;
constexpr std::uint32_t kLowest = (127 - 80) << kMantissaBits;   // 2^-80 ≈ −241 dB, and zero
constexpr std::uint32_t kHighest = (127 + 12) << kMantissaBits;  // 2^+12 ≈ +36 dB
constexpr std::size_t kCells = kHighest - kLowest + 1;
static_assert(kCells <= 0xffff, "a batched look keeps its cells as 16 bits");
// The estimate starts from at least this many of the quietest observations, so a short, busy
// capture (a few ms of back-to-back frames) still finds its handful of quiet frames.
constexpr double kMinQuietObservations = 3.0;

inline std::size_t cell_of(float power) {
    const std::uint32_t raw = std::bit_cast<std::uint32_t>(power) >> kShift;
    return std::clamp(raw, kLowest, kHighest) - kLowest;
}

// Lower edge of histogram cell `cell` plus a fraction of its width, in linear power.
double cell_value(std::size_t cell, double fraction) {
    const std::uint32_t raw = static_cast<std::uint32_t>(cell) + kLowest;
    const int exponent = static_cast<int>(raw >> kMantissaBits) - 127;
    const double mantissa = 1.0 + (static_cast<double>(raw & ((1u << kMantissaBits) - 1)) + fraction) /
                                      static_cast<double>(1u << kMantissaBits);
    return std::ldexp(mantissa, exponent);
}

// Midpoints of the histogram cells in linear power, rising with the cell (a table: the floor is
// re-estimated often).
const std::array<double, kCells>& cell_mids() {
    static const auto table = [] {
        std::array<double, kCells> t{};
        for (std::size_t c = 1; c < kCells; ++c) t[c] = cell_value(c, 0.5);
        return t;
    }();
    return table;
}

double inverse_normal_cdf(double p) {
    double lo = -10.0, hi = 10.0;
    for (int i = 0; i < 100; ++i) {
        const double mid = 0.5 * (lo + hi);
        (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
}

}  // namespace

double PercentileFloor::chi2_mean_over_quantile(double dof, double p) {
    if (std::abs(dof - 2.0) < 1e-9) return 1.0 / -std::log1p(-p);  // exponential: exact
    const double a = 2.0 / (9.0 * dof);
    const double q = std::pow(1.0 - a + inverse_normal_cdf(p) * std::sqrt(a), 3.0);
    return 1.0 / std::max(q, 1e-6);
}

double PercentileFloor::regularized_gamma_p(double a, double x) {
    if (x <= 0.0) return 0.0;
    // series: P(a,x) = x^a e^−x / Γ(a+1) · Σ xⁿ / ((a+1)…(a+n))
    double term = 1.0, sum = 1.0;
    for (int n = 1; n < 2000; ++n) {
        term *= x / (a + n);
        sum += term;
        if (term < sum * 1e-12) break;
    }
    return std::min(1.0, std::exp(a * std::log(x) - x - std::lgamma(a + 1.0)) * sum);
}

PercentileFloor::PercentileFloor(std::size_t channels, double percentile, double degrees_of_freedom)
    : channels_(channels), percentile_(percentile), dof_(degrees_of_freedom) {
    if (channels >= kBatchChannels) {
        low_counts_.assign(channels * kCells, 0);
        batch_.resize(kBatchLooks * channels);
    } else {
        counts_.assign(channels * kCells, 0);
    }
    if (channels == 0) throw std::invalid_argument("PercentileFloor: no channels");
    if (!(percentile > 0.0 && percentile <= 0.5)) throw std::invalid_argument("PercentileFloor: percentile must be in (0, 0.5]");
    if (!(degrees_of_freedom >= 1.0)) throw std::invalid_argument("PercentileFloor: degrees of freedom must be ≥ 1");
    correction_ = chi2_mean_over_quantile(degrees_of_freedom, percentile);
    clip_ = 1.0 / chi2_mean_over_quantile(degrees_of_freedom, 0.97);
    // For X = m·χ²_ν/ν with k = ν/2: E[X | X < c·m] = m · P(k+1, c·k) / P(k, c·k).
    const double k = degrees_of_freedom / 2.0;
    clipped_mean_ = regularized_gamma_p(k + 1.0, clip_ * k) / regularized_gamma_p(k, clip_ * k);
}

void PercentileFloor::add(std::span<const float> power) {
    const std::size_t n = std::min(power.size(), channels_);
    ++observations_;
    if (batched() && n == channels_) {
        std::uint16_t* look = batch_.data() + batched_ * channels_;
        for (std::size_t c = 0; c < n; ++c) look[c] = static_cast<std::uint16_t>(cell_of(power[c]));
        if (++batched_ == kBatchLooks) count_batch();
        return;
    }
    // histogram cells first (a loop over whole vectors), then the counts (a short look: at once)
    std::uint32_t at[64];
    for (std::size_t c0 = 0; c0 < n; c0 += 64) {
        const std::size_t m = std::min<std::size_t>(64, n - c0);
        for (std::size_t i = 0; i < m; ++i) at[i] = static_cast<std::uint32_t>((c0 + i) * kCells + cell_of(power[c0 + i]));
        if (batched())
            for (std::size_t i = 0; i < m; ++i) count_byte(at[i]);
        else
            for (std::size_t i = 0; i < m; ++i) ++counts_[at[i]];
    }
}

void PercentileFloor::count_batch() const {
    // (locals: a byte store may alias any member, which the loop would then load again every count)
    const std::uint16_t* batch = batch_.data();
    std::uint8_t* low = low_counts_.data();
    const std::size_t channels = channels_, looks = batched_;
    for (std::size_t c = 0; c < channels; ++c) {
        const std::size_t base = c * kCells;
        for (std::size_t l = 0; l < looks; ++l) {
            const std::size_t at = base + batch[l * channels + c];
            if (++low[at] == 0) [[unlikely]] wrap(at);
        }
    }
    batched_ = 0;
}

void PercentileFloor::wrap(std::size_t at) const {
    if (wraps_.empty()) wraps_.assign(low_counts_.size(), 0);
    ++wraps_[at];
}

const std::uint32_t* PercentileFloor::counts_of(std::size_t c, std::uint32_t* scratch) const {
    if (!batched()) return counts_.data() + c * kCells;
    const std::uint8_t* low = low_counts_.data() + c * kCells;
    if (wraps_.empty()) {
        for (std::size_t k = 0; k < kCells; ++k) scratch[k] = low[k];
    } else {
        const std::uint32_t* wraps = wraps_.data() + c * kCells;
        for (std::size_t k = 0; k < kCells; ++k) scratch[k] = low[k] + (wraps[k] << 8);
    }
    return scratch;
}

void PercentileFloor::estimate(std::span<float> out) const {
    if (batched_ > 0) count_batch();
    const auto& mids = cell_mids();
    // Running sums over the histogram cells 1…k, added in the same order as a loop over the cells
    // would add them (so the same doubles): the refinement below looks them up instead of re-summing.
    // They are summed only as far as a lookup needs (the noise's cells, not a busy channel's bursts
    // tens of dB above it).
    std::array<double, kCells + 1> below_n, below_sum;  // cells 1 … k−1 (set from the first cell holding observations on)
    std::array<std::uint32_t, kCells> scratch;
    for (std::size_t c = 0; c < std::min(out.size(), channels_); ++c) {
        const std::uint32_t* counts = counts_of(c, scratch.data());
        // Exact zeros are missing signal (a device that has not started, a zero-filled gap), not noise.
        const double observed = static_cast<double>(observations_) - counts[0];
        if (observed <= 0.0) {
            out[c] = 0.0f;
            continue;
        }
        const double target = std::min(observed, std::max(kMinQuietObservations, percentile_ * observed));
        // Only the cells from the first to the last one holding observations matter: the sums below
        // stay 0 before them and reach the totals after them (adding zero counts changes no double).
        // (hundreds of empty cells lie under the noise and over the strongest burst: four at a time)
        std::size_t lo = 1, hi = kCells - 1;
        while (lo + 4 <= hi && (counts[lo] | counts[lo + 1] | counts[lo + 2] | counts[lo + 3]) == 0) lo += 4;
        while (lo < hi && counts[lo] == 0) ++lo;
        while (hi >= lo + 4 && (counts[hi] | counts[hi - 1] | counts[hi - 2] | counts[hi - 3]) == 0) hi -= 4;
        while (hi > lo && counts[hi] == 0) --hi;
        double n = 0.0, sum = 0.0;  // over cells lo … summed − 1
        std::size_t summed = lo;
        below_n[lo] = below_sum[lo] = 0.0;
        const auto sum_through = [&](std::size_t last) {
            for (; summed <= last; ++summed) {
                n += counts[summed];
                sum += counts[summed] * mids[summed];
                below_n[summed + 1] = n;  // (summed + 1 ≤ kCells: the arrays hold one more)
                below_sum[summed + 1] = sum;
            }
        };
        double value = 0.0;
        for (std::size_t cell = lo; cell <= hi; ++cell) {
            const double before = below_n[cell];
            sum_through(cell);
            const double here = counts[cell];
            if (before + here >= target && here > 0) {
                value = cell_value(cell, (target - before) / here);
                break;
            }
        }
        const double p = std::clamp(target / observed, 1e-6, 0.5);
        double mean = value * (p == percentile_ ? correction_ : chi2_mean_over_quantile(dof_, p));
        // Refine to the mean of the noise-only part: bursts far above it fall outside the clip.
        for (int iteration = 0; iteration < 20 && mean > 0.0; ++iteration) {
            const double limit = clip_ * mean;
            // the observations in the cells whose midpoint lies below the limit (midpoints rise with the cell)
            const auto first_out = static_cast<std::size_t>(std::lower_bound(mids.begin() + 1, mids.end(), limit) - mids.begin());
            const bool below_all = first_out <= lo, above_all = first_out > hi;
            if (!below_all) sum_through(above_all ? hi : first_out - 1);
            const double quiet_n = below_all ? 0.0 : above_all ? n : below_n[first_out];
            const double quiet_sum = below_all ? 0.0 : above_all ? sum : below_sum[first_out];
            if (quiet_n < kMinQuietObservations || quiet_sum <= 0.0) break;  // too few quiet observations to refine on
            const double next = quiet_sum / quiet_n / clipped_mean_;
            const bool settled = std::abs(next - mean) < 1e-3 * mean;
            mean = next;
            if (settled) break;
        }
        out[c] = static_cast<float>(mean);
    }
}

std::vector<float> PercentileFloor::estimate() const {
    std::vector<float> out(channels_);
    estimate(out);
    return out;
}

}  // namespace coex::dsp
