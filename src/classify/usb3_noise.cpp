// USB 3.0 interference: the 5 Gb/s link's scrambled data radiates from the port, cable and device as
// broadband noise across 2.4–2.5 GHz (Intel, "USB 3.0 Radio Frequency Interference Impact on 2.4 GHz
// Wireless Devices", 2012), continuous while the link is up. It shows as a rise of the noise floor
// tens of MHz wide, with no burst structure, against the cleanest part of the band. A rise the width
// and place of one Wi-Fi channel is more likely that channel busy all the time, and is not called USB.
// The receiver shapes its own floor too: its baseband filter droops towards the band edges, and a
// wideband front end can be several dB lower on one side. That shape is smooth and sits at the same
// baseband place whatever the tuning. So a rise is called USB 3.0 only with evidence that it is on the
// air: an edge inside a tuning steeper than a receiver's passband makes (≥ 3 dB within 3 MHz, well
// inside the passband), or the same baseband place seen from another tuning lower by ≥ 3 dB. A rise
// without either is counted (usb3.rises_without_evidence) and its band kept in the stats, not named.
#include "detectors.hpp"

#include "coex/core/bands.hpp"

#include <cmath>
#include <map>

namespace coex::classify {
namespace {

constexpr double kRiseDb = 3.0;         // over the band's clean floor
constexpr int kMinWidthMhz = 12;        // wider than any narrowband emitter
constexpr int kMinCutWidthMhz = 8;      // the same, for a rise running off the edge of the coverage
constexpr double kReferenceShare = 0.2; // the clean floor: the 20th percentile of the per-MHz floors
constexpr double kStrongToneRatio = 1000.0; // a bin 30 dB over the clean floor holds a strong tone…
constexpr double kToneOverOwnFloor = 4.0;    // …when it also stands out of its own MHz
// Evidence that a rise is on the air, not the receiver's passband: a climb of kEdgeDb within
// kEdgeSpanMhz between cells no farther out than kInnerShare of the tuning's usable half-width (where
// a receiver's filter droops ≤ 1 dB and a 7 dB one-sided tilt adds ≤ 1.2 dB over 3 MHz), or a cell
// kEdgeDb over the same baseband place seen from another tuning.
constexpr double kEdgeDb = 3.0;
constexpr int kEdgeSpanMhz = 3;
constexpr double kInnerShare = 0.7;

class Usb3NoiseDetector final : public Detector {
public:
    void end_tuning(const TuningSummary& v) override {
        const auto& grid = *v.geometry->grid;
        quiet_floor_.add(grid, v.cell_floor, v.geometry->bin_hz);
        SeenTuning seen;
        seen.center_mhz = v.geometry->segment.center_frequency_hz / 1e6;
        seen.inner_half_mhz = kInnerShare * 0.5 * (grid.usable_high_mhz() - grid.usable_low_mhz());
        for (std::size_t c = 0; c < grid.size() && c < v.cell_floor.size(); ++c) {
            const double density = v.cell_floor[c] * 1e6 / (static_cast<double>(grid.bins_in(c)) * v.geometry->bin_hz);
            if (density > 0.0) seen.density[grid.first_mhz() + static_cast<int>(c)] = density;
        }
        tunings_.push_back(std::move(seen));
        // Strong steady tones: their skirts and an overdriven receiver's intermodulation raise the floor
        // around them, which is not broadband noise from a device. Keep each MHz's strongest bin, in
        // the units of the floor (as if its power were spread over a MHz).
        const auto& g = *v.geometry;
        const std::size_t n = v.bin_floor.size();
        const double per_mhz = 1e6 / (v.bin_enbw * g.bin_hz);
        for (std::size_t k = 0; k < n; ++k) {
            const double offset = (static_cast<double>(k) - static_cast<double>(n / 2)) * g.bin_hz;
            if (std::abs(offset) < 3.0 * g.bin_hz) continue;  // the receiver's DC spike
            const int cell = static_cast<int>(std::lround((g.segment.center_frequency_hz + offset) / 1e6));
            if (grid.index_of(cell) < 0) continue;
            double& peak = peak_[cell];
            peak = std::max(peak, v.bin_floor[k] * per_mhz);
        }
    }

