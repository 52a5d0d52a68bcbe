#pragma once
// The receiver's own gain steps (an AGC switching its LNA or mixer gain) told apart from emitters.
//
// A gain step moves every part of the tuning at the same instant by the same number of dB: the cells
// no emitter occupies, the cells an emitter holds throughout, and the band edges beyond the anti-alias
// filter. An emitter starts and stops in its own cells only, and by its own level. So the tracker
// follows, per sub-band of the whole FFT, the quietest level over the 2 ms before and the 2 ms after
// every moment (a sliding minimum: emitters only add power, so the minimum is the floor times the
// gain). A candidate is a change of that level by 1.5–10 dB over a run of a quarter of a window or
// more, where at some position both outermost sub-bands moved by ≥ 1.5 dB and within 1.5 dB of the
// median (a flat burst as wide as the view, a Wi-Fi channel in a 20 MS/s view, leaves the band edges
// where they were) and all others but one in four agree within 1.5 dB (the DC leak is not scaled by
// the gain; an emitter that starts or stops inside a window moves its own sub-bands). The step's
// instant is the agreeing position where the change is largest (nearest the step when
// several come within 0.3 dB: there neither window holds tiles of the other side). There it is judged
// again from the two windows' quiet levels (their tenth percentile per sub-band, steadier than the
// minimum): the same agreement, and a change of 2.5 dB or more; the instant is then moved (within a
// quarter window, and back to where the change was first seen whole) to where the tiles' level in the
// quietest sub-bands changes most sharply. A region whose minima agreed nowhere near its peak (or whose
// agreeing candidate fails the judgement) is judged at its largest change among all positions. The gain
// after it is read against the tuning's first window where every sub-band agrees on that, so a step
// missed in between is not carried into every later gain; otherwise it is the gain before times the
// step.
//
// Frames are held back until the gain over them is decided (≈ 4 ms), then released with their cells
// divided by the gain relative to the tuning's first frame; the floor and the detectors see the cells
// as a receiver with a fixed gain would have given them. Without a step every cell leaves unchanged.
//
// Limits (measured, docs/accuracy.md "Behind real receivers"): a window of busy traffic (no quiet
// 25 µs in it) raises the minimum of the sub-bands it occupies by 1–2.4 dB, and strong Wi-Fi's or
// DSSS's skirts reach the band edges; such windows hide a step's agreement, so under busy traffic some
// 3 dB steps are not found (and are left in, as before). Steps closer than a window to each other are
// not judged apart. A stretch of a tuning seen before is led in by the tuning's first window (its tiles
// at the gain in force), and a stretch's end is carried on by its last quarter window repeated, so a
// step at a later stretch's start or in its first window, or up to a quarter window before a stretch's
// end, is judged; one in the first window of a tuning's first stretch, or in a stretch's last quarter
// window, is not.
// FFTs under 64 bins are not looked at (see on_).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace coex::analysis {

// The step test's per-frame work: adds to acc[g] the power of sub-band g's bins_per_group bins (a
// multiple of 4), summed in four lanes, (lane 0 + lane 1) + (lane 2 + lane 3): vector adds, not a chain.
// The plain version is the reference the fast one must equal bit for bit.
void add_sub_band_sums(const float* bins, std::size_t bins_per_group, std::size_t groups, float* acc);
void add_sub_band_sums_plain(const float* bins, std::size_t bins_per_group, std::size_t groups, float* acc);

class GainSteps {
public:
    // fft_size: bins per frame; frame_seconds: time between frames; cells: values per frame carried along.
    GainSteps(std::size_t fft_size, double frame_seconds, std::size_t cells);

