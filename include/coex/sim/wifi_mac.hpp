#pragma once
// IEEE 802.11 MAC frames for the simulated networks (802.11-2020 clause 9): beacons naming a network
// and ACKs, each with its FCS. They become the PSDU of a PPDU (wifi_ofdm_ppdu, wifi_dsss_ppdu).
#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

namespace coex::sim {

using MacAddress = std::array<std::uint8_t, 6>;

struct BeaconFields {
    MacAddress bssid{};          // also the transmitter address (an AP's beacon)
    std::string_view ssid;       // 0–32 octets (ConfigError otherwise)
    std::uint16_t sequence = 0;  // 12-bit sequence number
    std::uint64_t timestamp_us = 0;
    int channel = 1;             // the DS Parameter Set element
    std::uint16_t interval_tu = 100;
};

// Frame control (management, beacon), duration 0, DA broadcast, SA = BSSID = bssid, sequence control,
// then the body: timestamp, beacon interval, capability (ESS, short preamble), SSID, Supported Rates
// (1, 2, 5.5, 11, 6, 9, 12, 18 Mb/s), DS Parameter Set; then the FCS (CRC-32, least significant octet first).
std::vector<std::uint8_t> wifi_beacon_frame(const BeaconFields& fields);

// An ACK (control, 14 octets with the FCS) to `receiver`.
std::vector<std::uint8_t> wifi_ack_frame(const MacAddress& receiver);

}  // namespace coex::sim
