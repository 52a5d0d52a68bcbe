#include "ofdm_numerology.hpp"

#include <algorithm>
#include <cmath>
#include <complex>

namespace coex::classify {
namespace {

double lag_correlation(std::span<const cf32> x, std::size_t lag) {
    std::complex<double> sum{};
    double power = 0.0;
    for (std::size_t n = 0; n + lag < x.size(); ++n) {
        sum += std::complex<double>(x[n]) * std::conj(std::complex<double>(x[n + lag]));
        power += 0.5 * (std::norm(x[n]) + std::norm(x[n + lag]));
    }
    return power > 0.0 ? std::abs(sum) / power : 0.0;
}

}  // namespace

CyclicPrefixLook cyclic_prefix_look(std::span<const cf32> x, double rate_hz, double useful_symbol_s) {
    CyclicPrefixLook look;
    const double lag = useful_symbol_s * rate_hz;
    if (lag < 8.0 || static_cast<double>(x.size()) < 5.0 * lag) return look;
    look.valid = true;
    look.at_lag = lag_correlation(x, static_cast<std::size_t>(std::lround(lag)));
    // lags around it, none a prefix's: a steady tone or a signal repeating at some other period (an
    // analog video line: 64 µs = 0.96 × 66.7 µs) correlates there as much as at Tu
    for (const double f : {0.75, 0.85, 0.9, 0.96, 1.04, 1.1, 1.15, 1.25})
        look.elsewhere = std::max(look.elsewhere, lag_correlation(x, static_cast<std::size_t>(std::lround(f * lag))));
    return look;
}

}  // namespace coex::classify
