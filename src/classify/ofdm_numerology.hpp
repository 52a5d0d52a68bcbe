#pragma once
// The cyclic prefix of OFDM: each symbol starts with a copy of its own end, so x[n]·x*[n + Tu]
// correlates over the prefix, at the lag of the useful symbol Tu = 1 / subcarrier spacing, and at no
// other lag. The lag names the numerology: 3.2 µs for 802.11a/g/n, 66.7 µs for LTE's 15 kHz, which
// drones' video downlinks use.
#include "coex/core/types.hpp"

#include <span>

namespace coex::classify {

inline constexpr double kLteUsefulSymbolSeconds = 1.0 / 15e3;

struct CyclicPrefixLook {
    bool valid = false;
    double at_lag = 0.0;     // |Σ x[n] x*[n+Tu]| / Σ |x[n]|² (an OFDM signal with prefix share p at high SNR: ≈ p)
    double elsewhere = 0.0;  // the largest of the same at lags of 0.75–1.25 Tu that match no prefix
    [[nodiscard]] double contrast() const { return at_lag - elsewhere; }
};

// x: complex baseband (its DC taken out: a constant correlates at every lag), at rate_hz; valid when
// it holds at least four useful symbols.
[[nodiscard]] CyclicPrefixLook cyclic_prefix_look(std::span<const cf32> x, double rate_hz, double useful_symbol_s);

// LTE's normal prefix is 4.7 % … 7.8 % of the symbol period (6.7 % on average): the correlation at
// 66.7 µs reads ≈ 0.067 × SNR / (1 + SNR) in the band looked at. Noise reads ~1/√N at any lag (0.011 over
// 400 µs at 20 MS/s), and 802.11's pilots correlate at multiples of its 4 µs symbol (64 µs is one): so
// the prefix must stand out of the lags around it by more than their noise, not only be high.
inline constexpr double kMinLtePrefixCorrelation = 0.03;
inline constexpr double kMinLtePrefixContrast = 0.018;
[[nodiscard]] inline bool shows_lte_prefix(const CyclicPrefixLook& look) {
    return look.valid && look.at_lag >= kMinLtePrefixCorrelation && look.contrast() >= kMinLtePrefixContrast;
}

}  // namespace coex::classify
