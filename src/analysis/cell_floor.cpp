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

void CellFloor::probe(std::uint64_t first_sample, std::span<const cf32> samples, std::uint64_t all_until) {
    if (!probe_) return;
    auto& p = *probe_;
    constexpr std::uint64_t kWindow = 65536, kLooked = kWindow / 16;
    const std::uint64_t end = first_sample + samples.size();
    for (std::uint64_t pos = first_sample; pos < end;) {
        // the run of positions from `pos` the probe looks at, and where the next such run starts
        std::uint64_t run_end = pos;
        if (pos < all_until) {
            run_end = std::min(end, std::max(all_until, (pos / kWindow) * kWindow + kLooked));
        } else if (pos % kWindow < kLooked) {
            run_end = std::min(end, (pos / kWindow) * kWindow + kLooked);
        } else {
            pos = std::min(end, (pos / kWindow + 1) * kWindow);
            continue;
        }
        if (pos != probe_next_) p.spectrogram.reset();  // the probe sees disjoint pieces of the stream
        p.spectrogram.push(samples.subspan(pos - first_sample, run_end - pos), [&](std::span<const float> bins) {
            p.grid.reduce(bins, p.cells);
            p.floor->add(p.cells);
        });
        probe_next_ = run_end;
        pos = run_end;
    }
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