    // One frame: its bins (for the step test) and its cells (held until released). `mark` is carried
    // with the frame and given back on release (the caller's position in its own side streams).
    void push(double time_s, std::uint64_t first_sample, std::uint64_t mark, std::span<const float> bins,
              std::span<const float> cells);
    // The stream ends or jumps (a gap, a new segment): a step still open is decided on the positions it
    // has, every held frame becomes releasable, and the windows start afresh with the next push. The
    // gain reached is kept (the tuning's floor was learnt at it). The stretch's last window is judged on
    // its last quarter window repeated (a step in that last quarter is not seen).
    void end_stretch();

    struct Released {
        double time_s = 0.0;
        std::uint64_t first_sample = 0, mark = 0;
        std::span<const float> cells;  // divided by the gain; valid until the next call
        double gain = 1.0;             // linear power ratio to the tuning's first frame
    };
    // The oldest held frame whose gain is decided, if any. (Asked after every frame: the answer "none
    // yet" is inline.)
    bool pop(Released& out) {
        if (head_ < held_.size() && held_[head_].tile < decided_tile()) return release(out);
        if (head_ > 0 && (head_ == held_.size() || head_ > 4096)) compact();  // compact the held storage now and then
        return false;
    }

    [[nodiscard]] std::size_t held() const { return held_.size() - head_; }
    [[nodiscard]] std::uint64_t steps() const { return steps_; }
    // The gain (linear) at a sample position of the current stretch, from the steps decided so far.
    [[nodiscard]] double gain_at(std::uint64_t sample) const;
    // Samples before this position have their gain decided.
    [[nodiscard]] std::uint64_t decided_until() const {
        return until_cached_ && decided_tile() == until_tile_ ? until_sample_ : find_decided_until();
    }

private:
    void add_tile();
    void lead_in();   // a new stretch of a known tuning: a window of tiles at its quiet levels before it
    void lead_out();  // the stretch's end: its last quarter window repeated, so its last window is judged
    void evaluate(std::uint64_t split, std::span<const float> before, std::span<const float> after);
    void close_region();
    // The change at `split` from the windows' quiet levels (a low percentile, steadier than their
    // minimum); 0 when the sub-bands do not agree as a gain step's do.
    // `voters`: the sub-bands that vote (bit c for sub-band c; all of them but at a quiet-vote position).
    [[nodiscard]] double judged_step_db(std::uint64_t split, int sign, std::uint32_t voters);
    // Whether per-sub-band power ratios (after / before) move together as a gain step's: the band edges
    // beyond the anti-alias filter moved with them, all but a quarter of the others within kAgreeDb.
    // Only `voters` count; an edge that does not vote is not asked to move, but one edge must.
    [[nodiscard]] bool agree(std::span<const float> ratios, float median, int sign, std::uint32_t voters) const;
    // The quiet vote at a split where all sub-bands together did not move as a step's: the sub-bands
    // whose minimum before stood over the tuning's floor (an emitter held them) are left out, and the
    // others decide. Returns the sign (0: none) and sets median and uniform as evaluate() does.
    int quiet_vote(std::span<const float> before, std::span<const float> after, float& median, bool& uniform, std::uint32_t& voters);
    // The split from `from` to `to` (nearest `split` on a tie) where the tiles' level changes most
    // sharply the step's way, from the history and quiet_before_.
    [[nodiscard]] std::uint64_t sharpest_split(std::uint64_t split, int sign, std::uint64_t from, std::uint64_t to);
    // Per sub-band, the quiet level (kQuietShare of the way up) of the window of tiles from first_tile.
    void quiet_levels(std::uint64_t first_tile, std::vector<float>& out);
    // The median ratio after / before when the sub-bands agree on it (sign 0: either way), else 0.
    [[nodiscard]] float agreed_ratio(std::span<const float> before, std::span<const float> after, int sign, std::uint32_t voters);
    bool release(Released& out);
    void compact();
    [[nodiscard]] std::uint64_t find_decided_until() const;
    // Frames of tiles before this one have their gain decided.
    [[nodiscard]] std::uint64_t decided_tile() const {
        if (ended_ || !on_) return ~std::uint64_t{0};
        const std::uint64_t bound = region_.open ? std::min(next_split_, region_.first) : next_split_;
        return bound + 1;
    }

