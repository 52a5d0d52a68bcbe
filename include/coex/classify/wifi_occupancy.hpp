#pragma once
// Wi-Fi channel occupancy: the share of observed time during which a 20 MHz Wi-Fi transmission
// centred on each channel (or a 40 MHz HT40 one covering it as primary or secondary) was on the air.
//
// A transmission is recognised by its shape on the 1 MHz grid: power above the floor spread evenly
// over centre ± 7 MHz (OFDM is flat over ±8.1 MHz; DSSS sags only ~5 dB at ±7 MHz), and, where the
// view shows them, shoulders at ±10–11 MHz well below the in-channel level. A 1 MHz hop, a CW tone
// or a narrowband oven carrier fail the evenness test; the same transmission seen from a channel
// 5 MHz away leaves a third of that channel empty and fails it too; a continuous broadband rise is
// absorbed by the noise floor. Edge frames of a burst count by the fraction of its plateau power
// they hold, so the measured airtime is not rounded up to whole frames.
#include "coex/classify/frame.hpp"
#include "coex/core/bands.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

namespace coex::classify {

struct WifiChannelOccupancy {
    int channel = 0;
    double center_mhz = 0.0;
    bool observed = false;
    double observed_s = 0.0;
    double airtime_s = 0.0;
    double occupancy = 0.0;                 // airtime / observed time
    std::optional<double> mean_power_dbfs;  // mean power of its transmissions over the channel
    std::uint64_t bursts = 0;
};

// Transmissions of one kind on one channel, for the emitter list.
struct WifiEmitterStats {
    int channel = 0;
    double center_mhz = 0.0;
    bool dsss = false;              // 802.11b DSSS (sinc²-shaped, ≈22 MHz) rather than OFDM (flat 16.6 MHz)
    double airtime_s = 0.0;
    double observed_s = 0.0;
    std::uint64_t bursts = 0;
    double first_s = 0.0, last_s = 0.0;
    double mean_power_dbfs = 0.0;   // signal over the channel
    double above_floor_db = 0.0;    // against the floor over the same 17 MHz
    // No tuning held the channel whole, but its transmissions showed, flat over the part a tuning did
    // hold and explained by no channel seen whole: Wi-Fi is there, its occupancy unmeasured.
    bool seen_in_part = false;
};

struct WifiOccupancyCounters {
    std::uint64_t frames_tested = 0;       // (frame, channel) pairs examined
    std::uint64_t frames_on = 0;           // … that held a Wi-Fi-shaped transmission
    std::uint64_t rejected_uneven = 0;     // power above threshold but not spread over the channel
    std::uint64_t rejected_shoulders = 0;  // flat, but wider than a 20 MHz channel
    std::uint64_t rejected_short = 0;      // a single frame: shorter than any PPDU
    std::uint64_t frames_bonded = 0;       // frames holding an HT40 (40 MHz) transmission
    std::uint64_t rejected_bonded_gap = 0; // even over 40 MHz by 5 MHz sub-bands, but with a gap of floor inside
    std::uint64_t kind_by_spectrum = 0;    // transmissions not judged by the samples: spectrum and channel agreed
    std::uint64_t frames_faded = 0;        // flat but for one notch (a sub-band or two): frequency-selective fading
    std::uint64_t faded_proven = 0;        // transmissions with faded frames, counted: a PPDU decoded at the channel's centre
    std::uint64_t faded_by_channel = 0;    // … counted undecoded (over the budget) on a channel whose faded ones decode
    std::uint64_t faded_mostly_flat = 0;   // … counted undecoded, most of their frames flat
    std::uint64_t faded_rejected = 0;      // … not counted: no preamble at the centre, and mostly faded
};

// A Wi-Fi transmission that just ended, for a look at its samples.
struct WifiBurstSpan {
    double center_mhz = 0.0;
    std::uint64_t first_sample = 0, end_sample = 0;  // within the segment
    bool dsss_by_shape = false;                       // what the spectrum alone says
    int channel = 0;
    // Some of its frames were faded (a sub-band or two under the evenness bar, the rest flat): its
    // shape alone does not make it Wi-Fi, its preamble must (set_proof).
    bool faded = false;
    double start_s = 0.0, end_s = 0.0;  // capture time
};

// What the 802.11 decoders made of a faded transmission on its channel.
enum class WifiProof {
    proven,     // a PPDU whose header check held, at this channel's centre
    unproven,   // tried: none
    not_tried,  // over the decode budget
};

class WifiOccupancyDetector {
public:
    explicit WifiOccupancyDetector(std::vector<WifiChannel> channels);
    // Decides OFDM (false) or DSSS (true) for each transmission, or cannot say (nullopt: the kind
    // most of the channel's decided transmissions had, else the spectrum's); without one, the spectrum decides.
    // Once a channel has carried kSettledKind judged transmissions, all of one kind, a transmission
    // whose spectrum shows that kind too is not judged again (the judge is the costliest per-burst step).
    void set_kind_judge(std::function<std::optional<bool>(const WifiBurstSpan&)> judge) { kind_judge_ = std::move(judge); }
    // Told of every transmission counted on a channel seen whole, before its kind is judged (the
    // packet decoders look at each).
    void set_transmission_sink(std::function<void(const WifiBurstSpan&)> sink) { transmission_sink_ = std::move(sink); }
    // Told of every transmission counted on a channel seen only in part, when it ends (its centre is the
    // channel's, which the tuning does not hold).
    void set_partial_transmission_sink(std::function<void(const WifiBurstSpan&)> sink) { partial_sink_ = std::move(sink); }
    // Asked of a transmission with faded frames, when it ends, before it counts: whether the 802.11
    // decoders find a PPDU at the channel's centre. Without one, such a transmission counts only when
    // most of its frames were flat (as each flat stretch would have on its own).
    void set_proof(std::function<WifiProof(const WifiBurstSpan&)> proof) { proof_ = std::move(proof); }
    // Told of each transmission with faded frames that counted (its faded frames claimed no cells, so
    // the burst tracker saw them: the pieces lying under it are its own).
    void set_faded_sink(std::function<void(const WifiBurstSpan&)> sink) { faded_sink_ = std::move(sink); }
    // Capture time before which every transmission with faded frames has been settled (the start of
    // the earliest one still open; +inf when none is).
    [[nodiscard]] double settled_until_s() const;
    // The start of the earliest transmission still open, of any kind (+inf when none is).
    [[nodiscard]] double open_since_s() const;

