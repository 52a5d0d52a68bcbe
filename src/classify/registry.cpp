// The detectors, in the order they judge a burst: the most specific physical signatures first,
// 'unknown' last, so energy that fits no class is still reported — never forced into one.
#include "detectors.hpp"

#include "coex/core/text.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace coex::classify {

std::span<const DetectorDescriptor> detector_registry() {
    static const DetectorDescriptor registry[] = {
        kWifiDetector,               // 802.11 on the channel grid, frame by frame: claims its cells before bursts are tracked
        kOfdmNotWifiDetector,        // wide OFDM with LTE's 66.7 µs symbols (drones' video links): the Wi-Fi claim left it
        kZigbeeDetector,             // 2 MHz MSK on the 2405 + 5k grid, with its 16 µs preamble
        kMicrowaveOvenDetector,      // drifting magnetron carrier, half of each mains cycle (and its pieces)
        kBluetoothClassicDetector,   // 1 MHz GFSK ±160 kHz on 2402 + k
        kBleDetector,                // 1–2 MHz GFSK ±250/500 kHz
        kUnknownDetector,            // everything else above the floor
        // emitters that live in the noise floor, judged once each tuning is seen whole
        kNarrowbandSpurDetector,
        kUsb3NoiseDetector,
    };
    return registry;
}

std::string_view rejection_key(Rejection why) {
    switch (why) {
        case Rejection::too_weak: return "too_weak";
        case Rejection::no_time_domain_look: return "no_time_domain_look";
        case Rejection::outside_band: return "outside_band";
        case Rejection::off_grid: return "off_grid";
        case Rejection::wrong_width: return "wrong_width";
        case Rejection::wrong_deviation: return "wrong_deviation";
        case Rejection::wrong_symbol_clock: return "wrong_symbol_clock";
        case Rejection::no_preamble: return "no_preamble";
        case Rejection::carrier_drifts: return "carrier_drifts";
        case Rejection::carrier_steady: return "carrier_steady";
        case Rejection::wrong_duration: return "wrong_duration";
        case Rejection::no_cyclic_prefix: return "no_cyclic_prefix";
    }
    return "";  // outside the set: the framework counts it as a bug
}

namespace util {

std::string mhz_ranges(const std::vector<int>& mhz) { return runs_text(mhz) + " MHz"; }

report::Emitter emitter_from_bursts(EmitterClass emitter_class, const std::vector<BurstSpan>& bursts,
                                    const Observation& observation, double edge_mhz) {
    report::Emitter e;
    e.emitter_class = emitter_class;
    if (bursts.empty()) return e;
    std::vector<double> levels, above;
    e.low_mhz = bursts.front().low_mhz;
    e.high_mhz = bursts.front().high_mhz;
    e.first_s = bursts.front().start;
    e.last_s = bursts.front().end;
    for (const auto& b : bursts) {
        levels.push_back(b.level_dbfs);
        above.push_back(b.above_floor_db);
        e.low_mhz = std::min(e.low_mhz, b.low_mhz);
        e.high_mhz = std::max(e.high_mhz, b.high_mhz);
        e.first_s = std::min(e.first_s, b.start);
        e.last_s = std::max(e.last_s, b.end);
    }
    e.center_mhz = 0.5 * (e.low_mhz + e.high_mhz);
    // On-time is the union of the bursts: two devices of one entry sending at once are on once.
    std::vector<std::pair<double, double>> spans;
    for (const auto& b : bursts) spans.emplace_back(b.start, b.end);
    std::sort(spans.begin(), spans.end());
    double on = 0.0, covered_to = spans.front().first;
    for (const auto& [start, end] : spans) {
        on += std::max(0.0, end - std::max(start, covered_to));
        covered_to = std::max(covered_to, end);
    }
    e.level_dbfs = mean_dbfs(levels);
    e.above_floor_db = median(above);
    const double seen = observation.seconds_over(e.low_mhz + edge_mhz, e.high_mhz - edge_mhz);
    e.duty_cycle = seen > 0.0 ? std::min(1.0, on / seen) : 0.0;
    e.bursts = bursts.size();
    return e;
}

double mean_dbfs(const std::vector<double>& dbfs) {
    if (dbfs.empty()) return -300.0;
    double sum = 0.0;
    for (double d : dbfs) sum += std::pow(10.0, d / 10.0);
    return 10.0 * std::log10(sum / static_cast<double>(dbfs.size()));
}

}  // namespace util
}  // namespace coex::classify
