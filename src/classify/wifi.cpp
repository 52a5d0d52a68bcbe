// Wi-Fi: 802.11 OFDM and DSSS transmissions on the domain's channel grid, found frame by frame by
// WifiOccupancyDetector (a transmission's power spread evenly over its channel, with quiet shoulders).
// It claims the cells its transmissions cover before the burst tracker looks, fills the report's
// Wi-Fi table, and reports one emitter per channel and PHY.
#include "channelizer.hpp"
#include "detectors.hpp"

#include "coex/classify/wifi_occupancy.hpp"
#include "coex/core/text.hpp"

#include <algorithm>
#include <cmath>

namespace coex::classify {
namespace {

class WifiDetector final : public Detector, public ClaimsCells, public ClaimsPieces {
public:
    explicit WifiDetector(const DetectorSetup& setup) : occupancy_(setup.wifi_channels), history_(setup.history) {
        // OFDM or DSSS: the samples say it more surely than the spectrum, which fading can tilt.
        if (history_) occupancy_.set_kind_judge([this](const WifiBurstSpan& span) { return judge_kind(span); });
    }

    void begin_tuning(const TuningGeometry& tuning) override {
        tuning_ = tuning;
        occupancy_.begin_tuning(tuning);
    }
    void claim(const Frame& frame) override { occupancy_.on_frame(frame); }
    [[nodiscard]] std::span<const std::uint8_t> claimed() const override { return occupancy_.claimed(); }
    [[nodiscard]] bool claimed_any() const override { return occupancy_.claimed_any(); }
    void gap() override { occupancy_.gap(); }
    void end_tuning(const TuningSummary& /*summary*/) override { occupancy_.end_tuning(); }

    // Wideband (≥ 10 MHz) bursts centred on an OFDM channel, which its shape check left: an HT40 frame
    // spilling over two 20 MHz channels.
    [[nodiscard]] bool owns_piece(const report::Emitter& e, const report::Emitter& piece) const override {
        if (e.emitter_class != EmitterClass::wifi_ofdm) return false;
        const bool inside = piece.low_mhz >= e.low_mhz - 1.0 && piece.high_mhz <= e.high_mhz + 1.0;
        const double width = report::get(piece, report::fields::bandwidth_mhz).value_or(0.0);
        return inside && width >= 10.0 && std::abs(piece.center_mhz - e.center_mhz) <= 1.5;
    }

    void finish(const Observation& /*observation*/, Findings& out) override {
        std::uint64_t channels_blanked = 0;
        for (const auto& c : occupancy_.results()) {
            // Time a stronger emitter drowned the channel (an oven's on-periods) was not observed: the
            // frames sent then cannot be told, so they count neither as busy nor as idle.
            const double blanked = out.blanked_s(c.center_mhz - 8.3, c.center_mhz + 8.3);
            double observed_s = c.observed_s, occupancy = c.occupancy;
            if (c.observed && blanked > 0.0 && c.observed_s - blanked >= 0.2 * c.observed_s) {
                observed_s = c.observed_s - blanked;
                occupancy = std::clamp(c.airtime_s / observed_s, 0.0, 1.0);
                ++channels_blanked;
            }
            out.wifi_channels.push_back({c.channel, c.center_mhz, c.observed, observed_s, occupancy, c.mean_power_dbfs, c.bursts, std::nullopt});
        }
        for (const auto& w : occupancy_.emitters()) out.emitters.push_back(emitter(w));

        const auto& n = occupancy_.counters();
        out.counters["wifi.frames_tested"] = n.frames_tested;
        out.counters["wifi.frames_on"] = n.frames_on;
        out.counters["wifi.rejected_uneven"] = n.rejected_uneven;
        out.counters["wifi.rejected_shoulders"] = n.rejected_shoulders;
        out.counters["wifi.rejected_short"] = n.rejected_short;
        out.counters["wifi.frames_ht40"] = n.frames_bonded;
        out.counters["wifi.kind_by_spectrum"] = n.kind_by_spectrum;
        out.counters["wifi.channels_blanked_by_oven"] = channels_blanked;
    }

private:
    std::optional<bool> judge_kind(const WifiBurstSpan& span) {
        const double rate = tuning_.segment.sample_rate_hz;
        const std::uint64_t length = span.end_sample - span.first_sample;
        const auto skip = std::min<std::uint64_t>(static_cast<std::uint64_t>(24e-6 * rate), length / 3);  // past the preamble
        // 96 µs: 24 OFDM symbols or 96 DSSS symbols, plenty for either correlation (0.93 against 0.25 at 10 dB)
        const auto end = std::min<std::uint64_t>(span.end_sample, span.first_sample + skip + static_cast<std::uint64_t>(96e-6 * rate));
        history_->copy(span.first_sample + skip, end, snippet_);
        remove_dc(snippet_);  // a constant correlates with itself at every lag: it would fake a guard interval
        const auto m = channelizer_.wifi_phy(snippet_, rate, span.center_mhz * 1e6 - tuning_.segment.center_frequency_hz);
        // (a snippet under 40 µs — a burst's sliver cut by interference — holds too few symbols to say)
        if (!m.valid || static_cast<double>(snippet_.size()) < 40e-6 * rate) return std::nullopt;
        // OFDM's guard interval repeats its symbol's end almost exactly (0.93–0.99 from 10 dB up); DSSS
        // shows its 1 µs code period instead (0.5–0.96) and no guard interval (0.1–0.25). Neither
        // clearly: undecided (the channel's other transmissions, or the spectrum, decide).
        if (m.cyclic_prefix >= 0.5 && m.cyclic_prefix > m.barker) return false;
        if (m.barker >= 0.35 && m.barker > m.cyclic_prefix) return true;
        return std::nullopt;
    }

