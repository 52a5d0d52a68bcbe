#pragma once
// Four floats as one GCC vector (two complex samples, or four bins), for the hot inner loops that
// GCC does not vectorise on its own: their sums' order is written out, so results are the same on every
// x86-64, SSE2 being its baseline.
#include <cstring>

namespace coex {

typedef float Float4 __attribute__((vector_size(16)));

// An unaligned load: the loops walk sample and bin arrays at any offset.
inline Float4 load_float4(const float* p) noexcept {
    Float4 v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

}  // namespace coex
