#include "gain_steps.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "coex/core/float4.hpp"

namespace coex::analysis {
namespace {
constexpr double kTileSeconds = 25e-6;    // the step test's time unit: a few frames summed
constexpr double kWindowSeconds = 2e-3;   // the floor before and after a moment: longer than most packets
constexpr double kMinChangeDb = 1.5;      // a split where the floor changes at least this much may belong to a step
// A step is at least this: the minimum over a window of busy traffic (few quiet tiles, or none quite
// quiet) stands 1–2.4 dB over one of a quiet window, in the occupied sub-bands and in the skirts of
// strong Wi-Fi at the band edges alike.
constexpr double kMinStepDb = 2.5;
constexpr double kMaxStepDb = 10.0;
constexpr double kAgreeDb = 1.5;          // a sub-band agrees when its change is this near the median
// A step's size is read at its instant from a low percentile of each window's tiles rather than their
// minimum: the minimum of 80 tiles of noise moves ±0.5 dB from window to window, enough to take a band
// edge out of agreement or read a 3 dB step as 2.1 dB; the tenth percentile moves ±0.15 dB.
constexpr double kQuietShare = 0.1;
// Of a candidate region's splits, the step instant is the one whose agreeing change is largest, or
// within this of it and nearest the step (the change is read whole only where neither window holds
// tiles of the other side; the minima keep a plateau around it).
constexpr float kPlateauDb = 0.3f;
// A sub-band whose minimum over the window before stands this far over the tuning's floor (at the gain
// in force) held an emitter throughout it: its change at a step is the emitter's going as much as the
// gain's, so it does not vote in the quiet vote. (Over noise a window's minimum stands 0–1.5 dB over the
// lowest of them.)
constexpr double kBusyDb = 2.5;
// The quiet vote needs this many sub-bands left (3/8 of the view): fewer could agree by chance.
constexpr std::size_t kMinVoters = 6;
constexpr std::uint32_t kAllVoters = 0xffffu;  // groups_ = 16
const float kBusyRatio = static_cast<float>(std::pow(10.0, kBusyDb / 10.0));
const float kMinStepRatio = static_cast<float>(std::pow(10.0, kMinChangeDb / 10.0));
const float kMaxStepRatio = static_cast<float>(std::pow(10.0, kMaxStepDb / 10.0));
const float kAgreeRatio = static_cast<float>(std::pow(10.0, kAgreeDb / 10.0));
}  // namespace

void add_sub_band_sums_plain(const float* bins, std::size_t bins_per_group, std::size_t groups, float* acc) {
    for (std::size_t g = 0; g < groups; ++g) {
        float lane[4] = {0.0f, 0.0f, 0.0f, 0.0f};
        const float* x = bins + g * bins_per_group;
        for (std::size_t k = 0; k < bins_per_group; k += 4)
            for (std::size_t l = 0; l < 4; ++l) lane[l] += x[k + l];
        acc[g] += (lane[0] + lane[1]) + (lane[2] + lane[3]);
    }
}

namespace {
// Four sub-bands of `bins_per_group` bins at a time (a compile-time count when Fixed > 0, so that the
// loop unrolls): each sub-band's four lanes summed over its bins as the plain version's lane[], then
// transposed, so that (lane 0 + lane 1) + (lane 2 + lane 3) is three vector adds for the four instead
// of a horizontal reduction each. The same additions in the same order, so the same floats (tested).
template <std::size_t Fixed>
void add_sub_band_sums_by_four(const float* bins, std::size_t runtime_bins_per_group, std::size_t groups, float* acc) {
    const std::size_t bins_per_group = Fixed > 0 ? Fixed : runtime_bins_per_group;
    std::size_t g = 0;
    for (; g + 4 <= groups; g += 4) {
        const float* x = bins + g * bins_per_group;
        Float4 a = {0.0f, 0.0f, 0.0f, 0.0f}, b = a, c = a, d = a;
        for (std::size_t k = 0; k < bins_per_group; k += 4) {
            a += load_float4(x + k);
            b += load_float4(x + bins_per_group + k);
            c += load_float4(x + 2 * bins_per_group + k);
            d += load_float4(x + 3 * bins_per_group + k);
        }
        const Float4 ab_low = __builtin_shufflevector(a, b, 0, 4, 1, 5), ab_high = __builtin_shufflevector(a, b, 2, 6, 3, 7);
        const Float4 cd_low = __builtin_shufflevector(c, d, 0, 4, 1, 5), cd_high = __builtin_shufflevector(c, d, 2, 6, 3, 7);
        const Float4 lane0 = __builtin_shufflevector(ab_low, cd_low, 0, 1, 4, 5), lane1 = __builtin_shufflevector(ab_low, cd_low, 2, 3, 6, 7);
        const Float4 lane2 = __builtin_shufflevector(ab_high, cd_high, 0, 1, 4, 5), lane3 = __builtin_shufflevector(ab_high, cd_high, 2, 3, 6, 7);
        Float4 sum = load_float4(acc + g);
        sum += (lane0 + lane1) + (lane2 + lane3);
        std::memcpy(acc + g, &sum, sizeof sum);
    }
    if (g < groups) add_sub_band_sums_plain(bins + g * bins_per_group, bins_per_group, groups - g, acc + g);
}
}  // namespace

void add_sub_band_sums(const float* bins, std::size_t bins_per_group, std::size_t groups, float* acc) {
    switch (bins_per_group) {  // the default FFTs' sub-bands (FFT 64 … 1024 over 16 sub-bands)
        case 4: add_sub_band_sums_by_four<4>(bins, bins_per_group, groups, acc); break;
        case 8: add_sub_band_sums_by_four<8>(bins, bins_per_group, groups, acc); break;
        case 16: add_sub_band_sums_by_four<16>(bins, bins_per_group, groups, acc); break;
        case 32: add_sub_band_sums_by_four<32>(bins, bins_per_group, groups, acc); break;
        case 64: add_sub_band_sums_by_four<64>(bins, bins_per_group, groups, acc); break;
        default: add_sub_band_sums_by_four<0>(bins, bins_per_group, groups, acc); break;
    }
}

GainSteps::GainSteps(std::size_t fft_size, double frame_seconds, std::size_t cells)
    : on_(fft_size / 4 >= groups_),
      bins_per_group_(fft_size / groups_),
      tile_frames_(std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(kTileSeconds / frame_seconds)))),
      window_tiles_(std::max<std::size_t>(4, static_cast<std::size_t>(std::lround(kWindowSeconds / (frame_seconds * static_cast<double>(tile_frames_)))))),
      min_region_tiles_(std::max<std::size_t>(2, window_tiles_ / 4)),
      allowed_off_(std::max<std::size_t>(1, groups_ / 4)),
      cells_(cells),
      tile_acc_(groups_, 0.0f),
      prefix_(on_ ? 2 * window_tiles_ * groups_ : 0),
      suffix_(prefix_.size()),
      minima_(on_ ? (window_tiles_ + 1) * groups_ : 0, 0.0f),
      // a step's two windows, and the quarter window (and a little) its region takes to close after them
      history_tiles_(5 * window_tiles_),
      history_(on_ ? history_tiles_ * groups_ : 0, 0.0f) {}

