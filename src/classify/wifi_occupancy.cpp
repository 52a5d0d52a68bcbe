#include "coex/classify/wifi_occupancy.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>
#include <span>

namespace coex::classify {
namespace {
constexpr int kInnerHalf = 7;   // inner cells: centre − 7 … centre + 7 MHz
constexpr int kSubbands = 5;    // of 3 MHz each
constexpr int kBondedInnerHalf = 17;  // HT40: 114 subcarriers over ±17.8 MHz; inner cells ±17 MHz, 7 sub-bands of 5
constexpr std::size_t kMaxBurstFrames = 1 << 14;  // a longer burst is closed and a new one started
constexpr std::uint64_t kMinPartialBursts = 5;     // transmissions seen in part before Wi-Fi is named from them
constexpr std::uint64_t kMinPartialFrames = 3;     // frames in a row that make one (≥ 38 µs at FFT 256, 20 MS/s)

// Whether no run of 3 to 5 neighbouring cells reaches `threshold` excess over its floor. Every test for
// a transmission averages the excess over a run of 3 or more cells (a channel's 15 inner cells, an
// HT40 pair's 35, a partly seen channel's 3-cell sub-bands) against at least kHoldExcess; any such run
// splits into runs of 3 to 5 cells, and one of those would have to reach the run's average. So when
// this holds, no channel can be on in this frame: the idle majority of frames is settled cheaply.
// (Single cells would not do: a few of 17 noise cells pass +1.8 dB by chance in half the frames.)
bool holds_no_run_over(const Frame& frame, double threshold, std::vector<double>& shortfall) {
    const float* cell = frame.cells.data();
    const float* floor = frame.cell_floor.data();
    const std::size_t n = std::min(frame.cells.size(), frame.cell_floor.size());
    const double under = threshold * (1.0 - 1e-9);  // margin for the tests' other order of adding
    // Each cell's shortfall from `under` times its floor: a run stays under while its shortfalls sum
    // below zero. (A cell with no floor: not settled here; the channel tests decide.)
    shortfall.resize(n);
    double most = -std::numeric_limits<double>::infinity();
    for (std::size_t c = 0; c < n; ++c) {
        if (!(floor[c] > 0.0f)) return false;
        shortfall[c] = static_cast<double>(cell[c] - floor[c]) - under * floor[c];  // (the float difference, as the tests take it)
        most = std::max(most, shortfall[c]);
    }
    if (most < 0.0) return true;  // no cell over: no run over
    for (std::size_t first = 0; first + 3 <= n; ++first) {
        double sum = shortfall[first] + shortfall[first + 1];
        for (std::size_t c = first + 2; c < first + 5 && c < n; ++c) {
            sum += shortfall[c];
            if (!(sum < 0.0)) return false;
        }
    }
    return true;
}

// Power over the floor of `cells` cells from `first`, relative to the floor (linear), and per
// sub-band of `band` cells into sub_signal/sub_noise.
double excess_over(const Frame& frame, int first, int cells, int band, double* sub_signal, double* sub_noise) {
    const float* cell = frame.cells.data();
    const float* floor = frame.cell_floor.data();
    double signal = 0.0, noise = 0.0;
    for (int i = 0; i < cells; ++i) {
        const int c = first + i;
        const double s = cell[c] - floor[c];
        signal += s;
        noise += floor[c];
        sub_signal[i / band] += s;
        sub_noise[i / band] += floor[c];
    }
    return noise > 0.0 ? signal / noise : (signal > 0.0 ? 1e9 : 0.0);
}

// Power over the floor in the shoulder cells just outside a channel (−1: not in view), relative to
// their floor; 0 when none is in view. The cells come in pairs, outer (∓11 MHz) and inner (∓10 MHz) of
// a side, low side first, with the cells beyond the outer ones (∓12 MHz) apart. A wider signal (a
// neighbouring channel's, an HT40 partner's) lights an outer cell together with one of its neighbours;
// a narrow packet just beside the channel (a Bluetooth hop 1–2 MHz out) lights it alone. An outer cell
// counts up to twice its brighter neighbour, so such a packet does not turn the channel's frames off
// under it (they would flicker, and the claim with them).
double shoulder_excess(const Frame& frame, std::span<const int> shoulder_cells, std::span<const int> beyond_cells) {
    double signal = 0.0, noise = 0.0;
    auto excess = [&](int idx, bool counted) {
        if (idx < 0) return std::numeric_limits<double>::infinity();  // out of view: no proof of narrowness
        const auto k = static_cast<std::size_t>(idx);
        if (counted) noise += frame.cell_floor[k];
        return static_cast<double>(frame.cells[k] - frame.cell_floor[k]);
    };
    for (std::size_t side = 0; side < 2 && 2 * side + 1 < shoulder_cells.size(); ++side) {
        const int outer_idx = shoulder_cells[side == 0 ? 0 : 3], inner_idx = shoulder_cells[side == 0 ? 1 : 2];
        const double outer = outer_idx < 0 ? 0.0 : excess(outer_idx, true), inner = inner_idx < 0 ? 0.0 : excess(inner_idx, true);
        // (an outer cell whose neighbours are not both in view counts whole)
        const double beyond = inner_idx < 0 ? std::numeric_limits<double>::infinity() : excess(side < beyond_cells.size() ? beyond_cells[side] : -1, false);
        signal += inner + std::min(outer, 2.0 * std::max({inner, beyond, 0.0}));
    }
    return noise > 0.0 ? signal / noise : 0.0;
}

// Every sub-band holds at least kMinSubband of the mean excess: power spread over the channel.
bool even(const double* sub_signal, const double* sub_noise, int bands, double excess) {
    for (int k = 0; k < bands; ++k) {
        const double sub = sub_noise[k] > 0.0 ? sub_signal[k] / sub_noise[k] : (sub_signal[k] > 0.0 ? 1e9 : 0.0);
        if (sub < WifiOccupancyDetector::kMinSubband * excess) return false;
    }
    return true;
}

// Whether `cells` cells from `first` hold a run of kMinGapCells or more, each under kGapShare of the
// mean excess: a stretch of floor inside the band. An HT40 PPDU fills its ±18 MHz (behind 50 ns of
// multipath its fades leave at most 3 such cells side by side in wifi-n-ht40-wideband behind usrp, 4 in
// one frame of 1800); two 20 MHz channels 25 MHz apart (6 and 11) leave the 8 MHz between them dark,
// which 5 MHz sub-bands averaged over do not see when each holds one bright edge cell.
bool holds_gap(const Frame& frame, int first, int cells, double excess) {
    int run = 0;
    for (int i = 0; i < cells; ++i) {
        const auto c = static_cast<std::size_t>(first + i);
        const bool dark = frame.cells[c] - frame.cell_floor[c] < WifiOccupancyDetector::kGapShare * excess * frame.cell_floor[c];
        run = dark ? run + 1 : 0;
        if (run >= WifiOccupancyDetector::kMinGapCells) return true;
    }
    return false;
}

// Flat but for one notch: at most kMaxFadedSubbands sub-bands, side by side, under kMinSubband of the
// mean excess (two-path fading's notch is a few MHz wide; a signal narrower than the channel, or two
// channels' signals seen from between them, leave more of it dark or dark at both sides).
bool notched(const double* sub_signal, const double* sub_noise, int bands, double excess) {
    int low = -1, high = -1, count = 0;
    for (int k = 0; k < bands; ++k) {
        const double sub = sub_noise[k] > 0.0 ? sub_signal[k] / sub_noise[k] : (sub_signal[k] > 0.0 ? 1e9 : 0.0);
        if (sub >= WifiOccupancyDetector::kMinSubband * excess) continue;
        if (low < 0) low = k;
        high = k;
        ++count;
    }
    return count > 0 && count <= WifiOccupancyDetector::kMaxFadedSubbands && high - low + 1 == count;
}
}  // namespace

WifiOccupancyDetector::WifiOccupancyDetector(std::vector<WifiChannel> channels) {
    for (const auto& c : channels) {
        Tracked t;
        t.channel = c;
        tracked_.push_back(std::move(t));
    }
    for (std::size_t i = 0; i < tracked_.size(); ++i)
        for (std::size_t j = 0; j < tracked_.size(); ++j)
            if (tracked_[j].channel.number == tracked_[i].channel.number + 4 && tracked_[i].channel.number != 14 &&
                tracked_[j].channel.number != 14)
                bonded_.push_back({i, j, 0.5 * (tracked_[i].channel.center_mhz + tracked_[j].channel.center_mhz)});
    bonded_frame_.assign(tracked_.size(), 0);
}

bool WifiOccupancyDetector::bonded_on(const Bonded& b, const Frame& frame) {
    if (b.inner_first < 0) return false;
    constexpr int kCells = 2 * kBondedInnerHalf + 1, kBands = kCells / 5;
    double sub_signal[kBands] = {}, sub_noise[kBands] = {};
    const double excess = excess_over(frame, b.inner_first, kCells, 5, sub_signal, sub_noise);
    const bool continuing = !tracked_[b.low].burst_excess.empty() || !tracked_[b.high].burst_excess.empty();
    if (excess < (continuing ? kHoldExcess : kOnExcess) || !even(sub_signal, sub_noise, kBands, excess)) return false;
    if (holds_gap(frame, b.inner_first, kCells, excess)) {
        ++counters_.rejected_bonded_gap;
        return false;
    }
    return shoulder_excess(frame, b.shoulder_cells, b.beyond_cells) <= kMaxShoulder * excess;
}

void WifiOccupancyDetector::begin_tuning(const TuningGeometry& tuning) {
    frame_seconds_ = tuning.frame_seconds;
    const auto& grid = *tuning.grid;
    grid_ = tuning.grid;
    fft_size_ = static_cast<std::size_t>(tuning.segment.sample_rate_hz / tuning.bin_hz + 0.5);
    claimed_.assign(grid.size(), 0);
    own_claims_.assign(grid.size(), 0);
    whole_claims_.assign(grid.size(), 0);
    last_whole_claims_.assign(grid.size(), 0);
    for (auto& b : bonded_) {
        const int centre = static_cast<int>(std::lround(b.center_mhz));
        const bool whole = grid.usable_low_mhz() <= b.center_mhz - kBondedInnerHalf - 1 &&
                           grid.usable_high_mhz() >= b.center_mhz + kBondedInnerHalf + 1 &&
                           grid.covers(centre - kBondedInnerHalf, centre + kBondedInnerHalf);
        b.inner_first = whole ? grid.index_of(centre - kBondedInnerHalf) : -1;
        const int shoulders[4] = {centre - 22, centre - 21, centre + 21, centre + 22};
        for (int i = 0; i < 4; ++i) b.shoulder_cells[i] = whole ? grid.index_of(shoulders[i]) : -1;
        b.beyond_cells[0] = whole ? grid.index_of(centre - 23) : -1;
        b.beyond_cells[1] = whole ? grid.index_of(centre + 23) : -1;
    }
    for (auto& t : tracked_) {
        const int centre = static_cast<int>(std::lround(t.channel.center_mhz));
        const bool whole = grid.usable_low_mhz() <= t.channel.center_mhz - wifi_observed_half_width_mhz &&
                           grid.usable_high_mhz() >= t.channel.center_mhz + wifi_observed_half_width_mhz &&
                           grid.covers(centre - 8, centre + 8);
        t.inner_first = whole ? grid.index_of(centre - kInnerHalf) : -1;
        t.edge_first = whole ? grid.index_of(centre - 8) : -1;
        const int shoulders[4] = {centre - 11, centre - 10, centre + 10, centre + 11};
        for (int i = 0; i < 4; ++i) t.shoulder_cells[i] = whole ? grid.index_of(shoulders[i]) : -1;
        t.beyond_cells[0] = whole ? grid.index_of(centre - 12) : -1;
        t.beyond_cells[1] = whole ? grid.index_of(centre + 12) : -1;
        const int claim_lo = std::max(centre - 11, grid.first_mhz()), claim_hi = std::min(centre + 11, grid.last_mhz());
        t.claim_first = claim_lo <= claim_hi ? grid.index_of(claim_lo) : 0;
        t.claim_end = claim_lo <= claim_hi ? grid.index_of(claim_hi) + 1 : 0;
        t.claim_centre_mhz = centre;
        // A channel the tuning cuts: its visible part is still recognised, only to claim its cells.
        t.partial_first = t.partial_count = -1;
        t.partial_on = false;
        if (!whole) {
            const int lo = std::max(centre - kInnerHalf, grid.first_mhz()), hi = std::min(centre + kInnerHalf, grid.last_mhz());
            if (hi - lo + 1 >= 6) {
                t.partial_count = (hi - lo + 1) / 3 * 3;  // whole 3 MHz sub-bands only, from the side nearest the centre
                t.partial_near_low = lo > grid.first_mhz();  // the tuning cuts the channel's low side off? then lo is nearest
                t.partial_first = t.partial_near_low ? grid.index_of(lo) : grid.index_of(hi - t.partial_count + 1);
            }
        }
    }
    // Only a channel seen whole opens bursts (on_frame), so settled_until_s, asked every frame, looks
    // at these and at any still open from before.
    may_hold_bursts_.clear();
    for (std::size_t i = 0; i < tracked_.size(); ++i)
        if (tracked_[i].inner_first >= 0 || !tracked_[i].burst_excess.empty()) may_hold_bursts_.push_back(i);
}

void WifiOccupancyDetector::partial_excess(const Frame& frame) {
    const float* cell = frame.cells.data();
    const float* floor = frame.cell_floor.data();
    const std::size_t n = std::min(frame.cells.size(), frame.cell_floor.size());
    partial_cell_excess_.resize(n);
    // A strong packet in one sub-band and its IQ image in another would pass for a channel spread over
    // both, and its claim would cut the packet into pieces: a cell far under its mirror adds nothing.
    // (only a lit cell: one at the floor says nothing either way; and only one far under the frame's
    // strongest cell can be far under its mirror: a flat transmission's cells skip the test)
    double* excess = partial_cell_excess_.data();
    double strongest = 0.0;
    for (std::size_t c = 0; c < n; ++c) {
        excess[c] = static_cast<double>(cell[c]) - floor[c];
        strongest = std::max(strongest, excess[c]);
    }
    const double image_below = kIqImageUnderMirror * strongest;
    for (std::size_t c = 0; c < n; ++c) {
        const double own = excess[c];
        if (own < kOnExcess * floor[c] || !(own < image_below)) continue;
        for (const int m : grid_->mirror_cells(c))
            if (m >= 0 && own < kIqImageUnderMirror * (static_cast<double>(cell[m]) - floor[m])) {
                excess[c] = 0.0;
                break;
            }
    }
    partial_excess_done_ = true;
}

void WifiOccupancyDetector::claim_partial(Tracked& t, const Frame& frame) {
    const float* floor = frame.cell_floor.data();
    if (!partial_excess_done_) partial_excess(frame);
    const double* excess_of = partial_cell_excess_.data();
    double signal = 0.0, noise = 0.0, sub_min = 1e300;
    for (int s = 0; s < t.partial_count / 3; ++s) {
        double ss = 0.0, sn = 0.0;
        for (int i = 0; i < 3; ++i) {
            const int c = t.partial_first + 3 * s + i;
            ss += excess_of[c];
            sn += floor[c];
        }
        signal += ss;
        noise += sn;
        sub_min = std::min(sub_min, sn > 0.0 ? ss / sn : (ss > 0.0 ? 1e9 : 0.0));
    }
    const double excess = noise > 0.0 ? signal / noise : (signal > 0.0 ? 1e9 : 0.0);
    t.partial_excess = excess;
    t.partial_on = excess >= (t.partial_on ? kHoldExcess : kOnExcess) && sub_min >= kMinSubband * excess;
    if (t.partial_on) claim(t, frame, -1.0);  // (its level in the cells out of view is unknown: all of it)
}

void WifiOccupancyDetector::count_partial(Tracked& t, const Frame& frame) {
    auto& p = t.partial;
    p.seen_s += frame_seconds_;
    // (a whole channel's transmission in this frame or the last — starting or ending under the
    // partial window — explains it)
    bool explained = false;
    for (int i = 0; i < t.partial_count && !explained; ++i) {
        const auto c = static_cast<std::size_t>(t.partial_first + i);
        explained = whole_claims_[c] != 0 || last_whole_claims_[c] != 0;
    }
    // Counted only where the tuning holds ≥ 9 MHz of the channel, every MHz of it lit (not just each
    // 3 MHz sub-band, as claim_partial asks: a strong narrow carrier's skirts fill those).
    bool on = t.partial_on && !explained && t.partial_count >= 9;
    const float* cell = frame.cells.data();
    const float* floor = frame.cell_floor.data();
    double band_signal[kSubbands] = {}, power = 0.0, noise = 0.0;
    for (int i = 0; i < t.partial_count && on; ++i) {
        const int c = t.partial_first + i;
        on = floor[c] > 0.0f && (cell[c] - floor[c]) / floor[c] >= kMinSubband * t.partial_excess;
        band_signal[i / 3] += cell[c] - floor[c];
        power += cell[c] - floor[c];
        noise += floor[c];
    }
    if (on) {
        const int bands = t.partial_count / 3;
        p.power += power;
        p.floor += noise;
        // (the sub-band nearest the channel's centre against the farthest: ≈1 flat OFDM, ≈0.35 DSSS's sinc²)
        p.near += band_signal[t.partial_near_low ? 0 : bands - 1];
        p.far += band_signal[t.partial_near_low ? bands - 1 : 0];
        p.on_s += frame_seconds_;
        ++p.frames;
        if (p.run == 0) p.run_first_sample = frame.first_sample;
        ++p.run;
        if (p.run == kMinPartialFrames) ++p.bursts;  // a transmission: at least this many frames in a row
        if (p.first_s < 0.0) p.first_s = frame.time_s;
        p.last_s = frame.time_s + frame_seconds_;
    }
    if (!on) {
        if (p.run >= kMinPartialFrames) {
            const WifiBurstSpan span{t.channel.center_mhz, p.run_first_sample, frame.first_sample, false, t.channel.number};
            if (partial_sink_) partial_sink_(span);
            // The samples say OFDM or DSSS from any part of the channel (the guard interval and the code
            // period repeat on every subcarrier); a part's spectrum slope cannot: a static multipath
            // channel or the receiver's passband tilts it as much as DSSS's sinc² falls off.
            if (kind_judge_)
                if (const auto dsss = kind_judge_(span)) ++(*dsss ? p.judged_dsss : p.judged_ofdm);
        }
        p.run = 0;
    }
}

void WifiOccupancyDetector::claim(const Tracked& t, const Frame& frame, double inband_excess) {
    // the mask's allowance per MHz of offset beyond the occupied band: 0, −10, −20 dBr at 9, 10, 11 MHz
    constexpr double kMaskAt[3] = {1.0, 0.1, 0.01};
    // Cell c is (first_mhz + c) MHz. The occupied band's cells are claimed whatever their level (every
    // cell when inband_excess < 0), in one fill; only the skirt cells beyond it are compared.
    const int centre = t.claim_centre_mhz - grid_->first_mhz();
    const bool compare = inband_excess >= 0.0;
    const int lo = compare ? std::max(t.claim_first, centre - kOccupiedHalf) : t.claim_first;
    const int hi = compare ? std::min(t.claim_end, centre + kOccupiedHalf + 1) : t.claim_end;
    if (lo < hi) std::fill(own_claims_.begin() + lo, own_claims_.begin() + hi, std::uint8_t{1});
    auto skirt = [&](int c) {
        const int offset = std::abs(c - centre);
        const auto k = static_cast<std::size_t>(c);
        const double excess = static_cast<double>(frame.cells[k]) - frame.cell_floor[k];
        if (excess <= kSkirtMargin * kMaskAt[std::min(offset - kOccupiedHalf - 1, 2)] * inband_excess) own_claims_[k] = 1;
    };
    if (compare) {
        for (int c = t.claim_first; c < std::min(t.claim_end, centre - kOccupiedHalf); ++c) skirt(c);
        for (int c = std::max(t.claim_first, centre + kOccupiedHalf + 1); c < t.claim_end; ++c) skirt(c);
    }
    own_any_ = own_any_ || t.claim_end > t.claim_first;
}

void WifiOccupancyDetector::on_frame(const Frame& frame) {
    // What this frame claims, plus what the last one did: a transmission's last, partly covered
    // frame is claimed even when it falls under the threshold.
    claimed_.swap(own_claims_);
    std::fill(own_claims_.begin(), own_claims_.end(), 0);
    previous_any_ = own_any_;
    own_any_ = false;
    last_whole_claims_.swap(whole_claims_);
    std::fill(whole_claims_.begin(), whole_claims_.end(), 0);
    std::fill(bonded_frame_.begin(), bonded_frame_.end(), 0);
    if (holds_no_run_over(frame, kHoldExcess, shortfall_)) {
        for (auto& t : tracked_) {
            if (t.partial_first >= 0) {
                t.partial_on = false;
                t.partial.seen_s += frame_seconds_;
                t.partial.run = 0;
            }
            if (t.inner_first < 0) continue;
            t.observed_s += frame_seconds_;
            ++counters_.frames_tested;
            if (!t.burst_excess.empty()) close_burst(t);
        }
        return;  // (claimed_ holds the last frame's claims, as it would have)
    }
    for (const auto& b : bonded_)
        if (bonded_on(b, frame)) {
            bonded_frame_[b.low] = bonded_frame_[b.high] = 1;
            ++counters_.frames_bonded;
        }
    partial_excess_done_ = false;
    for (std::size_t index = 0; index < tracked_.size(); ++index) {
        auto& t = tracked_[index];
        if (t.partial_first >= 0) claim_partial(t, frame);
        if (t.inner_first < 0) continue;
        t.observed_s += frame_seconds_;
        ++counters_.frames_tested;
        const float* cell = frame.cells.data();
        const float* floor = frame.cell_floor.data();
        double sub_signal[kSubbands] = {}, sub_noise[kSubbands] = {};
        const double excess = excess_over(frame, t.inner_first, 2 * kInnerHalf + 1, 3, sub_signal, sub_noise);
        const double threshold = t.burst_excess.empty() ? kOnExcess : kHoldExcess;
        const bool bonded = bonded_frame_[index] != 0;
        bool on = bonded || excess >= threshold;
        // A notched frame is not claimed: its cells stay with the burst tracker until the
        // transmission's preamble says it is Wi-Fi (then the pieces there are its own).
        bool faded = false;
        if (on && !bonded && !even(sub_signal, sub_noise, kSubbands, excess)) {
            faded = notched(sub_signal, sub_noise, kSubbands, excess);
            if (!faded) {
                on = false;
                ++counters_.rejected_uneven;
            }
        }
        if (on && !bonded && shoulder_excess(frame, t.shoulder_cells, t.beyond_cells) > kMaxShoulder * excess) {
            on = false;
            ++counters_.rejected_shoulders;
        }
        if (on) {
            ++(faded ? counters_.frames_faded : counters_.frames_on);
            t.burst_faded += faded ? 1 : 0;
            double power = 0.0, channel_floor = 0.0;
            for (int i = 0; i < 17; ++i) {
                power += cell[t.edge_first + i] - floor[t.edge_first + i];
                channel_floor += floor[t.edge_first + i];
            }
            if (t.burst_excess.empty()) {
                t.burst_start_s = frame.time_s;
                t.burst_first_sample = frame.first_sample;
            }
            t.burst_end_s = frame.time_s + frame_seconds_;
            t.burst_end_sample = frame.first_sample + fft_size_;
            t.burst_excess.push_back(static_cast<float>(excess));
            t.burst_power.push_back(static_cast<float>(std::max(power, 0.0)));
            t.burst_floor.push_back(static_cast<float>(channel_floor));
            t.burst_edge += 0.5 * (sub_signal[0] + sub_signal[kSubbands - 1]);
            t.burst_centre += sub_signal[kSubbands / 2];
            if (!faded) claim(t, frame, bonded ? -1.0 : std::max(power, 0.0) / 17.0);
            std::fill(whole_claims_.begin() + t.claim_first, whole_claims_.begin() + t.claim_end, std::uint8_t{1});
            if (t.burst_excess.size() >= kMaxBurstFrames) close_burst(t);
        } else if (!t.burst_excess.empty()) {
            close_burst(t);
        }
    }
    for (auto& t : tracked_)
        if (t.partial_first >= 0) count_partial(t, frame);
    for (std::size_t c = 0; c < claimed_.size(); ++c) claimed_[c] |= own_claims_[c];
}

void WifiOccupancyDetector::close_burst(Tracked& t) {
    auto& e = t.burst_excess;
    const std::size_t n = e.size();
    auto forget = [&] {
        e.clear();
        t.burst_power.clear();
        t.burst_floor.clear();
        t.burst_edge = t.burst_centre = 0.0;
        t.burst_faded = 0;
    };
    if (n == 0) return;
    if (n == 1) {
        // One frame alone is shorter than any PPDU can make it (an ACK spans two frames): it is the
        // broadband click of some other emitter switching on or off, not Wi-Fi.
        ++counters_.rejected_short;
        forget();
        return;
    }
    // The plateau is the burst's typical level; its first and last frames may be only partly covered.
    std::vector<float> sorted(e);
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(n / 2), sorted.end());
    const double plateau = n >= 3 ? sorted[n / 2] : *std::max_element(e.begin(), e.end());
    const bool dsss_by_shape = t.burst_centre > 0.0 && t.burst_edge < kDsssEdgeRatio * t.burst_centre;
    const WifiBurstSpan span{t.channel.center_mhz, t.burst_first_sample, t.burst_end_sample, dsss_by_shape, t.channel.number,
                             t.burst_faded > 0, t.burst_start_s, t.burst_end_s};
    if (span.faded && !counts_faded(t, span, n)) {
        ++counters_.faded_rejected;
        forget();
        return;
    }
    if (transmission_sink_) transmission_sink_(span);
    // The samples are asked while the channel's kind is unsettled, once it has carried both kinds, and
    // whenever the spectrum disagrees with the kind it carried: a channel of one kind stays that kind.
    const std::uint64_t ofdm_judged = t.kind[0].bursts, dsss_judged = t.kind[1].bursts;
    const bool settled = (ofdm_judged == 0 || dsss_judged == 0) && ofdm_judged + dsss_judged >= kSettledKind;
    const bool shape_agrees = settled && dsss_by_shape == (dsss_judged > 0);
    if (kind_judge_ && shape_agrees) ++counters_.kind_by_spectrum;
    const std::optional<bool> judged =
        !kind_judge_   ? std::optional<bool>(dsss_by_shape)
        : shape_agrees ? std::nullopt  // an undecided transmission joins the channel's kind
                       : kind_judge_(span);
    auto& kind = t.kind[judged ? (*judged ? 1 : 0) : (dsss_by_shape ? 3 : 2)];
    double frames = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        const bool edge = i == 0 || i + 1 == n;
        const double w = edge && plateau > 0.0 ? std::min(1.0, e[i] / plateau) : 1.0;
        frames += w;
        t.power_weighted += w * t.burst_power[i];
        t.weight += w;
        kind.power_weighted += w * t.burst_power[i];
        kind.floor_weighted += w * t.burst_floor[i];
        kind.weight += w;
    }
    t.airtime_s += frames * frame_seconds_;
    kind.airtime_s += frames * frame_seconds_;
    ++t.bursts;
    ++kind.bursts;
    if (kind.first_s < 0.0) kind.first_s = t.burst_start_s;
    kind.last_s = t.burst_end_s;
    forget();
}

