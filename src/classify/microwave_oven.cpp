// Microwave ovens: a magnetron runs on one half of each mains cycle (its supply is half-wave), so it
// transmits for ~8–10 ms every 20 ms (50 Hz) or 16.7 ms (60 Hz), strong, its carrier sweeping a few
// MHz around 2450–2460 MHz within each on-period and flickering as the supply voltage falls.
//
// Two ways in. The main one reads the mains rhythm from the frame stream: every cell's "lit" flag is
// folded at the 50 Hz and the 60 Hz period; the cells of an oven are lit in the same phase window
// every cycle, so their folded profile has a strong first harmonic at the true mains period and a weak
// one at the other (the phase slips by a fifth of a cycle per cycle). Nothing else in the band keeps
// a 50/60 Hz rhythm on a fixed group of cells: hoppers spread over channels, Wi-Fi and BLE keep their
// own intervals. Once the rhythm is known, every burst inside its on-windows and band — a sweeping
// stretch, a flicker that looks like a 1 MHz GFSK packet, the receiver's IQ image — is the oven.
// The other way, for tunings too short to hold four cycles, groups the long drifting bursts
// themselves by on-period and fits the mains period to their starts.
#include "detectors.hpp"

#include <array>
#include <cmath>
#include <complex>
#include <numbers>

namespace coex::classify {
namespace {

constexpr double kHalfCycleMax = 0.012;  // an on-period of a 50 Hz oven lasts at most ~10 ms
constexpr int kPhaseBins = 40;           // 0.5 ms at 50 Hz: finer than an on-period's ramp
constexpr std::array<double, 2> kMainsPeriods{1.0 / 50.0, 1.0 / 60.0};
constexpr std::array<int, 2> kMainsHz{50, 60};
// A cell is lit when 4 dB over its floor: a 1 MHz cell sums ~13 bins, so noise alone gets there about
// once in 10⁵ frames, while a carrier at 0 dB SNR over its 5 MHz sweep puts ~7 dB into the cell it is in.
constexpr double kLitRatio = 2.5;
constexpr double kBlockSeconds = 0.5;   // the rhythm is judged per half second (mains drifts slowly)
constexpr double kMinFoldSeconds = 0.08;  // four 50 Hz cycles: fewer cannot tell 50 from 60 Hz
// First-harmonic amplitude of a cell's folded lit-fraction: a cell lit in 40 % of the phase in every
// cycle gives 0.30, one lit a third of the on-period (a sweeping carrier passing by) ~0.1; random
// traffic stays near 0.
constexpr double kMinCellRhythm = 0.06;
constexpr double kOvenLowMhz = 2425.0, kOvenHighMhz = 2485.0;
constexpr double kLookSeconds = 25e-6;  // the fold looks at one frame per this much time
constexpr double kMinSweepMhz = 1.0;  // how far the carrier's centre moves within an on-period, at least

// Phase bin (0 … kPhaseBins − 1) of time t within a mains cycle of `period` seconds.
int phase_bin(double t, double period) {
    const double x = t / period;
    return std::min(kPhaseBins - 1, static_cast<int>((x - std::floor(x)) * kPhaseBins));
}

// A mains rhythm found on one tuning over one block of time.
struct Rhythm {
    double begin_s = 0.0, end_s = 0.0;
    int mains_index = 0;
    int window_first = 0, window_bins = 0;  // lit phase bins (circular), padded by one each side
    double core_low = 0.0, core_high = 0.0;  // the carrier's cells, MHz (cell centres)
    std::vector<std::pair<double, double>> claimed;  // bands whose bursts inside the windows are the oven
    double level_dbfs = 0.0, above_db = 0.0;
    double fit = 0.0, other_fit = 0.0;
    std::size_t explained = 0;

