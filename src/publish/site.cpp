// The site plan: each AP's own cost per channel plus a penalty for neighbours sharing or overlapping a
// channel, minimised over every combination when there are few (13 channels, up to 5 APs: 371 293), and
// greedily then by local search beyond; and the tracker that says which sensors are there to plan for.
#include "coex/publish/site.hpp"

#include "coex/core/error.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>

namespace coex::publish {

namespace {

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

double centre_mhz_24(int ch) { return ch == 14 ? 2484.0 : 2407.0 + 5.0 * ch; }

std::string fixed(double x, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, x);
    return buf;
}

// One AP to place: its candidates (channel → own cost), and the neighbours it has.
struct Ap {
    std::string sensor, bssid, bssid_source;
    std::optional<int> current;
    std::vector<int> channels;
    std::vector<double> costs;
    bool costs_known = true;
};

struct Link {
    std::size_t a, b;
    std::string source, detail;
};

double plan_cost(const std::vector<Ap>& aps, const std::vector<Link>& links, const std::vector<std::size_t>& pick,
                 double penalty) {
    double total = 0.0;
    for (std::size_t i = 0; i < aps.size(); ++i) total += aps[i].costs[pick[i]];
    for (const auto& l : links) total += penalty * channel_overlap(aps[l.a].channels[pick[l.a]], aps[l.b].channels[pick[l.b]]);
    return total;
}

int moves(const std::vector<Ap>& aps, const std::vector<std::size_t>& pick) {
    int n = 0;
    for (std::size_t i = 0; i < aps.size(); ++i)
        if (aps[i].current && *aps[i].current != aps[i].channels[pick[i]]) ++n;
    return n;
}

// Strictly better: lower cost (beyond rounding), then fewer moves, then lower channels.
bool better(const std::vector<Ap>& aps, const std::vector<Link>& links, double penalty, const std::vector<std::size_t>& x,
            const std::vector<std::size_t>& y) {
    const double cx = plan_cost(aps, links, x, penalty), cy = plan_cost(aps, links, y, penalty);
    if (std::abs(cx - cy) > 1e-9) return cx < cy;
    const int mx = moves(aps, x), my = moves(aps, y);
    if (mx != my) return mx < my;
    return x < y;  // candidates are in ascending channel order
}

}  // namespace

double channel_overlap(int a, int b) {
    if (a <= 14 && b <= 14) return std::max(0.0, 1.0 - std::abs(centre_mhz_24(a) - centre_mhz_24(b)) / 25.0);
    return a == b ? 1.0 : 0.0;
}

