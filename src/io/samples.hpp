#pragma once
// Private to src/io: the per-sample loops of the reader and writer, kept simple so they vectorise.
#include <cstddef>
#include <cstdint>

namespace coex::io::detail {

// Index of the first NaN or infinite value in v[0, n), or n when every value is finite.
[[nodiscard]] std::size_t first_non_finite(const float* v, std::size_t n) noexcept;

// out[k] = in[k] / 128 (int8) or / 32768 (int16): full scale 1.0.
void to_float(const std::int8_t* in, float* out, std::size_t n) noexcept;
void to_float(const std::int16_t* in, float* out, std::size_t n) noexcept;

// out[k] = in[k] · 128 (or · 32768), clamped to the type's range and rounded to nearest (ties away
// from zero). `in` must be finite.
void to_int(const float* in, std::int8_t* out, std::size_t n) noexcept;
void to_int(const float* in, std::int16_t* out, std::size_t n) noexcept;

}  // namespace coex::io::detail
