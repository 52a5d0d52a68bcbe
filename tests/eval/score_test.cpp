// Scoring on hand-made report/label pairs: matching, precision/recall/F1, confusion, occupancy,
// false detections, recommendation, bursts, thresholds.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "coex/core/error.hpp"
#include "coex/eval/score.hpp"

using namespace coex;
using namespace coex::eval;
using json = nlohmann::json;

namespace {

json label(const std::string& cls, double lo, double hi, bool visible = true, double snr = 20.0) {
    return {{"class", cls}, {"low_mhz", lo}, {"high_mhz", hi}, {"visible", visible}, {"above_floor_db", snr}, {"bursts", json::array()}};
}
json reported(const std::string& cls, double lo, double hi) { return {{"class", cls}, {"low_mhz", lo}, {"high_mhz", hi}}; }

struct Pair {
    json labels = {{"schema", "coex-labels/1"},
                   {"scene", "t"},
                   {"receiver", {{"view", "single"}}},
                   {"wifi", {{"channels", json::array()}}},
                   {"emitters", json::array()},
                   {"expect", nullptr}};
    json report = {{"schema", "coex-report/1"}, {"wifi", {{"channels", json::array()}}}, {"emitters", json::array()}, {"recommendation", nullptr}};

    void channel(int ch, bool observed, std::optional<double> truth, bool rep_observed, std::optional<double> occ) {
        labels["wifi"]["channels"].push_back({{"channel", ch}, {"observed", observed}, {"airtime", truth ? json(*truth) : json(nullptr)}});
        report["wifi"]["channels"].push_back({{"channel", ch}, {"observed", rep_observed}, {"occupancy", occ ? json(*occ) : json(nullptr)}});
    }
    CaptureScore score() const { return score_capture(report.dump(), labels.dump(), "t.h5"); }
};

}  // namespace

TEST(EvalScore, PerfectReport) {
    Pair p;
    p.labels["emitters"] = {label("wifi_ofdm", 2428.7, 2445.3), label("bluetooth_classic", 2401.5, 2480.5)};
    p.report["emitters"] = {reported("bluetooth_classic", 2430.5, 2442.5), reported("wifi_ofdm", 2428.7, 2445.3)};
    const auto s = p.score();
    EXPECT_EQ(s.classes.at("wifi_ofdm").tp, 1);
    EXPECT_EQ(s.classes.at("bluetooth_classic").tp, 1);
    const auto m = summarize({s});
    EXPECT_DOUBLE_EQ(*m.classes.at("wifi_ofdm").f1(), 1.0);
    EXPECT_EQ(m.false_detections, 0);
    EXPECT_FALSE(m.classes.at("ble").f1());  // nothing labelled or reported: undefined, not 0
    EXPECT_EQ((m.confusion.at({"wifi_ofdm", "wifi_ofdm"})), 1);
}

TEST(EvalScore, PrecisionRecallF1Arithmetic) {
    ClassCounts c;
    c.tp = 3;
    c.fp = 1;
    c.fn = 2;
    EXPECT_DOUBLE_EQ(*c.precision(), 0.75);
    EXPECT_DOUBLE_EQ(*c.recall(), 0.6);
    EXPECT_DOUBLE_EQ(*c.f1(), 2 * 0.75 * 0.6 / (0.75 + 0.6));
    ClassCounts none;
    EXPECT_FALSE(none.precision());
    EXPECT_FALSE(none.recall());
    ClassCounts only_fp;
    only_fp.fp = 2;
    EXPECT_DOUBLE_EQ(*only_fp.precision(), 0.0);
    EXPECT_FALSE(only_fp.recall());
    EXPECT_DOUBLE_EQ(*only_fp.f1(), 0.0);
}

