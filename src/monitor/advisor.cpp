// The recommendation with hysteresis over hours (docs/monitor.md, "Recommendation").
#include "coex/monitor/advisor.hpp"

#include "coex/core/error.hpp"
#include "coex/core/format.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace coex::monitor {
namespace {

std::string cost_text(double x) { return format("%.2f", x); }

std::string duration_text(double s) {
    char t[32];
    if (s >= 3600.0) std::snprintf(t, sizeof t, "%.1f h", s / 3600.0);
    else if (s >= 60.0) std::snprintf(t, sizeof t, "%.0f min", s / 60.0);
    else std::snprintf(t, sizeof t, "%.0f s", s);
    return t;
}

}  // namespace

void validate(const AdvisorConfig& c) {
    if (!(c.time_constant_s > 0.0)) throw ConfigError("time_constant_s", "must be > 0 s");
    if (!(c.switch_factor > 0.0 && c.switch_factor <= 1.0)) throw ConfigError("switch_factor", "must be in (0, 1]");
    if (!(c.switch_margin >= 0.0)) throw ConfigError("switch_margin", "must be ≥ 0");
    if (!(c.hold_s >= 0.0)) throw ConfigError("hold_s", "must be ≥ 0 s");
}

ChannelAdvisor::ChannelAdvisor(AdvisorConfig config) : config_(config) { validate(config_); }

std::optional<double> ChannelAdvisor::smoothed_cost(int channel) const {
    const auto it = costs_.find(channel);
    if (it == costs_.end()) return std::nullopt;
    return it->second;
}

// Channels that must have been costed before the advisor names one (recommend.cpp asks as many).
constexpr std::size_t kMinCandidates = 3;

void ChannelAdvisor::update(WindowState& state) {
    const double now = state.end_unix_s;
    for (const auto& c : state.channels) {
        if (!c.cost) continue;
        auto it = costs_.find(c.channel);
        if (it == costs_.end()) {
            costs_[c.channel] = *c.cost;
        } else {
            // Exponential smoothing over the time since the channel was last costed (a sweep that skipped
            // it, a gap in the stream: the longer the gap, the more the new cost counts).
            const double dt = std::max(0.0, now - updated_at_[c.channel]);
            const double alpha = 1.0 - std::exp(-dt / config_.time_constant_s);
            it->second += alpha * (*c.cost - it->second);
        }
        updated_at_[c.channel] = now;
    }
    if (costs_.empty()) {
        state.headline = "no channel seen whole yet: no recommendation";
        return;
    }
    if (costs_.size() < kMinCandidates) {
        // As the one-shot recommendation: a radio parked on one channel cannot say another is better.
        state.headline = "only " + std::to_string(costs_.size()) + " channel" + (costs_.size() == 1 ? " was" : "s were") +
                         " seen whole so far, too few to choose from: sweep the band (--band 2400:2483.5) to get a recommendation";
        return;
    }
    const auto best = std::min_element(costs_.begin(), costs_.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
    const std::string tau = duration_text(config_.time_constant_s);
    std::vector<std::string> reasons;
    if (!recommended_) {
        // The first answer: the window's own choice (it prefers 1, 6 and 11 on a quiet band), else the cheapest.
        recommended_ = state.window_best_channel && costs_.count(*state.window_best_channel) ? *state.window_best_channel : best->first;
        last_switch_ = "channel " + std::to_string(*recommended_) + " was the best choice of the first window seen";
        challenger_.reset();
    } else if (best->first != *recommended_) {
        const double mine = costs_.at(*recommended_);
        const double theirs = best->second;
        const bool beats = theirs <= config_.switch_factor * mine && mine - theirs >= config_.switch_margin;
        if (!beats) {
            challenger_.reset();
        } else {
            if (challenger_ != best->first) {
                challenger_ = best->first;
                challenger_since_ = state.start_unix_s;
            }
            const double held = now - challenger_since_;
            if (held >= config_.hold_s) {
                last_switch_ = "switched from channel " + std::to_string(*recommended_) + " to " + std::to_string(best->first) + ": its smoothed cost " +
                               cost_text(theirs) + " beat " + cost_text(mine) + " by the margin for " + duration_text(held);
                recommended_ = best->first;
                challenger_.reset();
            } else {
                reasons.push_back("channel " + std::to_string(best->first) + " costs " + cost_text(theirs) + " against " + cost_text(mine) +
                                  " on channel " + std::to_string(*recommended_) + " for " + duration_text(held) + "; it must hold for " +
                                  duration_text(config_.hold_s) + " before the recommendation moves");
            }
        }
    } else {
        challenger_.reset();
    }
    const int rec = *recommended_;
    state.recommended_channel = rec;
    if (state.current_channel && *state.current_channel != rec)
        state.headline = "move your router from channel " + std::to_string(*state.current_channel) + " to channel " + std::to_string(rec) + ".";
    else if (state.current_channel)
        state.headline = "keep your router on channel " + std::to_string(rec) + ".";
    else
        state.headline = "use channel " + std::to_string(rec) + ".";
    std::vector<std::string> out;
    out.push_back("channel " + std::to_string(rec) + ": smoothed cost " + cost_text(costs_.at(rec)) + " (costs smoothed with a time constant of " + tau +
                  "; lower is better)");
    out.push_back(last_switch_);
    if (state.window_best_channel && *state.window_best_channel != rec)
        out.push_back("this window alone would pick channel " + std::to_string(*state.window_best_channel) +
                      "; one window is not enough to move (a change must beat the recommended channel by " +
                      std::to_string(static_cast<int>(std::lround((1.0 - config_.switch_factor) * 100.0))) + " % and " +
                      cost_text(config_.switch_margin) + " for " + duration_text(config_.hold_s) + ")");
    for (auto& r : reasons) out.push_back(std::move(r));
    state.reasons = std::move(out);
}

}  // namespace coex::monitor
