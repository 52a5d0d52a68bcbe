// OFDM that is not Wi-Fi: drones' video and control downlinks (DJI's OcuSync and its kin) and other
// links built on LTE's numerology — 15 kHz subcarriers, 66.7 µs useful symbols behind a 4.7 µs cyclic
// prefix, 9 or 18 MHz occupied. Their spectrum is flat-topped with steep edges like Wi-Fi's, and a
// 10 MHz one sits anywhere (DroneID's 2414.5, 2429.5, 2444.5 … MHz), so the shape alone does not tell
// them apart; the prefix does: it repeats each symbol's end 66.7 µs later, where 802.11's repeats it
// 3.2 µs later. Bursts that Wi-Fi's claim left and floors raised by a continuous link are looked at
// that way; what shows the prefix is this class, and never feeds Wi-Fi occupancy.
#include "channelizer.hpp"
#include "detectors.hpp"
#include "ofdm_numerology.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <map>
#include <tuple>

namespace coex::classify {
namespace {

constexpr double kMinWidthMhz = 5.0;        // the narrowest LTE-numerology link in the band: 5 MHz (4.5 MHz used)
constexpr double kMaxWidthMhz = 25.0;
constexpr double kWidestLinkMhz = 18.0;  // occupied by a 20 MHz LTE-numerology link (TS 36.104: 100 resource blocks)
constexpr double kSharedEdgeMhz = 1.0;   // band edges a cell coarse
constexpr double kMinBurstSeconds = 30e-6;   // a piece of a transmission at least this long is looked at…
constexpr double kMinLookSeconds = 400e-6;   // …over six symbols or more
constexpr double kLookSeconds = 2e-3;        // the prefix looked for over this much of a burst…
constexpr double kContinuousLookSeconds = 10e-3;  // …or of a continuous link
constexpr double kRaisedFloorRatio = 4.0;    // a continuous link: its cells' floor 6 dB over the tuning's quiet floor
constexpr double kSteepEdgeRatio = 0.5;      // and the cells beside it ≥ 3 dB under its lowest (steep edges)
// and flat on top within 12 dB: indoor multipath (50 ns rms) puts 9–10 dB between the cells of a 9 MHz
// link seen by one antenna (the corpus's drone behind the hackrf and usrp models), where 6 dB lost it;
// its LTE prefix, looked for next, is what names it
constexpr double kMaxTopRippleRatio = 16.0;
// the skirt of a link's filter, or its edge MHz left over where Wi-Fi's claim covered the rest: ≤ 2.5 MHz
// wide, at most 1.5 MHz outside its band, no stronger than the link, within 2 ms of a sighting of it
constexpr double kSkirtMaxWidthMhz = 2.5, kSkirtMhz = 1.5, kSkirtOverLinkDb = 3.0, kSkirtSeconds = 2e-3;
constexpr std::size_t kRecentLinks = 64;
constexpr double kPieceGapSeconds = 300e-6;  // pieces of one transmission: closer than this (a Wi-Fi SIFS + ACK is 60 µs)

struct Sighting {
    double start, end, low_mhz, high_mhz, level_dbfs, above_floor_db;
    bool continuous;
    CyclicPrefixLook look;  // !look.valid: named by its shape alone
};

// An explainer as well as a judge: the pieces of a long OFDM transmission, whose centre jitters from
// frame to frame across its flat top, would otherwise be taken by the oven's explanation of drifting
// carriers, which comes before any judge. It explains a burst the moment it is closed (it waits for nothing).
class OfdmNotWifiDetector final : public Detector, public JudgesBursts, public ExplainsBursts, public LooksAtClosedBursts, public ClaimsPieces {
public:
    explicit OfdmNotWifiDetector(const DetectorSetup& setup) : history_(setup.history), wifi_channels_(setup.wifi_channels) {}

    void begin_tuning(const TuningGeometry& tuning) override { tuning_ = tuning; }

    [[nodiscard]] double settled_until_s() const override { return std::numeric_limits<double>::infinity(); }
    bool explains(const BurstFeatures& b) override {
        if (is_skirt(b)) {
            ++skirt_pieces_;
            return true;
        }
        return outcome_of(b, false).is_accepted();
    }
    // (a burst it did not explain comes back to it as a judge: the outcome is the one already reached)
    Outcome judge(const BurstFeatures& b) override { return outcome_of(b, true); }

    [[nodiscard]] bool owns_piece(const report::Emitter& e, const report::Emitter& piece) const override { return is_piece_of_ofdm_link(e, piece); }

