#include "viterbi.hpp"

#include <algorithm>
#include <array>

#include "coex/core/error.hpp"

namespace coex::decode {
namespace {

// The register after shifting input b into state s is reg = (s << 1) | b (7 bits, newest bit 0, as in
// coding::conv_encode_k7); its outputs are the parities of reg & g0 and reg & g1. The next state is
// reg & 63. Both generators tap bits 0 and 6, which gives the butterfly: from states j and j + 32
// (differing in bit 5 = reg bit 6) into states 2j and 2j + 1 (differing in bit 0), the four branches
// carry one output pair and its complement.
constexpr unsigned kG0 = 0b1101101u, kG1 = 0b1001111u;

struct ButterflyTable {
    std::array<float, 32> sign_a{}, sign_b{};  // +-1: output pair of reg = 2j (from state j, input 0)
    constexpr ButterflyTable() {
        for (unsigned j = 0; j < 32; ++j) {
            const unsigned reg = 2 * j;
            sign_a[j] = __builtin_parity(reg & kG0) ? 1.0f : -1.0f;
            sign_b[j] = __builtin_parity(reg & kG1) ? 1.0f : -1.0f;
        }
    }
};
constexpr ButterflyTable kButterfly{};

}  // namespace

void ViterbiK7::decode(std::span<const float> soft, bool terminated, std::vector<std::uint8_t>& bits) {
    const std::size_t n = soft.size() / 2;
    bits.assign(n, 0);
    if (n == 0) return;
    decisions_.resize(64 * n);
    constexpr float kUnreached = -1e30f;
    alignas(32) std::array<float, 64> metric{};
    alignas(32) std::array<float, 32> even{}, odd{};
    alignas(32) std::array<std::uint8_t, 32> dec_even{}, dec_odd{};
    metric.fill(kUnreached);
    metric[0] = 0.0f;
    for (std::size_t t = 0; t < n; ++t) {
        const float a = soft[2 * t], b = soft[2 * t + 1];
        // Correlation of the soft pair with the expected outputs; the complement has -branch.
        for (unsigned j = 0; j < 32; ++j) {
            const float br = a * kButterfly.sign_a[j] + b * kButterfly.sign_b[j];
            const float m0 = metric[j], m1 = metric[j + 32];
            // State 2j: from j with +br, from j+32 with -br. State 2j+1: from j with -br, from j+32 with +br.
            const float e0 = m0 + br, e1 = m1 - br, o0 = m0 - br, o1 = m1 + br;
            even[j] = e1 > e0 ? e1 : e0;
            dec_even[j] = e1 > e0;
            odd[j] = o1 > o0 ? o1 : o0;
            dec_odd[j] = o1 > o0;
        }
        std::uint8_t* d = &decisions_[64 * t];
        const float ref = even[0];  // only differences matter: keep the metrics near zero
        for (unsigned j = 0; j < 32; ++j) {
            metric[2 * j] = even[j] - ref;
            metric[2 * j + 1] = odd[j] - ref;
            d[2 * j] = dec_even[j];
            d[2 * j + 1] = dec_odd[j];
        }
    }
    unsigned state = 0;
    if (!terminated) state = static_cast<unsigned>(std::max_element(metric.begin(), metric.end()) - metric.begin());
    for (std::size_t t = n; t-- > 0;) {
        bits[t] = static_cast<std::uint8_t>(state & 1u);
        const unsigned x = decisions_[64 * t + state];
        state = (x << 5) | (state >> 1);
    }
}

void depuncture(std::span<const float> punctured, int num, int den, std::vector<float>& out) {
    // Kept positions within one pattern period of the mother (rate 1/2) stream, as coding::puncture.
    static constexpr std::array<std::uint8_t, 2> keep12 = {1, 1};
    static constexpr std::array<std::uint8_t, 4> keep23 = {1, 1, 1, 0};
    static constexpr std::array<std::uint8_t, 6> keep34 = {1, 1, 1, 0, 0, 1};
    static constexpr std::array<std::uint8_t, 10> keep56 = {1, 1, 1, 0, 0, 1, 1, 0, 0, 1};
    std::span<const std::uint8_t> keep;
    if (num == 1 && den == 2) keep = keep12;
    else if (num == 2 && den == 3) keep = keep23;
    else if (num == 3 && den == 4) keep = keep34;
    else if (num == 5 && den == 6) keep = keep56;
    else throw ConfigError("depuncture: code rate must be 1/2, 2/3, 3/4 or 5/6");
    out.clear();
    out.reserve(punctured.size() * static_cast<std::size_t>(den) / static_cast<std::size_t>(num) / 2 + keep.size());
    std::size_t i = 0, r = 0;
    while (i < punctured.size()) {
        out.push_back(keep[r] ? punctured[i++] : 0.0f);
        r = (r + 1) % keep.size();
    }
    // Complete the A/B pair a stolen B would leave open.
    if (out.size() % 2 != 0) out.push_back(0.0f);
}

}  // namespace coex::decode