SitePlan plan_site(const std::vector<monitor::WindowState>& sensors, const SitePlanConfig& config) {
    if (!(config.neighbour_penalty >= 0.0) || config.neighbour_penalty > 100.0)
        throw ConfigError("neighbour_penalty", "must be 0…100 (cost units)");
    SitePlan plan;
    std::vector<Ap> aps;
    std::vector<const monitor::WindowState*> states;
    for (const auto& s : sensors) {
        Ap ap;
        ap.sensor = s.sensor_id;
        if (const auto it = config.declared_bssids.find(s.sensor_id); it != config.declared_bssids.end()) {
            ap.bssid = lower(it->second);
            ap.bssid_source = "declared";
        } else {
            for (const auto& n : s.networks)
                if (n.mine && !n.bssid.empty()) {
                    ap.bssid = lower(n.bssid);
                    ap.bssid_source = "its network '" + n.ssid + "'";
                    if (!ap.current && n.channel > 0) ap.current = n.channel;
                    break;
                }
        }
        if (s.current_channel) ap.current = s.current_channel;
        for (const auto& c : s.channels)
            if (c.cost) {
                ap.channels.push_back(c.channel);
                ap.costs.push_back(*c.cost);
            }
        if (ap.channels.empty()) {
            // No costs yet (the sensor cannot tell yet): every channel it watches costs the same, and only
            // the neighbours decide.
            ap.costs_known = false;
            for (const auto& c : s.channels) {
                ap.channels.push_back(c.channel);
                ap.costs.push_back(0.0);
            }
        }
        if (ap.channels.empty()) {
            plan.left_out.push_back(s.sensor_id + ": its state lists no channels");
            continue;
        }
        aps.push_back(std::move(ap));
        states.push_back(&s);
    }

    // Who hears whom: a sensor that decoded the other AP's BSSID, else a declared pair.
    std::vector<Link> links;
    auto index_of = [&](const std::string& id) -> std::optional<std::size_t> {
        for (std::size_t i = 0; i < aps.size(); ++i)
            if (aps[i].sensor == id) return i;
        return std::nullopt;
    };
    for (std::size_t i = 0; i < aps.size(); ++i)
        for (std::size_t j = i + 1; j < aps.size(); ++j) {
            std::vector<std::string> heard;
            for (const auto& [x, y] : {std::pair{i, j}, std::pair{j, i}}) {
                if (aps[y].bssid.empty()) continue;
                for (const auto& n : states[x]->networks)
                    if (lower(n.bssid) == aps[y].bssid) {
                        heard.push_back(aps[x].sensor + " hears " + aps[y].sensor + "'s AP " + aps[y].bssid);
                        break;
                    }
            }
            if (!heard.empty()) {
                std::string detail = heard[0];
                if (heard.size() > 1) detail += "; " + heard[1];
                links.push_back({i, j, "heard", detail});
            }
        }
    for (const auto& [a, b] : config.declared_neighbours) {
        const auto ia = index_of(a), ib = index_of(b);
        if (!ia || !ib || *ia == *ib) continue;  // a sensor not (yet) here
        const auto lo = std::min(*ia, *ib), hi = std::max(*ia, *ib);
        const bool known = std::any_of(links.begin(), links.end(), [&](const Link& l) { return l.a == lo && l.b == hi; });
        if (!known) links.push_back({lo, hi, "declared", a + " and " + b + " declared neighbours"});
    }

    // The search.
    plan.method = "none";  // no APs
    std::vector<std::size_t> best(aps.size(), 0);
    double space = 1.0;
    for (const auto& ap : aps) space *= static_cast<double>(ap.channels.size());
    plan.combinations = aps.empty() ? 0 : static_cast<std::uint64_t>(std::min(space, 1.8e19));
    const double penalty = config.neighbour_penalty;
    if (!aps.empty() && space <= static_cast<double>(config.exhaustive_limit)) {
        plan.method = "exhaustive";
        std::vector<std::size_t> pick(aps.size(), 0);
        while (true) {
            if (better(aps, links, penalty, pick, best)) best = pick;
            std::size_t k = 0;
            while (k < aps.size() && ++pick[k] == aps[k].channels.size()) pick[k++] = 0;
            if (k == aps.size()) break;
        }
    } else if (!aps.empty()) {
        // Greedy, then local search: each AP in turn moves to its best channel given all the others, and
        // each pair of neighbours to their best pair of channels, until a round changes nothing; then 300
        // kicks (an AP and its neighbours moved at random, searched down again, kept when better). It
        // finds a good local minimum, not always the global one; the plan says which search ran.
        plan.method = "greedy + local search";
        const std::size_t n = aps.size();
        std::vector<std::vector<std::size_t>> adjacent(n);  // each AP's neighbours
        for (const auto& l : links) adjacent[l.a].push_back(l.b), adjacent[l.b].push_back(l.a);
        // The part of the total that depends on AP i's channel c, the others as in `pick`.
        auto local_cost = [&](std::size_t i, std::size_t c, const std::vector<std::size_t>& pick, const std::vector<bool>& placed) {
            double cost = aps[i].costs[c];
            for (const auto o : adjacent[i])
                if (placed[o]) cost += penalty * channel_overlap(aps[i].channels[c], aps[o].channels[pick[o]]);
            return cost;
        };
        const std::vector<bool> all(n, true);
        // Moves one AP, or two neighbours together, while that lowers the total.
        auto descend = [&](std::vector<std::size_t>& pick) {
            for (int round = 0; round < 100; ++round) {
                bool improved = false;
                for (std::size_t i = 0; i < n; ++i) {
                    double here = local_cost(i, pick[i], pick, all);
                    for (std::size_t c = 0; c < aps[i].channels.size(); ++c) {
                        const double there = local_cost(i, c, pick, all);
                        if (there < here - 1e-12) pick[i] = c, here = there, improved = true;
                    }
                }
                for (const auto& l : links) {
                    // Each one's cost against everyone but the other, plus the link between them once.
                    auto apart_from = [&](std::size_t i, std::size_t c, std::size_t other) {
                        double cost = aps[i].costs[c];
                        for (const auto o : adjacent[i])
                            if (o != other) cost += penalty * channel_overlap(aps[i].channels[c], aps[o].channels[pick[o]]);
                        return cost;
                    };
                    auto pair_cost = [&](std::size_t ca, std::size_t cb) {
                        return apart_from(l.a, ca, l.b) + apart_from(l.b, cb, l.a) +
                               penalty * channel_overlap(aps[l.a].channels[ca], aps[l.b].channels[cb]);
                    };
                    double here = pair_cost(pick[l.a], pick[l.b]);
                    for (std::size_t ca = 0; ca < aps[l.a].channels.size(); ++ca)
                        for (std::size_t cb = 0; cb < aps[l.b].channels.size(); ++cb) {
                            const double there = pair_cost(ca, cb);
                            if (there < here - 1e-12) pick[l.a] = ca, pick[l.b] = cb, here = there, improved = true;
                        }
                }
                if (!improved) break;
            }
        };
        // Greedy start: the most-connected AP first, each its best channel given those placed.
        std::vector<std::size_t> order(n);
        for (std::size_t i = 0; i < n; ++i) order[i] = i;
        std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return adjacent[x].size() > adjacent[y].size(); });
        std::vector<bool> placed(n, false);
        for (const auto i : order) {
            for (std::size_t c = 1; c < aps[i].channels.size(); ++c)
                if (local_cost(i, c, best, placed) < local_cost(i, best[i], best, placed) - 1e-12) best[i] = c;
            placed[i] = true;
        }
        descend(best);
        // Iterated local search: kick an AP and its neighbours to other channels (a fixed-seed generator,
        // so the plan is the same every run), descend, keep the result when it is better.
        std::uint64_t state = 0x9e3779b97f4a7c15ULL;
        auto next = [&](std::size_t bound) {
            state = state * 6364136223846793005ULL + 1442695040888963407ULL;
            return static_cast<std::size_t>((state >> 33) % bound);
        };
        for (int kick = 0; kick < 300; ++kick) {
            auto trial = best;
            const std::size_t i = next(n);
            trial[i] = next(aps[i].channels.size());
            for (const auto o : adjacent[i]) trial[o] = next(aps[o].channels.size());
            descend(trial);
            if (better(aps, links, penalty, trial, best)) best = trial;
        }
    }

    // The plan and its reasons.
    plan.total_cost = aps.empty() ? 0.0 : plan_cost(aps, links, best, penalty);
    for (const auto& l : links) plan.links.push_back({aps[l.a].sensor, aps[l.b].sensor, l.source, l.detail});
    for (std::size_t i = 0; i < aps.size(); ++i) {
        const auto& ap = aps[i];
        SiteAssignment a;
        a.sensor_id = ap.sensor;
        a.bssid = ap.bssid;
        a.channel = ap.channels[best[i]];
        a.current_channel = ap.current;
        a.own_cost = ap.costs[best[i]];
        const auto alone = static_cast<std::size_t>(std::min_element(ap.costs.begin(), ap.costs.end()) - ap.costs.begin());
        if (ap.costs_known) {
            std::string r = "channel " + std::to_string(a.channel) + " costs it " + fixed(a.own_cost, 3);
            if (alone != best[i] && ap.costs[alone] < a.own_cost - 1e-9)
                r += " (alone it would take " + std::to_string(ap.channels[alone]) + " at " + fixed(ap.costs[alone], 3) + ")";
            else
                r += " (its cheapest)";
            a.reasons.push_back(r);
        } else {
            a.reasons.push_back("no channel costs from this sensor yet: placed by its neighbours only");
        }
        if (ap.bssid.empty())
            a.reasons.push_back("its AP's BSSID is unknown (no 'mine' network decoded, no --ap): only declared neighbours count");
        for (const auto& l : links) {
            if (l.a != i && l.b != i) continue;
            const std::size_t o = l.a == i ? l.b : l.a;
            const int oc = aps[o].channels[best[o]];
            const double ov = channel_overlap(a.channel, oc);
            a.penalty += 0.5 * penalty * ov;
            std::string r = "neighbour " + aps[o].sensor + " (" + l.detail + ") on channel " + std::to_string(oc) + ": ";
            if (ov <= 0.0) r += "no overlap";
            else if (oc == a.channel) r += "same channel, penalty " + fixed(penalty, 3);
            else r += "overlap " + fixed(ov * 100.0, 0) + " %, penalty " + fixed(penalty * ov, 3);
            a.reasons.push_back(r);
        }
        if (ap.current) {
            a.reasons.push_back(*ap.current == a.channel ? "stays on its current channel"
                                                         : "moves from channel " + std::to_string(*ap.current));
        }
        plan.aps.push_back(std::move(a));
    }
    std::sort(plan.aps.begin(), plan.aps.end(), [](const SiteAssignment& x, const SiteAssignment& y) { return x.sensor_id < y.sensor_id; });
    return plan;
}