    // The look at a burst's samples, taken when it closes, kept until it is judged.
    void look(const BurstFeatures& b) override {
        if (b.bandwidth_mhz < kMinWidthMhz || b.bandwidth_mhz > kMaxWidthMhz || b.duration_s() < kMinBurstSeconds) return;
        const auto look = look_at_samples(b);
        looked_.emplace(key_of(b), look);
        if (shows_lte_prefix(look)) {  // for telling its skirt pieces, which may be judged before it
            recent_links_.push_back({b.start_s, b.end_s, b.low_mhz, b.high_mhz, b.power_dbfs, b.above_floor_db, false, look});
            while (recent_links_.size() > kRecentLinks) recent_links_.pop_front();
        }
    }

private:
    // A narrow burst at a link's band edge, no stronger than the link, while the link is on: its
    // filter's skirt, or its edge MHz where Wi-Fi's claim took the rest of it — not an emitter of its own.
    [[nodiscard]] bool is_skirt(const BurstFeatures& b) const {
        if (b.bandwidth_mhz > kSkirtMaxWidthMhz) return false;
        auto beside = [&](const Sighting& s) {
            const bool at_edge = (b.center_mhz >= s.high_mhz - 1.0 && b.high_mhz <= s.high_mhz + kSkirtMhz) ||
                                 (b.center_mhz <= s.low_mhz + 1.0 && b.low_mhz >= s.low_mhz - kSkirtMhz);
            return at_edge && b.above_floor_db <= s.above_floor_db + kSkirtOverLinkDb && b.start_s <= s.end + kSkirtSeconds &&
                   b.end_s >= s.start - kSkirtSeconds;
        };
        return std::any_of(recent_links_.rbegin(), recent_links_.rend(), beside) || std::any_of(sightings_.rbegin(), sightings_.rend(), beside);
    }

    using BurstKey = std::tuple<double, double, double>;
    static BurstKey key_of(const BurstFeatures& b) { return {b.start_s, b.end_s, b.center_mhz}; }

    CyclicPrefixLook look_at_samples(const BurstFeatures& b) {
        // The burst tracker cuts a long OFDM transmission into pieces where its level steps: a piece is
        // looked at over at least six symbols up to its end, reaching back before its start if need be
        // (what comes after it is not yet held; what came before a short Wi-Fi frame does not correlate
        // at 66.7 µs either).
        const double rate = tuning_.segment.sample_rate_hz;
        const auto least = static_cast<std::uint64_t>(kMinLookSeconds * rate);
        const std::uint64_t begin = b.end_sample > least ? std::min(b.first_sample, b.end_sample - least) : 0;
        return look_at(begin, b.end_sample, b.center_mhz, b.bandwidth_mhz);
    }

    // The outcome for a burst, from the look taken when it closed; the look is dropped once judged.
    Outcome outcome_of(const BurstFeatures& b, bool last_word) {
        const auto it = looked_.find(key_of(b));
        const CyclicPrefixLook seen = it != looked_.end() ? it->second : CyclicPrefixLook{};
        const Outcome outcome = judge_with(b, seen);
        if (it != looked_.end() && (last_word || outcome.is_accepted())) looked_.erase(it);
        return outcome;
    }

