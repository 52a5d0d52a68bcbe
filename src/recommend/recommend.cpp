#include "coex/recommend/recommend.hpp"
#include "coex/core/format.hpp"
#include "coex/core/text.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

namespace coex::recommend {
namespace {

constexpr double kChannelHalfMhz = 10.0;      // a 20 MHz channel
constexpr double kPreferCommon = 0.8;         // 1/6/11 win unless another is better by this factor (as hostapd)…
constexpr double kPreferCommonMargin = 0.05;  // …and by this much: near-silent bands are no reason to overlap
constexpr double kAdjacentWeight = 1.5;       // partial overlap is not coordinated by carrier sense: worse than sharing
constexpr double kChangeRatio = 0.7;          // move only when the best costs < 70 % of the current one…
constexpr double kChangeMargin = 0.1;         // …and by at least this much in absolute terms
constexpr double kFloorCostPerDb = 0.02;      // a floor 10 dB over the band's cleanest costs 0.2
constexpr double kAfhMinimum = 20.0;          // Bluetooth AFH must keep at least 20 channels

// The 802.11 OFDM transmit spectrum mask in dBr at an offset from the carrier (MHz).
double mask_dbr(double offset) {
    const double f = std::abs(offset);
    if (f <= 9.0) return 0.0;
    if (f <= 11.0) return -20.0 * (f - 9.0) / 2.0;
    if (f <= 20.0) return -20.0 - 8.0 * (f - 11.0) / 9.0;
    if (f <= 30.0) return -28.0 - 12.0 * (f - 20.0) / 10.0;
    return -40.0;
}

// Share of a 20 MHz transmission's power (shaped by the mask) that lands in a channel `delta` MHz away.
double mask_overlap(double delta) {
    double inside = 0.0, total = 0.0;
    for (double f = -40.0; f <= 40.0; f += 0.1) {
        const double p = std::pow(10.0, mask_dbr(f) / 10.0);
        total += p;
        if (std::abs(f - delta) <= kChannelHalfMhz) inside += p;
    }
    return inside / total;
}

double overlap_mhz(double lo, double hi, double a, double b) { return std::max(0.0, std::min(hi, b) - std::max(lo, a)); }

bool is_wifi(const report::Emitter& e) { return coex::is_wifi(e.emitter_class); }

struct Inputs {
    std::map<int, const report::WifiChannelRow*> rows;  // every channel of the domain
    double min_floor = 0.0;
    bool has_floor = false;
};

Inputs gather(const report::Report& r) {
    Inputs in;
    for (const auto& row : r.wifi) {
        in.rows[row.channel] = &row;
        if (row.observed && row.noise_floor_dbfs_per_mhz) {
            in.min_floor = in.has_floor ? std::min(in.min_floor, *row.noise_floor_dbfs_per_mhz) : *row.noise_floor_dbfs_per_mhz;
            in.has_floor = true;
        }
    }
    return in;
}

// One thing that makes a channel worse, with its cost and the words that say it.
struct Contribution {
    double CostParts::*part;
    double cost;
    std::string words;
};

std::string percent(double x) { return format("%.0f %%", 100.0 * x); }

std::vector<Contribution> contributions(int channel, const report::Report& r, const Inputs& in) {
    std::vector<Contribution> out;
    const double centre = wifi_channel_center_mhz(channel);
    const double lo = centre - kChannelHalfMhz, hi = centre + kChannelHalfMhz;
    const auto* row = in.rows.at(channel);
    if (row->occupancy > 0.0)
        out.push_back({&CostParts::wifi_cochannel, row->occupancy, percent(row->occupancy) + " Wi-Fi airtime"});
    for (const auto& [k, other] : in.rows) {
        if (k == channel || !other->observed || other->occupancy <= 0.0) continue;
        const double delta = wifi_channel_center_mhz(k) - centre;
        const double share = mask_overlap(delta);
        // the leaked power over the floor decides whether it is heard at all
        double strength = 1.0;
        if (other->mean_power_dbfs && other->noise_floor_dbfs_per_mhz) {
            const double above = *other->mean_power_dbfs - (*other->noise_floor_dbfs_per_mhz + 10.0 * std::log10(16.6));
            strength = std::clamp((above + 10.0 * std::log10(share)) / 10.0, 0.0, 1.0);
        }
        const double cost = kAdjacentWeight * other->occupancy * share * strength;
        if (cost > 0.0)
            out.push_back({&CostParts::wifi_adjacent, cost,
                           format("%s airtime on overlapping channel %d", percent(other->occupancy).c_str(), k)});
    }
    for (const auto& e : r.emitters) {
        if (is_wifi(e)) continue;
        const auto& cls = info(e.emitter_class);
        if (cls.cost_model == ChannelCostModel::bluetooth_hopping) {
            // its airtime spread over the channels it uses; the share inside this channel
            std::set<int> avoided;
            if (const auto a = report::get(e, report::fields::afh_avoided_channels)) avoided.insert(a->begin(), a->end());
            const double in_use = std::max(kAfhMinimum, bt_classic_channels - static_cast<double>(avoided.size()));
            int inside = 0, squeezed = 0;
            for (int k = 0; k < bt_classic_channels; ++k) {
                const double f = bt_classic_first_mhz + k;
                const bool in_channel = f >= lo && f <= hi;
                if (in_channel && !avoided.count(k)) ++inside;
                if (in_channel || avoided.count(k)) ++squeezed;
            }
            const double hit = e.duty_cycle * inside / in_use;
            if (hit > 0.0)
                out.push_back({&CostParts::bluetooth, hit, format("Bluetooth Classic hops land in it %s of the time", percent(hit).c_str())});
            // a link left with few clean channels suffers, and so does Wi-Fi from its retries
            const double left = bt_classic_channels - squeezed;
            const double squeeze = 0.3 * std::clamp((40.0 - left) / (40.0 - kAfhMinimum), 0.0, 1.0);
            if (squeeze > 0.0)
                out.push_back({&CostParts::bluetooth, squeeze,
                               format("it would leave the Bluetooth link only %.0f clean channels", left)});
            continue;
        }
        if (cls.cost_model == ChannelCostModel::ble_advertising) {
            int inside = 0;
            for (double f : ble_adv_channel_mhz) inside += (f >= lo && f <= hi);
            if (inside > 0)
                out.push_back({&CostParts::bluetooth, e.duty_cycle * inside / 3.0,
                               format("BLE advertising on %d of its 3 channels", inside)});
            continue;
        }
        const double width = std::max(1.0, e.high_mhz - e.low_mhz);
        const double covered = overlap_mhz(lo, hi, e.low_mhz, e.high_mhz);
        const bool narrow_inside = e.high_mhz - e.low_mhz < 1.0 && e.center_mhz >= lo && e.center_mhz <= hi;
        if (covered <= 0.0 && !narrow_inside) continue;
        const double share = std::max(covered, narrow_inside ? std::min(1.0, width) : 0.0) / (2.0 * kChannelHalfMhz);
        const double strength = std::clamp(e.above_floor_db / 20.0, 0.1, 1.5);
        out.push_back({&CostParts::non_wifi, e.duty_cycle * share * strength * cls.interference_weight, cls.cost_words(e.extent())});
    }
    if (in.has_floor && row->noise_floor_dbfs_per_mhz) {
        const double raised = *row->noise_floor_dbfs_per_mhz - in.min_floor;
        if (raised > 0.0)
            out.push_back({&CostParts::noise_floor, kFloorCostPerDb * raised, format("noise floor %+.0f dB over the band's quietest", raised)});
    }
    return out;
}

CostParts cost_of(int channel, const report::Report& r, const Inputs& in) {
    CostParts parts;
    for (const auto& c : contributions(channel, r, in)) parts.*(c.part) += c.cost;
    return parts;
}

bool common_channel(int c) { return c == 1 || c == 6 || c == 11; }

// What makes a channel cost what it does, in words, biggest first.
std::string explain(int channel, const report::Report& r, const Inputs& in, bool best) {
    auto items = contributions(channel, r, in);
    std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.cost > b.cost; });
    std::string text;
    std::size_t said = 0;
    for (const auto& item : items) {
        if (item.cost < 0.01 || said == 4) continue;  // what matters most; the ranking holds the rest
        text += (text.empty() ? "" : "; ") + item.words;
        ++said;
    }
    if (text.empty()) text = "floor clean, no traffic seen";
    if (best) text += " — best";
    return format("channel %d: ", channel) + text;
}

}  // namespace