std::string to_json(const SitePlan& plan, double generated_unix_s) {
    using nlohmann::ordered_json;
    auto r = [](double x, int d) { const double s = std::pow(10.0, d); return std::round(x * s) / s; };
    ordered_json aps = ordered_json::array();
    for (const auto& a : plan.aps)
        aps.push_back({{"sensor", a.sensor_id},
                       {"bssid", a.bssid.empty() ? ordered_json(nullptr) : ordered_json(a.bssid)},
                       {"channel", a.channel},
                       {"current_channel", a.current_channel ? ordered_json(*a.current_channel) : ordered_json(nullptr)},
                       {"own_cost", r(a.own_cost, 4)},
                       {"penalty", r(a.penalty, 4)},
                       {"reasons", a.reasons}});
    ordered_json links = ordered_json::array();
    for (const auto& l : plan.links) links.push_back({{"a", l.a}, {"b", l.b}, {"source", l.source}, {"detail", l.detail}});
    const ordered_json j = {{"generated", r(generated_unix_s, 3)},
                            {"method", plan.method},
                            {"combinations", plan.combinations},
                            {"total_cost", r(plan.total_cost, 4)},
                            {"aps", aps},
                            {"links", links},
                            {"left_out", plan.left_out}};
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string to_text(const SitePlan& plan) {
    std::string out;
    if (plan.aps.empty()) return "no sensors to plan for\n";
    out += "site plan for " + std::to_string(plan.aps.size()) + " access point" + (plan.aps.size() == 1 ? "" : "s") +
           " (" + plan.method + " over " + std::to_string(plan.combinations) + " combinations, total cost " +
           fixed(plan.total_cost, 3) + "):\n";
    for (const auto& a : plan.aps) {
        out += "  " + a.sensor_id + (a.bssid.empty() ? "" : " (" + a.bssid + ")") + ": channel " + std::to_string(a.channel) + "\n";
        for (const auto& r : a.reasons) out += "      " + r + "\n";
    }
    for (const auto& l : plan.left_out) out += "  left out: " + l + "\n";
    return out;
}

// ---- the tracker -------------------------------------------------------------------------------------

SiteTracker::SiteTracker(std::string base_topic, double stale_s) : base_(std::move(base_topic)), stale_s_(stale_s) {
    if (!(stale_s >= 0.0)) throw ConfigError("stale_s", "must be ≥ 0 s");
}

double SiteTracker::stale_after(const Sensor& s) const {
    if (stale_s_ > 0.0) return stale_s_;
    const double window = s.state ? s.state->end_unix_s - s.state->start_unix_s : 0.0;
    return 3.0 * std::max(window, 1.0);
}

std::vector<SiteTracker::News> SiteTracker::on_message(const std::string& topic, const std::string& payload, bool retained,
                                                       double now) {
    std::vector<News> news;
    const std::string prefix = base_ + "/";
    if (topic.rfind(prefix, 0) != 0) return news;
    const std::string rest = topic.substr(prefix.size());
    const auto slash = rest.find('/');
    if (slash == std::string::npos) return news;
    const std::string sensor = rest.substr(0, slash), what = rest.substr(slash + 1);
    if (sensor == "site") return news;  // the plan's own topics

    if (what == "availability") {
        auto it = sensors_.find(sensor);
        if (payload == "offline") {
            if (it != sensors_.end() && !it->second.offline) {
                it->second.offline = true;
                news.push_back({News::Kind::left, sensor, sensor + " left (availability offline)"});
            }
        } else if (payload == "online") {
            if (it != sensors_.end() && it->second.offline) {
                it->second.offline = false;
                news.push_back({News::Kind::returned, sensor, sensor + " is back online"});
            }
        } else {
            news.push_back({News::Kind::malformed, sensor, topic + ": '" + payload.substr(0, 40) + "' is neither online nor offline; ignored"});
        }
        return news;
    }
    if (what != "state") return news;

    monitor::WindowState state;
    try {
        state = monitor::window_state_from_json(payload, topic);
    } catch (const InputError& e) {
        news.push_back({News::Kind::malformed, sensor, std::string(e.what()) + "; ignored"});
        return news;
    }
    if (state.sensor_id != sensor) {
        news.push_back({News::Kind::malformed, sensor,
                        topic + ": names sensor '" + state.sensor_id + "', not '" + sensor + "'; ignored"});
        return news;
    }
    const bool is_new = sensors_.find(sensor) == sensors_.end();
    auto& s = sensors_[sensor];
    const bool was_stale = s.stale;
    s.state = std::move(state);
    s.last_heard = retained ? std::min(now, s.state->end_unix_s) : now;
    s.stale = now - s.last_heard > stale_after(s);
    if (is_new) {
        const auto nets = s.state->networks.size();
        news.push_back({News::Kind::joined, sensor, sensor + " joined (" + std::to_string(s.state->channels.size()) + " channels, " +
                                                        std::to_string(nets) + (nets == 1 ? " network" : " networks") + " heard)"});
        if (s.stale)
            news.push_back({News::Kind::stale, sensor, sensor + " is stale: its last state is " +
                                                           fixed(now - s.last_heard, 0) + " s old; left out of the plan"});
    } else if (was_stale && !s.stale) {
        news.push_back({News::Kind::returned, sensor, sensor + " is reporting again"});
    } else {
        news.push_back({News::Kind::updated, sensor, sensor + " updated"});
    }
    if (s.offline && !retained) s.offline = false;  // a live state means it is up, whatever the last availability said
    return news;
}

std::vector<SiteTracker::News> SiteTracker::check_stale(double now) {
    std::vector<News> news;
    for (auto& [id, s] : sensors_) {
        if (s.stale || s.offline || !s.state) continue;
        const double limit = stale_after(s);
        if (now - s.last_heard > limit) {
            s.stale = true;
            news.push_back({News::Kind::stale, id, id + " went stale: no state for " + fixed(now - s.last_heard, 0) +
                                                       " s (limit " + fixed(limit, 0) + " s); left out of the plan"});
        }
    }
    return news;
}

std::vector<monitor::WindowState> SiteTracker::live_states() const {
    std::vector<monitor::WindowState> out;
    for (const auto& [id, s] : sensors_)
        if (s.state && !s.stale && !s.offline) out.push_back(*s.state);
    return out;
}

}  // namespace coex::publish