    Outcome judge_with(const BurstFeatures& b, const CyclicPrefixLook& look) {
        if (b.bandwidth_mhz < kMinWidthMhz || b.bandwidth_mhz > kMaxWidthMhz) return Outcome::rejected(Rejection::wrong_width, "not 5–25 MHz wide");
        if (b.duration_s() < kMinBurstSeconds) return Outcome::rejected(Rejection::wrong_duration, "too short to show a prefix");
        if (b.above_floor_db < kMinAboveFloorDb) return Outcome::rejected(Rejection::too_weak, "too weak to judge");
        if (look.valid && !shows_lte_prefix(look)) return Outcome::rejected(Rejection::no_cyclic_prefix, "no cyclic prefix at 66.7 µs");
        // Its samples are gone (a burst longer than the history): only a shape no Wi-Fi transmission has
        // names it — wider than a channel's 16.6 MHz, or a width Wi-Fi does not have off its grid.
        if (!look.valid && !(off_wifi_grid(b.center_mhz) && (b.bandwidth_mhz < 14.0 || b.bandwidth_mhz > 19.5)))
            return Outcome::rejected(Rejection::no_time_domain_look, "samples gone; a Wi-Fi-like shape");
        sightings_.push_back({b.start_s, b.end_s, b.low_mhz, b.high_mhz, b.power_dbfs, b.above_floor_db, false, look});
        return Outcome::accepted();
    }

public:
    // A link on all the time raises the floor of its cells rather than making bursts: a flat-topped
    // block of raised floor with steep edges, looked at in the tuning's last samples.
    void end_tuning(const TuningSummary& summary) override {
        const auto& grid = *summary.geometry->grid;
        const auto floor = summary.cell_floor;
        if (floor.size() < 8 || !history_) return;
        std::vector<float> sorted(floor.begin(), floor.end());
        std::sort(sorted.begin(), sorted.end());
        const double quiet = sorted[sorted.size() / 5];
        if (!(quiet > 0.0)) return;
        for (std::size_t i = 0; i < floor.size();) {
            if (floor[i] < kRaisedFloorRatio * quiet) {
                ++i;
                continue;
            }
            std::size_t j = i;
            while (j + 1 < floor.size() && floor[j + 1] >= kRaisedFloorRatio * quiet) ++j;
            const std::size_t first = i, last = j;
            i = j + 1;
            const double width = static_cast<double>(last - first + 1);
            // (a block running off the tuning's edge is judged by the edge it shows)
            const bool cut_low = first == 0, cut_high = last + 1 >= floor.size();
            if ((cut_low && cut_high) || width < kMinWidthMhz || width > kMaxWidthMhz) continue;
            const double outside = std::max(cut_low ? 0.0f : floor[first - 1], cut_high ? 0.0f : floor[last + 1]);
            const auto top = std::minmax_element(floor.begin() + static_cast<std::ptrdiff_t>(first), floor.begin() + static_cast<std::ptrdiff_t>(last) + 1);
            if (outside > kSteepEdgeRatio * *top.first || *top.second > kMaxTopRippleRatio * *top.first) continue;
            const double low = grid.first_mhz() + static_cast<double>(first) - 0.5, high = grid.first_mhz() + static_cast<double>(last) + 0.5;
            std::vector<cf32> held;
            const std::uint64_t from = history_->copy(0, std::numeric_limits<std::uint64_t>::max(), held);
            if (held.empty()) continue;
            const auto keep = static_cast<std::uint64_t>(kContinuousLookSeconds * tuning_.segment.sample_rate_hz);
            const std::uint64_t end = from + held.size();
            const auto look = look_at(end > keep ? std::max(from, end - keep) : from, end, 0.5 * (low + high), high - low, kContinuousLookSeconds);
            if (!shows_lte_prefix(look)) continue;
            double excess = 0.0, rise = 0.0;
            for (std::size_t c = first; c <= last; ++c) {
                excess += floor[c] - quiet;
                rise += 10.0 * std::log10(floor[c] / quiet);
            }
            const double start = summary.geometry->segment.start_time_s;
            sightings_.push_back({start, start + summary.observed_s, low, high, 10.0 * std::log10(excess), rise / width, true, look});
        }
    }

