// Microwave ovens: a magnetron runs on one half of each mains cycle (its supply is half-wave), so it
// transmits bursts of ~8–10 ms every 20 ms (50 Hz) or 16.7 ms (60 Hz), strong, its carrier drifting
// a few MHz around 2450–2460 MHz as the magnetron heats and the load moves. The mains frequency is
// read from the burst periodicity; without it, the bursts are not called an oven.
#include "detectors.hpp"

#include <cmath>

namespace coex::classify {
namespace {

class MicrowaveOvenDetector final : public Detector {
public:
    Outcome judge(const BurstFeatures& b) override {
        if (b.duration_s() < 2e-3 || b.duration_s() > 14e-3) return Outcome::rejected("duration not half a mains cycle");
        if (b.center_mhz < 2425.0 || b.center_mhz > 2485.0) return Outcome::rejected("outside 2425–2485 MHz");
        if (b.above_floor_db < 8.0) return Outcome::rejected("weak");
        if (b.bandwidth_mhz < 1.5 && b.drift_mhz < 0.3) return Outcome::rejected("narrow and steady");
        bursts_.push_back({b.start_s, b.end_s, b.low_mhz, b.high_mhz, b.power_dbfs, b.above_floor_db});
        return Outcome::accepted();
    }

    void finish(const Observation& observation, std::vector<report::Emitter>& out) override {
        if (bursts_.empty()) return;
        // Which mains period explains the starts best (intervals near a whole number of periods)?
        auto fit = [&](double period) {
            std::size_t good = 0, n = 0;
            for (std::size_t i = 1; i < bursts_.size(); ++i) {
                const double d = bursts_[i].start - bursts_[i - 1].start;
                if (d > 0.2) continue;  // a retune gap or a long pause says nothing
                ++n;
                const double cycles = d / period;
                if (std::lround(cycles) >= 1 && std::abs(cycles - std::round(cycles)) * period < 1.2e-3) ++good;
            }
            return n ? static_cast<double>(good) / static_cast<double>(n) : 0.0;
        };
        const double fit50 = fit(0.020), fit60 = fit(1.0 / 60.0);
        const double best = std::max(fit50, fit60);
        const bool periodic = bursts_.size() >= 3 && best >= 0.7;

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
    };
    std::vector<Burst> bursts_;
};

}  // namespace

const DetectorDescriptor kMicrowaveOvenDetector{
    "microwave_oven", "Microwave oven magnetron", "microwave_oven",
    [] { return std::unique_ptr<Detector>(std::make_unique<MicrowaveOvenDetector>()); }};

}  // namespace coex::classify
