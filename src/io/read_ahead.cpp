#include "coex/io/read_ahead.hpp"

#include "coex/io/stored_samples.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

namespace coex::io {

struct ReadAheadSource::State {
    std::unique_ptr<SampleSource> inner;
    std::size_t depth;

    std::mutex mutex;
    std::condition_variable changed;  // a block was read, taken, or the reader stopped
    // The inner source's integers are converted by next(), on the taking thread (stored_samples.hpp),
    // unless the reader had nothing else to do first: then it converts the oldest waiting block itself,
    // so a taker that is the slower of the two threads is not also left all the conversions.
    StoredSampleSource* stored_source = nullptr;
    struct Entry {
        SampleBlock block;
        StoredSamples stored;    // the block's samples as stored, when not converted yet
        SourceStats stats;       // the inner source's counts once this block was read
        bool converted = false;  // block.samples holds them (the reader converted them while idle)
    };
    std::deque<Entry> ready;          // read, not yet handed over
    std::vector<SampleBlock> spare;   // handed back: buffers to read into
    std::vector<StoredSamples> spare_stored;
    const Entry* converting = nullptr;  // the entry the reader is converting (the mutex not held)
    StoredSamples taken;              // the last block's integers (next(): consumer side only)
    bool finished = false;            // the inner source ended (or threw)
    bool stopping = false;            // the destructor wants the reader to end
    std::exception_ptr error;         // what the inner source threw, after the blocks before it
    SourceStats delivered;            // as of the last block handed over (consumer side only)
    std::size_t converted_ahead = 0;  // blocks handed over that the reader had converted (consumer side)
    SourceStats final_stats;          // once the inner source ended
    std::function<bool()> shared_work;  // done while the queue is full (lend_thread)
    bool sharing = false;               // shared_work is running (the mutex is not held meanwhile)
    bool work_arrived = false;          // wake_lent_thread() since the reader last found no shared work
    std::thread reader;

    // Full: do shared work, or sleep, until half of the queue is taken (one wake-up per depth/2
    // blocks). Returns false when stopping.
    bool wait_for_room(std::unique_lock<std::mutex>& lock) {
        if (ready.size() < depth) return !stopping;
        for (;;) {
            if (stopping) return false;
            if (ready.size() <= depth / 2) return true;
            if (shared_work) {
                const auto work = shared_work;  // (lend_thread may replace it while this call runs)
                sharing = true;
                work_arrived = false;
                lock.unlock();
                const bool did = work();
                lock.lock();
                sharing = false;
                changed.notify_all();
                if (did || work_arrived) continue;
            }
            if (convert_one(lock)) continue;
            work_arrived = false;
            changed.wait(lock, [&] { return stopping || ready.size() <= depth / 2 || (work_arrived && shared_work); });
        }
    }

    // Converts the oldest block still stored as integers, the mutex released meanwhile; false when
    // every ready block is converted. (std::deque keeps an element's address while others come and go.)
    bool convert_one(std::unique_lock<std::mutex>& lock) {
        const auto waiting = std::find_if(ready.begin(), ready.end(), [](const Entry& e) {
            return !e.converted && e.stored.type != StoredSamples::Type::converted;
        });
        if (waiting == ready.end()) return false;
        Entry& entry = *waiting;
        converting = &entry;
        lock.unlock();
        convert(entry.stored, entry.block.samples);
        lock.lock();
        entry.converted = true;
        converting = nullptr;
        changed.notify_all();
        return true;
    }

    void run() {
        for (;;) {
            SampleBlock block;
            StoredSamples stored;
            {
                std::unique_lock lock(mutex);
                if (!wait_for_room(lock)) return;
                if (!spare.empty()) {
                    block = std::move(spare.back());
                    spare.pop_back();
                }
                if (!spare_stored.empty()) {
                    stored = std::move(spare_stored.back());
                    spare_stored.pop_back();
                }
            }
            bool more = false;
            std::exception_ptr failure;
            SourceStats stats;
            try {
                more = stored_source ? stored_source->next_stored(block, stored) : inner->next(block);
                stats = inner->stats();
            } catch (...) {
                failure = std::current_exception();
            }
            std::lock_guard lock(mutex);
            if (more) ready.push_back({std::move(block), std::move(stored), stats});
            if (!more) {
                finished = true;
                error = failure;
                final_stats = stats;
            }
            changed.notify_all();
            if (!more) return;
        }
    }
};

ReadAheadSource::ReadAheadSource(std::unique_ptr<SampleSource> inner, std::size_t depth) : state_(std::make_unique<State>()) {
    if (!inner) throw std::invalid_argument("ReadAheadSource: no source");
    state_->stored_source = dynamic_cast<StoredSampleSource*>(inner.get());
    state_->inner = std::move(inner);
    state_->depth = std::max<std::size_t>(depth, 1);
}

ReadAheadSource::~ReadAheadSource() {
    {
        std::lock_guard lock(state_->mutex);
        state_->stopping = true;
    }
    state_->changed.notify_all();
    if (state_->reader.joinable()) state_->reader.join();
}

bool ReadAheadSource::next(SampleBlock& block) {
    State& s = *state_;
    if (!s.reader.joinable() && !s.finished) s.reader = std::thread([&s] { s.run(); });
    std::unique_lock lock(s.mutex);
    // (a block the reader is converting is waited for)
    s.changed.wait(lock, [&] {
        return s.ready.empty() ? s.finished : s.converting != &s.ready.front();
    });
    if (s.ready.empty()) {
        if (s.error) std::rethrow_exception(std::exchange(s.error, nullptr));
        s.delivered = s.final_stats;
        return false;
    }
    State::Entry entry = std::move(s.ready.front());
    s.ready.pop_front();
    std::swap(block, entry.block);
    s.spare.push_back(std::move(entry.block));  // the caller's old buffer, for the reader to fill again
    std::swap(s.taken, entry.stored);
    s.spare_stored.push_back(std::move(entry.stored));  // (the integers of the block before)
    s.delivered = entry.stats;
    const bool wake_reader = s.ready.size() == s.depth / 2;
    lock.unlock();
    if (wake_reader) s.changed.notify_all();
    if (entry.converted)
        ++s.converted_ahead;
    else
        convert(s.taken, block.samples);  // here, where the analysis reads them next
    return true;
}

SourceStats ReadAheadSource::stats() const { return state_->delivered; }

std::size_t ReadAheadSource::blocks_converted_ahead() const { return state_->converted_ahead; }

void ReadAheadSource::lend_thread(std::function<bool()> work) {
    State& s = *state_;
    std::unique_lock lock(s.mutex);
    s.changed.wait(lock, [&] { return !s.sharing; });
    s.shared_work = std::move(work);
    s.work_arrived = true;
    lock.unlock();
    s.changed.notify_all();
}

void ReadAheadSource::wake_lent_thread() {
    State& s = *state_;
    {
        std::lock_guard lock(s.mutex);
        s.work_arrived = true;
    }
    s.changed.notify_all();
}

}  // namespace coex::io
