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
    if (const double q = segment.quantisation_noise_power(); q > 0.0) {
        // white noise of power q per sample reads q · (the cell's share of the sample rate) in a cell
        for (std::size_t c = 0; c < grid.size(); ++c)
            resolution_.push_back(static_cast<float>(q * static_cast<double>(grid.bins_in(c)) * main.bin_hz() / segment.sample_rate_hz));
    }
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
        if (pos != probe_next_) {  // the probe sees disjoint pieces of the stream
            p.spectrogram.reset();
            probe_frame_at_ = pos;
        }
        p.spectrogram.push(samples.subspan(pos - first_sample, run_end - pos), [&](std::span<const float> bins) {
            p.grid.reduce(bins, p.cells);
            pending_at_.push_back(probe_frame_at_);
            pending_cells_.insert(pending_cells_.end(), p.cells.begin(), p.cells.end());
            probe_frame_at_ += p.spectrogram.fft_size();
        });
        probe_next_ = run_end;
        pos = run_end;
    }
}

void CellFloor::commit_waiting(const GainSteps& gains, bool all) {
    auto& p = *probe_;
    const std::size_t n = p.cells.size();
    const std::uint64_t until = all ? ~std::uint64_t{0} : gains.decided_until();
    const std::uint64_t len = p.spectrogram.fft_size();
    while (pending_head_ < pending_at_.size() && (all || pending_at_[pending_head_] + len <= until)) {
        const std::span<const float> cells(pending_cells_.data() + pending_head_ * n, n);
        const double g = gains.gain_at(pending_at_[pending_head_]);
        if (g == 1.0) {
            p.floor->add(cells);
        } else {
            largest_gain_ = std::max(largest_gain_, g);
            scaled_.resize(n);
            const auto inv = static_cast<float>(1.0 / g);
            for (std::size_t c = 0; c < n; ++c) scaled_[c] = cells[c] * inv;
            p.floor->add(scaled_);
        }
        ++pending_head_;
    }
    if (pending_head_ == pending_at_.size() || pending_head_ > 4096) {
        pending_at_.erase(pending_at_.begin(), pending_at_.begin() + static_cast<std::ptrdiff_t>(pending_head_));
        pending_cells_.erase(pending_cells_.begin(), pending_cells_.begin() + static_cast<std::ptrdiff_t>(pending_head_ * n));
        pending_head_ = 0;
    }
}

void CellFloor::estimate(std::span<float> out) {
    estimate_from_looks(out);
    // not under the samples' rounding noise; 0 (every look digital zero: nothing seen) stays 0
    const auto inv_gain = static_cast<float>(1.0 / largest_gain_);
    for (std::size_t c = 0; c < resolution_.size() && c < out.size(); ++c)
        if (out[c] > 0.0f) out[c] = std::max(out[c], resolution_[c] * inv_gain);
}

void CellFloor::estimate_from_looks(std::span<float> out) {
    main_.estimate(out);
    if (!probe_ || probe_->floor->observations() == 0) return;
    probe_->floor->estimate(probe_estimate_);
    for (std::size_t c = 0; c < probe_index_.size() && c < out.size(); ++c) {
        const int p = probe_index_[c];
        if (p < 0) continue;
        float probed = probe_estimate_[static_cast<std::size_t>(p)];
        // The probe's bins are 4× wider: where its DC cell keeps the DC bin (the LO leakage, a steady
        // tone that is never under the floor), its floor there is the leak's power, not noise. That
        // cell's floor is taken from the probe's neighbouring cells' instead (the main grid guards it).
        const int below = p - 1, above = p + 1 < static_cast<int>(probe_->grid.size()) ? p + 1 : -1;
        if (p == probe_->grid.unguarded_dc_cell() && (below >= 0 || above >= 0)) {
            // the mean of its neighbours' floors (each scaled to its own width first)
            double sum = 0.0;
            int looks = 0;
            for (const int q : {below, above}) {
                if (q < 0 || probe_estimate_[static_cast<std::size_t>(q)] <= 0.0f) continue;
                sum += probe_estimate_[static_cast<std::size_t>(q)] /
                       static_cast<double>(probe_->grid.bins_in(static_cast<std::size_t>(q)));
                ++looks;
            }
            if (looks == 0) continue;
            probed = static_cast<float>(sum / looks * static_cast<double>(probe_->grid.bins_in(static_cast<std::size_t>(p))));
        }
        if (probed <= 0.0f) continue;
        out[c] = std::min(out[c], probed * to_main_[c]);
    }
}

}  // namespace coex::analysis
