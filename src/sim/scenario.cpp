// Scene files: parsing and validation (docs/scenes.md).
#include "coex/sim/scenario.hpp"
#include "coex/sim/esb.hpp"
#include "coex/sim/lookalike.hpp"
#include "coex/sim/receiver.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "coex/core/bands.hpp"
#include "coex/core/emitter_class.hpp"
#include "coex/core/error.hpp"

namespace coex::sim {

namespace {

using json = nlohmann::json;

std::string fmt(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
}

// A JSON object being read: remembers its path for messages and which keys were used, so that a
// misspelt key is an error instead of being ignored.
class Obj {
public:
    Obj(const json& j, std::string path, const std::string& origin) : j_(j), path_(std::move(path)), origin_(origin) {
        if (!j_.is_object()) fail(path_, "expected an object");
    }

    [[noreturn]] void fail(const std::string& where, const std::string& what) const {
        throw InputError(origin_ + ": " + (where.empty() ? std::string() : where + ": ") + what);
    }
    std::string at(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
    bool has(const std::string& key) const { return j_.contains(key) && !j_.at(key).is_null(); }

    const json* get(const std::string& key) {
        used_.insert(key);
        auto it = j_.find(key);
        return it == j_.end() || it->is_null() ? nullptr : &*it;
    }

    std::optional<double> number(const std::string& key, double lo, double hi, const std::string& unit = "") {
        const json* v = get(key);
        if (!v) return std::nullopt;
        if (!v->is_number()) fail(at(key), "expected a number");
        const double d = v->get<double>();
        if (!std::isfinite(d) || d < lo || d > hi)
            fail(at(key), fmt(d) + " is outside " + fmt(lo) + "–" + fmt(hi) + (unit.empty() ? "" : " " + unit));
        return d;
    }
    double number_or(const std::string& key, double fallback, double lo, double hi, const std::string& unit = "") {
        return number(key, lo, hi, unit).value_or(fallback);
    }
    double required_number(const std::string& key, double lo, double hi, const std::string& unit = "") {
        auto v = number(key, lo, hi, unit);
        if (!v) fail(at(key), "is required");
        return *v;
    }
    std::optional<long long> integer(const std::string& key, long long lo, long long hi) {
        const json* v = get(key);
        if (!v) return std::nullopt;
        if (!v->is_number_integer() && !v->is_number_unsigned()) fail(at(key), "expected an integer");
        const long long d = v->get<long long>();
        if (d < lo || d > hi) fail(at(key), std::to_string(d) + " is outside " + std::to_string(lo) + "–" + std::to_string(hi));
        return d;
    }
    std::optional<std::string> string(const std::string& key) {
        const json* v = get(key);
        if (!v) return std::nullopt;
        if (!v->is_string()) fail(at(key), "expected a string");
        return v->get<std::string>();
    }
    std::string choice(const std::string& key, const std::vector<std::string>& allowed, const std::string& fallback) {
        auto v = string(key);
        if (!v) return fallback;
        if (std::find(allowed.begin(), allowed.end(), *v) == allowed.end()) {
            std::string list;
            for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
            fail(at(key), "'" + *v + "' is not one of " + list);
        }
        return *v;
    }
    std::optional<bool> boolean(const std::string& key) {
        const json* v = get(key);
        if (!v) return std::nullopt;
        if (!v->is_boolean()) fail(at(key), "expected true or false");
        return v->get<bool>();
    }
    std::vector<double> numbers(const std::string& key, double lo, double hi, const std::string& unit = "") {
        std::vector<double> out;
        const json* v = get(key);
        if (!v) return out;
        if (!v->is_array()) fail(at(key), "expected an array of numbers");
        for (std::size_t i = 0; i < v->size(); ++i) {
            const auto& e = (*v)[i];
            const std::string where = at(key) + "[" + std::to_string(i) + "]";
            if (!e.is_number()) fail(where, "expected a number");
            const double d = e.get<double>();
            if (!std::isfinite(d) || d < lo || d > hi) fail(where, fmt(d) + " is outside " + fmt(lo) + "–" + fmt(hi) + (unit.empty() ? "" : " " + unit));
            out.push_back(d);
        }
        return out;
    }
    // Keys present but never asked for.
    void no_unknown_keys() const {
        for (auto it = j_.begin(); it != j_.end(); ++it)
            if (!used_.count(it.key())) fail(at(it.key()), "unknown key (docs/scenes.md lists the keys)");
    }

private:
    const json& j_;
    std::string path_;
    const std::string& origin_;
    std::set<std::string> used_;
};

WifiRate parse_rate(Obj& o, const std::string& key, WifiRate fallback) {
    auto v = o.number(key, 6, 54, "Mb/s");
    if (!v) return fallback;
    const std::pair<double, WifiRate> table[] = {{6, WifiRate::mbps6},   {9, WifiRate::mbps9},   {12, WifiRate::mbps12},
                                                  {18, WifiRate::mbps18}, {24, WifiRate::mbps24}, {36, WifiRate::mbps36},
                                                  {48, WifiRate::mbps48}, {54, WifiRate::mbps54}};
    for (const auto& [m, r] : table)
        if (*v == m) return r;
    o.fail(o.at(key), fmt(*v) + " is not an 802.11a/g rate (6, 9, 12, 18, 24, 36, 48, 54)");
}

int wifi_channel(Obj& o, const std::string& key, int fallback) {
    const json* v = o.get(key);
    if (!v) return fallback;
    if (!v->is_number_integer() && !v->is_number_unsigned()) o.fail(o.at(key), "expected an integer");
    const long long c = v->get<long long>();
    if (c < 1 || c > 14) o.fail(o.at(key), std::to_string(c) + " is not a Wi-Fi channel (1–14)");
    return static_cast<int>(c);
}

// A network's SSID ("ssid"): 1–32 octets, or none.
std::string network_name(Obj& o) {
    const auto ssid = o.string("ssid");
    if (!ssid) return "";
    if (ssid->empty() || ssid->size() > 32) o.fail(o.at("ssid"), "'" + *ssid + "' is not an SSID (1–32 octets)");
    return *ssid;
}

// The AFH map: "channels" (list of BT channel numbers) or "excluded_channels" / "excluded_mhz".
std::vector<int> parse_afh(Obj& e) {
    std::vector<bool> used(bt_classic_channels, true);
    bool given = false;
    if (e.has("channels")) {
        std::fill(used.begin(), used.end(), false);
        for (double c : e.numbers("channels", 0, 78)) used[static_cast<std::size_t>(c)] = true;
        given = true;
    }
    for (double c : e.numbers("excluded_channels", 0, 78)) {
        used[static_cast<std::size_t>(c)] = false;
        given = true;
    }
    if (const json* x = e.get("excluded_mhz")) {
        const std::string where = e.at("excluded_mhz");
        if (!x->is_array()) e.fail(where, "expected an array of [low, high] pairs in MHz");
        for (std::size_t i = 0; i < x->size(); ++i) {
            const auto& p = (*x)[i];
            if (!p.is_array() || p.size() != 2 || !p[0].is_number() || !p[1].is_number() || p[0].get<double>() > p[1].get<double>())
                e.fail(where + "[" + std::to_string(i) + "]", "expected [low, high] in MHz with low <= high");
            for (int k = 0; k < bt_classic_channels; ++k) {
                const double f = bt_classic_first_mhz + k;
                if (f >= p[0].get<double>() && f <= p[1].get<double>()) used[static_cast<std::size_t>(k)] = false;
            }
        }
        given = true;
    }
    std::vector<int> out;
    for (int k = 0; k < bt_classic_channels; ++k)
        if (used[static_cast<std::size_t>(k)]) out.push_back(k);
    if (given && out.size() < 20)
        e.fail(e.at("channels"), "the AFH map keeps " + std::to_string(out.size()) + " channels; Bluetooth needs at least 20");
    return out;
}

EmitterSpec parse_emitter(const json& j, const std::string& path, const std::string& origin, bool have_floor) {
    Obj e(j, path, origin);
    EmitterSpec s;
    std::vector<std::string> types;
    for (const auto t : scene_emitter_types()) types.emplace_back(t);
    if (!e.has("type")) {
        std::string list;
        for (const auto& t : types) list += (list.empty() ? "" : ", ") + t;
        e.fail(e.at("type"), "is required (one of " + list + ")");
    }
    s.type = e.choice("type", types, "");
    const EmitterClass cls = *emitter_class_of_scene_type(s.type);  // every choice is some class's scene type
    s.name = e.string("name").value_or("");
    s.level.snr_db = e.number("snr_db", -30, 90, "dB");
    s.level.level_dbfs = e.number("level_dbfs", -200, 20, "dBFS");
    s.rise_db = e.number("rise_db", 0.01, 60, "dB");
    if (cls == EmitterClass::usb3_noise) {
        if (s.level.snr_db || s.level.level_dbfs) e.fail(e.at("rise_db"), "usb3_noise takes its level as rise_db (dB over the floor)");
        if (!s.rise_db) s.rise_db = 10.0;
        if (!have_floor) e.fail(e.at("rise_db"), "needs a noise floor (receiver.noise_floor_dbfs_per_mhz)");
    } else {
        if (s.rise_db) e.fail(e.at("rise_db"), "only usb3_noise takes rise_db; use snr_db or level_dbfs");
        if (s.level.snr_db && s.level.level_dbfs) e.fail(e.at("snr_db"), "give snr_db or level_dbfs, not both");
        if (!s.level.snr_db && !s.level.level_dbfs) s.level.snr_db = cls == EmitterClass::microwave_oven ? 40.0 : 20.0;
        if (s.level.snr_db && !have_floor)
            e.fail(e.at("snr_db"), "needs a noise floor (receiver.noise_floor_dbfs_per_mhz); give level_dbfs instead");
    }
    s.cfo_ppm = e.number("cfo_ppm", -100, 100, "ppm");
    if (auto d = e.number("cfo_drift_khz", 0, 1000, "kHz")) {
        const auto tol = carrier_tolerance_hz(cls, 2441e6);
        if (*d > 0.0 && !tol) e.fail(e.at("cfo_drift_khz"), "this emitter type has no carrier tolerance to drift within");
        if (tol && *d * 1e3 > 2.0 * *tol)
            e.fail(e.at("cfo_drift_khz"), fmt(*d) + " kHz is more than the standard's ±" + fmt(*tol / 1e3) + " kHz tolerance allows");
        s.cfo_drift_hz = *d * 1e3;
    }
    if (auto m = e.number("multipath_rms_ns", 0, 500, "ns")) {
        if (*m != 0.0 && *m < 5.0) e.fail(e.at("multipath_rms_ns"), fmt(*m) + " is below 5 ns (0 turns multipath off)");
        s.multipath_rms_s = *m * 1e-9;
    }
    if (auto r = e.number("ramp_us", 0, 1000, "µs")) s.ramp_s = *r * 1e-6;
    s.start_s = e.number_or("start_s", 0.0, 0.0, 3600.0, "s");
    s.stop_s = e.number("stop_s", 0.0, 3600.0, "s");
    if (s.stop_s && *s.stop_s <= s.start_s) e.fail(e.at("stop_s"), "must be after start_s");

    if (cls == EmitterClass::wifi_ofdm) {
        WifiOfdmSpec p;
        p.channel = wifi_channel(e, "channel", p.channel);
        p.airtime = e.number_or("airtime", p.airtime, 0.0, 0.9);
        p.standard = e.choice("standard", {"g", "n"}, p.standard);
        const bool n = p.standard == "n";
        if (!n && (e.has("width_mhz") || e.has("mcs") || e.has("secondary")))
            e.fail(e.at(e.has("width_mhz") ? "width_mhz" : e.has("mcs") ? "mcs" : "secondary"), "needs \"standard\": \"n\"");
        if (n && e.has("rate_mbps")) e.fail(e.at("rate_mbps"), "802.11n frames take mcs (0–7), not rate_mbps");
        p.mcs = static_cast<int>(e.integer("mcs", 0, 7).value_or(p.mcs));
        if (const json* wd = e.get("width_mhz")) {
            if (!wd->is_number_integer() || (wd->get<int>() != 20 && wd->get<int>() != 40)) e.fail(e.at("width_mhz"), "must be 20 or 40");
            p.width_mhz = wd->get<int>();
        }
        p.secondary = e.choice("secondary", {"above", "below"}, p.channel <= 9 ? "above" : "below") == "above" ? +1 : -1;
        if (n && p.channel == 14) e.fail(e.at("channel"), "channel 14 carries 802.11b only");
        if (p.width_mhz == 40 && (p.channel + 4 * p.secondary < 1 || p.channel + 4 * p.secondary > 13))
            e.fail(e.at("secondary"), "HT40 on channel " + std::to_string(p.channel) + " needs its secondary channel " +
                                          std::to_string(p.channel + 4 * p.secondary) + " inside 1–13");
        p.rate = parse_rate(e, "rate_mbps", p.rate);
        p.frames = e.choice("frames", {"mixed", "short", "long"}, p.frames);
        if (auto b = e.integer("psdu_bytes", 14, 4095)) p.psdu_bytes = static_cast<std::size_t>(*b);
        p.ack = e.boolean("ack").value_or(p.ack);
        p.beacons = e.boolean("beacons").value_or(p.beacons);
        p.peer_level_db = e.number_or("peer_level_db", p.peer_level_db, -60, 20, "dB");
        p.ssid = network_name(e);
        s.params = p;
    } else if (cls == EmitterClass::wifi_dsss) {
        WifiDsssSpec p;
        p.channel = wifi_channel(e, "channel", p.channel);
        p.beacon_interval_s = e.number_or("beacon_interval_ms", p.beacon_interval_s * 1e3, 10, 10000, "ms") * 1e-3;
        if (auto f = e.number("first_beacon_ms", 0, 10000, "ms")) p.first_beacon_s = *f * 1e-3;
        p.beacon_bytes = static_cast<std::size_t>(e.integer("beacon_bytes", 24, 2000).value_or(static_cast<long long>(p.beacon_bytes)));
        p.airtime = e.number_or("airtime", p.airtime, 0.0, 0.9);
        p.peer_level_db = e.number_or("peer_level_db", p.peer_level_db, -60, 20, "dB");
        p.ssid = network_name(e);
        if (!p.ssid.empty() && e.has("beacon_bytes")) e.fail(e.at("beacon_bytes"), "a named network's beacons are as long as its beacon frame");
        s.params = p;
    } else if (cls == EmitterClass::bluetooth_classic) {
        BtClassicSpec p;
        const std::string pk = e.choice("packet", {"DH1", "DH3", "DH5"}, "DH5");
        p.packet = pk == "DH1" ? BtPacket::dh1 : pk == "DH3" ? BtPacket::dh3 : BtPacket::dh5;
        p.slot_usage = e.number_or("slot_usage", p.slot_usage, 0.0, 1.0);
        p.used_channels = parse_afh(e);
        p.reply = e.choice("reply", {"null", "none", "dh1"}, p.reply);
        p.slave_level_db = e.number_or("slave_level_db", p.slave_level_db, -60, 20, "dB");
        s.params = p;
    } else if (cls == EmitterClass::ble) {
        BleSpec p;
        p.mode = e.choice("mode", {"advertising", "connection"}, p.mode);
        p.phy = e.choice("phy", {"1M", "2M"}, "1M") == "2M" ? BlePhy::le2m : BlePhy::le1m;
        p.adv_interval_s = e.number_or("adv_interval_ms", p.adv_interval_s * 1e3, 20, 10240, "ms") * 1e-3;
        if (e.has("adv_channels")) {
            p.adv_channels.clear();
            for (double c : e.numbers("adv_channels", 37, 39)) p.adv_channels.push_back(static_cast<int>(c));
            if (p.adv_channels.empty()) e.fail(e.at("adv_channels"), "needs at least one of 37, 38, 39");
        }
        const bool adv = p.mode == "advertising";
        p.pdu_bytes = static_cast<std::size_t>(
            e.integer("pdu_bytes", adv ? 6 : 0, adv ? 37 : 251).value_or(adv ? 31 : 20));
        p.conn_interval_s = e.number_or("conn_interval_ms", p.conn_interval_s * 1e3, 7.5, 4000, "ms") * 1e-3;
        if (auto h = e.integer("hop", 5, 16)) p.hop = static_cast<int>(*h);
        for (double c : e.numbers("data_channels", 0, 36)) p.data_channels.push_back(static_cast<int>(c));
        if (e.has("data_channels") && p.data_channels.size() < 2) e.fail(e.at("data_channels"), "needs at least 2 channels");
        p.peripheral_level_db = e.number_or("peripheral_level_db", p.peripheral_level_db, -60, 20, "dB");
        s.params = p;
    } else if (cls == EmitterClass::zigbee) {
        ZigbeeSpec p;
        if (const json* c = e.get("channel")) {
            if (!c->is_number_integer() && !c->is_number_unsigned()) e.fail(e.at("channel"), "expected an integer");
            const long long ch = c->get<long long>();
            if (ch < 11 || ch > 26) e.fail(e.at("channel"), std::to_string(ch) + " is not an 802.15.4 2.4 GHz channel (11–26)");
            p.channel = static_cast<int>(ch);
        }
        p.interval_s = e.number_or("interval_ms", p.interval_s * 1e3, 1, 60000, "ms") * 1e-3;
        p.psdu_bytes = static_cast<std::size_t>(e.integer("psdu_bytes", 5, 127).value_or(static_cast<long long>(p.psdu_bytes)));
        p.ack = e.boolean("ack").value_or(p.ack);
        s.params = p;
    } else if (cls == EmitterClass::usb3_noise) {
        Usb3Spec p;
        p.low_hz = e.number_or("low_mhz", 2400, 2300, 2600, "MHz") * 1e6;
        p.high_hz = e.number_or("high_mhz", 2500, 2300, 2600, "MHz") * 1e6;
        if (p.high_hz - p.low_hz < 5e6) e.fail(e.at("high_mhz"), "the band must be at least 5 MHz wide (low_mhz < high_mhz)");
        p.ripple_db = e.number_or("ripple_db", p.ripple_db, 0, 6, "dB");
        p.ripple_period_hz = e.number_or("ripple_period_mhz", p.ripple_period_hz / 1e6, 0.5, 50, "MHz") * 1e6;
        s.params = p;
    } else if (s.type == "cw") {
        ToneSpec p;
        p.freq_hz = e.required_number("freq_mhz", 2300, 2600, "MHz") * 1e6;
        s.params = p;
    } else if (s.type == "comb") {
        CombSpec p;
        p.f0_hz = e.required_number("f0_mhz", 1, 500, "MHz") * 1e6;
        p.low_hz = e.number_or("low_mhz", 2400, 2300, 2600, "MHz") * 1e6;
        p.high_hz = e.number_or("high_mhz", 2500, 2300, 2600, "MHz") * 1e6;
        p.slope_db = e.number_or("slope_db", 0, -20, 20, "dB");
        if (std::ceil(p.low_hz / p.f0_hz) > std::floor(p.high_hz / p.f0_hz))
            e.fail(e.at("f0_mhz"), "no harmonic k·f0 falls in " + fmt(p.low_hz / 1e6) + "–" + fmt(p.high_hz / 1e6) + " MHz");
        if (std::floor(p.high_hz / p.f0_hz) - std::ceil(p.low_hz / p.f0_hz) >= 64) e.fail(e.at("f0_mhz"), "more than 64 harmonics in the range");
        s.params = p;
    } else if (cls == EmitterClass::microwave_oven) {
        MicrowaveSpec p;
        p.mains_hz = e.number_or("mains_hz", p.mains_hz, 50, 60, "Hz");
        if (p.mains_hz != 50.0 && p.mains_hz != 60.0) e.fail(e.at("mains_hz"), fmt(p.mains_hz) + " is not 50 or 60");
        p.center_hz = e.number_or("center_mhz", p.center_hz / 1e6, 2400, 2500, "MHz") * 1e6;
        p.sweep_hz = e.number_or("sweep_mhz", p.sweep_hz / 1e6, 0, 20, "MHz") * 1e6;
        p.on_fraction = e.number_or("on_fraction", p.on_fraction, 0.1, 0.5);
        p.drift_hz = e.number_or("drift_mhz", p.drift_hz / 1e6, 0, 10, "MHz") * 1e6;
        s.params = p;
    } else if (s.type == "esb") {
        EsbSpec p;
        p.freq_hz = e.required_number("freq_mhz", 2400, 2525, "MHz") * 1e6;
        const double shortest_ms = 1e3 * esb_packet_duration_s(5, esb_max_payload_bytes) + 0.13;  // + the radio's 130 µs turnaround
        p.interval_s = e.number_or("interval_ms", p.interval_s * 1e3, shortest_ms, 1000, "ms") * 1e-3;
        p.payload_bytes = static_cast<std::size_t>(e.integer("payload_bytes", 0, 32).value_or(static_cast<long long>(p.payload_bytes)));
        p.address_bytes = static_cast<std::size_t>(e.integer("address_bytes", 3, 5).value_or(static_cast<long long>(p.address_bytes)));
        if (auto r = e.integer("rate_mbps", 1, 2)) p.symbol_rate_hz = static_cast<double>(*r) * 1e6;
        const double packet_ms = 1e3 * esb_packet_duration_s(p.address_bytes, p.payload_bytes, 2, p.symbol_rate_hz);
        if (p.interval_s * 1e3 < packet_ms + 0.13)
            e.fail(e.at("interval_ms"), fmt(p.interval_s * 1e3) + " ms is shorter than a packet and the radio's 130 µs turnaround (" +
                                            fmt(packet_ms + 0.13) + " ms)");
        for (double f : e.numbers("hop_mhz", 2400, 2525, "MHz")) p.hop_hz.push_back(f * 1e6);
        if (e.has("hop_mhz") && p.hop_hz.size() < 2) e.fail(e.at("hop_mhz"), "a hopping link needs at least 2 frequencies");
        if (auto h = e.number("hop_every_ms", 1, 10000, "ms")) p.hop_every_s = *h * 1e-3;
        p.lost_share = e.number_or("lost_share", p.lost_share, 0.0, 0.5);
        if (p.hop_hz.empty() && (e.has("hop_every_ms") || e.has("lost_share")))
            e.fail(e.at(e.has("hop_every_ms") ? "hop_every_ms" : "lost_share"), "needs hop_mhz (the frequencies the link hops over)");
        s.params = p;
    } else if (s.type == "toy_fsk") {
        ToyFskSpec p;
        p.freq_hz = e.required_number("freq_mhz", 2400, 2525, "MHz") * 1e6;
        p.payload_bytes = static_cast<std::size_t>(e.integer("payload_bytes", 1, 64).value_or(static_cast<long long>(p.payload_bytes)));
        const double packet_ms = 1e3 * toy_fsk_packet_duration_s(p.payload_bytes);
        p.interval_s = e.number_or("interval_ms", p.interval_s * 1e3, 0.2, 1000, "ms") * 1e-3;
        if (p.interval_s * 1e3 < 1.1 * packet_ms)
            e.fail(e.at("interval_ms"), fmt(p.interval_s * 1e3) + " ms is shorter than a packet with its jitter (" + fmt(1.1 * packet_ms) + " ms)");
        p.deviation_hz = e.number_or("deviation_khz", p.deviation_hz / 1e3, 50, 500, "kHz") * 1e3;
        s.params = p;
    } else if (cls == EmitterClass::ofdm_not_wifi) {  // "drone_ofdm"
        DroneOfdmSpec p;
        p.center_hz = e.number_or("center_mhz", p.center_hz / 1e6, 2400, 2500, "MHz") * 1e6;
        if (const json* w = e.get("channel_mhz")) {
            if (!w->is_number_integer() || (w->get<int>() != 10 && w->get<int>() != 20)) e.fail(e.at("channel_mhz"), "must be 10 or 20");
            p.channel_mhz = w->get<int>();
        }
        p.bits_per_symbol = e.choice("modulation", {"qpsk", "16qam"}, "qpsk") == "16qam" ? 4 : 2;
        p.frame_s = e.number_or("frame_ms", p.frame_s * 1e3, 1, 100, "ms") * 1e-3;
        p.duty = e.number_or("duty", p.duty, 0.05, 1.0);
        s.params = p;
    } else if (s.type == "fm_video") {
        FmVideoSpec p;
        p.center_hz = e.number_or("center_mhz", p.center_hz / 1e6, 2400, 2500, "MHz") * 1e6;
        p.peak_deviation_hz = e.number_or("deviation_mhz", p.peak_deviation_hz / 1e6, 1, 8, "MHz") * 1e6;
        s.params = p;
    } else if (s.type == "fhss_phone") {
        FhssPhoneSpec p;
        p.frame_s = e.number_or("frame_ms", p.frame_s * 1e3, 2, 100, "ms") * 1e-3;
        s.params = p;
    }
    e.no_unknown_keys();
    return s;
}

std::vector<double> sweep_plan(Obj& r) {
    const json* plan = r.get("plan");
    std::vector<double> c = r.numbers("centers_mhz", 2300, 2600, "MHz");
    if (plan) {
        if (!c.empty()) r.fail(r.at("plan"), "give plan or centers_mhz, not both");
        const std::string p = r.choice("plan", {"channels", "channels-us", "coarse"}, "");
        if (p == "channels" || p == "channels-us") {
            const int last = p == "channels" ? 13 : 11;
            for (int ch = 1; ch <= last; ++ch) c.push_back(wifi_channel_center_mhz(ch));
        } else {
            for (double f = 2410; f <= 2490; f += 20) c.push_back(f);  // contiguous 20 MHz steps
        }
    }
    if (c.empty()) r.fail(r.at("centers_mhz"), "a sweep needs centers_mhz or plan (channels, channels-us, coarse)");
    for (double& f : c) f *= 1e6;
    return c;
}

// A receiver model's imperfections over the spec's (the view, centre and rate are the caller's).
void apply_model(ReceiverSpec& s, const ReceiverModel& m) {
    s.model = std::string(m.name);
    s.hardware = std::string(m.hardware);
    s.sample_type = std::string(m.sample_type);
    s.adc_bits = m.adc_bits;
    s.dc_offset_dbfs = m.dc_offset_dbfs;
    s.iq_gain_imbalance_db = m.iq_gain_imbalance_db;
    s.iq_phase_imbalance_deg = m.iq_phase_imbalance_deg;
    double tuning = s.center_hz;
    if (!s.sweep_centers_hz.empty()) {
        tuning = 0.0;
        for (double c : s.sweep_centers_hz) tuning += c / static_cast<double>(s.sweep_centers_hz.size());
    }
    s.lo_offset_hz = m.lo_offset_khz * 1e3 + m.lo_error_ppm * 1e-6 * tuning;
    s.passband_droop_db = m.passband_droop_db;
    s.passband_tilt_db = m.passband_tilt_db;
    s.agc_step_db = m.agc_step_db;
    s.agc_steps_per_s = m.agc_steps_per_s;
    s.multipath_rms_s = m.multipath_rms_ns * 1e-9;
    s.tx_drift = m.tx_drift;
}

const ReceiverModel& model_named(Obj& r, const std::string& key, const std::string& name) {
    const ReceiverModel* m = find_receiver_model(name);
    if (!m) r.fail(r.at(key), "'" + name + "' is not one of " + receiver_model_names());
    return *m;
}

ReceiverSpec parse_receiver(const json& j, const std::string& origin, const std::string& model_override) {
    Obj r(j, "receiver", origin);
    ReceiverSpec s;
    const std::optional<std::string> own_model = r.string("model");
    const ReceiverModel* model = nullptr;
    if (own_model) model = &model_named(r, "model", *own_model);
    if (!model_override.empty()) {
        model = find_receiver_model(model_override);
        if (!model) throw InputError("receiver model '" + model_override + "' is not one of " + receiver_model_names());
    }
    const std::string view = r.choice("view", {"single", "wideband", "sweep", "narrow"}, "single");
    s.view = view == "wideband" ? ViewKind::wideband : view == "sweep" ? ViewKind::sweep : view == "narrow" ? ViewKind::narrow : ViewKind::single;
    const double default_rate = s.view == ViewKind::wideband ? 100 : s.view == ViewKind::narrow ? 2.4 : 20;
    const double default_center = s.view == ViewKind::wideband ? 2442 : s.view == ViewKind::narrow ? 2426 : 2437;
    const std::string default_hw = s.view == ViewKind::wideband ? "USRP B210-class receiver (simulated)"
                                   : s.view == ViewKind::narrow ? "RTL-SDR behind a 2.4 GHz downconverter (simulated)"
                                                                 : "HackRF One (simulated)";
    const std::optional<double> given_rate = r.number("sample_rate_msps", 0.2, 200, "MS/s");
    s.sample_rate_hz = given_rate.value_or(default_rate) * 1e6;
    if (model && s.sample_rate_hz > model->max_rate_msps * 1e6 * (1 + 1e-9)) {
        // A model parked on the scene from outside takes its fastest rate; a scene that names the
        // model and a rate it cannot stream is refused.
        if (given_rate && model_override.empty())
            r.fail(r.at("sample_rate_msps"), fmt(*given_rate) + " MS/s is beyond a " + std::string(model->name) + " (at most " +
                                                 fmt(model->max_rate_msps) + " MS/s)");
        if (model_override.empty()) {
            s.sample_rate_hz = model->max_rate_msps * 1e6;  // the view's default rate, capped to the model's
        } else {
            s.beyond_model = fmt(s.sample_rate_hz / 1e6) + " MS/s " + view + " view: beyond a " + std::string(model->name) + " (at most " +
                             fmt(model->max_rate_msps) + " MS/s)";
        }
    }
    if (s.view == ViewKind::sweep) {
        if (r.has("center_mhz")) r.fail(r.at("center_mhz"), "a sweep takes centers_mhz or plan, not center_mhz");
        s.sweep_centers_hz = sweep_plan(r);
        s.dwell_s = r.number_or("dwell_ms", 50, 1, 10000, "ms") * 1e-3;
        s.rounds = static_cast<int>(r.integer("rounds", 1, 100).value_or(1));
        s.retune_gap_s = r.number_or("retune_gap_ms", 1.0, 0, 1000, "ms") * 1e-3;
    } else {
        s.center_hz = r.number_or("center_mhz", default_center, 2300, 2600, "MHz") * 1e6;
    }
    if (auto b = r.number("bandwidth_mhz", 0.01, 200, "MHz")) {
        if (*b * 1e6 > s.sample_rate_hz) r.fail(r.at("bandwidth_mhz"), "exceeds the sample rate");
        s.bandwidth_hz = *b * 1e6;
    }
    s.hardware = default_hw;
    if (model) apply_model(s, *model);
    const bool floor_given = r.has("noise_floor_dbfs_per_mhz");
    if (const json* f = r.get("noise_floor_dbfs_per_mhz")) {
        (void)f;
        s.noise_floor_dbfs_per_mhz = r.number("noise_floor_dbfs_per_mhz", -150, 0, "dBFS");
    }
    // A model's gain keeps the thermal noise over its ADC's LSB (unless the scene sets its own floor
    // and names the model itself).
    if (model && s.noise_floor_dbfs_per_mhz && (!floor_given || !model_override.empty()))
        s.noise_floor_dbfs_per_mhz = std::max(*s.noise_floor_dbfs_per_mhz, model_min_floor_dbfs_per_mhz(*model, s.sample_rate_hz));
    if (auto off = r.boolean("noise")) {
        if (!*off) s.noise_floor_dbfs_per_mhz.reset();
    }
    // The scene's own imperfections: over its model's when it names one; read (and checked) but
    // replaced by a model given from outside.
    ReceiverSpec own = s;
    own.sample_type = r.choice("sample_type", {"int8", "int16", "float32"}, own.sample_type);
    if (auto dc = r.boolean("dc_spike")) {
        if (!*dc) own.dc_offset_dbfs.reset();
    }
    if (r.has("dc_offset_dbfs")) own.dc_offset_dbfs = r.number("dc_offset_dbfs", -150, 0, "dBFS");
    own.iq_gain_imbalance_db = r.number_or("iq_gain_imbalance_db", own.iq_gain_imbalance_db, -3, 3, "dB");
    own.iq_phase_imbalance_deg = r.number_or("iq_phase_imbalance_deg", own.iq_phase_imbalance_deg, -20, 20, "°");
    own.lo_offset_hz = r.number_or("lo_offset_khz", own.lo_offset_hz / 1e3, -1000, 1000, "kHz") * 1e3;
    own.hardware = r.string("hardware").value_or(own.hardware);
    if (auto bits = r.integer("adc_bits", 4, 16)) own.adc_bits = static_cast<int>(*bits);
    const int type_bits = own.sample_type == "int8" ? 8 : own.sample_type == "int16" ? 16 : 24;
    if (own.adc_bits && *own.adc_bits > type_bits)
        r.fail(r.at("adc_bits"), std::to_string(*own.adc_bits) + " bits do not fit " + own.sample_type + " samples");
    own.passband_droop_db = r.number_or("passband_droop_db", own.passband_droop_db, 0, 20, "dB");
    own.passband_tilt_db = r.number_or("passband_tilt_db", own.passband_tilt_db, -20, 20, "dB");
    own.agc_step_db = r.number_or("agc_step_db", own.agc_step_db, 0, 20, "dB");
    own.agc_steps_per_s = r.number_or("agc_steps_per_s", own.agc_step_db > 0 && own.agc_steps_per_s == 0 ? 10.0 : own.agc_steps_per_s,
                                      0, 10000, "per second");
    if (r.has("multipath_rms_ns")) {
        const double ns = *r.number("multipath_rms_ns", 0, 500, "ns");
        if (ns != 0.0 && ns < 5.0) r.fail(r.at("multipath_rms_ns"), fmt(ns) + " is below 5 ns (0 turns multipath off)");
        own.multipath_rms_s = ns * 1e-9;
    }
    own.tx_drift = r.boolean("tx_drift").value_or(own.tx_drift);
    r.no_unknown_keys();
    return model_override.empty() ? own : s;
}

}  // namespace

std::string to_string(ViewKind kind) {
    switch (kind) {
        case ViewKind::single: return "single";
        case ViewKind::wideband: return "wideband";
        case ViewKind::sweep: return "sweep";
        case ViewKind::narrow: return "narrow";
    }
    return "single";
}

std::string label_class(const EmitterSpec& emitter) {
    return std::string(key(*emitter_class_of_scene_type(emitter.type)));
}

Scene parse_scene(const std::string& json_text, const std::string& origin, const std::string& receiver_model) {
    json j;
    try {
        j = json::parse(json_text);
    } catch (const json::exception& e) {  // a syntax error, or a number too large for a double
        std::string what = e.what();
        const auto pos = what.find("parse error");
        throw InputError(origin + ": not valid JSON (" + (pos == std::string::npos ? what : what.substr(pos)) + ")");
    }
    Obj top(j, "", origin);
    Scene s;
    s.name = top.string("name").value_or("");
    s.description = top.string("description").value_or("");
    s.seed = static_cast<std::uint64_t>(top.integer("seed", 0, 9007199254740991LL).value_or(1));
    if (!top.has("receiver")) top.fail("receiver", "is required");
    s.receiver = parse_receiver(*top.get("receiver"), origin, receiver_model);
    const bool sweep = s.receiver.view == ViewKind::sweep;
    if (sweep) {
        if (top.has("duration_s")) top.fail("duration_s", "a sweep's duration follows from its plan (dwells, rounds, gaps); leave it out");
        s.duration_s = static_cast<double>(s.receiver.rounds) * static_cast<double>(s.receiver.sweep_centers_hz.size()) *
                       (s.receiver.dwell_s + s.receiver.retune_gap_s) - s.receiver.retune_gap_s;
    } else {
        s.duration_s = top.number_or("duration_s", 0.1, 1e-4, 60, "s");
    }
    const double samples = s.duration_s * s.receiver.sample_rate_hz;
    if (samples > 4e8) top.fail(sweep ? "receiver" : "duration_s", "the capture would hold " + fmt(samples) + " samples; the limit is 4e8");
    const bool have_floor = s.receiver.noise_floor_dbfs_per_mhz.has_value();
    if (const json* em = top.get("emitters")) {
        if (!em->is_array()) top.fail("emitters", "expected an array");
        for (std::size_t i = 0; i < em->size(); ++i)
            s.emitters.push_back(parse_emitter((*em)[i], "emitters[" + std::to_string(i) + "]", origin, have_floor));
    }
    if (const json* ex = top.get("expect")) {
        Obj e(*ex, "expect", origin);
        if (const json* rec = e.get("recommendation")) {
            Obj r(*rec, "expect.recommendation", origin);
            RecommendationExpect x;
            const json* c = r.get("channel");
            if (!c) r.fail(r.at("channel"), "is required");
            if (!c->is_number_integer() || c->get<long long>() < 1 || c->get<long long>() > 14)
                r.fail(r.at("channel"), "must be a Wi-Fi channel (1–14)");
            x.channel = c->get<int>();
            if (const json* cc = r.get("current_channel")) {
                if (!cc->is_number_integer() || cc->get<long long>() < 1 || cc->get<long long>() > 14)
                    r.fail(r.at("current_channel"), "must be a Wi-Fi channel (1–14)");
                x.current_channel = cc->get<int>();
            }
            r.no_unknown_keys();
            s.expect = x;
        }
        e.no_unknown_keys();
    }
    if (const json* t = top.get("tags")) {
        if (!t->is_object()) top.fail("tags", "expected an object of strings");
        for (auto it = t->begin(); it != t->end(); ++it) {
            if (!it->is_string()) top.fail("tags." + it.key(), "expected a string");
            s.tags.emplace_back(it.key(), it->get<std::string>());
        }
    }
    for (std::size_t i = 0; i < s.emitters.size(); ++i)
        if (s.emitters[i].start_s >= s.duration_s)
            top.fail("emitters[" + std::to_string(i) + "].start_s", "is after the end of the scene (" + fmt(s.duration_s) + " s)");
    top.no_unknown_keys();
    return s;
}

Scene load_scene(const std::filesystem::path& path, const std::string& receiver_model) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(path.string() + ": cannot be read");
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw InputError(path.string() + ": cannot be read");
    Scene s = parse_scene(text.str(), path.string(), receiver_model);
    if (s.name.empty()) s.name = path.stem().string();
    return s;
}

}  // namespace coex::sim