    void begin_tuning(const TuningGeometry& tuning);
    void on_frame(const Frame& frame);
    void gap();       // samples missing: bursts end here
    void end_tuning();  // closes open bursts

    [[nodiscard]] std::vector<WifiChannelOccupancy> results() const;
    [[nodiscard]] std::vector<WifiEmitterStats> emitters() const;
    // Cells of the current tuning explained by a Wi-Fi transmission in the last frame (centre ± 11 MHz).
    [[nodiscard]] std::span<const std::uint8_t> claimed() const { return claimed_; }
    [[nodiscard]] bool claimed_any() const { return own_any_ || previous_any_; }  // anything in claimed()
    [[nodiscard]] const WifiOccupancyCounters& counters() const { return counters_; }
    // Whether a transmission has counted on this channel so far (seen whole, or in part).
    [[nodiscard]] bool carried_wifi(int channel) const;

    // Shape thresholds (relative excess power over the floor, linear).
    static constexpr double kOnExcess = 1.0;        // +3 dB over the floor to start a burst
    static constexpr double kHoldExcess = 0.5;      // +1.8 dB to continue one
    static constexpr double kMinSubband = 0.2;      // every 3 MHz sub-band ≥ −7 dB of the channel mean
    static constexpr double kMaxShoulder = 0.25;    // shoulders ≤ −6 dB of the channel mean
    // Edge sub-bands (±4.5…7.5 MHz) over the centre one: ≈1 for OFDM, ≈0.35 for DSSS's sinc².
    static constexpr double kDsssEdgeRatio = 0.6;
    static constexpr std::uint64_t kSettledKind = 8;
    // Indoor multipath notches a 20 MHz channel: 50 ns of delay spread puts one 3 MHz sub-band more
    // than 7 dB under the mean in ~28 % of channels. A frame flat but for at most this many adjacent
    // sub-bands is "faded": it joins a transmission, which then needs its preamble to count.
    static constexpr int kMaxFadedSubbands = 2;
    // An HT40 frame holds no stretch of floor: this many 1 MHz cells side by side, each under this
    // share of the mean excess (−10 dB), are the gap between two 20 MHz channels, not a fade.
    static constexpr int kMinGapCells = 4;
    static constexpr double kGapShare = 0.1;
    // Undecoded faded transmissions count on a channel where this many faded ones decoded, and at
    // least half of those tried.
    static constexpr std::uint64_t kFadedProvenToTrust = 2;
    // A transmission claims its channel's centre ± 8 MHz (the 16.6 MHz it occupies) in every frame it is
    // on, and the skirt cells ± 9…11 MHz only where their level could be its own: the 802.11 OFDM
    // spectral mask allows 0, −10 and −20 dBr there (relative to the in-band level per MHz); a cell
    // kSkirtMargin over that is another emitter beside the channel (a Bluetooth packet 1–3 MHz outside
    // it), left to the burst tracker.
    static constexpr int kOccupiedHalf = 8;
    static constexpr double kSkirtMargin = 4.0;  // 6 dB

private:
    struct Tracked {
        WifiChannel channel;
        double observed_s = 0.0;
        double airtime_s = 0.0;
        double power_weighted = 0.0;  // Σ signal power × weight
        double weight = 0.0;
        std::uint64_t bursts = 0;
        struct Kind {
            double airtime_s = 0.0, power_weighted = 0.0, floor_weighted = 0.0, weight = 0.0;
            std::uint64_t bursts = 0;
            double first_s = -1.0, last_s = 0.0;
            Kind& operator+=(const Kind& o);
        } kind[4];  // [0] OFDM, [1] DSSS, undecided: [2] OFDM-shaped, [3] DSSS-shaped
        // the burst in progress: excess, signal power and floor of each of its frames, its shape
        std::vector<float> burst_excess, burst_power, burst_floor;
        double burst_edge = 0.0, burst_centre = 0.0, burst_start_s = 0.0, burst_end_s = 0.0;
        std::uint64_t burst_first_sample = 0, burst_end_sample = 0;
        std::uint64_t burst_faded = 0;                   // of its frames, faded ones
        std::uint64_t faded_tried = 0, faded_proven = 0;  // the channel's faded transmissions the decoders tried, and proved
        // where the channel sits in the current tuning; empty when not seen whole
        int inner_first = -1;  // first of the 15 inner cells (centre − 7 MHz)
        int shoulder_cells[4] = {-1, -1, -1, -1};
        int beyond_cells[2] = {-1, -1};  // just outside the shoulders (centre ∓ 12 MHz)
        int edge_first = -1;   // first of the 17 cells over centre ± 8 MHz (for its power)
        int partial_first = -1, partial_count = -1;  // visible inner cells of a channel the tuning cuts
        bool partial_on = false;
        double partial_excess = 0.0;    // this frame's, over the visible inner cells
        bool partial_near_low = false;  // the visible part's first sub-band is the one nearest the centre
        // transmissions seen only in part (counted when no channel seen whole explains the frame)
        struct Partial {
            double on_s = 0.0, seen_s = 0.0, power = 0.0, floor = 0.0, near = 0.0, far = 0.0;
            double first_s = -1.0, last_s = 0.0;
            std::uint64_t bursts = 0, frames = 0, run = 0;
            std::uint64_t run_first_sample = 0;
            std::uint64_t judged_ofdm = 0, judged_dsss = 0;  // its transmissions whose samples said the kind
        } partial;
        int claim_first = 0, claim_end = 0;  // the cells it may claim when on: centre ± 11 MHz, within the tuning
        int claim_centre_mhz = 0;
    };
    // An 802.11n HT40 pair: primary and secondary channels 20 MHz apart (k and k + 4) sending one
    // transmission flat over ±18 MHz of their midpoint. Its frames are on both channels, whose
    // own 20 MHz shape test they fail (their shoulders are lit by the other half).
    struct Bonded {
        std::size_t low = 0, high = 0;  // indices into tracked_
        double center_mhz = 0.0;
        int inner_first = -1;           // first of the 35 inner cells (centre − 17 MHz); -1: not seen whole
        int shoulder_cells[4] = {-1, -1, -1, -1};
        int beyond_cells[2] = {-1, -1};
    };
    [[nodiscard]] bool bonded_on(const Bonded& b, const Frame& frame);
    void close_burst(Tracked& t);
    bool counts_faded(Tracked& t, const WifiBurstSpan& span, std::size_t frames);
    // `inband_excess`: this frame's mean excess power per MHz over centre ± 8 MHz (linear, absolute);
    // negative claims the skirt cells whatever their level (an HT40 pair: one half's skirt is the other's
    // band; a channel the tuning cuts: its level is not known from the part in view).
    void claim(const Tracked& t, const Frame& frame, double inband_excess);
    void claim_partial(Tracked& t, const Frame& frame);
    // The frame's excess power per cell as the partly seen channels count it (a cell far under its
    // mirror adds nothing): the same for every such channel, so worked out once a frame.
    void partial_excess(const Frame& frame);
    std::vector<double> partial_cell_excess_;
    bool partial_excess_done_ = false;

    std::vector<Tracked> tracked_;
    std::vector<std::size_t> may_hold_bursts_;  // tracked_ indices that can have a burst open (begin_tuning)
    std::vector<Bonded> bonded_;
    std::vector<std::uint8_t> bonded_frame_;  // per tracked_: an HT40 transmission covers it in this frame
    bool own_any_ = false, previous_any_ = false;
    std::vector<std::uint8_t> claimed_, own_claims_, whole_claims_, last_whole_claims_;  // whole_: by channels seen whole
    void count_partial(Tracked& t, const Frame& frame);
    const dsp::MhzCellGrid* grid_ = nullptr;
    std::size_t fft_size_ = 0;
    std::function<std::optional<bool>(const WifiBurstSpan&)> kind_judge_;
    std::function<void(const WifiBurstSpan&)> transmission_sink_, partial_sink_, faded_sink_;
    std::function<WifiProof(const WifiBurstSpan&)> proof_;
    double frame_seconds_ = 0.0;
    WifiOccupancyCounters counters_;
    std::vector<double> shortfall_;  // per cell, for the idle-frame test
};

}  // namespace coex::classify
