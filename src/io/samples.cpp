#include "samples.hpp"

#include "coex/io/stored_samples.hpp"

#include "coex/core/clones.hpp"

#include <algorithm>
#include <bit>
#include <limits>

namespace coex::io::detail {

namespace {

constexpr std::uint32_t exponent_mask = 0x7f80'0000u;  // all ones: NaN or infinity

[[nodiscard]] bool any_non_finite(const float* v, std::size_t n) noexcept {
    std::uint32_t bad = 0;
    for (std::size_t k = 0; k < n; ++k) {
        bad |= static_cast<std::uint32_t>((std::bit_cast<std::uint32_t>(v[k]) & exponent_mask) == exponent_mask);
    }
    return bad != 0;
}

// The conversion is element-wise (one exact int → float, one multiplication by a power of two), so the
// AVX2 copy gives the same floats: baseline SSE2 has no sign-extending widen and spends six shuffles per
// 16 int8 values, AVX2 widens 8 at a time in one instruction.
template <class Int>
inline void scale_to_float(const Int* in, float* out, std::size_t n) noexcept {
    constexpr float scale = -1.0f / static_cast<float>(std::numeric_limits<Int>::min());
    for (std::size_t k = 0; k < n; ++k) {
        out[k] = static_cast<float>(in[k]) * scale;
    }
}

COEX_ELEMENTWISE_CLONES void int8_to_float(const std::int8_t* in, float* out, std::size_t n) noexcept {
    scale_to_float(in, out, n);
}

COEX_ELEMENTWISE_CLONES void int16_to_float(const std::int16_t* in, float* out, std::size_t n) noexcept {
    scale_to_float(in, out, n);
}

template <class Int>
void quantize(const float* in, Int* out, std::size_t n) noexcept {
    constexpr float lo = std::numeric_limits<Int>::min();
    constexpr float hi = std::numeric_limits<Int>::max();
    constexpr float scale = -lo;  // 128 or 32768
    for (std::size_t k = 0; k < n; ++k) {
        float t = std::clamp(in[k] * scale, lo, hi);
        t += t >= 0.0f ? 0.5f : -0.5f;
        out[k] = static_cast<Int>(static_cast<int>(t));  // truncation after ±0.5: round to nearest
    }
}

}  // namespace

std::size_t first_non_finite(const float* v, std::size_t n) noexcept {
    // Scan in blocks with a branch-free test; look closer only inside a block that has a bad value.
    constexpr std::size_t block = 4096;
    for (std::size_t start = 0; start < n; start += block) {
        const std::size_t count = std::min(block, n - start);
        if (any_non_finite(v + start, count)) {
            for (std::size_t k = start; k < start + count; ++k) {
                if ((std::bit_cast<std::uint32_t>(v[k]) & exponent_mask) == exponent_mask) {
                    return k;
                }
            }
        }
    }
    return n;
}

void to_float(const std::int8_t* in, float* out, std::size_t n) noexcept { int8_to_float(in, out, n); }
void to_float(const std::int16_t* in, float* out, std::size_t n) noexcept { int16_to_float(in, out, n); }
void to_int(const float* in, std::int8_t* out, std::size_t n) noexcept { quantize(in, out, n); }
void to_int(const float* in, std::int16_t* out, std::size_t n) noexcept { quantize(in, out, n); }

}  // namespace coex::io::detail

namespace coex::io {

void convert(const StoredSamples& stored, std::span<cf32> out) noexcept {
    // std::complex<float> is laid out as float[2] ([complex.numbers])
    float* values = reinterpret_cast<float*>(out.data());
    const std::size_t n = 2 * out.size();
    switch (stored.type) {
        case StoredSamples::Type::converted: break;
        case StoredSamples::Type::int8: detail::to_float(stored.int8.data(), values, n); break;
        case StoredSamples::Type::int16: detail::to_float(stored.int16.data(), values, n); break;
    }
}

}  // namespace coex::io
