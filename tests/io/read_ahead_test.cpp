// ReadAheadSource: every block of the inner source, in order, with its counts; an error where it
// happened in the stream; and nothing lost when the consumer is slow or stops early.
#include "coex/io/read_ahead.hpp"
#include "coex/io/stored_samples.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <stdexcept>
#include <thread>

namespace coex::io {
namespace {

// Blocks 0, 1, 2, … of `size` samples each, sample k of the stream holding k; throws after `fail_after`.
class Counting : public SampleSource {
public:
    Counting(std::size_t blocks, std::size_t size, std::size_t fail_after = 0)
        : blocks_(blocks), size_(size), fail_after_(fail_after) {}
    bool next(SampleBlock& block) override {
        if (fail_after_ && served_ == fail_after_) throw std::runtime_error("damaged at block " + std::to_string(served_));
        if (served_ == blocks_) return false;
        block.samples.resize(size_);
        for (std::size_t k = 0; k < size_; ++k) block.samples[k] = cf32(static_cast<float>(served_ * size_ + k), 0.0f);
        block.first_sample = served_ * size_;
        ++served_;
        stats_.samples_in += size_;
        return true;
    }
    SourceStats stats() const override { return stats_; }

private:
    std::size_t blocks_, size_, fail_after_, served_ = 0;
    SourceStats stats_;
};

TEST(ReadAhead, HandsOverEveryBlockInOrderWithItsCounts) {
    for (const std::size_t depth : {1, 2, 4, 7}) {
        ReadAheadSource source(std::make_unique<Counting>(50, 100), depth);
        SampleBlock block;
        std::size_t n = 0;
        while (source.next(block)) {
            ASSERT_EQ(block.first_sample, n * 100);
            ASSERT_EQ(block.samples.size(), 100u);
            EXPECT_EQ(block.samples.front().real(), static_cast<float>(n * 100));
            EXPECT_EQ(block.samples.back().real(), static_cast<float>(n * 100 + 99));
            EXPECT_EQ(source.stats().samples_in, (n + 1) * 100);
            block.samples.assign(3, cf32{});  // the consumer may leave anything in the buffer it gives back
            ++n;
            if (n % 7 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));  // a slow consumer
        }
        EXPECT_EQ(n, 50u);
        EXPECT_EQ(source.stats().samples_in, 5000u);
        EXPECT_FALSE(source.next(block));
    }
}

// A source of 16-bit samples handed over unconverted: sample k of the stream is (k, −k) mod 2^15 steps.
class CountingStored : public SampleSource, public StoredSampleSource {
public:
    CountingStored(std::size_t blocks, std::size_t size) : blocks_(blocks), size_(size) {}
    bool next(SampleBlock& block) override {
        StoredSamples stored;
        if (!next_stored(block, stored)) return false;
        convert(stored, block.samples);
        return true;
    }
    bool next_stored(SampleBlock& block, StoredSamples& stored) override {
        if (served_ == blocks_) return false;
        block.samples.resize(size_);  // its values: the taker's to make
        stored.type = StoredSamples::Type::int16;
        stored.int16.resize(2 * size_);
        for (std::size_t k = 0; k < size_; ++k) {
            const auto v = static_cast<std::int16_t>((served_ * size_ + k) % 32768);
            stored.int16[2 * k] = v;
            stored.int16[2 * k + 1] = static_cast<std::int16_t>(-v);
        }
        block.first_sample = served_ * size_;
        ++served_;
        stats_.samples_in += size_;
        return true;
    }
    SourceStats stats() const override { return stats_; }

private:
    std::size_t blocks_, size_, served_ = 0;
    SourceStats stats_;
};

// The integers cross from the reader thread with their block and are converted by next(), or by the
// reader while it waits: each block holds its own samples, whatever the consumer left in the buffers it
// hands back.
TEST(ReadAhead, StoredSamplesAreConvertedByTheTaker) {
    for (const std::size_t depth : {1, 3}) {
        ReadAheadSource source(std::make_unique<CountingStored>(40, 1000), depth);
        SampleBlock block;
        std::size_t n = 0;
        while (source.next(block)) {
            ASSERT_EQ(block.first_sample, n * 1000);
            ASSERT_EQ(block.samples.size(), 1000u);
            for (std::size_t k = 0; k < 1000; ++k) {
                const float v = static_cast<float>((n * 1000 + k) % 32768) / 32768.0f;
                ASSERT_EQ(block.samples[k], cf32(v, -v)) << "block " << n << " sample " << k;
            }
            block.samples.assign(7, cf32(5.0f, 5.0f));
            ++n;
            if (n % 5 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        EXPECT_EQ(n, 40u);
    }
}

// A taker slower than the reader finds its blocks converted by the reader (which has nothing else to
// do), with the same values; next() converts whatever the reader has not reached.
TEST(ReadAhead, AnIdleReaderConvertsTheWaitingBlocks) {
    ReadAheadSource slow_taker(std::make_unique<CountingStored>(20, 1000), 4);
    SampleBlock block;
    std::size_t n = 0;
    while (slow_taker.next(block)) {
        for (std::size_t k = 0; k < 1000; ++k) {
            const float v = static_cast<float>((n * 1000 + k) % 32768) / 32768.0f;
            ASSERT_EQ(block.samples[k], cf32(v, -v)) << "block " << n << " sample " << k;
        }
        ++n;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    EXPECT_EQ(n, 20u);
    EXPECT_GE(slow_taker.blocks_converted_ahead(), 10u);  // all but the first few, on a loaded machine too
    EXPECT_LE(slow_taker.blocks_converted_ahead(), 20u);
}

TEST(ReadAhead, AnErrorComesAfterTheBlocksBeforeIt) {
    ReadAheadSource source(std::make_unique<Counting>(50, 10, 5), 3);
    SampleBlock block;
    for (std::size_t n = 0; n < 5; ++n) {
        ASSERT_TRUE(source.next(block));
        EXPECT_EQ(block.first_sample, n * 10);
    }
    EXPECT_THROW(static_cast<void>(source.next(block)), std::runtime_error);
}

TEST(ReadAhead, StoppingEarlyEndsTheReader) {
    auto source = std::make_unique<ReadAheadSource>(std::make_unique<Counting>(1000, 1000), 4);
    SampleBlock block;
    ASSERT_TRUE(source->next(block));
    source.reset();  // must not hang with the reader waiting on a full queue
    SUCCEED();
}

// Waits up to 5 s for `condition` (a loaded machine may be slow to schedule the reader).
template <class Condition>
bool eventually(Condition condition) {
    for (int i = 0; i < 5000 && !condition(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return condition();
}

// While its queue is full the reader does the work it was lent (here: pieces counted out of a stock
// that wake_lent_thread() refills), and still hands over every block in order.
TEST(ReadAhead, AFullReaderDoesSharedWorkAndStillDeliversEveryBlock) {
    ReadAheadSource source(std::make_unique<Counting>(40, 100), 2);
    std::atomic<int> stock{5}, done{0};
    source.lend_thread([&] {
        if (stock.load() <= 0) return false;
        --stock;
        ++done;
        return true;
    });
    SampleBlock block;
    std::size_t n = 0;
    while (source.next(block)) {
        ASSERT_EQ(block.first_sample, n * 100);
        ++n;
        if (n == 10) {  // a pause: the reader fills its queue and works off the stock
            EXPECT_TRUE(eventually([&] { return done.load() == 5; }));
            stock = 3;
            source.wake_lent_thread();  // new work while the reader sleeps on a full queue
            EXPECT_TRUE(eventually([&] { return done.load() == 8; }));
        }
    }
    EXPECT_EQ(n, 40u);
    source.lend_thread({});
}

// lend_thread({}) returns only once a piece of work in progress has ended: its owner may then go.
TEST(ReadAhead, TakingTheThreadBackWaitsForWorkInProgress) {
    ReadAheadSource source(std::make_unique<Counting>(40, 100), 1);
    std::atomic<bool> started{false}, finished{false};
    source.lend_thread([&] {
        if (started.exchange(true)) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
        finished = true;
        return true;
    });
    SampleBlock block;
    ASSERT_TRUE(source.next(block));  // the reader starts, fills its one slot, then works
    while (!started) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    source.lend_thread({});
    EXPECT_TRUE(finished.load());
}

// Work taken back while the reader sleeps on a full queue: it sleeps on (no spinning on the lock), and
// the source still goes when the consumer stops early (an error in the analysis).
TEST(ReadAhead, WorkTakenBackFromAFullReaderLeavesItAsleep) {
    auto source = std::make_unique<ReadAheadSource>(std::make_unique<Counting>(1000, 100), 2);
    source->lend_thread([] { return false; });
    SampleBlock block;
    ASSERT_TRUE(source->next(block));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the reader fills its queue and sleeps
    source->lend_thread({});
    // (on a thread of its own, which owns the source: a hang fails the test instead of blocking it)
    std::promise<void> went;
    auto gone = went.get_future();
    std::thread([s = std::move(source), w = std::move(went)]() mutable {
        s.reset();
        w.set_value();
    }).detach();
    EXPECT_EQ(gone.wait_for(std::chrono::seconds(10)), std::future_status::ready);
}

}  // namespace
}  // namespace coex::io
