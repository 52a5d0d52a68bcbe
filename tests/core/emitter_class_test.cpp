// The table of emitter classes is the one place a class is declared: these check it is whole and
// consistent, so a row added or reordered wrongly fails here rather than in a report.
#include "coex/core/emitter_class.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace coex {
namespace {

TEST(EmitterClassTable, RowsFollowTheEnumAndKeysRoundTrip) {
    const auto rows = emitter_classes();
    ASSERT_EQ(rows.size(), static_cast<std::size_t>(EmitterClass::unknown) + 1);
    std::set<std::string_view> keys, names;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        EXPECT_EQ(static_cast<std::size_t>(rows[i].id), i) << rows[i].key;
        EXPECT_EQ(&info(rows[i].id), &rows[i]);
        EXPECT_TRUE(keys.insert(rows[i].key).second) << "key twice: " << rows[i].key;
        EXPECT_TRUE(names.insert(rows[i].display_name).second) << "display name twice: " << rows[i].display_name;
        EXPECT_EQ(emitter_class_from_key(rows[i].key), rows[i].id);
    }
    EXPECT_FALSE(emitter_class_from_key("Wi-Fi OFDM"));
    EXPECT_FALSE(emitter_class_from_key(""));
}

TEST(EmitterClassTable, EverySceneTypeBelongsToOneClass) {
    std::set<std::string_view> seen;
    for (const auto type : scene_emitter_types()) {
        EXPECT_TRUE(seen.insert(type).second) << "scene type claimed twice: " << type;
        ASSERT_TRUE(emitter_class_of_scene_type(type)) << type;
    }
    EXPECT_EQ(emitter_class_of_scene_type("cw"), EmitterClass::narrowband_spur);
    EXPECT_EQ(emitter_class_of_scene_type("fhss_phone"), EmitterClass::unknown);
    EXPECT_EQ(emitter_class_of_scene_type("wifi_dsss"), EmitterClass::wifi_dsss);
    // the look-alikes: a class of their own where one exists, else unknown — never a known packet class
    EXPECT_EQ(emitter_class_of_scene_type("drone_ofdm"), EmitterClass::ofdm_not_wifi);
    EXPECT_EQ(emitter_class_of_scene_type("toy_fsk"), EmitterClass::proprietary_gfsk);
    EXPECT_EQ(emitter_class_of_scene_type("fm_video"), EmitterClass::unknown);
    EXPECT_FALSE(emitter_class_of_scene_type("lte_uplink"));
}

TEST(EmitterClassTable, WhatTheRecommendationNeedsIsThere) {
    for (const auto& row : emitter_classes()) {
        SCOPED_TRACE(std::string(row.key));
        EXPECT_EQ(row.is_wifi, row.cost_model == ChannelCostModel::wifi_airtime);
        if (row.cost_model == ChannelCostModel::band_overlap) {
            ASSERT_NE(row.cost_words, nullptr);
            EXPECT_GT(row.interference_weight, 0.0);
        }
    }
    const EmitterExtent usb{2400.0, 2428.0, 2414.0, 14.0, 1.0};
    const std::string words = info(EmitterClass::usb3_noise).remediation(usb);
    EXPECT_NE(words.find("2400–2428 MHz (+14 dB)"), std::string::npos) << words;
    EXPECT_NE(words.find("move or shield the USB 3.0 device"), std::string::npos) << words;
    EXPECT_EQ(info(EmitterClass::unknown).remediation, nullptr);  // nothing known to do about what is not named
    // OFDM that is not Wi-Fi costs by band overlap, never as Wi-Fi airtime, and names its band
    EXPECT_FALSE(is_wifi(EmitterClass::ofdm_not_wifi));
    EXPECT_EQ(info(EmitterClass::ofdm_not_wifi).cost_model, ChannelCostModel::band_overlap);
    const std::string drone = info(EmitterClass::ofdm_not_wifi).remediation({2440.0, 2449.0, 2444.5, 18.0, 0.5});
    EXPECT_EQ(drone.rfind("A drone or video sender on 2440–2449 MHz", 0), 0u) << drone;
    EXPECT_EQ(info(EmitterClass::narrowband_spur).cost_words({2437.0, 2437.0, 2437.0, 20.0, 1.0}), "a steady tone at 2437.0 MHz (+20 dB)");
}

}  // namespace
}  // namespace coex
