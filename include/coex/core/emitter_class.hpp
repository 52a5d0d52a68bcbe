#pragma once
// The emitter classes coex reports: one declared table (emitter_class.cpp) holding, per class, the key
// written into reports and scene labels, the name people read, the picture's colour, how the channel
// recommendation weighs it, the words that say what to do about it, and which scene-file emitter types
// are labelled as it. Everything else refers to a class by EmitterClass, never by its spelling.
//
// Adding a class: one enumerator, one row in the table, one detector that emits it, its tests and docs.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace coex {

enum class EmitterClass : std::uint8_t {
    wifi_ofdm,
    wifi_dsss,
    bluetooth_classic,
    ble,
    zigbee,
    usb3_noise,
    narrowband_spur,
    microwave_oven,
    proprietary_gfsk,  // a fixed-frequency link with Bluetooth's modulation and none of its hopping
    ofdm_not_wifi,     // wide OFDM that is not 802.11: a drone's video link and its kin
    unknown,
};

// How the channel recommendation turns an emitter into a cost on a Wi-Fi channel.
enum class ChannelCostModel : std::uint8_t {
    wifi_airtime,       // measured per channel from the Wi-Fi table, not from the emitter entry
    bluetooth_hopping,  // its airtime spread over the hop channels its AFH map keeps
    ble_advertising,    // its airtime spread over the three advertising channels
    band_overlap,       // duty × share of the channel it covers × strength over the floor × weight
};

// What of an emitter the words about it draw on (the report's Emitter has these; core cannot see it).
struct EmitterExtent {
    double low_mhz = 0.0, high_mhz = 0.0, center_mhz = 0.0;
    double above_floor_db = 0.0;
    double duty_cycle = 0.0;
};
using EmitterWords = std::string (*)(const EmitterExtent&);

struct EmitterClassInfo {
    EmitterClass id;
    std::string_view key;            // in reports, labels and stats; stable
    std::string_view display_name;   // in the picture and the HTML report
    std::uint32_t colour_rgb;        // the picture's box and label colour, 0xRRGGBB
    bool is_wifi;                    // an 802.11 PHY (claims Wi-Fi channels, drawn dashed)
    ChannelCostModel cost_model;
    double interference_weight;      // band_overlap: how much it hurts per unit duty × overlap × strength
    EmitterWords cost_words;         // band_overlap: what it does to a channel, in a channel's reasons
    EmitterWords remediation;        // what to do about it (nullptr: nothing to do)
    // a reason line "<prefix><summary><suffix>" for every emitter of the class (empty prefix: none)
    std::string_view reason_prefix, reason_suffix;
    std::vector<std::string_view> scene_types;  // scene-file emitter types labelled as this class
};

// Every class, in the order of the enum (the order reports and scores list them).
[[nodiscard]] std::span<const EmitterClassInfo> emitter_classes();
[[nodiscard]] const EmitterClassInfo& info(EmitterClass c);
[[nodiscard]] std::string_view key(EmitterClass c);
[[nodiscard]] std::string_view display_name(EmitterClass c);
[[nodiscard]] bool is_wifi(EmitterClass c);
// The class a report or label key names; nullopt for anything else.
[[nodiscard]] std::optional<EmitterClass> emitter_class_from_key(std::string_view key);
// The class a scene file's emitter type is labelled as; nullopt when no class claims the type.
[[nodiscard]] std::optional<EmitterClass> emitter_class_of_scene_type(std::string_view type);
// Every scene-file emitter type any class claims, in table order.
[[nodiscard]] std::vector<std::string_view> scene_emitter_types();

}  // namespace coex
