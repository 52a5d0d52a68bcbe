// Emitters followed across windows; events when they appear, change and go (docs/monitor.md, "Events").
#include "coex/monitor/events.hpp"

#include "coex/core/error.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace coex::monitor {
namespace {

std::string number(double x, int decimals) {
    char t[32];
    std::snprintf(t, sizeof t, "%.*f", decimals, x);
    return t;
}

bool overlaps(const Sighting& a, const Sighting& b) {
    return a.state.low_mhz < b.state.high_mhz && b.state.low_mhz < a.state.high_mhz;
}

}  // namespace

void validate(const EventRules& r) {
    if (!(r.level_change_db > 0.0)) throw ConfigError("level_change_db", "must be > 0 dB");
    if (!(r.centre_move_mhz > 0.0)) throw ConfigError("centre_move_mhz", "must be > 0 MHz");
    if (!(r.duty_change > 0.0 && r.duty_change <= 1.0)) throw ConfigError("duty_change", "must be in (0, 1]");
    if (!(r.duty_ratio >= 1.0)) throw ConfigError("duty_ratio", "must be ≥ 1");
    if (r.absent_windows < 1) throw ConfigError("absent_windows", "must be ≥ 1");
    if (!(r.match_distance_mhz >= 0.0)) throw ConfigError("match_distance_mhz", "must be ≥ 0 MHz");
}

EventTracker::EventTracker(std::string sensor_id, EventRules rules) : sensor_id_(std::move(sensor_id)), rules_(rules) { validate(rules_); }

Event EventTracker::make_event(EventKind kind, const Track& t, double start, std::optional<double> end, std::string detail) const {
    Event e;
    e.sensor_id = sensor_id_;
    e.kind = kind;
    e.id = t.id;
    e.class_key = t.now.state.class_key;
    e.start_unix_s = start;
    e.end_unix_s = end;
    e.low_mhz = t.now.state.low_mhz;
    e.high_mhz = t.now.state.high_mhz;
    e.level_dbfs = t.now.state.level_dbfs;
    e.above_floor_db = t.now.state.above_floor_db;
    e.duty_cycle = t.now.state.duty_cycle;
    e.evidence = t.now.state.evidence;
    e.detail = std::move(detail);
    return e;
}

// What moved between what was last said and now, or "" when nothing moved enough.
std::string EventTracker::change_of(const Track& t) const {
    const auto& a = t.said;
    const auto& b = t.now;
    std::string what;
    auto add = [&](const std::string& part) { what += (what.empty() ? "" : "; ") + part; };
    const double dl = b.state.level_dbfs - a.state.level_dbfs;
    if (std::abs(dl) >= rules_.level_change_db)
        add("level " + number(a.state.level_dbfs, 1) + " → " + number(b.state.level_dbfs, 1) + " dBFS (" + (dl > 0 ? "+" : "") + number(dl, 1) +
            " dB)");
    if (a.wifi_channel && b.wifi_channel) {
        if (*a.wifi_channel != *b.wifi_channel) add("channel " + std::to_string(*a.wifi_channel) + " → " + std::to_string(*b.wifi_channel));
    } else if (std::abs(b.center_mhz - a.center_mhz) >= rules_.centre_move_mhz) {
        add("centre " + number(a.center_mhz, 1) + " → " + number(b.center_mhz, 1) + " MHz");
    }
    const double d0 = a.state.duty_cycle, d1 = b.state.duty_cycle;
    const double lo = std::min(d0, d1), hi = std::max(d0, d1);
    if (hi - lo >= rules_.duty_change && (lo <= 0.0 || hi / lo >= rules_.duty_ratio))
        add("duty " + number(100.0 * d0, 0) + " % → " + number(100.0 * d1, 0) + " %");
    return what;
}

std::vector<Event> EventTracker::update(const WindowSummary& window, bool observed) {
    std::vector<Event> events;
    const auto& seen = window.sightings;
    // Candidate pairs (track, sighting) of one class whose bands overlap or whose centres lie close,
    // nearest first; each side is taken once.
    struct Pair {
        double distance;
        std::size_t track, sighting;
    };
    std::vector<Pair> pairs;
    for (std::size_t t = 0; t < tracks_.size(); ++t)
        for (std::size_t s = 0; s < seen.size(); ++s) {
            const auto& a = tracks_[t].now;
            const auto& b = seen[s];
            if (a.state.class_key != b.state.class_key) continue;
            const double d = std::abs(a.center_mhz - b.center_mhz);
            if (overlaps(a, b) || d <= rules_.match_distance_mhz) pairs.push_back({d, t, s});
        }
    std::stable_sort(pairs.begin(), pairs.end(), [](const Pair& x, const Pair& y) { return x.distance < y.distance; });
    std::vector<bool> track_taken(tracks_.size(), false), seen_taken(seen.size(), false);
    for (const auto& p : pairs) {
        if (track_taken[p.track] || seen_taken[p.sighting]) continue;
        track_taken[p.track] = seen_taken[p.sighting] = true;
        auto& t = tracks_[p.track];
        t.now = seen[p.sighting];
        t.last_unix_s = std::max(t.last_unix_s, t.now.last_unix_s);
        t.missed = 0;
        const auto change = change_of(t);
        if (!change.empty()) {
            events.push_back(make_event(EventKind::changed, t, t.now.first_unix_s, std::nullopt, change));
            t.said = t.now;
        }
    }
    // Gone: missing from enough windows that looked.
    std::vector<Track> kept;
    for (std::size_t i = 0; i < tracks_.size(); ++i) {
        auto& t = tracks_[i];
        if (!track_taken[i] && observed && ++t.missed >= rules_.absent_windows) {
            events.push_back(make_event(EventKind::disappeared, t, t.first_unix_s, t.last_unix_s,
                                        "last seen " + number(t.last_unix_s - t.first_unix_s, 1) + " s after it appeared"));
            continue;
        }
        kept.push_back(std::move(t));
    }
    tracks_ = std::move(kept);
    // New.
    for (std::size_t s = 0; s < seen.size(); ++s) {
        if (seen_taken[s]) continue;
        Track t;
        const auto& b = seen[s];
        t.id = b.state.class_key + "@" + number(b.center_mhz, 0) + "#" + std::to_string(next_number_++);
        t.now = t.said = b;
        t.first_unix_s = b.first_unix_s;
        t.last_unix_s = b.last_unix_s;
        events.push_back(make_event(EventKind::appeared, t, t.first_unix_s, std::nullopt, b.state.summary));
        tracks_.push_back(std::move(t));
    }
    std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
        return a.end_unix_s.value_or(a.start_unix_s) < b.end_unix_s.value_or(b.start_unix_s);
    });
    return events;
}

std::vector<Event> EventTracker::finish() {
    std::vector<Event> events;
    std::vector<Track> kept;
    for (auto& t : tracks_) {
        if (t.missed > 0)
            events.push_back(make_event(EventKind::disappeared, t, t.first_unix_s, t.last_unix_s,
                                        "missing from the last window when the monitor stopped; last seen " +
                                            number(t.last_unix_s - t.first_unix_s, 1) + " s after it appeared"));
        else
            kept.push_back(std::move(t));
    }
    tracks_ = std::move(kept);
    return events;
}

}  // namespace coex::monitor
