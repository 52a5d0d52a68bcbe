// The scene simulator: segments from the receiver plan, samples from the timeline, labels from the
// same timeline (docs/scenes.md).
#include "coex/sim/synth.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <memory>
#include <numbers>

#include "coex/core/bands.hpp"
#include "coex/core/error.hpp"
#include "coex/sim/receiver.hpp"
#include "coex/sim/scene.hpp"
#include "timeline.hpp"

namespace coex::sim {

namespace {

using ordered_json = nlohmann::ordered_json;
using Interval = std::pair<double, double>;

// v rounded to a multiple of step (a power of ten <= 1), as the nearest double to the decimal.
double round_to(double v, double step) {
    const double inv = std::round(1.0 / step);
    return std::round(v * inv) / inv;
}

// JSON with one item per line, except arrays that hold no array, object or string: those stay on
// one line (the bursts).
std::string dump_compact_arrays(const ordered_json& j) {
    const std::string text = j.dump(1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::string out;
    out.reserve(text.size());
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            out += c;
            if (c == '\\') out += text[++i];
            else if (c == '"') in_string = false;
            continue;
        }
        if (c == '"') in_string = true;
        if (c == '[') {
            const std::size_t close = text.find_first_of("[]{}\"", i + 1);
            if (close != std::string::npos && text[close] == ']') {
                out += '[';
                for (std::size_t k = i + 1; k < close; ++k) {
                    if (text[k] == '\n' || text[k] == ' ') continue;
                    out += text[k];
                    if (text[k] == ',') out += ' ';
                }
                out += ']';
                i = close;
                continue;
            }
        }
        out += c;
    }
    return out;
}

// Sorts and merges intervals in place.
void merge(std::vector<Interval>& v) {
    std::sort(v.begin(), v.end());
    std::vector<Interval> out;
    for (const auto& iv : v) {
        if (iv.second <= iv.first) continue;
        if (!out.empty() && iv.first <= out.back().second) out.back().second = std::max(out.back().second, iv.second);
        else out.push_back(iv);
    }
    v.swap(out);
}

double total(const std::vector<Interval>& v) {
    double s = 0.0;
    for (const auto& iv : v) s += iv.second - iv.first;
    return s;
}

// Length of the intersection of two merged interval lists.
double overlap(const std::vector<Interval>& a, const std::vector<Interval>& b) {
    double s = 0.0;
    std::size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
        const double lo = std::max(a[i].first, b[j].first), hi = std::min(a[i].second, b[j].second);
        if (hi > lo) s += hi - lo;
        if (a[i].second < b[j].second) ++i;
        else ++j;
    }
    return s;
}

double quantisation_dbfs_per_mhz(const std::string& type, std::optional<int> adc_bits, double rate_hz) {
    double step = type == "int8" ? 1.0 / 128.0 : type == "int16" ? 1.0 / 32768.0 : 0.0;
    if (adc_bits) step = std::max(step, std::ldexp(1.0, 1 - *adc_bits));
    if (step == 0.0) return -400.0;
    return 10.0 * std::log10(step * step / 6.0 / (rate_hz / 1e6));  // I and Q each step^2 / 12
}

}  // namespace

std::optional<double> effective_floor_dbfs_per_mhz(const ReceiverSpec& receiver) {
    if (!receiver.noise_floor_dbfs_per_mhz) return std::nullopt;
    const double q = quantisation_dbfs_per_mhz(receiver.sample_type, receiver.adc_bits, receiver.sample_rate_hz);
    return 10.0 * std::log10(std::pow(10.0, *receiver.noise_floor_dbfs_per_mhz / 10.0) + std::pow(10.0, q / 10.0));
}

struct Synthesizer::Impl {
    Scene scene;
    std::optional<double> floor;  // effective, per MHz
    std::vector<SegmentPlan> segments;
    std::vector<detail::EmitterTimeline> emitters;
    std::vector<RenderStats> stats;
    std::vector<bool> rendered;

    double usable_lo(const SegmentPlan& s) const { return s.info.center_frequency_hz - 0.5 * s.info.usable_bandwidth_hz(); }
    double usable_hi(const SegmentPlan& s) const { return s.info.center_frequency_hz + 0.5 * s.info.usable_bandwidth_hz(); }
    double seg_t0(const SegmentPlan& s) const { return s.info.start_time_s; }
    double seg_t1(const SegmentPlan& s) const { return s.info.start_time_s + static_cast<double>(s.samples) / s.info.sample_rate_hz; }