    static report::Emitter emitter(const WifiEmitterStats& w) {
        report::Emitter e;
        e.emitter_class = w.dsss ? EmitterClass::wifi_dsss : EmitterClass::wifi_ofdm;
        const double half = w.dsss ? 11.0 : 8.3;
        e.low_mhz = w.center_mhz - half;
        e.high_mhz = w.center_mhz + half;
        e.center_mhz = w.center_mhz;
        e.level_dbfs = w.mean_power_dbfs;
        e.above_floor_db = w.above_floor_db;
        e.duty_cycle = w.observed_s > 0.0 ? w.airtime_s / w.observed_s : 0.0;
        e.bursts = w.bursts;
        e.first_s = w.first_s;
        e.last_s = w.last_s;
        e.confidence = std::min(0.99, 0.6 + 0.1 * static_cast<double>(w.bursts)) * (w.above_floor_db >= 6.0 ? 1.0 : 0.8);
        e.evidence = {report::EvidenceBasis::behaviour,
                      "power flat over a channel of the 802.11 grid, its shoulders quiet; OFDM or DSSS told by the samples "
                      "(guard interval or Barker code) or by the spectrum"};
        const char* phy = w.dsss ? "802.11b DSSS" : "802.11 OFDM";
        const std::string transmissions = count_text(w.bursts, "transmission");
        e.fields = {{std::string(report::fields::wifi_channel.name), w.channel}, {"observed_s", w.observed_s}, {"airtime_s", w.airtime_s}};
        if (w.seen_in_part) {
            // its occupancy is not measured: the airtime is of the visible part, while it was in view
            e.fields.emplace_back("seen_in_part", true);
            e.confidence *= 0.8;
            e.summary = util::format("%s on channel %d, seen only in part (no tuning held the channel whole): %s, occupancy not measured",
                                     phy, w.channel, transmissions.c_str());
        } else {
            e.summary = util::format("%s on channel %d: %.1f %% airtime in %s", phy, w.channel, 100.0 * e.duty_cycle, transmissions.c_str());
        }
        return e;
    }

    WifiOccupancyDetector occupancy_;
    const SampleHistory* history_;
    Channelizer channelizer_;
    TuningGeometry tuning_;
    std::vector<cf32> snippet_;
};

}  // namespace

const DetectorDescriptor kWifiDetector{EmitterClass::wifi_ofdm, "Wi-Fi (802.11 OFDM and DSSS)",
                                       {EmitterClass::wifi_ofdm, EmitterClass::wifi_dsss},
                                       [](const DetectorSetup& setup) { return std::unique_ptr<Detector>(std::make_unique<WifiDetector>(setup)); }};

}  // namespace coex::classify