std::vector<ChannelScore> rank_channels(const report::Report& r, const Config& config) {
    const Inputs in = gather(r);
    std::vector<ChannelScore> scores;
    std::map<int, CostParts> parts;
    for (const auto& [k, row] : in.rows)
        if (row->observed) parts[k] = cost_of(k, r, in);
    const int max_channel = wifi_channels(config.domain).back().number;
    for (const auto& [k, p] : parts) {
        if (k > max_channel) continue;
        if (config.width_mhz == 40) {
            // HT40: the primary and a secondary 4 channels above (or below): both must have been seen
            for (int s : {k + 4, k - 4}) {
                if (!parts.count(s) || s < 1 || s > max_channel) continue;
                ChannelScore c{k, s, p.total() + parts[s].total(), p};
                c.parts.wifi_cochannel += parts[s].wifi_cochannel;
                c.parts.wifi_adjacent += parts[s].wifi_adjacent;
                c.parts.non_wifi += parts[s].non_wifi;
                c.parts.bluetooth += parts[s].bluetooth;
                c.parts.noise_floor += parts[s].noise_floor;
                scores.push_back(c);
            }
        } else {
            scores.push_back({k, 0, p.total(), p});
        }
    }
    std::sort(scores.begin(), scores.end(), [](const ChannelScore& a, const ChannelScore& b) {
        return a.score != b.score ? a.score < b.score : a.channel < b.channel;
    });
    return scores;
}

