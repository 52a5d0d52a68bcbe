#include "coex/source/coverage.hpp"

#include <algorithm>

namespace coex::source {
namespace {
constexpr double kJoin_s = 1e-6;  // stretches closer than this are one look
}

CoverageTracker::CoverageTracker(RegDomain domain) {
    for (const auto& ch : wifi_channels(domain)) {
        Channel c;
        c.info.name = "wifi " + std::to_string(ch.number);
        c.info.low_mhz = ch.center_mhz - wifi_observed_half_width_mhz;
        c.info.high_mhz = ch.center_mhz + wifi_observed_half_width_mhz;
        channels_.push_back(c);
    }
    for (int k = 0; k < 3; ++k) {
        Channel c;
        c.info.name = "ble " + std::to_string(37 + k);
        c.info.low_mhz = ble_adv_channel_mhz[k] - 0.5;  // the main lobe of 1 Mb/s GFSK
        c.info.high_mhz = ble_adv_channel_mhz[k] + 0.5;
        channels_.push_back(c);
    }
}

void CoverageTracker::add(const SegmentInfo& segment, double start_s, std::size_t samples) {
    if (samples == 0 || !(segment.sample_rate_hz > 0.0)) return;
    const double end_s = start_s + static_cast<double>(samples) / segment.sample_rate_hz;
    if (!seen_) first_s_ = start_s;
    first_s_ = std::min(first_s_, start_s);
    last_s_ = seen_ ? std::max(last_s_, end_s) : end_s;
    seen_ = true;
    const double half = segment.usable_bandwidth_hz() / 2e6, centre = segment.center_frequency_hz / 1e6;
    for (auto& c : channels_) {
        if (c.info.low_mhz < centre - half - 1e-6 || c.info.high_mhz > centre + half + 1e-6) continue;
        if (c.any && start_s <= c.open_end + kJoin_s) {
            c.open_end = std::max(c.open_end, end_s);
        } else {
            if (c.any) c.blind = std::max(c.blind, start_s - c.open_end);
            else c.first_look = start_s;
            c.any = true;
            ++c.looks;
            c.open_start = start_s;
            c.open_end = end_s;
        }
        c.observed += end_s - start_s;
    }
}

std::vector<ChannelCoverage> CoverageTracker::results() const {
    std::vector<ChannelCoverage> out;
    for (const auto& c : channels_) {
        ChannelCoverage r = c.info;
        r.observed_s = c.observed;
        r.looks = c.looks;
        if (!c.any) {
            r.longest_blind_s = span_s();
        } else {
            r.longest_blind_s = std::max({c.blind, c.first_look - first_s_, last_s_ - c.open_end, 0.0});
        }
        out.push_back(r);
    }
    return out;
}

}  // namespace coex::source
