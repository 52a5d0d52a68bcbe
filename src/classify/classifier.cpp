#include "coex/classify/classifier.hpp"
#include "coex/core/format.hpp"

#include "burst_tracker.hpp"
#include "channelizer.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdio>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string_view>

namespace coex::classify {
namespace {
constexpr double kHistorySeconds = 0.045;     // covers the analyzer's floor warm-up plus the longest burst checked
constexpr double kMaxCheckedSeconds = 400e-6;  // time-domain checks look at a burst's first 400 µs (≥ 400 symbols)
constexpr double kMaxChannelisedMhz = 4.0;    // wider bursts are judged on their spectrum alone

void remove_dc(std::vector<cf32>& x) {
    if (x.empty()) return;
    std::complex<double> sum{};
    for (const auto& v : x) sum += std::complex<double>(v.real(), v.imag());
    const cf32 mean(static_cast<float>(sum.real() / static_cast<double>(x.size())), static_cast<float>(sum.imag() / static_cast<double>(x.size())));
    for (auto& v : x) v -= mean;
}

}  // namespace

double Observation::seconds_at(double mhz) const {
    const int m = static_cast<int>(std::lround(mhz));
    for (const auto& [cell, s] : cell_seconds)
        if (cell == m) return s;
    return 0.0;
}

double Observation::seconds_over(double low_mhz, double high_mhz) const {
    const int lo = static_cast<int>(std::lround(low_mhz)), hi = static_cast<int>(std::lround(high_mhz));
    double sum = 0.0;
    int n = 0;
    for (int m = lo; m <= hi; ++m, ++n) sum += seconds_at(m);
    return n ? sum / n : 0.0;
}

Classifier::Classifier(std::vector<WifiChannel> channels, bool keep_bursts)
    : wifi_(std::move(channels)),
      tracker_(std::make_unique<BurstTracker>()),
      history_(std::make_unique<SampleHistory>()),
      channelizer_(std::make_unique<Channelizer>()),
      keep_bursts_(keep_bursts) {
    for (const auto& d : detector_registry()) detectors_.push_back({&d, d.make(), 0, {}});
    // OFDM or DSSS: the samples say it more surely than the spectrum, which fading can tilt.
    wifi_.set_kind_judge([this](const WifiBurstSpan& span) -> std::optional<bool> {
        const double rate = view_.segment.sample_rate_hz;
        const std::uint64_t length = span.end_sample - span.first_sample;
        const auto skip = std::min<std::uint64_t>(static_cast<std::uint64_t>(24e-6 * rate), length / 3);  // past the preamble
        // 96 µs: 24 OFDM symbols or 96 DSSS symbols, plenty for either correlation (0.93 against 0.25 at 10 dB)
        const auto end = std::min<std::uint64_t>(span.end_sample, span.first_sample + skip + static_cast<std::uint64_t>(96e-6 * rate));
        static thread_local std::vector<cf32> snippet;
        history_->copy(span.first_sample + skip, end, snippet);
        remove_dc(snippet);  // a constant correlates with itself at every lag: it would fake a guard interval
        const auto m = channelizer_->wifi_phy(snippet, rate, span.center_mhz * 1e6 - view_.segment.center_frequency_hz);
        // (a snippet under 40 µs — a burst's sliver cut by interference — holds too few symbols to say)
        if (!m.valid || static_cast<double>(snippet.size()) < 40e-6 * rate) return std::nullopt;
        // OFDM's guard interval repeats its symbol's end almost exactly (0.93–0.99 from 10 dB up); DSSS
        // shows its 1 µs code period instead (0.5–0.96) and no guard interval (0.1–0.25). Neither
        // clearly: undecided (the channel's other transmissions, or the spectrum, decide).
        if (m.cyclic_prefix >= 0.5 && m.cyclic_prefix > m.barker) return false;
        if (m.barker >= 0.35 && m.barker > m.cyclic_prefix) return true;
        return std::nullopt;
    });
}

Classifier::~Classifier() = default;

void Classifier::begin_view(const ViewGeometry& view) {
    view_ = view;
    wifi_.begin_view(view);
    tracker_->begin_view(view);
    history_->reset(static_cast<std::size_t>(kHistorySeconds * view.segment.sample_rate_hz));
    wifi_claimed_frames_.assign(view.grid->size(), 0);
    view_frames_ = 0;
    view_cell_seconds_.clear();
    for (auto& r : detectors_) r.detector->begin_view(view);
}

void Classifier::on_samples(std::uint64_t first_sample, std::span<const cf32> samples) {
    history_->push(first_sample, samples);
}

void Classifier::adopt_samples(std::uint64_t first_sample, std::vector<cf32>& samples) {
    history_->adopt(first_sample, samples);
}

void Classifier::on_frame(const Frame& frame) {
    wifi_.on_frame(frame);
    closed_.clear();
    tracker_->on_frame(frame, wifi_.claimed(), closed_);
    for (const auto& b : closed_) close(b);
    Frame seen = frame;
    seen.wifi_claimed = wifi_.claimed();
    ++view_frames_;
    if (wifi_.claimed_any())
        for (std::size_t c = 0; c < seen.wifi_claimed.size() && c < wifi_claimed_frames_.size(); ++c) wifi_claimed_frames_[c] += seen.wifi_claimed[c] != 0;
    for (auto& r : detectors_) r.detector->on_frame(seen);
    if (!pending_.empty()) judge_settled(false);
    // the outermost cells only see bursts cut by the edge (not judged), so they count as unobserved
    // (a narrow view judges bursts by a margin inside its band instead: all its cells count)
    if (view_cell_seconds_.empty()) {  // the view's first frame: find its inner cells' entries once (map entries stay put)
        const std::size_t cells = view_.grid->size(), edge = cells > 4 ? 1 : 0;
        for (std::size_t c = edge; c + edge < cells; ++c)
            view_cell_seconds_.push_back(&cell_seconds_[view_.grid->first_mhz() + static_cast<int>(c)]);
    }
    for (double* seconds : view_cell_seconds_) *seconds += view_.frame_seconds;
}

void Classifier::gap() {
    wifi_.gap();
    closed_.clear();
    tracker_->close_all(closed_);
    for (const auto& b : closed_) close(b);
    for (auto& r : detectors_) r.detector->gap();
    judge_settled(true);
}

void Classifier::end_view(const ViewSummary& summary) {
    wifi_.end_view();
    closed_.clear();
    tracker_->close_all(closed_);
    for (const auto& b : closed_) close(b);
    wifi_share_.assign(wifi_claimed_frames_.size(), 0.0f);
    for (std::size_t c = 0; c < wifi_share_.size() && view_frames_ > 0; ++c)
        wifi_share_[c] = static_cast<float>(static_cast<double>(wifi_claimed_frames_[c]) / static_cast<double>(view_frames_));
    ViewSummary with_wifi = summary;
    with_wifi.cell_wifi_share = wifi_share_;
    for (auto& r : detectors_) r.detector->end_view(with_wifi);
    judge_settled(true);
}

BurstFeatures Classifier::measure(const TrackedBurst& b) {
    BurstFeatures f;
    f.start_s = b.start_s;
    f.end_s = b.end_s;
    f.frames = b.frames;
    const double first_mhz = view_.grid->first_mhz() + b.lo_cell;
    double total = 0.0, weighted = 0.0;
    for (std::size_t k = 0; k < b.cell_signal.size(); ++k) {
        total += b.cell_signal[k];
        weighted += b.cell_signal[k] * static_cast<double>(k);
    }
    f.center_mhz = total > 0.0 ? first_mhz + weighted / total : first_mhz + 0.5 * (b.hi_cell - b.lo_cell);
    // The band holding 90 % of the burst's energy (interpolated within cells): the broadband click of
    // a switching transmitter lights many cells for a frame but holds little of the energy.
    auto edge = [&](double share) {
        double acc = 0.0;
        for (std::size_t k = 0; k < b.cell_signal.size(); ++k) {
            if (acc + b.cell_signal[k] >= share * total && b.cell_signal[k] > 0.0)
                return static_cast<double>(k) - 0.5 + (share * total - acc) / b.cell_signal[k];
            acc += b.cell_signal[k];
        }
        return static_cast<double>(b.cell_signal.size()) - 0.5;
    };
    if (total > 0.0) {
        f.low_mhz = first_mhz + edge(0.05);
        f.high_mhz = first_mhz + edge(0.95);
    } else {
        f.low_mhz = first_mhz - 0.5;
        f.high_mhz = first_mhz + static_cast<double>(b.hi_cell - b.lo_cell) + 0.5;
    }
    f.bandwidth_mhz = std::max(0.0, f.high_mhz - f.low_mhz);
    const double frames = static_cast<double>(std::max<std::size_t>(b.frames, 1));
    f.power_dbfs = 10.0 * std::log10(std::max(b.signal / frames, 1e-30));
    f.above_floor_db = b.noise > 0.0 ? 10.0 * std::log10(std::max(b.signal / b.noise, 1e-30)) : 99.0;
    const double centre_frames = static_cast<double>(std::max<std::size_t>(b.centre_frames, 1));
    const double mean_c = b.centre_sum / centre_frames;
    f.drift_mhz = std::sqrt(std::max(0.0, b.centre_sq_sum / centre_frames - mean_c * mean_c));

    if (f.bandwidth_mhz <= kMaxChannelisedMhz) {
        const double rate = view_.segment.sample_rate_hz;
        const auto end = std::min<std::uint64_t>(b.end_sample, b.first_sample + static_cast<std::uint64_t>(kMaxCheckedSeconds * rate));
        static thread_local std::vector<cf32> snippet;
        history_->copy(b.first_sample, end, snippet);
        const double offset_hz = f.center_mhz * 1e6 - view_.segment.center_frequency_hz;
        // The receiver's DC (LO leakage) sits inside the channel filter of a burst near the tuning's
        // centre and drags the discriminator towards 0 Hz. The burst's own mean is ~0 (FSK, O-QPSK and
        // OFDM symbols turn their phase), so the snippet's mean is the DC.
        if (std::abs(offset_hz) < 1.5e6) remove_dc(snippet);
        const auto td = channelizer_->measure(snippet, rate, offset_hz, std::max(1e6, f.bandwidth_mhz * 1e6));
        if (td.valid) {
            f.has_time_domain = true;
            f.deviation_khz = td.deviation_hz / 1e3;
            f.frequency_offset_khz = td.offset_hz / 1e3;
            f.constant_envelope = td.constant_envelope;
            f.preamble_periodicity = td.preamble_periodicity;
            f.symbol_rate_hz = td.symbol_rate_hz;
        }
    }
    return f;
}

void Classifier::close(const TrackedBurst& b) {
    ++bursts_total_;
    BurstFeatures f = measure(b);
    // A burst whose energy reaches into the outermost cells is cut off by the edge of the view (and
    // the receiver's roll-off there): its width, level and shape cannot be trusted. A sweep sees it
    // whole from the next tuning. A narrow view of a few cells (an RTL-SDR parked on one BLE channel)
    // would judge nothing so: there, only a tenth of its usable band at each side is the edge.
    const auto& grid = *view_.grid;
    const bool narrow = grid.size() <= 4;
    const double margin = narrow ? std::max(0.1, 0.1 * (grid.usable_high_mhz() - grid.usable_low_mhz())) : 0.5;
    const double low_edge = narrow ? grid.usable_low_mhz() : grid.first_mhz();
    const double high_edge = narrow ? grid.usable_high_mhz() : grid.last_mhz();
    if (f.low_mhz < low_edge + margin || f.high_mhz > high_edge - margin) {
        ++bursts_at_edge_;
        return;
    }
    pending_.push_back(std::move(f));
}

void Classifier::judge_settled(bool all) {
    double settled = std::numeric_limits<double>::infinity();
    if (!all)
        for (const auto& r : detectors_) settled = std::min(settled, r.detector->settled_until_s());
    while (!pending_.empty() && (all || pending_.front().end_s <= settled)) {
        judge(pending_.front());
        pending_.pop_front();
    }
}

void Classifier::judge(const BurstFeatures& f) {
    std::optional<EmitterClass> accepted_by;
    for (auto& r : detectors_)
        if (r.detector->explains(f)) {
            ++explained_[std::string(r.descriptor->key())];
            accepted_by = r.descriptor->primary;
            break;
        }
    for (auto& r : detectors_) {
        if (accepted_by) break;
        const Outcome outcome = r.detector->judge(f);
        if (outcome.is_accepted()) {
            ++r.accepted;
            accepted_by = r.descriptor->primary;
            break;
        }
        if (outcome.reason() != "not a burst detector") ++r.rejected[std::string(outcome.reason())];
    }
    if (!accepted_by) ++bursts_unclaimed_;
    if (!keep_bursts_) return;
    report::BurstRecord record{f.start_s, f.end_s, f.low_mhz, f.high_mhz, f.center_mhz, f.power_dbfs, f.above_floor_db, accepted_by, {}};
    record.features = {{"bandwidth_mhz", f.bandwidth_mhz}, {"drift_mhz", f.drift_mhz}, {"frames", f.frames}};
    if (f.has_time_domain) {
        record.features.emplace_back("deviation_khz", f.deviation_khz);
        record.features.emplace_back("frequency_offset_khz", f.frequency_offset_khz);
        record.features.emplace_back("constant_envelope", f.constant_envelope);
        record.features.emplace_back("preamble_periodicity", f.preamble_periodicity);
        if (f.symbol_rate_hz > 0.0) record.features.emplace_back("symbol_rate_hz", f.symbol_rate_hz);
    }
    records_.push_back(std::move(record));
}

// One physical emitter is one entry. Pieces of a known emitter that failed its own checks land in
// 'unknown' entries; where the pieces say plainly whose they are, they are folded into it, and counted:
//  * an oven's band: what a magnetron sprays besides its on-periods (short flickers, drifting stretches);
//  * a Zigbee channel: frames of the same width on the same channel whose preamble or deviation did
//    not show through the noise;
//  * a Wi-Fi channel: wideband (≥ 10 MHz) bursts centred on a channel Wi-Fi was found on, which its
//    shape check left (an HT40 frame spilling over two 20 MHz channels);
//  * a Classic Bluetooth hopper: 1 MHz bursts on its 1 MHz grid that last one of its packet lengths
//    (1, 3 or 5 slots) when the deviation could not be read (under a raised floor, say).
void Classifier::fold_pieces(std::vector<report::Emitter>& emitters) {
    auto owner = [&](const report::Emitter& piece) -> std::ptrdiff_t {
        const double width = report::get(piece, report::fields::bandwidth_mhz).value_or(0.0);
        const double burst_us = report::get(piece, report::fields::median_burst_us).value_or(0.0);
        for (std::size_t o = 0; o < emitters.size(); ++o) {
            const auto& e = emitters[o];
            const EmitterClass c = e.emitter_class;
            const bool inside = piece.low_mhz >= e.low_mhz - 1.0 && piece.high_mhz <= e.high_mhz + 1.0;
            if (c == EmitterClass::microwave_oven && piece.low_mhz >= e.low_mhz - 3.0 && piece.high_mhz <= e.high_mhz + 3.0) return static_cast<std::ptrdiff_t>(o);
            if (c == EmitterClass::zigbee && inside && std::abs(piece.center_mhz - e.center_mhz) <= 0.5 && width > 0.0 && width <= 3.0)
                return static_cast<std::ptrdiff_t>(o);
            if (c == EmitterClass::wifi_ofdm && inside && width >= 10.0 && std::abs(piece.center_mhz - e.center_mhz) <= 1.5) return static_cast<std::ptrdiff_t>(o);
            // (a hopper seen on five channels or more uses all 79: its band is the whole of 2402–2480 MHz)
            const bool in_bt_band = piece.low_mhz >= bt_classic_first_mhz - 1.0 && piece.high_mhz <= bt_classic_first_mhz + bt_classic_channels;
            if (c == EmitterClass::bluetooth_classic && in_bt_band && width > 0.0 && width <= 1.3 && burst_us > 0.0) {
                // (a packet fills at most 366, 1622 or 2870 µs of its 1, 3 or 5 slots; the frames round it up)
                for (const double slot_us : {366.0, 1622.0, 2870.0})
                    if (std::abs(burst_us - slot_us) <= 60.0) return static_cast<std::ptrdiff_t>(o);
            }
        }
        return -1;
    };
    std::vector<bool> absorbed(emitters.size(), false);
    for (std::size_t i = 0; i < emitters.size(); ++i) {
        if (emitters[i].emitter_class != EmitterClass::unknown) continue;
        const auto o = owner(emitters[i]);
        if (o < 0) continue;
        auto& into = emitters[static_cast<std::size_t>(o)];
        into.bursts += emitters[i].bursts;
        into.first_s = std::min(into.first_s, emitters[i].first_s);
        into.last_s = std::max(into.last_s, emitters[i].last_s);
        absorbed[i] = true;
        ++pieces_folded_[std::string(key(into.emitter_class))];
    }
    std::vector<report::Emitter> kept;
    for (std::size_t i = 0; i < emitters.size(); ++i)
        if (!absorbed[i]) kept.push_back(std::move(emitters[i]));
    emitters = std::move(kept);
}

void Classifier::finish(report::Report& report) {
    for (const auto& c : wifi_.results()) {
        // Time a stronger emitter drowned the channel (an oven's on-periods) was not observed: the
        // frames sent then cannot be told, so they count neither as busy nor as idle.
        double blanked = 0.0;
        for (const auto& r : detectors_) blanked += r.detector->blanked_s(c.center_mhz - 8.3, c.center_mhz + 8.3);
        double observed_s = c.observed_s, occupancy = c.occupancy;
        if (c.observed && blanked > 0.0 && c.observed_s - blanked >= 0.2 * c.observed_s) {
            observed_s = c.observed_s - blanked;
            occupancy = std::clamp(c.airtime_s / observed_s, 0.0, 1.0);
            ++channels_blanked_;
        }
        report.wifi.push_back({c.channel, c.center_mhz, c.observed, observed_s, occupancy, c.mean_power_dbfs, c.bursts, std::nullopt});
    }

    for (const auto& w : wifi_.emitters()) {
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
        const char* phy = w.dsss ? "802.11b DSSS" : "802.11 OFDM";
        const auto transmissions = static_cast<unsigned long long>(w.bursts);
        e.fields = {{"channel", w.channel}, {"observed_s", w.observed_s}, {"airtime_s", w.airtime_s}};
        if (w.seen_in_part) {
            // its occupancy is not measured: the airtime is of the visible part, while it was in view
            e.fields.emplace_back("seen_in_part", true);
            e.confidence *= 0.8;
            e.summary = format("%s on channel %d, seen only in part (no tuning held the channel whole): %llu transmissions, occupancy not measured",
                               phy, w.channel, transmissions);
        } else {
            e.summary = format("%s on channel %d: %.1f %% airtime in %llu transmissions", phy, w.channel, 100.0 * e.duty_cycle, transmissions);
        }
        report.emitters.push_back(std::move(e));
    }

    Observation observation;
    for (const auto& [mhz, s] : cell_seconds_) observation.cell_seconds.emplace_back(mhz, s);
    for (auto& r : detectors_) {
        const std::size_t first = report.emitters.size();
        r.detector->finish(observation, report.emitters);
        const auto& emits = r.descriptor->emits;
        for (std::size_t i = first; i < report.emitters.size(); ++i)
            if (std::find(emits.begin(), emits.end(), report.emitters[i].emitter_class) == emits.end())
                throw std::logic_error("detector " + std::string(r.descriptor->key()) + " reported a " +
                                       std::string(key(report.emitters[i].emitter_class)) + " emitter it does not declare");
    }
    fold_pieces(report.emitters);
    std::stable_sort(report.emitters.begin(), report.emitters.end(),
                     [](const report::Emitter& a, const report::Emitter& b) { return a.center_mhz < b.center_mhz; });

    if (keep_bursts_) report.bursts = std::move(records_);
    auto& counters = report.stats.counters;
    const auto& w = wifi_.counters();
    counters["wifi.frames_tested"] = w.frames_tested;
    counters["wifi.frames_on"] = w.frames_on;
    counters["wifi.rejected_uneven"] = w.rejected_uneven;
    counters["wifi.rejected_shoulders"] = w.rejected_shoulders;
    counters["wifi.rejected_short"] = w.rejected_short;
    counters["wifi.frames_ht40"] = w.frames_bonded;
    counters["wifi.kind_by_spectrum"] = w.kind_by_spectrum;
    counters["wifi.channels_blanked_by_oven"] = channels_blanked_;
    counters["bursts.total"] = bursts_total_;
    counters["bursts.unclaimed"] = bursts_unclaimed_;
    counters["bursts.at_view_edge"] = bursts_at_edge_;
    for (const auto& [cls, n] : pieces_folded_) counters["emitters.pieces_folded_into." + cls] = n;
    for (const auto& [key, n] : explained_) counters["detector." + key + ".explained"] = n;
    for (const auto& r : detectors_) {
        const std::string key = "detector." + std::string(r.descriptor->key());
        counters[key + ".accepted"] = r.accepted;
        for (const auto& [reason, n] : r.rejected) counters[key + ".rejected." + reason] = n;
    }
}

}  // namespace coex::classify
