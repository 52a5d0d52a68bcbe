#include "coex/source/planner.hpp"
#include "coex/core/text.hpp"

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

// The analysis works on 1 MHz cells centred on whole MHz and only uses the cells that lie wholly
// inside a tuning's usable band, so dwells are placed on that grid: a dwell holding cells k … k+m−1
// is centred on k + (m−1)/2 MHz.
struct Grid {
    int first = 0, last = 0;  // cells of the band (centres in MHz)
    int per_dwell = 0;        // cells one dwell holds
    double centre_hz(int first_cell) const { return (first_cell + (per_dwell - 1) / 2.0) * 1e6; }
    // First cell of the dwell that holds cells a…b (b − a < per_dwell), kept inside the band if it can be.
    int place(int a, int b) const {
        const int lo = b - per_dwell + 1, hi = a;            // dwells that hold a…b
        const int in_lo = first, in_hi = last - per_dwell + 1;  // dwells inside the band
        if (std::max(lo, in_lo) <= std::min(hi, in_hi)) return std::clamp(a, std::max(lo, in_lo), std::min(hi, in_hi));
        return std::clamp(a, lo, hi);
    }
};

// Fewest dwells, left to right, holding every cell of a…b.
void tile(const Grid& g, int a, int b, std::vector<double>& centres) {
    for (int k = a; k <= b; k += g.per_dwell) centres.push_back(g.centre_hz(g.place(k, std::min(b, k + g.per_dwell - 1))));
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
        throw ConfigError("band", mhz(rq.band_low_hz) + ":" + mhz(rq.band_high_hz) + " MHz is empty; give LOW:HIGH in MHz, LOW < HIGH");
    if (!(rq.sample_rate_hz > 0.0) || !std::isfinite(rq.sample_rate_hz))
        throw ConfigError("sample_rate_hz", "the sample rate must be > 0");
    if (rq.bandwidth_hz && !(*rq.bandwidth_hz > 0.0 && *rq.bandwidth_hz <= rq.sample_rate_hz))
        throw ConfigError("bandwidth_hz", mhz(*rq.bandwidth_hz) + " MHz; allowed > 0 and ≤ the sample rate (" + rate_text(rq.sample_rate_hz) + ")");

    SweepPlan plan;
    plan.sample_rate_hz = rq.sample_rate_hz;
    plan.bandwidth_hz = rq.bandwidth_hz;
    plan.usable_hz = rq.bandwidth_hz.value_or(0.9 * rq.sample_rate_hz);
    plan.lo_offset_hz = rq.lo_offset_hz;
    plan.invert = rq.invert;

    const double lo = rq.band_low_hz, hi = rq.band_high_hz, u = plan.usable_hz;
    Grid g;
    g.first = static_cast<int>(std::ceil(lo / 1e6 + 0.5 - 1e-9));  // cells wholly inside the band
    g.last = static_cast<int>(std::floor(hi / 1e6 - 0.5 + 1e-9));
    g.per_dwell = static_cast<int>(std::floor(u / 1e6 - 1e-3));  // a little room for the radio's tuning step
    if (g.last < g.first) throw ConfigError("band", mhz(lo) + ":" + mhz(hi) + " MHz holds no whole 1 MHz cell (cells are centred on whole MHz)");
    if (g.per_dwell < 1)
        throw ConfigError("sample_rate_hz", "at " + rate_text(rq.sample_rate_hz) + " the usable band (" + mhz(u) + " MHz) cannot hold a 1 MHz cell");
    const double half_wifi = wifi_observed_half_width_mhz * 1e6;
    std::vector<double> wifi_centres;
    for (const auto& ch : wifi_channels(rq.domain)) {
        const double c = ch.center_mhz * 1e6;
        if (c - half_wifi >= lo - 1.0 && c + half_wifi <= hi + 1.0) wifi_centres.push_back(c);
    }
    const bool wide = g.per_dwell >= 17;  // centre ± 8 cells: the channel whole
    plan.kind = rq.kind;
    if (plan.kind == PlanKind::automatic) plan.kind = wide && !wifi_centres.empty() ? PlanKind::wifi : PlanKind::cover;
    if (plan.kind == PlanKind::wifi) {
        if (!wide)
            throw ConfigError("plan", "{} wifi: needs a usable band of 17 MHz to hold a Wi-Fi channel; at " + rate_text(rq.sample_rate_hz) +
                              " " + rq.radio_name + " gives " + mhz(u) + " MHz (use {} cover)");
        if (wifi_centres.empty())
            throw ConfigError("plan", "{} wifi: no Wi-Fi channel of the domain lies whole inside the band " + mhz(lo) + ":" + mhz(hi) + " MHz");
    }

    // cells held: dwell at c holds the cells within (per_dwell − 1) / 2 MHz of it
    auto holds = [&](double c, int k) { return std::abs(k - c / 1e6) <= (g.per_dwell - 1) / 2.0 + 1e-6; };
    std::vector<double> centres;
    if (plan.kind == PlanKind::wifi) {
        centres = wifi_centres;
        // Cover the cells the channel dwells leave out (the band edges, where BLE channel 37 lives).
        int k = g.first;
        while (k <= g.last) {
            if (std::any_of(centres.begin(), centres.end(), [&](double c) { return holds(c, k); })) {
                ++k;
                continue;
            }
            int b = k;
            while (b + 1 <= g.last && !std::any_of(centres.begin(), centres.end(), [&](double c) { return holds(c, b + 1); })) ++b;
            tile(g, k, b, centres);
            k = b + 1;
        }
        std::sort(centres.begin(), centres.end());
    } else {
        tile(g, g.first, g.last, centres);
    }

    for (double c : centres) {
        const double t = tune_for_rf(c, rq.lo_offset_hz, rq.invert);
        if (!(t > 0.0)) {
            throw ConfigError("lo_offset_hz", mhz(rq.lo_offset_hz) + " MHz would tune " + rq.radio_name + " to " + mhz(t) +
                              " MHz for RF " + mhz(c) + " MHz (RF = tuned + offset; inverted, RF = offset − tuned)");
        }
        if (!rq.tunable_hz.empty()) {
            const bool ok = std::any_of(rq.tunable_hz.begin(), rq.tunable_hz.end(),
                                        [&](const Range& r) { return t >= r.min && t <= r.max; });
            if (!ok) {
                std::string ranges;
                for (const auto& r : rq.tunable_hz) ranges += (ranges.empty() ? "" : ", ") + mhz(r.min) + "–" + mhz(r.max);
                if (rq.lo_offset_hz == 0.0)
                    throw ConfigError("lo_offset_hz", rq.radio_name + " tunes " + ranges + " MHz and cannot reach " + mhz(c) +
                                      " MHz: put a 2.4 GHz downconverter in front and give {} (RF = tuned + offset; inverted for a high-side LO)");
                throw ConfigError("lo_offset_hz", "RF " + mhz(c) + " MHz needs " + rq.radio_name + " at " + mhz(t) + " MHz, outside what it tunes (" +
                                  ranges + " MHz)");
            }
        }
        plan.dwells.push_back(Dwell{c, t});
    }
    return plan;
}

