#pragma once
// Internal numeric helpers of coex_sim (not installed).
#include "coex/coding/coding.hpp"
#include <complex>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "coex/core/types.hpp"

namespace coex::sim::detail {

using cd = std::complex<double>;

// In-place radix-2 FFT (size a power of two). inverse = true computes sum_k X_k e^{+j2pi kn/N}
// without the 1/N factor.
void fft_inplace(std::vector<cd>& a, bool inverse);

// 802.11 OFDM shared pieces (wifi_ofdm.cpp, wifi_ht.cpp).
// Gray-coded constellation point of n_bpsc bits (1, 2, 4, 6; b0 first), unit mean power.
cd wifi_map_bits(const std::uint8_t* b, int n_bpsc);
// L-LTF values on subcarriers -26..26 (index k + 26; 0 at DC).
inline constexpr const auto& wifi_l_ltf = coding::wifi_l_ltf;
// L-STF: sqrt(13/6) x sign x (1 + j) on these subcarriers.
inline constexpr int wifi_l_stf_sc[12] = {-24, -20, -16, -12, -8, -4, 4, 8, 12, 16, 20, 24};
inline constexpr int wifi_l_stf_sign[12] = {+1, -1, +1, -1, -1, +1, -1, -1, +1, +1, +1, +1};

// Scales x so that its mean power is 1 (no-op for an all-zero signal).
void normalize_power(std::span<cf32> x);

// Root-raised-cosine impulse response h(t) for t in symbol periods, roll-off beta (peak-normalised
// to its t = 0 value is not applied; the caller normalises power).
double rrc(double t, double beta);

// Draws a uniformly distributed integer in [lo, hi] from the raw 64-bit output (portable, unlike
// std::uniform_int_distribution whose algorithm is implementation-defined).
template <class Rng>
std::uint64_t draw_uint(Rng& rng, std::uint64_t lo, std::uint64_t hi) {
    const std::uint64_t span = hi - lo + 1;
    if (span == 0) return rng();  // full 64-bit range
    // Rejection sampling to avoid modulo bias.
    const std::uint64_t limit = ~std::uint64_t{0} - (~std::uint64_t{0} % span);
    std::uint64_t v;
    do {
        v = rng();
    } while (v >= limit);
    return lo + v % span;
}

template <class Rng>
void fill_random_bytes(Rng& rng, std::span<std::uint8_t> out) {
    std::size_t i = 0;
    while (i < out.size()) {
        std::uint64_t v = rng();
        for (int k = 0; k < 8 && i < out.size(); ++k, ++i) {
            out[i] = static_cast<std::uint8_t>(v & 0xFFu);
            v >>= 8;
        }
    }
}

}  // namespace coex::sim::detail