    [[nodiscard]] double period() const { return kMainsPeriods[static_cast<std::size_t>(mains_index)]; }
    [[nodiscard]] bool in_window(double t) const { return (phase_bin(t, period()) - window_first + kPhaseBins) % kPhaseBins < window_bins; }
    [[nodiscard]] int cycles() const { return static_cast<int>(std::lround((end_s - begin_s) / period())); }
};

class MicrowaveOvenDetector final : public Detector, public WatchesFrames, public ExplainsBursts, public OwnsTime, public JudgesBursts, public ClaimsPieces {
public:
    void begin_tuning(const TuningGeometry& tuning) override {
        tuning_ = tuning;
        const auto cells = tuning.grid->size();
        folding_ = false;
        for (std::size_t c = 1; c + 1 < cells; ++c) {
            const double mhz = tuning.grid->first_mhz() + static_cast<double>(c);
            if (mhz >= kOvenLowMhz && mhz <= kOvenHighMhz) folding_ = true;
        }
        for (auto& lit : lit_) lit.assign(cells * kPhaseBins, 0);
        for (auto& seen : seen_) seen.assign(cells * kPhaseBins, 0);
        for (auto& excess : excess_) excess.assign(cells * kPhaseBins, 0.0);
        on_power_.assign(cells, 0.0);
        on_floor_.assign(cells, 0.0);
        on_frames_.assign(cells, 0);
        restart_fold();
    }

    void on_frame(const Frame& frame) override {
        if (!folding_) return;
        if (fold_frames_ == 0) {
            fold_begin_ = frame.time_s;
            next_look_s_ = frame.time_s;
        }
        fold_end_ = frame.time_s + tuning_.frame_seconds;
        ++fold_frames_;
        // A look every 25 µs is plenty for phase bins of 0.4–0.5 ms (and a magnetron that stays on
        // for milliseconds); frames in between are skipped, which keeps the fold cheap at any FFT size.
        if (frame.time_s < next_look_s_) {
            if (fold_end_ - fold_begin_ >= kBlockSeconds) close_fold();
            return;
        }
        next_look_s_ = frame.time_s + kLookSeconds;
        const std::array<std::size_t, 2> bin{static_cast<std::size_t>(phase_bin(frame.time_s, kMainsPeriods[0])),
                                             static_cast<std::size_t>(phase_bin(frame.time_s, kMainsPeriods[1]))};
        const bool wifi_known = frame.wifi_claimed.size() == frame.cells.size();
        for (std::size_t c = 1; c + 1 < frame.cells.size(); ++c) {
            // a cell under a Wi-Fi transmission says nothing about the oven in this frame
            if (wifi_known && frame.wifi_claimed[c]) continue;
            seen_[0][c * kPhaseBins + bin[0]] += 1;
            seen_[1][c * kPhaseBins + bin[1]] += 1;
            const float excess = frame.cells[c] - frame.cell_floor[c];
            if (excess > 0.0f) {
                excess_[0][c * kPhaseBins + bin[0]] += excess;
                excess_[1][c * kPhaseBins + bin[1]] += excess;
            }
            if (!(frame.cells[c] >= kLitRatio * frame.cell_floor[c])) continue;
            lit_[0][c * kPhaseBins + bin[0]] += 1;
            lit_[1][c * kPhaseBins + bin[1]] += 1;
            on_power_[c] += frame.cells[c];
            on_floor_[c] += frame.cell_floor[c];
            ++on_frames_[c];
        }
        if (fold_end_ - fold_begin_ >= kBlockSeconds) close_fold();
    }

    void gap() override { close_fold(); }
    void end_tuning(const TuningSummary&) override { close_fold(); }

    [[nodiscard]] double settled_until_s() const override {
        return folding_ && fold_frames_ > 0 ? fold_begin_ : std::numeric_limits<double>::infinity();
    }

    bool explains(const BurstFeatures& b) override {
        // Rhythms come in time order and bursts are judged soon after they end: look from the newest
        // back, and stop at the first that ended before this burst began (a long capture holds many).
        for (auto it = rhythms_.rbegin(); it != rhythms_.rend(); ++it) {
            auto& r = *it;
            if (b.start_s > r.end_s + 0.002) break;
            if (b.end_s < r.begin_s - 0.002) continue;
            bool in_band = false;
            for (const auto& [lo, hi] : r.claimed) in_band = in_band || (b.high_mhz >= lo && b.low_mhz <= hi);
            if (!in_band) continue;
            // most of the burst inside the on-windows (sampled: bursts here last µs to a few ms)
            constexpr int kSamples = 16;
            int inside = 0;
            for (int i = 0; i < kSamples; ++i)
                inside += r.in_window(b.start_s + (i + 0.5) / kSamples * b.duration_s());
            if (2 * inside < kSamples) continue;
            ++r.explained;
            return true;
        }
        return false;
    }

