// The monitor's wire format: window summaries and events as JSON (docs/monitor.md). Readers validate
// every field they use, because these arrive from other sensors through a broker.
#include "coex/monitor/state.hpp"

#include "coex/core/error.hpp"

#include <nlohmann/json.hpp>

#include <cmath>

namespace coex::monitor {
namespace {

using nlohmann::ordered_json;
using nlohmann::json;

double rounded(double x, int decimals) {
    const double scale = std::pow(10.0, decimals);
    return std::round(x * scale) / scale;
}

ordered_json number_or_null(const std::optional<double>& x, int decimals) {
    return x && std::isfinite(*x) ? ordered_json(rounded(*x, decimals)) : ordered_json(nullptr);
}
ordered_json int_or_null(const std::optional<int>& x) { return x ? ordered_json(*x) : ordered_json(nullptr); }

// Reading: each accessor names the message and the field when the value is missing or of the wrong type.
class Reader {
public:
    explicit Reader(std::string_view what) : what_(what) {}

    [[noreturn]] void fail(const std::string& path, const std::string& problem) const {
        throw InputError(std::string(what_) + ": " + path + ": " + problem);
    }
    const json& field(const json& o, const std::string& path, const char* key) const {
        if (!o.is_object()) fail(path, "expected an object");
        const auto it = o.find(key);
        if (it == o.end()) fail(path + "." + key, "missing");
        return *it;
    }
    double number(const json& o, const std::string& path, const char* key) const {
        const auto& v = field(o, path, key);
        if (!v.is_number()) fail(path + "." + key, "expected a number");
        const double x = v.get<double>();
        if (!std::isfinite(x)) fail(path + "." + key, "not finite");
        return x;
    }
    std::optional<double> optional_number(const json& o, const std::string& path, const char* key) const {
        if (!o.contains(key) || o.at(key).is_null()) return std::nullopt;
        return number(o, path, key);
    }
    std::optional<int> optional_int(const json& o, const std::string& path, const char* key) const {
        const auto x = optional_number(o, path, key);
        if (!x) return std::nullopt;
        if (*x != std::floor(*x) || std::abs(*x) > 1e6) fail(path + "." + key, "expected an integer");
        return static_cast<int>(*x);
    }
    int integer(const json& o, const std::string& path, const char* key) const {
        const auto x = optional_int(o, path, key);
        if (!x) fail(path + "." + key, "missing");
        return *x;
    }
    std::uint64_t count(const json& o, const std::string& path, const char* key) const {
        const double x = number(o, path, key);
        if (x < 0 || x != std::floor(x) || x > 9.0e15) fail(path + "." + key, "expected a count");
        return static_cast<std::uint64_t>(x);
    }
    std::string text(const json& o, const std::string& path, const char* key) const {
        const auto& v = field(o, path, key);
        if (!v.is_string()) fail(path + "." + key, "expected a string");
        return v.get<std::string>();
    }
    bool boolean(const json& o, const std::string& path, const char* key) const {
        const auto& v = field(o, path, key);
        if (!v.is_boolean()) fail(path + "." + key, "expected true or false");
        return v.get<bool>();
    }
    const json& array(const json& o, const std::string& path, const char* key) const {
        const auto& v = field(o, path, key);
        if (!v.is_array()) fail(path + "." + key, "expected an array");
        return v;
    }
    json parse(std::string_view text) const {
        try {
            return json::parse(text.begin(), text.end());
        } catch (const json::exception& e) {  // a syntax error, or a number too large for a double
            fail("(message)", std::string("not JSON: ") + e.what());
        }
    }

private:
    std::string_view what_;
};

EventKind event_kind_from(const Reader& r, const std::string& s) {
    for (const auto k : {EventKind::appeared, EventKind::changed, EventKind::disappeared})
        if (to_string(k) == s) return k;
    r.fail("kind", "'" + s + "' is not appeared, changed or disappeared");
}

}  // namespace

std::string_view to_string(EventKind kind) {
    switch (kind) {
        case EventKind::appeared: return "appeared";
        case EventKind::changed: return "changed";
        case EventKind::disappeared: return "disappeared";
    }
    return "?";
}

std::string to_json(const WindowState& s) {
    ordered_json channels = ordered_json::array();
    for (const auto& c : s.channels)
        channels.push_back({{"channel", c.channel},
                            {"center_mhz", rounded(c.center_mhz, 3)},
                            {"airtime", rounded(c.airtime, 4)},
                            {"observed_s", rounded(c.observed_s, 4)},
                            {"noise_floor_dbfs_per_mhz", number_or_null(c.noise_floor_dbfs_per_mhz, 2)},
                            {"cost", number_or_null(c.cost, 4)}});
    ordered_json emitters = ordered_json::array();
    for (const auto& e : s.emitters)
        emitters.push_back({{"class", e.class_key},
                            {"low_mhz", rounded(e.low_mhz, 3)},
                            {"high_mhz", rounded(e.high_mhz, 3)},
                            {"level_dbfs", rounded(e.level_dbfs, 2)},
                            {"above_floor_db", rounded(e.above_floor_db, 2)},
                            {"duty_cycle", rounded(e.duty_cycle, 4)},
                            {"confidence", rounded(e.confidence, 3)},
                            {"evidence", e.evidence},
                            {"summary", e.summary}});
    ordered_json networks = ordered_json::array();
    for (const auto& n : s.networks)
        networks.push_back({{"ssid", n.ssid},
                            {"bssid", n.bssid},
                            {"channel", n.channel},
                            {"frames", n.frames},
                            {"level_dbfs", number_or_null(n.level_dbfs, 2)},
                            {"mine", n.mine}});
    const ordered_json j = {
        {"sensor", s.sensor_id},
        {"start", rounded(s.start_unix_s, 3)},
        {"end", rounded(s.end_unix_s, 3)},
        {"observed_s", rounded(s.observed_s, 4)},
        {"noise_floor_dbfs_per_mhz", number_or_null(s.noise_floor_dbfs_per_mhz, 2)},
        {"channels", channels},
        {"emitters", emitters},
        {"networks", networks},
        {"recommended_channel", int_or_null(s.recommended_channel)},
        {"current_channel", int_or_null(s.current_channel)},
        {"window_best_channel", int_or_null(s.window_best_channel)},
        {"headline", s.headline},
        {"reasons", s.reasons},
        {"counters",
         {{"samples_in", s.samples_in},
          {"samples_dropped", s.samples_dropped},
          {"samples_lost", s.samples_lost},
          {"packets_decoded", s.packets_decoded},
          {"windows", s.windows}}},
    };
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string to_json(const Event& e) {
    const ordered_json j = {
        {"sensor", e.sensor_id},
        {"kind", std::string(to_string(e.kind))},
        {"id", e.id},
        {"class", e.class_key},
        {"start", rounded(e.start_unix_s, 3)},
        {"end", number_or_null(e.end_unix_s, 3)},
        {"low_mhz", rounded(e.low_mhz, 3)},
        {"high_mhz", rounded(e.high_mhz, 3)},
        {"level_dbfs", rounded(e.level_dbfs, 2)},
        {"above_floor_db", rounded(e.above_floor_db, 2)},
        {"duty_cycle", rounded(e.duty_cycle, 4)},
        {"evidence", e.evidence},
        {"detail", e.detail},
    };
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

WindowState window_state_from_json(std::string_view text, std::string_view what) {
    const Reader r(what);
    const json j = r.parse(text);
    WindowState s;
    s.sensor_id = r.text(j, "", "sensor");
    s.start_unix_s = r.number(j, "", "start");
    s.end_unix_s = r.number(j, "", "end");
    s.observed_s = r.number(j, "", "observed_s");
    s.noise_floor_dbfs_per_mhz = r.optional_number(j, "", "noise_floor_dbfs_per_mhz");
    const auto& channels = r.array(j, "", "channels");
    for (std::size_t i = 0; i < channels.size(); ++i) {
        const std::string p = "channels[" + std::to_string(i) + "]";
        const auto& c = channels[i];
        ChannelState cs;
        cs.channel = r.integer(c, p, "channel");
        if (cs.channel < 1 || cs.channel > 196) r.fail(p + ".channel", std::to_string(cs.channel) + " is not a Wi-Fi channel");
        cs.center_mhz = r.number(c, p, "center_mhz");
        cs.airtime = r.number(c, p, "airtime");
        if (cs.airtime < 0 || cs.airtime > 1) r.fail(p + ".airtime", "outside 0…1");
        cs.observed_s = r.number(c, p, "observed_s");
        cs.noise_floor_dbfs_per_mhz = r.optional_number(c, p, "noise_floor_dbfs_per_mhz");
        cs.cost = r.optional_number(c, p, "cost");
        s.channels.push_back(cs);
    }
    const auto& emitters = r.array(j, "", "emitters");
    for (std::size_t i = 0; i < emitters.size(); ++i) {
        const std::string p = "emitters[" + std::to_string(i) + "]";
        const auto& e = emitters[i];
        InterfererState is;
        is.class_key = r.text(e, p, "class");
        is.low_mhz = r.number(e, p, "low_mhz");
        is.high_mhz = r.number(e, p, "high_mhz");
        is.level_dbfs = r.number(e, p, "level_dbfs");
        is.above_floor_db = r.number(e, p, "above_floor_db");
        is.duty_cycle = r.number(e, p, "duty_cycle");
        is.confidence = r.number(e, p, "confidence");
        is.evidence = r.text(e, p, "evidence");
        is.summary = r.text(e, p, "summary");
        s.emitters.push_back(std::move(is));
    }
    const auto& networks = r.array(j, "", "networks");
    for (std::size_t i = 0; i < networks.size(); ++i) {
        const std::string p = "networks[" + std::to_string(i) + "]";
        const auto& n = networks[i];
        HeardNetwork hn;
        hn.ssid = r.text(n, p, "ssid");
        hn.bssid = r.text(n, p, "bssid");
        hn.channel = r.integer(n, p, "channel");
        hn.frames = r.count(n, p, "frames");
        hn.level_dbfs = r.optional_number(n, p, "level_dbfs");
        hn.mine = r.boolean(n, p, "mine");
        s.networks.push_back(std::move(hn));
    }
    s.recommended_channel = r.optional_int(j, "", "recommended_channel");
    s.current_channel = r.optional_int(j, "", "current_channel");
    s.window_best_channel = r.optional_int(j, "", "window_best_channel");
    s.headline = r.text(j, "", "headline");
    const auto& reasons = r.array(j, "", "reasons");
    for (std::size_t i = 0; i < reasons.size(); ++i) {
        if (!reasons[i].is_string()) r.fail("reasons[" + std::to_string(i) + "]", "expected a string");
        s.reasons.push_back(reasons[i].get<std::string>());
    }
    const auto& counters = r.field(j, "", "counters");
    s.samples_in = r.count(counters, "counters", "samples_in");
    s.samples_dropped = r.count(counters, "counters", "samples_dropped");
    s.samples_lost = r.count(counters, "counters", "samples_lost");
    s.packets_decoded = r.count(counters, "counters", "packets_decoded");
    s.windows = r.count(counters, "counters", "windows");
    return s;
}

Event event_from_json(std::string_view text, std::string_view what) {
    const Reader r(what);
    const json j = r.parse(text);
    Event e;
    e.sensor_id = r.text(j, "", "sensor");
    e.kind = event_kind_from(r, r.text(j, "", "kind"));
    e.id = r.text(j, "", "id");
    e.class_key = r.text(j, "", "class");
    e.start_unix_s = r.number(j, "", "start");
    e.end_unix_s = r.optional_number(j, "", "end");
    e.low_mhz = r.number(j, "", "low_mhz");
    e.high_mhz = r.number(j, "", "high_mhz");
    e.level_dbfs = r.number(j, "", "level_dbfs");
    e.above_floor_db = r.number(j, "", "above_floor_db");
    e.duty_cycle = r.number(j, "", "duty_cycle");
    e.evidence = r.text(j, "", "evidence");
    e.detail = r.text(j, "", "detail");
    return e;
}

}  // namespace coex::monitor