void GainSteps::push(double time_s, std::uint64_t first_sample, std::uint64_t mark, std::span<const float> bins,
                     std::span<const float> cells) {
    if (ended_) {
        // a new stretch: everything of the last one was released (end_stretch's contract)
        if (!steps_list_.empty()) gain_ = steps_list_.back().gain;
        steps_list_.clear();
        next_step_ = 0;
        released_gain_ = gain_;
        tiles_ = 0;
        tile_pos_ = tile_slot_ = minima_slot_ = 0;
        next_split_ = 0;
        tile_fill_ = 0;
        std::fill(tile_acc_.begin(), tile_acc_.end(), 0.0f);
        region_ = {};
        ended_ = false;
        until_cached_ = false;  // tiles count from 0 again
        until_index_ = held_.size();
        lead_in();
    }
    held_.push_back({time_s, first_sample, mark, tiles_});
    if (cells.size() >= cells_) {
        held_cells_.insert(held_cells_.end(), cells.begin(), cells.begin() + static_cast<std::ptrdiff_t>(cells_));
    } else {
        const std::size_t at = held_cells_.size();
        held_cells_.resize(at + cells_);  // zeros past the cells given
        std::copy(cells.begin(), cells.end(), held_cells_.begin() + static_cast<std::ptrdiff_t>(at));
    }

    if (on_ && bins.size() >= groups_ * bins_per_group_) add_sub_band_sums(bins.data(), bins_per_group_, groups_, tile_acc_.data());
    if (on_ && ++tile_fill_ == tile_frames_) add_tile();
}