    // Whether a transmission occupying [f_lo, f_hi] is seen by a segment's usable band: at least half
    // its bandwidth (or 10 MHz of a wider one) inside; a zero-width one with its frequency inside.
    bool sees(const SegmentPlan& s, double f_lo, double f_hi) const {
        const double lo = usable_lo(s), hi = usable_hi(s);
        const double bw = f_hi - f_lo;
        if (bw <= 0.0) return f_lo > lo && f_lo < hi;
        const double ov = std::min(hi, f_hi) - std::max(lo, f_lo);
        return ov >= std::min(0.5 * bw, 10e6) - 1.0;
    }
    // Whether it is seen whole, as `coex eval` counts a packet (the middle 80 % of its band inside).
    bool sees_whole(const SegmentPlan& s, double f_lo, double f_hi) const {
        const double centre = 0.5 * (f_lo + f_hi), inner = 0.4 * (f_hi - f_lo);
        return centre - inner >= usable_lo(s) && centre + inner <= usable_hi(s);
    }

    std::vector<Synthesizer::LabelBurst> bursts(const detail::EmitterTimeline& e) const {
        std::vector<Synthesizer::LabelBurst> out;
        const double d = scene.duration_s;
        if (!e.tones_hz.empty()) {
            for (double f : e.tones_hz) out.push_back({e.direct_t0, e.direct_t1, f, f});
            return out;
        }
        if (e.direct) {
            out.push_back({e.direct_t0, e.direct_t1, e.direct_lo_hz, e.direct_hi_hz});
            return out;
        }
        for (const auto& tx : e.txs) {
            const double a = std::max(0.0, tx.t0), b = std::min(d, tx.t1);
            if (b > a) out.push_back({a, b, tx.f_lo_hz, tx.f_hi_hz, tx.power_dbfs - e.level_dbfs});
        }
        return out;
    }
};

Synthesizer::Synthesizer(Scene scene) : impl_(std::make_unique<Impl>()) {
    Impl& m = *impl_;
    m.scene = std::move(scene);
    const ReceiverSpec& rx = m.scene.receiver;
    m.floor = effective_floor_dbfs_per_mhz(rx);

    auto add_segment = [&](double center, double start, double length_s) {
        SegmentPlan s;
        s.info.center_frequency_hz = center;
        s.info.sample_rate_hz = rx.sample_rate_hz;
        s.info.start_time_s = start;
        s.info.bandwidth_hz = rx.bandwidth_hz;
        s.samples = static_cast<std::uint64_t>(std::llround(length_s * rx.sample_rate_hz));
        if (s.samples == 0) throw InputError(m.scene.name + ": a segment would hold no samples");
        m.segments.push_back(s);
    };
    if (rx.view == ViewKind::sweep) {
        double t = 0.0;
        for (int r = 0; r < rx.rounds; ++r)
            for (double c : rx.sweep_centers_hz) {
                add_segment(c, t, rx.dwell_s);
                t += rx.dwell_s + rx.retune_gap_s;
            }
    } else {
        add_segment(rx.center_hz, 0.0, m.scene.duration_s);
    }
    m.stats.assign(m.segments.size(), RenderStats{});
    m.rendered.assign(m.segments.size(), false);

    detail::TimelineContext ctx{&m.scene, m.floor};
    for (std::size_t i = 0; i < m.scene.emitters.size(); ++i) {
        auto list = detail::build_timeline(ctx, i);
        for (auto& e : list) m.emitters.push_back(std::move(e));
    }
}

Synthesizer::~Synthesizer() = default;
Synthesizer::Synthesizer(Synthesizer&&) noexcept = default;
Synthesizer& Synthesizer::operator=(Synthesizer&&) noexcept = default;

const Scene& Synthesizer::scene() const { return impl_->scene; }
const std::vector<SegmentPlan>& Synthesizer::segments() const { return impl_->segments; }
const RenderStats& Synthesizer::stats(std::size_t segment) const { return impl_->stats.at(segment); }

std::vector<Synthesizer::LabelBurst> Synthesizer::bursts_of(std::size_t emitter) const {
    return impl_->bursts(impl_->emitters.at(emitter));
}

