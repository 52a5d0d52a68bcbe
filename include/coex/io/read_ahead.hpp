#pragma once
// ReadAheadSource: runs another (replay) source on a thread of its own, a bounded number of blocks
// ahead of the pipeline, so reading samples overlaps with analysing them. It hands over every block of
// the inner source, in order, and never drops: when the queue is full the reader waits. An exception
// thrown by the inner source is rethrown by next() where it happened in the stream. An inner source
// that stores integers (a StoredSampleSource) hands them over unconverted, and next() converts them on
// the taking thread, which reads them next (coex/io/stored_samples.hpp); a reader with nothing else to
// do converts the oldest waiting block itself first, so that a taker which is the slower thread is not
// also left every conversion.
#include "coex/core/source.hpp"

#include <functional>
#include <memory>

namespace coex::io {

class ReadAheadSource : public SampleSource {
public:
    // depth: blocks read ahead (≥ 1). The reader thread starts at the first next().
    ReadAheadSource(std::unique_ptr<SampleSource> inner, std::size_t depth);
    ~ReadAheadSource() override;
    ReadAheadSource(const ReadAheadSource&) = delete;
    ReadAheadSource& operator=(const ReadAheadSource&) = delete;

    // Swaps the next block into `block`; the caller's old block (its sample buffer) is reused.
    [[nodiscard]] bool next(SampleBlock& block) override;
    // The inner source's counts as of the last block handed over.
    [[nodiscard]] SourceStats stats() const override;
    // Blocks handed over so far that the reader thread had converted (the rest next() converted).
    [[nodiscard]] std::size_t blocks_converted_ahead() const;

    // Lends the reader thread to other work while it is ahead (its queue full): it calls `work`,
    // which does one piece and says whether there was any, until the queue has room again or there
    // is none; then it sleeps until either changes (wake_lent_thread() says new work arrived). On two
    // cores this keeps the pipeline at two busy threads instead of three taking turns. Set before or
    // during the stream; lend_thread({}) returns once a call in progress has ended, so the work's
    // owner may go.
    [[nodiscard]] bool has_spare_thread() const override { return true; }
    void lend_thread(std::function<bool()> work) override;
    void wake_lent_thread() override;

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace coex::io