void GainSteps::add_tile() {
    const std::uint64_t t = tiles_;
    float* minimum = &minima_[minima_slot_ * groups_];
    // The minimum over the window (t − W, t], per sub-band, branch-free (van Herk / Gil–Werman): the
    // tiles are cut into blocks of W; within the current block a running (prefix) minimum, over the last
    // block a suffix minimum computed when it completed. (A monotone queue per sub-band cost as much
    // as the FFT's share of a tile, in mispredicted branches.)
    const std::size_t w = window_tiles_, g = groups_;
    const std::size_t pos = tile_pos_, slot = tile_slot_;  // t mod W, t mod 2W (kept, not divided: every tile)
    // the tile's values: in the history ring (its block's earlier tiles are read back from there)
    const std::size_t at = static_cast<std::size_t>(t % history_tiles_);
    float* v = &history_[at * g];
    float* prefix = &prefix_[slot * g];
    const float* previous = pos == 0 ? nullptr : &prefix_[(slot == 0 ? 2 * w - 1 : slot - 1) * g];
    std::copy_n(tile_acc_.data(), g, v);
    if (previous)
        for (std::size_t c = 0; c < g; ++c) prefix[c] = std::min(previous[c], v[c]);
    else
        std::copy_n(v, g, prefix);
    if (pos + 1 == w) {
        // the block is complete: its suffix minima, for the windows that start inside it
        const std::size_t first = slot + 1 - w;
        float* suffix = &suffix_[slot * g];
        std::copy(v, v + g, suffix);
        std::size_t value_at = at;  // tile t − (slot − k) in the history ring
        for (std::size_t k = slot; k-- > first;) {
            value_at = value_at == 0 ? history_tiles_ - 1 : value_at - 1;
            float* here = &suffix_[k * g];
            const float* next = &suffix_[(k + 1) * g];
            const float* val = &history_[value_at * g];
            for (std::size_t c = 0; c < g; ++c) here[c] = std::min(val[c], next[c]);
        }
        std::copy(prefix, prefix + g, minimum);
    } else {
        // tiles t − W + 1 … t: the last block from position pos + 1 on, and this block up to pos
        const std::size_t start = (slot + 1 >= w ? slot + 1 - w : slot + 1 + w);
        const float* suffix = &suffix_[start * g];
        if (t + 1 >= w)
            for (std::size_t c = 0; c < g; ++c) minimum[c] = std::min(suffix[c], prefix[c]);
        else
            std::copy_n(prefix, g, minimum);
    }
    if (reference_.empty() && t + 1 == window_tiles_) {
        // the tuning's first whole window: the levels every later step's gain is read against
        quiet_levels(0, reference_);
        reference_gain_ = gain_;
        reference_tiles_.assign(history_.begin(), history_.begin() + static_cast<std::ptrdiff_t>(window_tiles_ * groups_));
    }
    ++tiles_;
    tile_pos_ = pos + 1 == w ? 0 : pos + 1;
    tile_slot_ = slot + 1 == 2 * w ? 0 : slot + 1;
    const std::size_t t_slot = minima_slot_;
    minima_slot_ = t_slot == w ? 0 : t_slot + 1;  // t + 1 mod W + 1
    tile_fill_ = 0;
    std::fill(tile_acc_.begin(), tile_acc_.end(), 0.0f);
    if (t < window_tiles_) return;
    // the split after tile j = t − window: the minimum over the window ending at j (its ring slot is
    // j mod W + 1 = t + 1 mod W + 1), and over the one after it
    const std::uint64_t split = t - window_tiles_;
    // only whole windows: the lowest of fewer looks stands higher (1–3 dB for a quarter of a window)
    const std::span<const float> minima(minima_);
    if (split + 1 >= window_tiles_)
        evaluate(split, minima.subspan(minima_slot_ * groups_, groups_), minima.subspan(t_slot * groups_, groups_));
    next_split_ = split + 1;
}

