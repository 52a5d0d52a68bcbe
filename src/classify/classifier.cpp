#include "coex/classify/classifier.hpp"

#include "burst_tracker.hpp"
#include "channelizer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace coex::classify {
namespace {
constexpr double kHistorySeconds = 0.045;     // covers the analyzer's floor warm-up plus the longest burst checked
constexpr double kMaxCheckedSeconds = 400e-6;  // time-domain checks look at a burst's first 400 µs (≥ 400 symbols)
constexpr double kMaxChannelisedMhz = 4.0;    // wider bursts are judged on their spectrum alone

std::string fmt(const char* f, auto... args) {
    char b[256];
    std::snprintf(b, sizeof b, f, args...);
    return b;
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
    wifi_.set_kind_judge([this](const WifiBurstSpan& span) {
        const double rate = view_.segment.sample_rate_hz;
        const std::uint64_t length = span.end_sample - span.first_sample;
        const auto skip = std::min<std::uint64_t>(static_cast<std::uint64_t>(24e-6 * rate), length / 3);  // past the preamble
        // 160 µs: 40 OFDM symbols or 160 DSSS symbols, plenty for either correlation
        const auto end = std::min<std::uint64_t>(span.end_sample, span.first_sample + skip + static_cast<std::uint64_t>(160e-6 * rate));
        static thread_local std::vector<cf32> snippet;
        history_->copy(span.first_sample + skip, end, snippet);
        const auto m = channelizer_->wifi_phy(snippet, rate, span.center_mhz * 1e6 - view_.segment.center_frequency_hz);
        if (!m.valid) return span.dsss_by_shape;
        return m.barker >= 0.5 && m.barker > m.cyclic_prefix;  // DSSS only when its 1 µs code period shows
    });
}

Classifier::~Classifier() = default;

void Classifier::begin_view(const ViewGeometry& view) {
    view_ = view;
    wifi_.begin_view(view);
    tracker_->begin_view(view);
    history_->reset(static_cast<std::size_t>(kHistorySeconds * view.segment.sample_rate_hz));
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
    for (const auto& b : closed_) judge(b);
    for (auto& r : detectors_) r.detector->on_frame(frame);
    // the outermost cells only see bursts cut by the edge (not judged), so they count as unobserved
    if (view_cell_seconds_.empty())  // the view's first frame: find its inner cells' entries once (map entries stay put)
        for (std::size_t c = 1; c + 1 < view_.grid->size(); ++c)
            view_cell_seconds_.push_back(&cell_seconds_[view_.grid->first_mhz() + static_cast<int>(c)]);
    for (double* seconds : view_cell_seconds_) *seconds += view_.frame_seconds;
}

void Classifier::gap() {
    wifi_.gap();
    closed_.clear();
    tracker_->close_all(closed_);
    for (const auto& b : closed_) judge(b);
    for (auto& r : detectors_) r.detector->gap();
}

void Classifier::end_view(const ViewSummary& summary) {
    wifi_.end_view();
    closed_.clear();
    tracker_->close_all(closed_);
    for (const auto& b : closed_) judge(b);
    for (auto& r : detectors_) r.detector->end_view(summary);
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
        const auto td = channelizer_->measure(snippet, rate, offset_hz, std::max(1e6, f.bandwidth_mhz * 1e6));
        if (td.valid) {
            f.has_time_domain = true;
            f.deviation_khz = td.deviation_hz / 1e3;
            f.frequency_offset_khz = td.offset_hz / 1e3;
            f.constant_envelope = td.constant_envelope;
            f.preamble_periodicity = td.preamble_periodicity;
        }
    }
    return f;
}

