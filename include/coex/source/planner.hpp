#pragma once
// The sweep planner: which tunings a radio visits to cover a band, from its real sample rate and
// trusted bandwidth, and where to tune it when a downconverter sits in front. Dwells are placed on the
// analysis grid of 1 MHz cells centred on whole MHz (dsp::MhzCellGrid), which only counts cells lying
// wholly inside a tuning's usable band: a dwell holding m cells is centred between them, and every
// cell of the band is held by some dwell.
#include "coex/core/bands.hpp"
#include "coex/source/radio.hpp"

#include <optional>
#include <string>
#include <vector>

namespace coex::source {

enum class PlanKind {
    automatic,  // wifi when the radio's usable band holds a whole Wi-Fi channel, else cover
    cover,      // fewest dwells whose usable bands tile the band
    wifi,       // one dwell centred on each Wi-Fi channel of the domain (so its occupancy is measured),
                // plus cover dwells for what they leave out
};
std::optional<PlanKind> parse_plan_kind(const std::string& text);
std::string to_string(PlanKind kind);

struct PlanRequest {
    double band_low_hz = ism_low_mhz * 1e6;
    double band_high_hz = ism_high_mhz * 1e6;
    PlanKind kind = PlanKind::automatic;
    RegDomain domain = RegDomain::eu;
    double sample_rate_hz = 0.0;
    std::optional<double> bandwidth_hz;  // trusted passband; unset: 90 % of the rate
    // A downconverter: RF = tuned + lo_offset, or with invert (high-side LO) RF = lo_offset − tuned.
    double lo_offset_hz = 0.0;
    bool invert = false;
    // The radio's tuning ranges; empty: not checked.
    std::vector<Range> tunable_hz;
    std::string radio_name = "the radio";  // for messages
};

struct Dwell {
    double rf_center_hz = 0.0;  // what the dwell looks at
    double tune_hz = 0.0;       // what the radio is tuned to
};

struct SweepPlan {
    PlanKind kind = PlanKind::cover;  // what was planned (automatic resolved)
    double sample_rate_hz = 0.0;
    double usable_hz = 0.0;
    std::optional<double> bandwidth_hz;  // recorded with every segment (unset: 90 % of the rate)
    double lo_offset_hz = 0.0;
    bool invert = false;
    std::vector<Dwell> dwells;  // ascending in RF; together they hold every whole 1 MHz cell of the band
};

// Throws ConfigError naming the option (--band, --plan, --lo-offset, --rate) and what is allowed.
[[nodiscard]] SweepPlan plan_sweep(const PlanRequest& request);

// RF ↔ tuned frequency through the downconverter.
[[nodiscard]] double tune_for_rf(double rf_hz, double lo_offset_hz, bool invert);
[[nodiscard]] double rf_for_tune(double tune_hz, double lo_offset_hz, bool invert);

// The rate to stream at: `requested` when given (must lie in a range of the radio), else the
// radio's highest rate, capped by the driver's `max_rate_hz`. Throws ConfigError for --rate.
[[nodiscard]] double choose_sample_rate(const RadioInfo& info, std::optional<double> requested,
                                        std::optional<double> driver_cap);

}  // namespace coex::source