TEST(EvalScore, MissFalsePositiveAndConfusion) {
    Pair p;
    p.labels["emitters"] = {label("ble", 2425.5, 2426.5), label("zigbee", 2434, 2436)};
    // BLE reported as Classic; the Zigbee missed; a microwave oven that is not there.
    p.report["emitters"] = {reported("bluetooth_classic", 2425.6, 2426.4), reported("microwave_oven", 2452, 2458)};
    const auto s = p.score();
    EXPECT_EQ(s.classes.at("ble").fn, 1);
    EXPECT_EQ(s.classes.at("zigbee").fn, 1);
    EXPECT_EQ(s.classes.at("bluetooth_classic").fp, 1);
    EXPECT_EQ(s.classes.at("microwave_oven").fp, 1);
    EXPECT_EQ((s.confusion.at({"ble", "bluetooth_classic"})), 1);
    EXPECT_EQ((s.confusion.at({"zigbee", "missed"})), 1);
    EXPECT_EQ((s.confusion.at({"none", "microwave_oven"})), 1);
    EXPECT_EQ(s.confusion.count({"none", "bluetooth_classic"}), 0u);  // already counted as the BLE's confusion
    EXPECT_EQ(s.false_detections, 2);  // neither class is in the scene
}

TEST(EvalScore, DuplicatesAndHiddenEmittersAreNotFalse) {
    Pair p;
    p.labels["emitters"] = {label("wifi_ofdm", 2428.7, 2445.3), label("ble", 2425.5, 2426.5, /*visible=*/false),
                            label("zigbee", 2404, 2406, /*visible=*/false)};
    p.report["emitters"] = {reported("wifi_ofdm", 2429, 2445), reported("wifi_ofdm", 2430, 2440), reported("ble", 2425.8, 2426.2)};
    const auto s = p.score();
    EXPECT_EQ(s.classes.at("wifi_ofdm").tp, 1);
    EXPECT_EQ(s.classes.at("wifi_ofdm").duplicates, 1);
    EXPECT_EQ(s.classes.at("wifi_ofdm").fp, 0);
    EXPECT_EQ(s.classes.at("ble").matched_hidden, 1);
    EXPECT_EQ(s.classes.at("ble").tp + s.classes.at("ble").fp + s.classes.at("ble").fn, 0);
    EXPECT_EQ(s.classes.at("zigbee").fn, 0);  // the view could not see it
    EXPECT_EQ(s.outcomes.size(), 1u);
}

TEST(EvalScore, BandToleranceForNarrowEmitters) {
    Pair p;
    p.labels["emitters"] = {label("narrowband_spur", 2440.3, 2440.3), label("narrowband_spur", 2450.0, 2450.0)};
    p.report["emitters"] = {reported("narrowband_spur", 2440.223, 2440.379), reported("narrowband_spur", 2452.5, 2452.6)};
    const auto s = p.score();
    EXPECT_EQ(s.classes.at("narrowband_spur").tp, 1);
    EXPECT_EQ(s.classes.at("narrowband_spur").fp, 1);  // 2.5 MHz away: beyond the 1 MHz tolerance
    EXPECT_EQ(s.classes.at("narrowband_spur").fn, 1);
    EXPECT_EQ(s.false_detections, 0);  // a spur where the scene has spurs: not a wrong class
    EXPECT_TRUE(s.false_positive_scene);
}

TEST(EvalScore, WifiOccupancyErrorsAndFalseChannels) {
    Pair p;
    p.labels["emitters"] = {label("wifi_ofdm", 2428.7, 2445.3, true, 25)};
    p.channel(6, true, 0.30, true, 0.32);   // error 0.02
    p.channel(1, true, 0.0, true, 0.05);    // Wi-Fi on an idle channel
    p.channel(11, false, std::nullopt, true, 0.0);  // observed flag differs
    p.channel(13, false, std::nullopt, false, std::nullopt);
    const auto s = p.score();
    ASSERT_EQ(s.occupancy.size(), 2u);
    EXPECT_NEAR(std::abs(s.occupancy[0].reported - s.occupancy[0].truth), 0.02, 1e-12);
    EXPECT_NEAR(*s.occupancy[0].snr_db, 25.0, 1e-12);
    EXPECT_FALSE(s.occupancy[1].snr_db);
    EXPECT_EQ(s.wifi_false_channels, 1);
    EXPECT_EQ(s.wifi_observed_mismatch, 1);
    EXPECT_EQ(s.false_detections, 1);
    const auto m = summarize({s});
    EXPECT_NEAR(m.occupancy.max, 0.05, 1e-12);
    EXPECT_NEAR(*m.occupancy.mean(), 0.035, 1e-12);
    EXPECT_EQ(m.occupancy_by_snr.at("+25 dB").n, 1);
    EXPECT_EQ(m.occupancy_by_snr.at("none").n, 1);
}

