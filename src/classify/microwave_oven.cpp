// Microwave ovens: a magnetron runs on one half of each mains cycle (its supply is half-wave), so it
// transmits bursts of ~8–10 ms every 20 ms (50 Hz) or 16.7 ms (60 Hz), strong, its carrier drifting
// a few MHz around 2450–2460 MHz as the magnetron heats and the load moves. The mains frequency is
// read from the burst periodicity; without it, the bursts are not called an oven.
#include "detectors.hpp"

#include <cmath>
#include <numbers>

namespace coex::classify {
namespace {

constexpr double kHalfCycleMax = 0.012;  // an on-period of a 50 Hz oven lasts at most ~10 ms

class MicrowaveOvenDetector final : public Detector {
public:
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
        if (b.duration_s() > 14e-3) return Outcome::rejected("longer than half a mains cycle");
        if (b.center_mhz < 2425.0 || b.center_mhz > 2485.0) return Outcome::rejected("outside 2425–2485 MHz");
        if (b.above_floor_db < 8.0) return Outcome::rejected("weak");
        // A long burst that is wide or wanders, or a short piece whose carrier visibly sweeps: no
        // radio's carrier moves by half a MHz within a packet, a magnetron's does.
        const bool long_and_rough = b.duration_s() >= 2e-3 && (b.bandwidth_mhz >= 3.0 || b.drift_mhz >= 0.3);
        const bool sweeping_piece = b.duration_s() >= 200e-6 && b.drift_mhz >= 0.5 && b.above_floor_db >= 15.0;
        if (!long_and_rough && !sweeping_piece) return Outcome::rejected("not a sweeping carrier");
        bursts_.push_back({b.start_s, b.end_s, b.low_mhz, b.high_mhz, b.power_dbfs, b.above_floor_db, b.low_mhz, b.high_mhz});
        return Outcome::accepted();
    }

    void finish(const Observation& observation, std::vector<report::Emitter>& out) override {
        if (bursts_.empty()) return;
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
        e.emitter_class = periodic ? "microwave_oven" : "unknown";
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
            e.fields = {{"mains_hz", mains}, {"periodicity_fit", best}, {"carrier_low_mhz", low}, {"carrier_high_mhz", high}};
            e.summary = util::format("magnetron bursts at %d Hz mains, carrier %.0f–%.0f MHz, on %.0f %% of the time", mains, low,
                                     high, 100.0 * e.duty_cycle);
        } else {
            e.confidence = 0.3;
            e.fields = {{"why_unknown", "long drifting bursts without a 50/60 Hz rhythm"}};
            e.summary = util::format("%zu long drifting bursts at %.0f–%.0f MHz with no mains rhythm", bursts_.size(), low, high);
        }
        out.push_back(std::move(e));
    }

private:
    struct Burst {
        double start, end, low, high, level, above;
        double core_low, core_high;  // the band of the burst that opened the on-period
    };
    std::vector<Burst> bursts_;
};

}  // namespace

const DetectorDescriptor kMicrowaveOvenDetector{
    "microwave_oven", "Microwave oven magnetron", "microwave_oven",
    [] { return std::unique_ptr<Detector>(std::make_unique<MicrowaveOvenDetector>()); }};

}  // namespace coex::classify
