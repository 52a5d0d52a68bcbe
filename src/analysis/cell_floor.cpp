#include "cell_floor.hpp"

#include <algorithm>

namespace coex::analysis {

CellFloor::Probe::Probe(const SegmentInfo& segment, const dsp::SpectrogramConfig& config, std::size_t size)
    : spectrogram([&] {
          dsp::SpectrogramConfig c = config;
          c.fft_size = size;
          c.overlap = 0.0;
          return c;
      }(), segment.sample_rate_hz),
      grid(segment.center_frequency_hz, segment.sample_rate_hz, size, spectrogram.enbw(), segment.usable_bandwidth_hz() / 2.0),
      cells(std::max<std::size_t>(grid.size(), 1)) {
    if (grid.size() > 0) floor.emplace(grid.size(), 0.01, grid.degrees_of_freedom());
}

CellFloor::CellFloor(const SegmentInfo& segment, const dsp::SpectrogramConfig& config, const dsp::Spectrogram& main,
                     const dsp::MhzCellGrid& grid, double percentile)
    : main_(std::max<std::size_t>(grid.size(), 1), percentile, grid.degrees_of_freedom()) {
    const std::size_t probe_size = main.fft_size() / 4;
    if (probe_size < 16) return;
    probe_.emplace(segment, config, probe_size);
    if (!probe_->floor) {
        probe_.reset();
        return;
    }
    for (std::size_t c = 0; c < grid.size(); ++c) {
        const int p = probe_->grid.index_of(grid.first_mhz() + static_cast<int>(c));
        probe_index_.push_back(p);
        // A cell's noise power is the density times the bandwidth of the bins it sums.
        const double main_hz = static_cast<double>(grid.bins_in(c)) * main.bin_hz();
        const double probe_hz = p >= 0 ? static_cast<double>(probe_->grid.bins_in(static_cast<std::size_t>(p))) *
                                              probe_->spectrogram.bin_hz()
                                        : 1.0;
        to_main_.push_back(static_cast<float>(main_hz / probe_hz));
    }
    probe_estimate_.resize(probe_->grid.size());
}

void CellFloor::probe(std::span<const cf32> samples, bool all) {
    if (!probe_) return;
    auto& p = *probe_;
    p.spectrogram.reset();  // the probe sees disjoint pieces of the stream
    const std::size_t n = all ? samples.size() : samples.size() / 16;
    p.spectrogram.push(samples.first(n), [&](std::span<const float> bins) {
        p.grid.reduce(bins, p.cells);
        p.floor->add(p.cells);
    });
}

void CellFloor::estimate(std::span<float> out) {
    main_.estimate(out);
    if (!probe_ || probe_->floor->observations() == 0) return;
    probe_->floor->estimate(probe_estimate_);
    for (std::size_t c = 0; c < probe_index_.size() && c < out.size(); ++c) {
        const int p = probe_index_[c];
        if (p < 0 || probe_estimate_[static_cast<std::size_t>(p)] <= 0.0f) continue;
        out[c] = std::min(out[c], probe_estimate_[static_cast<std::size_t>(p)] * to_main_[c]);
    }
}

}  // namespace coex::analysis
