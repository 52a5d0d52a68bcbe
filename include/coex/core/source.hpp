#pragma once
// The one interface between sample sources (replay, live SDR) and the pipeline.
#include "coex/core/types.hpp"

#include <cstdint>

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
};

}  // namespace coex