    void finish(const Observation& observation, Findings& findings) override {
        auto& out = findings.emitters;
        const auto& quiet = quiet_floor_.per_mhz();  // per whole MHz
        if (quiet.size() < static_cast<std::size_t>(kMinWidthMhz)) return;  // too little of the band to tell a rise from the floor
        std::vector<double> values;
        for (const auto& [m, f] : quiet) values.push_back(f);
        std::sort(values.begin(), values.end());
        const double reference = values[static_cast<std::size_t>(kReferenceShare * static_cast<double>(values.size()))];
        // runs of raised MHz (one MHz below the line may interrupt a run)
        std::vector<std::pair<int, double>> cells(quiet.begin(), quiet.end());
        for (std::size_t i = 0; i < cells.size();) {
            if (10.0 * std::log10(cells[i].second / reference) < kRiseDb) {
                ++i;
                continue;
            }
            std::size_t j = i, last_raised = i;
            while (j + 1 < cells.size() && cells[j + 1].first == cells[j].first + 1) {
                const bool raised = 10.0 * std::log10(cells[j + 1].second / reference) >= kRiseDb;
                if (raised) last_raised = j + 1;
                else if (j + 1 > last_raised + 1) break;
                ++j;
            }
            report(cells, i, last_raised, reference, observation, out);
            i = last_raised + 1;
        }
        if (rises_without_evidence_ > 0) {
            findings.counters["usb3.rises_without_evidence"] = rises_without_evidence_;
            // "raised floor over X–Y MHz, source unknown": its band, for people reading the stats
            findings.counters["usb3.unexplained_rise_low_mhz"] = static_cast<std::uint64_t>(widest_unexplained_.first);
            findings.counters["usb3.unexplained_rise_high_mhz"] = static_cast<std::uint64_t>(widest_unexplained_.second);
        }
    }

private:
    void report(const std::vector<std::pair<int, double>>& cells, std::size_t first, std::size_t last, double reference,
                const Observation& observation, std::vector<report::Emitter>& out) {
        const int low = cells[first].first, high = cells[last].first;
        const int width = high - low + 1;
        // a rise that runs off the edge of what was seen is wider than it looks
        const bool cut = first == 0 || cells[first - 1].first != low - 1 || last + 1 == cells.size() ||
                         cells[last + 1].first != high + 1;
        if (width < (cut ? kMinCutWidthMhz : kMinWidthMhz)) return;
        // The skirts of a strong tone, not a device's noise: a MHz whose strongest bin, spread over a
        // MHz, stands well over that MHz's own floor (a tone puts ~8× its cell power there; noise,
        // however raised, ~1.5×) and 30 dB over the clean floor.
        for (int m = low; m <= high; ++m) {
            const auto it = peak_.find(m);
            const auto own = quiet_floor_.per_mhz().find(m);
            if (it != peak_.end() && own != quiet_floor_.per_mhz().end() && it->second > kStrongToneRatio * reference &&
                it->second > kToneOverOwnFloor * own->second)
                return;
        }
        for (const auto& ch : wifi_channels(RegDomain::jp))
            if (!cut && width >= 15 && width <= 19 && std::abs(0.5 * (low + high) - ch.center_mhz) <= 1.5) return;  // one busy Wi-Fi channel
        if (!on_the_air(low, high)) {
            ++rises_without_evidence_;
            if (width > widest_unexplained_.second - widest_unexplained_.first) widest_unexplained_ = {low, high};
            return;
        }
        double excess = 0.0;
        std::vector<double> rises;
        for (std::size_t i = first; i <= last; ++i) {
            excess += std::max(0.0, cells[i].second - reference);
            rises.push_back(10.0 * std::log10(cells[i].second / reference));
        }
        double mean_rise = 0.0;
        for (double r : rises) mean_rise += r;
        mean_rise /= static_cast<double>(rises.size());
        double ripple = 0.0;
        for (double r : rises) ripple += (r - mean_rise) * (r - mean_rise);
        ripple = std::sqrt(ripple / static_cast<double>(rises.size()));

        report::Emitter e;
        e.emitter_class = EmitterClass::usb3_noise;
        e.low_mhz = low - 0.5;
        e.high_mhz = high + 0.5;
        e.center_mhz = 0.5 * (e.low_mhz + e.high_mhz);
        e.level_dbfs = 10.0 * std::log10(excess);
        e.above_floor_db = util::median(rises);
        e.duty_cycle = 1.0;
        e.bursts = 0;
        e.first_s = 0.0;
        e.last_s = observation.seconds_over(low, high);
        e.confidence = std::min(0.95, 0.5 + 0.01 * width + 0.02 * e.above_floor_db);
        e.evidence = {report::EvidenceBasis::shape, "a steady broadband rise of the floor, as USB 3.0's spread-spectrum clock makes; nothing "
                                                    "in it names the device"};
        e.fields = {{"rise_db", e.above_floor_db}, {"width_mhz", width}, {"ripple_db", ripple},
                    {"reference_floor_dbfs_per_mhz", 10.0 * std::log10(reference)}};
        e.summary = util::format("broadband noise %+.0f dB over %.0f–%.0f MHz, on all the time: looks like USB 3.0", e.above_floor_db,
                                 e.low_mhz, e.high_mhz);
        out.push_back(std::move(e));
    }

