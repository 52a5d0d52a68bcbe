// Energy that fits no class: reported honestly, grouped by what the bursts look like (width,
// duration, deviation) rather than where they are, so a hopping proprietary radio is one entry.
#include "detectors.hpp"

#include <cmath>
#include <map>
#include <tuple>

namespace coex::classify {
namespace {

class UnknownDetector final : public Detector, public JudgesBursts {
public:
    Outcome judge(const BurstFeatures& b) override {
        if (b.frames < 4) return Outcome::rejected(Rejection::wrong_duration, "under 4 frames");  // shorter than any real packet's look
        if (b.above_floor_db < 6.0) return Outcome::rejected(Rejection::too_weak, "weak");
        // a few frames of wideband energy: the edge of a transmission another stage explained
        if (b.bandwidth_mhz >= 4.0 && b.duration_s() < 60e-6) return Outcome::rejected(Rejection::wrong_width, "wideband click");
        // Bursts showing the DECT-like phone's 1.152 Msym/s clock are one group: the clock is the
        // modulation's, while one phone's bursts straddle the shape groups' edges (behind a real
        // receiver its 1.2 MHz reads 1.1–1.7 MHz wide, its 280–300 kHz deviation falls either side of 300).
        if (shows_phone_clock(b)) {
            groups_[{kPhoneGroup, kPhoneGroup, kPhoneGroup}].push_back(b);
            return Outcome::accepted();
        }
        const int width = b.bandwidth_mhz < 1.6 ? 0 : b.bandwidth_mhz < 5.0 ? 1 : 2;
        const int length = static_cast<int>(std::floor(std::log2(std::max(b.duration_s(), 1e-6) / 1e-4)));
        const int deviation = b.has_time_domain ? static_cast<int>(b.deviation_khz / 100.0) : -1;
        groups_[{width, length, deviation}].push_back(b);
        return Outcome::accepted();
    }

    void finish(const Observation& observation, Findings& findings) override {
        auto& out = findings.emitters;
        for (const auto& [key, bursts] : groups_) {
            // One stray burst is not an emitter, but one held for longer than any packet or frame of the
            // band's protocols (an 802.11b frame at 1 Mb/s lasts up to 19 ms) and than an oven's
            // half-cycle is something on all the time: an analog video sender, a jammer.
            if (bursts.size() < 2 && bursts.front().duration_s() < kContinuousSeconds) continue;
            std::vector<double> deviations, durations;
            std::vector<int> mhz;
            std::vector<BurstSpan> spans;
            double width = 0.0;
            std::size_t phone_clock = 0;
            for (const auto& b : bursts) {
                phone_clock += shows_phone_clock(b);
                spans.push_back({b.start_s, b.end_s, b.low_mhz, b.high_mhz, b.power_dbfs, b.above_floor_db});
                durations.push_back(b.duration_s());
                if (b.has_time_domain) deviations.push_back(b.deviation_khz);
                mhz.push_back(static_cast<int>(std::lround(b.center_mhz)));
                width += b.bandwidth_mhz;
            }
            width /= static_cast<double>(bursts.size());
            std::sort(mhz.begin(), mhz.end());
            const auto distinct = static_cast<std::size_t>(std::unique(mhz.begin(), mhz.end()) - mhz.begin());
            mhz.resize(distinct);
            report::Emitter e = util::emitter_from_bursts(EmitterClass::unknown, spans, observation, 0.5);
            e.confidence = 0.5;
            e.evidence = {report::EvidenceBasis::shape, "energy above the floor that fits no class"};
            e.fields = {
                {"bandwidth_mhz", width},
                {"median_burst_us", 1e6 * util::median(durations)},
                {"deviation_khz", deviations.empty() ? report::Value() : report::Value(util::median(deviations))},
                {"frequencies", distinct},
            };
            e.summary = util::format("%zu bursts ~%.1f MHz wide, ~%.0f µs, at %s: fits no known class", bursts.size(), width,
                                     1e6 * util::median(durations), util::mhz_ranges(mhz).c_str());
            if (2 * phone_clock > bursts.size()) {
                // the modulation is known, the class is not one of ours: say what it resembles
                e.fields.emplace_back("symbol_rate_hz", 1.152e6);
                e.fields.emplace_back("resembles", "DECT-like cordless phone (GFSK, 1.152 Msym/s)");
                e.summary += "; GFSK at 1.152 Msym/s, like a DECT-style cordless phone";
            }
            out.push_back(std::move(e));
        }
    }

private:
    static constexpr double kContinuousSeconds = 20e-3;
    static constexpr int kPhoneGroup = -100;  // (no shape group's key: lengths are ≥ −7, widths and deviations ≥ −1)
    static bool shows_phone_clock(const BurstFeatures& b) { return b.symbol_rate_hz > 1.1e6; }
    std::map<std::tuple<int, int, int>, std::vector<BurstFeatures>> groups_;
};

}  // namespace

const DetectorDescriptor kUnknownDetector{EmitterClass::unknown, "Unclassified emitters", {EmitterClass::unknown}, {},
                                          [](const DetectorSetup&) { return std::unique_ptr<Detector>(std::make_unique<UnknownDetector>()); }};

}  // namespace coex::classify