    // What a magnetron sprays besides its on-periods (short flickers, drifting stretches) within its band.
    [[nodiscard]] bool owns_piece(const report::Emitter& e, const report::Emitter& piece) const override {
        return e.emitter_class == EmitterClass::microwave_oven && piece.low_mhz >= e.low_mhz - 3.0 && piece.high_mhz <= e.high_mhz + 3.0;
    }

    [[nodiscard]] double blanked_s(double low_mhz, double high_mhz) const override {
        double seconds = 0.0;
        for (const auto& r : rhythms_)
            if (r.core_high + 0.5 >= low_mhz && r.core_low - 0.5 <= high_mhz)
                seconds += (r.end_s - r.begin_s) * static_cast<double>(r.window_bins - 2) / kPhaseBins;  // (without the ramps' margin)
        return seconds;
    }

    Outcome judge(const BurstFeatures& b) override {
        // The rest of an on-period: the carrier sweeps and flickers as the supply voltage falls, so one
        // half-cycle often arrives as a long burst and pieces after it. They belong to that on-period.
        if (!bursts_.empty()) {
            auto& last = bursts_.back();
            // (the carrier's range is set by the on-period's first, sweeping burst: pieces never widen it)
            // (a steady, narrow, crystal-locked packet in that window is a radio, not a piece of the oven)
            const bool steady_radio = b.drift_mhz < 0.15 && b.bandwidth_mhz < 1.5 && b.duration_s() >= 100e-6;
            if (!steady_radio && b.start_s >= last.start && b.start_s - last.start <= kHalfCycleMax &&
                b.center_mhz >= last.core_low - 1.0 && b.center_mhz <= last.core_high + 1.0) {
                last.end = std::max(last.end, b.end_s);
                last.low = std::min(last.low, b.low_mhz);
                last.high = std::max(last.high, b.high_mhz);
                return Outcome::accepted();
            }
        }
        if (b.duration_s() > 14e-3) return Outcome::rejected(Rejection::wrong_duration, "longer than half a mains cycle");
        if (b.center_mhz < kOvenLowMhz || b.center_mhz > kOvenHighMhz) return Outcome::rejected(Rejection::outside_band, "outside 2425–2485 MHz");
        if (b.above_floor_db < 8.0) return Outcome::rejected(Rejection::too_weak, "weak");
        // A long burst that is wide or wanders, or a short piece whose carrier visibly sweeps: no
        // radio's carrier moves by half a MHz within a packet, a magnetron's does.
        const bool long_and_rough = b.duration_s() >= 2e-3 && (b.bandwidth_mhz >= 3.0 || b.drift_mhz >= 0.3);
        const bool sweeping_piece = b.duration_s() >= 200e-6 && b.drift_mhz >= 0.5 && b.above_floor_db >= 15.0;
        if (!long_and_rough && !sweeping_piece) return Outcome::rejected(Rejection::carrier_steady, "not a sweeping carrier");
        bursts_.push_back({b.start_s, b.end_s, b.low_mhz, b.high_mhz, b.power_dbfs, b.above_floor_db, b.low_mhz, b.high_mhz});
        return Outcome::accepted();
    }

    void finish(const Observation& observation, Findings& findings) override {
        auto& out = findings.emitters;
        std::vector<report::Emitter> ovens = from_rhythms();
        // Drifting bursts the rhythm did not explain (tunings too short to fold, or the oven's band
        // reached past the folded cells): those inside a found oven's band are more of it.
        std::erase_if(bursts_, [&](const Burst& b) {
            for (auto& e : ovens)
                if (b.high > e.low_mhz - 1.0 && b.low < e.high_mhz + 1.0) {
                    e.bursts += 1;
                    return true;
                }
            return false;
        });
        for (auto& e : ovens) out.push_back(std::move(e));
        // (one stray drifting burst, with no rhythm to back it, is not an emitter)
        if (bursts_.size() >= 2) out.push_back(from_bursts(observation));
    }

private:
    void restart_fold() {
        for (auto& lit : lit_) std::fill(lit.begin(), lit.end(), 0);
        for (auto& seen : seen_) std::fill(seen.begin(), seen.end(), 0);
        for (auto& excess : excess_) std::fill(excess.begin(), excess.end(), 0.0);
        std::fill(on_power_.begin(), on_power_.end(), 0.0);
        std::fill(on_floor_.begin(), on_floor_.end(), 0.0);
        std::fill(on_frames_.begin(), on_frames_.end(), 0);
        fold_frames_ = 0;
    }

