#pragma once
// What a sweep saw, per channel: how many seconds a channel was in view, and the longest stretch it
// was out of view, which is the longest burst that could have come and gone unseen. A channel is in
// view while a segment's usable band holds it whole (a Wi-Fi channel: centre ± 8.5 MHz, the rule the
// analysis uses; a BLE advertising channel: centre ± 0.5 MHz, its main lobe).
#include "coex/core/bands.hpp"
#include "coex/core/types.hpp"

#include <string>
#include <vector>

namespace coex::source {

struct ChannelCoverage {
    std::string name;  // "wifi 6", "ble 37"
    double low_mhz = 0.0, high_mhz = 0.0;
    double observed_s = 0.0;
    double longest_blind_s = 0.0;  // longest stretch out of view between the first and last sample
    std::size_t looks = 0;         // separate stretches in view
};

class CoverageTracker {
public:
    // The Wi-Fi channels of the domain and the three BLE advertising channels.
    explicit CoverageTracker(RegDomain domain);
    // A contiguous stretch of samples of a segment: [start_s, start_s + samples / rate).
    void add(const SegmentInfo& segment, double start_s, std::size_t samples);
    // Per channel, over [first sample, last sample] of everything added.
    [[nodiscard]] std::vector<ChannelCoverage> results() const;
    [[nodiscard]] double span_s() const { return seen_ ? last_s_ - first_s_ : 0.0; }

private:
    struct Channel {
        ChannelCoverage info;
        double open_start = 0.0, open_end = -1.0;  // the stretch in view being extended
        double blind = 0.0, observed = 0.0;
        bool any = false;
        double first_look = 0.0;
        std::size_t looks = 0;
    };
    std::vector<Channel> channels_;
    bool seen_ = false;
    double first_s_ = 0.0, last_s_ = 0.0;
};

}  // namespace coex::source