std::vector<ChannelScore> hostapd_baseline(const report::Report& r, RegDomain domain) {
    const Inputs in = gather(r);
    std::map<int, double> factor;
    for (const auto& [k, row] : in.rows) {
        if (!row->observed) continue;
        const double nf = row->noise_floor_dbfs_per_mhz.value_or(in.min_floor);
        factor[k] = std::pow(10.0, nf / 5.0) +
                    row->occupancy * std::pow(2.0, std::pow(10.0, nf / 10.0) - std::pow(10.0, in.min_floor / 10.0));
    }
    const int max_channel = wifi_channels(domain).back().number;
    std::vector<ChannelScore> out;
    for (const auto& [k, f] : factor) {
        if (k > max_channel) continue;
        double total = f, weight = 1.0;
        for (const auto& [offset, w] : std::array<std::pair<int, double>, 4>{{{-1, 0.85}, {1, 0.85}, {-2, 0.55}, {2, 0.55}}})
            if (auto it = factor.find(k + offset); it != factor.end()) {
                total += w * it->second;
                weight += w;
            }
        total /= weight;
        if (common_channel(k)) total *= kPreferCommon;
        ChannelScore s;
        s.channel = k;
        s.score = total;
        out.push_back(s);
    }
    std::sort(out.begin(), out.end(), [](const ChannelScore& a, const ChannelScore& b) { return a.score < b.score; });
    return out;
}

// Two of the longest 802.11 PPDUs (L-SIG announces at most 5.484 ms): a channel seen for less may have
// shown a single frame or none.
constexpr double kMinObservedPerChannelS = 2.0 * 5.484e-3;

namespace {

// Where the user's own network was heard (networks marked mine), as the channel and a sentence.
std::optional<std::pair<int, std::string>> my_network_channel(const report::Report& r) {
    for (const auto& row : r.wifi)
        for (const auto& n : row.networks)
            if (n.mine)
                return std::pair{row.channel, format("your network %s (%s) is on channel %d: %s decoded there", n.ssid.c_str(),
                                                     n.bssid.c_str(), row.channel, count_text(n.frames, "beacon").c_str())};
    return std::nullopt;
}

}  // namespace

