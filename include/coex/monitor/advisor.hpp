#pragma once
// The channel the monitor recommends, with hysteresis over hours (docs/monitor.md, "Recommendation"):
// each channel's cost (the recommendation's, per window) is smoothed exponentially with a time constant
// of about an hour, and the recommended channel changes only when another one beats it by a margin —
// both a factor and an absolute difference — without a break for a sustained time. An oven at dinner
// does not move the router; a neighbour who moved onto its channel for the evening does.
#include "coex/monitor/state.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace coex::monitor {

struct AdvisorConfig {
    double time_constant_s = 3600.0;  // of the exponential smoothing of each channel's cost
    double switch_factor = 0.7;       // a challenger's smoothed cost must be below this × the recommended one's
    double switch_margin = 0.1;       // … and at least this much lower (costs: docs/recommendation.md)
    double hold_s = 900.0;            // … for this long without a break
};

// Checks the settings (ConfigError naming the field).
void validate(const AdvisorConfig& config);

class ChannelAdvisor {
public:
    explicit ChannelAdvisor(AdvisorConfig config = {});

    // One window, in order: smooths the costs in `state.channels`, decides, and fills the state's
    // recommended_channel, headline and reasons. A window that saw no channel changes nothing.
    void update(WindowState& state);

    [[nodiscard]] std::optional<int> recommended() const { return recommended_; }
    [[nodiscard]] std::optional<double> smoothed_cost(int channel) const;
    [[nodiscard]] const std::map<int, double>& smoothed_costs() const { return costs_; }

private:
    AdvisorConfig config_;
    std::map<int, double> costs_;
    std::map<int, double> updated_at_;
    std::optional<int> recommended_;
    std::optional<int> challenger_;
    double challenger_since_ = 0.0;
    std::string last_switch_;  // why the recommendation is what it is, said at the switch
};

}  // namespace coex::monitor
