#include "coex/report/report.hpp"
#include "coex/core/format.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <sstream>

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

std::string format_rate(double hz) {
    if (hz >= 1e6) return format("%g MS/s", hz / 1e6);
    return format("%g kS/s", hz / 1e3);
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
        {"summary", e.summary},
    };
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
        {"baseline", {{"method", "hostapd ACS survey interference factor"},
                      {"channel", rec.baseline_channel ? ordered_json(*rec.baseline_channel) : ordered_json(nullptr)}}},
    };
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
                              {"center_mhz", round_to(b.center_mhz, 3)}, {"power_dbfs", round_to(b.power_dbfs, 1)},
                              {"above_floor_db", round_to(b.above_floor_db, 1)},
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
    return j.dump(2) + "\n";
}

std::string to_text(const Report& r) {
    std::ostringstream out;
    out << "coex analyze: " << r.capture.path << "\n";
    std::string rates;
    for (double hz : r.capture.sample_rates_hz) rates += (rates.empty() ? "" : ", ") + format_rate(hz);
    out << format("  capture  %.3f s in %zu segment%s at %s", r.capture.duration_s, r.capture.segments,
                  r.capture.segments == 1 ? "" : "s", rates.c_str());
    if (r.capture.observed_s + 1e-9 < r.capture.duration_s) out << format(" (%.3f s of samples)", r.capture.observed_s);
    out << "\n  covers  ";
    for (std::size_t i = 0; i < r.capture.coverage_mhz.size(); ++i)
        out << (i ? ", " : " ") << format("%.1f–%.1f MHz", r.capture.coverage_mhz[i].first, r.capture.coverage_mhz[i].second);
    out << "\n";
    if (!r.capture.hardware.empty()) out << "  hardware " << r.capture.hardware << "\n";
    if (r.noise_floor_dbfs_per_mhz)
        out << format("  floor    %.1f dBFS/MHz\n", *r.noise_floor_dbfs_per_mhz);
    else
        out << "  floor    none (the capture holds no signal at all)\n";

    int first = 0, last = 0;
    if (!r.wifi.empty()) first = r.wifi.front().channel, last = r.wifi.back().channel;
    out << format("\nWi-Fi channels (%s, %d–%d): share of observed time a transmission was on the air\n",
                  r.settings.domain.c_str(), first, last);
    out << "  ch  centre    observed  occupancy  mean power\n";
    std::vector<int> unseen;
    for (const auto& c : r.wifi) {
        if (!c.observed) {
            unseen.push_back(c.channel);
            continue;
        }
        const std::string power = c.mean_power_dbfs ? format("%6.1f dBFS", *c.mean_power_dbfs) : std::string("     –");
        out << format("  %2d  %4.0f MHz  %7.3f s   %5.1f %%  %s\n", c.channel, c.center_mhz, c.observed_s,
                      100.0 * c.occupancy, power.c_str());
    }
    if (!unseen.empty()) {
        // "1–5, 7–13": runs of consecutive channels
        std::string list;
        for (std::size_t i = 0; i < unseen.size();) {
            std::size_t j = i;
            while (j + 1 < unseen.size() && unseen[j + 1] == unseen[j] + 1) ++j;
            list += (list.empty() ? "" : ", ") + std::to_string(unseen[i]) + (j > i ? "–" + std::to_string(unseen[j]) : "");
            i = j + 1;
        }
        out << format("  not observed: channel%s %s (no segment saw %s whole; no claim is made)\n",
                      unseen.size() == 1 ? "" : "s", list.c_str(), unseen.size() == 1 ? "it" : "them");
    }
    if (!r.emitters.empty()) {
        out << "\nEmitters\n";
        for (const auto& e : r.emitters)
            out << format("  %-18s %7.1f–%-7.1f MHz  %6.1f dBFS  %+5.1f dB  duty %5.1f %%  ", std::string(key(e.emitter_class)).c_str(),
                          e.low_mhz, e.high_mhz, e.level_dbfs, e.above_floor_db, 100.0 * e.duty_cycle)
                << e.summary << "\n";
    }
    if (r.recommendation) {
        const auto& rec = *r.recommendation;
        out << "\nRecommendation: " << rec.headline << "\n";
        for (const auto& reason : rec.reasons) out << "  " << reason << "\n";
        for (const auto& fix : rec.remediation) out << "  To do: " << fix << "\n";
        if (rec.capture_advice) out << "  Next capture: " << *rec.capture_advice << "\n";
        if (rec.baseline_channel && rec.channel && *rec.baseline_channel != *rec.channel)
            out << format("  (hostapd's automatic channel selection would pick %d from the same data: it sees only Wi-Fi airtime)\n",
                          *rec.baseline_channel);
    }
    out << format("\n  %llu samples, %llu frames; dropped %llu, lost %llu\n",
                  static_cast<unsigned long long>(r.stats.samples_in), static_cast<unsigned long long>(r.stats.frames),
                  static_cast<unsigned long long>(r.stats.samples_dropped),
                  static_cast<unsigned long long>(r.stats.samples_lost));
    return out.str();
}

}  // namespace coex::report