    void finish(const Observation& observation, Findings& findings) override {
        // one emitter per band: sightings whose bands overlap by half the narrower are one link
        std::vector<std::vector<Sighting>> links;
        for (const auto& s : sightings_) {
            auto it = std::find_if(links.begin(), links.end(), [&](const std::vector<Sighting>& l) {
                const double overlap = std::min(l.front().high_mhz, s.high_mhz) - std::max(l.front().low_mhz, s.low_mhz);
                return overlap >= 0.5 * std::min(l.front().high_mhz - l.front().low_mhz, s.high_mhz - s.low_mhz);
            });
            if (it == links.end()) links.push_back({s});
            else it->push_back(s);
        }
        for (const auto& l : links) {
            // one burst alone is no link (a look at noise passes now and then; a drone's link sends on and on)
            if (l.size() < 2 && !l.front().continuous) {
                ++lone_sightings_;
                continue;
            }
            report::Emitter e = emitter(l, observation);
            // the same link, where Wi-Fi's claim held some of its transmissions and handed them over: one entry
            auto same = std::find_if(findings.emitters.begin(), findings.emitters.end(), [&](const report::Emitter& o) {
                return o.emitter_class == EmitterClass::ofdm_not_wifi &&
                       std::min(o.high_mhz, e.high_mhz) - std::max(o.low_mhz, e.low_mhz) >= 0.5 * (e.high_mhz - e.low_mhz);
            });
            if (same == findings.emitters.end()) {
                findings.emitters.push_back(std::move(e));
                continue;
            }
            // its band is the one its own bursts measured (Wi-Fi's entry has the channel's); its time both
            e.bursts += same->bursts;
            e.first_s = std::min(same->first_s, e.first_s);
            e.last_s = std::max(same->last_s, e.last_s);
            e.duty_cycle = std::min(1.0, same->duty_cycle + e.duty_cycle);
            e.evidence.detail += "; " + same->evidence.detail;
            // (a link between two channels' centres is handed over by both: every such entry is this link's)
            const auto link_low = e.low_mhz, link_high = e.high_mhz;
            for (auto other = same + 1; other != findings.emitters.end();) {
                const bool overlaps = other->emitter_class == EmitterClass::ofdm_not_wifi &&
                                      std::min(other->high_mhz, link_high) - std::max(other->low_mhz, link_low) >= 0.5 * (link_high - link_low);
                if (!overlaps) {
                    ++other;
                    continue;
                }
                e.bursts += other->bursts;
                e.first_s = std::min(other->first_s, e.first_s);
                e.last_s = std::max(other->last_s, e.last_s);
                e.duty_cycle = std::min(1.0, other->duty_cycle + e.duty_cycle);
                other = findings.emitters.erase(other);
                ++merged_;
            }
            e.summary = util::format("OFDM, not Wi-Fi, ~%.0f MHz wide at %.1f MHz, %.0f %% of the time: a drone's video link or a video sender",
                                     e.high_mhz - e.low_mhz, e.center_mhz, 100.0 * e.duty_cycle);
            *same = std::move(e);
            ++merged_;
        }
        if (merged_ > 0) findings.counters["detector.ofdm_not_wifi.merged_with_wifi_handover"] = merged_;
        if (skirt_pieces_ > 0) findings.counters["detector.ofdm_not_wifi.skirt_pieces"] = skirt_pieces_;
        if (lone_sightings_ > 0) findings.counters["detector.ofdm_not_wifi.lone_bursts_dropped"] = lone_sightings_;
    }

private:
    // The prefix's correlation in [begin, end) of the tuning's samples, brought to baseband around
    // centre_mhz and narrowed to about the band.
    CyclicPrefixLook look_at(std::uint64_t begin, std::uint64_t end, double center_mhz, double width_mhz, double longest_s = kLookSeconds) {
        if (!history_ || end <= begin) return {};
        const double rate = tuning_.segment.sample_rate_hz;
        begin = std::max(begin, end - std::min(end, static_cast<std::uint64_t>(longest_s * rate)));
        history_->copy(begin, end, snippet_);
        if (static_cast<double>(snippet_.size()) < 0.8 * static_cast<double>(end - begin)) return {};  // mostly gone
        remove_dc(snippet_);
        const double offset_hz = center_mhz * 1e6 - tuning_.segment.center_frequency_hz;
        const double narrowed = channelizer_.to_baseband(snippet_, rate, offset_hz, 1.25 * width_mhz * 1e6, baseband_);
        remove_dc(baseband_);
        return cyclic_prefix_look(baseband_, narrowed, kLteUsefulSymbolSeconds);
    }

    [[nodiscard]] bool off_wifi_grid(double center_mhz) const {
        for (const auto& c : wifi_channels_)
            if (std::abs(c.center_mhz - center_mhz) <= 1.5) return false;
        return true;
    }

    static report::Emitter emitter(const std::vector<Sighting>& sightings, const Observation& observation) {
        std::vector<BurstSpan> spans;
        std::size_t measured = 0, continuous = 0;
        std::vector<double> correlations, elsewhere;
        for (const auto& s : sightings) {
            spans.push_back({s.start, s.end, s.low_mhz, s.high_mhz, s.level_dbfs, s.above_floor_db});
            continuous += s.continuous;
            if (!s.look.valid) continue;
            ++measured;
            correlations.push_back(s.look.at_lag);
            elsewhere.push_back(s.look.elsewhere);
        }
        report::Emitter e = util::emitter_from_bursts(EmitterClass::ofdm_not_wifi, spans, observation, 0.5);
        if (continuous > 0) {
            e.duty_cycle = 1.0;
        } else {
            // The tracker cuts a frame into pieces where its level steps, and a few pieces fail their own
            // look (too short, or cut by Wi-Fi's claim): pieces less than kPieceGapSeconds apart are one
            // frame on the air, gaps and all.
            std::vector<std::pair<double, double>> on;
            for (const auto& s : sightings) on.emplace_back(s.start, s.end);
            std::sort(on.begin(), on.end());
            double total = 0.0, from = on.front().first, to = on.front().second;
            for (const auto& [a, b] : on) {
                if (a > to + kPieceGapSeconds) {
                    total += to - from;
                    from = a;
                }
                to = std::max(to, b);
            }
            total += to - from;
            const double seen = observation.seconds_over(e.low_mhz + 0.5, e.high_mhz - 0.5);
            if (seen > 0.0) e.duty_cycle = std::min(1.0, total / seen);
        }
        const double width = e.high_mhz - e.low_mhz;
        if (measured > 0) {
            const double c = util::median(correlations), other = util::median(elsewhere);
            e.confidence = std::min(0.9, 0.6 + 0.05 * static_cast<double>(measured));
            e.evidence = {report::EvidenceBasis::behaviour,
                          util::format("OFDM with a cyclic prefix at 66.7 µs (LTE's 15 kHz subcarriers, not 802.11's 3.2 µs): "
                                       "correlation %.3f there against %.3f at other lags, in %zu of %zu looks",
                                       c, other, measured, sightings.size())};
            e.fields = {{"prefix_correlation", c}, {"elsewhere_correlation", other}};
        } else {
            e.confidence = 0.5;
            e.evidence = {report::EvidenceBasis::shape, "a wide flat-topped signal off the Wi-Fi grid or of a width Wi-Fi does not have; "
                                                        "its samples were not held to look for a cyclic prefix"};
        }
        e.fields.emplace_back("bandwidth_mhz", width);
        e.fields.emplace_back("continuous", continuous > 0);
        e.fields.emplace_back("subcarrier_spacing_khz", measured > 0 ? report::Value(15.0) : report::Value());
        e.summary = util::format("OFDM, not Wi-Fi, ~%.0f MHz wide at %.1f MHz%s: a drone's video link or a video sender", width,
                                 e.center_mhz, continuous > 0 ? ", on all the time" : util::format(", %.0f %% of the time", 100.0 * e.duty_cycle).c_str());
        return e;
    }

