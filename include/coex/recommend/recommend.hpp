#pragma once
// Which router channel to use, and why: a per-channel cost over co-channel and adjacent Wi-Fi
// airtime, non-Wi-Fi interference and Bluetooth impact (docs/recommendation.md), computed from the
// report the analysis made. A hostapd-style ACS baseline is kept beside it for comparison.
#include "coex/core/bands.hpp"
#include "coex/report/report.hpp"

#include <optional>
#include <string>
#include <vector>

namespace coex::recommend {

struct Config {
    RegDomain domain = RegDomain::eu;
    int width_mhz = 20;                  // 20 or 40 (HT40: the primary channel and the one 4 above or below)
    std::optional<int> current_channel;  // the router's channel now, if known
    // The user's own networks by SSID (--my-network): where their beacons were decoded is the router's
    // channel now, unless current_channel says otherwise.
    std::vector<std::string> my_networks;
};

struct CostParts {
    double wifi_cochannel = 0.0;  // other networks' airtime on the channel
    double wifi_adjacent = 0.0;   // overlapping channels' airtime, weighted by the 802.11 transmit mask
    double non_wifi = 0.0;        // non-Wi-Fi emitters: duty × spectral overlap × strength
    double bluetooth = 0.0;       // Bluetooth airtime inside the channel, and links squeezed out of clean channels
    double noise_floor = 0.0;     // floor raised above the band's cleanest
    [[nodiscard]] double total() const { return wifi_cochannel + wifi_adjacent + non_wifi + bluetooth + noise_floor; }
};

struct ChannelScore {
    int channel = 0;
    int secondary = 0;  // HT40 secondary channel, 0 for 20 MHz
    double score = 0.0; // lower is better
    CostParts parts;
};

// Returns the recommendation to put in the report (also when the answer is "cannot tell yet").
report::Recommendation recommend(const report::Report& report, const Config& config);

// hostapd's survey-based ACS (src/ap/acs.c): per channel 10^(nf/5) + busy·2^(10^(nf/10) − 10^(min_nf/10)),
// averaged with its neighbours at ±5 MHz (×0.85) and ±10 MHz (×0.55), ×0.8 for channels 1, 6 and 11;
// the lowest wins. Here busy is the measured Wi-Fi airtime (what a card's carrier sense reports) and
// nf the channel's floor. Only observed channels are candidates. Returns the ranking, best first.
std::vector<ChannelScore> hostapd_baseline(const report::Report& report, RegDomain domain);

// The coex cost of every candidate, best first (what recommend() ranks).
std::vector<ChannelScore> rank_channels(const report::Report& report, const Config& config);

}  // namespace coex::recommend
