#pragma once
// A preallocated single-producer / single-consumer ring of sample blocks: the hand-over between a
// live radio's reader thread and the pipeline. The producer never blocks and never allocates; when
// the ring is full it is told so (nullptr) and drops the whole block itself, and it keeps being told
// so until the consumer has emptied half the ring, so drops come in runs rather than one block in
// two. The consumer waits with a timeout.
#include "coex/core/types.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <vector>

namespace coex::source {

class BlockRing {
public:
    // blocks: 2…65536 slots; block_samples: 1…2^24 samples each (ConfigError otherwise).
    BlockRing(std::size_t blocks, std::size_t block_samples);

    // ---- producer (one thread) ----
    // The next free slot, its `samples` sized block_samples; nullptr while the ring is full (and,
    // once it was full, until it is half empty again). Fill it, then commit() it.
    [[nodiscard]] SampleBlock* try_acquire();
    // Publishes the acquired slot holding `count` (≤ block_samples) samples.
    void commit(std::size_t count);
    // No more blocks: the consumer gets the ones still queued, then `closed`.
    void close();

    // ---- consumer (one thread) ----
    enum class Pop { block, timeout, closed };
    // Waits up to `timeout` for the next block and swaps it into `out` (no copy of the samples).
    [[nodiscard]] Pop pop(SampleBlock& out, std::chrono::milliseconds timeout);

    [[nodiscard]] std::size_t capacity() const { return slots_.size(); }
    [[nodiscard]] std::size_t block_samples() const { return block_samples_; }
    [[nodiscard]] std::size_t queued() const;      // blocks waiting for the consumer now
    [[nodiscard]] std::size_t high_water() const;  // most blocks ever waiting at once

private:
    std::vector<SampleBlock> slots_;
    std::vector<std::size_t> counts_;
    std::size_t block_samples_;
    std::atomic<std::uint64_t> head_{0};  // next slot the producer fills
    std::atomic<std::uint64_t> tail_{0};  // next slot the consumer takes
    std::atomic<bool> closed_{false};
    std::atomic<std::size_t> high_water_{0};
    bool refusing_ = false;  // producer only: full, waiting for half empty
    std::mutex mutex_;       // only for the consumer's sleep; the producer never takes it
    std::condition_variable wake_;
};

}  // namespace coex::source