TEST(EvalScore, FalsePositiveScenes) {
    Pair noise;  // no emitters at all
    noise.report["emitters"] = {reported("wifi_dsss", 2426, 2448)};
    const auto s = noise.score();
    EXPECT_TRUE(s.false_positive_scene);
    EXPECT_EQ(s.false_detections, 1);
    Pair wifi;
    wifi.labels["emitters"] = {label("wifi_ofdm", 2428.7, 2445.3)};
    EXPECT_FALSE(wifi.score().false_positive_scene);
    const auto m = summarize({s, wifi.score()});
    EXPECT_EQ(m.false_positive_scenes, 1);
    EXPECT_EQ(m.false_detections_fp_scenes, 1);
}

TEST(EvalScore, Recommendation) {
    Pair p;
    p.labels["expect"] = {{"recommendation", {{"channel", 11}, {"current_channel", 1}}}};
    auto none = p.score();
    EXPECT_TRUE(none.recommendation_expected);
    EXPECT_FALSE(none.recommendation_reported_channel);
    p.report["recommendation"] = {{"channel", 11}};
    auto agree = p.score();
    p.report["recommendation"] = {{"channel", 6}};
    auto disagree = p.score();
    const auto m = summarize({none, agree, disagree});
    EXPECT_EQ(m.recommendation_scenes, 3);
    EXPECT_EQ(m.recommendation_reported, 2);
    EXPECT_EQ(m.recommendation_agree, 1);
    Thresholds t;
    t.min_recommendation_agreement = 0.5;
    ASSERT_EQ(check(m, t).size(), 1u);
    t.min_recommendation_agreement = 0.3;
    EXPECT_TRUE(check(m, t).empty());
}

TEST(EvalScore, BurstLevelOnlyWhenTheReportGivesBursts) {
    Pair p;
    auto l = label("bluetooth_classic", 2401.5, 2480.5);
    l["bursts"] = {{0.001, 0.002, 2430.5, 2431.5}, {0.003, 0.004, 2440.5, 2441.5}, {0.005, 0.006, 2470.5, 2471.5}};
    p.labels["emitters"] = {l};
    p.report["emitters"] = {reported("bluetooth_classic", 2420, 2450)};
    auto s = p.score();
    EXPECT_FALSE(s.bursts_in_report);
    EXPECT_EQ(s.bursts.labelled, 0);
    p.report["emitters"][0]["burst_list"] = {{0.0011, 0.0019}, {0.0031, 0.0032}, {0.0070, 0.0071}};
    s = p.score();
    EXPECT_TRUE(s.bursts_in_report);
    EXPECT_EQ(s.bursts.labelled, 3);
    EXPECT_EQ(s.bursts.detected, 2);  // the 0.1 ms piece covers the shorter of the pair whole
    EXPECT_EQ(s.bursts.reported, 3);
    EXPECT_EQ(s.bursts.reported_true, 2);
}