    // First-harmonic amplitude of one cell's folded lit fraction, at mains period p.
    [[nodiscard]] double cell_rhythm(std::size_t p, std::size_t c) const {
        std::complex<double> acc;
        for (int k = 0; k < kPhaseBins; ++k) {
            const auto i = c * kPhaseBins + static_cast<std::size_t>(k);
            if (seen_[p][i] == 0) continue;
            const double x = static_cast<double>(lit_[p][i]) / static_cast<double>(seen_[p][i]);
            acc += x * std::polar(1.0, -2.0 * std::numbers::pi * k / kPhaseBins);
        }
        return std::abs(acc) / kPhaseBins;
    }

    void close_fold() {
        if (folding_ && fold_frames_ > 0 && fold_end_ - fold_begin_ >= kMinFoldSeconds) find_rhythm();
        restart_fold();
    }

    void find_rhythm() {
        const std::size_t cells = tuning_.grid->size();
        std::array<std::vector<double>, 2> rhythm;
        for (std::size_t p = 0; p < 2; ++p) {
            rhythm[p].assign(cells, 0.0);
            for (std::size_t c = 1; c + 1 < cells; ++c) {
                const double mhz = tuning_.grid->first_mhz() + static_cast<double>(c);
                if (mhz < kOvenLowMhz - 10.0 || mhz > kOvenHighMhz + 10.0) continue;  // images of an oven may land below
                rhythm[p][c] = cell_rhythm(p, c);
            }
        }
        // Only the cells that carry the rhythm count: busy cells (Wi-Fi under the oven) add a little
        // chance harmonic at both periods, which would blur the choice between them.
        double peak = 0.0;
        for (const auto& per_cell : rhythm)
            for (double v : per_cell) peak = std::max(peak, v);
        const double bar = std::max(kMinCellRhythm, 0.3 * peak);
        std::array<double, 2> total{};
        for (std::size_t p = 0; p < 2; ++p)
            for (double v : rhythm[p])
                if (v >= bar) total[p] += v;
        const std::size_t best = total[1] > total[0] ? 1 : 0;
        if (!(total[best] > 0.0) || total[1 - best] > 0.6 * total[best]) return;

        std::vector<bool> oven(cells, false);
        std::size_t strongest = cells;
        auto mean_on = [&](std::size_t c) { return on_frames_[c] ? on_power_[c] / static_cast<double>(on_frames_[c]) : 0.0; };
        for (std::size_t c = 1; c + 1 < cells; ++c) {
            oven[c] = rhythm[best][c] >= bar;
            if (oven[c] && (strongest == cells || mean_on(c) > mean_on(strongest))) strongest = c;
        }
        if (strongest == cells) return;
        const double strongest_mhz = tuning_.grid->first_mhz() + static_cast<double>(strongest);
        if (strongest_mhz < kOvenLowMhz || strongest_mhz > kOvenHighMhz) return;
        // the carrier's cells: the run of rhythmic cells (a one-cell gap allowed) around the strongest
        // (cells 20 dB under the strongest are the receiver's image or other traffic in step, not the carrier)
        auto carrier = [&](std::size_t c) { return oven[c] && mean_on(c) >= 0.01 * mean_on(strongest); };
        std::size_t lo = strongest, hi = strongest;
        while (lo > 1 && (carrier(lo - 1) || (lo > 2 && carrier(lo - 2)))) lo -= carrier(lo - 1) ? 1 : 2;
        while (hi + 2 < cells && (carrier(hi + 1) || (hi + 3 < cells && carrier(hi + 2)))) hi += carrier(hi + 1) ? 1 : 2;

        // the on-window: phase bins where the carrier's cells are lit at least half-way between the
        // quietest and the busiest bin, the longest circular run of them
        std::array<double, kPhaseBins> profile{};
        for (int k = 0; k < kPhaseBins; ++k)
            for (std::size_t c = lo; c <= hi; ++c) {
                const auto i = c * kPhaseBins + static_cast<std::size_t>(k);
                if (seen_[best][i] > 0) profile[static_cast<std::size_t>(k)] += static_cast<double>(lit_[best][i]) / static_cast<double>(seen_[best][i]);
            }
        const auto [pmin, pmax] = std::minmax_element(profile.begin(), profile.end());
        const double level = *pmin + 0.5 * (*pmax - *pmin);
        int run_first = 0, run_bins = 0;
        const auto below = std::find_if(profile.begin(), profile.end(), [&](double v) { return v < level; });
        if (below == profile.end()) return;  // lit all the time: no rhythm
        const int origin = static_cast<int>(below - profile.begin());
        for (int i = 0, len = 0; i <= kPhaseBins; ++i) {  // circular: start from a dark bin, end on it
            const int k = (origin + i) % kPhaseBins;
            if (i < kPhaseBins && profile[static_cast<std::size_t>(k)] >= level) {
                ++len;
                continue;
            }
            if (len > run_bins) {
                run_bins = len;
                run_first = (k - len + kPhaseBins) % kPhaseBins;
            }
            len = 0;
        }
        const double duty = static_cast<double>(run_bins) / kPhaseBins;
        if (duty < 0.12 || duty > 0.7) return;
        double in = 0.0, outside = 0.0;
        for (int k = 0; k < kPhaseBins; ++k) {
            const bool inside = (k - run_first + kPhaseBins) % kPhaseBins < run_bins;
            (inside ? in : outside) += profile[static_cast<std::size_t>(k)];
        }
        in /= run_bins;
        outside /= kPhaseBins - run_bins;
        if (!(in > 0.0) || outside > 0.5 * in) return;  // a rhythm, not a busy band with a ripple

        // The magnetron's carrier sweeps within each on-period: the power-weighted centre of its cells
        // moves with the phase. A radio framed at 50/60 Hz keeps its channel.
        double centre_low = 1e9, centre_high = -1e9;
        for (int j = 0; j < run_bins; ++j) {
            const auto k = static_cast<std::size_t>((run_first + j) % kPhaseBins);
            double sum = 0.0, moment = 0.0;
            for (std::size_t c = lo; c <= hi; ++c) {
                const auto i = c * kPhaseBins + k;
                if (seen_[best][i] == 0) continue;
                const double e = excess_[best][i] / static_cast<double>(seen_[best][i]);
                sum += e;
                moment += e * static_cast<double>(c);
            }
            if (!(sum > 0.0)) continue;
            centre_low = std::min(centre_low, moment / sum);
            centre_high = std::max(centre_high, moment / sum);
        }
        if (!(centre_high - centre_low >= kMinSweepMhz)) return;

        Rhythm r;
        r.begin_s = fold_begin_;
        r.end_s = fold_end_;
        r.mains_index = static_cast<int>(best);
        r.window_first = (run_first + kPhaseBins - 1) % kPhaseBins;  // one bin of margin each side: the ramps
        r.window_bins = std::min(kPhaseBins, run_bins + 2);
        const double first = tuning_.grid->first_mhz();
        r.core_low = first + static_cast<double>(lo);
        r.core_high = first + static_cast<double>(hi);
        r.claimed.emplace_back(r.core_low - 1.0, r.core_high + 1.0);
        for (std::size_t c = 1; c + 1 < cells; ++c)
            if (oven[c] && (c < lo || c > hi)) r.claimed.emplace_back(first + static_cast<double>(c) - 1.0, first + static_cast<double>(c) + 1.0);
        const double power = mean_on(strongest);
        const double floor = on_frames_[strongest] ? on_floor_[strongest] / static_cast<double>(on_frames_[strongest]) : 0.0;
        r.level_dbfs = 10.0 * std::log10(std::max(power, 1e-30));
        r.above_db = floor > 0.0 ? 10.0 * std::log10(std::max(power / floor, 1e-30)) : 99.0;
        // A strong carrier shows again at the mirror frequency of an IQ-imbalanced receiver, in step with it.
        if (r.above_db >= 25.0) {
            const double mirror = 2.0 * tuning_.segment.center_frequency_hz / 1e6;
            r.claimed.emplace_back(mirror - r.core_high - 1.5, mirror - r.core_low + 1.5);
        }
        r.fit = total[best];
        r.other_fit = total[1 - best];
        rhythms_.push_back(std::move(r));
    }