double choose_sample_rate(const RadioInfo& info, std::optional<double> requested, std::optional<double> driver_cap) {
    if (requested) {
        if (!(*requested > 0.0) || !std::isfinite(*requested)) throw ConfigError("sample_rate_hz", "must be > 0");
        if (!info.sample_rate_ranges_hz.empty()) {
            const bool ok = std::any_of(info.sample_rate_ranges_hz.begin(), info.sample_rate_ranges_hz.end(), [&](const Range& r) {
                return *requested >= r.min * (1 - 1e-9) && *requested <= r.max * (1 + 1e-9);
            });
            if (!ok) {
                std::string rates;
                for (const auto& r : info.sample_rate_ranges_hz)
                    rates += (rates.empty() ? "" : ", ") + (r.min == r.max ? rate_text(r.min) : rate_text(r.min) + "–" + rate_text(r.max));
                throw ConfigError("sample_rate_hz", rate_text(*requested) + " is not a rate this radio offers (" + rates + ")");
            }
        }
        return *requested;
    }
    double best = 0.0;
    for (const auto& r : info.sample_rate_ranges_hz) {
        const double cap = driver_cap.value_or(r.max);
        if (r.min <= cap) best = std::max(best, std::min(r.max, cap));
    }
    if (!(best > 0.0)) throw ConfigError("sample_rate_hz", "the radio lists no sample rate; give one");
    return best;
}

}  // namespace coex::source
