#pragma once
// The detectors' side of the pipeline: every call the analyzer makes on the classifier goes through
// here. Inline, the calls go straight through. With a thread, the calls of each block are recorded
// (with copies of the cells and floors they point at, and the block's sample buffer) and replayed in
// the same order on a detector thread, a bounded number of blocks behind: the classifier sees exactly
// the calls it would have seen inline, so the report is the same. Off, nothing is detected (what the
// spectrogram, floors and cells cost alone).
#include "coex/classify/classifier.hpp"
#include "coex/core/types.hpp"
#include "coex/report/report.hpp"

#include <functional>
#include <memory>
#include <span>
#include <vector>

namespace coex::analysis {

class Detection {
public:
    // shared: recorded and replayed as with a thread, but by whichever thread has time: help() from
    // another thread (a read-ahead thread that is ahead), or the analysing thread itself when the
    // backlog is full and at the end.
    enum class Mode { off, inline_calls, thread, shared };
    Detection(Mode mode, std::vector<WifiChannel> channels, bool keep_bursts, bool decode, std::function<void()> work_queued = {});
    ~Detection();
    Detection(const Detection&) = delete;
    Detection& operator=(const Detection&) = delete;

    [[nodiscard]] bool on() const { return mode_ != Mode::off; }
    void begin_tuning(const classify::TuningGeometry& tuning);
    // `adopt` set: its buffer is taken over (a spare one is left in its place).
    void samples(std::uint64_t first_sample, std::span<const cf32> samples, std::vector<cf32>* adopt);
    // With a thread the detectors do not see frame.bins (as during the floor warm-up, inline).
    void frame(const classify::Frame& frame);
    void gap();
    void end_tuning(const classify::TuningSummary& summary);
    // End of a block: every few blocks, the calls recorded go to the detector thread.
    void flush();
    // Waits for the detector thread to catch up, then fills the report's detector parts.
    void finish(report::Report& report);
    // Shared mode: replays the oldest recorded batch if there is one and no other thread is replaying
    // one; says whether it did. Any thread may call it.
    bool help();

private:
    [[nodiscard]] bool recorded() const { return mode_ == Mode::thread || mode_ == Mode::shared; }
    void hand_over();  // the calls recorded so far go to the detector thread
    struct Job;
    struct Worker;
    Mode mode_;
    classify::Classifier classifier_;
    std::unique_ptr<Worker> worker_;
    std::unique_ptr<Job> job_;  // being recorded
    std::vector<float> last_floor_;  // the floor job_ last stored (a frame's floor is stored when it changed)
    std::function<void()> work_queued_;
};

}  // namespace coex::analysis
