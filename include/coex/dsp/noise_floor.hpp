#pragma once
// Noise floor per channel (a spectrogram bin or a 1 MHz cell) that bursty traffic does not fool.
// Observations go into a log-spaced histogram per channel (constant memory, no log on the hot path).
// The estimate starts from a low percentile and is refined to the mean of the noise-only part of the
// distribution: the mean of the observations below a χ² quantile of the current estimate, corrected
// for the truncation, iterated. Bursts well above the floor drop out at any duty cycle below ~90 %,
// where a plain percentile would read high by −10·log10(1 − duty).
#include <cstdint>
#include <span>
#include <vector>

namespace coex::dsp {

class PercentileFloor {
public:
    // percentile in (0, 0.5]; `degrees_of_freedom` of one observation of pure noise (2 for one bin of
    // one frame; 2·bins/enbw for a sum of bins), used to turn the percentile into the noise mean.
    PercentileFloor(std::size_t channels, double percentile, double degrees_of_freedom);

    void add(std::span<const float> power);  // one observation per channel
    [[nodiscard]] std::uint64_t observations() const { return observations_; }
    [[nodiscard]] std::size_t channels() const { return channels_; }
    // Estimated mean noise power per channel (0 where every observation was 0).
    void estimate(std::span<float> out) const;
    [[nodiscard]] std::vector<float> estimate() const;

    // Ratio mean/quantile(p) of a χ² variable with `dof` degrees of freedom (Wilson–Hilferty).
    static double chi2_mean_over_quantile(double dof, double p);
    // Regularised lower incomplete gamma function P(a, x).
    static double regularized_gamma_p(double a, double x);

private:
    std::size_t channels_;
    double percentile_;
    double dof_;
    double correction_;     // mean / percentile of pure noise
    double clip_;           // keep observations below clip_ × current estimate (the 97th percentile of noise)
    double clipped_mean_;   // mean of noise below that clip, as a fraction of the noise mean
    // The histogram: channels × cells counts. Few channels (1 MHz cells): 32 bits a count, added to
    // look by look. Many channels (a spectrogram's bins): counted in a byte a cell (plus 256 × its
    // wraps in wraps_, made at the first wrap), a batch of kBatchLooks looks at a time, channel by
    // channel. Look by look, every count of 256 bins' histograms (~25 KB even at a byte a cell)
    // missed the cache, which the frames between two looks had filled; channel by channel, a
    // histogram's one or two lines serve the whole batch. The counts are the same in any order.
    static constexpr std::size_t kBatchChannels = 64, kBatchLooks = 32;
    [[nodiscard]] bool batched() const { return !low_counts_.empty(); }
    std::vector<std::uint32_t> counts_;
    mutable std::vector<std::uint8_t> low_counts_;
    mutable std::vector<std::uint32_t> wraps_;
    mutable std::vector<std::uint16_t> batch_;  // looks × channels cells, not yet counted
    mutable std::size_t batched_ = 0;
    void count_batch() const;
    void count_byte(std::size_t at) const {
        if (++low_counts_[at] == 0) [[unlikely]] wrap(at);
    }
    void wrap(std::size_t at) const;
    // channel c's counts (every cell's; in `scratch` when batched)
    [[nodiscard]] const std::uint32_t* counts_of(std::size_t c, std::uint32_t* scratch) const;
    std::uint64_t observations_ = 0;
};

}  // namespace coex::dsp