    // One entry per oven: rhythms (from any tuning, any block) whose carrier bands overlap are one.
    std::vector<report::Emitter> from_rhythms() const {
        std::vector<report::Emitter> out;
        std::vector<std::vector<const Rhythm*>> groups;
        for (const auto& r : rhythms_) {
            bool placed = false;
            for (auto& g : groups)
                if (!placed && r.core_low <= g.front()->core_high + 2.0 && r.core_high >= g.front()->core_low - 2.0 &&
                    r.mains_index == g.front()->mains_index) {
                    g.push_back(&r);
                    placed = true;
                }
            if (!placed) groups.push_back({&r});
        }
        for (const auto& g : groups) {
            report::Emitter e;
            e.emitter_class = EmitterClass::microwave_oven;
            e.low_mhz = g.front()->core_low - 0.5;
            e.high_mhz = g.front()->core_high + 0.5;
            e.first_s = g.front()->begin_s;
            e.last_s = g.front()->end_s;
            std::vector<double> levels, above;
            std::size_t cycles = 0, pieces = 0;
            double duty = 0.0, fit = 0.0, other = 0.0;
            for (const Rhythm* r : g) {
                e.low_mhz = std::min(e.low_mhz, r->core_low - 0.5);
                e.high_mhz = std::max(e.high_mhz, r->core_high + 0.5);
                e.first_s = std::min(e.first_s, r->begin_s);
                e.last_s = std::max(e.last_s, r->end_s);
                levels.push_back(r->level_dbfs);
                above.push_back(r->above_db);
                cycles += static_cast<std::size_t>(r->cycles());
                pieces += r->explained;
                duty += static_cast<double>(r->window_bins - 2) / kPhaseBins;
                fit += r->fit;
                other += r->other_fit;
            }
            duty /= static_cast<double>(g.size());
            const int mains = kMainsHz[static_cast<std::size_t>(g.front()->mains_index)];
            e.center_mhz = 0.5 * (e.low_mhz + e.high_mhz);
            e.level_dbfs = util::mean_dbfs(levels);
            e.above_floor_db = util::median(above);
            e.duty_cycle = duty;
            e.bursts = cycles;
            const double contrast = fit > 0.0 ? 1.0 - other / fit : 0.0;
            e.confidence = std::min(0.99, 0.5 + 0.5 * contrast) * (cycles >= 8 ? 1.0 : 0.9);
            e.evidence = {report::EvidenceBasis::behaviour, util::format("on in one half of each %d Hz mains cycle", mains)};
            e.fields = {{"mains_hz", mains},
                        {"periodicity_fit", contrast},
                        {"carrier_low_mhz", e.low_mhz},
                        {"carrier_high_mhz", e.high_mhz},
                        {"on_fraction", duty},
                        {"cycles", cycles},
                        {"pieces", pieces}};
            e.summary = util::format("magnetron on %.0f %% of each %d Hz mains cycle (%zu cycles seen), carrier %.0f–%.0f MHz",
                                     100.0 * duty, mains, cycles, e.low_mhz, e.high_mhz);
            out.push_back(std::move(e));
        }
        return out;
    }

