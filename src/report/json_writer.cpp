// The report as JSON (docs/report-format.md): what programs read.
#include "coex/report/writers.hpp"
#include "coex/core/format.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>

namespace coex::report {
namespace {

using nlohmann::ordered_json;

// Numbers in the report carry the precision they were measured with, not float noise.
double round_to(double x, int decimals) {
    const double scale = std::pow(10.0, decimals);
    return std::round(x * scale) / scale;
}

ordered_json optional_number(const std::optional<double>& x, int decimals) {
    return x ? ordered_json(round_to(*x, decimals)) : ordered_json(nullptr);
}

ordered_json to_json_value(const Value& v) {
    return std::visit(
        [](const auto& x) -> ordered_json {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::nullptr_t>) {
                return nullptr;
            } else if constexpr (std::is_same_v<T, double>) {
                return std::isfinite(x) ? ordered_json(round_to(x, 6)) : ordered_json(nullptr);
            } else if constexpr (std::is_same_v<T, Value::Array>) {
                ordered_json a = ordered_json::array();
                for (const auto& e : x) a.push_back(to_json_value(e));
                return a;
            } else if constexpr (std::is_same_v<T, Value::Object>) {
                ordered_json o = ordered_json::object();
                for (const auto& [k, e] : x) o[k] = to_json_value(e);
                return o;
            } else {
                return x;
            }
        },
        v.data);
}

ordered_json evidence_json(const Evidence& e) {
    ordered_json j = {{"basis", std::string(evidence_key(e.basis))}, {"detail", e.detail}};
    if (e.decode) {
        j["bursts"] = e.decode->bursts;
        j["tried"] = e.decode->tried;
        j["decoded"] = e.decode->decoded;
        j["checksum_ok"] = e.decode->checksum_ok;
    }
    return j;
}

ordered_json emitter_json(const Emitter& e) {
    ordered_json j = {
        {"class", std::string(key(e.emitter_class))},
        {"low_mhz", round_to(e.low_mhz, 3)},
        {"high_mhz", round_to(e.high_mhz, 3)},
        {"center_mhz", round_to(e.center_mhz, 3)},
        {"level_dbfs", round_to(e.level_dbfs, 1)},
        {"above_floor_db", round_to(e.above_floor_db, 1)},
        {"duty_cycle", round_to(e.duty_cycle, 4)},
        {"bursts", e.bursts},
        {"first_s", round_to(e.first_s, 6)},
        {"last_s", round_to(e.last_s, 6)},
        {"confidence", round_to(e.confidence, 2)},
        {"evidence", evidence_json(e.evidence)},
        {"summary", e.summary},
    };
    if (!e.identities.empty()) {
        ordered_json ids = ordered_json::array();
        for (const auto& id : e.identities) {
            ordered_json o = {{"role", id.role}, {"id", id.id}};
            if (!id.type.empty()) o["type"] = id.type;
            if (!id.name.empty()) o["name"] = id.name;
            o["packets"] = id.packets;
            o["verified"] = id.verified;
            ids.push_back(std::move(o));
        }
        j["identities"] = std::move(ids);
    }
    for (const auto& [k, v] : e.fields) j[k] = to_json_value(v);
    return j;
}

ordered_json recommendation_json(const Recommendation& rec) {
    ordered_json ranking = ordered_json::array();
    for (const auto& c : rec.ranking) {
        ordered_json entry = {{"channel", c.channel}};
        if (c.secondary) entry["secondary"] = c.secondary;
        entry["score"] = round_to(c.score, 4);
        entry["parts"] = {{"wifi_cochannel", round_to(c.wifi_cochannel, 4)}, {"wifi_adjacent", round_to(c.wifi_adjacent, 4)},
                          {"non_wifi", round_to(c.non_wifi, 4)}, {"bluetooth", round_to(c.bluetooth, 4)},
                          {"noise_floor", round_to(c.noise_floor, 4)}};
        ranking.push_back(entry);
    }
    ordered_json j = {
        {"channel", rec.channel ? ordered_json(*rec.channel) : ordered_json(nullptr)},
        {"current_channel", rec.current_channel ? ordered_json(*rec.current_channel) : ordered_json(nullptr)},
        {"change", rec.change},
        {"width_mhz", rec.width_mhz},
        {"headline", rec.headline},
        {"ranking", ranking},
        {"reasons", rec.reasons},
        {"remediation", rec.remediation},
        {"capture_advice", rec.capture_advice ? ordered_json(*rec.capture_advice) : ordered_json(nullptr)},
        {"least_observed_s", optional_number(rec.least_observed_s, 6)},
        {"baseline", {{"method", "hostapd ACS survey interference factor"},
                      {"channel", rec.baseline_channel ? ordered_json(*rec.baseline_channel) : ordered_json(nullptr)}}},
    };
    return j;
}

ordered_json live_json(const LiveSection& l) {
    ordered_json j;
    j["device"] = l.device;
    j["radio"] = {{"driver", l.radio.driver}, {"family", l.radio.family}, {"hardware", l.radio.hardware}, {"serial", l.radio.serial},
                  {"sample_type", l.radio.sample_type}, {"gain_db", l.radio.gain_db}};
    j["plan"] = {{"kind", l.plan.kind},         {"sample_rate_hz", l.plan.sample_rate_hz}, {"usable_hz", l.plan.usable_hz},
                 {"dwell_s", l.plan.dwell_s},   {"settle_s", l.plan.settle_s},             {"lo_offset_hz", l.plan.lo_offset_hz},
                 {"invert", l.plan.invert},     {"dwells_mhz", l.plan.dwells_mhz}};
    j["end"] = l.end;
    if (!l.end_message.empty()) j["end_message"] = l.end_message;
    j["stream_s"] = l.stream_s;
    const auto& c = l.counters;
    j["counters"] = {{"samples_in", c.samples_in},         {"samples_dropped", c.samples_dropped}, {"samples_lost", c.samples_lost},
                     {"samples_settling", c.samples_settling}, {"stream_samples", c.stream_samples}, {"blocks_dropped", c.blocks_dropped},
                     {"drop_runs", c.drop_runs},           {"overflows", c.overflows},           {"timeouts", c.timeouts},
                     {"retunes", c.retunes},               {"segments", c.segments},             {"rounds", c.rounds},
                     {"ring_blocks", c.ring_blocks},       {"ring_high_water", c.ring_high_water}, {"lost_exact", c.lost_exact}};
    ordered_json coverage = ordered_json::array();
    for (const auto& r : l.coverage)
        coverage.push_back({{"channel", r.channel}, {"low_mhz", r.low_mhz}, {"high_mhz", r.high_mhz}, {"observed_s", r.observed_s},
                            {"longest_blind_s", r.longest_blind_s}, {"looks", r.looks}});
    j["coverage"] = coverage;
    j["cpu_s"] = {{"reader", l.cpu_s.reader}, {"analysis", l.cpu_s.analysis}, {"recording", l.cpu_s.recording}, {"wall", l.cpu_s.wall}};
    if (l.recording)
        j["recording"] = {{"path", l.recording->path}, {"samples", l.recording->samples}, {"segments", l.recording->segments},
                          {"bytes", l.recording->bytes}, {"stopped_at_max_size", l.recording->stopped_at_max_size}};
    return j;
}

}  // namespace