void GainSteps::evaluate(std::uint64_t split, std::span<const float> before, std::span<const float> after) {
    // First the cheap count: can the median change be a step at all?
    std::size_t up = 0, down = 0;
    for (std::size_t c = 0; c < groups_; ++c) {
        up += after[c] > before[c] * kMinStepRatio;
        down += after[c] * kMinStepRatio < before[c];
    }
    const std::size_t half = (groups_ + 1) / 2;
    int sign = up >= half ? 1 : down >= half ? -1 : 0;
    float median = 0.0f;
    bool uniform = false;
    if (sign != 0) {
        // in power ratios (the median of the dB changes is the dB of the median ratio): no logarithm
        // but the median's
        scratch_.resize(groups_);
        for (std::size_t c = 0; c < groups_; ++c) scratch_[c] = before[c] > 0.0f && after[c] > 0.0f ? after[c] / before[c] : 1.0f;
        sorted_.assign(scratch_.begin(), scratch_.end());
        std::nth_element(sorted_.begin(), sorted_.begin() + static_cast<std::ptrdiff_t>(groups_ / 2), sorted_.end());
        const float ratio = sorted_[groups_ / 2];
        if (ratio > kMaxStepRatio || ratio * kMaxStepRatio < 1.0f) {
            sign = 0;
        } else {
            uniform = agree(scratch_, ratio, sign, kAllVoters);
            median = 10.0f * std::log10(ratio);
        }
    }
    std::uint32_t voters = kAllVoters;
    // The quiet vote's sign needs at least half of its ≥ kMinVoters sub-bands moved one way: with fewer
    // moved among all of them it cannot have one (the common case, asked at nearly every split).
    constexpr std::size_t kLeastMoved = (kMinVoters + 1) / 2;
    if (sign == 0 && (up >= kLeastMoved || down >= kLeastMoved)) sign = quiet_vote(before, after, median, uniform, voters);
    // a region bridges a few splits where a busy window hid the change (no quiet tile in a sub-band)
    if (region_.open && ((sign != 0 && sign != region_.sign) || split > region_.last + min_region_tiles_)) close_region();
    if (sign == 0) {
        if (!region_.open) {
            // a split where nothing moved: its window minimum, at the gain in force, may lower the floor
            const double gain = steps_list_.empty() ? gain_ : steps_list_.back().gain;
            const auto inv = static_cast<float>(1.0 / gain);
            if (floor_.empty()) floor_.assign(groups_, std::numeric_limits<float>::max());
            for (std::size_t c = 0; c < groups_; ++c) floor_[c] = std::min(floor_[c], before[c] * inv);
        }
        return;
    }
    if (!region_.open) {
        region_ = {};
        region_.open = true;
        region_.sign = sign;
        region_.first = split;
    }
    region_.last = split;
    ++region_.positions;
    if (uniform) region_.uniform_looks.push_back({split, median, voters});
    region_.looks.push_back({split, median, voters});
}

