#include "dsp.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>

#include "coex/sim/waveform.hpp"

namespace coex::sim {

double mean_power(std::span<const cf32> x) {
    if (x.empty()) return 0.0;
    double acc = 0.0;
    for (const cf32& v : x) acc += static_cast<double>(std::norm(v));
    return acc / static_cast<double>(x.size());
}

namespace detail {

void fft_inplace(std::vector<cd>& a, bool inverse) {
    const std::size_t n = a.size();
    if (n == 0 || (n & (n - 1)) != 0) throw std::invalid_argument("fft size must be a power of two");
    for (std::size_t i = 1, j = 0; i < n; ++i) {
        std::size_t bit = n >> 1;
        for (; j & bit; bit >>= 1) j ^= bit;
        j ^= bit;
        if (i < j) std::swap(a[i], a[j]);
    }
    const double sign = inverse ? 1.0 : -1.0;
    for (std::size_t len = 2; len <= n; len <<= 1) {
        const double ang = sign * 2.0 * std::numbers::pi / static_cast<double>(len);
        for (std::size_t i = 0; i < n; i += len) {
            for (std::size_t k = 0; k < len / 2; ++k) {
                const cd w = std::polar(1.0, ang * static_cast<double>(k));
                const cd u = a[i + k];
                const cd v = a[i + k + len / 2] * w;
                a[i + k] = u + v;
                a[i + k + len / 2] = u - v;
            }
        }
    }
}

void normalize_power(std::span<cf32> x) {
    const double p = mean_power(x);
    if (p <= 0.0) return;
    const float g = static_cast<float>(1.0 / std::sqrt(p));
    for (cf32& v : x) v *= g;
}

double rrc(double t, double beta) {
    constexpr double pi = std::numbers::pi;
    if (std::abs(t) < 1e-12) return 1.0 - beta + 4.0 * beta / pi;
    if (beta > 0.0 && std::abs(std::abs(t) - 1.0 / (4.0 * beta)) < 1e-9) {
        return beta / std::sqrt(2.0) *
               ((1.0 + 2.0 / pi) * std::sin(pi / (4.0 * beta)) + (1.0 - 2.0 / pi) * std::cos(pi / (4.0 * beta)));
    }
    const double num = std::sin(pi * t * (1.0 - beta)) + 4.0 * beta * t * std::cos(pi * t * (1.0 + beta));
    const double den = pi * t * (1.0 - (4.0 * beta * t) * (4.0 * beta * t));
    return num / den;
}

}  // namespace detail
}  // namespace coex::sim
