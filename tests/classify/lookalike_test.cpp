// Look-alikes from the simulator's generators (coex/sim/lookalike.hpp, esb.hpp): emitters that share a
// PHY or a shape with a class coex knows without being it. None may become a known class: LTE-numerology
// OFDM is ofdm_not_wifi and feeds no Wi-Fi occupancy; a toy remote's and a 2 Mb/s mouse's fixed links
// are proprietary links, never Classic or BLE; an FM video sender is none of the packet classes.
#include "classify_helpers.hpp"

#include "coex/sim/bluetooth.hpp"
#include "coex/sim/esb.hpp"
#include "coex/sim/wifi.hpp"
#include "coex/sim/lookalike.hpp"
#include "coex/sim/scenario.hpp"
#include "coex/sim/synth.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace coex {
namespace {

using namespace testing;

// The classes a look-alike must never be reported as.
void expect_no_known_packet_class(const report::Report& r) {
    for (const char* c : {"wifi_ofdm", "wifi_dsss", "bluetooth_classic", "ble", "zigbee"})
        EXPECT_TRUE(of_class(r, c).empty()) << c << ": " << classes(r) << counters(r);
}

void expect_no_wifi_occupancy(const report::Report& r) {
    for (const auto& c : r.wifi) EXPECT_LE(c.occupancy, 0.0) << "channel " << c.channel;
}

// A drone's downlink: LTE-numerology OFDM frames of frame_s, the first on_s of each sent.
std::vector<sim::Burst> drone_link(int channel_mhz, double center_mhz, double duration_s, double frame_s, double on_s, double power_dbfs,
                                   std::mt19937_64& rng) {
    const auto num = sim::lte_numerology(channel_mhz);
    std::vector<sim::Burst> out;
    for (double t = -0.5e-3; t < duration_s; t += frame_s)
        out.push_back({t, center_mhz * 1e6, power_dbfs, std::make_shared<sim::Waveform>(sim::lte_ofdm(num, on_s, 2, rng)), 2e-6});
    return out;
}

TEST(LookAlikes, ContinuousDroneLinkIsOfdmNotWifi) {
    std::mt19937_64 rng(31);
    // 10 MHz (9 MHz used) at DroneID-style 2434.5 MHz, on all the time, 20 dB over the floor
    Scene s{{2437e6, 20e6, 1'000'000}, drone_link(10, 2434.5, 0.05, 0.01, 0.01, power_for_snr(20, 9.0), rng), -100.0, 32};
    const auto r = analyze(s);
    const auto link = of_class(r, "ofdm_not_wifi");
    ASSERT_EQ(link.size(), 1u) << classes(r) << counters(r);
    EXPECT_EQ(link[0]->evidence.basis, report::EvidenceBasis::behaviour) << link[0]->evidence.detail;
    EXPECT_NEAR(link[0]->low_mhz, 2430.0, 1.5);
    EXPECT_NEAR(link[0]->high_mhz, 2439.0, 1.5);
    EXPECT_GT(link[0]->duty_cycle, 0.9);
    expect_no_known_packet_class(r);
    expect_no_wifi_occupancy(r);
}

TEST(LookAlikes, BurstyDroneLinkOnAWifiChannelFeedsNoWifiOccupancy) {
    std::mt19937_64 rng(33);
    // 20 MHz (18 MHz used) centred on channel 6 itself, 3 ms of every 5: Wi-Fi's width and place
    Scene s{{2437e6, 40e6, 2'000'000}, drone_link(20, 2437.0, 0.05, 5e-3, 3e-3, power_for_snr(20, 18.0), rng), -100.0, 34};
    const auto r = analyze(s);
    const auto link = of_class(r, "ofdm_not_wifi");
    ASSERT_EQ(link.size(), 1u) << classes(r) << counters(r);
    EXPECT_EQ(link[0]->evidence.basis, report::EvidenceBasis::behaviour) << link[0]->evidence.detail;
    EXPECT_NEAR(link[0]->center_mhz, 2437.0, 1.5);
    EXPECT_NEAR(link[0]->duty_cycle, 0.6, 0.2);
    expect_no_known_packet_class(r);
    expect_no_wifi_occupancy(r);
}

TEST(LookAlikes, ToyRemoteFskIsAFixedLinkNotClassic) {
    std::mt19937_64 rng(35);
    std::vector<sim::Burst> packets;
    for (double t = 0.2e-3; t < 0.1; t += 5e-3)
        packets.push_back({t, 2441e6, power_for_snr(20, 1.0), std::make_shared<sim::Waveform>(sim::toy_fsk_packet(0x5A3C96E1u, 10, 160e3, rng)),
                           1e-6});
    Scene s{{2437e6, 20e6, 2'000'000}, packets, -100.0, 36};
    const auto r = analyze(s);
    expect_no_known_packet_class(r);
    const auto link = of_class(r, "proprietary_gfsk");
    ASSERT_EQ(link.size(), 1u) << classes(r) << counters(r);
    EXPECT_NEAR(link[0]->center_mhz, 2441.0, 0.2);
    EXPECT_EQ(link[0]->evidence.basis, report::EvidenceBasis::behaviour);
}

TEST(LookAlikes, TwoMegabitMouseIsNotBle) {
    std::mt19937_64 rng(37);
    const std::vector<std::uint8_t> address = {0x4B, 0x21, 0x9E, 0x07, 0xC3};
    std::vector<sim::Burst> packets;
    for (double t = 0.2e-3; t < 0.1; t += 1e-3)
        packets.push_back({t, 2445e6, power_for_snr(20, 2.0), std::make_shared<sim::Waveform>(sim::esb_packet(address, 8, 0, rng, 4.0, 2e6)),
                           0.5e-6});
    Scene s{{2442e6, 20e6, 2'000'000}, packets, -100.0, 38};
    const auto r = analyze(s);
    expect_no_known_packet_class(r);
    EXPECT_FALSE(of_class(r, "proprietary_gfsk").empty()) << classes(r) << counters(r);
}

TEST(LookAlikes, FmVideoSenderIsNoPacketClassAndNoOfdm) {
    std::mt19937_64 rng(39);
    std::vector<sim::Burst> pieces;
    for (double t = -1e-3; t < 0.03; t += 0.01)
        pieces.push_back({t, 2437e6, power_for_snr(20, 18.0), std::make_shared<sim::Waveform>(sim::fm_video(0.01, 4e6, rng))});
    Scene s{{2437e6, 40e6, 1'200'000}, pieces, -100.0, 40};
    const auto r = analyze(s);
    expect_no_known_packet_class(r);
    EXPECT_TRUE(of_class(r, "ofdm_not_wifi").empty()) << classes(r) << counters(r);
    expect_no_wifi_occupancy(r);
}

std::uint64_t counter(const report::Report& r, const std::string& key) {
    const auto it = r.stats.counters.find(key);
    return it == r.stats.counters.end() ? 0 : it->second;
}

// A 2 Mb/s mouse's 68 µs packets 3 MHz from a speaker's DH5, at the same level: the burst tracker
// joins them (no 6 dB valley between them in the 1 MHz cells), yet each packet is decoded, the mouse's
// from the joined burst's second peak, and the speaker's as before. (Both lie in the middle of the
// view: nearer its edges a Wi-Fi channel seen in part would claim the pair's cells, see accuracy.md.)
TEST(LookAlikes, MousePacketsInsideASpeakersDh5AreDecodedApart) {
    std::mt19937_64 rng(41);
    const std::vector<std::uint8_t> address = {0x4B, 0x21, 0x9E, 0x07, 0xC3};
    std::vector<sim::Burst> bursts;
    int mouse = 0, speaker = 0;
    for (double t = 0.3e-3; t < 0.098; t += 1e-3, ++mouse)
        bursts.push_back({t, 2436e6, power_for_snr(20, 2.0), std::make_shared<sim::Waveform>(sim::esb_packet(address, 8, mouse % 4, rng, 4.0, 2e6)),
                          0.5e-6});
    for (double t = 0.1e-3; t + 3e-3 < 0.1; t += 6.25e-3, ++speaker)
        bursts.push_back({t, 2439e6, power_for_snr(22, 1.0), std::make_shared<sim::Waveform>(sim::bt_br_packet(sim::BtPacket::dh5, rng)), 1e-6});
    Scene s{{2437e6, 20e6, 2'000'000}, bursts, -100.0, 42};
    const auto r = analyze(s);
    // about half the mouse's packets lie inside a DH5 (2.87 ms of every 6.25)
    EXPECT_GE(counter(r, "decode.bursts_beside_proven"), static_cast<std::uint64_t>(mouse / 3)) << counters(r);
    EXPECT_GE(counter(r, "decode.esb.checksum_ok"), static_cast<std::uint64_t>(mouse - 2)) << mouse << " mouse packets; " << counters(r);
    EXPECT_GE(counter(r, "decode.bluetooth_br.checksum_ok"), static_cast<std::uint64_t>(speaker - 1)) << speaker << " DH5s; " << counters(r);
    EXPECT_FALSE(of_class(r, "proprietary_gfsk").empty()) << classes(r);
    EXPECT_TRUE(of_class(r, "ble").empty()) << classes(r);
}

// Bluetooth DH1s 11 MHz below channel 11's centre (2 MHz outside the 16.6 MHz its PPDUs occupy), on
// the air while the PPDUs are, at the same level per MHz: the Wi-Fi claim leaves their cells (its mask
// allows −20 dBr there) and the channel's frames stay on beside them, so every DH1 is decoded and the
// channel's occupancy is its PPDUs' airtime.
TEST(LookAlikes, BluetoothBesideAWifiChannelIsNotHiddenByItsClaim) {
    std::mt19937_64 rng(43);
    std::vector<sim::Burst> bursts;
    const auto ppdu = std::make_shared<sim::Waveform>(sim::wifi_ofdm_ppdu(1500, sim::WifiRate::mbps6, rng));
    const double ppdu_s = sim::wifi_ofdm_ppdu_duration_s(1500, sim::WifiRate::mbps6);
    int dh1s = 0, ppdus = 0;
    for (double t = 0.2e-3; t + ppdu_s < 0.05; t += 2.5e-3, ++ppdus) {
        bursts.push_back({t, 2462e6, power_for_snr(20, 16.6), ppdu, 2e-6});
        bursts.push_back({t + 0.4e-3, 2451e6, power_for_snr(20, 1.0), std::make_shared<sim::Waveform>(sim::bt_br_packet(sim::BtPacket::dh1, rng)), 1e-6});
        ++dh1s;
    }
    Scene s{{2457e6, 40e6, 2'000'000}, bursts, -100.0, 44};
    const auto r = analyze(s);
    EXPECT_GE(counter(r, "decode.bluetooth_br.checksum_ok"), static_cast<std::uint64_t>(dh1s - 1)) << dh1s << " DH1s; " << counters(r);
    bool seen = false;
    for (const auto& c : r.wifi)
        if (c.channel == 11) {
            seen = true;
            EXPECT_NEAR(c.occupancy, static_cast<double>(ppdus) * ppdu_s / 0.05, 0.02);
        }
    EXPECT_TRUE(seen);
}

// Undecodable GFSK packets (random bits: a PHY's modulation without any protocol's framing), one per
// 10 ms, cycling through the given frequencies; 300 µs each, 20 dB over the floor in 2 MHz.
std::vector<sim::Burst> random_gfsk_packets(const std::vector<double>& mhz, std::size_t count, double symbol_rate_hz, double mod_index,
                                            std::mt19937_64& rng) {
    std::vector<sim::Burst> out;
    for (std::size_t i = 0; i < count; ++i) {
        std::vector<std::uint8_t> bits(static_cast<std::size_t>(300e-6 * symbol_rate_hz));
        for (auto& b : bits) b = static_cast<std::uint8_t>(rng() & 1u);
        out.push_back({2e-3 + 10e-3 * static_cast<double>(i), mhz[i % mhz.size()] * 1e6, power_for_snr(20, 2.0),
                       std::make_shared<sim::Waveform>(sim::gfsk_modulate(bits, symbol_rate_hz, 0.5, mod_index, 8.0)), 1e-6});
    }
    return out;
}


// BLE's behaviour is advertising on 37/38/39 or a connection hopping over its data channels; a packet
// whose CRC holds needs neither. Undecoded packets that stay on one data channel of a wide view have
// neither, and their shape is BLE's only with its 1 Msym/s clock: without it, not BLE.
TEST(LookAlikes, BleDeviationWithoutItsClockOnOneFrequencyIsNotBle) {
    // 2 Msym/s: ±350 kHz reads as BLE 1M's ±250 kHz through the Gaussian filter; ±500 kHz is BLE 2M's
    for (const double mod_index : {0.35, 0.5}) {
        std::mt19937_64 rng(41);
        Scene s{{2437e6, 20e6, 1'200'000}, random_gfsk_packets({2440.0}, 5, 2e6, mod_index, rng), -100.0, 42};
        const auto r = analyze(s);
        SCOPED_TRACE(mod_index);
        expect_no_known_packet_class(r);
        EXPECT_GE(counter(r, "ble.packets_without_behaviour"), 4u) << classes(r) << counters(r);
    }
}

TEST(LookAlikes, RawBlePhyOnOneFrequencyIsBleByItsClock) {
    // an nRF-style radio using the BLE 1M PHY with its own access address (nothing decodes as BLE)
    std::mt19937_64 rng(43);
    Scene s{{2437e6, 20e6, 1'200'000}, random_gfsk_packets({2440.0}, 5, 1e6, 0.5, rng), -100.0, 44};
    const auto r = analyze(s);
    const auto ble = of_class(r, "ble");
    ASSERT_EQ(ble.size(), 1u) << classes(r) << counters(r);
    EXPECT_EQ(ble[0]->evidence.basis, report::EvidenceBasis::shape);
    EXPECT_NE(ble[0]->evidence.detail.find("1 Msym/s clock"), std::string::npos) << ble[0]->evidence.detail;
    EXPECT_LE(ble[0]->confidence, 0.8);
    EXPECT_EQ(counter(r, "ble.packets_without_behaviour"), 0u);
}

TEST(LookAlikes, UndecodedBle2mHoppingOverDataChannelsIsBle) {
    // the 2M PHY shows no clock the channelizer can measure; its hopping over data channels is its behaviour
    std::mt19937_64 rng(45);
    Scene s{{2437e6, 20e6, 1'200'000}, random_gfsk_packets({2432.0, 2440.0, 2436.0, 2444.0}, 8, 2e6, 0.5, rng), -100.0, 46};
    const auto r = analyze(s);
    const auto ble = of_class(r, "ble");
    ASSERT_EQ(ble.size(), 1u) << classes(r) << counters(r);
    EXPECT_NE(ble[0]->evidence.detail.find("hopping over data channels"), std::string::npos) << ble[0]->evidence.detail;
    EXPECT_EQ(counter(r, "ble.packets_without_behaviour"), 0u);
}


// A corpus scene synthesised behind a receiver model, as `coex eval --receiver-model` does, and analysed.
TEST(LookAlikes, AGainStepDuringAnOvensOnPeriodIsNoWifi) {
    // A 60 Hz oven at 2458 MHz behind the pluto model (AGC 3 dB steps): one step lands 0.5 ms before an
    // on-period ends, where the oven's half of the view does not move with the gain. Missed, the floor
    // read 3 dB high for the rest of the capture and idle channel 9 showed 50 % "Wi-Fi". The sub-bands
    // the oven held are left out of the vote; the quiet ones carry the step.
    const auto r = corpus_scene_behind("microwave-60hz", "pluto");
    EXPECT_EQ(of_class(r, "microwave_oven").size(), 1u) << classes(r);
    expect_no_known_packet_class(r);
    expect_no_wifi_occupancy(r);
}

TEST(LookAlikes, ADectLikePhoneBehindAHackrfIsOneEmitterByItsClock) {
    // Four calls of the 30 dB ladder's phone behind the hackrf model: each shows the 1.152 Msym/s
    // clock, but they read 1.1–1.7 MHz wide, 370–410 µs long and 270–305 kHz deviation, across the
    // shape groups' edges. Grouped by their clock they are one emitter; by shape they were four
    // groups of one, and nothing was reported.
    const auto r = corpus_scene_behind("ladder-unknown-30db", "hackrf");
    ASSERT_EQ(r.emitters.size(), 1u) << classes(r) << counters(r);
    EXPECT_EQ(r.emitters[0].emitter_class, EmitterClass::unknown);
    EXPECT_GE(r.emitters[0].bursts, 4u);
    EXPECT_NE(r.emitters[0].summary.find("DECT"), std::string::npos) << r.emitters[0].summary;
}

TEST(LookAlikes, AContinuousDroneLinkFadedByMultipathIsStillFound) {
    // The 10 MHz drone link on all the time raises its cells' floor; behind the usrp model (and any
    // model: 50 ns of multipath) its top is 9–10 dB uneven, over the 6 dB the block test allowed. Its
    // LTE cyclic prefix names it.
    for (const char* model : {"usrp", "hackrf"}) {
        const auto r = corpus_scene_behind("lookalike-drone-10mhz", model);
        const auto links = of_class(r, "ofdm_not_wifi");
        ASSERT_EQ(links.size(), 1u) << model << ": " << classes(r) << counters(r);
        EXPECT_NEAR(links[0]->center_mhz, 2434.5, 1.5) << model;
        expect_no_known_packet_class(r);
        expect_no_wifi_occupancy(r);
    }
}

TEST(LookAlikes, PiecesOfADroneLinkDimmedOnOneSideAreTheLinks) {
    // The 20 MHz link at 2459.5 MHz in a 100 MS/s view behind the usrp model: multipath and the
    // passband's slope dim its lower side, so the bursts that showed its prefix span 2455–2468 MHz;
    // shorter pieces reaching down to 2450.5 MHz end at the same upper edge. They are the link's,
    // not `unknown` (three such entries before).
    const auto r = corpus_scene_behind("lookalike-drone-20mhz-wideband", "usrp");
    EXPECT_EQ(of_class(r, "ofdm_not_wifi").size(), 1u) << classes(r);
    EXPECT_TRUE(of_class(r, "unknown").empty()) << classes(r);
    EXPECT_GE(counter(r, "emitters.pieces_folded_into.ofdm_not_wifi"), 2u) << counters(r);
    // Nor a microwave oven: three of its wide, sweeping-looking pieces started in step with 60 Hz by
    // chance (the link's frames are 5 ms apart), with no folded rhythm of a carrier behind them.
    EXPECT_TRUE(of_class(r, "microwave_oven").empty()) << classes(r);
}

TEST(LookAlikes, ADroneLinkHandedOverByTwoChannelsIsOneEntry) {
    // The 20 MHz link at 2459.5 MHz as written (100 MS/s view): its frames count on the Wi-Fi grid on
    // two channels' tests, each handed over to `ofdm_not_wifi` by its LTE prefix. Every entry handed
    // over that overlaps the link is the link's (since HT40 frames may hold no gap, channel 11 counts
    // some of its frames: two entries were left, the second "on Wi-Fi channel 11's band"). No Wi-Fi
    // occupancy on the channels around it either (channel 5 read 3.4 % from HT40 "frames" before).
    const auto r = corpus_scene_behind("lookalike-drone-20mhz-wideband", "");
    const auto links = of_class(r, "ofdm_not_wifi");
    ASSERT_EQ(links.size(), 1u) << classes(r);
    EXPECT_NEAR(links[0]->center_mhz, 2459.5, 1.5);
    EXPECT_GE(counter(r, "detector.ofdm_not_wifi.merged_with_wifi_handover"), 2u) << counters(r);
    for (const auto& c : r.wifi) {
        if (c.channel != 6) {
            EXPECT_LE(c.occupancy, 0.005) << "channel " << c.channel;
        }
    }
}

TEST(LookAlikes, AnFmVideoSenderOnAllTheTimeIsOneUnknownEmitter) {
    // The analog AV sender of the corpus scene as written (100 MS/s, 20 dB, on all 50 ms): the burst
    // tracker holds it as one burst for the whole capture, which fits no class. One burst was dropped
    // as stray, and the sender was reported as nothing; held longer than any frame, it is an emitter.
    const auto r = corpus_scene_behind("lookalike-fm-video", "");
    const auto unknown = of_class(r, "unknown");
    ASSERT_EQ(unknown.size(), 1u) << classes(r) << counters(r);
    EXPECT_NEAR(unknown[0]->center_mhz, 2432.0, 2.0);
    EXPECT_GT(unknown[0]->duty_cycle, 0.9);
    expect_no_known_packet_class(r);
    expect_no_wifi_occupancy(r);
}

TEST(LookAlikes, WifiFramesJoinedToAClassicHopOnTheShoulderAreTheChannels) {
    // named-networks as written: a 4.9 ms 802.11n frame on channel 11 while a Classic DH3 hops onto
    // 2452 MHz, the channel's lower shoulder. The hop keeps the frame's cells from the channel's shape
    // test; the tracker's pieces (2451.6-2471 MHz, their centre jittering 4 MHz) looked like a sweeping
    // carrier, and two of them became an `unknown` entry "with no mains rhythm". They lie within the
    // channel's claim (±11.5 MHz) and are its frames: first folded into the channel's entry, now
    // explained frame by frame as bursts joined to its transmissions before the oven sees them.
    const auto r = corpus_scene_behind("named-networks", "");
    EXPECT_TRUE(of_class(r, "unknown").empty()) << classes(r) << counters(r);
    EXPECT_TRUE(of_class(r, "microwave_oven").empty()) << classes(r);
    EXPECT_EQ(of_class(r, "wifi_ofdm").size(), 2u) << classes(r);
    EXPECT_EQ(of_class(r, "bluetooth_classic").size(), 1u) << classes(r);
    EXPECT_GE(counter(r, "emitters.pieces_folded_into.wifi_ofdm") + counter(r, "wifi.bursts_joined_to_transmissions"), 1u) << counters(r);
}

}  // namespace
}  // namespace coex