std::vector<cf32> Synthesizer::render(std::size_t index) {
    Impl& m = *impl_;
    const SegmentPlan& seg = m.segments.at(index);
    const ReceiverSpec& rx = m.scene.receiver;
    RenderStats st;
    const double fs = seg.info.sample_rate_hz;
    const double vc = seg.info.center_frequency_hz + rx.lo_offset_hz;  // where the radio really listens
    const double t0 = m.seg_t0(seg), t1 = m.seg_t1(seg);
    std::vector<cf32> out(seg.samples);
    const Segment view{vc, fs, seg.samples};

    // Bursts: generated only when they can reach this segment, in time and in band.
    constexpr double margin_s = 50e-6, margin_hz = 2e6;
    std::vector<Burst> bursts;
    for (const auto& e : m.emitters) {
        if (e.txs.empty()) continue;
        auto it = std::lower_bound(e.txs.begin(), e.txs.end(), t0 - e.max_tx_s - margin_s,
                                   [](const detail::Tx& tx, double t) { return tx.t0 < t; });
        for (; it != e.txs.end() && it->t0 < t1 + margin_s; ++it) {
            if (it->t1 < t0 - margin_s) continue;
            const double cfo = std::abs(e.cfo_hz);
            if (it->f_hi_hz + cfo + margin_hz < vc - 0.5 * fs || it->f_lo_hz - cfo - margin_hz > vc + 0.5 * fs) {
                ++st.bursts_skipped;
                continue;
            }
            std::mt19937_64 rng(it->seed);
            Waveform made = it->make(rng);
            double power_dbfs = it->power_dbfs;
            if (e.burst_drift_hz > 0.0) {
                // A linear drift of random size and sign, its ends kept within the standard's tolerance.
                std::mt19937_64 drift_rng(detail::mix_seed(it->seed, 0xD21F7ull));
                double drift = e.burst_drift_hz * (2.0 * static_cast<double>(drift_rng() >> 11) * 0x1.0p-53 - 1.0);
                if (e.tolerance_hz) {
                    const double room = std::max(0.0, *e.tolerance_hz - std::abs(e.cfo_hz));
                    drift = std::clamp(drift, -2.0 * room, 2.0 * room);
                }
                apply_linear_drift(made.samples, made.sample_rate_hz, drift);
            }
            if (!e.multipath.empty()) {
                // The channel's gain at this burst's frequencies is part of its level (fading).
                // Each path's phase at this burst's carrier: e^{-j 2 pi f_rf tau} (a hopper fades per hop).
                std::vector<MultipathTap> at_carrier = e.multipath;
                for (auto& tap : at_carrier) {
                    const double cycles = it->rf_hz * tap.delay_s;
                    tap.gain *= std::polar(1.0, -2.0 * std::numbers::pi * (cycles - std::floor(cycles)));
                }
                const double before = mean_power(made.samples);
                apply_multipath(made.samples, made.sample_rate_hz, at_carrier);
                const double after = mean_power(made.samples);
                if (before > 0.0 && after > 0.0) power_dbfs += 10.0 * std::log10(after / before);
            }
            auto wf = std::make_shared<const Waveform>(std::move(made));
            bursts.push_back(Burst{it->t0 - t0, it->rf_hz, power_dbfs, std::move(wf), e.ramp_s});
            ++st.bursts_placed;
        }
    }
    add_bursts(view, bursts, out);
    bursts.clear();

    // Continuous emitters straight at the view rate.
    for (std::size_t k = 0; k < m.emitters.size(); ++k) {
        const auto& e = m.emitters[k];
        if (!e.direct) continue;
        const double a = std::max(t0, e.direct_t0), b = std::min(t1, e.direct_t1);
        if (b <= a) continue;
        if (e.direct_hi_hz + margin_hz < vc - 0.5 * fs || e.direct_lo_hz - margin_hz > vc + 0.5 * fs) continue;
        const auto n0 = static_cast<std::size_t>(std::llround((a - t0) * fs));
        const auto n1 = std::min<std::size_t>(out.size(), static_cast<std::size_t>(std::llround((b - t0) * fs)));
        if (n1 <= n0) continue;
        std::mt19937_64 rng(detail::mix_seed(m.scene.seed, 0xD12EC7ull + k, index));
        (*e.direct)(std::span<cf32>(out).subspan(n0, n1 - n0), vc, fs, rng);
    }

    // The receiver: thermal noise, its baseband filter, AGC, IQ imbalance, DC offset, ADC clipping and
    // resolution.
    if (rx.noise_floor_dbfs_per_mhz) {
        std::mt19937_64 rng(detail::mix_seed(m.scene.seed, 0x0015Eull, index));
        add_awgn(out, *rx.noise_floor_dbfs_per_mhz + 10.0 * std::log10(fs / 1e6), rng);
    }
    apply_passband(out, fs, rx.passband_droop_db, rx.passband_tilt_db);
    if (rx.agc_step_db > 0.0) {
        std::mt19937_64 rng(detail::mix_seed(m.scene.seed, 0xA6C57E95ull, index));
        st.gain_steps = agc_steps(out.size(), fs, rx.agc_step_db, rx.agc_steps_per_s, rng);
        apply_gain_steps(out, st.gain_steps);
    }
    const auto g = static_cast<float>(std::pow(10.0, rx.iq_gain_imbalance_db / 20.0));
    const double phi = rx.iq_phase_imbalance_deg * std::numbers::pi / 180.0;
    const auto cphi = static_cast<float>(std::cos(phi)), sphi = static_cast<float>(std::sin(phi));
    cf32 dc{0.0f, 0.0f};
    if (rx.dc_offset_dbfs) {
        std::mt19937_64 rng(detail::mix_seed(m.scene.seed, 0xDC0FFull, index));
        const double th = 2.0 * std::numbers::pi * static_cast<double>(rng() >> 11) * 0x1.0p-53;
        dc = std::polar(static_cast<float>(std::pow(10.0, *rx.dc_offset_dbfs / 20.0)), static_cast<float>(th));
    }
    for (cf32& x : out) {
        float i = x.real(), q = g * (x.imag() * cphi - x.real() * sphi);
        i += dc.real();
        q += dc.imag();
        const bool clip = std::abs(i) >= 1.0f || std::abs(q) >= 1.0f;
        st.clipped_samples += clip ? 1 : 0;
        x = cf32{std::clamp(i, -1.0f, 1.0f), std::clamp(q, -1.0f, 1.0f)};
    }
    if (rx.adc_bits) quantize(out, *rx.adc_bits);
    m.stats[index] = st;
    m.rendered[index] = true;
    return out;
}