    // One tuning's floor per whole MHz, for the evidence that a rise is on the air.
    struct SeenTuning {
        double center_mhz = 0.0;
        double inner_half_mhz = 0.0;  // cells this close to the centre are inside the passband proper
        std::map<int, double> density;
        [[nodiscard]] const double* inner(int mhz) const {
            if (std::abs(mhz - center_mhz) > inner_half_mhz) return nullptr;
            const auto it = density.find(mhz);
            return it == density.end() ? nullptr : &it->second;
        }
    };

    // A steep edge of the rise [low, high] inside one tuning, or the rise over the same baseband place
    // seen from another tuning.
    [[nodiscard]] bool on_the_air(int low, int high) const {
        const double step = std::pow(10.0, kEdgeDb / 10.0);
        for (const auto& t : tunings_) {
            for (int in = 0; in < kEdgeSpanMhz; ++in)
                for (int out = 1; in + out <= kEdgeSpanMhz; ++out) {
                    const double* a = t.inner(low + in);
                    const double* b = t.inner(low - out);
                    if (a && b && *a >= step * *b) return true;
                    a = t.inner(high - in);
                    b = t.inner(high + out);
                    if (a && b && *a >= step * *b) return true;
                }
            for (int m = low; m <= high; ++m) {
                const double* here = t.inner(m);
                if (!here) continue;
                for (const auto& other : tunings_) {
                    const int shift = static_cast<int>(std::lround(other.center_mhz - t.center_mhz));
                    if (std::abs(shift) < kEdgeSpanMhz) continue;
                    const int there_mhz = m + shift;
                    if (there_mhz >= low && there_mhz <= high) continue;  // inside the rise as well
                    const double* there = other.inner(there_mhz);
                    if (there && *here >= step * *there) return true;
                }
            }
        }
        return false;
    }

    std::vector<SeenTuning> tunings_;
    std::uint64_t rises_without_evidence_ = 0;
    std::pair<int, int> widest_unexplained_{0, -1};
    dsp::QuietestFloor quiet_floor_;  // per whole MHz: noise density, dBFS-linear per MHz
    std::map<int, double> peak_;   // per whole MHz: its strongest bin's floor, in the same units
};

}  // namespace

const DetectorDescriptor kUsb3NoiseDetector{EmitterClass::usb3_noise, "USB 3.0 broadband noise", {EmitterClass::usb3_noise}, {},
                                            [](const DetectorSetup&) { return std::unique_ptr<Detector>(std::make_unique<Usb3NoiseDetector>()); }};

}  // namespace coex::classify