report::Recommendation recommend(const report::Report& r, const Config& given) {
    Config config = given;
    std::optional<std::string> my_network_reason;
    if (!config.my_networks.empty()) {
        if (const auto mine = my_network_channel(r)) {
            if (!config.current_channel) config.current_channel = mine->first;
            my_network_reason = mine->second;
        } else {
            std::string names;
            for (const auto& n : config.my_networks) names += (names.empty() ? "" : ", ") + n;
            my_network_reason = "your network (" + names + ") was not heard: no beacon of it was decoded, so its channel is not known "
                                "(give --current-channel, or capture longer where the router is heard)";
        }
    }

    report::Recommendation rec;
    rec.width_mhz = config.width_mhz;
    rec.current_channel = config.current_channel;
    const Inputs in = gather(r);
    const auto ranking = rank_channels(r, config);
    for (const auto& s : ranking)
        rec.ranking.push_back({s.channel, s.secondary, s.score, s.parts.wifi_cochannel, s.parts.wifi_adjacent, s.parts.non_wifi,
                               s.parts.bluetooth, s.parts.noise_floor});
    if (const auto base = hostapd_baseline(r, config.domain); !base.empty()) rec.baseline_channel = base.front().channel;

    std::vector<int> observed;
    for (const auto& [k, row] : in.rows)
        if (row->observed) observed.push_back(k);
    const std::string sweep_advice =
        "sweep the whole band for 30 s so every channel is seen: coex scan --device driver=hackrf --duration 30s "
        "(or record 2400–2483.5 MHz with a wideband receiver)";
    for (const auto& s : ranking) {
        const double seen = in.rows.at(s.channel)->observed_s;
        rec.least_observed_s = rec.least_observed_s ? std::min(*rec.least_observed_s, seen) : seen;
    }
    if (ranking.size() >= 3 && rec.least_observed_s && *rec.least_observed_s < kMinObservedPerChannelS) {
        // A channel seen for less than two of the longest PPDUs may have shown one frame or none: its
        // airtime says nothing yet, and neither does a comparison with it.
        rec.headline = format("only %.1f ms of a channel was seen, too little to choose a channel (each needs ≥ %.0f ms).",
                              1e3 * *rec.least_observed_s, 1e3 * kMinObservedPerChannelS);
        rec.capture_advice = "record for longer, 1 s or more (a Wi-Fi network's beacons come every 102.4 ms; its load shows over "
                             "many of them), or " + sweep_advice;
        for (const auto& s : ranking)
            if (common_channel(s.channel) && !s.secondary) rec.reasons.push_back(explain(s.channel, r, in, false));
    } else if (ranking.size() < 3) {
        rec.headline = observed.empty() ? "no Wi-Fi channel was seen whole, so no channel can be recommended."
                                        : format("only %zu channel%s seen whole, too few to choose from.", observed.size(),
                                                 observed.size() == 1 ? " was" : "s were");
        rec.capture_advice = sweep_advice;
        for (const auto& s : ranking) rec.reasons.push_back(explain(s.channel, r, in, false));
    } else {
        // best overall, then hostapd's preference for the non-overlapping 1/6/11
        ChannelScore best = ranking.front();
        const ChannelScore* best_common = nullptr;
        for (const auto& s : ranking)
            if (common_channel(s.channel)) {
                best_common = &s;
                break;
            }
        if (best_common && !common_channel(best.channel) &&
            !(best.score < kPreferCommon * best_common->score && best.score < best_common->score - kPreferCommonMargin))
            best = *best_common;

        const ChannelScore* current = nullptr;
        if (config.current_channel)
            for (const auto& s : ranking)
                if (s.channel == *config.current_channel) current = &s;

        if (config.current_channel && !current) {
            rec.channel = best.channel;
            rec.change = false;
            rec.headline = format("your channel %d was not seen whole, so it cannot be compared; of the channels seen, %d is best.",
                                  *config.current_channel, best.channel);
            rec.capture_advice = sweep_advice;
        } else if (current && (current->channel == best.channel ||
                               !(best.score < kChangeRatio * current->score && current->score - best.score >= kChangeMargin))) {
            rec.channel = current->channel;
            rec.change = false;
            rec.headline = current->channel == best.channel
                               ? format("stay on channel %d: it is the best channel seen.", current->channel)
                               : format("stay on channel %d: channel %d is only a little better (cost %.2f vs %.2f), not worth the disruption.",
                                        current->channel, best.channel, best.score, current->score);
        } else {
            rec.channel = best.channel;
            rec.change = current != nullptr;
            rec.headline = current ? format("move your router from channel %d to channel %d.", current->channel, best.channel)
                                   : format("use channel %d.", best.channel);
            if (current && !given.current_channel && my_network_reason)
                rec.headline = format("your network is on %d: move it to channel %d.", current->channel, best.channel);
        }
        if (best.secondary) rec.headline += format(" (40 MHz: secondary channel %d)", best.secondary);

        // reasons: the current channel, the common ones, and the chosen one
        std::vector<int> explain_for;
        if (current) explain_for.push_back(current->channel);
        for (int c : {1, 6, 11})
            if (std::find(explain_for.begin(), explain_for.end(), c) == explain_for.end()) explain_for.push_back(c);
        if (rec.channel && std::find(explain_for.begin(), explain_for.end(), *rec.channel) == explain_for.end())
            explain_for.push_back(*rec.channel);
        for (int c : explain_for)
            for (const auto& s : ranking)
                if (s.channel == c && !s.secondary) rec.reasons.push_back(explain(c, r, in, rec.channel && c == *rec.channel));
        if (std::any_of(in.rows.begin(), in.rows.end(), [](const auto& kv) { return !kv.second->observed; })) {
            std::string unseen;
            for (const auto& [k, row] : in.rows)
                if (!row->observed) unseen += (unseen.empty() ? "" : ", ") + std::to_string(k);
            rec.reasons.push_back("not seen whole, so never recommended: channel" + std::string(unseen.find(',') != std::string::npos ? "s " : " ") + unseen);
        }
    }

    if (my_network_reason) rec.reasons.insert(rec.reasons.begin(), *my_network_reason);
    // Bluetooth in plain words
    for (const auto& e : r.emitters) {
        const auto& cls = info(e.emitter_class);
        if (!cls.reason_prefix.empty())
            rec.reasons.push_back(std::string(cls.reason_prefix) + e.summary + std::string(cls.reason_suffix));
    }
    // What to do about the non-Wi-Fi sources
    std::set<std::string> said;
    for (const auto& e : r.emitters) {
        const auto& cls = info(e.emitter_class);
        if (!cls.remediation) continue;
        if (said.insert(std::string(cls.key) + format("%.0f", e.center_mhz)).second) rec.remediation.push_back(cls.remediation(e.extent()));
    }
    return rec;
}

}  // namespace coex::recommend
