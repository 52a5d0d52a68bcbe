#pragma once
// Noise floor per 1 MHz cell of one tuning, from two looks at the same samples:
//  - the analysis frames themselves (≈13 µs): every frame, many degrees of freedom;
//  - a probe with frames a quarter as long (≈3 µs), fed all samples while the floor is first learnt
//    and a sixteenth of them after: it finds the quiet moments between back-to-back Wi-Fi frames
//    (SIFS gaps of 16 µs), where no 13 µs frame is ever quiet.
// The floor is the lower of the two estimates. Both see the cells divided by the receiver's gain
// (gain_steps.hpp): the probe's looks wait until the gain over them is decided.
// Neither may stand under what the samples resolve: integer samples carry their rounding noise
// (SegmentInfo::quantisation_noise_power), and a receiver whose own noise is under one step rounds
// its quiet stretches to (almost) digital zero, whose cells would otherwise read tens of dB under any
// noise the same samples can show. The floor is raised to that rounding noise, taken at the highest
// gain any look had (a gain raised later resolves finer, counted in the first frame's gain).
#include "coex/core/types.hpp"
#include "coex/dsp/cell_grid.hpp"
#include "coex/dsp/noise_floor.hpp"
#include "coex/dsp/spectrogram.hpp"

#include "gain_steps.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace coex::analysis {

class CellFloor {
public:
    CellFloor(const SegmentInfo& segment, const dsp::SpectrogramConfig& config, const dsp::Spectrogram& main,
              const dsp::MhzCellGrid& grid, double percentile);

    void add_cells(std::span<const float> cells) { main_.add(cells); }
    // Frames came at this gain (relative to the tuning's first frame, by which their cells were divided);
    // told only when it is not 1, so a receiver without gain steps pays nothing per frame.
    void saw_gain(double gain) { largest_gain_ = std::max(largest_gain_, gain); }
    // Feeds the samples at positions [first_sample, first_sample + size) of the segment to the probe:
    // every one before `all_until` (the floor is still being learnt), after it the first sixteenth of
    // each 65536-sample window of the segment. Which samples it sees depends on their positions only,
    // never on how the source cut the stream into blocks, so a recording replays to the same floor.
    void probe(std::uint64_t first_sample, std::span<const cf32> samples, std::uint64_t all_until);
    // The stream jumped (a new segment, a gap): the probe's next look starts afresh.
    void restart_probe() { probe_next_ = kNoPosition; }
    // Adds the probe's looks whose gain is decided (all of them when `all`), divided by it. Asked after
    // every frame; most of the time the oldest waiting look is not decided yet (answered inline).
    void commit_probe(const GainSteps& gains, bool all) {
        if (pending_head_ == pending_at_.size()) return;  // no look waits
        if (!all && pending_at_[pending_head_] + probe_->spectrogram.fft_size() > gains.decided_until()) return;
        commit_waiting(gains, all);
    }
    void estimate(std::span<float> out);

private:
    void commit_waiting(const GainSteps& gains, bool all);
    void estimate_from_looks(std::span<float> out);  // the lower of the two looks' estimates
    dsp::PercentileFloor main_;
    // per main cell: the samples' rounding noise in that cell at the first frame's gain (0: float samples)
    std::vector<float> resolution_;
    double largest_gain_ = 1.0;
    struct Probe {
        Probe(const SegmentInfo& segment, const dsp::SpectrogramConfig& config, std::size_t size);
        dsp::Spectrogram spectrogram;
        dsp::MhzCellGrid grid;
        std::optional<dsp::PercentileFloor> floor;
        std::vector<float> cells;
    };
    std::optional<Probe> probe_;
    std::vector<int> probe_index_;  // main cell → probe cell (−1: none)
    std::vector<float> to_main_;    // noise power ratio main cell / probe cell
    std::vector<float> probe_estimate_;
    static constexpr std::uint64_t kNoPosition = ~std::uint64_t{0};
    std::uint64_t probe_next_ = kNoPosition;  // the position after the last sample probed
    std::uint64_t probe_frame_at_ = 0;         // the first sample of the probe's next frame
    // looks not yet added: their first sample, and their cells (probe grid) one after another
    std::vector<std::uint64_t> pending_at_;
    std::vector<float> pending_cells_;
    std::size_t pending_head_ = 0;
    std::vector<float> scaled_;
};

}  // namespace coex::analysis