    // The other way in: the drifting bursts' own starts, phase-fitted to the two mains periods.
    report::Emitter from_bursts(const Observation& observation) const {
        // Which mains period explains the on-period starts best: their phase within that period is the
        // same every cycle (a missed or late cycle only blurs it), so the circular mean of the phases
        // is long for the true mains frequency and short for the other.
        auto coherence = [&](double period) {
            double x = 0.0, y = 0.0;
            for (const auto& b : bursts_) {
                const double phase = 2.0 * std::numbers::pi * b.start / period;
                x += std::cos(phase);
                y += std::sin(phase);
            }
            return std::hypot(x, y) / static_cast<double>(bursts_.size());
        };
        const double fit50 = coherence(0.020), fit60 = coherence(1.0 / 60.0);
        const double best = std::max(fit50, fit60);
        const bool periodic = bursts_.size() >= 3 && best >= 0.7 && std::abs(fit50 - fit60) >= 0.2;

        std::vector<double> levels, above;
        double on = 0.0, low = 1e9, high = 0.0;
        for (const auto& b : bursts_) {
            levels.push_back(b.level);
            above.push_back(b.above);
            on += b.end - b.start;
            low = std::min(low, b.low);
            high = std::max(high, b.high);
        }
        report::Emitter e;
        e.emitter_class = periodic ? EmitterClass::microwave_oven : EmitterClass::unknown;
        e.low_mhz = low;
        e.high_mhz = high;
        e.center_mhz = 0.5 * (low + high);
        e.level_dbfs = util::mean_dbfs(levels);
        e.above_floor_db = util::median(above);
        const double seen = observation.seconds_over(low, high);
        e.duty_cycle = seen > 0.0 ? std::min(1.0, on / seen) : 0.0;
        e.bursts = bursts_.size();
        e.first_s = bursts_.front().start;
        e.last_s = bursts_.back().end;
        if (periodic) {
            const int mains = fit50 >= fit60 ? 50 : 60;
            e.confidence = std::min(0.99, 0.5 + best * 0.5);
            e.evidence = {report::EvidenceBasis::behaviour, util::format("bursts in step with the %d Hz mains", mains)};
            e.fields = {{"mains_hz", mains}, {"periodicity_fit", best}, {"carrier_low_mhz", low}, {"carrier_high_mhz", high}};
            e.summary = util::format("magnetron bursts at %d Hz mains, carrier %.0f–%.0f MHz, on %.0f %% of the time", mains, low,
                                     high, 100.0 * e.duty_cycle);
        } else {
            e.confidence = 0.3;
            e.evidence = {report::EvidenceBasis::shape, "long drifting bursts with no mains rhythm"};
            // (its bursts' mean width, as the unknown detector's entries say it: a channel-wide entry
            // centred on a found Wi-Fi channel is that channel's frames, and is folded into it)
            double width = 0.0;
            for (const auto& b : bursts_) width += b.high - b.low;
            width /= static_cast<double>(bursts_.size());
            e.fields = {{"why_unknown", "long drifting bursts without a 50/60 Hz rhythm"}, {"bandwidth_mhz", width}};
            e.summary = util::format("%zu long drifting bursts at %.0f–%.0f MHz with no mains rhythm", bursts_.size(), low, high);
        }
        return e;
    }