TEST(EvalScore, ThresholdsNameWhatWasMissed) {
    Pair p;
    p.labels["emitters"] = {label("wifi_ofdm", 2428.7, 2445.3), label("ble", 2425.5, 2426.5)};
    p.report["emitters"] = {reported("wifi_ofdm", 2429, 2445)};
    p.channel(6, true, 0.30, true, 0.35);
    const auto m = summarize({p.score()});
    Thresholds t;
    t.max_occupancy_error = 0.03;
    t.min_f1["wifi_ofdm"] = 0.9;
    t.min_f1["ble"] = 0.5;
    t.min_recall["zigbee"] = 0.5;
    const auto fails = check(m, t);
    ASSERT_EQ(fails.size(), 3u);
    EXPECT_NE(fails[0].find("Wi-Fi occupancy max |error| 0.0500 > 0.03"), std::string::npos) << fails[0];
    EXPECT_NE(fails[1].find("ble F1 0.000 < 0.5"), std::string::npos) << fails[1];
    EXPECT_NE(fails[2].find("zigbee recall undefined"), std::string::npos) << fails[2];
    Thresholds all;
    all.min_f1_all = 0.5;
    ASSERT_EQ(check(m, all).size(), 1u);  // only BLE (F1 0); wifi_ofdm has F1 1
    Thresholds ok;
    ok.max_occupancy_error = 0.06;
    ok.max_false_detections = 0;
    EXPECT_TRUE(check(m, ok).empty());
}

TEST(EvalScore, SnrBuckets) {
    EXPECT_EQ(snr_bucket(std::nullopt), "none");
    EXPECT_EQ(snr_bucket(9.99), "+10 dB");
    EXPECT_EQ(snr_bucket(-0.4), "+0 dB");
    EXPECT_EQ(snr_bucket(-7.0), "-5 dB");
    EXPECT_EQ(snr_bucket(500.0), "+60 dB");
}

TEST(EvalScore, BadDocuments) {
    Pair p;
    EXPECT_THROW((void)score_capture("{", p.labels.dump(), "x.h5"), InputError);
    EXPECT_THROW((void)score_capture(p.report.dump(), "{\"schema\": \"other\"}", "x.h5"), InputError);
    try {
        (void)score_capture(p.report.dump(), "[]", "x.h5");
        FAIL();
    } catch (const InputError& e) {
        EXPECT_EQ(std::string(e.what()), "x.h5: the labels file is not coex-labels/1");
    }
}

TEST(EvalScore, TextAndJsonOutputs) {
    Pair p;
    p.labels["emitters"] = {label("wifi_ofdm", 2428.7, 2445.3)};
    p.report["emitters"] = {reported("wifi_ofdm", 2429, 2445)};
    p.channel(6, true, 0.30, true, 0.31);
    const std::vector<CaptureScore> scores = {p.score()};
    const auto m = summarize(scores);
    const std::string text = to_text(m, scores);
    EXPECT_NE(text.find("wifi_ofdm"), std::string::npos);
    EXPECT_NE(text.find("Burst level: not scored"), std::string::npos);
    EXPECT_NE(text.find("Recommendation: no scene defines one"), std::string::npos);
    const auto j = json::parse(to_json(m, scores));
    EXPECT_EQ(j["schema"], "coex-eval/1");
    EXPECT_EQ(j["summary"]["classes"]["wifi_ofdm"]["tp"], 1);
    EXPECT_NEAR(j["summary"]["wifi_occupancy"]["max"].get<double>(), 0.01, 1e-12);
    EXPECT_TRUE(j["summary"]["bursts"].is_null());
    EXPECT_EQ(j["captures"][0]["capture"], "t.h5");
}