// A transmission with faded frames counts when the decoders find its preamble at the channel's centre
// (a neighbour's, or two neighbours' seen from between them, is 5 MHz or more off: no PPDU there);
// undecoded (the budget), when the channel's faded transmissions have decoded before; otherwise only
// when most of its frames were flat, as those stretches would have counted on their own.
bool WifiOccupancyDetector::counts_faded(Tracked& t, const WifiBurstSpan& span, std::size_t frames) {
    const WifiProof proof = proof_ ? proof_(span) : WifiProof::not_tried;
    if (proof != WifiProof::not_tried) ++t.faded_tried;
    bool counts = false;
    if (proof == WifiProof::proven) {
        ++t.faded_proven;
        ++counters_.faded_proven;
        counts = true;
    } else if (proof == WifiProof::not_tried && t.faded_proven >= kFadedProvenToTrust && 2 * t.faded_proven >= t.faded_tried) {
        ++counters_.faded_by_channel;
        counts = true;
    } else if (const std::size_t flat = frames - t.burst_faded; flat >= 2 && flat >= t.burst_faded) {
        ++counters_.faded_mostly_flat;
        counts = true;
    }
    if (counts && faded_sink_) faded_sink_(span);
    return counts;
}

double WifiOccupancyDetector::settled_until_s() const {
    double until = std::numeric_limits<double>::infinity();
    for (const std::size_t i : may_hold_bursts_) {
        const auto& t = tracked_[i];
        if (!t.burst_excess.empty() && t.burst_faded > 0) until = std::min(until, t.burst_start_s);
    }
    return until;
}

