#include "coex/source/ring.hpp"

#include "coex/core/error.hpp"

#include <algorithm>
#include <string>

namespace coex::source {

BlockRing::BlockRing(std::size_t blocks, std::size_t block_samples) : block_samples_(block_samples) {
    if (blocks < 2 || blocks > 65536)
        throw ConfigError("ring: " + std::to_string(blocks) + " blocks; allowed 2…65536");
    if (block_samples == 0 || block_samples > (std::size_t{1} << 24))
        throw ConfigError("ring: blocks of " + std::to_string(block_samples) + " samples; allowed 1…16777216");
    slots_.resize(blocks);
    counts_.assign(blocks, 0);
    for (auto& slot : slots_) slot.samples.resize(block_samples_);
}

SampleBlock* BlockRing::try_acquire() {
    const std::uint64_t head = head_.load(std::memory_order_relaxed);
    const std::uint64_t queued = head - tail_.load(std::memory_order_acquire);
    if (refusing_) {
        if (queued > slots_.size() / 2) return nullptr;
        refusing_ = false;
    }
    if (queued >= slots_.size()) {
        refusing_ = true;
        return nullptr;
    }
    return &slots_[head % slots_.size()];
}

void BlockRing::commit(std::size_t count) {
    const std::uint64_t head = head_.load(std::memory_order_relaxed);
    counts_[head % slots_.size()] = std::min(count, block_samples_);
    head_.store(head + 1, std::memory_order_release);
    const std::size_t queued = head + 1 - tail_.load(std::memory_order_acquire);
    if (queued > high_water_.load(std::memory_order_relaxed)) high_water_.store(queued, std::memory_order_relaxed);
    wake_.notify_one();  // does not take the mutex: the producer never waits for the consumer
}

void BlockRing::close() {
    closed_.store(true, std::memory_order_release);
    wake_.notify_one();
}

BlockRing::Pop BlockRing::pop(SampleBlock& out, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    const std::uint64_t tail = tail_.load(std::memory_order_relaxed);
    for (;;) {
        if (head_.load(std::memory_order_acquire) != tail) break;
        if (closed_.load(std::memory_order_acquire)) {
            // close() happens after the last commit: look once more before saying so
            if (head_.load(std::memory_order_acquire) != tail) break;
            return Pop::closed;
        }
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) return Pop::timeout;
        // The producer notifies without the mutex, so a wake-up can slip between the check and the
        // wait; short slices bound what that costs.
        std::unique_lock lock(mutex_);
        wake_.wait_until(lock, std::min(deadline, now + std::chrono::milliseconds(5)));
    }
    SampleBlock& slot = slots_[tail % slots_.size()];
    const std::size_t count = counts_[tail % slots_.size()];
    out.segment_index = slot.segment_index;
    out.segment = slot.segment;
    out.first_sample = slot.first_sample;
    out.dropped_before = slot.dropped_before;
    out.samples.swap(slot.samples);
    out.samples.resize(count);
    slot.samples.resize(block_samples_);  // allocates only while the consumer's buffers are new
    tail_.store(tail + 1, std::memory_order_release);
    return Pop::block;
}

std::size_t BlockRing::queued() const {
    return static_cast<std::size_t>(head_.load(std::memory_order_acquire) - tail_.load(std::memory_order_acquire));
}

std::size_t BlockRing::high_water() const { return high_water_.load(std::memory_order_relaxed); }

}  // namespace coex::source