    struct Burst {
        double start, end, low, high, level, above;
        double core_low, core_high;  // the band of the burst that opened the on-period
    };
    std::vector<Burst> bursts_;

    TuningGeometry tuning_;
    bool folding_ = false;  // the tuning holds cells where an oven can be
    std::array<std::vector<std::uint32_t>, 2> lit_;  // [mains][cell * kPhaseBins + phase bin]: frames lit
    std::array<std::vector<double>, 2> excess_;  // [mains][cell * kPhaseBins + phase bin]: power over the floor, summed
    std::array<std::vector<std::uint32_t>, 2> seen_;  // [mains][cell * kPhaseBins + phase bin]: frames judged (not Wi-Fi)
    std::vector<double> on_power_, on_floor_;
    std::vector<std::uint32_t> on_frames_;
    double fold_begin_ = 0.0, fold_end_ = 0.0, next_look_s_ = 0.0;
    std::uint64_t fold_frames_ = 0;
    std::vector<Rhythm> rhythms_;
};

}  // namespace

const DetectorDescriptor kMicrowaveOvenDetector{
    EmitterClass::microwave_oven, "Microwave oven magnetron", {EmitterClass::microwave_oven, EmitterClass::unknown}, {},
    [](const DetectorSetup&) { return std::unique_ptr<Detector>(std::make_unique<MicrowaveOvenDetector>()); }};

}  // namespace coex::classify
