#include "coex/core/bands.hpp"

#include <algorithm>
#include <cctype>

namespace coex {

std::optional<RegDomain> parse_reg_domain(std::string_view text) {
    std::string upper(text);
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (upper == "US") return RegDomain::us;
    if (upper == "EU") return RegDomain::eu;
    if (upper == "JP") return RegDomain::jp;
    return std::nullopt;
}

std::string to_string(RegDomain domain) {
    switch (domain) {
        case RegDomain::us: return "US";
        case RegDomain::eu: return "EU";
        case RegDomain::jp: return "JP";
    }
    return "?";
}

double wifi_channel_center_mhz(int channel) {
    return channel == 14 ? 2484.0 : 2412.0 + 5.0 * (channel - 1);
}

std::vector<WifiChannel> wifi_channels(RegDomain domain) {
    const int last = domain == RegDomain::us ? 11 : domain == RegDomain::eu ? 13 : 14;
    std::vector<WifiChannel> channels;
    for (int k = 1; k <= last; ++k) channels.push_back({k, wifi_channel_center_mhz(k)});
    return channels;
}

}  // namespace coex
