// Each emitter class from its standard PHY (the simulator), found and named by the classifier.
#include "classify_helpers.hpp"

#include "coex/core/bands.hpp"
#include "coex/sim/esb.hpp"

#include <gtest/gtest.h>

#include <cstdio>

namespace coex {
namespace {

using namespace testing;

// A Classic link: packets on the 625 µs slot grid, hopping pseudo-randomly over the channels kept by
// its AFH map; DH1 mostly, some DH3/DH5 (they hold the frequency for 3/5 slots).
std::vector<sim::Burst> bt_link(double duration_s, double power_dbfs, const std::vector<int>& channels, std::mt19937_64& rng,
                                double slot_use = 0.5) {
    auto dh1 = std::make_shared<sim::Waveform>(sim::bt_br_packet(sim::BtPacket::dh1, rng));
    auto dh3 = std::make_shared<sim::Waveform>(sim::bt_br_packet(sim::BtPacket::dh3, rng));
    auto dh5 = std::make_shared<sim::Waveform>(sim::bt_br_packet(sim::BtPacket::dh5, rng));
    std::uniform_int_distribution<std::size_t> hop(0, channels.size() - 1);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    std::vector<sim::Burst> out;
    for (double t = 0.3e-3; t < duration_s;) {
        const double r = u(rng);
        const auto& w = r < 0.7 ? dh1 : r < 0.85 ? dh3 : dh5;
        const int slots = r < 0.7 ? 1 : r < 0.85 ? 3 : 5;
        if (u(rng) < slot_use) out.push_back({t, (bt_classic_first_mhz + channels[hop(rng)]) * 1e6, power_dbfs, w});
        t += slots * 625e-6;
    }
    return out;
}

std::vector<int> all_bt_channels() {
    std::vector<int> c(79);
    for (int k = 0; k < 79; ++k) c[static_cast<std::size_t>(k)] = k;
    return c;
}

TEST(Emitters, BluetoothClassicHopperIsOneDevice) {
    std::mt19937_64 rng(1);
    Scene s{{2442e6, 100e6, 10'000'000}, bt_link(0.1, power_for_snr(20, 1.0), all_bt_channels(), rng), -100.0, 2};
    const auto r = analyze(s);
    const auto bt = of_class(r, "bluetooth_classic");
    ASSERT_EQ(bt.size(), 1u) << classes(r) << counters(r);
    EXPECT_EQ(r.emitters.size(), 1u) << classes(r) << counters(r);
    EXPECT_GT(bt[0]->bursts, 0.8 * static_cast<double>(s.bursts.size())) << counters(r);
    EXPECT_LE(bt[0]->bursts, s.bursts.size());
    for (const auto& c : r.wifi) EXPECT_EQ(c.occupancy, 0.0);
}

TEST(Emitters, ClassicAirtimeFromFewPacketsIsARangeThatHoldsTheTruth) {
    // A busy link (every slot pair used) seen for 0.1 s through 20 of its 79 channels: a few dozen
    // packets, so the extrapolated airtime is rough. The report gives a range holding the true airtime,
    // and never more than a piconet's slots can hold (DH5 both ways, 91.8 %).
    for (std::uint64_t seed : {3u, 4u, 5u}) {
        std::mt19937_64 rng(seed);
        Scene s{{2442e6, 20e6, 2'000'000}, bt_link(0.1, power_for_snr(20, 1.0), all_bt_channels(), rng, 1.0), -100.0, 2};
        // one piconet: every packet under one LAP (bt_link's three waveforms draw theirs)
        const sim::BtBrAddress piconet{0x9E8B33, 0x47};
        for (auto& b : s.bursts) {
            const double on_s = b.waveform->duration_s();
            const auto type = on_s < 0.5e-3 ? sim::BtPacket::dh1 : on_s < 2e-3 ? sim::BtPacket::dh3 : sim::BtPacket::dh5;
            b.waveform = std::make_shared<sim::Waveform>(sim::bt_br_packet(type, sim::bt_max_payload_bytes(type), piconet, rng));
        }
        double on = 0.0;
        for (const auto& b : s.bursts) on += static_cast<double>(b.waveform->samples.size()) / b.waveform->sample_rate_hz;
        const double truth = on / 0.1;
        const auto r = analyze(s);
        const auto bt = of_class(r, "bluetooth_classic");
        ASSERT_EQ(bt.size(), 1u) << classes(r);
        EXPECT_LE(bt[0]->duty_cycle, 0.9184 + 1e-9);
        const auto* range = field(*bt[0], "duty_cycle_range");
        ASSERT_NE(range, nullptr) << seed;
        const auto& lh = std::get<report::Value::Array>(range->data);
        const double low = std::get<double>(lh.at(0).data), high = std::get<double>(lh.at(1).data);
        std::printf("seed %d: airtime %.3f, reported %.3f in [%.3f, %.3f]\n", static_cast<int>(seed), truth, bt[0]->duty_cycle, low, high);
        EXPECT_LE(low, truth) << seed;
        EXPECT_GE(high, truth) << seed;
        EXPECT_LT(high - low, 0.9) << seed;  // a range that says something
    }
}

// A fixed-frequency link with Bluetooth's modulation (nRF24-style: a toy remote, a mouse): Enhanced
// ShockBurst packets at 1 Mb/s, ±160 kHz like BR, ~1900 a second on one channel. No hopper puts more
// than 80/s on a channel, and its packets decode as ESB, never as BR: not Classic.
std::vector<sim::Burst> fixed_link(double duration_s, double power_dbfs, double mhz, std::mt19937_64& rng) {
    const std::vector<std::uint8_t> address = {0xE7, 0xD3, 0xF0, 0x35, 0x77};
    auto packet = std::make_shared<sim::Waveform>(sim::esb_packet(address, 32, 1, rng, 8.0));
    std::vector<sim::Burst> out;
    for (double t = 0.2e-3; t < duration_s; t += 520e-6) out.push_back({t, mhz * 1e6, power_dbfs, packet});
    return out;
}

TEST(Emitters, AFixedFrequencyLinkWithBluetoothsModulationIsNotClassic) {
    std::mt19937_64 rng(11);
    Scene s{{2440e6, 20e6, 1'000'000}, fixed_link(0.05, power_for_snr(25, 1.0), 2443.0, rng), -100.0, 12};
    const auto r = analyze(s);
    EXPECT_TRUE(of_class(r, "bluetooth_classic").empty()) << classes(r) << counters(r);
    const auto link = of_class(r, "proprietary_gfsk");
    ASSERT_EQ(link.size(), 1u) << classes(r) << counters(r);
    EXPECT_NEAR(link[0]->center_mhz, 2443.0, 0.1);
    const auto* rate = field(*link[0], "packets_per_s");
    ASSERT_NE(rate, nullptr);
    EXPECT_NEAR(std::get<double>(rate->data), 1.0 / 520e-6, 300.0);
    EXPECT_GT(link[0]->duty_cycle, 0.5);  // 366 µs of every 520
    // the recommendation names it and what to do
    EXPECT_NE(link[0]->summary.find("mouse, keyboard"), std::string::npos) << link[0]->summary;
}

// With --bursts, each burst of that link whose ESB packet decodes is listed as the proprietary link
// it proves, not as the Classic detector's class (the detector that takes such bursts).
TEST(Emitters, BurstsProvenByEsbAreListedAsTheProprietaryLink) {
    std::mt19937_64 rng(11);
    Scene s{{2440e6, 20e6, 1'000'000}, fixed_link(0.05, power_for_snr(25, 1.0), 2443.0, rng), -100.0, 12};
    auto config = test_analysis_config();
    config.keep_bursts = true;
    const auto r = analyze_in_memory(render(s), SegmentInfo{s.view.center_hz, s.view.sample_rate_hz, 0.0, std::nullopt, std::nullopt}, config);
    ASSERT_TRUE(r.bursts);
    std::size_t listed_as_link = 0;
    for (const auto& b : *r.bursts) {
        EXPECT_NE(b.emitter_class, EmitterClass::bluetooth_classic) << b.start_s << " s at " << b.center_mhz << " MHz";
        if (b.emitter_class == EmitterClass::proprietary_gfsk) ++listed_as_link;
    }
    EXPECT_GT(listed_as_link, s.bursts.size() / 2) << counters(r);
}

// A weak piconet in a short capture of a wide view: two packets only, on two channels, too few to show
// hopping. Each carries its piconet's access code (the LAP, checked against the sync word's BCH code),
// and that is proof enough: one piconet seen twice, or two piconets seen once each.
TEST(Emitters, TwoPacketsThatNameTheirPiconetsAreClassic) {
    for (const bool same_piconet : {true, false}) {
        std::mt19937_64 rng(15);
        const sim::BtBrAddress first{0x9E8B33, 0x21}, second{0x4C1D27, 0x5A};
        std::vector<sim::Burst> packets{
            {2e-3, 2443e6, power_for_snr(20, 1.0), std::make_shared<sim::Waveform>(sim::bt_br_packet(sim::BtPacket::dh1, 27, first, rng))},
            {30e-3, 2431e6, power_for_snr(20, 1.0),
             std::make_shared<sim::Waveform>(sim::bt_br_packet(sim::BtPacket::dh3, 100, same_piconet ? first : second, rng))}};
        Scene s{{2437e6, 20e6, 1'000'000}, packets, -100.0, 16};
        const auto r = analyze(s);
        SCOPED_TRACE(same_piconet);
        EXPECT_EQ(r.stats.counters.at("decode.bluetooth_br.checksum_ok"), 2u) << counters(r);
        const auto classic = of_class(r, "bluetooth_classic");
        ASSERT_EQ(classic.size(), 1u) << classes(r) << counters(r);
        EXPECT_EQ(classic[0]->evidence.basis, report::EvidenceBasis::decoded);
        EXPECT_EQ(classic[0]->identities.size(), same_piconet ? 1u : 2u);
        EXPECT_EQ(classic[0]->bursts, 2u);
    }
}

// One packet through a narrow view (2.4 MS/s, an RTL-SDR's): its access code names the piconet, so it
// is Classic, with the evidence saying so. The same packet whose access code does not decode — a
// 1 MHz GFSK burst of Classic's modulation carrying random bits — is too little for any class.
TEST(Emitters, OnePacketWhoseAccessCodeNamesItsPiconetIsClassic) {
    for (const bool with_access_code : {true, false}) {
        std::mt19937_64 rng(17);
        const sim::BtBrAddress piconet{0x3A77C1, 0x42};
        auto waveform = sim::bt_br_packet(sim::BtPacket::dh1, 27, piconet, rng, 8);
        if (!with_access_code) {
            std::vector<std::uint8_t> bits(waveform.samples.size() / 8);
            for (auto& b : bits) b = static_cast<std::uint8_t>(rng() & 1u);
            waveform = sim::gfsk_modulate(bits, 1e6, 0.5, 0.32, 8);
        }
        std::vector<sim::Burst> packets{{4e-3, 2441e6, power_for_snr(20, 1.0), std::make_shared<sim::Waveform>(std::move(waveform))}};
        Scene s{{2441e6, 2.4e6, 48'000}, packets, -100.0, 18};
        const auto r = analyze(s);
        SCOPED_TRACE(with_access_code);
        const auto classic = of_class(r, "bluetooth_classic");
        if (!with_access_code) {
            EXPECT_TRUE(classic.empty()) << classes(r);
            continue;
        }
        EXPECT_EQ(r.stats.counters.at("decode.bluetooth_br.checksum_ok"), 1u) << counters(r);
        ASSERT_EQ(classic.size(), 1u) << classes(r) << counters(r);
        EXPECT_EQ(classic[0]->evidence.basis, report::EvidenceBasis::decoded);
        ASSERT_EQ(classic[0]->identities.size(), 1u);
        EXPECT_EQ(classic[0]->bursts, 1u);
        EXPECT_NEAR(classic[0]->center_mhz, 2441.0, 0.1);
    }
}

TEST(Emitters, AHopperBesideAFixedLinkStaysClassic) {
    std::mt19937_64 rng(13);
    auto bursts = bt_link(0.1, power_for_snr(20, 1.0), all_bt_channels(), rng);
    const auto link = fixed_link(0.1, power_for_snr(25, 1.0), 2460.0, rng);
    bursts.insert(bursts.end(), link.begin(), link.end());
    Scene s{{2442e6, 100e6, 10'000'000}, bursts, -100.0, 14};
    const auto r = analyze(s);
    const auto bt = of_class(r, "bluetooth_classic");
    ASSERT_EQ(bt.size(), 1u) << classes(r) << counters(r);
    const auto fixed = of_class(r, "proprietary_gfsk");
    ASSERT_EQ(fixed.size(), 1u) << classes(r) << counters(r);
    EXPECT_NEAR(fixed[0]->center_mhz, 2460.0, 0.1);
    // the hopper keeps its own packets, the link's are not counted as hops
    EXPECT_LT(bt[0]->bursts, 400u);
    EXPECT_GT(fixed[0]->bursts, 150u);
}

TEST(Emitters, AfhMapIsInferredFromAvoidedChannels) {
    std::mt19937_64 rng(3);
    std::vector<int> kept;
    for (int k = 27; k < 79; ++k) kept.push_back(k);  // avoids 2402–2428 MHz (Wi-Fi channel 1 and its noise)
    Scene s{{2442e6, 100e6, 40'000'000}, bt_link(0.4, power_for_snr(20, 1.0), kept, rng, 1.0), -100.0, 4};
    const auto r = analyze(s);
    const auto bt = of_class(r, "bluetooth_classic");
    ASSERT_EQ(bt.size(), 1u) << classes(r);
    const auto* avoided = field(*bt[0], "afh_avoided_channels");
    ASSERT_NE(avoided, nullptr);
    const auto& list = std::get<report::Value::Array>(avoided->data);
    EXPECT_GE(list.size(), 20u) << bt[0]->summary;
    for (const auto& v : list) EXPECT_LT(std::get<double>(v.data), 27.0);
}

TEST(Emitters, BleAdvertisingOnThreeChannels) {
    std::mt19937_64 rng(5);
    std::vector<sim::Burst> bursts;
    std::uniform_real_distribution<double> delay(0.0, 0.010);
    for (double t = 0.002; t < 0.19; t += 0.030 + delay(rng)) {  // advInterval 30 ms + advDelay
        for (int i = 0; i < 3; ++i) {
            auto p = std::make_shared<sim::Waveform>(sim::ble_packet(20, sim::BlePhy::le1m, 37 + i, rng));
            bursts.push_back({t + i * 0.0005, ble_adv_channel_mhz[i] * 1e6, power_for_snr(20, 1.0), p});
        }
    }
    Scene s{{2442e6, 100e6, 20'000'000}, bursts, -100.0, 6};
    const auto r = analyze(s);
    const auto ble = of_class(r, "ble");
    ASSERT_EQ(ble.size(), 1u) << classes(r) << counters(r);
    EXPECT_EQ(r.emitters.size(), 1u) << classes(r) << counters(r);
    EXPECT_GE(ble[0]->bursts, bursts.size() * 9 / 10) << counters(r);
    const auto& active = std::get<report::Value::Array>(field(*ble[0], "adv_channels_active")->data);
    EXPECT_EQ(active.size(), 3u);
    const auto* interval = field(*ble[0], "adv_interval_ms");
    ASSERT_TRUE(std::holds_alternative<double>(interval->data));
    EXPECT_NEAR(std::get<double>(interval->data), 35.0, 6.0);
}

// A BLE connection's CRC init is not on the air: its packets' CRCs, run backwards, give it once two
// agree. The first packet the analyzer sees is held unjudged until the packet that confirms the init
// (the peripheral's answer 150 µs later) checks it too: every packet of the connection is proven.
// A receiver's IQ image repeats a packet at the mirror frequency, 25–40 dB under it. A 10 MS/s view at
// 2423 MHz holds BLE-PHY packets at 2425 MHz (as the nRF recordings' radios send them) at +2 MHz and
// their image at −2 MHz: the two light both 3 MHz sub-bands of Wi-Fi channel 2's visible part
// (2419–2424 MHz), which once passed for that channel seen in part, and its claim cut every packet into
// fragments too short to judge.
TEST(Emitters, BlePacketsAndTheirIqImageAreNotWifiSeenInPart) {
    std::mt19937_64 rng(23);
    std::vector<sim::Burst> bursts;
    for (double t = 0.0005; t < 0.018; t += 0.003)  // 1.1 ms packets (130 octets), 3 ms apart
        bursts.push_back({t, 2425e6, power_for_snr(45, 1.0), std::make_shared<sim::Waveform>(sim::ble_packet(130, sim::BlePhy::le1m, 38, rng))});
    Scene s{{2423e6, 10e6, 200'000}, bursts, -100.0, 24};
    auto x = render(s);
    const cf32 image_gain = std::polar(0.0316f, 0.5f);  // −30 dB
    for (auto& v : x) v += image_gain * std::conj(v);
    const auto r = analyze(x, s.view.center_hz, s.view.sample_rate_hz);
    const auto ble = of_class(r, "ble");
    ASSERT_FALSE(ble.empty()) << classes(r) << counters(r);
    EXPECT_GE(ble[0]->bursts, bursts.size() - 1) << classes(r) << counters(r);
    EXPECT_TRUE(of_class(r, "wifi_ofdm").empty()) << classes(r);
    // The image (in step with each packet, 30 dB under it) is the receiver's: no transmitter of the
    // BLE entry (whose centre stays on the packets), no unknown pieces, every packet whole.
    EXPECT_NEAR(ble[0]->center_mhz, 2425.0, 0.1) << classes(r);
    EXPECT_EQ(r.emitters.size(), 1u) << classes(r) << counters(r);
    EXPECT_EQ(ble[0]->bursts, bursts.size()) << classes(r) << counters(r);
    EXPECT_GE(r.stats.counters.at("bursts.receiver_iq_image"), bursts.size() - 1) << counters(r);
}

// A 40 MS/s receiver tuned 5 MHz under channel 6 keeps its LO leak (DC, −30 dBFS, 18 dB over the
// Wi-Fi) inside the channel. In 1.6 ms of back-to-back PPDUs (SIFS gaps) the floor comes from the
// short probe frames, whose 312 kHz bins are too wide for the DC guard: its DC cell once read the leak
// as floor, the PPDUs split at that cell and the Wi-Fi was lost (4 `unknown` pieces). The floor there
// is now its neighbours'.
TEST(Emitters, WifiWithTheReceiversDcInsideTheChannelKeepsItsLevel) {
    std::mt19937_64 rng(41);
    std::vector<sim::Burst> bursts;
    auto ppdu = std::make_shared<sim::Waveform>(sim::wifi_ofdm_ppdu(1000, sim::WifiRate::mbps12, rng));
    const double gap = 16e-6 + sim::wifi_ofdm_ppdu_duration_s(1000, sim::WifiRate::mbps12);
    for (double t = -200e-6; t < 0.0016; t += gap) bursts.push_back({t, 2437e6 + 23e3, power_for_snr(40, 16.6), ppdu});
    Scene s{{2432e6, 40e6, 64'000}, bursts, -100.0, 41};
    const auto clean = analyze(render(s), s.view.center_hz, s.view.sample_rate_hz);
    auto x = render(s);
    const cf32 dc = std::polar(0.0316f, 0.7f);  // −30 dBFS
    for (auto& v : x) v += dc;
    const auto r = analyze(x, s.view.center_hz, s.view.sample_rate_hz);
    const auto before = of_class(clean, "wifi_ofdm");
    const auto w = of_class(r, "wifi_ofdm");
    ASSERT_EQ(before.size(), 1u) << classes(clean);
    ASSERT_EQ(w.size(), 1u) << classes(r) << counters(r);
    EXPECT_EQ(w[0]->center_mhz, 2437.0);
    EXPECT_NEAR(w[0]->above_floor_db, before[0]->above_floor_db, 3.0) << classes(r) << " before: " << classes(clean);
    EXPECT_EQ(r.emitters.size(), 1u) << classes(r);
}

TEST(Emitters, BleConnectionsFirstPacketIsCheckedByTheInitItsSuccessorsConfirm) {
    std::mt19937_64 rng(17);
    sim::BleIdentity link;
    link.access_address = 0x50654C8Du;
    link.crc_init = 0x3A91C7u;
    std::vector<sim::Burst> bursts;
    // data channels 16..20 (2438–2446 MHz), one connection event each 7.5 ms: a 40-octet PDU, 150 µs, an empty answer
    const double rate = 20e6;
    std::size_t packets = 0;
    for (int k = 0; k < 5; ++k) {
        const int ch = 16 + k;
        const double rf = (2406.0 + 2.0 * ch) * 1e6;  // data channels 11..36: 2428 + 2 (k - 11) MHz
        const double t = 0.002 + 0.0075 * k;
        auto central = std::make_shared<sim::Waveform>(sim::ble_packet(40, sim::BlePhy::le1m, ch, link, rng, rate / 1e6));
        auto answer = std::make_shared<sim::Waveform>(sim::ble_packet(0, sim::BlePhy::le1m, ch, link, rng, rate / 1e6));
        bursts.push_back({t, rf, power_for_snr(22, 1.0), central, 2e-6});
        bursts.push_back({t + sim::ble_packet_duration_s(40, sim::BlePhy::le1m) + 150e-6, rf, power_for_snr(20, 1.0), answer, 2e-6});
        packets += 2;
    }
    Scene s{{2442e6, rate, 900'000}, bursts, -100.0, 18};
    const auto r = analyze(s);
    const auto ble = of_class(r, "ble");
    ASSERT_EQ(ble.size(), 1u) << classes(r) << counters(r);
    ASSERT_TRUE(ble[0]->evidence.decode.has_value());
    const auto& d = *ble[0]->evidence.decode;
    std::string decode_counters;
    for (const auto& [k, v] : r.stats.counters)
        if (k.rfind("decode.", 0) == 0) decode_counters += k + "=" + std::to_string(v) + " ";
    EXPECT_EQ(d.checksum_ok, packets) << "bursts " << d.bursts << ", decoded " << d.decoded << "; " << decode_counters;
    EXPECT_EQ(r.stats.counters.at("decode.link_packets_checked_later"), 1u);
}

TEST(Emitters, DectLikePhoneOnTheBleGridIsNotBle) {
    // GFSK with BLE's modulation index (0.5) but a 1.152 Msym/s clock, every hop landing on a BLE
    // data channel (2404 + 2k MHz): only the symbol clock tells it from BLE.
    std::mt19937_64 rng(12);
    std::vector<sim::Burst> bursts;
    for (int i = 0; i < 16; ++i) {
        auto p = std::make_shared<sim::Waveform>(sim::fhss_phone_burst(420, rng, 8.0));
        bursts.push_back({0.004 + 0.010 * i, (2434.0 + 2.0 * (i % 8)) * 1e6, power_for_snr(25, 1.2), p});
    }
    Scene s{{2442e6, 20e6, 3'600'000}, bursts, -100.0, 13};
    const auto r = analyze(s);
    EXPECT_TRUE(of_class(r, "ble").empty()) << classes(r) << counters(r);
    const auto unknown = of_class(r, "unknown");
    ASSERT_FALSE(unknown.empty()) << classes(r) << counters(r);
    const auto* rate = field(*unknown[0], "symbol_rate_hz");
    ASSERT_NE(rate, nullptr) << unknown[0]->summary;
    EXPECT_EQ(std::get<double>(rate->data), 1.152e6);
}

TEST(Emitters, ZigbeeOnChannel20) {
    std::mt19937_64 rng(7);
    std::vector<sim::Burst> bursts;
    for (double t = 0.002; t < 0.09; t += 0.008) {
        auto p = std::make_shared<sim::Waveform>(sim::zigbee_packet(60, rng));
        bursts.push_back({t, 2450e6, power_for_snr(20, 2.0), p});
    }
    Scene s{{2442e6, 100e6, 10'000'000}, bursts, -100.0, 8};
    const auto r = analyze(s);
    const auto z = of_class(r, "zigbee");
    ASSERT_EQ(z.size(), 1u) << classes(r) << counters(r);
    EXPECT_EQ(r.emitters.size(), 1u) << classes(r) << counters(r);
    EXPECT_EQ(std::get<double>(field(*z[0], "channel")->data), 20.0);
    EXPECT_GE(z[0]->bursts, bursts.size() - 1);
}

TEST(Emitters, OfdmAndDsssAreToldApart) {
    std::mt19937_64 rng(9);
    std::vector<sim::Burst> bursts;
    auto ofdm = std::make_shared<sim::Waveform>(sim::wifi_ofdm_ppdu(1500, sim::WifiRate::mbps24, rng));
    auto dsss = std::make_shared<sim::Waveform>(sim::wifi_dsss_ppdu(60, rng));
    for (double t = 0.001; t < 0.09; t += 0.004) bursts.push_back({t, 2412e6, power_for_snr(20, 16.6), ofdm});
    for (double t = 0.002; t < 0.09; t += 0.006) bursts.push_back({t, 2462e6, power_for_snr(20, 16.6), dsss});
    Scene s{{2442e6, 100e6, 10'000'000}, bursts, -100.0, 10};
    const auto r = analyze(s);
    const auto o = of_class(r, "wifi_ofdm");
    const auto d = of_class(r, "wifi_dsss");
    ASSERT_EQ(o.size(), 1u) << classes(r);
    ASSERT_EQ(d.size(), 1u) << classes(r);
    EXPECT_EQ(o[0]->center_mhz, 2412.0);
    EXPECT_EQ(d[0]->center_mhz, 2462.0);
    EXPECT_EQ(r.emitters.size(), 2u) << classes(r);
}

// Once channel 6 has carried only OFDM, its OFDM-shaped transmissions are no longer judged by their
// samples; 802.11b frames arriving later on the same channel must still each be found as DSSS.
TEST(Emitters, DsssJoiningAChannelSettledOnOfdmIsStillCounted) {
    std::mt19937_64 rng(12);
    std::vector<sim::Burst> bursts;
    auto ofdm = std::make_shared<sim::Waveform>(sim::wifi_ofdm_ppdu(500, sim::WifiRate::mbps24, rng));
    auto dsss = std::make_shared<sim::Waveform>(sim::wifi_dsss_ppdu(40, rng));
    const double power = power_for_snr(25, 16.6);
    std::size_t ofdm_frames = 0, dsss_frames = 0;
    for (double t = 0.001; t < 0.04; t += 0.0015, ++ofdm_frames) bursts.push_back({t, 2437e6, power, ofdm});
    for (double t = 0.04; t < 0.095; t += 0.003) {
        bursts.push_back({t, 2437e6, power, ofdm});
        bursts.push_back({t + 0.0012, 2437e6, power, dsss});
        ++ofdm_frames;
        ++dsss_frames;
    }
    Scene s{{2437e6, 100e6, 20'000'000}, bursts, -100.0, 12};
    const auto r = analyze(s);
    const auto o = of_class(r, "wifi_ofdm");
    const auto d = of_class(r, "wifi_dsss");
    ASSERT_EQ(o.size(), 1u) << classes(r);
    ASSERT_EQ(d.size(), 1u) << classes(r);
    EXPECT_EQ(d[0]->bursts, dsss_frames) << classes(r);
    EXPECT_EQ(o[0]->bursts, ofdm_frames) << classes(r);
    // the shortcut was taken while the channel carried OFDM alone (26 frames, 8 of them judged to settle it)
    EXPECT_GE(r.stats.counters.at("wifi.kind_by_spectrum"), 10u);
}

}  // namespace
}  // namespace coex