TEST(EvalScore, StrongTableLeavesWeakLabelsAndWhatLiesOnThemOut) {
    Pair p;
    // A BLE advertiser at 20 dB, found; a phone at 5 dB, missed and read as BLE pieces; an oven that
    // is not there anywhere: it still counts against the strong table.
    p.labels["emitters"] = {label("ble", 2401.5, 2480.5), label("unknown", 2430, 2440, true, 5.0)};
    p.report["emitters"] = {reported("ble", 2401, 2481), reported("bluetooth_classic", 2433.5, 2434.5),
                            reported("microwave_oven", 2452, 2458)};
    const auto s = p.score();
    EXPECT_EQ(s.classes.at("unknown").fn, 1);
    EXPECT_EQ(s.classes.at("bluetooth_classic").fp, 1);
    EXPECT_EQ(s.classes_strong.at("ble").tp, 1);
    EXPECT_EQ(s.classes_strong.at("unknown").fn, 0);             // under 10 dB: not scored
    EXPECT_EQ(s.classes_strong.at("bluetooth_classic").fp, 0);   // lies on the weak label
    EXPECT_EQ(s.classes_strong.at("microwave_oven").fp, 1);      // lies on nothing: counts
    const auto m = summarize({s});
    Thresholds t;
    t.min_f1_strong["all"] = 0.95;
    const auto fails = check(m, t);
    ASSERT_EQ(fails.size(), 1u);  // the oven (reported only falsely: F1 0); unknown has no strong label, BLE is 1.0
    EXPECT_NE(fails[0].find("microwave_oven"), std::string::npos) << fails[0];
}

TEST(EvalScore, AnEmitterIsAsStrongAsItsLeastFadedTransmissionInView) {
    // Two hoppers labelled 20 dB over the floor on average; behind multipath the labels add how strong
    // each was as the view saw it. One's every packet in view fell in a fade (6 dB): under the bar, its
    // miss is not scored there. The other's best packet was 15 dB: scored, and missed.
    Pair p;
    json faded = label("bluetooth_classic", 2401.5, 2480.5), clear = label("bluetooth_classic", 2401.5, 2480.5);
    faded["seen_above_floor_db"] = 6.0;
    clear["seen_above_floor_db"] = 15.0;
    p.labels["emitters"] = {faded};
    EXPECT_EQ(p.score().classes_strong.at("bluetooth_classic").fn, 0);
    EXPECT_EQ(p.score().classes.at("bluetooth_classic").fn, 1);  // the all-emitter table still counts it
    p.labels["emitters"] = {clear};
    EXPECT_EQ(p.score().classes_strong.at("bluetooth_classic").fn, 1);
}

TEST(EvalScore, RealismCountsFalseUsb3AndClassicOnAFixedGfskLink) {
    // A scene without USB 3.0 noise where the report names it (a receiver's passband), and a
    // fixed-frequency GFSK link reported as Classic (beside its correct report).
    Pair p;
    p.labels["emitters"] = {label("proprietary_gfsk", 2442.5, 2443.5), label("wifi_ofdm", 2428.7, 2445.3)};
    p.report["emitters"] = {reported("usb3_noise", 2452.5, 2478.5), reported("proprietary_gfsk", 2442.5, 2443.5),
                            reported("bluetooth_classic", 2442.5, 2443.5), reported("wifi_ofdm", 2428.7, 2445.3)};
    const auto s = p.score();
    EXPECT_EQ(s.false_usb3, 1);
    EXPECT_EQ(s.classic_from_fixed_gfsk, 1);
    // With USB 3.0 labelled, a USB 3.0 report elsewhere is a false positive of the class but not a
    // "false USB 3.0 from the receiver" (the scene holds the class).
    Pair q;
    q.labels["emitters"] = {label("usb3_noise", 2400, 2428)};
    q.report["emitters"] = {reported("usb3_noise", 2400, 2428), reported("usb3_noise", 2460, 2480)};
    const auto t = q.score();
    EXPECT_EQ(t.false_usb3, 0);
    const auto m = summarize({s, t});
    EXPECT_EQ(m.false_usb3, 1);
    EXPECT_EQ(m.classic_from_fixed_gfsk, 1);
    Thresholds th;
    th.max_false_usb3 = 0;
    const auto fails = check(m, th);
    ASSERT_EQ(fails.size(), 1u);
    EXPECT_NE(fails[0].find("USB 3.0 reports in scenes without USB 3.0 noise 1 > 0"), std::string::npos) << fails[0];
    const json j = json::parse(to_json(m, {s, t}));
    EXPECT_EQ(j["summary"]["false_usb3"], 1);
    EXPECT_EQ(j["summary"]["classic_from_fixed_gfsk"], 1);
}