int GainSteps::quiet_vote(std::span<const float> before, std::span<const float> after, float& median, bool& uniform,
                          std::uint32_t& voters) {
    if (floor_.empty()) return 0;
    const double gain = steps_list_.empty() ? gain_ : steps_list_.back().gain;
    const auto busy_level = static_cast<float>(gain) * kBusyRatio;
    static_assert(groups_ <= 32, "a sub-band mask is 32 bits");
    // first the cheap count, as evaluate()'s (it runs at nearly every split)
    std::uint32_t quiet = 0;
    std::size_t count = 0, up = 0, down = 0;
    for (std::size_t c = 0; c < groups_; ++c) {
        if (before[c] > floor_[c] * busy_level) continue;
        quiet |= 1u << c;
        ++count;
        up += after[c] > before[c] * kMinStepRatio;
        down += after[c] * kMinStepRatio < before[c];
    }
    // every sub-band voting is the regular vote's case (already refused)
    if (count < kMinVoters || count == groups_) return 0;
    const std::size_t half = (count + 1) / 2;
    const int sign = up >= half ? 1 : down >= half ? -1 : 0;
    if (sign == 0) return 0;
    voters = quiet;
    scratch_.resize(groups_);
    sorted_.clear();
    for (std::size_t c = 0; c < groups_; ++c) {
        scratch_[c] = before[c] > 0.0f && after[c] > 0.0f ? after[c] / before[c] : 1.0f;
        if (voters >> c & 1u) sorted_.push_back(scratch_[c]);
    }
    std::nth_element(sorted_.begin(), sorted_.begin() + static_cast<std::ptrdiff_t>(count / 2), sorted_.end());
    const float ratio = sorted_[count / 2];
    if (ratio > kMaxStepRatio || ratio * kMaxStepRatio < 1.0f) return 0;
    uniform = agree(scratch_, ratio, sign, voters);
    median = 10.0f * std::log10(ratio);
    return sign;
}

bool GainSteps::agree(std::span<const float> ratios, float median, int sign, std::uint32_t voters) const {
    const float lo = median / kAgreeRatio, hi = median * kAgreeRatio;
    std::size_t off = 0, count = 0;
    for (std::size_t c = 0; c < ratios.size(); ++c) {
        if (!(voters >> c & 1u)) continue;
        ++count;
        off += ratios[c] < lo || ratios[c] > hi;
    }
    // the band edges beyond the anti-alias filter must move too: a burst as wide as the view (a Wi-Fi
    // channel in a 20 MS/s view) leaves them where they were (a busy window's minimum in the occupied
    // sub-bands stands 1–3 dB up: the edges, quiet, stay); sign 0: no move asked, only agreement
    auto edge_moved = [&](float r) {
        const bool moved = sign == 0 || (sign > 0 ? r >= kMinStepRatio : r * kMinStepRatio <= 1.0f);
        return moved && r >= lo && r <= hi;
    };
    if (voters == kAllVoters) return edge_moved(ratios.front()) && edge_moved(ratios.back()) && off <= allowed_off_;
    // the quiet vote: a voting edge must move, and at least one edge votes
    const bool low = voters & 1u, high = voters >> (groups_ - 1) & 1u;
    if (!low && !high) return false;
    if ((low && !edge_moved(ratios.front())) || (high && !edge_moved(ratios.back()))) return false;
    return off <= count / 4;
}

double GainSteps::judged_step_db(std::uint64_t split, int sign, std::uint32_t voters) {
    const std::uint64_t w = window_tiles_;
    // both windows [split − w + 1, split] and [split + 1, split + w] still in the history
    if (split + 1 < w || split + w >= tiles_ || tiles_ - (split + 1 - w) > history_tiles_) return 0.0;
    quiet_levels(split + 1 - w, quiet_before_);
    quiet_levels(split + 1, quiet_after_);
    const float ratio = agreed_ratio(quiet_before_, quiet_after_, sign, voters);
    return ratio > 0.0f ? 10.0 * std::log10(ratio) : 0.0;
}

void GainSteps::quiet_levels(std::uint64_t first_tile, std::vector<float>& out) {
    const std::size_t w = window_tiles_;
    const auto rank = static_cast<std::ptrdiff_t>(kQuietShare * static_cast<double>(w));
    out.resize(groups_);
    sorted_.resize(w);
    for (std::size_t c = 0; c < groups_; ++c) {
        for (std::size_t k = 0; k < w; ++k) sorted_[k] = history_[((first_tile + k) % history_tiles_) * groups_ + c];
        std::nth_element(sorted_.begin(), sorted_.begin() + rank, sorted_.end());
        out[c] = sorted_[static_cast<std::size_t>(rank)];
    }
}

