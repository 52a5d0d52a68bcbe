// The helpers every module's messages share.
#include "coex/core/cpu_time.hpp"
#include "coex/core/numeric.hpp"
#include "coex/core/text.hpp"

#include <gtest/gtest.h>

namespace coex {
namespace {

TEST(Text, RunsRatesAndCase) {
    EXPECT_EQ(runs_text({7, 1, 2, 3, 5, 3, 9, 10}), "1–3, 5, 7, 9–10");
    EXPECT_EQ(runs_text({}), "");
    EXPECT_EQ(rate_text(20e6), "20 MS/s");
    EXPECT_EQ(rate_text(2.4e6), "2.4 MS/s");
    EXPECT_EQ(rate_text(250e3), "250 kS/s");
    EXPECT_EQ(count_text(1, "packet"), "1 packet");
    EXPECT_EQ(count_text(0, "frame"), "0 frames");
    EXPECT_EQ(lower_case("Kitchen_2437M.CS8"), "kitchen_2437m.cs8");
}

TEST(Numeric, MedianTakesTheMiddleOfACopy) {
    EXPECT_EQ(median(std::vector<double>{}), 0.0);
    EXPECT_EQ(median(std::vector<double>{3.0, 1.0, 2.0}), 2.0);
    EXPECT_EQ(median(std::vector<float>{4.0f, 1.0f, 3.0f, 2.0f}), 3.0);  // the upper middle of an even count
}

TEST(CpuTime, GrowsWithWorkOnThisThread) {
    const double start = thread_cpu_seconds();
    volatile double sink = 0.0;
    for (int i = 0; i < 20'000'000; ++i) sink = sink + 1e-9 * i;
    EXPECT_GT(thread_cpu_seconds(), start);
}

}  // namespace
}  // namespace coex
