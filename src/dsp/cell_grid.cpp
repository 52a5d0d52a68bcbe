#include "coex/dsp/cell_grid.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace coex::dsp {

MhzCellGrid::MhzCellGrid(double center_hz, double sample_rate_hz, std::size_t fft_size, double enbw_bins,
                         double usable_half_width_hz)
    : enbw_(enbw_bins) {
    if (!(sample_rate_hz > 0.0) || fft_size < 2) throw std::invalid_argument("MhzCellGrid: bad geometry");
    const double half = std::min(usable_half_width_hz, sample_rate_hz / 2.0);
    usable_low_mhz_ = (center_hz - half) / 1e6;
    usable_high_mhz_ = (center_hz + half) / 1e6;
    const int lo = static_cast<int>(std::ceil(usable_low_mhz_ + 0.5 - 1e-9));
    const int hi = static_cast<int>(std::floor(usable_high_mhz_ - 0.5 + 1e-9));
    first_mhz_ = lo;
    const double bin_hz = sample_rate_hz / static_cast<double>(fft_size);
    auto bin_of = [&](double hz) {  // first bin whose centre is ≥ hz
        const double k = (hz - center_hz) / bin_hz + static_cast<double>(fft_size / 2);
        return static_cast<std::size_t>(std::clamp(std::ceil(k - 1e-9), 0.0, static_cast<double>(fft_size)));
    };
    for (int mhz = lo; mhz <= hi; ++mhz) {
        const std::size_t b0 = bin_of((mhz - 0.5) * 1e6), b1 = bin_of((mhz + 0.5) * 1e6);
        if (b1 <= b0) break;  // bins wider than a MHz: no grid
        first_bin_.push_back(b0);
        end_bin_.push_back(b1);
    }
    const double center_mhz = center_hz / 1e6;
    for (std::size_t c = 0; c < size(); ++c) {
        const double mirror = 2.0 * center_mhz - (first_mhz_ + static_cast<double>(c));
        // a mirror between two cells' centres touches both
        std::array<int, 2> m = {index_of(static_cast<int>(std::floor(mirror + 1e-6))), index_of(static_cast<int>(std::ceil(mirror - 1e-6)))};
        for (int& k : m) k = k == static_cast<int>(c) ? -1 : k;
        mirror_cells_.push_back(m);
    }
    const std::size_t dc = fft_size / 2;
    for (std::size_t c = 0; c < size(); ++c) {
        if (dc < first_bin_[c] || dc >= end_bin_[c]) continue;
        dc_first_ = std::max(first_bin_[c], dc - std::min(dc, kDcGuardBins));
        dc_end_ = std::min(end_bin_[c], dc + kDcGuardBins + 1);
        const std::size_t kept = bins_in(c) - (dc_end_ - dc_first_);
        if (kept * 2 < bins_in(c)) {  // (bins so wide the guard would take most of the cell: keep it whole)
            unguarded_dc_cell_ = static_cast<int>(c);
            break;
        }
        dc_cell_ = static_cast<std::ptrdiff_t>(c);
        dc_scale_ = static_cast<float>(static_cast<double>(bins_in(c)) / static_cast<double>(kept));
    }
}

namespace {

// sum + v[begin] + v[begin + 1] + … + v[end − 1], added one at a time in that order (the same float
// as the plain loop, bit for bit). A cell holds a dozen bins at the default FFT, so the plain loop's
// per-cell set-up and remainder handling cost more than its additions: here the last ≤ 16 additions
// are one straight run entered part-way through.
[[nodiscard]] inline float add_in_order(float sum, const float* v, std::size_t begin, std::size_t end) noexcept {
    if (end <= begin) return sum;
    const float* p = v + begin;
    std::size_t n = end - begin;
    for (; n > 16; n -= 16, p += 16) {
        for (std::size_t k = 0; k < 16; ++k) sum += p[k];
    }
    const float* e = p + n;  // the last n values are e[-n] … e[-1]
    switch (n) {
        case 16: sum += e[-16]; [[fallthrough]];
        case 15: sum += e[-15]; [[fallthrough]];
        case 14: sum += e[-14]; [[fallthrough]];
        case 13: sum += e[-13]; [[fallthrough]];
        case 12: sum += e[-12]; [[fallthrough]];
        case 11: sum += e[-11]; [[fallthrough]];
        case 10: sum += e[-10]; [[fallthrough]];
        case 9: sum += e[-9]; [[fallthrough]];
        case 8: sum += e[-8]; [[fallthrough]];
        case 7: sum += e[-7]; [[fallthrough]];
        case 6: sum += e[-6]; [[fallthrough]];
        case 5: sum += e[-5]; [[fallthrough]];
        case 4: sum += e[-4]; [[fallthrough]];
        case 3: sum += e[-3]; [[fallthrough]];
        case 2: sum += e[-2]; [[fallthrough]];
        default: sum += e[-1];
    }
    return sum;
}

}  // namespace

void MhzCellGrid::reduce(std::span<const float> bin_power, std::span<float> cell_power) const {
    const float inv_enbw = static_cast<float>(1.0 / enbw_);
    const float* bins = bin_power.data();
    for (std::size_t c = 0; c < size(); ++c) {
        float sum = 0.0f;
        if (static_cast<std::ptrdiff_t>(c) == dc_cell_) {
            sum = add_in_order(sum, bins, first_bin_[c], dc_first_);
            sum = add_in_order(sum, bins, dc_end_, end_bin_[c]);
            sum *= dc_scale_;
        } else {
            sum = add_in_order(sum, bins, first_bin_[c], end_bin_[c]);
        }
        cell_power[c] = sum * inv_enbw;
    }
}

double MhzCellGrid::degrees_of_freedom() const {
    if (size() == 0) return 2.0;
    double bins = 0.0;
    for (std::size_t c = 0; c < size(); ++c) bins += static_cast<double>(bins_in(c));
    return std::max(2.0, 2.0 * (bins / static_cast<double>(size())) / enbw_);
}

void QuietestFloor::add(const MhzCellGrid& grid, std::span<const float> cell_floor, double bin_hz) {
    for (std::size_t c = 0; c < grid.size() && c < cell_floor.size(); ++c) {
        const double density = cell_floor[c] * 1e6 / (static_cast<double>(grid.bins_in(c)) * bin_hz);
        if (!(density > 0.0)) continue;
        auto [it, inserted] = density_.try_emplace(grid.first_mhz() + static_cast<int>(c), density);
        if (!inserted) it->second = std::min(it->second, density);
    }
}

}  // namespace coex::dsp
