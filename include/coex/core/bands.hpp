#pragma once
// The 2.4 GHz ISM band plan: Wi-Fi channels per regulatory domain, Bluetooth and BLE channels.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coex {

enum class RegDomain { us, eu, jp };

// Parses "US", "EU", "JP" (any case). Returns nullopt for anything else.
std::optional<RegDomain> parse_reg_domain(std::string_view text);
std::string to_string(RegDomain domain);

struct WifiChannel {
    int number = 0;
    double center_mhz = 0.0;
};

// Channels allowed in a domain: US 1–11, EU 1–13, JP 1–14 (14 at 2484 MHz).
std::vector<WifiChannel> wifi_channels(RegDomain domain);
double wifi_channel_center_mhz(int channel);  // 2412 + 5(k−1); 14 → 2484

// A 20 MHz OFDM channel occupies ±8.125 MHz (52 subcarriers × 312.5 kHz); a channel is only
// "observed" when a segment's usable band holds centre ± this half-width.
inline constexpr double wifi_observed_half_width_mhz = 8.5;

inline constexpr double bt_classic_first_mhz = 2402.0;  // channel k at 2402 + k MHz, k = 0…78
inline constexpr int bt_classic_channels = 79;
inline constexpr double ble_adv_channel_mhz[3] = {2402.0, 2426.0, 2480.0};  // 37, 38, 39

inline constexpr double ism_low_mhz = 2400.0;
inline constexpr double ism_high_mhz = 2483.5;

}  // namespace coex