void Classifier::judge(const TrackedBurst& b) {
    ++bursts_total_;
    const BurstFeatures f = measure(b);
    // A burst whose energy reaches into the outermost cells is cut off by the edge of the view (and
    // the receiver's roll-off there): its width, level and shape cannot be trusted. A sweep sees it
    // whole from the next tuning.
    if (f.low_mhz < view_.grid->first_mhz() + 0.5 || f.high_mhz > view_.grid->last_mhz() - 0.5) {
        ++bursts_at_edge_;
        return;
    }
    std::string accepted_by;
    for (auto& r : detectors_) {
        const Outcome outcome = r.detector->judge(f);
        if (outcome.is_accepted()) {
            ++r.accepted;
            accepted_by = r.descriptor->emits;
            break;
        }
        if (outcome.reason() != "not a burst detector") ++r.rejected[std::string(outcome.reason())];
    }
    if (accepted_by.empty()) ++bursts_unclaimed_;
    if (!keep_bursts_) return;
    report::BurstRecord record{f.start_s, f.end_s, f.low_mhz, f.high_mhz, f.center_mhz, f.power_dbfs, f.above_floor_db, accepted_by, {}};
    record.features = {{"bandwidth_mhz", f.bandwidth_mhz}, {"drift_mhz", f.drift_mhz}, {"frames", f.frames}};
    if (f.has_time_domain) {
        record.features.emplace_back("deviation_khz", f.deviation_khz);
        record.features.emplace_back("frequency_offset_khz", f.frequency_offset_khz);
        record.features.emplace_back("constant_envelope", f.constant_envelope);
        record.features.emplace_back("preamble_periodicity", f.preamble_periodicity);
    }
    records_.push_back(std::move(record));
}

// One physical emitter is one entry: what a microwave oven sprays besides its main on-period bursts
// (short pieces as the carrier flickers, long drifting stretches) lands in 'unknown' entries inside
// its band. They are folded into the oven's entry, and counted.
void Classifier::merge_into_ovens(std::vector<report::Emitter>& emitters) {
    std::vector<std::size_t> ovens;
    for (std::size_t i = 0; i < emitters.size(); ++i)
        if (emitters[i].emitter_class == "microwave_oven") ovens.push_back(i);
    if (ovens.empty()) return;
    std::vector<bool> absorbed(emitters.size(), false);
    for (std::size_t i = 0; i < emitters.size(); ++i) {
        const auto& piece = emitters[i];
        if (piece.emitter_class != "unknown") continue;
        for (std::size_t o : ovens) {
            auto& oven = emitters[o];
            if (piece.low_mhz < oven.low_mhz - 3.0 || piece.high_mhz > oven.high_mhz + 3.0) continue;
            oven.bursts += piece.bursts;
            oven.first_s = std::min(oven.first_s, piece.first_s);
            oven.last_s = std::max(oven.last_s, piece.last_s);
            absorbed[i] = true;
            ++oven_pieces_merged_;
            break;
        }
    }
    std::vector<report::Emitter> kept;
    for (std::size_t i = 0; i < emitters.size(); ++i)
        if (!absorbed[i]) kept.push_back(std::move(emitters[i]));
    emitters = std::move(kept);
}

void Classifier::finish(report::Report& report) {
    for (const auto& c : wifi_.results())
        report.wifi.push_back({c.channel, c.center_mhz, c.observed, c.observed_s, c.occupancy, c.mean_power_dbfs, c.bursts, std::nullopt});

    for (const auto& w : wifi_.emitters()) {
        report::Emitter e;
        e.emitter_class = w.dsss ? "wifi_dsss" : "wifi_ofdm";
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
        e.summary = fmt("%s on channel %d: %.1f %% airtime in %llu transmissions", w.dsss ? "802.11b DSSS" : "802.11 OFDM",
                        w.channel, 100.0 * e.duty_cycle, static_cast<unsigned long long>(w.bursts));
        e.fields = {{"channel", w.channel}, {"observed_s", w.observed_s}, {"airtime_s", w.airtime_s}};
        report.emitters.push_back(std::move(e));
    }

    Observation observation;
    for (const auto& [mhz, s] : cell_seconds_) observation.cell_seconds.emplace_back(mhz, s);
    for (auto& r : detectors_) r.detector->finish(observation, report.emitters);
    merge_into_ovens(report.emitters);
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
    counters["bursts.total"] = bursts_total_;
    counters["bursts.unclaimed"] = bursts_unclaimed_;
    counters["bursts.at_view_edge"] = bursts_at_edge_;
    counters["emitters.merged_into_oven"] = oven_pieces_merged_;
    for (const auto& r : detectors_) {
        const std::string key = "detector." + std::string(r.descriptor->key);
        counters[key + ".accepted"] = r.accepted;
        for (const auto& [reason, n] : r.rejected) counters[key + ".rejected." + reason] = n;
    }
}

}  // namespace coex::classify
