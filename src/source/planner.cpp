#include "coex/source/planner.hpp"

#include "coex/core/error.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace coex::source {
namespace {

std::string mhz(double hz) {
    char text[32];
    std::snprintf(text, sizeof text, "%.6g", hz / 1e6);
    return text;
}

std::string msps(double hz) {
    char text[32];
    std::snprintf(text, sizeof text, "%.4g MS/s", hz / 1e6);
    return text;
}

// Fewest equally spaced centres whose [c − u/2, c + u/2] tile [lo, hi].
std::vector<double> tile(double lo, double hi, double usable) {
    const double width = hi - lo;
    if (width <= usable) return {lo + width / 2.0};
    const auto n = static_cast<std::size_t>(std::ceil(width / usable - 1e-9));
    std::vector<double> centres;
    const double step = (width - usable) / static_cast<double>(n - 1);
    for (std::size_t k = 0; k < n; ++k) centres.push_back(lo + usable / 2.0 + step * static_cast<double>(k));
    return centres;
}

}  // namespace

std::optional<PlanKind> parse_plan_kind(const std::string& text) {
    if (text == "auto") return PlanKind::automatic;
    if (text == "cover") return PlanKind::cover;
    if (text == "wifi") return PlanKind::wifi;
    return std::nullopt;
}

std::string to_string(PlanKind kind) {
    switch (kind) {
        case PlanKind::automatic: return "auto";
        case PlanKind::cover: return "cover";
        case PlanKind::wifi: return "wifi";
    }
    return "auto";
}

double tune_for_rf(double rf_hz, double lo_offset_hz, bool invert) { return invert ? lo_offset_hz - rf_hz : rf_hz - lo_offset_hz; }
double rf_for_tune(double tune_hz, double lo_offset_hz, bool invert) { return invert ? lo_offset_hz - tune_hz : tune_hz + lo_offset_hz; }

