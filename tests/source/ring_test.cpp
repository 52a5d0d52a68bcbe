// BlockRing: the producer never waits, drops come in runs until half the ring is free, the consumer
// gets every committed block in order without a copy of the samples.
#include "coex/core/error.hpp"
#include "coex/source/ring.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace coex {
namespace {

using source::BlockRing;
using namespace std::chrono_literals;

TEST(BlockRing, HandsOverCommittedBlocksInOrder) {
    BlockRing ring(4, 16);
    for (int i = 0; i < 3; ++i) {
        SampleBlock* slot = ring.try_acquire();
        ASSERT_NE(slot, nullptr);
        ASSERT_EQ(slot->samples.size(), 16u);
        slot->segment_index = static_cast<std::size_t>(i);
        slot->samples[0] = cf32(static_cast<float>(i), 0.0f);
        ring.commit(static_cast<std::size_t>(10 + i));
    }
    EXPECT_EQ(ring.queued(), 3u);
    SampleBlock out;
    for (int i = 0; i < 3; ++i) {
        ASSERT_EQ(ring.pop(out, 10ms), BlockRing::Pop::block);
        EXPECT_EQ(out.segment_index, static_cast<std::size_t>(i));
        EXPECT_EQ(out.samples.size(), static_cast<std::size_t>(10 + i));
        EXPECT_EQ(out.samples[0].real(), static_cast<float>(i));
    }
    EXPECT_EQ(ring.pop(out, 1ms), BlockRing::Pop::timeout);
    ring.close();
    EXPECT_EQ(ring.pop(out, 1ms), BlockRing::Pop::closed);
    EXPECT_EQ(ring.high_water(), 3u);
}

TEST(BlockRing, WhenFullItRefusesUntilHalfIsFree) {
    BlockRing ring(8, 4);
    for (int i = 0; i < 8; ++i) {
        ASSERT_NE(ring.try_acquire(), nullptr);
        ring.commit(4);
    }
    EXPECT_EQ(ring.try_acquire(), nullptr);
    SampleBlock out;
    for (int i = 0; i < 3; ++i) ASSERT_EQ(ring.pop(out, 1ms), BlockRing::Pop::block);
    EXPECT_EQ(ring.try_acquire(), nullptr) << "5 of 8 still queued: keep dropping";
    ASSERT_EQ(ring.pop(out, 1ms), BlockRing::Pop::block);
    EXPECT_NE(ring.try_acquire(), nullptr) << "half empty: take blocks again";
}

TEST(BlockRing, ClosedStillDeliversWhatWasQueued) {
    BlockRing ring(4, 4);
    ASSERT_NE(ring.try_acquire(), nullptr);
    ring.commit(2);
    ring.close();
    SampleBlock out;
    EXPECT_EQ(ring.pop(out, 1ms), BlockRing::Pop::block);
    EXPECT_EQ(ring.pop(out, 1ms), BlockRing::Pop::closed);
}

TEST(BlockRing, SlotsKeepTheirSizeAfterTheConsumerSwapsBuffers) {
    BlockRing ring(2, 1024);
    SampleBlock out;  // starts with no buffer at all
    for (int round = 0; round < 5; ++round) {
        SampleBlock* slot = ring.try_acquire();
        ASSERT_NE(slot, nullptr);
        EXPECT_EQ(slot->samples.size(), 1024u);
        ring.commit(7);
        ASSERT_EQ(ring.pop(out, 1ms), BlockRing::Pop::block);
        EXPECT_EQ(out.samples.size(), 7u);
    }
}

TEST(BlockRing, AProducerThreadAndAConsumerThreadLoseNothingWhileThereIsRoom) {
    BlockRing ring(64, 256);
    constexpr int kBlocks = 20000;
    std::thread producer([&] {
        for (int i = 0; i < kBlocks;) {
            SampleBlock* slot = ring.try_acquire();
            if (!slot) {
                std::this_thread::yield();
                continue;
            }
            slot->first_sample = static_cast<std::uint64_t>(i);
            ring.commit(256);
            ++i;
        }
        ring.close();
    });
    SampleBlock out;
    std::uint64_t expected = 0;
    for (;;) {
        const auto r = ring.pop(out, 1000ms);
        if (r == BlockRing::Pop::closed) break;
        ASSERT_EQ(r, BlockRing::Pop::block);
        ASSERT_EQ(out.first_sample, expected);
        ++expected;
    }
    producer.join();
    EXPECT_EQ(expected, static_cast<std::uint64_t>(kBlocks));
}

TEST(BlockRing, RejectsSizesOutsideTheirRange) {
    EXPECT_THROW(BlockRing(1, 16), ConfigError);
    EXPECT_THROW(BlockRing(4, 0), ConfigError);
    EXPECT_THROW(BlockRing(100000, 16), ConfigError);
}

}  // namespace
}  // namespace coex
