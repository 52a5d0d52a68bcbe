#include "burst_tracker.hpp"

#include <algorithm>

namespace coex::classify {

void BurstTracker::begin_tuning(const TuningGeometry& tuning) {
    open_.clear();
    lit_.assign(tuning.grid->size(), 0);
    strong_.assign(tuning.grid->size(), 0);
    image_.assign(tuning.grid->size(), 0);
    grid_ = tuning.grid;
    frame_seconds_ = tuning.frame_seconds;
    fft_size_ = static_cast<std::size_t>(tuning.segment.sample_rate_hz / tuning.bin_hz + 0.5);
}

void BurstTracker::on_frame(const Frame& frame, std::span<const std::uint8_t> claimed, std::vector<TrackedBurst>& closed) {
    const std::size_t n = lit_.size();
    // (locals: a byte store may alias any member or the frame's spans, which would be loaded again)
    const float* cells = frame.cells.data();
    const float* floor = frame.cell_floor.data();
    std::uint8_t* strong_cells = strong_.data();
    std::uint8_t* lit_cells = lit_.data();
    std::uint8_t* image_cells = image_.data();
    // Hysteresis: a cell 6 dB up can start a burst, one 3 dB up can only carry one on, so a burst
    // a few dB over a raised floor is not broken into pieces.
    for (std::size_t c = 0; c < n; ++c) {
        const bool free = !claimed[c] && floor[c] >= 0.0f && cells[c] > 0.0f;
        strong_cells[c] = free && cells[c] > floor[c] * (1.0f + kCellExcess);
        lit_cells[c] = free && cells[c] > floor[c] * (1.0f + kHoldExcess);
    }
    // The receiver's IQ image: a lit cell far under its mirror (claimed or not: a Wi-Fi channel's image
    // is no emitter either). It moves in step with its signal, frame by frame.
    for (std::size_t c = 0; c < n; ++c) {
        image_cells[c] = 0;
        if (!lit_cells[c]) continue;
        const double own = static_cast<double>(cells[c]) - floor[c];
        for (const int m : grid_->mirror_cells(c))
            if (m >= 0 && floor[static_cast<std::size_t>(m)] >= 0.0f &&
                own < kIqImageUnderMirror * (static_cast<double>(cells[static_cast<std::size_t>(m)]) - floor[static_cast<std::size_t>(m)]))
                image_cells[c] = 1;
    }
    for (auto& b : open_) ++b.missed;

    // Runs of lit cells, cut at deep valleys: two emitters side by side (BLE on 2424 and 2426 MHz)
    // light the cells between them with their skirts, but a valley 6 dB under both peaks remains.
    runs_.clear();
    for (std::size_t c = 0; c < n;) {
        if (!lit_[c]) {
            ++c;
            continue;
        }
        std::size_t e = c;
        while (e + 1 < n && lit_[e + 1]) ++e;
        std::size_t start = c;
        float left_peak = frame.cells[c];
        for (std::size_t k = c + 1; k < e; ++k) {
            left_peak = std::max(left_peak, frame.cells[k - 1]);
            float right_peak = 0.0f;
            for (std::size_t j = k + 1; j <= e; ++j) right_peak = std::max(right_peak, frame.cells[j]);
            if (4.0f * frame.cells[k] < std::min(left_peak, right_peak)) {
                runs_.emplace_back(static_cast<int>(start), static_cast<int>(k) - 1);
                start = k + 1;
                left_peak = 0.0f;
                ++k;  // the valley cell belongs to neither
            }
        }
        runs_.emplace_back(static_cast<int>(start), static_cast<int>(e));
        c = e + 1;
    }

    for (const auto& [lo, hi] : runs_) {
        if (hi < lo) continue;
        bool strong = false, image = true;
        for (int k = lo; k <= hi; ++k) {
            strong = strong || strong_[static_cast<std::size_t>(k)];
            image = image && image_[static_cast<std::size_t>(k)];
        }
        // the cells whose signal an image run mirrors: it never joins the burst there (its own signal)
        int mirror_lo = static_cast<int>(n), mirror_hi = -1;
        if (image)
            for (const int k : {lo, hi})
                for (const int m : grid_->mirror_cells(static_cast<std::size_t>(k)))
                    if (m >= 0) {
                        mirror_lo = std::min(mirror_lo, m);
                        mirror_hi = std::max(mirror_hi, m);
                    }
        // the open burst this run continues: overlapping its extent (±1 cell)
        // (several runs of one frame may continue the same burst: a strong signal's skirts break up)
        // (a run that is no image continues an image burst only when no other burst is there: that
        // image was then a weak emitter's start)
        TrackedBurst* target = nullptr;
        for (auto& b : open_)
            if (lo <= b.hi_cell + 1 && hi >= b.lo_cell - 1 && !(image && b.lo_cell <= mirror_hi && b.hi_cell >= mirror_lo)) {
                if (!target || (target->image_like() && !b.image_like() && !image)) target = &b;
                if (image || !b.image_like()) break;
            }
        if (!target && !strong) continue;  // weak cells only carry an existing burst on
        if (!target) {
            open_.push_back({});
            target = &open_.back();
            target->start_s = frame.time_s;
            target->first_sample = frame.first_sample;
            target->lo_cell = lo;
            target->hi_cell = hi;
            target->missed = 1;  // so this frame counts
        }
        TrackedBurst& b = *target;
        if (b.missed > 0) b.image_frame = image;  // first run of this frame for this burst
        else b.image_frame = b.image_frame && image;
        // widen the extent, keeping the per-cell sums aligned
        if (b.cell_signal.empty()) {
            b.cell_signal.assign(static_cast<std::size_t>(b.hi_cell - b.lo_cell + 1), 0.0);
            b.cell_peak.assign(b.cell_signal.size(), 0.0f);
        }
        if (lo < b.lo_cell) {
            b.cell_signal.insert(b.cell_signal.begin(), static_cast<std::size_t>(b.lo_cell - lo), 0.0);
            b.cell_peak.insert(b.cell_peak.begin(), static_cast<std::size_t>(b.lo_cell - lo), 0.0f);
            b.lo_cell = lo;
        }
        if (hi > b.hi_cell) {
            b.cell_signal.resize(static_cast<std::size_t>(hi - b.lo_cell + 1), 0.0);
            b.cell_peak.resize(b.cell_signal.size(), 0.0f);
            b.hi_cell = hi;
        }
        double sig = 0.0, weighted = 0.0;
        for (int k = lo; k <= hi; ++k) {
            const double s = std::max(0.0, static_cast<double>(frame.cells[k]) - frame.cell_floor[k]);
            b.cell_signal[static_cast<std::size_t>(k - b.lo_cell)] += s;
            auto& peak = b.cell_peak[static_cast<std::size_t>(k - b.lo_cell)];
            peak = std::max(peak, static_cast<float>(s));
            sig += s;
            weighted += s * k;
            b.noise += frame.cell_floor[k];
        }
        b.runs.push_back({frame.time_s, lo, hi});
        b.signal += sig;
        b.frame_signal += sig;
        b.frame_weighted += weighted;
        if (b.missed > 0) ++b.frames;  // first run of this frame for this burst
        b.missed = 0;
        b.end_s = frame.time_s + frame_seconds_;
        if (strong) b.strong_end_s = b.end_s;
        b.end_sample = frame.first_sample + fft_size_;
    }

    // per-frame centre and level of every burst continued in this frame
    for (auto& b : open_) {
        if (b.missed == 0 && b.image_frame) ++b.image_frames;
        if (b.missed == 0 && b.frame_signal > 0.0) {
            // the centre's spread is taken over the frames that carry the burst, not over a weak
            // frame of noise that only kept it open
            if (b.frames <= 3 || b.frame_signal >= 0.25 * b.level) {
                const double centre = b.frame_weighted / b.frame_signal;
                b.centre_sum += centre;
                b.centre_sq_sum += centre * centre;
                ++b.centre_frames;
            }
            // A level step held for two frames means another transmitter started (or stopped) on top:
            // end this burst so each gets judged on its own samples.
            if (b.frames > 3 && (b.frame_signal > kLevelStep * b.level || b.frame_signal * kLevelStep < b.level)) {
                if (++b.step_frames >= 2) b.missed = kMaxMissed;  // closes below; the next frame starts a new burst
            } else {
                b.step_frames = 0;
                b.level = b.frames <= 1 ? b.frame_signal : 0.7 * b.level + 0.3 * b.frame_signal;
            }
        }
        b.frame_signal = b.frame_weighted = 0.0;
    }
    // bursts not continued for three frames end
    auto it = std::partition(open_.begin(), open_.end(), [](const TrackedBurst& b) { return b.missed < kMaxMissed; });
    for (auto k = it; k != open_.end(); ++k) close_or_drop(std::move(*k), closed);
    open_.erase(it, open_.end());
}

void BurstTracker::close_all(std::vector<TrackedBurst>& closed) {
    for (auto& b : open_) close_or_drop(std::move(b), closed);
    open_.clear();
}

void BurstTracker::close_or_drop(TrackedBurst&& b, std::vector<TrackedBurst>& closed) {
    // In step with a signal ≥ 20 dB stronger at its mirror from its first frame to its last: the
    // receiver's image of that signal. (A weak emitter that was there before or stays after is kept.)
    if (b.image_like()) {
        ++image_bursts_;
        return;
    }
    closed.push_back(std::move(b));
}

}  // namespace coex::classify
