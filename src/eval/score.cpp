// Scoring reports against labels (docs/accuracy.md describes every rule used here).
#include "coex/eval/score.hpp"
#include "coex/core/emitter_class.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <sstream>

#include "coex/core/error.hpp"

namespace coex::eval {

namespace {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

std::string fmt(const char* f, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}

std::string opt(std::optional<double> v, const char* f = "%.3f") { return v ? fmt(f, *v) : std::string("-"); }

double num(const json& j, const char* key, double fallback = 0.0) {
    auto it = j.find(key);
    return it != j.end() && it->is_number() ? it->get<double>() : fallback;
}
std::optional<double> opt_num(const json& j, const char* key) {
    auto it = j.find(key);
    if (it != j.end() && it->is_number()) return it->get<double>();
    return std::nullopt;
}
std::string str(const json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

struct Band {
    std::string cls;
    double lo = 0.0, hi = 0.0;
    bool visible = true;
    std::optional<double> snr;
    json bursts;  // labelled bursts [[t0, t1, f_lo, f_hi], ...] or reported [[t0, t1], ...]
};

// Overlap of a reported band (widened by tol) with a labelled band; < 0 when none. A zero-width
// label overlaps when its frequency lies inside the widened reported band.
double band_overlap(const Band& reported, const Band& label, double tol) {
    const double lo = std::max(reported.lo - tol, label.lo), hi = std::min(reported.hi + tol, label.hi);
    if (hi < lo) return -1.0;
    return hi - lo;
}

json parse(const std::string& text, const std::string& name, const char* what) {
    try {
        return json::parse(text);
    } catch (const json::exception&) {  // a syntax error, or a number too large for a double
        throw InputError(name + ": the " + std::string(what) + " is not valid JSON");
    }
}

// Reported burst times of an emitter: "burst_list" or "burst_times" as [[t_start, t_end], ...].
const json* reported_bursts(const json& e) {
    for (const char* key : {"burst_list", "burst_times"}) {
        auto it = e.find(key);
        if (it != e.end() && it->is_array()) return &*it;
    }
    return nullptr;
}

void score_bursts(const json& reported, const json& labelled, BurstCounts& c) {
    auto ok = [](const json& b) { return b.is_array() && b.size() >= 2 && b[0].is_number() && b[1].is_number(); };
    std::vector<std::pair<double, double>> r, l;
    for (const auto& b : reported)
        if (ok(b)) r.emplace_back(b[0].get<double>(), b[1].get<double>());
    for (const auto& b : labelled)
        if (ok(b)) l.emplace_back(b[0].get<double>(), b[1].get<double>());
    // A labelled burst is detected by a reported one that covers at least half of the shorter.
    auto hit = [](std::pair<double, double> a, std::pair<double, double> b) {
        const double ov = std::min(a.second, b.second) - std::max(a.first, b.first);
        return ov > 0.0 && ov >= 0.5 * std::min(a.second - a.first, b.second - b.first);
    };
    c.reported += static_cast<int>(r.size());
    for (const auto& lb : l) {
        ++c.labelled;
        if (std::any_of(r.begin(), r.end(), [&](auto rb) { return hit(rb, lb); })) ++c.detected;
    }
    for (const auto& rb : r)
        if (std::any_of(l.begin(), l.end(), [&](auto lb) { return hit(rb, lb); })) ++c.reported_true;
}

}  // namespace

// A report's name for an identity, as the labels write it: "SSID BSSID" for a network, else the id.
std::string identity_text(const json& id) {
    const std::string name = str(id, "name");
    return name.empty() ? str(id, "id") : name + " " + str(id, "id");
}

void score_decoding(const json& reported, const json& label, DecodeCounts& c) {
    const auto& ev = reported["evidence"];
    c.bursts += ev.value("bursts", 0ull);
    c.tried += ev.value("tried", 0ull);
    c.decoded += ev.value("decoded", 0ull);
    c.checksum_ok += ev.value("checksum_ok", 0ull);
    std::set<std::string> named;
    for (const auto& id : reported.value("identities", json::array()))
        if (id.value("verified", false) || str(id, "role") == "connection") named.insert(identity_text(id));
    std::set<std::string> labelled;
    for (const auto& id : label.value("identities", json::array())) labelled.insert(str(id, "id"));
    c.identities_labelled += static_cast<int>(labelled.size());
    for (const auto& id : labelled) c.identities_found += named.count(id) ? 1 : 0;
    if (!labelled.empty())  // (a label that names no one cannot say what is extra)
        for (const auto& id : named) c.identities_extra += labelled.count(id) ? 0 : 1;
}

// The PHY (the report's packet protocol key) whose checksum proves each packet class.
const char* protocol_of(const std::string& cls) {
    const auto c = emitter_class_from_key(cls);
    if (!c) return nullptr;
    switch (*c) {
        case EmitterClass::ble: return "bluetooth_le";
        case EmitterClass::bluetooth_classic: return "bluetooth_br";
        case EmitterClass::zigbee: return "ieee802154";
        case EmitterClass::proprietary_gfsk: return "esb";
        case EmitterClass::wifi_dsss: return "ieee80211_dsss";
        case EmitterClass::wifi_ofdm: return "ieee80211_ofdm";
        default: return nullptr;
    }
}

// Per labelled packet: seen whole and alone (counted) and then decoded, or collided, or cut (score.hpp).
void score_packets(const json& rep, const json& lab, CaptureScore& s) {
    if (!rep.contains("bursts") || !rep["bursts"].is_array()) return;
    s.packets_scored = true;
    struct Span {
        double t0, t1, lo, hi;
    };
    auto overlap = [](double a0, double a1, double b0, double b1) { return std::min(a1, b1) - std::max(a0, b0); };
    // checksum-valid packets in the report, per protocol: their own time where given, else their burst's
    std::map<std::string, std::vector<Span>> proven;
    for (const auto& b : rep["bursts"]) {
        if (!b.contains("packets") || !b["packets"].is_array()) continue;
        for (const auto& p : b["packets"]) {
            if (!p.value("checksum_ok", false)) continue;
            Span sp{num(b, "start_s"), num(b, "end_s"), num(b, "low_mhz"), num(b, "high_mhz")};
            if (auto t = opt_num(p, "start_s")) sp = {*t, *t + 1e-6 * num(p, "duration_us"), sp.lo, sp.hi};
            proven[str(p, "protocol")].push_back(sp);
        }
    }
    struct LabelledPacket {
        std::size_t emitter;
        double level;
        Span span;
    };
    std::vector<LabelledPacket> all;
    const json emitters = lab.value("emitters", json::array());
    for (std::size_t i = 0; i < emitters.size(); ++i)
        for (const auto& b : emitters[i].value("bursts", json::array()))
            if (b.is_array() && b.size() >= 4)
                all.push_back({i, num(emitters[i], "level_dbfs"), {b[0].get<double>(), b[1].get<double>(), b[2].get<double>(), b[3].get<double>()}});
    const json segments = lab.value("segments", json::array());
    for (const auto& p : all) {
        const json& e = emitters[p.emitter];
        const std::string cls = str(e, "class");
        const char* protocol = protocol_of(cls);
        // A proprietary link is decodable only when it speaks ESB: a toy remote's own framing is not.
        if (protocol && emitter_class_from_key(cls) == EmitterClass::proprietary_gfsk && str(e, "type") != "esb") protocol = nullptr;
        const auto snr = opt_num(e, "above_floor_db");
        if (!protocol || !e.value("visible", true) || !snr || *snr < kDecodeSnrDb - 0.5) continue;
        // the dwell it falls in (or starts or ends in), and whether the view sees its band at all
        const json* seg = nullptr;
        for (const auto& g : segments)
            if (overlap(p.span.t0, p.span.t1, num(g, "start_s"), num(g, "end_s")) > 0.0) seg = &g;
        if (!seg || overlap(p.span.lo, p.span.hi, num(*seg, "usable_low_mhz"), num(*seg, "usable_high_mhz")) <= 0.0) continue;
        PacketCounts& c = s.packets[cls];
        // (its band is a nominal mask, 20-22 MHz for Wi-Fi: 80 % of it in view is seen whole; the labels
        // clip a packet to the capture, so one that starts or ends on the dwell's edge was cut there)
        const double inner = 0.4 * (p.span.hi - p.span.lo), centre = 0.5 * (p.span.lo + p.span.hi);
        if (p.span.t0 <= num(*seg, "start_s") || p.span.t1 >= num(*seg, "end_s") || centre - inner < num(*seg, "usable_low_mhz") ||
            centre + inner > num(*seg, "usable_high_mhz")) {
            ++c.cut;
            continue;
        }
        const bool collided = std::any_of(all.begin(), all.end(), [&](const LabelledPacket& o) {
            return o.emitter != p.emitter && o.level >= p.level - kCollisionDb && overlap(o.span.t0, o.span.t1, p.span.t0, p.span.t1) > 0.0 &&
                   overlap(o.span.lo, o.span.hi, p.span.lo, p.span.hi) > 0.0;
        });
        if (collided) {
            ++c.collided;
            continue;
        }
        ++c.counted;
        // a proven packet covering most of it (or most of which it covers), its band within 0.5 MHz
        const double duration = p.span.t1 - p.span.t0;
        const auto& found = proven[protocol];
        c.decoded += std::any_of(found.begin(), found.end(), [&](const Span& f) {
            const double common = overlap(f.t0, f.t1, p.span.t0, p.span.t1);
            return common > 0.5 * std::min(duration, f.t1 - f.t0) && overlap(f.lo - 0.5, f.hi + 0.5, p.span.lo, p.span.hi) >= 0.0;
        });
    }
}

PacketCounts& PacketCounts::operator+=(const PacketCounts& o) {
    collided += o.collided;
    cut += o.cut;
    counted += o.counted;
    decoded += o.decoded;
    return *this;
}

DecodeCounts& DecodeCounts::operator+=(const DecodeCounts& o) {
    bursts += o.bursts;
    tried += o.tried;
    decoded += o.decoded;
    checksum_ok += o.checksum_ok;
    identities_labelled += o.identities_labelled;
    identities_found += o.identities_found;
    identities_extra += o.identities_extra;
    return *this;
}

const std::vector<std::string>& emitter_classes() {
    static const std::vector<std::string> classes = [] {
        std::vector<std::string> keys;
        for (const auto& c : coex::emitter_classes()) keys.emplace_back(c.key);
        return keys;
    }();
    return classes;
}

std::optional<double> ClassCounts::precision() const {
    return tp + fp > 0 ? std::optional<double>(static_cast<double>(tp) / (tp + fp)) : std::nullopt;
}
std::optional<double> ClassCounts::recall() const {
    return tp + fn > 0 ? std::optional<double>(static_cast<double>(tp) / (tp + fn)) : std::nullopt;
}
std::optional<double> ClassCounts::f1() const {
    if (tp + fp + fn == 0) return std::nullopt;
    return 2.0 * tp / (2.0 * tp + fp + fn);
}
ClassCounts& ClassCounts::operator+=(const ClassCounts& o) {
    tp += o.tp;
    fp += o.fp;
    fn += o.fn;
    duplicates += o.duplicates;
    matched_hidden += o.matched_hidden;
    return *this;
}

void ErrorStats::add(double e) {
    ++n;
    sum += e;
    max = std::max(max, e);
}
std::optional<double> ErrorStats::mean() const { return n > 0 ? std::optional<double>(sum / n) : std::nullopt; }

std::string snr_bucket(std::optional<double> snr_db) {
    if (!snr_db) return "none";
    const double b = std::clamp(5.0 * std::round(*snr_db / 5.0), -10.0, 60.0) + 0.0;  // no "-0"
    return fmt("%+.0f dB", b);
}

namespace {

CaptureScore score_parsed_capture(const std::string& report_json, const std::string& labels_json, const std::string& name,
                                  const MatchRules& rules) {
    const json rep = parse(report_json, name, "report");
    const json lab = parse(labels_json, name, "labels file");
    if (!lab.is_object() || str(lab, "schema") != "coex-labels/1")
        throw InputError(name + ": the labels file is not coex-labels/1");
    if (!rep.is_object() || str(rep, "schema").rfind("coex-report/", 0) != 0) throw InputError(name + ": the report is not coex-report/*");

    CaptureScore s;
    s.name = name;
    s.scene = str(lab, "scene");
    s.view = lab.contains("receiver") ? str(lab["receiver"], "view") : "";

    // ---- labelled emitters -----------------------------------------------------------------------
    std::vector<Band> labels;
    std::map<int, std::optional<double>> wifi_snr;  // channel -> SNR of the Wi-Fi emitter on it
    bool only_spurs = true;
    for (const auto& e : lab.value("emitters", json::array())) {
        Band b;
        b.cls = str(e, "class");
        b.lo = num(e, "low_mhz");
        b.hi = num(e, "high_mhz");
        b.visible = e.value("visible", true);
        // as the view saw it: with multipath, its least faded transmission in view (labels say so)
        b.snr = opt_num(e, "seen_above_floor_db");
        if (!b.snr) b.snr = opt_num(e, "above_floor_db");
        if (e.contains("bursts")) b.bursts = e["bursts"];
        const auto label_class = emitter_class_from_key(b.cls);
        if (label_class != EmitterClass::narrowband_spur) only_spurs = false;
        if (label_class && is_wifi(*label_class)) {
            // The channels it counts on (labels list them; else the one nearest its centre).
            std::vector<int> chans;
            if (e.contains("wifi_channels") && e["wifi_channels"].is_array())
                for (const auto& c : e["wifi_channels"]) chans.push_back(c.get<int>());
            if (chans.empty()) {
                const double c = 0.5 * (b.lo + b.hi);
                chans.push_back(c > 2480 ? 14 : static_cast<int>(std::lround((c - 2412.0) / 5.0)) + 1);
            }
            for (int ch : chans)
                if (!wifi_snr[ch] || (b.snr && *b.snr > *wifi_snr[ch])) wifi_snr[ch] = b.snr;
        }
        labels.push_back(std::move(b));
    }
    s.false_positive_scene = only_spurs;
    score_packets(rep, lab, s);

    // ---- Wi-Fi occupancy -----------------------------------------------------------------------------
    std::map<int, json> truth;
    if (lab.contains("wifi"))
        for (const auto& c : lab["wifi"].value("channels", json::array())) truth[c.value("channel", 0)] = c;
    if (rep.contains("wifi") && rep["wifi"].is_object())
        for (const auto& c : rep["wifi"].value("channels", json::array())) {
            const int ch = c.value("channel", 0);
            auto t = truth.find(ch);
            if (t == truth.end()) continue;
            const bool rep_obs = c.value("observed", false), lab_obs = t->second.value("observed", false);
            if (rep_obs != lab_obs) ++s.wifi_observed_mismatch;
            if (!rep_obs || !lab_obs) continue;
            OccupancyError o;
            o.channel = ch;
            o.truth = num(t->second, "airtime");
            o.reported = num(c, "occupancy");
            if (auto w = wifi_snr.find(ch); w != wifi_snr.end()) o.snr_db = w->second;
            if (o.truth < rules.wifi_idle_airtime && o.reported >= rules.wifi_false_occupancy) ++s.wifi_false_channels;
            s.occupancy.push_back(o);
        }

    // ---- emitters: one-to-one matching by class and band overlap --------------------------------------
    std::vector<Band> reported;
    std::vector<const json*> reported_json;
    if (rep.contains("emitters") && rep["emitters"].is_array())
        for (const auto& e : rep["emitters"]) {
            Band b;
            b.cls = str(e, "class");
            b.lo = num(e, "low_mhz");
            b.hi = num(e, "high_mhz");
            if (b.hi < b.lo) std::swap(b.lo, b.hi);
            reported.push_back(b);
            reported_json.push_back(&e);
        }
    for (const auto& c : emitter_classes()) s.classes[c];  // every class present in the table

    struct Pair {
        double overlap;
        std::size_t r, l;
    };
    std::vector<Pair> pairs;
    for (std::size_t r = 0; r < reported.size(); ++r)
        for (std::size_t l = 0; l < labels.size(); ++l)
            if (reported[r].cls == labels[l].cls) {
                const double ov = band_overlap(reported[r], labels[l], rules.band_tolerance_mhz);
                if (ov >= 0.0) pairs.push_back({ov + (labels[l].visible ? 1e6 : 0.0), r, l});  // visible labels first
            }
    std::stable_sort(pairs.begin(), pairs.end(), [](const Pair& a, const Pair& b) { return a.overlap > b.overlap; });
    std::vector<int> r_match(reported.size(), -1), l_match(labels.size(), -1);
    for (const auto& p : pairs)
        if (r_match[p.r] < 0 && l_match[p.l] < 0) {
            r_match[p.r] = static_cast<int>(p.l);
            l_match[p.l] = static_cast<int>(p.r);
        }

    // (a label's SNR rounds to the ladder's step: "10 dB" may be written 9.96)
    auto weak = [&](std::size_t l) { return labels[l].snr && *labels[l].snr < kStrongSnrDb - 0.5; };
    auto lies_on_weak = [&](std::size_t r) {
        for (std::size_t l = 0; l < labels.size(); ++l)
            if (labels[l].visible && weak(l) && band_overlap(reported[r], labels[l], rules.band_tolerance_mhz) >= 0.0) return true;
        return false;
    };
    for (const auto& c : emitter_classes()) s.classes_strong[c];
    std::vector<bool> r_used_for_confusion(reported.size(), false);
    for (std::size_t l = 0; l < labels.size(); ++l) {
        const Band& lb = labels[l];
        ClassCounts& cc = s.classes[lb.cls];
        if (!lb.visible) continue;
        LabelOutcome out{lb.cls, lb.snr, l_match[l] >= 0};
        s.outcomes.push_back(out);
        if (!weak(l)) ++(l_match[l] >= 0 ? s.classes_strong[lb.cls].tp : s.classes_strong[lb.cls].fn);
        if (l_match[l] >= 0) {
            ++cc.tp;
            ++s.confusion[{lb.cls, lb.cls}];
            if (const json& r = *reported_json[static_cast<std::size_t>(l_match[l])];
                lb.snr && *lb.snr >= kDecodeSnrDb - 0.5 && r.contains("evidence") && r["evidence"].contains("tried"))
                score_decoding(r, lab["emitters"][l], s.decoding[lb.cls]);
            const json* rb = reported_bursts(*reported_json[static_cast<std::size_t>(l_match[l])]);
            if (rb && lb.bursts.is_array()) score_bursts(*rb, lb.bursts, s.bursts);
            continue;
        }
        ++cc.fn;
        // Confused with another class? The unmatched report of another class overlapping it most.
        int best = -1;
        double best_ov = -1.0;
        for (std::size_t r = 0; r < reported.size(); ++r) {
            if (r_match[r] >= 0 || r_used_for_confusion[r] || reported[r].cls == lb.cls) continue;
            const double ov = band_overlap(reported[r], lb, rules.band_tolerance_mhz);
            if (ov > best_ov) {
                best_ov = ov;
                best = static_cast<int>(r);
            }
        }
        if (best >= 0 && best_ov >= 0.0) {
            r_used_for_confusion[static_cast<std::size_t>(best)] = true;
            ++s.confusion[{lb.cls, reported[static_cast<std::size_t>(best)].cls}];
        } else {
            ++s.confusion[{lb.cls, "missed"}];
        }
    }
    for (std::size_t r = 0; r < reported.size(); ++r) {
        ClassCounts& cc = s.classes[reported[r].cls];
        if (reported_bursts(*reported_json[r])) s.bursts_in_report = true;
        if (r_match[r] >= 0) {
            if (!labels[static_cast<std::size_t>(r_match[r])].visible) ++cc.matched_hidden;
            continue;
        }
        // Another report of an emitter already matched: a duplicate, not a false detection.
        bool duplicate = false;
        for (std::size_t l = 0; l < labels.size(); ++l)
            if (labels[l].cls == reported[r].cls && band_overlap(reported[r], labels[l], rules.band_tolerance_mhz) >= 0.0) duplicate = true;
        if (duplicate) {
            ++cc.duplicates;
            continue;
        }
        if (reported[r].cls == key(EmitterClass::bluetooth_classic))
            for (std::size_t l = 0; l < labels.size(); ++l)
                if (labels[l].cls == key(EmitterClass::proprietary_gfsk) && band_overlap(reported[r], labels[l], rules.band_tolerance_mhz) >= 0.0) {
                    ++s.classic_from_fixed_gfsk;
                    break;
                }
        ++cc.fp;
        if (!lies_on_weak(r)) ++s.classes_strong[reported[r].cls].fp;
        // A class the scene does not hold at all is a false detection (wrong class); another
        // report of a labelled class (say a clipping product next to a labelled spur) only costs
        // that class its precision.
        const bool class_labelled = std::any_of(labels.begin(), labels.end(), [&](const Band& b) { return b.cls == reported[r].cls; });
        if (!class_labelled) ++s.false_detections;
        if (!class_labelled && reported[r].cls == key(EmitterClass::usb3_noise)) ++s.false_usb3;
        if (!r_used_for_confusion[r]) ++s.confusion[{"none", reported[r].cls}];
    }
    s.false_detections += s.wifi_false_channels;

    // ---- recommendation ---------------------------------------------------------------------------------
    if (lab.contains("expect") && lab["expect"].is_object() && lab["expect"].contains("recommendation")) {
        s.recommendation_expected = true;
        s.recommendation_expected_channel = lab["expect"]["recommendation"].value("channel", 0);
        if (rep.contains("recommendation") && rep["recommendation"].is_object()) {
            const auto& r = rep["recommendation"];
            for (const char* key : {"channel", "best_channel", "recommended_channel"})
                if (r.contains(key) && r[key].is_number_integer()) {
                    s.recommendation_reported_channel = r[key].get<int>();
                    break;
                }
        }
    }
    return s;
}

}  // namespace

CaptureScore score_capture(const std::string& report_json, const std::string& labels_json, const std::string& name,
                           const MatchRules& rules) {
    try {
        return score_parsed_capture(report_json, labels_json, name, rules);
    } catch (const json::exception& e) {  // a field of the wrong type (a string where a number belongs, ...)
        throw InputError(name + ": the report or its labels hold a value of the wrong type (" + e.what() + ")");
    }
}

Summary summarize(const std::vector<CaptureScore>& scores) {
    Summary m;
    for (const auto& c : emitter_classes()) m.classes[c];
    for (const auto& s : scores) {
        ++m.captures;
        m.false_positive_scenes += s.false_positive_scene ? 1 : 0;
        m.analysis_s += s.analysis_s;
        m.synth_s += s.synth_s;
        for (const auto& o : s.occupancy) {
            const double e = std::abs(o.reported - o.truth);
            m.occupancy.add(e);
            m.occupancy_by_view[s.view].add(e);
            m.occupancy_by_snr[snr_bucket(o.snr_db)].add(e);
        }
        m.wifi_observed_mismatch += s.wifi_observed_mismatch;
        m.wifi_false_channels += s.wifi_false_channels;
        if (s.false_positive_scene) {
            m.wifi_false_channels_fp_scenes += s.wifi_false_channels;
            m.false_detections_fp_scenes += s.false_detections;
        }
        m.false_detections += s.false_detections;
        m.false_usb3 += s.false_usb3;
        m.classic_from_fixed_gfsk += s.classic_from_fixed_gfsk;
        ClassCounts pooled;
        for (const auto& [c, cc] : s.classes) {
            m.classes[c] += cc;
            pooled += cc;
        }
        m.by_view[s.view] += pooled;
        ClassCounts pooled_strong;
        for (const auto& [c, cc] : s.classes_strong) {
            m.classes_strong[c] += cc;
            pooled_strong += cc;
        }
        m.by_view_strong[s.view] += pooled_strong;
        for (const auto& o : s.outcomes) {
            auto& cell = m.recall_by_snr[o.label_class][snr_bucket(o.snr_db)];
            cell.first += o.detected ? 1 : 0;
            cell.second += 1;
        }
        for (const auto& [k, v] : s.confusion) m.confusion[k] += v;
        if (s.recommendation_expected) {
            ++m.recommendation_scenes;
            if (s.recommendation_reported_channel) ++m.recommendation_reported;
            if (s.recommendation_reported_channel && s.recommendation_reported_channel == s.recommendation_expected_channel)
                ++m.recommendation_agree;
        }
        m.bursts_in_report = m.bursts_in_report || s.bursts_in_report;
        m.bursts.labelled += s.bursts.labelled;
        m.bursts.detected += s.bursts.detected;
        m.bursts.reported += s.bursts.reported;
        m.bursts.reported_true += s.bursts.reported_true;
        for (const auto& [c, d] : s.decoding) m.decoding[c] += d;
        m.packets_scored = m.packets_scored || s.packets_scored;
        for (const auto& [c, d] : s.packets) m.packets[c] += d;
    }
    return m;
}

namespace {

// Buckets in numeric order ("none" last).
std::vector<std::string> sorted_buckets(const std::set<std::string>& in) {
    std::vector<std::string> v(in.begin(), in.end());
    std::sort(v.begin(), v.end(), [](const std::string& a, const std::string& b) {
        if (a == "none" || b == "none") return b == "none" && a != "none";
        return std::stod(a) < std::stod(b);
    });
    return v;
}

}  // namespace

std::string to_text(const Summary& m, const std::vector<CaptureScore>& scores) {
    std::ostringstream o;
    o << "coex eval: " << m.captures << " labelled capture" << (m.captures == 1 ? "" : "s") << " (" << m.false_positive_scenes
      << " false-positive scene" << (m.false_positive_scenes == 1 ? "" : "s") << "); analysis " << fmt("%.1f", m.analysis_s) << " s";
    if (m.synth_s > 0) o << ", synthesis " << fmt("%.1f", m.synth_s) << " s";
    o << "\n\nWi-Fi occupancy, |reported - true| per observed channel\n";
    char line[256];
    std::snprintf(line, sizeof line, "  %-22s %5s %10s %10s\n", "", "n", "mean", "max");
    o << line;
    auto occ_row = [&](const std::string& label, const ErrorStats& e) {
        std::snprintf(line, sizeof line, "  %-22s %5d %10s %10s\n", label.c_str(), e.n, opt(e.mean(), "%.4f").c_str(),
                      e.n ? fmt("%.4f", e.max).c_str() : "-");
        o << line;
    };
    occ_row("all", m.occupancy);
    for (const auto& [v, e] : m.occupancy_by_view) occ_row("view " + v, e);
    std::set<std::string> snr_keys;
    for (const auto& [k, e] : m.occupancy_by_snr) snr_keys.insert(k);
    for (const auto& k : sorted_buckets(snr_keys)) occ_row(k == "none" ? "no Wi-Fi on channel" : "Wi-Fi SNR " + k, m.occupancy_by_snr.at(k));
    o << "  observed-flag mismatches: " << m.wifi_observed_mismatch << "; false Wi-Fi channels (occupancy on an idle channel): "
      << m.wifi_false_channels << " (" << m.wifi_false_channels_fp_scenes << " on false-positive scenes)\n";

    o << "\nEmitters, scene level (match: same class, bands overlapping within the tolerance)\n";
    std::snprintf(line, sizeof line, "  %-18s %5s %5s %5s %5s %10s %8s %6s\n", "class", "TP", "FP", "FN", "dup", "precision", "recall", "F1");
    o << line;
    ClassCounts all;
    for (const auto& c : emitter_classes()) {
        const auto& cc = m.classes.at(c);
        all += cc;
        std::snprintf(line, sizeof line, "  %-18s %5d %5d %5d %5d %10s %8s %6s\n", c.c_str(), cc.tp, cc.fp, cc.fn, cc.duplicates,
                      opt(cc.precision(), "%.2f").c_str(), opt(cc.recall(), "%.2f").c_str(), opt(cc.f1(), "%.2f").c_str());
        o << line;
    }
    std::snprintf(line, sizeof line, "  %-18s %5d %5d %5d %5d %10s %8s %6s\n", "all", all.tp, all.fp, all.fn, all.duplicates,
                  opt(all.precision(), "%.2f").c_str(), opt(all.recall(), "%.2f").c_str(), opt(all.f1(), "%.2f").c_str());
    o << line;
    for (const auto& [v, cc] : m.by_view) {
        std::snprintf(line, sizeof line, "  %-18s %5d %5d %5d %5d %10s %8s %6s\n", ("view " + v).c_str(), cc.tp, cc.fp, cc.fn,
                      cc.duplicates, opt(cc.precision(), "%.2f").c_str(), opt(cc.recall(), "%.2f").c_str(), opt(cc.f1(), "%.2f").c_str());
        o << line;
    }
    o << "  false detections (a class the scene does not hold, or Wi-Fi on an idle channel): " << m.false_detections << " in all scenes, "
      << m.false_detections_fp_scenes
      << " on false-positive scenes (noise, CW, zeros, clipping)\n";
    o << "  USB 3.0 noise reported in scenes without it: " << m.false_usb3 << "; Classic reported on a fixed-frequency GFSK link: "
      << m.classic_from_fixed_gfsk << "\n";

    if (!m.classes_strong.empty()) {
        o << "\nEmitters labelled " << fmt("%g", kStrongSnrDb)
          << " dB or more over the floor (weaker labels and the reports lying on them are not scored)\n";
        std::snprintf(line, sizeof line, "  %-18s %5s %5s %5s %10s %8s %6s\n", "class", "TP", "FP", "FN", "precision", "recall", "F1");
        o << line;
        auto row = [&](const std::string& name, const ClassCounts& cc) {
            std::snprintf(line, sizeof line, "  %-18s %5d %5d %5d %10s %8s %6s\n", name.c_str(), cc.tp, cc.fp, cc.fn,
                          opt(cc.precision(), "%.2f").c_str(), opt(cc.recall(), "%.2f").c_str(), opt(cc.f1(), "%.2f").c_str());
            o << line;
        };
        ClassCounts all_strong;
        for (const auto& c : emitter_classes()) {
            const auto it = m.classes_strong.find(c);
            const ClassCounts cc = it == m.classes_strong.end() ? ClassCounts{} : it->second;
            all_strong += cc;
            row(c, cc);
        }
        row("all", all_strong);
        for (const auto& [v, cc] : m.by_view_strong) row("view " + v, cc);
    }

    if (!m.recall_by_snr.empty()) {
        std::set<std::string> keys;
        for (const auto& [c, row] : m.recall_by_snr)
            for (const auto& [k, v] : row) keys.insert(k);
        const auto cols = sorted_buckets(keys);
        o << "\nRecall by SNR over the floor (detected/visible)\n  ";
        std::snprintf(line, sizeof line, "%-18s", "class");
        o << line;
        for (const auto& k : cols) {
            std::snprintf(line, sizeof line, " %8s", k.c_str());
            o << line;
        }
        o << "\n";
        for (const auto& c : emitter_classes()) {
            auto it = m.recall_by_snr.find(c);
            if (it == m.recall_by_snr.end()) continue;
            std::snprintf(line, sizeof line, "  %-18s", c.c_str());
            o << line;
            for (const auto& k : cols) {
                auto cell = it->second.find(k);
                const std::string v = cell == it->second.end() ? "" : std::to_string(cell->second.first) + "/" + std::to_string(cell->second.second);
                std::snprintf(line, sizeof line, " %8s", v.c_str());
                o << line;
            }
            o << "\n";
        }
    }

    if (!m.confusion.empty()) {
        std::vector<std::string> rows, cols;
        for (const auto& c : emitter_classes()) {
            bool r = false, k = false;
            for (const auto& [key, v] : m.confusion) {
                r = r || key.first == c;
                k = k || key.second == c;
            }
            if (r) rows.push_back(c);
            if (k) cols.push_back(c);
        }
        rows.push_back("none");
        cols.push_back("missed");
        o << "\nConfusion (rows: labelled class or none; columns: reported class or missed)\n  ";
        std::snprintf(line, sizeof line, "%-18s", "");
        o << line;
        for (const auto& c : cols) {
            std::snprintf(line, sizeof line, " %8.8s", c.c_str());
            o << line;
        }
        o << "\n";
        for (const auto& r : rows) {
            std::snprintf(line, sizeof line, "  %-18s", r.c_str());
            o << line;
            for (const auto& c : cols) {
                auto it = m.confusion.find({r, c});
                std::snprintf(line, sizeof line, " %8s", it == m.confusion.end() ? "." : std::to_string(it->second).c_str());
                o << line;
            }
            o << "\n";
        }
    }

    o << "\nRecommendation: ";
    if (m.recommendation_scenes == 0) o << "no scene defines one\n";
    else
        o << m.recommendation_agree << "/" << m.recommendation_scenes << " scenes agree (the report gave a channel in "
          << m.recommendation_reported << ")\n";
    o << "Burst level: ";
    if (!m.bursts_in_report) o << "not scored: the reports give no burst times (emitters[].burst_list)\n";
    else
        o << m.bursts.detected << "/" << m.bursts.labelled << " labelled bursts found, " << m.bursts.reported_true << "/"
          << m.bursts.reported << " reported bursts true\n";

    o << "\nDecoding, emitters labelled " << fmt("%.0f", kDecodeSnrDb)
      << " dB or more over the floor (their bursts; framed as packets; checksum held; labelled identities named)\n";
    std::snprintf(line, sizeof line, "  %-18s %8s %8s %8s %8s %9s %11s %6s\n", "class", "bursts", "tried", "decoded", "ok", "ok/tried",
                  "identities", "extra");
    o << line;
    for (const auto& [c, d] : m.decoding) {
        const std::string share = d.tried ? fmt("%.2f", static_cast<double>(d.checksum_ok) / static_cast<double>(d.tried)) : "-";
        const std::string ids = std::to_string(d.identities_found) + "/" + std::to_string(d.identities_labelled);
        std::snprintf(line, sizeof line, "  %-18s %8llu %8llu %8llu %8llu %9s %11s %6d\n", c.c_str(), static_cast<unsigned long long>(d.bursts),
                      static_cast<unsigned long long>(d.tried), static_cast<unsigned long long>(d.decoded),
                      static_cast<unsigned long long>(d.checksum_ok), share.c_str(), ids.c_str(), d.identities_extra);
        o << line;
    }

    o << "\nDecoding per labelled packet, emitters labelled " << fmt("%.0f", kDecodeSnrDb)
      << " dB or more over the floor: ";
    if (!m.packets_scored) {
        o << "not scored: the reports list no bursts (analyse with --bursts)\n";
    } else {
        o << "packets seen whole and alone (counted) and those decoded with a valid checksum;\n"
          << "  apart: collided (another emitter within " << fmt("%.0f", kCollisionDb)
          << " dB of its level overlaps it in time and frequency) and cut (by the capture's or a dwell's edge, or the view's band edge)\n";
        std::snprintf(line, sizeof line, "  %-18s %8s %8s %9s %9s %8s\n", "class", "counted", "decoded", "share", "collided", "cut");
        o << line;
        for (const auto& [c, d] : m.packets) {
            const std::string share = d.counted ? fmt("%.3f", static_cast<double>(d.decoded) / d.counted) : "-";
            std::snprintf(line, sizeof line, "  %-18s %8d %8d %9s %9d %8d\n", c.c_str(), d.counted, d.decoded, share.c_str(), d.collided, d.cut);
            o << line;
        }
    }

    o << "\nPer capture\n";
    std::snprintf(line, sizeof line, "  %-34s %-8s %7s %8s %4s %4s %4s %6s %7s %7s\n", "capture", "view", "chans", "occ max", "TP", "FP",
                  "FN", "false", "synth s", "anal s");
    o << line;
    for (const auto& s : scores) {
        ClassCounts cc;
        for (const auto& [c, v] : s.classes) cc += v;
        double mx = 0.0;
        for (const auto& e : s.occupancy) mx = std::max(mx, std::abs(e.reported - e.truth));
        std::snprintf(line, sizeof line, "  %-34.34s %-8s %7zu %8s %4d %4d %4d %6d %7s %7.2f\n", s.name.c_str(), s.view.c_str(),
                      s.occupancy.size(), s.occupancy.empty() ? "-" : fmt("%.4f", mx).c_str(), cc.tp, cc.fp, cc.fn,
                      s.false_detections, s.synth_s > 0 ? fmt("%.2f", s.synth_s).c_str() : "-", s.analysis_s);
        o << line;
    }
    return o.str();
}

std::string to_json(const Summary& m, const std::vector<CaptureScore>& scores) {
    auto jopt = [](std::optional<double> v) { return v ? ordered_json(*v) : ordered_json(nullptr); };
    auto counts = [&](const ClassCounts& c) {
        return ordered_json{{"tp", c.tp},           {"fp", c.fp},
                            {"fn", c.fn},           {"duplicates", c.duplicates},
                            {"matched_hidden", c.matched_hidden},
                            {"precision", jopt(c.precision())}, {"recall", jopt(c.recall())}, {"f1", jopt(c.f1())}};
    };
    auto err = [&](const ErrorStats& e) {
        return ordered_json{{"n", e.n}, {"mean", jopt(e.mean())}, {"max", e.n ? ordered_json(e.max) : ordered_json(nullptr)}};
    };
    ordered_json j;
    j["schema"] = "coex-eval/1";
    ordered_json sum;
    sum["captures"] = m.captures;
    sum["false_positive_scenes"] = m.false_positive_scenes;
    sum["analysis_s"] = m.analysis_s;
    sum["synth_s"] = m.synth_s;
    ordered_json occ = err(m.occupancy);
    occ["by_view"] = ordered_json::object();
    for (const auto& [k, e] : m.occupancy_by_view) occ["by_view"][k] = err(e);
    occ["by_snr"] = ordered_json::object();
    for (const auto& [k, e] : m.occupancy_by_snr) occ["by_snr"][k] = err(e);
    occ["observed_mismatch"] = m.wifi_observed_mismatch;
    occ["false_channels"] = m.wifi_false_channels;
    occ["false_channels_fp_scenes"] = m.wifi_false_channels_fp_scenes;
    sum["wifi_occupancy"] = occ;
    ordered_json cls = ordered_json::object();
    for (const auto& c : emitter_classes()) cls[c] = counts(m.classes.at(c));
    sum["classes"] = cls;
    ordered_json bv = ordered_json::object();
    for (const auto& [k, c] : m.by_view) bv[k] = counts(c);
    sum["by_view"] = bv;
    ordered_json strong = ordered_json::object();
    strong["min_snr_db"] = kStrongSnrDb;
    for (const auto& [k, c] : m.classes_strong) strong["classes"][k] = counts(c);
    for (const auto& [k, c] : m.by_view_strong) strong["by_view"][k] = counts(c);
    sum["strong"] = strong;
    ordered_json rs = ordered_json::object();
    for (const auto& [c, row] : m.recall_by_snr)
        for (const auto& [k, v] : row) rs[c][k] = {{"detected", v.first}, {"visible", v.second}};
    sum["recall_by_snr"] = rs;
    ordered_json conf = ordered_json::array();
    for (const auto& [k, v] : m.confusion) conf.push_back({{"truth", k.first}, {"reported", k.second}, {"count", v}});
    sum["confusion"] = conf;
    sum["false_detections"] = m.false_detections;
    sum["false_detections_fp_scenes"] = m.false_detections_fp_scenes;
    sum["false_usb3"] = m.false_usb3;
    sum["classic_from_fixed_gfsk"] = m.classic_from_fixed_gfsk;
    sum["recommendation"] = {{"scenes", m.recommendation_scenes}, {"reported", m.recommendation_reported}, {"agree", m.recommendation_agree}};
    sum["bursts"] = m.bursts_in_report ? ordered_json{{"labelled", m.bursts.labelled},
                                                      {"detected", m.bursts.detected},
                                                      {"reported", m.bursts.reported},
                                                      {"reported_true", m.bursts.reported_true}}
                                       : ordered_json(nullptr);
    ordered_json decoding = ordered_json::object();
    for (const auto& [c, d] : m.decoding)
        decoding[c] = {{"bursts", d.bursts},
                       {"tried", d.tried},
                       {"decoded", d.decoded},
                       {"checksum_ok", d.checksum_ok},
                       {"identities_labelled", d.identities_labelled},
                       {"identities_found", d.identities_found},
                       {"identities_extra", d.identities_extra}};
    sum["decoding"] = decoding;
    ordered_json packets = ordered_json::object();
    for (const auto& [c, d] : m.packets)
        packets[c] = {{"counted", d.counted}, {"decoded", d.decoded}, {"collided", d.collided}, {"cut", d.cut}};
    sum["decoding_per_packet"] = m.packets_scored ? packets : ordered_json(nullptr);
    j["summary"] = sum;
    ordered_json caps = ordered_json::array();
    for (const auto& s : scores) {
        ordered_json c;
        c["capture"] = s.name;
        c["scene"] = s.scene;
        c["view"] = s.view;
        c["false_positive_scene"] = s.false_positive_scene;
        c["synth_s"] = s.synth_s;
        c["analysis_s"] = s.analysis_s;
        ordered_json occs = ordered_json::array();
        for (const auto& e : s.occupancy)
            occs.push_back({{"channel", e.channel}, {"truth", e.truth}, {"reported", e.reported}, {"snr_db", jopt(e.snr_db)}});
        c["wifi_occupancy"] = occs;
        c["wifi_observed_mismatch"] = s.wifi_observed_mismatch;
        c["wifi_false_channels"] = s.wifi_false_channels;
        ordered_json cc = ordered_json::object();
        for (const auto& [k, v] : s.classes)
            if (v.tp || v.fp || v.fn || v.duplicates || v.matched_hidden) cc[k] = counts(v);
        c["classes"] = cc;
        c["false_detections"] = s.false_detections;
        c["false_usb3"] = s.false_usb3;
        c["classic_from_fixed_gfsk"] = s.classic_from_fixed_gfsk;
        c["recommendation"] = s.recommendation_expected
                                  ? ordered_json{{"expected", jopt(s.recommendation_expected_channel)},
                                                 {"reported", jopt(s.recommendation_reported_channel)}}
                                  : ordered_json(nullptr);
        caps.push_back(c);
    }
    j["captures"] = caps;
    return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::vector<std::string> check(const Summary& m, const Thresholds& t) {
    std::vector<std::string> fails;
    if (t.max_occupancy_error && m.occupancy.n > 0 && m.occupancy.max > *t.max_occupancy_error)
        fails.push_back("Wi-Fi occupancy max |error| " + fmt("%.4f", m.occupancy.max) + " > " + fmt("%g", *t.max_occupancy_error));
    if (t.max_mean_occupancy_error && m.occupancy.mean() && *m.occupancy.mean() > *t.max_mean_occupancy_error)
        fails.push_back("Wi-Fi occupancy mean |error| " + fmt("%.4f", *m.occupancy.mean()) + " > " + fmt("%g", *t.max_mean_occupancy_error));
    if (t.max_false_detections && m.false_detections_fp_scenes > *t.max_false_detections)
        fails.push_back("false detections on false-positive scenes " + std::to_string(m.false_detections_fp_scenes) + " > " +
                        std::to_string(*t.max_false_detections));
    if (t.max_wifi_false_channels && m.wifi_false_channels > *t.max_wifi_false_channels)
        fails.push_back("false Wi-Fi channels " + std::to_string(m.wifi_false_channels) + " > " + std::to_string(*t.max_wifi_false_channels));
    if (t.max_false_usb3 && m.false_usb3 > *t.max_false_usb3)
        fails.push_back("USB 3.0 reports in scenes without USB 3.0 noise " + std::to_string(m.false_usb3) + " > " + std::to_string(*t.max_false_usb3));
    auto metric = [&](const std::map<std::string, double>& mins, const char* what, auto get) {
        for (const auto& [c, v] : mins) {
            auto it = m.classes.find(c);
            const std::optional<double> x = it == m.classes.end() ? std::nullopt : get(it->second);
            if (!x) fails.push_back(c + " " + what + " undefined (no labelled or reported emitters of the class) < " + fmt("%g", v));
            else if (*x < v) fails.push_back(c + " " + what + " " + fmt("%.3f", *x) + " < " + fmt("%g", v));
        }
    };
    metric(t.min_f1, "F1", [](const ClassCounts& c) { return c.f1(); });
    metric(t.min_precision, "precision", [](const ClassCounts& c) { return c.precision(); });
    metric(t.min_recall, "recall", [](const ClassCounts& c) { return c.recall(); });
    if (t.min_f1_all)
        for (const auto& [c, cc] : m.classes)
            if (cc.tp + cc.fn > 0 && cc.f1() && *cc.f1() < *t.min_f1_all)
                fails.push_back(c + " F1 " + fmt("%.3f", *cc.f1()) + " < " + fmt("%g", *t.min_f1_all));
    for (const auto& [c, v] : t.min_f1_strong) {
        for (const auto& [k, cc] : m.classes_strong) {
            if (c != "all" && c != k) continue;
            if (c == "all" && cc.tp + cc.fp + cc.fn == 0) continue;  // (a class only reported falsely counts: F1 0)
            const auto f = cc.f1();
            if (!f) fails.push_back(k + " F1 at ≥ " + fmt("%g", kStrongSnrDb) + " dB undefined < " + fmt("%g", v));
            else if (*f < v) fails.push_back(k + " F1 at ≥ " + fmt("%g", kStrongSnrDb) + " dB " + fmt("%.3f", *f) + " < " + fmt("%g", v));
        }
        if (c != "all" && !m.classes_strong.contains(c))
            fails.push_back(c + " F1 at ≥ " + fmt("%g", kStrongSnrDb) + " dB undefined < " + fmt("%g", v));
    }
    if (t.min_recommendation_agreement) {
        const double a = m.recommendation_scenes ? static_cast<double>(m.recommendation_agree) / m.recommendation_scenes : 0.0;
        if (m.recommendation_scenes == 0 || a < *t.min_recommendation_agreement)
            fails.push_back("recommendation agreement " + fmt("%.3f", a) + " < " + fmt("%g", *t.min_recommendation_agreement) + " (" +
                            std::to_string(m.recommendation_agree) + "/" + std::to_string(m.recommendation_scenes) + ")");
    }
    return fails;
}

}  // namespace coex::eval
