// SampleHistory: the last `capacity` samples of a view, addressed by sample index, whatever blocks
// they came in. Each sample here carries its own index (re = index, im = −index), so a copy shows
// exactly which samples it holds.
#include "channelizer.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace coex::classify {
namespace {

std::vector<cf32> indexed(std::uint64_t first, std::size_t n) {
    std::vector<cf32> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = cf32(static_cast<float>(first + i), -static_cast<float>(first + i));
    return v;
}

// True when out holds exactly the samples first … first + n − 1.
::testing::AssertionResult holds(const std::vector<cf32>& out, std::uint64_t first, std::size_t n) {
    if (out.size() != n) return ::testing::AssertionFailure() << "size " << out.size() << ", expected " << n;
    for (std::size_t i = 0; i < n; ++i)
        if (out[i] != cf32(static_cast<float>(first + i), -static_cast<float>(first + i)))
            return ::testing::AssertionFailure() << "sample " << i << " is " << out[i].real() << ", expected " << first + i;
    return ::testing::AssertionSuccess();
}

TEST(SampleHistory, CopiesAnyRangeAcrossBlocks) {
    SampleHistory h;
    h.reset(10000);
    for (std::uint64_t first = 0; first < 3000; first += 700) h.push(first, indexed(first, 700));  // up to 3500
    std::vector<cf32> out;
    EXPECT_EQ(h.copy(650, 1450, out), 650u);  // spans three blocks
    EXPECT_TRUE(holds(out, 650, 800));
    EXPECT_EQ(h.copy(0, 3500, out), 0u);
    EXPECT_TRUE(holds(out, 0, 3500));
    EXPECT_EQ(h.copy(3400, 9000, out), 3400u);  // clipped at the newest sample
    EXPECT_TRUE(holds(out, 3400, 100));
    h.copy(3600, 4000, out);  // not yet seen
    EXPECT_TRUE(out.empty());
}

TEST(SampleHistory, KeepsOnlyTheNewestCapacitySamples) {
    SampleHistory h;
    h.reset(1000);
    for (std::uint64_t first = 0; first < 1200; first += 300) h.push(first, indexed(first, 300));  // 0 … 1199
    std::vector<cf32> out;
    // the oldest 200 are gone, even those still in a block partly held
    EXPECT_EQ(h.copy(0, 1200, out), 200u);
    EXPECT_TRUE(holds(out, 200, 1000));
    EXPECT_EQ(h.copy(100, 400, out), 200u);
    EXPECT_TRUE(holds(out, 200, 200));
    h.copy(0, 150, out);
    EXPECT_TRUE(out.empty());

    // a block larger than the capacity keeps only its own newest samples
    h.push(1200, indexed(1200, 2500));
    EXPECT_EQ(h.copy(0, 5000, out), 2700u);
    EXPECT_TRUE(holds(out, 2700, 1000));
}

TEST(SampleHistory, AGapInTheStreamForgetsWhatCameBefore) {
    SampleHistory h;
    h.reset(5000);
    h.push(0, indexed(0, 1000));
    h.push(1500, indexed(1500, 1000));  // 500 samples lost: 0 … 999 cannot be joined to these
    std::vector<cf32> out;
    EXPECT_EQ(h.copy(0, 2500, out), 1500u);
    EXPECT_TRUE(holds(out, 1500, 1000));
    h.copy(500, 900, out);
    EXPECT_TRUE(out.empty());
}

TEST(SampleHistory, AdoptTakesTheBufferAndHandsBackADroppedOne) {
    SampleHistory h;
    h.reset(1000);
    std::vector<cf32> block = indexed(0, 1000);
    const cf32* first_buffer = block.data();
    h.adopt(0, block);
    EXPECT_NE(block.data(), first_buffer);  // the history owns it now: no copy was made
    std::vector<cf32> out;
    EXPECT_EQ(h.copy(0, 1000, out), 0u);
    EXPECT_TRUE(holds(out, 0, 1000));

    block = indexed(1000, 1000);
    h.adopt(1000, block);  // pushes the first block out: its buffer becomes the spare
    EXPECT_EQ(h.copy(0, 2000, out), 1000u);
    EXPECT_TRUE(holds(out, 1000, 1000));

    block = indexed(2000, 1000);
    h.adopt(2000, block);
    EXPECT_EQ(block.data(), first_buffer);  // the dropped block's buffer came back to be filled again
    EXPECT_GE(block.capacity(), 1000u);
    EXPECT_EQ(h.copy(0, 3000, out), 2000u);
    EXPECT_TRUE(holds(out, 2000, 1000));

    // push and adopt mix freely
    h.push(3000, indexed(3000, 400));
    EXPECT_EQ(h.copy(0, 4000, out), 2400u);
    EXPECT_TRUE(holds(out, 2400, 1000));
}

TEST(SampleHistory, ResetForgetsEverything) {
    SampleHistory h;
    h.reset(1000);
    h.push(0, indexed(0, 800));
    h.reset(1000);
    std::vector<cf32> out;
    h.copy(0, 800, out);
    EXPECT_TRUE(out.empty());
    h.push(0, indexed(0, 300));  // a new view starts at sample 0 again
    EXPECT_EQ(h.copy(0, 800, out), 0u);
    EXPECT_TRUE(holds(out, 0, 300));
}

}  // namespace
}  // namespace coex::classify