    const SampleHistory* history_;
    std::vector<WifiChannel> wifi_channels_;
    TuningGeometry tuning_;
    Channelizer channelizer_;
    std::vector<cf32> snippet_, baseband_;
    std::vector<Sighting> sightings_;
    std::uint64_t merged_ = 0, skirt_pieces_ = 0, lone_sightings_ = 0;
    std::map<BurstKey, CyclicPrefixLook> looked_;
    std::deque<Sighting> recent_links_;  // the last bursts whose look showed the prefix, as they closed
};

}  // namespace

bool is_piece_of_ofdm_link(const report::Emitter& link, const report::Emitter& piece) {
    // (an "oven" named only by its bursts' starts falling in step with the mains — three do by chance
    // — and not by the folded rhythm of a sweeping carrier is no better evidence than an unknown piece:
    // a link's 5 ms frames, cut into wide fading pieces, gave one behind usrp)
    // (the detector's entry from its bursts' phases alone carries their carrier's range; a rhythm's does not)
    const bool oven_by_phase_only = piece.emitter_class == EmitterClass::microwave_oven && report::find_field(piece, "carrier_low_mhz") != nullptr;
    if (link.emitter_class != EmitterClass::ofdm_not_wifi || (piece.emitter_class != EmitterClass::unknown && !oven_by_phase_only)) return false;
    const double width = report::get(piece, report::fields::bandwidth_mhz).value_or(piece.high_mhz - piece.low_mhz);
    if (piece.first_s < link.first_s - kSkirtSeconds || piece.last_s > link.last_s + kSkirtSeconds) return false;
    if (piece.low_mhz < link.low_mhz - kSkirtMhz || piece.high_mhz > link.high_mhz + kSkirtMhz) {
        // A piece reaching past one edge of the link while it ends at the other, within a cell: the same
        // spectrum, of which the link's own bursts (the looks that showed its prefix) saw less — a fade
        // or the receiver's passband slope dims that side. Both together no wider than the widest
        // LTE-numerology link (20 MHz: 1200 subcarriers, 18 MHz).
        const bool shares_edge = std::abs(piece.high_mhz - link.high_mhz) <= kSharedEdgeMhz || std::abs(piece.low_mhz - link.low_mhz) <= kSharedEdgeMhz;
        const double together = std::max(piece.high_mhz, link.high_mhz) - std::min(piece.low_mhz, link.low_mhz);
        return shares_edge && width >= kMinWidthMhz - 1.0 && together <= kWidestLinkMhz + kSharedEdgeMhz;
    }
    const bool skirt = width <= kSkirtMaxWidthMhz && (piece.center_mhz >= link.high_mhz - 1.0 || piece.center_mhz <= link.low_mhz + 1.0);
    return width >= kMinWidthMhz - 1.0 || skirt;
}

const DetectorDescriptor kOfdmNotWifiDetector{
    EmitterClass::ofdm_not_wifi, "OFDM that is not Wi-Fi (LTE numerology: drones' video links)", {EmitterClass::ofdm_not_wifi}, {},
    [](const DetectorSetup& setup) { return std::unique_ptr<Detector>(std::make_unique<OfdmNotWifiDetector>(setup)); }};

}  // namespace coex::classify