float GainSteps::agreed_ratio(std::span<const float> before, std::span<const float> after, int sign, std::uint32_t voters) {
    scratch_.resize(groups_);
    sorted_.clear();
    for (std::size_t c = 0; c < groups_; ++c) {
        scratch_[c] = before[c] > 0.0f && after[c] > 0.0f ? after[c] / before[c] : 1.0f;
        if (voters >> c & 1u) sorted_.push_back(scratch_[c]);
    }
    if (sorted_.empty()) return 0.0f;
    const std::size_t mid = sorted_.size() / 2;
    std::nth_element(sorted_.begin(), sorted_.begin() + static_cast<std::ptrdiff_t>(mid), sorted_.end());
    const float ratio = sorted_[mid];
    return agree(scratch_, ratio, sign, voters) ? ratio : 0.0f;
}

std::uint64_t GainSteps::sharpest_split(std::uint64_t split, int sign, std::uint64_t from, std::uint64_t to) {
    // Each tile's level against the quiet levels before the step: the third lowest of the sub-bands'
    // (emitters only add power, so the lowest are those no emitter holds at that moment; the lowest
    // two are left out for the DC leak, which the gain does not scale, and the noise), in dB; the
    // instant is where the mean of the next `m` tiles differs most from the mean of the last `m` — a
    // step moves it at one tile, a window's quiet level only over several. Looked for from `from` to
    // `to` (close_region: a quarter window of the candidate, and back to where the change was first
    // seen whole): under busy Wi-Fi (13 of 16 sub-bands of a 20 MS/s view) a frame's edge can look
    // sharper, and half a window either way put steps 0.7–1.3 ms off.
    const std::uint64_t m = std::max<std::uint64_t>(2, window_tiles_ / 10);
    const std::uint64_t oldest = tiles_ > history_tiles_ ? tiles_ - history_tiles_ : 0;
    std::uint64_t lo = std::max(from, oldest + m);
    const std::uint64_t hi = std::min(to, tiles_ > m ? tiles_ - m - 1 : 0);
    if (lo + 1 < m) lo = m - 1;
    if (lo > split || hi < split) return split;
    const std::uint64_t first = lo + 1 - m, count = hi + m - first + 1;
    levels_.assign(count + 1, 0.0);  // running sums of the tiles' levels
    scratch_.resize(groups_);
    for (std::uint64_t k = 0; k < count; ++k) {
        const float* tile = &history_[((first + k) % history_tiles_) * groups_];
        for (std::size_t c = 0; c < groups_; ++c) scratch_[c] = quiet_before_[c] > 0.0f ? tile[c] / quiet_before_[c] : 1.0f;
        std::nth_element(scratch_.begin(), scratch_.begin() + 2, scratch_.end());
        const float low = scratch_[2];
        levels_[k + 1] = levels_[k] + (low > 0.0f ? 10.0 * std::log10(low) : 0.0);
    }
    std::uint64_t best = split;
    double best_score = -1e300;
    for (std::uint64_t s = lo; s <= hi; ++s) {
        const std::uint64_t at = s + 1 - first;  // tiles first … s are levels_[0 … at)
        const double score = static_cast<double>(sign) * ((levels_[at + m] - levels_[at]) - (levels_[at] - levels_[at - m]));
        const auto distance = [&](std::uint64_t a) { return a > split ? a - split : split - a; };
        if (score > best_score || (score == best_score && distance(s) < distance(best))) {
            best_score = score;
            best = s;
        }
    }
    return best;
}

