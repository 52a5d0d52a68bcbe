// The reader's int8 / int16 → float conversion (src/io/samples.cpp) is compiled twice on x86-64 and
// picked by the CPU at load time (AVX2 or baseline). Either copy must give every value exactly: v / 128
// or v / 32768. Checked for every possible value, over lengths and offsets that cover the wide loop,
// its remainder and unaligned starts.
#include "samples.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <limits>
#include <vector>

namespace coex::io::detail {
namespace {

template <class Int>
void expect_exact_conversion(float full_scale) {
    std::vector<Int> every;
    for (int v = std::numeric_limits<Int>::min(); v <= std::numeric_limits<Int>::max(); ++v) every.push_back(static_cast<Int>(v));
    std::vector<float> out(every.size() + 1, -7.0f);
    to_float(every.data(), out.data(), every.size());
    for (std::size_t k = 0; k < every.size(); ++k) {
        const float expected = static_cast<float>(every[k]) / full_scale;
        ASSERT_EQ(std::bit_cast<std::uint32_t>(out[k]), std::bit_cast<std::uint32_t>(expected)) << "value " << int{every[k]};
    }
    EXPECT_EQ(out.back(), -7.0f);  // nothing written past n
    EXPECT_EQ(out.front(), -1.0f);
    // short and unaligned runs: every length 0 … 100 from offsets 0 … 3, nothing written outside
    for (std::size_t offset = 0; offset < 4; ++offset) {
        for (std::size_t n = 0; n <= 100; ++n) {
            std::vector<float> run(n + 2, -7.0f);
            to_float(every.data() + offset, run.data() + 1, n);
            EXPECT_EQ(run.front(), -7.0f);
            EXPECT_EQ(run.back(), -7.0f);
            for (std::size_t k = 0; k < n; ++k)
                ASSERT_EQ(run[k + 1], static_cast<float>(every[offset + k]) / full_scale) << "n " << n << ", offset " << offset;
        }
    }
}

TEST(SampleConversion, Int8ToFloatIsExactForEveryValue) { expect_exact_conversion<std::int8_t>(128.0f); }

TEST(SampleConversion, Int16ToFloatIsExactForEveryValue) { expect_exact_conversion<std::int16_t>(32768.0f); }

}  // namespace
}  // namespace coex::io::detail
