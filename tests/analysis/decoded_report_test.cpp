// Decoding through the whole pipeline: a scene whose networks name themselves in their beacons, with a
// BLE advertiser and a Bluetooth piconet, seen by a wideband receiver. What the report says must be
// what the simulator's labels say: the networks per channel (SSID and BSSID), the piconet's LAP, the
// rates, airtime from the decoded headers beside the energy's, and the user's own network.
#include "analysis_helpers.hpp"
#include "coex/recommend/recommend.hpp"
#include "coex/report/writers.hpp"
#include "coex/sim/scenario.hpp"
#include "coex/sim/synth.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <limits>

namespace coex {
namespace {

struct Analysed {
    report::Report report;
    nlohmann::json labels;
};

Analysed analyse_named_networks() {
    const auto scene = sim::load_scene(std::filesystem::path(COEX_SOURCE_DIR) / "captures/scenes/named-networks.json");
    sim::Synthesizer synth(scene);
    std::vector<testing::MemorySource::Segment> segments;
    for (std::size_t s = 0; s < synth.segments().size(); ++s) segments.push_back({synth.segments()[s].info, synth.render(s)});
    testing::MemorySource source(std::move(segments), 65536);
    recommend::Config advice;
    advice.my_networks = {"HomeNet"};
    return {analysis::run(source, {testing::test_analysis_config(), advice, {}}), nlohmann::json::parse(synth.labels_json("named"))};
}

// The label's identity of the emitter of `type` on `channel` (or the first of that type).
std::string label_identity(const nlohmann::json& labels, const std::string& type, int channel = 0) {
    for (const auto& e : labels["emitters"]) {
        if (e.value("type", "") != type || !e.contains("identities")) continue;
        if (channel && (!e.contains("wifi_channels") || e["wifi_channels"][0].get<int>() != channel)) continue;
        return e["identities"][0]["id"].get<std::string>();
    }
    return "";
}

const Analysed& named() {
    static const Analysed a = analyse_named_networks();
    return a;
}

TEST(DecodedReport, EachChannelNamesTheNetworkTheLabelsName) {
    const auto& [r, labels] = named();
    const std::pair<int, const char*> expected[] = {{1, "wifi_dsss"}, {6, "wifi_ofdm"}, {11, "wifi_ofdm"}};
    for (const auto& [channel, type] : expected) {
        const std::string truth = label_identity(labels, type, channel);  // "SSID aa:bb:cc:dd:ee:ff"
        ASSERT_FALSE(truth.empty()) << channel;
        const auto& row = testing::channel(r, channel);
        ASSERT_EQ(row.networks.size(), 1u) << channel;
        EXPECT_EQ(row.networks[0].ssid + " " + row.networks[0].bssid, truth);
        EXPECT_GE(row.networks[0].frames, 1u) << "0.25 s holds two or three beacons (a busy channel's are sampled)";
        EXPECT_EQ(row.networks[0].mine, channel == 6);
    }
    for (int empty : {3, 8, 13}) EXPECT_TRUE(testing::channel(r, empty).networks.empty()) << empty;
}

TEST(DecodedReport, RatesAndAirtimeFromTheHeaders) {
    const auto& r = named().report;
    const auto& ch1 = testing::channel(r, 1);
    ASSERT_TRUE(ch1.decoded.has_value());
    EXPECT_GT(ch1.decoded->rates_mbps.at("1"), 10u) << "1 Mb/s DSSS beacons and data";
    const auto& ch6 = testing::channel(r, 6);
    ASSERT_TRUE(ch6.decoded.has_value());
    EXPECT_GT(ch6.decoded->rates_mbps.at("24"), 10u) << "the scene's data frames are at 24 Mb/s";
    EXPECT_GT(ch6.decoded->rates_mbps.at("6"), 2u) << "beacons and ACKs at 6 Mb/s";
    const auto& ch11 = testing::channel(r, 11);
    ASSERT_TRUE(ch11.decoded.has_value());
    EXPECT_GT(ch11.decoded->rates_mbps.at("52"), 10u) << "HT MCS 5 at 20 MHz, long GI";
    for (const auto* row : {&ch1, &ch6, &ch11}) {
        ASSERT_TRUE(row->decoded->occupancy.has_value());
        // the headers' airtime and the energy's agree within 20 % at these SNRs
        EXPECT_NEAR(*row->decoded->occupancy, row->occupancy, 0.2 * row->occupancy) << row->channel;
    }
}

TEST(DecodedReport, PacketClassesCarryTheirEvidenceAndIdentities) {
    const auto& [r, labels] = named();
    const report::Emitter* classic = nullptr;
    for (const auto& e : r.emitters)
        if (e.emitter_class == EmitterClass::bluetooth_classic) classic = &e;
    ASSERT_NE(classic, nullptr);
    ASSERT_TRUE(classic->evidence.decode.has_value());
    EXPECT_EQ(classic->evidence.basis, report::EvidenceBasis::decoded);
    EXPECT_GT(classic->evidence.decode->checksum_ok, classic->evidence.decode->bursts / 2);
    ASSERT_EQ(classic->identities.size(), 1u) << "one piconet, one LAP";
    EXPECT_EQ(classic->identities[0].id, label_identity(labels, "bluetooth_classic"));
    for (const auto& e : r.emitters) {
        if (e.emitter_class != EmitterClass::wifi_ofdm && e.emitter_class != EmitterClass::wifi_dsss) continue;
        ASSERT_TRUE(e.evidence.decode.has_value());
        EXPECT_LE(e.evidence.decode->checksum_ok, e.evidence.decode->decoded);
        EXPECT_LE(e.evidence.decode->decoded, e.evidence.decode->bursts);
    }
}

TEST(DecodedReport, YourNetworkIsWhereItsBeaconsWereDecoded) {
    const auto& rec = named().report.recommendation;
    ASSERT_TRUE(rec.has_value());
    EXPECT_EQ(rec->current_channel, 6);
    ASSERT_FALSE(rec->reasons.empty());
    EXPECT_NE(rec->reasons.front().find("your network HomeNet"), std::string::npos) << rec->reasons.front();
}

TEST(DecodedReport, RedactedReportNamesNoNetworkOrDeviceButKeepsTheirLinks) {
    auto r = named().report;
    const std::string ssid = testing::channel(r, 6).networks.at(0).ssid;
    report::redact(r);
    const std::string json = report::to_json(r) + report::to_text(r);
    for (const char* secret : {"HomeNet", "CafeGuest", "Vodafone-2G"}) EXPECT_EQ(json.find(secret), std::string::npos) << secret;
    const auto& net = testing::channel(r, 6).networks.at(0);
    EXPECT_EQ(net.ssid.rfind("ssid:", 0), 0u) << net.ssid;
    EXPECT_NE(net.ssid, ssid);
    // the same network is the same digest wherever it appears: in the channel table and its emitter
    bool linked = false;
    for (const auto& e : r.emitters)
        for (const auto& id : e.identities) linked = linked || (id.name == net.ssid && id.id == net.bssid);
    EXPECT_TRUE(linked);
    // and a second redaction of the same report draws another salt: unlinkable across reports
    auto again = named().report;
    report::redact(again);
    EXPECT_NE(testing::channel(again, 6).networks.at(0).ssid, net.ssid);
}

}  // namespace
}  // namespace coex
