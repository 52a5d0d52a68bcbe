// Persistent narrowband spurs — clock harmonics, switching-supply lines, a leaking LO — live in the
// noise floor rather than in bursts: a bin whose floor (its power whenever the band is otherwise
// quiet) stands ≥ 10 dB over the floor around it holds a tone that is on nearly all the time.
// Several evenly spaced spurs are one comb, with the spacing as its likely fundamental. A spur that
// moves when the receiver retunes belongs to the receiver, and the receiver's own DC spike is skipped.
#include "detectors.hpp"

#include "coex/core/text.hpp"

#include <cmath>
#include <map>

namespace coex::classify {
namespace {

constexpr double kSpurRise = 10.0;      // linear: 10 dB over the local floor
constexpr std::size_t kLocalSpan = 24;  // bins each side for the local floor
constexpr std::size_t kDcGuard = 2;     // bins each side of DC not judged
// Each bin's floor rests on single-frame looks (χ² with 2 degrees of freedom): it takes a few hundred
// for a 10 dB rise to mean a tone rather than chance.
constexpr std::uint64_t kMinObservations = 300;
// A capture too short for that (the bin floor looks at every 4th frame: 1 ms at 20 MS/s gives 19 looks)
// still shows a strong tone that is on in every frame: its bin's floor is the tone itself. From 16
// looks on, a bin 20 dB over its
// neighbourhood whose power falls 15 dB within 3 bins either side is such a tone — chance does not
// lift a noise bin's floor 100-fold, and a packet's spectrum (GFSK, O-QPSK, OFDM: hundreds of kHz
// wide) does not fall that fast beside a peak; a Hann window's tone does (> 25 dB at 3 bins).
constexpr std::uint64_t kMinShortObservations = 16;
constexpr double kShortSpurRise = 100.0;   // linear: 20 dB
constexpr double kShortSpurSkirt = 30.0;   // linear: 15 dB down 3 bins either side
constexpr std::size_t kSkirtBins = 3;
constexpr double kMaxWifiShare = 0.5;
constexpr double kNearFullScaleDbfs = -15.0;  // a tone this strong can drive the receiver into distortion…
constexpr double kProductBelowDb = 30.0;      // …whose products sit this far and more under it,
constexpr int kMaxProductOrder = 13;          // or (6 dB under it at least) where its odd-order products land  // cells under Wi-Fi for more of the time are not judged

class NarrowbandSpurDetector final : public Detector {
public:
    void end_tuning(const TuningSummary& v) override {
        const auto& g = *v.geometry;
        const std::size_t n = v.bin_floor.size();
        if (n < 2 * kLocalSpan + 8 || v.bin_floor_observations < kMinShortObservations) return;
        const bool short_look = v.bin_floor_observations < kMinObservations;
        const double bin_hz = g.bin_hz;
        const double centre = g.segment.center_frequency_hz;
        const double half = g.segment.usable_bandwidth_hz() / 2.0;
        const auto& f = v.bin_floor;
        tunings_.push_back({(centre - half) / 1e6, (centre + half) / 1e6, bin_hz / 1e6, centre / 1e6, g.segment.sample_rate_hz / 1e6});
        std::vector<float> local;
        for (std::size_t k = kLocalSpan; k + kLocalSpan < n; ++k) {
            const double offset = (static_cast<double>(k) - static_cast<double>(n / 2)) * bin_hz;
            if (std::abs(offset) > half) continue;
            if (k >= n / 2 - kDcGuard && k <= n / 2 + kDcGuard) continue;
            // Under a Wi-Fi channel busy most of the time, a bin's floor rests on the few idle looks
            // and OFDM's fading subcarriers: a "tone" there cannot be told from the traffic.
            if (wifi_busy(v, centre + offset)) continue;
            if (!(f[k] > f[k - 1] && f[k] >= f[k + 1])) continue;
            local.assign(f.begin() + static_cast<std::ptrdiff_t>(k - kLocalSpan), f.begin() + static_cast<std::ptrdiff_t>(k + kLocalSpan + 1));
            auto mid = local.begin() + static_cast<std::ptrdiff_t>(local.size() / 2);
            std::nth_element(local.begin(), mid, local.end());
            const double reference = *mid;
            if (!(reference > 0.0) || f[k] < (short_look ? kShortSpurRise : kSpurRise) * reference) continue;
            if (short_look && !(f[k - kSkirtBins] * kShortSpurSkirt <= f[k] && f[k + kSkirtBins] * kShortSpurSkirt <= f[k])) continue;
            // parabolic interpolation of the peak on a log scale (a neighbour with no power at all —
            // a constant stream has none off DC — leaves the bin centre)
            double delta = 0.0;
            if (f[k - 1] > 0.0f && f[k + 1] > 0.0f) {
                const double a = std::log(f[k - 1]), b = std::log(f[k]), c = std::log(f[k + 1]);
                const double denom = a - 2.0 * b + c;
                if (denom != 0.0) delta = 0.5 * (a - c) / denom;
            }
            double power = 0.0;
            for (std::size_t j = k - 3; j <= k + 3; ++j) power += std::max(0.0, static_cast<double>(f[j]) - reference);
            power /= v.bin_enbw;
            // A peak bin below what any receiver's ADC resolves (a 24-bit converter's floor is near
            // −146 dBFS): the FFT's own rounding of a constant or near-empty stream, not a tone on the air.
            if (10.0 * std::log10(std::max(static_cast<double>(f[k]) / v.bin_enbw, 1e-300)) < kNumericalFloorDbfs) continue;
            const double mhz = (centre + offset + delta * bin_hz) / 1e6;
            spurs_.push_back({mhz, 10.0 * std::log10(std::max(power, 1e-30)), 10.0 * std::log10(f[k] / reference),
                              bin_hz / 1e6, tunings_.size() - 1});
        }
    }