double WifiOccupancyDetector::open_since_s() const {
    double since = std::numeric_limits<double>::infinity();
    for (const std::size_t i : may_hold_bursts_)
        if (!tracked_[i].burst_excess.empty()) since = std::min(since, tracked_[i].burst_start_s);
    return since;
}

bool WifiOccupancyDetector::carried_wifi(int channel) const {
    return std::any_of(tracked_.begin(), tracked_.end(),
                       [&](const Tracked& t) { return t.channel.number == channel && (t.bursts > 0 || t.partial.bursts > 0); });
}

void WifiOccupancyDetector::gap() {
    for (auto& t : tracked_) close_burst(t);
}

void WifiOccupancyDetector::end_tuning() {
    for (auto& t : tracked_) {
        close_burst(t);
        t.inner_first = -1;
    }
}

WifiOccupancyDetector::Tracked::Kind& WifiOccupancyDetector::Tracked::Kind::operator+=(const Kind& o) {
    if (o.bursts == 0) return *this;
    airtime_s += o.airtime_s;
    power_weighted += o.power_weighted;
    floor_weighted += o.floor_weighted;
    weight += o.weight;
    first_s = first_s < 0.0 ? o.first_s : std::min(first_s, o.first_s);
    last_s = std::max(last_s, o.last_s);
    bursts += o.bursts;
    return *this;
}

