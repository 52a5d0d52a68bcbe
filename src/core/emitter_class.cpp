// The table of emitter classes: the one place a class is spelled, named, coloured and advised on.
#include "coex/core/emitter_class.hpp"

#include "coex/core/format.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

namespace coex {
namespace {

std::string percent(double share) { return format("%.0f %%", 100.0 * share); }

// (rows are in enum order; the static_assert below and info() rely on it)
const std::array<EmitterClassInfo, 11>& table() {
    static const std::array<EmitterClassInfo, 11> rows{{
        {EmitterClass::wifi_ofdm, "wifi_ofdm", "Wi-Fi OFDM", 0xffffff, true, ChannelCostModel::wifi_airtime, 1.0,
         nullptr, nullptr, "", "", {"wifi_ofdm"}},
        {EmitterClass::wifi_dsss, "wifi_dsss", "Wi-Fi DSSS (11b)", 0xffffff, true, ChannelCostModel::wifi_airtime, 1.0,
         nullptr, nullptr, "", "", {"wifi_dsss"}},
        {EmitterClass::bluetooth_classic, "bluetooth_classic", "Bluetooth", 0xff7eb6, false, ChannelCostModel::bluetooth_hopping,
         1.0, nullptr, nullptr, "Bluetooth: ", "", {"bluetooth_classic"}},
        {EmitterClass::ble, "ble", "BLE", 0xffb3e6, false, ChannelCostModel::ble_advertising, 1.0, nullptr, nullptr,
         "Bluetooth LE: ",
         "; its advertising channels (2402, 2426, 2480 MHz) sit at the edges of and between channels 1, 6 and 11, so "
         "they are hit little either way",
         {"ble"}},
        {EmitterClass::zigbee, "zigbee", "Zigbee / 802.15.4", 0x9ee8ff, false, ChannelCostModel::band_overlap, 1.0,
         [](const EmitterExtent& e) { return format("Zigbee at %.0f MHz, %s airtime", e.center_mhz, percent(e.duty_cycle).c_str()); },
         [](const EmitterExtent& e) {
             return format("Zigbee at %.0f MHz: Zigbee channels 15, 20, 25 and 26 sit between Wi-Fi channels 1, 6 and 11.", e.center_mhz);
         },
         "", "", {"zigbee"}},
        {EmitterClass::usb3_noise, "usb3_noise", "USB 3.0 noise", 0xffa040, false, ChannelCostModel::band_overlap, 1.0,
         [](const EmitterExtent& e) {
             return format("broadband noise %+.0f dB over %.0f–%.0f MHz, on %s of the time (looks like USB 3.0: move the device or "
                           "its cable away from the router and speaker, use a shielded cable or a USB 2 port)",
                           e.above_floor_db, e.low_mhz, e.high_mhz, percent(e.duty_cycle).c_str());
         },
         [](const EmitterExtent& e) {
             return format("A USB 3.0 device or cable is spraying broadband noise over %.0f–%.0f MHz (%+.0f dB): move or shield the "
                           "USB 3.0 device — move it and its cable away from the router and the Bluetooth speaker, use a shielded "
                           "cable or a ferrite, or plug it into a USB 2 port.",
                           e.low_mhz, e.high_mhz, e.above_floor_db);
         },
         "", "", {"usb3_noise"}},
        // a steady tone hurts less than its power says: OFDM loses the subcarriers under it, not the frame
        {EmitterClass::narrowband_spur, "narrowband_spur", "narrowband spur", 0x00e5ff, false, ChannelCostModel::band_overlap, 0.5,
         [](const EmitterExtent& e) { return format("a steady tone at %.1f MHz (%+.0f dB)", e.center_mhz, e.above_floor_db); },
         [](const EmitterExtent& e) {
             return format("A steady tone at %.1f MHz: often a clock harmonic or a switching power supply nearby; switching "
                           "devices off one at a time finds it.",
                           e.center_mhz);
         },
         "", "", {"cw", "comb"}},
        {EmitterClass::microwave_oven, "microwave_oven", "microwave oven", 0xff5050, false, ChannelCostModel::band_overlap, 1.0,
         [](const EmitterExtent& e) {
             return format("a microwave oven at %.0f–%.0f MHz, on %s of the time while it runs", e.low_mhz, e.high_mhz,
                           percent(e.duty_cycle).c_str());
         },
         [](const EmitterExtent& e) {
             return format("A microwave oven covers %.0f–%.0f MHz while it runs: keep the router and Bluetooth devices away from "
                           "the kitchen, or put devices that stream onto 5 GHz.",
                           e.low_mhz, e.high_mhz);
         },
         "", "", {"microwave_oven"}},
        // nRF24-style Enhanced ShockBurst and its kin: wireless mice, keyboards, game pads, toy remotes
        {EmitterClass::proprietary_gfsk, "proprietary_gfsk", "proprietary GFSK link", 0xc8a2ff, false, ChannelCostModel::band_overlap, 1.0,
         [](const EmitterExtent& e) {
             return format("a fixed-frequency radio link at %.0f MHz (a wireless mouse, keyboard or remote), on %s of the time",
                           e.center_mhz, percent(e.duty_cycle).c_str());
         },
         [](const EmitterExtent& e) {
             return format("A fixed-frequency radio link sits at %.0f MHz (%s of the time; a wireless mouse, keyboard, game pad or "
                           "toy remote, going by its modulation and its staying on one channel): the Wi-Fi channels clear of it are "
                           "untouched; if it matters, move its receiver away from the router and the Bluetooth devices.",
                           e.center_mhz, percent(e.duty_cycle).c_str());
         },
         "", "", {"esb", "toy_fsk"}},
        // LTE-numerology OFDM (drones' video downlinks and their kin): flat-topped like Wi-Fi, but not 802.11 —
        // it holds its band whatever the Wi-Fi channel's own traffic does, so it costs by overlap, never as airtime
        {EmitterClass::ofdm_not_wifi, "ofdm_not_wifi", "OFDM, not Wi-Fi: drone or video link", 0x7cfc9a, false, ChannelCostModel::band_overlap,
         1.0,
         [](const EmitterExtent& e) {
             return format("a drone or video sender's OFDM on %.0f–%.0f MHz (%+.0f dB), on %s of the time", e.low_mhz, e.high_mhz,
                           e.above_floor_db, percent(e.duty_cycle).c_str());
         },
         [](const EmitterExtent& e) {
             return format("A drone or video sender on %.0f–%.0f MHz (OFDM, not Wi-Fi; %s of the time): Wi-Fi cannot share those "
                           "frequencies with it by taking turns — pick a Wi-Fi channel clear of them, move the drone's controller or "
                           "the video sender away, or switch the link to 5.8 GHz if it has that band.",
                           e.low_mhz, e.high_mhz, percent(e.duty_cycle).c_str());
         },
         "", "", {"drone_ofdm"}},
        {EmitterClass::unknown, "unknown", "unknown", 0xd0d0d0, false, ChannelCostModel::band_overlap, 1.0,
         [](const EmitterExtent& e) {
             return format("an unclassified emitter at %.0f–%.0f MHz, %s of the time", e.low_mhz, e.high_mhz, percent(e.duty_cycle).c_str());
         },
         nullptr, "", "", {"fhss_phone", "fm_video"}},
    }};
    return rows;
}

}  // namespace

std::span<const EmitterClassInfo> emitter_classes() { return table(); }

const EmitterClassInfo& info(EmitterClass c) {
    const auto& rows = table();
    const auto index = static_cast<std::size_t>(c);
    if (index >= rows.size() || rows[index].id != c) throw std::logic_error("emitter class table out of enum order");
    return rows[index];
}

std::string_view key(EmitterClass c) { return info(c).key; }
std::string_view display_name(EmitterClass c) { return info(c).display_name; }
bool is_wifi(EmitterClass c) { return info(c).is_wifi; }

std::optional<EmitterClass> emitter_class_from_key(std::string_view k) {
    for (const auto& row : table())
        if (row.key == k) return row.id;
    return std::nullopt;
}

std::optional<EmitterClass> emitter_class_of_scene_type(std::string_view type) {
    for (const auto& row : table())
        if (std::find(row.scene_types.begin(), row.scene_types.end(), type) != row.scene_types.end()) return row.id;
    return std::nullopt;
}

std::vector<std::string_view> scene_emitter_types() {
    std::vector<std::string_view> out;
    for (const auto& row : table()) out.insert(out.end(), row.scene_types.begin(), row.scene_types.end());
    return out;
}

}  // namespace coex
