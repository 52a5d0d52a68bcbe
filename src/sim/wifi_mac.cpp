#include "coex/sim/wifi_mac.hpp"

#include "coex/coding/coding.hpp"
#include "coex/core/error.hpp"

namespace coex::sim {
namespace {

void put16(std::vector<std::uint8_t>& out, std::uint16_t v) {
    out.push_back(static_cast<std::uint8_t>(v & 0xFF));
    out.push_back(static_cast<std::uint8_t>(v >> 8));
}

void append_fcs(std::vector<std::uint8_t>& frame) {
    const std::uint32_t fcs = coding::ieee80211_fcs(frame);
    for (int k = 0; k < 4; ++k) frame.push_back(static_cast<std::uint8_t>(fcs >> (8 * k)));
}

}  // namespace

std::vector<std::uint8_t> wifi_beacon_frame(const BeaconFields& f) {
    if (f.ssid.size() > 32) throw ConfigError("ssid", "'" + std::string(f.ssid) + "' is longer than 32 octets");
    std::vector<std::uint8_t> out;
    put16(out, 0x0080);  // frame control: protocol 0, type 0 (management), subtype 8 (beacon)
    put16(out, 0);       // duration
    for (int k = 0; k < 6; ++k) out.push_back(0xFF);  // DA: broadcast
    out.insert(out.end(), f.bssid.begin(), f.bssid.end());  // SA
    out.insert(out.end(), f.bssid.begin(), f.bssid.end());  // BSSID
    put16(out, static_cast<std::uint16_t>((f.sequence & 0x0FFF) << 4));
    for (int k = 0; k < 8; ++k) out.push_back(static_cast<std::uint8_t>(f.timestamp_us >> (8 * k)));
    put16(out, f.interval_tu);
    put16(out, 0x0021);  // capability: ESS, short preamble
    out.push_back(0);    // SSID element
    out.push_back(static_cast<std::uint8_t>(f.ssid.size()));
    out.insert(out.end(), f.ssid.begin(), f.ssid.end());
    out.insert(out.end(), {1, 8, 0x82, 0x84, 0x8B, 0x96, 0x0C, 0x12, 0x18, 0x24});  // Supported Rates
    out.insert(out.end(), {3, 1, static_cast<std::uint8_t>(f.channel)});           // DS Parameter Set
    append_fcs(out);
    return out;
}

std::vector<std::uint8_t> wifi_ack_frame(const MacAddress& receiver) {
    std::vector<std::uint8_t> out = {0xD4, 0x00, 0x00, 0x00};  // frame control: type 1 (control), subtype 13 (ACK); duration 0
    for (std::uint8_t octet : receiver) out.push_back(octet);
    append_fcs(out);
    return out;
}

}  // namespace coex::sim
