// Real recordings made by others (../shared/captures/real; skipped when absent): what the classifier
// names in them.
#include "classify_helpers.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace coex {
namespace {

using namespace testing;
namespace fs = std::filesystem;
const fs::path kReal(COEX_REAL_CAPTURES);

template <class T>
std::vector<cf32> read_interleaved(const fs::path& path, float scale) {
    std::ifstream in(path, std::ios::binary);
    std::vector<T> raw(fs::file_size(path) / sizeof(T));
    in.read(reinterpret_cast<char*>(raw.data()), static_cast<std::streamsize>(raw.size() * sizeof(T)));
    std::vector<cf32> x(raw.size() / 2);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = cf32(static_cast<float>(raw[2 * i]) * scale, static_cast<float>(raw[2 * i + 1]) * scale);
    return x;
}

TEST(RealRecordings, OpenofdmFramesAreWifiOfdm) {
    const auto folder = kReal / "openofdm_wifi_ofdm";
    if (!fs::is_directory(folder)) GTEST_SKIP() << folder << " is absent";
    for (const auto& entry : fs::recursive_directory_iterator(folder)) {
        if (entry.path().extension() != ".dat") continue;
        const auto r = analyze(read_interleaved<std::int16_t>(entry.path(), 1.0f / 32768.0f), 2437e6, 20e6);
        SCOPED_TRACE(entry.path().filename().string() + ": " + classes(r));
        const auto ofdm = of_class(r, "wifi_ofdm");
        ASSERT_EQ(ofdm.size(), 1u);
        EXPECT_EQ(ofdm[0]->center_mhz, 2437.0);
        EXPECT_TRUE(of_class(r, "wifi_dsss").empty());
        // real 802.11 OFDM (3.2 µs symbols, pilots every 4 µs) shows no LTE prefix at 66.7 µs
        EXPECT_TRUE(of_class(r, "ofdm_not_wifi").empty());
        EXPECT_EQ(r.stats.counters.count("wifi.channels_handed_to_ofdm_not_wifi") ? r.stats.counters.at("wifi.channels_handed_to_ofdm_not_wifi") : 0u, 0u);
    }
}

class NrfRecording : public ::testing::TestWithParam<std::pair<const char*, std::vector<std::string>>> {};

TEST_P(NrfRecording, NamesWhatWasTransmitted) {
    const auto path = kReal / "nrf_ble_802154" / GetParam().first;
    if (!fs::exists(path)) GTEST_SKIP() << path << " is absent";
    // ADALM-Pluto, 10 MS/s at 2425 MHz, complex float32
    const auto r = analyze(read_interleaved<float>(path, 1.0f), 2425e6, 10e6);
    for (const auto& wanted : GetParam().second) EXPECT_EQ(of_class(r, wanted).size(), 1u) << wanted << " in " << classes(r);
    EXPECT_TRUE(of_class(r, "bluetooth_classic").empty()) << classes(r);
    EXPECT_TRUE(of_class(r, "wifi_ofdm").empty()) << classes(r);
    // a raw BLE-PHY radio and 802.15.4 are not the look-alike classes either
    EXPECT_TRUE(of_class(r, "ofdm_not_wifi").empty()) << classes(r);
    EXPECT_TRUE(of_class(r, "proprietary_gfsk").empty()) << classes(r);
    for (const auto* z : of_class(r, "zigbee")) EXPECT_EQ(std::get<double>(field(*z, "channel")->data), 15.0);
}

TEST(NrfRecordingTwoRadios, PacketsOnTheAirTogetherAreTwoTransmittersOnOnce) {
    // Two nRF52840s send one packet each, at once, on 2424 and 2426 MHz, under one access address: one
    // radio cannot be on two channels at a time, so the entry counts two transmitters, and its duty is
    // the union of their on-times (1.09 ms of 2 ms), not their sum.
    const auto path = kReal / "nrf_ble_802154" / "BLE_BLE_2424MHz_2426MHz.dat";
    if (!fs::exists(path)) GTEST_SKIP() << path << " is absent";
    const auto r = analyze(read_interleaved<float>(path, 1.0f), 2425e6, 10e6);
    const auto ble = of_class(r, "ble");
    ASSERT_EQ(ble.size(), 1u) << classes(r);
    ASSERT_NE(field(*ble[0], "transmitters_at_once"), nullptr);
    EXPECT_EQ(std::get<double>(field(*ble[0], "transmitters_at_once")->data), 2.0);
    EXPECT_NEAR(ble[0]->duty_cycle, 0.545, 0.03);
    // one packet alone is one transmitter: no such field
    const auto alone = analyze(read_interleaved<float>(kReal / "nrf_ble_802154" / "BLE_0dBm.dat", 1.0f), 2425e6, 10e6);
    for (const auto* e : of_class(alone, "ble")) EXPECT_EQ(field(*e, "transmitters_at_once"), nullptr);
}

INSTANTIATE_TEST_SUITE_P(
    Files, NrfRecording,
    ::testing::Values(std::make_pair("BLE_0dBm.dat", std::vector<std::string>{"ble"}),
                      std::make_pair("802154_0dBm.dat", std::vector<std::string>{"zigbee"}),
                      std::make_pair("BLE_802154_0dBm_8dBm_0MHz.dat", std::vector<std::string>{"ble", "zigbee"}),
                      std::make_pair("BLE_BLE_2424MHz_2426MHz.dat", std::vector<std::string>{"ble"})));

}  // namespace
}  // namespace coex