// A region of splits where the floor after differs from the floor before. Its change is the receiver's
// when it lasted a quarter of a window or more (a step up is seen from the step on for a window; a step
// down for a window up to the step) and at the step's instant — the split where the agreeing change is
// largest — the windows' quiet levels agree on a change of kMinStepDb or more. (The minima agree at few
// positions even over noise, ±0.5 dB each: asking it of half or a quarter of them lost steps the
// judgement at the instant finds, and kept out no false one.)
void GainSteps::close_region() {
    Region r = std::move(region_);
    region_ = {};
    if (r.positions < min_region_tiles_) return;
    // The candidate: a position whose change comes within kPlateauDb of the largest, nearest the step
    // (the first such split of a step up, the last of a step down), among the positions where the
    // minima agreed. Where none did, or the judgement there fails, the same among every position: the
    // minima of noise move ±0.5 dB each (a band edge read 1.2 dB of a 3 dB step at every position
    // near one), and the judgement, from the steadier quiet levels, decides as it does for the others.
    float peak = 0.0f;  // the largest change among the candidate's kind of positions
    auto candidate = [&](const std::vector<Region::Look>& looks) -> const Region::Look* {
        peak = 0.0f;
        for (const auto& l : looks) peak = std::max(peak, std::abs(l.db));
        const Region::Look* at = nullptr;
        for (const auto& l : looks)
            if (std::abs(l.db) + kPlateauDb >= peak && (!at || r.sign < 0)) at = &l;
        return at;
    };
    const auto good = [](double db) { return std::abs(db) >= kMinStepDb && std::abs(db) <= kMaxStepDb; };
    const Region::Look* at = candidate(r.uniform_looks);
    double step_db = at ? judged_step_db(at->split, r.sign, at->voters) : 0.0;
    if (!good(step_db)) {
        const Region::Look* any = candidate(r.looks);
        if (!any || (at && any->split == at->split)) return;
        at = any;
        step_db = judged_step_db(at->split, r.sign, at->voters);
        if (!good(step_db)) return;
    }
    // The instant is searched for within a quarter window of the candidate, and as far as where the
    // change was first seen (a step up) or last seen (down) at its full size: the minima of noise can
    // agree only 20–30 tiles past a step up, its own tile then beyond a quarter window.
    const std::uint64_t w = window_tiles_, split = at->split;
    std::uint64_t from = split > w / 4 ? split - w / 4 : 0, to = split + w / 4;
    for (const auto& l : r.looks) {
        if (std::abs(l.db) + kPlateauDb < peak) continue;
        if (r.sign > 0) from = std::min(from, l.split);
        else to = std::max(to, l.split + 1);
    }
    from = std::max(from, r.first);
    const std::uint64_t first_tile = sharpest_split(split, r.sign, from, to) + 1;
    // its first sample: the first held frame of that tile (the region held them back)
    std::size_t i = head_;
    while (i < held_.size() && held_[i].tile < first_tile) ++i;
    if (i == held_.size()) return;  // nothing after it left in this stretch
    const double before = steps_list_.empty() ? gain_ : steps_list_.back().gain;
    double after = before * std::pow(10.0, step_db / 10.0);
    if (!reference_.empty()) {
        // the gain after the step read against the reference, when every sub-band agrees on it (a
        // ratio near 1 leaves the edges unmoved: then they need only agree) and it differs from the
        // running gain by no more than a step could (a wide emitter on through one of the windows
        // moves every sub-band alike)
        const float ratio = agreed_ratio(reference_, quiet_after_, 0, kAllVoters);
        const double anchored = reference_gain_ * ratio;
        if (ratio > 0.0f && anchored < after * kMaxStepRatio && anchored * kMaxStepRatio > after) after = anchored;
    }
    steps_list_.push_back({first_tile, held_[i].first_sample, after});
    ++steps_;
}