std::string to_json(const Report& r) {
    ordered_json capture = {
        {"path", r.capture.path},
        {"duration_s", round_to(r.capture.duration_s, 6)},
        {"observed_s", round_to(r.capture.observed_s, 6)},
        {"segments", r.capture.segments},
        {"sample_rates_hz", r.capture.sample_rates_hz},
        {"coverage_mhz", ordered_json::array()},
    };
    for (const auto& [lo, hi] : r.capture.coverage_mhz)
        capture["coverage_mhz"].push_back({round_to(lo, 3), round_to(hi, 3)});
    if (!r.capture.hardware.empty()) capture["hardware"] = r.capture.hardware;
    if (!r.capture.datetime.empty()) capture["datetime"] = r.capture.datetime;
    if (!r.capture.description.empty()) capture["description"] = r.capture.description;

    ordered_json channels = ordered_json::array();
    for (const auto& c : r.wifi) {
        channels.push_back({
            {"channel", c.channel},
            {"center_mhz", c.center_mhz},
            {"observed", c.observed},
            {"observed_s", round_to(c.observed_s, 6)},
            {"occupancy", c.observed ? ordered_json(round_to(c.occupancy, 4)) : ordered_json(nullptr)},
            {"mean_power_dbfs", optional_number(c.mean_power_dbfs, 1)},
            {"bursts", c.bursts},
            {"noise_floor_dbfs_per_mhz", optional_number(c.noise_floor_dbfs_per_mhz, 1)},
        });
        auto& row = channels.back();
        ordered_json networks = ordered_json::array();
        for (const auto& n : c.networks) {
            ordered_json o = {{"ssid", n.ssid}, {"bssid", n.bssid}, {"frames", n.frames}};
            if (n.mine) o["mine"] = true;
            networks.push_back(std::move(o));
        }
        row["networks"] = std::move(networks);
        if (c.decoded) {
            ordered_json rates = ordered_json::object();
            for (const auto& [rate, n] : c.decoded->rates_mbps) rates[rate] = n;
            row["decoded_ppdus"] = c.decoded->ppdus;
            row["rates_mbps"] = std::move(rates);
            row["decoded_airtime_s"] = round_to(c.decoded->airtime_s, 6);
            row["transmissions_decoded"] = c.decoded->transmissions_decoded;
            row["transmissions"] = c.decoded->transmissions;
            row["decoded_occupancy"] = optional_number(c.decoded->occupancy, 4);
            if (!c.decoded->note.empty()) row["decoded_note"] = c.decoded->note;
        }
    }
    ordered_json stats = {
        {"samples_in", r.stats.samples_in},
        {"samples_dropped", r.stats.samples_dropped},
        {"samples_lost", r.stats.samples_lost},
        {"frames", r.stats.frames},
    };
    for (const auto& [name, value] : r.stats.counters) stats[name] = value;

    ordered_json j = {
        {"schema", kSchema},
        {"capture", capture},
        {"settings", {{"domain", r.settings.domain},
                      {"fft_sizes", r.settings.fft_sizes},
                      {"window", r.settings.window},
                      {"overlap", r.settings.overlap}}},
        {"noise_floor_dbfs_per_mhz", optional_number(r.noise_floor_dbfs_per_mhz, 1)},
        {"wifi", {{"channels", channels}}},
        {"emitters", ordered_json::array()},
        {"recommendation", r.recommendation ? recommendation_json(*r.recommendation) : ordered_json(nullptr)},
        {"stats", stats},
    };
    for (const auto& e : r.emitters) j["emitters"].push_back(emitter_json(e));
    if (r.bursts) {
        ordered_json list = ordered_json::array();
        for (const auto& b : *r.bursts) {
            ordered_json o = {{"start_s", round_to(b.start_s, 7)}, {"end_s", round_to(b.end_s, 7)},
                              {"low_mhz", round_to(b.low_mhz, 3)}, {"high_mhz", round_to(b.high_mhz, 3)},
                              {"center_mhz", round_to(b.center_mhz, 3)}, {"power_dbfs", b.power_dbfs ? ordered_json(round_to(*b.power_dbfs, 1)) : ordered_json(nullptr)},
                              {"above_floor_db", b.above_floor_db ? ordered_json(round_to(*b.above_floor_db, 1)) : ordered_json(nullptr)},
                              {"class", b.emitter_class ? ordered_json(std::string(key(*b.emitter_class))) : ordered_json(nullptr)}};
            for (const auto& [k, v] : b.features) o[k] = to_json_value(v);
            list.push_back(o);
        }
        // keep 'stats' last: insert before it
        ordered_json stats = j["stats"];
        j.erase("stats");
        j["bursts"] = list;
        j["stats"] = stats;
    }
    if (r.live) j["live"] = live_json(*r.live);
    return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace coex::report