    // Off below 64 bins (the 2.4 MS/s views' 32): 16 sub-bands of 4 bins or more are needed to tell a
    // burst as wide as the view from the receiver (with 8 of 4 bins, an 802.15.4 packet filling a
    // 2.4 MHz view made a step, and no step of the rtlsdr model was found).
    bool on_;
    // sub-bands of the whole FFT span (band edges included); a constant, so the per-tile loops unroll
    static constexpr std::size_t groups_ = 16;
    std::size_t bins_per_group_, tile_frames_, window_tiles_, min_region_tiles_, allowed_off_, cells_;

    // tiles: per group the power summed over the tile's frames
    std::vector<float> tile_acc_;
    std::size_t tile_fill_ = 0;
    std::uint64_t tiles_ = 0;                 // tiles completed in this stretch
    std::size_t tile_pos_ = 0, tile_slot_ = 0, minima_slot_ = 0;  // tiles_ mod window, mod 2 windows, mod window + 1
    // the last two blocks of a window's tiles (ring; their values are in history_): running minima
    // within their block, and minima from each tile to its block's end
    std::vector<float> prefix_, suffix_;
    std::vector<float> minima_;               // sliding minimum ending at each of the last window + 1 tiles (a ring)
    std::uint64_t next_split_ = 0;            // the next split (between tile j and j + 1) to evaluate
    bool ended_ = false;                      // end_stretch() was called: every held frame is decided

    struct Region {
        bool open = false;
        int sign = 0;
        std::uint64_t first = 0, last = 0;  // splits
        std::size_t positions = 0;
        struct Look {
            std::uint64_t split;
            float db;  // the median change there
            std::uint32_t voters;  // the sub-bands that voted there
        };
        std::vector<Look> uniform_looks;  // the positions where every sub-band agreed
        std::vector<Look> looks;          // every position (the median change there)
    } region_;
    // the tiles of the last history_tiles_ (a ring), for the judgement at a region's step instant
    std::size_t history_tiles_;
    std::vector<float> history_;
    // the quiet levels of the windows around the last step judged; and those of the tuning's first
    // window, with the gain it was at: each step's gain is read against them where the sub-bands agree,
    // so a step missed between two found ones does not stay in every gain after them
    std::vector<float> quiet_before_, quiet_after_, reference_;
    std::vector<float> reference_tiles_;  // the tuning's first window's tiles, which lead each later stretch in
    std::vector<double> levels_;
    // per sub-band, the lowest window minimum seen at splits outside any region, divided by the gain
    // in force: the tuning's floor, against which a window's minimum shows an emitter held it
    std::vector<float> floor_;
    double reference_gain_ = 1.0;
    std::vector<float> scratch_, sorted_;

    // held frames
    struct HeldFrame {
        double time_s;
        std::uint64_t first_sample, mark, tile;
    };
    std::vector<HeldFrame> held_;
    std::vector<float> held_cells_;
    std::size_t head_ = 0;
    std::vector<float> out_;
    // decided_until()'s answer for the bound tile until_tile_ (asked every frame while probe looks wait)
    mutable bool until_cached_ = false;
    mutable std::uint64_t until_tile_ = 0, until_sample_ = 0;
    mutable std::size_t until_index_ = 0;  // where its search ended (no held frame before it is of that tile or later)

    // the steps of this stretch, decided: from tile `tile` (and sample `sample`) on, the gain is `gain`
    struct Step {
        std::uint64_t tile, sample;
        double gain;
    };
    std::vector<Step> steps_list_;
    std::size_t next_step_ = 0;  // the first step not yet in force for the frame at head_
    double gain_ = 1.0;          // in force at the start of the stretch
    double released_gain_ = 1.0;
    std::uint64_t steps_ = 0;
};

}  // namespace coex::analysis
