#pragma once
// 802.11b's spreading code as a test (src/decode/wifi_dsss.cpp): the DSSS decoder's gate, and the
// classifier's look at whether a channel's samples are Barker-spread (src/classify/channelizer.cpp).
//
// Each 1 µs symbol is the 11-chip Barker code times one DBPSK/DQPSK phase. Correlated with a zero-mean
// copy of the code at every lag within the symbol and the energies summed over several symbols, DSSS
// puts its energy in one or two lags (the path's, and its neighbour); noise, OFDM, a carrier (the
// zero-mean code takes nothing from a constant and little from a slow phase), FSK and O-QPSK spread it
// over all of them. The peak over the mean of the lag energies says which: noise reads ≤ 3.0 over
// 18900 windows of 8 symbols, GFSK ≤ 3.3, OFDM ≤ 2.8; DSSS at 12 dB about 8.
#include "coex/core/types.hpp"

#include <cstddef>
#include <span>
#include <vector>

namespace coex::decode {

class BarkerDespreader {
public:
    // Peak over mean lag energy from which a stretch reads as Barker-spread.
    static constexpr double kLagRatioThreshold = 4.0;

    // The code at sample_rate_hz (nearest chip per sample), which must hold a whole number of samples
    // per microsecond (≥ 10); otherwise valid() is false.
    explicit BarkerDespreader(double sample_rate_hz);
    [[nodiscard]] bool valid() const { return samples_per_symbol_ >= 10; }
    [[nodiscard]] double sample_rate_hz() const { return rate_; }
    [[nodiscard]] std::size_t samples_per_symbol() const { return samples_per_symbol_; }
    // How many samples lag_energies reads for `symbols` symbols.
    [[nodiscard]] std::size_t samples_needed(std::size_t symbols) const { return (symbols + 1) * samples_per_symbol_ + padded_; }

    // The correlation's energy at each lag 0 … samples_per_symbol − 1, summed over `symbols` symbols
    // from x[0]; x must hold samples_needed(symbols) samples. energy is resized to samples_per_symbol.
    void lag_energies(const cf32* x, std::size_t symbols, std::vector<float>& energy) const;

    // Peak over mean of lag_energies over as many whole symbols as x holds (0 when it holds none, or
    // nothing but zeros).
    [[nodiscard]] double lag_ratio(std::span<const cf32> x) const;

private:
    double rate_ = 0.0;
    std::size_t samples_per_symbol_ = 0, padded_ = 0;
    std::vector<float> taps_;  // each tap twice (re and im lanes), zero-padded to a multiple of 4 taps
    mutable std::vector<float> energy_;
};

}  // namespace coex::decode
