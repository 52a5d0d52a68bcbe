#pragma once
// Finds bursts in the frame stream: runs of 1 MHz cells well above their floor that Wi-Fi did not
// claim, followed from frame to frame while they overlap the same cells. A run that stops becomes a
// closed burst on its third missed frame (two frames of grace, so a weak burst that dips is not cut in two).
// The receiver's IQ image is taken out here, once for every detector: a burst that was, in every frame
// of its life, ≥ 20 dB under what its mirror frequency (about the tuning's centre) held is the image of
// that signal, not an emitter, and never closes.
#include "coex/classify/frame.hpp"

#include <array>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace coex::classify {

struct TrackedBurst {
    double start_s = 0.0, end_s = 0.0;
    double strong_end_s = 0.0;                       // end of its last frame holding a cell at the start threshold (+6 dB)
    std::uint64_t first_sample = 0, end_sample = 0;  // sample span within the segment
    int lo_cell = 0, hi_cell = 0;                    // widest extent, grid cell indices
    std::vector<double> cell_signal;                 // Σ over frames of (cell − floor), per grid cell of the extent
    std::vector<float> cell_peak;                    // the most of (cell − floor) in any one frame, per cell of the extent
    double signal = 0.0, noise = 0.0;                // Σ over frames of signal and floor over the lit cells
    double centre_sum = 0.0, centre_sq_sum = 0.0;    // per-frame power-weighted centre (cell index) moments
    double frame_signal = 0.0, frame_weighted = 0.0; // this frame's sums, for its centre
    double level = 0.0;                              // running signal level per frame
    std::size_t centre_frames = 0;                   // frames behind the centre moments
    // Each frame's runs of lit cells that continued it (frame start, first and last cell): what the
    // burst was at each instant, where its extent only says what it covered over its whole time.
    struct Run {
        double time_s;
        int lo_cell, hi_cell;
    };
    std::vector<Run> runs;
    int step_frames = 0;                             // consecutive frames off that level
    std::size_t frames = 0;
    int missed = 0;
    std::size_t image_frames = 0;                    // frames in which it held only cells far under their mirror
    bool image_frame = false;                        // this frame so far
    // Lit in step with a signal ≥ 20 dB stronger at its mirror: in all its frames but noise flickers at
    // its edges (a frame in ten).
    [[nodiscard]] bool image_like() const { return image_frames * 10 >= frames * 9 && image_frames > 0; }
};

class BurstTracker {
public:
    static constexpr double kCellExcess = 3.0;  // a cell is lit when its power is ≥ 4× (+6 dB) its floor
    static constexpr double kHoldExcess = 1.0;  // a lit cell ≥ 2× (+3 dB) its floor continues one
    static constexpr double kLevelStep = 2.5;   // ±4 dB held for two frames splits a burst
    static constexpr int kMaxMissed = 3;        // frames a burst may go unseen before it ends

    void begin_tuning(const TuningGeometry& tuning);
    // `claimed` marks cells Wi-Fi explained in this frame. Closed bursts are appended to `closed`.
    void on_frame(const Frame& frame, std::span<const std::uint8_t> claimed, std::vector<TrackedBurst>& closed);
    void close_all(std::vector<TrackedBurst>& closed);
    // bursts taken for the receiver's IQ image of another signal and dropped, since construction
    [[nodiscard]] std::uint64_t image_bursts() const { return image_bursts_; }

private:
    std::vector<TrackedBurst> open_;
    void close_or_drop(TrackedBurst&& b, std::vector<TrackedBurst>& closed);

    std::vector<std::uint8_t> lit_, strong_, image_;
    const dsp::MhzCellGrid* grid_ = nullptr;
    std::uint64_t image_bursts_ = 0;
    std::vector<std::pair<int, int>> runs_;
    double frame_seconds_ = 0.0;
    std::size_t fft_size_ = 0;
};

}  // namespace coex::classify