    static bool wifi_busy(const TuningSummary& v, double hz) {
        const auto& g = *v.geometry;
        const long cell = std::lround(hz / 1e6) - g.grid->first_mhz();
        return cell >= 0 && static_cast<std::size_t>(cell) < v.cell_wifi_share.size() &&
               v.cell_wifi_share[static_cast<std::size_t>(cell)] > kMaxWifiShare;
    }

    void finish(const Observation& observation, Findings& findings) override {
        auto& out = findings.emitters;
        // Merge sightings of one tone from several tunings; drop those the same band, seen from
        // another tuning, does not show (they move with the receiver's LO).
        std::vector<Spur> merged;
        for (const auto& s : spurs_) {
            bool found = false;
            for (auto& m : merged)
                if (std::abs(m.mhz - s.mhz) <= 2.0 * std::max(m.bin_mhz, s.bin_mhz)) {
                    ++m.sightings;
                    found = true;
                    break;
                }
            if (!found) merged.push_back(s);
        }
        std::vector<Spur> kept;
        for (const auto& m : merged) {
            std::size_t covering = 0;
            for (const auto& v : tunings_) covering += (m.mhz > v.low_mhz && m.mhz < v.high_mhz);
            if (covering >= 2 && m.sightings * 2 < covering) continue;  // not there when seen from elsewhere
            kept.push_back(m);
        }
        if (kept.empty()) return;
        std::sort(kept.begin(), kept.end(), [](const Spur& a, const Spur& b) { return a.mhz < b.mhz; });

        // A tone near full scale drives the receiver into distortion (ADC clipping, mixer harmonics):
        // weak tones in the same tuning — 30 dB and more under it, or where its odd-order products
        // land — are most likely its products. They are listed under that tone rather than reported
        // as emitters of their own.
        std::size_t strongest = 0;
        for (std::size_t i = 1; i < kept.size(); ++i)
            if (kept[i].level > kept[strongest].level) strongest = i;
        std::vector<double> products;
        if (kept[strongest].level >= kNearFullScaleDbfs) {
            const SeenTuning& seen = tunings_[kept[strongest].tuning];
            std::vector<Spur> rest;
            for (std::size_t i = 0; i < kept.size(); ++i) {
                const bool below = kept[i].level <= kept[strongest].level - kProductBelowDb ||
                                   (kept[i].level <= kept[strongest].level - 6.0 && odd_product(seen, kept[strongest].mhz, kept[i].mhz));
                const bool product = i != strongest && below && kept[i].mhz > seen.low_mhz && kept[i].mhz < seen.high_mhz;
                if (product) products.push_back(kept[i].mhz);
                else rest.push_back(kept[i]);
            }
            const double strongest_mhz = kept[strongest].mhz;
            kept = std::move(rest);
            for (std::size_t i = 0; i < kept.size(); ++i)
                if (kept[i].mhz == strongest_mhz) strongest = i;
        }
        auto note_products = [&](report::Emitter& e, double low, double high) {
            if (products.empty() || kept[strongest].mhz < low - 1e-9 || kept[strongest].mhz > high + 1e-9) return;
            report::Value::Array list;
            for (double mhz : products) list.emplace_back(mhz);
            e.fields.emplace_back("receiver_products_mhz", list);
            e.summary += "; " + count_text(products.size(), "weaker tone") + " beside it " + (products.size() == 1 ? "looks" : "look") +
                         " like the receiver's own distortion of it";
        };

        // A comb: ≥ 3 tones whose spacings are whole multiples of the smallest one.
        std::vector<bool> in_comb(kept.size(), false);
        if (kept.size() >= 3) {
            double spacing = 1e9;
            for (std::size_t i = 1; i < kept.size(); ++i) spacing = std::min(spacing, kept[i].mhz - kept[i - 1].mhz);
            const double tolerance = std::max(0.05, 2.0 * kept.front().bin_mhz);
            std::vector<std::size_t> members;
            for (std::size_t i = 0; i < kept.size(); ++i) {
                const double k = (kept[i].mhz - kept.front().mhz) / spacing;
                if (std::abs(k - std::round(k)) * spacing <= tolerance) members.push_back(i);
            }
            if (members.size() >= 3 && spacing > 0.0) {
                std::vector<double> levels;
                report::Value::Array tones, harmonics;
                bool harmonic = true;
                for (std::size_t i : members) {
                    in_comb[i] = true;
                    levels.push_back(kept[i].level);
                    tones.emplace_back(kept[i].mhz);
                    const double h = kept[i].mhz / spacing;
                    harmonics.emplace_back(static_cast<int>(std::lround(h)));
                    if (std::abs(h - std::round(h)) * spacing > tolerance) harmonic = false;
                }
                report::Emitter e = base(kept[members.front()].mhz, kept[members.back()].mhz, levels, kept, members, observation);
                e.fields = {{"tones_mhz", tones}, {"comb_spacing_mhz", spacing},
                            {"likely_fundamental_mhz", harmonic ? report::Value(spacing) : report::Value()}};
                if (harmonic) e.fields.emplace_back("harmonics", harmonics);
                e.summary = util::format("comb of %zu tones every %.3f MHz%s", members.size(), spacing,
                                         harmonic ? util::format(": harmonics of a %.3f MHz clock", spacing).c_str() : "");
                note_products(e, kept[members.front()].mhz, kept[members.back()].mhz);
                out.push_back(std::move(e));
            }
        }
        for (std::size_t i = 0; i < kept.size(); ++i) {
            if (in_comb[i]) continue;
            report::Emitter e = base(kept[i].mhz, kept[i].mhz, {kept[i].level}, kept, {i}, observation);
            e.fields = {{"frequency_mhz", kept[i].mhz}};
            e.summary = util::format("steady tone at %.3f MHz, %+.0f dB over the floor around it", kept[i].mhz, kept[i].rise_db);
            note_products(e, kept[i].mhz, kept[i].mhz);
            out.push_back(std::move(e));
        }
    }

private:
    struct Spur {
        double mhz, level, rise_db, bin_mhz;
        std::size_t tuning;
        std::size_t sightings = 1;
    };
    struct SeenTuning {
        double low_mhz, high_mhz, bin_mhz;
        double centre_mhz, rate_mhz;
    };