std::string Synthesizer::labels_json(const std::string& capture_name) const {
    const Impl& m = *impl_;
    const Scene& sc = m.scene;
    const ReceiverSpec& rx = sc.receiver;
    const double d = sc.duration_s;
    ordered_json j;
    j["schema"] = "coex-labels/1";
    j["scene"] = sc.name;
    j["description"] = sc.description;
    j["capture"] = capture_name;
    j["seed"] = sc.seed;
    j["duration_s"] = round_to(d, 1e-9);
    ordered_json tags = ordered_json::object();
    for (const auto& [k, v] : sc.tags) tags[k] = v;
    j["tags"] = tags;

    ordered_json r;
    r["view"] = to_string(rx.view);
    r["sample_rate_hz"] = rx.sample_rate_hz;
    r["hardware"] = rx.hardware;
    r["sample_type"] = rx.sample_type;
    r["noise_floor_dbfs_per_mhz"] = rx.noise_floor_dbfs_per_mhz ? ordered_json(*rx.noise_floor_dbfs_per_mhz) : ordered_json(nullptr);
    r["floor_dbfs_per_mhz"] = m.floor ? ordered_json(round_to(*m.floor, 0.01)) : ordered_json(nullptr);
    r["dc_offset_dbfs"] = rx.dc_offset_dbfs ? ordered_json(*rx.dc_offset_dbfs) : ordered_json(nullptr);
    r["iq_gain_imbalance_db"] = rx.iq_gain_imbalance_db;
    r["iq_phase_imbalance_deg"] = rx.iq_phase_imbalance_deg;
    r["lo_offset_hz"] = rx.lo_offset_hz;
    if (!rx.model.empty()) r["model"] = rx.model;
    if (rx.adc_bits) r["adc_bits"] = *rx.adc_bits;
    if (rx.passband_droop_db != 0.0 || rx.passband_tilt_db != 0.0) {
        r["passband_droop_db"] = rx.passband_droop_db;
        r["passband_tilt_db"] = rx.passband_tilt_db;
    }
    if (rx.agc_step_db > 0.0) {
        r["agc_step_db"] = rx.agc_step_db;
        r["agc_steps_per_s"] = rx.agc_steps_per_s;
    }
    if (rx.multipath_rms_s > 0.0) r["multipath_rms_ns"] = round_to(rx.multipath_rms_s * 1e9, 0.01);
    if (rx.tx_drift) r["tx_drift"] = true;
    j["receiver"] = r;

    ordered_json segs = ordered_json::array();
    double observed_total = 0.0;
    for (std::size_t i = 0; i < m.segments.size(); ++i) {
        const auto& s = m.segments[i];
        observed_total += m.seg_t1(s) - m.seg_t0(s);
        ordered_json o = {{"index", i},
                          {"center_mhz", s.info.center_frequency_hz / 1e6},
                          {"sample_rate_hz", s.info.sample_rate_hz},
                          {"start_s", round_to(m.seg_t0(s), 1e-9)},
                          {"end_s", round_to(m.seg_t1(s), 1e-9)},
                          {"samples", s.samples},
                          {"usable_low_mhz", round_to(m.usable_lo(s) / 1e6, 1e-6)},
                          {"usable_high_mhz", round_to(m.usable_hi(s) / 1e6, 1e-6)}};
        o["clipped_samples"] = m.rendered[i] ? ordered_json(m.stats[i].clipped_samples) : ordered_json(nullptr);
        if (m.rendered[i] && !m.stats[i].gain_steps.empty()) {
            ordered_json steps = ordered_json::array();
            for (const auto& g : m.stats[i].gain_steps)
                steps.push_back({round_to(m.seg_t0(s) + static_cast<double>(g.sample) / s.info.sample_rate_hz, 1e-9), g.gain_db});
            o["agc_steps"] = steps;
        }
        segs.push_back(o);
    }
    j["segments"] = segs;
    j["observed_s"] = round_to(observed_total, 1e-9);

    // Wi-Fi channels: airtime over the time each was observed whole.
    ordered_json chans = ordered_json::array();
    std::vector<std::string> observed_list;
    for (int ch = 1; ch <= 14; ++ch) {
        const double c = wifi_channel_center_mhz(ch) * 1e6, hw = wifi_observed_half_width_mhz * 1e6;
        std::vector<Interval> seen;
        for (const auto& s : m.segments)
            if (m.usable_lo(s) <= c - hw + 1.0 && m.usable_hi(s) >= c + hw - 1.0) seen.emplace_back(m.seg_t0(s), m.seg_t1(s));
        merge(seen);
        // Frames of the Wi-Fi emitters on this channel whose band covers its centre (an HT40 frame
        // counts on its primary and its secondary channel; a beacon on the primary only).
        std::vector<Interval> busy;
        for (const auto& e : m.emitters)
            if (std::find(e.wifi_channels.begin(), e.wifi_channels.end(), ch) != e.wifi_channels.end())
                for (const auto& b : m.bursts(e))
                    if (b.f_lo_hz <= c && b.f_hi_hz >= c) busy.emplace_back(b.t_start, b.t_end);
        merge(busy);
        const double obs = total(seen);
        ordered_json o = {{"channel", ch}, {"center_mhz", c / 1e6}, {"observed", obs > 0.0}, {"observed_s", round_to(obs, 1e-9)}};
        o["airtime"] = obs > 0.0 ? ordered_json(round_to(overlap(seen, busy) / obs, 1e-6)) : ordered_json(nullptr);
        o["airtime_all"] = round_to(std::min(1.0, overlap({{0.0, d}}, busy) / d), 1e-6);  // over the whole timeline
        chans.push_back(o);
    }
    j["wifi"] = {{"channels", chans}};

    // Emitters.
    constexpr std::size_t max_listed = 20000;
    ordered_json ems = ordered_json::array();
    std::vector<std::pair<std::string, std::vector<Interval>>> per_class;
    for (std::size_t k = 0; k < m.emitters.size(); ++k) {
        const auto& e = m.emitters[k];
        const auto bl = m.bursts(e);
        double f_lo = e.center_hz - 0.5 * e.bandwidth_hz, f_hi = e.center_hz + 0.5 * e.bandwidth_hz;
        std::vector<Interval> on;
        std::size_t observed = 0;
        double on_observed = 0.0;
        // The strongest transmission the view saw, at its own level and through its fade: of those seen
        // whole when there are any (a narrow view's neighbours half inside it fall outside its cells).
        std::optional<double> best_whole_db, best_part_db;
        for (const auto& b : bl) {
            f_lo = std::min(f_lo, b.f_lo_hz);
            f_hi = std::max(f_hi, b.f_hi_hz);
            on.emplace_back(b.t_start, b.t_end);
            bool seen = false, whole = false;
            for (const auto& s : m.segments) {
                const double a = std::max(b.t_start, m.seg_t0(s)), z = std::min(b.t_end, m.seg_t1(s));
                if (z > a && m.sees(s, b.f_lo_hz, b.f_hi_hz)) {
                    seen = true;
                    whole = whole || m.sees_whole(s, b.f_lo_hz, b.f_hi_hz);
                    on_observed += z - a;
                }
            }
            observed += seen ? 1 : 0;
            if (seen && !e.multipath.empty()) {
                const double as_seen = b.level_db + multipath_gain_db(e.multipath, b.f_lo_hz, b.f_hi_hz);
                auto& best = whole ? best_whole_db : best_part_db;
                best = std::max(best.value_or(as_seen), as_seen);
            }
        }
        const std::optional<double> best_seen_db = best_whole_db ? best_whole_db : best_part_db;
        merge(on);
        const auto cls_it = std::find_if(per_class.begin(), per_class.end(), [&](const auto& p) { return p.first == e.label_class; });
        if (cls_it == per_class.end()) per_class.emplace_back(e.label_class, on);
        else cls_it->second.insert(cls_it->second.end(), on.begin(), on.end());

        ordered_json o;
        o["id"] = k;
        o["class"] = e.label_class;
        o["type"] = e.type;
        o["scene_index"] = e.spec_index;
        if (!e.name.empty()) o["name"] = e.name;
        o["center_mhz"] = round_to(e.center_hz / 1e6, 1e-4);
        o["bandwidth_mhz"] = round_to(e.bandwidth_hz / 1e6, 1e-4);
        o["low_mhz"] = round_to(f_lo / 1e6, 1e-4);
        o["high_mhz"] = round_to(f_hi / 1e6, 1e-4);
        o["level_dbfs"] = round_to(e.level_dbfs, 0.01);
        o["snr_bandwidth_mhz"] = round_to(e.snr_bandwidth_hz / 1e6, 1e-4);
        const std::optional<double> above =
            m.floor ? std::optional(e.level_dbfs - *m.floor - 10.0 * std::log10(e.snr_bandwidth_hz / 1e6)) : std::nullopt;
        o["above_floor_db"] = above ? ordered_json(round_to(*above, 0.01)) : ordered_json(nullptr);
        // With multipath each transmission fades at its own frequencies: as the view saw it, the
        // emitter was as strong as its strongest transmission in view (a hopper whose one packet in a
        // narrow view was a slave's reply in a 10 dB fade was weak there, whatever its master's level).
        if (above && best_seen_db) o["seen_above_floor_db"] = round_to(*above + *best_seen_db, 0.01);
        o["cfo_hz"] = round_to(e.cfo_hz, 0.1);
        o["duty"] = round_to(total(on) / d, 1e-6);
        o["on_s"] = round_to(total(on), 1e-9);
        o["on_observed_s"] = round_to(on_observed, 1e-9);
        o["bursts_total"] = bl.size();
        o["bursts_observed"] = observed;
        o["visible"] = observed > 0;
        if (!e.wifi_channels.empty()) o["wifi_channels"] = e.wifi_channels;
        for (const auto& [key, value] : e.facts) o[key] = value;
        if (!e.identities.empty()) {
            ordered_json ids = ordered_json::array();
            for (const auto& [role, id] : e.identities) ids.push_back({{"role", role}, {"id", id}});
            o["identities"] = ids;
        }
        ordered_json list = ordered_json::array();
        for (std::size_t i = 0; i < bl.size() && i < max_listed; ++i)
            list.push_back({round_to(bl[i].t_start, 1e-8), round_to(bl[i].t_end, 1e-8), round_to(bl[i].f_lo_hz / 1e6, 1e-4),
                            round_to(bl[i].f_hi_hz / 1e6, 1e-4)});
        o["bursts_truncated"] = bl.size() > max_listed;
        o["bursts"] = list;
        ems.push_back(o);
    }
    j["emitters"] = ems;

    ordered_json classes = ordered_json::object();
    for (auto& [cls, on] : per_class) {
        merge(on);
        std::size_t count = 0;
        for (const auto& e : m.emitters) count += e.label_class == cls ? 1 : 0;
        classes[cls] = {{"emitters", count}, {"duty", round_to(total(on) / d, 1e-6)}};
    }
    j["classes"] = classes;

    if (sc.expect) {
        ordered_json rec = {{"channel", sc.expect->channel}};
        if (sc.expect->current_channel) rec["current_channel"] = *sc.expect->current_channel;
        j["expect"] = {{"recommendation", rec}};
    } else {
        j["expect"] = nullptr;
    }
    return dump_compact_arrays(j) + "\n";
}

}  // namespace coex::sim