// A new stretch of a tuning seen before (a sweep's next dwell, the samples after a gap): the gain may
// have moved while the radio was tuned elsewhere, or move in the stretch's first window, where no
// window before it holds the floor. The stretch is led in by the tuning's first window, its tiles as
// the gain in force would show them: a step at the stretch's start or in its first window is then seen
// and judged as any other, against the tuning's own floor. (Its tiles, not their quiet level repeated:
// the minimum of a window of noise tiles stands ~1.5 dB under their tenth percentile, so a constant
// lead-in would hide a 3 dB step up and read a level stretch as a step down.)
void GainSteps::lead_in() {
    if (!on_ || reference_tiles_.empty()) return;
    const auto scale = static_cast<float>(gain_ / reference_gain_);
    for (std::size_t k = 0; k < window_tiles_; ++k) {
        for (std::size_t c = 0; c < groups_; ++c) tile_acc_[c] = reference_tiles_[k * groups_ + c] * scale;
        add_tile();
    }
}

// The stretch's last window: its splits have no whole window after them. The stretch is carried on by
// repeating its last quarter window's tiles for a window, so a step up to a quarter window before the
// end is judged on the level after it (a step in that last quarter is still not seen: the repeated
// tiles hold both levels there). Only for stretches long enough to have judged a whole window.
void GainSteps::lead_out() {
    const std::size_t w = window_tiles_, tail = min_region_tiles_;
    if (!on_ || tiles_ < 2 * w + tail) return;
    const std::uint64_t first = tiles_ - tail;
    std::vector<float> repeated(tail * groups_);
    for (std::size_t k = 0; k < tail; ++k)
        std::copy_n(&history_[((first + k) % history_tiles_) * groups_], groups_, &repeated[k * groups_]);
    for (std::size_t k = 0; k < w; ++k) {
        std::copy_n(&repeated[(k % tail) * groups_], groups_, tile_acc_.data());
        add_tile();
    }
}

void GainSteps::end_stretch() {
    if (ended_) return;
    lead_out();
    // an open region is judged on the positions it has
    if (region_.open) close_region();
    ended_ = true;
}

std::uint64_t GainSteps::find_decided_until() const {
    const std::uint64_t tile = decided_tile();
    // The first held frame of that tile stays held (pop releases only frames before it) and its tile
    // stays the bound until the bound moves: the answer is kept until then (decided_until).
    // The bound only grows within a stretch, so the search goes on from where the last one ended (a
    // step or two a tile; a binary search mispredicted its way through the held frames).
    std::size_t i = std::max(head_, until_index_);
    while (i < held_.size() && held_[i].tile < tile) ++i;
    until_index_ = i;
    if (i < held_.size()) {
        until_cached_ = true;
        until_tile_ = tile;
        until_sample_ = held_[i].first_sample;
        return until_sample_;
    }
    return ended_ || held_.empty() ? ~std::uint64_t{0} : held_.back().first_sample;
}

double GainSteps::gain_at(std::uint64_t sample) const {
    double g = gain_;
    for (const auto& s : steps_list_) {
        if (s.sample > sample) break;
        g = s.gain;
    }
    return g;
}

void GainSteps::compact() {
    const auto h = static_cast<std::ptrdiff_t>(head_);
    held_.erase(held_.begin(), held_.begin() + h);
    until_index_ -= std::min(until_index_, head_);
    held_cells_.erase(held_cells_.begin(), held_cells_.begin() + h * static_cast<std::ptrdiff_t>(cells_));
    head_ = 0;
}

bool GainSteps::release(Released& out) {
    const HeldFrame& frame = held_[head_];
    while (next_step_ < steps_list_.size() && steps_list_[next_step_].tile <= frame.tile) released_gain_ = steps_list_[next_step_++].gain;
    const std::span<const float> cells(held_cells_.data() + head_ * cells_, cells_);
    out.time_s = frame.time_s;
    out.first_sample = frame.first_sample;
    out.mark = frame.mark;
    out.gain = released_gain_;
    if (released_gain_ == 1.0) {
        out.cells = cells;
    } else {
        out_.resize(cells_);
        const auto inv = static_cast<float>(1.0 / released_gain_);
        for (std::size_t c = 0; c < cells_; ++c) out_[c] = cells[c] * inv;
        out.cells = out_;
    }
    ++head_;
    return true;
}

}  // namespace coex::analysis