    // Whether a tone sits where an odd-order product of a strong tone lands in a complex receiver:
    // at k × (its offset from the tuning), folded by the sample rate (clipping and a compressed
    // front end make the 3rd, 5th, … harmonics; the I/Q split, their mirror images).
    static bool odd_product(const SeenTuning& v, double strong_mhz, double mhz) {
        const double f0 = strong_mhz - v.centre_mhz, off = mhz - v.centre_mhz, tolerance = 1.5 * v.bin_mhz;
        for (int k = -kMaxProductOrder; k <= kMaxProductOrder; k += 2) {
            if (k == 1) continue;
            double d = off - k * f0;
            d -= std::round(d / v.rate_mhz) * v.rate_mhz;
            if (std::abs(d) <= tolerance) return true;
        }
        return false;
    }

    report::Emitter base(double low, double high, const std::vector<double>& levels, const std::vector<Spur>& spurs,
                         const std::vector<std::size_t>& members, const Observation& observation) const {
        report::Emitter e;
        e.emitter_class = EmitterClass::narrowband_spur;
        e.low_mhz = low - spurs[members.front()].bin_mhz;
        e.high_mhz = high + spurs[members.back()].bin_mhz;
        e.center_mhz = 0.5 * (low + high);
        e.level_dbfs = util::mean_dbfs(levels);
        std::vector<double> rises;
        for (std::size_t i : members) rises.push_back(spurs[i].rise_db);
        e.above_floor_db = util::median(rises);
        e.duty_cycle = 1.0;  // it is in the floor: on whenever the band was looked at
        e.bursts = 0;
        e.first_s = 0.0;
        e.last_s = observation.seconds_over(low, high);
        e.confidence = std::min(0.99, 0.6 + 0.02 * e.above_floor_db);
        e.evidence = {report::EvidenceBasis::behaviour, "on in every look, at one frequency, from every tuning that covers it"};
        return e;
    }

    std::vector<Spur> spurs_;
    std::vector<SeenTuning> tunings_;
};

}  // namespace

const DetectorDescriptor kNarrowbandSpurDetector{
    EmitterClass::narrowband_spur, "Persistent spurs and harmonic combs", {EmitterClass::narrowband_spur}, {},
    [](const DetectorSetup&) { return std::unique_ptr<Detector>(std::make_unique<NarrowbandSpurDetector>()); }};

}  // namespace coex::classify
