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
    const std::size_t dc = fft_size / 2;
    for (std::size_t c = 0; c < size(); ++c) {
        if (dc < first_bin_[c] || dc >= end_bin_[c]) continue;
        dc_first_ = std::max(first_bin_[c], dc - std::min(dc, kDcGuardBins));
        dc_end_ = std::min(end_bin_[c], dc + kDcGuardBins + 1);
        const std::size_t kept = bins_in(c) - (dc_end_ - dc_first_);
        if (kept * 2 < bins_in(c)) break;  // (bins so wide the guard would take most of the cell: keep it whole)
        dc_cell_ = static_cast<std::ptrdiff_t>(c);
        dc_scale_ = static_cast<float>(static_cast<double>(bins_in(c)) / static_cast<double>(kept));
    }
}

void MhzCellGrid::reduce(std::span<const float> bin_power, std::span<float> cell_power) const {
    const float inv_enbw = static_cast<float>(1.0 / enbw_);
    for (std::size_t c = 0; c < size(); ++c) {
        float sum = 0.0f;
        if (static_cast<std::ptrdiff_t>(c) == dc_cell_) {
            for (std::size_t k = first_bin_[c]; k < dc_first_; ++k) sum += bin_power[k];
            for (std::size_t k = dc_end_; k < end_bin_[c]; ++k) sum += bin_power[k];
            sum *= dc_scale_;
        } else {
            for (std::size_t k = first_bin_[c]; k < end_bin_[c]; ++k) sum += bin_power[k];
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
