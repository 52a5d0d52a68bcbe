#pragma once
// Groups spectrogram bins into 1 MHz cells centred on whole MHz (2402, 2403, … MHz): the common
// grid of the band plan (Bluetooth channels at 2402 + k, Wi-Fi centres at 2412 + 5k, Zigbee at
// 2405 + 5k). Only cells that lie wholly inside the usable band of a tuning exist.
#include <array>
#include <cstddef>
#include <map>
#include <span>
#include <vector>

namespace coex::dsp {

class MhzCellGrid {
public:
    // usable_half_width_hz: how far from the centre the receiver's passband is trusted.
    MhzCellGrid(double center_hz, double sample_rate_hz, std::size_t fft_size, double enbw_bins,
                double usable_half_width_hz);

    [[nodiscard]] std::size_t size() const { return first_bin_.size(); }
    [[nodiscard]] int first_mhz() const { return first_mhz_; }
    [[nodiscard]] int last_mhz() const { return first_mhz_ + static_cast<int>(size()) - 1; }
    // Index of the cell centred on `mhz`, or −1 when the grid has no such cell.
    [[nodiscard]] int index_of(int mhz) const {
        const int i = mhz - first_mhz_;
        return (i >= 0 && i < static_cast<int>(size())) ? i : -1;
    }
    // True when every cell from lo_mhz to hi_mhz (inclusive) exists.
    [[nodiscard]] bool covers(int lo_mhz, int hi_mhz) const { return index_of(lo_mhz) >= 0 && index_of(hi_mhz) >= 0; }
    [[nodiscard]] std::size_t bins_in(std::size_t cell) const { return end_bin_[cell] - first_bin_[cell]; }
    // Power in each cell (dBFS-calibrated band power: bin sum / ENBW), the DC bins left out.
    void reduce(std::span<const float> bin_power, std::span<float> cell_power) const;
    // Degrees of freedom of one cell's power for Gaussian noise (for the noise-floor estimator).
    [[nodiscard]] double degrees_of_freedom() const;
    // The one or two cells holding `cell`'s frequency mirrored about the tuning's centre, where the
    // receiver's IQ image of it lands (−1: outside the grid, or the cell itself).
    [[nodiscard]] const std::array<int, 2>& mirror_cells(std::size_t cell) const { return mirror_cells_[cell]; }
    [[nodiscard]] double usable_low_mhz() const { return usable_low_mhz_; }
    [[nodiscard]] double usable_high_mhz() const { return usable_high_mhz_; }
    // The cell that holds the DC bin whole, its bins too wide for the guard (−1: none, or guarded):
    // its power includes the receiver's LO leakage.
    [[nodiscard]] int unguarded_dc_cell() const { return unguarded_dc_cell_; }

private:
    int first_mhz_ = 0;
    double enbw_;
    double usable_low_mhz_, usable_high_mhz_;
    std::vector<std::size_t> first_bin_, end_bin_;
    std::vector<std::array<int, 2>> mirror_cells_;
    // The receiver's DC spike (LO leakage, ±kDcGuardBins around 0 Hz) is left out of the cell that
    // holds it, whose sum is scaled up for the bins it lost.
    static constexpr std::size_t kDcGuardBins = 2;
    std::ptrdiff_t dc_cell_ = -1;
    std::size_t dc_first_ = 0, dc_end_ = 0;
    float dc_scale_ = 1.0f;
    int unguarded_dc_cell_ = -1;
};

// Per whole MHz, the quietest noise floor density (power per MHz) any tuning saw there: a sweep looks
// at most MHz more than once, and the quietest look is the floor (a busier one had traffic in it).
class QuietestFloor {
public:
    // cell_floor: mean noise power per cell of `grid`, whose bins are bin_hz apart. A cell with no
    // noise at all (a floor of 0) is no look.
    void add(const MhzCellGrid& grid, std::span<const float> cell_floor, double bin_hz);
    [[nodiscard]] const std::map<int, double>& per_mhz() const { return density_; }

private:
    std::map<int, double> density_;
};

}  // namespace coex::dsp