// Decoding per labelled packet: a packet seen whole and alone counts, and is decoded when a
// checksum-valid packet of its PHY covers it in the report's burst list; a packet another emitter
// within 12 dB overlaps (collided) or the dwell's edge cuts (cut) is counted apart; a packet of an
// emitter under 12 dB is not counted at all.
TEST(EvalScore, DecodingPerLabelledPacket) {
    Pair p;
    p.labels["segments"] = {{{"start_s", 0.0}, {"end_s", 0.1}, {"usable_low_mhz", 2428.0}, {"usable_high_mhz", 2446.0}}};
    json br = label("bluetooth_classic", 2401.5, 2480.5);
    br["level_dbfs"] = -30.0;
    br["bursts"] = {{0.010, 0.011, 2430.5, 2431.5},   // decoded
                    {0.020, 0.021, 2432.5, 2433.5},   // framed, checksum failed: a miss
                    {0.030, 0.031, 2434.5, 2435.5},   // under a Wi-Fi transmission 5 dB stronger: collided
                    {0.040, 0.041, 2440.5, 2441.5},   // beside a weak one (20 dB under): counted, missed
                    {0.0995, 0.1005, 2436.5, 2437.5}, // cut by the end of the capture
                    {0.050, 0.051, 2427.5, 2428.5}};  // half outside the view's band: cut
    json wifi = label("wifi_ofdm", 2428.7, 2445.3);
    wifi["level_dbfs"] = -25.0;
    wifi["bursts"] = {{0.0302, 0.0304, 2428.7, 2445.3}};
    json weak = label("unknown", 2440.0, 2442.0);
    weak["level_dbfs"] = -50.0;
    weak["bursts"] = {{0.0404, 0.0406, 2440.0, 2442.0}};
    json faint = label("zigbee", 2434.0, 2436.0, true, 8.0);
    faint["level_dbfs"] = -45.0;
    faint["bursts"] = {{0.060, 0.061, 2434.0, 2436.0}};
    p.labels["emitters"] = {br, wifi, weak, faint};
    auto record = [](double t0, double t1, double lo, double hi, const char* protocol, bool ok) {
        return json{{"start_s", t0}, {"end_s", t1}, {"low_mhz", lo}, {"high_mhz", hi},
                    {"packets", {{{"protocol", protocol}, {"checksum_ok", ok}, {"duration_us", 1e6 * (t1 - t0)}}}}};
    };
    p.report["bursts"] = {record(0.01, 0.011, 2430.6, 2431.4, "bluetooth_br", true), record(0.02, 0.021, 2432.6, 2433.4, "bluetooth_br", false),
                          record(0.03, 0.031, 2434.6, 2435.4, "bluetooth_br", true),
                          record(0.0402, 0.0408, 2440.6, 2441.4, "bluetooth_le", true)};  // another PHY: not proof
    const auto s = p.score();
    ASSERT_TRUE(s.packets_scored);
    const auto& br_counts = s.packets.at("bluetooth_classic");
    EXPECT_EQ(br_counts.counted, 3);
    EXPECT_EQ(br_counts.decoded, 1);
    EXPECT_EQ(br_counts.collided, 1);
    EXPECT_EQ(br_counts.cut, 2);
    EXPECT_EQ(s.packets.count("zigbee"), 0u);  // 8 dB over the floor: not scored
    EXPECT_EQ(s.packets.at("wifi_ofdm").counted, 0);
    EXPECT_EQ(s.packets.at("wifi_ofdm").collided, 1);  // the BR packet is within 12 dB of it
    const auto m = summarize({s});
    const std::string text = to_text(m, {s});
    EXPECT_NE(text.find("bluetooth_classic         3        1     0.333         1        2"), std::string::npos) << text;

    Pair without;  // a report without its burst list: not scored, and said so
    without.labels = p.labels;
    const auto n = without.score();
    EXPECT_FALSE(n.packets_scored);
    EXPECT_NE(to_text(summarize({n}), {n}).find("not scored: the reports list no bursts"), std::string::npos);
}
