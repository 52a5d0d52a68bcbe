#pragma once
// The one interface between sample sources (replay, live SDR) and the pipeline.
#include "coex/core/types.hpp"

#include <cstdint>
#include <functional>

namespace coex {

struct SourceStats {
    std::uint64_t samples_in = 0;       // delivered to the pipeline
    std::uint64_t samples_dropped = 0;  // discarded because the pipeline fell behind (ring full)
    std::uint64_t samples_lost = 0;     // never received from the device (overflow, short read)
};

class SampleSource {
public:
    virtual ~SampleSource() = default;
    // Fills `block` with the next block. Returns false at the end of the stream.
    // Replay sources block until data is available; they never drop.
    [[nodiscard]] virtual bool next(SampleBlock& block) = 0;
    [[nodiscard]] virtual SourceStats stats() const = 0;

    // A source with a thread of its own (io::ReadAheadSource) can lend it to the pipeline while that
    // thread is ahead: it calls `work`, which does one piece and says whether there was any, and sleeps
    // when there is none until wake_lent_thread(). lend_thread({}) takes it back, waiting out a piece in
    // progress, so the work's owner may then go. Sources without a spare thread ignore both.
    [[nodiscard]] virtual bool has_spare_thread() const { return false; }
    virtual void lend_thread(std::function<bool()> /*work*/) {}
    virtual void wake_lent_thread() {}
};

}  // namespace coex