SweepPlan plan_sweep(const PlanRequest& rq) {
    if (!(rq.band_low_hz < rq.band_high_hz) || !std::isfinite(rq.band_low_hz) || !std::isfinite(rq.band_high_hz))
        throw ConfigError("--band: " + mhz(rq.band_low_hz) + ":" + mhz(rq.band_high_hz) + " MHz is empty; give LOW:HIGH in MHz, LOW < HIGH");
    if (!(rq.sample_rate_hz > 0.0) || !std::isfinite(rq.sample_rate_hz))
        throw ConfigError("--rate: the sample rate must be > 0");
    if (rq.bandwidth_hz && !(*rq.bandwidth_hz > 0.0 && *rq.bandwidth_hz <= rq.sample_rate_hz))
        throw ConfigError("bandwidth: " + mhz(*rq.bandwidth_hz) + " MHz; allowed > 0 and ≤ the sample rate (" + msps(rq.sample_rate_hz) + ")");

    SweepPlan plan;
    plan.sample_rate_hz = rq.sample_rate_hz;
    plan.bandwidth_hz = rq.bandwidth_hz;
    plan.usable_hz = rq.bandwidth_hz.value_or(0.9 * rq.sample_rate_hz);
    plan.lo_offset_hz = rq.lo_offset_hz;
    plan.invert = rq.invert;

    const double lo = rq.band_low_hz, hi = rq.band_high_hz, u = plan.usable_hz;
    const double half_wifi = wifi_observed_half_width_mhz * 1e6;
    std::vector<double> wifi_centres;
    for (const auto& ch : wifi_channels(rq.domain)) {
        const double c = ch.center_mhz * 1e6;
        if (c - half_wifi >= lo - 1.0 && c + half_wifi <= hi + 1.0) wifi_centres.push_back(c);
    }
    const bool wide = u >= 2.0 * half_wifi;
    plan.kind = rq.kind;
    if (plan.kind == PlanKind::automatic) plan.kind = wide && !wifi_centres.empty() ? PlanKind::wifi : PlanKind::cover;
    if (plan.kind == PlanKind::wifi) {
        if (!wide)
            throw ConfigError("--plan wifi: needs a usable band of 17 MHz to hold a Wi-Fi channel; at " + msps(rq.sample_rate_hz) +
                              " " + rq.radio_name + " gives " + mhz(u) + " MHz (use --plan cover)");
        if (wifi_centres.empty())
            throw ConfigError("--plan wifi: no Wi-Fi channel of the domain lies whole inside --band " + mhz(lo) + ":" + mhz(hi) + " MHz");
    }

    std::vector<double> centres;
    if (plan.kind == PlanKind::wifi) {
        centres = wifi_centres;
        // Cover what the channel dwells leave out (wider than 1 MHz: the band edges, BLE channel 37).
        std::vector<std::pair<double, double>> holes;
        double reach = lo;
        for (double c : centres) {
            if (c - u / 2.0 > reach + 1e6) holes.emplace_back(reach, c - u / 2.0);
            reach = std::max(reach, c + u / 2.0);
        }
        if (hi > reach + 1e6) holes.emplace_back(reach, hi);
        for (const auto& [a, b] : holes) {
            // a dwell as wide as the radio gives, kept inside the band, over the hole
            if (b - a <= u) {
                // inside the band where it can be, and always over the whole hole
                double c = (a + b) / 2.0;
                if (hi - lo >= u) c = std::clamp(c, lo + u / 2.0, hi - u / 2.0);
                centres.push_back(std::clamp(c, b - u / 2.0, a + u / 2.0));
            } else {
                for (double c : tile(a, b, u)) centres.push_back(c);
            }
        }
        std::sort(centres.begin(), centres.end());
    } else {
        centres = tile(lo, hi, u);
    }

    // What is left uncovered (only possible at the edges of a wifi plan's ≤ 1 MHz holes).
    double reach = lo;
    for (double c : centres) {
        if (c - u / 2.0 > reach + 1.0) plan.uncovered_hz.emplace_back(reach, c - u / 2.0);
        reach = std::max(reach, c + u / 2.0);
    }
    if (hi > reach + 1.0) plan.uncovered_hz.emplace_back(reach, hi);

    for (double c : centres) {
        const double t = tune_for_rf(c, rq.lo_offset_hz, rq.invert);
        if (!(t > 0.0)) {
            throw ConfigError("--lo-offset: " + mhz(rq.lo_offset_hz) + " MHz would tune " + rq.radio_name + " to " + mhz(t) +
                              " MHz for RF " + mhz(c) + " MHz (RF = tuned + offset; with --invert RF = offset − tuned)");
        }
        if (!rq.tunable_hz.empty()) {
            const bool ok = std::any_of(rq.tunable_hz.begin(), rq.tunable_hz.end(),
                                        [&](const Range& r) { return t >= r.min && t <= r.max; });
            if (!ok) {
                std::string ranges;
                for (const auto& r : rq.tunable_hz) ranges += (ranges.empty() ? "" : ", ") + mhz(r.min) + "–" + mhz(r.max);
                if (rq.lo_offset_hz == 0.0)
                    throw ConfigError(rq.radio_name + " tunes " + ranges + " MHz and cannot reach " + mhz(c) +
                                      " MHz: put a 2.4 GHz downconverter in front and give --lo-offset (RF = tuned + offset; --invert for a high-side LO)");
                throw ConfigError("--lo-offset: RF " + mhz(c) + " MHz needs " + rq.radio_name + " at " + mhz(t) + " MHz, outside what it tunes (" +
                                  ranges + " MHz)");
            }
        }
        plan.dwells.push_back(Dwell{c, t});
    }
    return plan;
}

double choose_sample_rate(const RadioInfo& info, std::optional<double> requested, std::optional<double> driver_cap) {
    if (requested) {
        if (!(*requested > 0.0) || !std::isfinite(*requested)) throw ConfigError("--rate: must be > 0");
        if (!info.sample_rate_ranges_hz.empty()) {
            const bool ok = std::any_of(info.sample_rate_ranges_hz.begin(), info.sample_rate_ranges_hz.end(), [&](const Range& r) {
                return *requested >= r.min * (1 - 1e-9) && *requested <= r.max * (1 + 1e-9);
            });
            if (!ok) {
                std::string rates;
                for (const auto& r : info.sample_rate_ranges_hz)
                    rates += (rates.empty() ? "" : ", ") + (r.min == r.max ? msps(r.min) : msps(r.min) + "–" + msps(r.max));
                throw ConfigError("--rate: " + msps(*requested) + " is not a rate this radio offers (" + rates + ")");
            }
        }
        return *requested;
    }
    double best = 0.0;
    for (const auto& r : info.sample_rate_ranges_hz) {
        const double cap = driver_cap.value_or(r.max);
        if (r.min <= cap) best = std::max(best, std::min(r.max, cap));
    }
    if (!(best > 0.0)) throw ConfigError("--rate: the radio lists no sample rate; give one");
    return best;
}

}  // namespace coex::source
