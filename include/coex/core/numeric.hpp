#pragma once
// Statistics the stages share.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <utility>
#include <vector>

namespace coex {

// The middle value (the upper of the two middle ones for an even count); 0 for none. Takes a copy: it
// reorders it.
template <class T>
[[nodiscard]] double median(std::vector<T> values) {
    if (values.empty()) return 0.0;
    auto mid = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
    std::nth_element(values.begin(), mid, values.end());
    return static_cast<double>(*mid);
}

// The best rational approximation p/q of x > 0 with p <= max_p and q <= max_q: the last continued-fraction
// convergent within the bounds ({0, 0} when even the first is not), for resampling ratios.
[[nodiscard]] inline std::pair<unsigned, unsigned> best_rational(double x, unsigned long long max_p, unsigned long long max_q) {
    unsigned long long h0 = 0, h1 = 1, k0 = 1, k1 = 0;
    double v = x;
    for (int it = 0; it < 64; ++it) {
        const double a = std::floor(v);
        const auto ai = static_cast<unsigned long long>(a);
        const unsigned long long h2 = ai * h1 + h0, k2 = ai * k1 + k0;
        if (h2 > max_p || k2 > max_q) break;
        h0 = h1;
        h1 = h2;
        k0 = k1;
        k1 = k2;
        if (std::abs(x - static_cast<double>(h1) / static_cast<double>(k1)) <= 1e-12 * x || v - a < 1e-12) break;
        v = 1.0 / (v - a);
    }
    if (h1 == 0 || k1 == 0) return {0, 0};
    return {static_cast<unsigned>(h1), static_cast<unsigned>(k1)};
}

}  // namespace coex