std::vector<WifiEmitterStats> WifiOccupancyDetector::emitters() const {
    std::vector<WifiEmitterStats> out;
    for (const auto& t : tracked_) {
        // Transmissions whose samples could not say (a sliver cut by interference) join the kind the
        // channel's decided ones had; with none decided, the kind their spectrum showed.
        Tracked::Kind kinds[2] = {t.kind[0], t.kind[1]};
        const bool decided = t.kind[0].bursts + t.kind[1].bursts > 0;
        const int majority = t.kind[1].bursts > t.kind[0].bursts ? 1 : 0;
        kinds[decided ? majority : 0] += t.kind[2];
        kinds[decided ? majority : 1] += t.kind[3];
        const auto& p = t.partial;
        // (not where a channel seen whole, 20 MHz or closer, carried traffic: what leaked past its
        // shape test — frames under a stronger emitter — shows in part on its neighbours)
        bool neighbour_busy = false;
        for (const auto& o : tracked_)
            neighbour_busy = neighbour_busy || (o.observed_s > 0.0 && o.bursts > 0 && std::abs(o.channel.center_mhz - t.channel.center_mhz) <= 20.0);
        if (t.observed_s <= 0.0 && !neighbour_busy && p.bursts >= kMinPartialBursts && p.frames > 0) {
            WifiEmitterStats e;
            e.channel = t.channel.number;
            e.center_mhz = t.channel.center_mhz;
            e.dsss = p.judged_ofdm + p.judged_dsss > 0 ? p.judged_dsss > p.judged_ofdm : p.near > 0.0 && p.far < kDsssEdgeRatio * p.near;
            e.seen_in_part = true;
            e.airtime_s = p.on_s;
            e.observed_s = p.seen_s;
            e.bursts = p.bursts;
            e.first_s = p.first_s;
            e.last_s = p.last_s;
            e.mean_power_dbfs = 10.0 * std::log10(std::max(p.power / static_cast<double>(p.frames), 1e-30));
            e.above_floor_db = p.floor > 0.0 ? 10.0 * std::log10(std::max(p.power / p.floor, 1e-30)) : 99.0;
            out.push_back(e);
        }
        for (int k = 0; k < 2; ++k) {
            const auto& kind = kinds[k];
            if (kind.bursts == 0 || kind.weight <= 0.0) continue;
            WifiEmitterStats e;
            e.channel = t.channel.number;
            e.center_mhz = t.channel.center_mhz;
            e.dsss = k == 1;
            e.airtime_s = kind.airtime_s;
            e.observed_s = t.observed_s;
            e.bursts = kind.bursts;
            e.first_s = kind.first_s;
            e.last_s = kind.last_s;
            const double power = std::max(kind.power_weighted / kind.weight, 1e-30);
            e.mean_power_dbfs = 10.0 * std::log10(power);
            e.above_floor_db = kind.floor_weighted > 0.0 ? 10.0 * std::log10(kind.power_weighted / kind.floor_weighted) : 99.0;
            out.push_back(e);
        }
    }
    return out;
}

std::vector<WifiChannelOccupancy> WifiOccupancyDetector::results() const {
    std::vector<WifiChannelOccupancy> out;
    for (const auto& t : tracked_) {
        WifiChannelOccupancy r;
        r.channel = t.channel.number;
        r.center_mhz = t.channel.center_mhz;
        r.observed = t.observed_s > 0.0;
        r.observed_s = t.observed_s;
        r.airtime_s = t.airtime_s;
        r.occupancy = r.observed ? std::clamp(t.airtime_s / t.observed_s, 0.0, 1.0) : 0.0;
        if (t.weight > 0.0 && t.power_weighted > 0.0) r.mean_power_dbfs = 10.0 * std::log10(t.power_weighted / t.weight);
        r.bursts = t.bursts;
        out.push_back(r);
    }
    return out;
}

}  // namespace coex::classify
