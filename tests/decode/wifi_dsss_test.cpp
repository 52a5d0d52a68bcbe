// 802.11b DSSS decoder: PPDUs from the simulator (long and short preamble, 1 and 2 Mb/s, beacons and
// data frames with their FCS) through a receiver's flaws — 20 MS/s, carrier offset, noise at 12 dB
// over 22 MHz, a DC offset, 8-bit quantisation, two-path channels — decoded back; and everything that
// is not 802.11b (noise, CW, OFDM, BLE, BR, 802.15.4, ESB, real OFDM recordings) decoded to nothing
// with a valid checksum.
#include "coex/coding/coding.hpp"
#include "coex/core/error.hpp"
#include "coex/decode/packet.hpp"
#include "coex/sim/bluetooth.hpp"
#include "coex/sim/esb.hpp"
#include "coex/sim/scene.hpp"
#include "coex/sim/wifi.hpp"
#include "coex/sim/wifi_mac.hpp"
#include "coex/sim/zigbee.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace {

namespace cd = coex::decode;
namespace cs = coex::sim;
using coex::cf32;

constexpr double kPi = 3.14159265358979323846;

std::unique_ptr<cd::Decoder> make_decoder() {
    for (const auto& d : cd::decoder_registry())
        if (d.protocol == cd::Protocol::wifi_dsss) return d.make();
    return nullptr;
}

double uniform(std::mt19937_64& rng, double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); }

void append_fcs(std::vector<std::uint8_t>& frame) {
    const std::uint32_t fcs = coex::coding::ieee80211_fcs(frame);
    for (int k = 0; k < 4; ++k) frame.push_back(static_cast<std::uint8_t>(fcs >> (8 * k)));
}

// A data frame (to the DS: addr1 = BSSID, addr2 = transmitter, addr3 = destination) with a random body
// and its FCS; QoS data adds the 2-octet QoS control.
std::vector<std::uint8_t> data_frame(const cs::MacAddress& bssid, const cs::MacAddress& sender, std::size_t body, bool qos,
                                     std::mt19937_64& rng) {
    std::vector<std::uint8_t> f = {static_cast<std::uint8_t>(qos ? 0x88 : 0x08), 0x01, 0x2C, 0x00};
    f.insert(f.end(), bssid.begin(), bssid.end());
    f.insert(f.end(), sender.begin(), sender.end());
    for (int k = 0; k < 6; ++k) f.push_back(static_cast<std::uint8_t>(rng()));
    f.push_back(0x10);
    f.push_back(0x00);
    if (qos) f.insert(f.end(), {0x00, 0x00});
    for (std::size_t i = 0; i < body; ++i) f.push_back(static_cast<std::uint8_t>(rng()));
    append_fcs(f);
    return f;
}

cs::MacAddress random_mac(std::mt19937_64& rng) {
    cs::MacAddress a{};
    for (auto& o : a) o = static_cast<std::uint8_t>(rng());
    a[0] &= 0xFE;  // individual
    return a;
}

cs::WifiDsssOptions dsss_options(bool short_preamble, cs::WifiDsssRate rate, std::optional<std::uint8_t> scrambler_state = std::nullopt,
                                 double carrier_phase_rad = 0.0) {
    cs::WifiDsssOptions o;
    o.short_preamble = short_preamble;
    o.rate = rate;
    o.scrambler_state = scrambler_state;
    o.carrier_phase_rad = carrier_phase_rad;
    return o;
}

std::string mac_text(const cs::MacAddress& a) {
    char buf[18];
    std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4], a[5]);
    return buf;
}

// The receiver's view of one or more transmissions: placed at `rate` (resampled by the simulator's
// scene renderer) with a carrier offset, a second path, noise at `snr_db` over 22 MHz, a DC offset,
// then 8-bit quantisation of full scale 1 (the signal at -20 dBFS).
struct Channel {
    double rate = 20e6;
    double cfo_hz = 0.0;
    double snr_db = 12.0;
    double echo_delay_s = 0.0;  // 0: single path
    double echo_db = -6.0;
    cf32 dc{0.0f, 0.0f};
    bool quantise = true;
};

struct Placed {
    std::shared_ptr<const cs::Waveform> waveform;
    double start_s;
};

std::vector<cf32> receive(const std::vector<Placed>& tx, double total_s, const Channel& ch, std::mt19937_64& rng) {
    const cs::Segment seg{0.0, ch.rate, static_cast<std::uint64_t>(std::llround(total_s * ch.rate))};
    std::vector<cs::Burst> bursts;
    constexpr double level_dbfs = -20.0;
    for (const Placed& p : tx) {
        bursts.push_back({p.start_s, ch.cfo_hz, level_dbfs, p.waveform, 0.0});
        if (ch.echo_delay_s > 0.0) {
            auto echo = std::make_shared<cs::Waveform>(*p.waveform);
            const double theta = uniform(rng, 0.0, 2.0 * kPi);
            const cf32 rot{static_cast<float>(std::cos(theta)), static_cast<float>(std::sin(theta))};
            for (cf32& v : echo->samples) v *= rot;
            bursts.push_back({p.start_s + ch.echo_delay_s, ch.cfo_hz, level_dbfs + ch.echo_db, echo, 0.0});
        }
    }
    std::vector<cf32> x(seg.samples);
    cs::add_bursts(seg, bursts, x);
    // Noise power over the capture's band = signal power x (rate / 22 MHz) / SNR.
    cs::add_awgn(x, level_dbfs - ch.snr_db + 10.0 * std::log10(ch.rate / 22e6), rng);
    for (cf32& v : x) {
        v += ch.dc;
        if (ch.quantise) {
            auto q = [](float a) { return std::clamp(std::round(a * 127.0f), -128.0f, 127.0f) / 127.0f; };
            v = cf32{q(v.real()), q(v.imag())};
        }
    }
    return x;
}

std::vector<cd::Packet> run(cd::Decoder& dec, const std::vector<cf32>& x, double rate) {
    std::vector<cd::Packet> out;
    dec.decode(cd::Input{x, rate, 2437e6}, out);
    return out;
}

std::size_t count_ok(const std::vector<cd::Packet>& packets) {
    return static_cast<std::size_t>(std::count_if(packets.begin(), packets.end(), [](const cd::Packet& p) { return p.checksum_ok; }));
}

// ---- the simulator's new generator, checked against the standard with a plain receiver -----------

// Despread at the chip peaks of a clean 22 MS/s waveform (chip c of symbol s peaks at 22 s + 2c + 1).
std::vector<std::complex<double>> despread(const cs::Waveform& w) {
    std::vector<std::complex<double>> z(w.samples.size() / 22);
    for (std::size_t s = 0; s < z.size(); ++s)
        for (std::size_t c = 0; c < 11; ++c)
            z[s] += std::complex<double>(w.samples[22 * s + 2 * c + 1]) * static_cast<double>(coex::coding::barker11[c]);
    return z;
}

TEST(WifiDsssSim, ShortPreambleDqpskFollowsTheStandardTables) {
    std::mt19937_64 rng(1);
    std::vector<std::uint8_t> psdu(37);
    for (auto& b : psdu) b = static_cast<std::uint8_t>(rng());
    const auto opt = dsss_options(true, cs::WifiDsssRate::mbps2, std::nullopt, 0.7);
    const auto w = cs::wifi_dsss_ppdu(psdu, opt);
    const auto z = despread(w);
    ASSERT_EQ(z.size(), 72u + 24u + 4u * psdu.size());
    EXPECT_NEAR(cs::wifi_dsss_ppdu_duration_s(psdu.size(), opt), 96e-6 + 4e-6 * 37, 1e-15);
    // Differential phase in quarter turns; DBPSK symbols 1..71, DQPSK from 72.
    std::vector<std::uint8_t> scrambled;
    for (std::size_t s = 1; s < z.size(); ++s) {
        const double a = std::arg(z[s] * std::conj(z[s - 1]));
        const int q = static_cast<int>(std::lround(a / (kPi / 2))) & 3;
        if (s < 72) {
            ASSERT_TRUE(q == 0 || q == 2) << s;
            scrambled.push_back(q == 2);
        } else {
            // Table: 00 -> 0, 01 -> pi/2, 11 -> pi, 10 -> 3pi/2 (d0 first).
            static const std::uint8_t d0[4] = {0, 0, 1, 1}, d1[4] = {0, 1, 1, 0};
            scrambled.push_back(d0[q]);
            scrambled.push_back(d1[q]);
        }
    }
    const auto bits = coex::coding::dsss_descramble(scrambled, 0);  // bit i = symbol i + 1 (DBPSK part)
    for (std::size_t i = 7; i < 55; ++i) EXPECT_EQ(bits[i], 0) << "SYNC " << i;
    auto field = [&](std::size_t at, int n) {
        std::uint32_t v = 0;
        for (int i = 0; i < n; ++i) v |= static_cast<std::uint32_t>(bits[at + static_cast<std::size_t>(i)]) << i;
        return v;
    };
    EXPECT_EQ(field(55, 16), 0x05CFu);
    EXPECT_EQ(field(71, 8), 0x14u);
    EXPECT_EQ(field(79, 8), 0u);
    EXPECT_EQ(field(87, 16), 4u * psdu.size());
    const coex::coding::Bits header(bits.begin() + 71, bits.begin() + 103), crc(bits.begin() + 103, bits.begin() + 119);
    EXPECT_EQ(coex::coding::dsss_plcp_crc(header), crc);
    for (std::size_t i = 0; i < psdu.size(); ++i) EXPECT_EQ(field(119 + 8 * i, 8), psdu[i]) << "octet " << i;
    EXPECT_THROW(cs::wifi_dsss_ppdu(psdu, dsss_options(true, cs::WifiDsssRate::mbps1)), coex::ConfigError);
}

// ---- decode rate --------------------------------------------------------------------------------

struct Format {
    bool short_preamble;
    cs::WifiDsssRate rate;
    const char* name;
};

class WifiDsssDecodeRate : public ::testing::TestWithParam<Format> {};

// Random data / QoS data frames, 12 dB over 22 MHz, 20 MS/s, CFO +-100 kHz plus a +-50 kHz centre
// error, random start, DC offset, 8-bit; every third trial a second path 100-200 ns late at -6 dB.
TEST_P(WifiDsssDecodeRate, AtLeast95PercentAt12dB) {
    const Format fmt = GetParam();
    auto dec = make_decoder();
    ASSERT_NE(dec, nullptr);
    std::mt19937_64 rng(fmt.short_preamble * 2 + (fmt.rate == cs::WifiDsssRate::mbps2));
    constexpr int trials = 60;
    int header_ok = 0, frame_ok = 0, extra = 0;
    double worst_start_error = 0.0, worst_cfo_error = 0.0;
    for (int t = 0; t < trials; ++t) {
        const auto bssid = random_mac(rng), sender = random_mac(rng);
        const bool qos = t % 2;
        const auto frame = data_frame(bssid, sender, 10 + rng() % 120, qos, rng);
        const auto opt = dsss_options(fmt.short_preamble, fmt.rate, static_cast<std::uint8_t>(1 + rng() % 127), uniform(rng, 0, 2 * kPi));
        auto w = std::make_shared<cs::Waveform>(cs::wifi_dsss_ppdu(frame, opt));
        const double duration = cs::wifi_dsss_ppdu_duration_s(frame.size(), opt);
        Channel ch;
        ch.cfo_hz = uniform(rng, -100e3, 100e3) + uniform(rng, -50e3, 50e3);
        ch.dc = cf32{static_cast<float>(uniform(rng, -0.03, 0.03)), static_cast<float>(uniform(rng, -0.03, 0.03))};
        if (t % 3 == 2) ch.echo_delay_s = 100e-9 + 50e-9 * static_cast<double>(rng() % 3);
        const double start = uniform(rng, 5e-6, 40e-6);
        const auto x = receive({{w, start}, }, start + duration + 20e-6, ch, rng);
        const auto packets = run(*dec, x, ch.rate);
        const auto ok = count_ok(packets);
        if (ok > 1) ++extra;
        for (const auto& p : packets) {
            if (!p.checksum_ok) continue;
            ++header_ok;
            EXPECT_EQ(p.protocol, cd::Protocol::wifi_dsss);
            EXPECT_DOUBLE_EQ(p.duration_s, duration);
            EXPECT_EQ(p.rate_mbps, fmt.rate == cs::WifiDsssRate::mbps1 ? 1.0 : 2.0);
            // add_bursts rounds the start to the nearest sample (25 ns).
            worst_start_error = std::max(worst_start_error, std::abs(p.start_s - start));
            worst_cfo_error = std::max(worst_cfo_error, std::abs(p.frequency_offset_hz - ch.cfo_hz));
            if (p.kind == (qos ? "qos_data" : "data")) {
                ++frame_ok;
                EXPECT_EQ(p.device, mac_text(sender));
                EXPECT_EQ(p.bssid, mac_text(bssid));
            }
        }
    }
    std::printf("%s: header CRC ok %d / %d, FCS ok %d / %d, extra packets %d, worst start error %.0f ns, worst CFO error %.1f kHz\n",
                fmt.name, header_ok, trials, frame_ok, trials, extra, worst_start_error * 1e9, worst_cfo_error / 1e3);
    EXPECT_GE(header_ok, trials * 95 / 100);
    EXPECT_GE(frame_ok, trials * 95 / 100);
    EXPECT_EQ(extra, 0);
    EXPECT_LT(worst_start_error, 0.1e-6);
    EXPECT_LT(worst_cfo_error, 10e3);
}

INSTANTIATE_TEST_SUITE_P(Formats, WifiDsssDecodeRate,
                         ::testing::Values(Format{false, cs::WifiDsssRate::mbps1, "long/1Mbps"}, Format{false, cs::WifiDsssRate::mbps2, "long/2Mbps"},
                                           Format{true, cs::WifiDsssRate::mbps2, "short/2Mbps"}),
                         [](const auto& info) { return std::string(info.param.short_preamble ? "Short" : "Long") +
                                                       (info.param.rate == cs::WifiDsssRate::mbps1 ? "1M" : "2M"); });

}  // namespace

namespace {

// Decodes `trials` data frames of the given format through `ch` (with the CFO drawn per trial when
// cfo_span_hz > 0); returns how many came back with the FCS holding.
struct RateResult {
    int header_ok = 0, frame_ok = 0;
};
RateResult decode_rate(cd::Decoder& dec, const Format& fmt, Channel ch, double cfo_span_hz, int trials, std::size_t body,
                       std::uint64_t seed, double told_rate = 0.0) {
    std::mt19937_64 rng(seed);
    RateResult r;
    for (int t = 0; t < trials; ++t) {
        const auto bssid = random_mac(rng), sender = random_mac(rng);
        const auto frame = data_frame(bssid, sender, body, false, rng);
        const auto opt = dsss_options(fmt.short_preamble, fmt.rate, static_cast<std::uint8_t>(1 + rng() % 127), uniform(rng, 0, 2 * kPi));
        auto w = std::make_shared<cs::Waveform>(cs::wifi_dsss_ppdu(frame, opt));
        const double duration = cs::wifi_dsss_ppdu_duration_s(frame.size(), opt);
        if (cfo_span_hz > 0.0) ch.cfo_hz = uniform(rng, -cfo_span_hz, cfo_span_hz);
        const double start = uniform(rng, 5e-6, 40e-6);
        const auto x = receive({{w, start}}, start + duration + 20e-6, ch, rng);
        const auto packets = run(dec, x, told_rate > 0.0 ? told_rate : ch.rate);
        for (const auto& p : packets) {
            if (!p.checksum_ok || std::abs(p.duration_s - duration) > 1e-12) continue;
            ++r.header_ok;
            if (p.kind == "data" && p.device == mac_text(sender)) ++r.frame_ok;
        }
    }
    return r;
}

const Format kLong1{false, cs::WifiDsssRate::mbps1, "long/1Mbps"};
const Format kLong2{false, cs::WifiDsssRate::mbps2, "long/2Mbps"};
const Format kShort2{true, cs::WifiDsssRate::mbps2, "short/2Mbps"};

TEST(WifiDsssDecoder, TwoPathChannels100To200ns) {
    auto dec = make_decoder();
    for (double delay : {100e-9, 150e-9, 200e-9}) {
        for (const Format& fmt : {kLong1, kShort2}) {
            Channel ch;
            ch.echo_delay_s = delay;
            ch.dc = cf32{0.02f, -0.01f};
            const auto r = decode_rate(*dec, fmt, ch, 150e3, 40, 60, 100 + static_cast<std::uint64_t>(delay * 1e9));
            std::printf("echo %.0f ns -6 dB, %s, 12 dB: header %d / 40, FCS %d / 40\n", delay * 1e9, fmt.name, r.header_ok, r.frame_ok);
            EXPECT_GE(r.frame_ok, 38);
        }
    }
}

// The carrier offset reaches +-250 kHz before the DBPSK squaring folds it over.
TEST(WifiDsssDecoder, CarrierOffsetUpTo200kHz) {
    auto dec = make_decoder();
    for (double cfo : {-200e3, 200e3}) {
        Channel ch;
        ch.cfo_hz = cfo;
        const auto r = decode_rate(*dec, kShort2, ch, 0.0, 20, 60, 7);
        std::printf("CFO %+.0f kHz, short/2Mbps, 12 dB: FCS %d / 20\n", cfo / 1e3, r.frame_ok);
        EXPECT_GE(r.frame_ok, 19);
    }
}

// A sample clock 40 ppm off (the capture's rate is not what it says): a 1500-octet frame at 1 Mb/s
// (12 ms) drifts 0.48 us = 10 samples at 22 MS/s; the timing tracker follows it.
TEST(WifiDsssDecoder, FollowsA40ppmSampleClockOffset) {
    auto dec = make_decoder();
    for (double ppm : {-40.0, 40.0}) {
        Channel ch;
        ch.rate = 20e6 * (1.0 + ppm * 1e-6);
        const auto r = decode_rate(*dec, kLong1, ch, 100e3, 6, 1500, 9, 20e6);
        std::printf("sample clock %+.0f ppm, 1500-octet frame at 1 Mb/s: FCS %d / 6\n", ppm, r.frame_ok);
        EXPECT_EQ(r.frame_ok, 6);
    }
}

// Other capture rates; at 10 MS/s only the central +-5 MHz of the 22 MHz main lobe is there.
TEST(WifiDsssDecoder, OtherInputRates) {
    auto dec = make_decoder();
    for (double rate : {10e6, 25e6, 40e6}) {
        for (double snr : {12.0, 16.0}) {
            Channel ch;
            ch.rate = rate;
            ch.snr_db = snr;
            const auto r1 = decode_rate(*dec, kLong1, ch, 100e3, 30, 60, 11);
            const auto r2 = decode_rate(*dec, kShort2, ch, 100e3, 30, 60, 12);
            std::printf("%.0f MS/s, %.0f dB over 22 MHz: long/1Mbps FCS %d / 30, short/2Mbps FCS %d / 30\n", rate / 1e6, snr, r1.frame_ok,
                        r2.frame_ok);
            if (rate > 10e6 || snr >= 16.0) {
                EXPECT_GE(r1.frame_ok, 28);
                EXPECT_GE(r2.frame_ok, 28);
            }
        }
    }
}

// Where the decoder runs out of margin (printed), at 20 and at 10 MS/s; 8 dB below the 12 dB target
// (20 MS/s) and 4 dB below it (10 MS/s) it still decodes.
TEST(WifiDsssDecoder, SensitivityCurve) {
    auto dec = make_decoder();
    for (double rate : {20e6, 10e6}) {
        for (double snr : {-6.0, -4.0, -2.0, 0.0, 4.0, 8.0}) {
            Channel ch;
            ch.rate = rate;
            ch.snr_db = snr;
            const auto r1 = decode_rate(*dec, kLong1, ch, 100e3, 30, 100, 21);
            const auto r2 = decode_rate(*dec, kShort2, ch, 100e3, 30, 100, 22);
            std::printf("%.0f MS/s, %+.0f dB over 22 MHz, 100-octet body: long/1Mbps header %d FCS %d / 30, short/2Mbps header %d FCS %d / 30\n",
                        rate / 1e6, snr, r1.header_ok, r1.frame_ok, r2.header_ok, r2.frame_ok);
            if (snr >= (rate >= 20e6 ? 4.0 : 8.0)) {
                EXPECT_GE(r1.frame_ok, 28);
                EXPECT_GE(r2.frame_ok, 28);
            }
        }
    }
}

TEST(WifiDsssDecoder, BeaconGivesSsidAndBssidExactly) {
    auto dec = make_decoder();
    std::mt19937_64 rng(31);
    const cs::MacAddress bssid{0x02, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e};
    const std::string ssid = "caf\xC3\xA9 \\net\x01";
    const auto frame = cs::wifi_beacon_frame({bssid, ssid, 77, 123456789, 6, 100});
    for (bool short_preamble : {false, true}) {
        const auto opt = dsss_options(short_preamble, short_preamble ? cs::WifiDsssRate::mbps2 : cs::WifiDsssRate::mbps1);
        auto w = std::make_shared<cs::Waveform>(cs::wifi_dsss_ppdu(frame, opt));
        Channel ch;
        ch.cfo_hz = 60e3;
        const auto x = receive({{w, 17e-6}}, 17e-6 + w->duration_s() + 20e-6, ch, rng);
        const auto packets = run(*dec, x, ch.rate);
        ASSERT_EQ(packets.size(), 1u);
        const auto& p = packets[0];
        EXPECT_TRUE(p.checksum_checked);
        EXPECT_TRUE(p.checksum_ok);
        EXPECT_EQ(p.kind, "beacon");
        EXPECT_EQ(p.network, "caf\\xc3\\xa9 \\x5cnet\\x01");
        EXPECT_EQ(p.bssid, "02:1a:2b:3c:4d:5e");
        EXPECT_EQ(p.device, "02:1a:2b:3c:4d:5e");
        EXPECT_DOUBLE_EQ(p.duration_s, cs::wifi_dsss_ppdu_duration_s(frame.size(), opt));
        EXPECT_NEAR(p.start_s, 17e-6, 0.1e-6);
        EXPECT_NEAR(p.frequency_offset_hz, 60e3, 5e3);
    }
    // The same body as a probe response (subtype 5) to a station.
    auto probe = std::vector<std::uint8_t>(frame.begin(), frame.end() - 4);
    probe[0] = 0x50;
    const cs::MacAddress sta{0x3c, 0x22, 0xfb, 0x01, 0x02, 0x03};
    std::copy(sta.begin(), sta.end(), probe.begin() + 4);
    append_fcs(probe);
    auto w = std::make_shared<cs::Waveform>(cs::wifi_dsss_ppdu(probe, dsss_options(false, cs::WifiDsssRate::mbps2)));
    const auto x = receive({{w, 25e-6}}, 25e-6 + w->duration_s() + 20e-6, Channel{}, rng);
    const auto packets = run(*dec, x, 20e6);
    ASSERT_EQ(packets.size(), 1u);
    EXPECT_EQ(packets[0].kind, "probe_response");
    EXPECT_EQ(packets[0].network, "caf\\xc3\\xa9 \\x5cnet\\x01");
    EXPECT_EQ(packets[0].bssid, "02:1a:2b:3c:4d:5e");
    EXPECT_EQ(packets[0].device, "02:1a:2b:3c:4d:5e");
}

// A data frame and its ACK a SIFS (10 us) later, in one transmission handed in: both are found.
TEST(WifiDsssDecoder, DataAndAckASifsApart) {
    auto dec = make_decoder();
    std::mt19937_64 rng(41);
    int both = 0;
    constexpr int trials = 20;
    for (int t = 0; t < trials; ++t) {
        const auto ap = random_mac(rng), sta = random_mac(rng);
        const auto data = data_frame(ap, sta, 80, true, rng);
        const auto ack = cs::wifi_ack_frame(sta);
        const bool short_data = t % 2;
        const auto data_opt = dsss_options(short_data, short_data ? cs::WifiDsssRate::mbps2 : cs::WifiDsssRate::mbps1, std::nullopt,
                                           uniform(rng, 0, 2 * kPi));
        const auto ack_opt = dsss_options(false, cs::WifiDsssRate::mbps1, std::nullopt, uniform(rng, 0, 2 * kPi));
        auto w1 = std::make_shared<cs::Waveform>(cs::wifi_dsss_ppdu(data, data_opt));
        auto w2 = std::make_shared<cs::Waveform>(cs::wifi_dsss_ppdu(ack, ack_opt));
        const double t1 = 20e-6, d1 = cs::wifi_dsss_ppdu_duration_s(data.size(), data_opt);
        const double t2 = t1 + d1 + 10e-6, d2 = cs::wifi_dsss_ppdu_duration_s(ack.size(), ack_opt);
        // One channel for both (the same CFO stands in for the two stations' offsets).
        Channel ch;
        ch.cfo_hz = uniform(rng, -100e3, 100e3);
        const auto x = receive({{w1, t1}, {w2, t2}}, t2 + d2 + 20e-6, ch, rng);
        const auto packets = run(*dec, x, ch.rate);
        bool got_data = false, got_ack = false;
        for (const auto& p : packets) {
            if (!p.checksum_ok) continue;
            if (p.kind == "qos_data" && std::abs(p.start_s - t1) < 0.1e-6 && p.device == mac_text(sta)) got_data = true;
            if (p.kind == "ack" && std::abs(p.start_s - t2) < 0.1e-6 && std::abs(p.duration_s - d2) < 1e-12 && p.device.empty()) got_ack = true;
        }
        EXPECT_EQ(count_ok(packets), 2u);
        both += got_data && got_ack;
    }
    std::printf("data + ACK a SIFS apart: both found %d / %d\n", both, trials);
    EXPECT_GE(both, trials - 1);
}

}  // namespace

namespace {

// ---- false decodes --------------------------------------------------------------------------------

std::vector<cf32> noise_only(double rate, double seconds, std::mt19937_64& rng) {
    std::vector<cf32> x(static_cast<std::size_t>(seconds * rate));
    cs::add_awgn(x, -30.0, rng);
    return x;
}

TEST(WifiDsssFalseDecodes, NoiseManySeeds) {
    auto dec = make_decoder();
    std::size_t packets = 0, ok = 0;
    constexpr int seeds = 300;
    for (int seed = 0; seed < seeds; ++seed) {
        std::mt19937_64 rng(1000 + static_cast<std::uint64_t>(seed));
        const double rate = seed % 3 == 0 ? 10e6 : (seed % 3 == 1 ? 20e6 : 40e6);
        const auto x = noise_only(rate, 2e-3, rng);
        const auto out = run(*dec, x, rate);
        packets += out.size();
        ok += count_ok(out);
    }
    std::printf("noise: %d inputs of 2 ms at 10/20/40 MS/s: %zu packets, %zu checksum_ok\n", seeds, packets, ok);
    EXPECT_EQ(ok, 0u);
}

TEST(WifiDsssFalseDecodes, CwTonesAndDc) {
    auto dec = make_decoder();
    std::mt19937_64 rng(5);
    for (double f : {0.0, 1e3, 250e3, 500e3, 1e6, 2.75e6, 5.5e6, 9e6}) {
        std::vector<cf32> x(static_cast<std::size_t>(1e-3 * 20e6));
        cs::add_tone(x, 20e6, f, -20.0, 0.3);
        cs::add_awgn(x, -50.0, rng);
        const auto out = run(*dec, x, 20e6);
        EXPECT_EQ(count_ok(out), 0u) << f;
        EXPECT_TRUE(out.empty()) << f;
    }
}

std::size_t decode_ok_count(cd::Decoder& dec, const cs::Waveform& w, double rate, std::mt19937_64& rng) {
    Channel ch;
    ch.rate = rate;
    ch.cfo_hz = uniform(rng, -100e3, 100e3);
    ch.snr_db = 20.0;
    const auto x = receive({{std::make_shared<cs::Waveform>(w), 20e-6}}, w.duration_s() + 40e-6, ch, rng);
    return count_ok(run(dec, x, rate));
}

TEST(WifiDsssFalseDecodes, OfdmPpdus) {
    auto dec = make_decoder();
    std::mt19937_64 rng(6);
    std::size_t ok = 0, n = 0;
    for (auto rate : {cs::WifiRate::mbps6, cs::WifiRate::mbps9, cs::WifiRate::mbps12, cs::WifiRate::mbps18, cs::WifiRate::mbps24,
                      cs::WifiRate::mbps36, cs::WifiRate::mbps48, cs::WifiRate::mbps54})
        for (std::size_t len : {14u, 300u, 1500u}) {
            ok += decode_ok_count(*dec, cs::wifi_ofdm_ppdu(len, rate, rng), 20e6, rng);
            ++n;
        }
    for (int mcs = 0; mcs < 8; ++mcs) {
        ok += decode_ok_count(*dec, cs::wifi_ht_ppdu(800, mcs, cs::HtWidth::ht20, rng), 20e6, rng);
        ok += decode_ok_count(*dec, cs::wifi_ht_ppdu(800, mcs, cs::HtWidth::ht40, rng), 40e6, rng);
        n += 2;
    }
    std::printf("OFDM (802.11a/g, HT20, HT40): %zu PPDUs, %zu checksum_ok\n", n, ok);
    EXPECT_EQ(ok, 0u);
}

// The narrowband PHYs at 20 MS/s (samples per symbol chosen for it), as they would reach a wideband
// decoder inside a Wi-Fi channel.
TEST(WifiDsssFalseDecodes, NarrowbandPhys) {
    auto dec = make_decoder();
    std::mt19937_64 rng(7);
    std::size_t ok = 0, n = 0;
    const std::uint8_t esb_address[5] = {0xE7, 0xE7, 0xE7, 0xE7, 0xE7};
    for (int i = 0; i < 10; ++i) {
        ok += decode_ok_count(*dec, cs::ble_packet(37, cs::BlePhy::le1m, 37, rng, 20.0), 20e6, rng);
        ok += decode_ok_count(*dec, cs::ble_packet(200, cs::BlePhy::le2m, 12, rng, 10.0), 20e6, rng);
        ok += decode_ok_count(*dec, cs::bt_br_packet(cs::BtPacket::dh1, rng, 20.0), 20e6, rng);
        ok += decode_ok_count(*dec, cs::bt_br_packet(cs::BtPacket::dh5, rng, 20.0), 20e6, rng);
        ok += decode_ok_count(*dec, cs::zigbee_packet(100, rng, 10.0), 20e6, rng);
        ok += decode_ok_count(*dec, cs::esb_packet(esb_address, 32, i % 4, rng, 20.0), 20e6, rng);
        n += 6;
    }
    std::printf("BLE 1M/2M, BR DH1/DH5, 802.15.4, ESB at 20 MS/s: %zu packets, %zu checksum_ok\n", n, ok);
    EXPECT_EQ(ok, 0u);
}

// The hardest case: Barker-spread DBPSK / DQPSK with random content and no preamble (the middle of
// long PSDUs): every symbol is an SFD hypothesis.
TEST(WifiDsssFalseDecodes, PsduContentWithoutPreamble) {
    auto dec = make_decoder();
    std::mt19937_64 rng(8);
    std::size_t ok = 0, symbols = 0;
    for (int i = 0; i < 30; ++i) {
        std::vector<std::uint8_t> psdu(1200);
        for (auto& b : psdu) b = static_cast<std::uint8_t>(rng());
        const auto opt = dsss_options(false, i % 2 ? cs::WifiDsssRate::mbps2 : cs::WifiDsssRate::mbps1, std::nullopt, 1.0);
        const auto w = cs::wifi_dsss_ppdu(psdu, opt);
        cs::Waveform cut;
        cut.sample_rate_hz = w.sample_rate_hz;
        const std::size_t from = static_cast<std::size_t>(400e-6 * 22e6);
        cut.samples.assign(w.samples.begin() + static_cast<long>(from), w.samples.begin() + static_cast<long>(from + 3000e-6 * 22e6));
        ok += decode_ok_count(*dec, cut, 20e6, rng);
        symbols += 3000;
    }
    std::printf("preamble-less DSSS PSDU content: %zu symbols searched, %zu checksum_ok\n", symbols, ok);
    EXPECT_EQ(ok, 0u);
}

// ---- real recordings ----------------------------------------------------------------------------

std::vector<cf32> read_int16_iq(const std::filesystem::path& file) {
    std::vector<cf32> x;
    std::ifstream g(file, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(g)), {});
    const std::size_t n = bytes.size() / 4;
    x.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        std::int16_t iq[2];
        std::memcpy(iq, bytes.data() + 4 * i, 4);
        x[i] = cf32{static_cast<float>(iq[0]) / 32768.0f, static_cast<float>(iq[1]) / 32768.0f};
    }
    return x;
}

std::vector<cf32> read_cf32(const std::filesystem::path& file) {
    std::ifstream g(file, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(g)), {});
    std::vector<cf32> x(bytes.size() / sizeof(cf32));
    std::memcpy(x.data(), bytes.data(), x.size() * sizeof(cf32));
    return x;
}

TEST(WifiDsssRealRecordings, OfdmAndNarrowbandCapturesGiveNothing) {
    const std::filesystem::path root(COEX_REAL_CAPTURES);
    if (!std::filesystem::exists(root)) GTEST_SKIP() << "no real captures at " << root;
    auto dec = make_decoder();
    std::size_t files = 0, packets = 0, ok = 0;
    double seconds = 0.0;
    for (const char* sub : {"openofdm_wifi_ofdm/conducted", "openofdm_wifi_ofdm/radiated"}) {
        if (!std::filesystem::exists(root / sub)) continue;
        for (const auto& e : std::filesystem::directory_iterator(root / sub)) {
            if (e.path().extension() != ".dat") continue;
            const auto x = read_int16_iq(e.path());
            const auto out = run(*dec, x, 20e6);
            ++files;
            packets += out.size();
            ok += count_ok(out);
            seconds += static_cast<double>(x.size()) / 20e6;
        }
    }
    if (std::filesystem::exists(root / "nrf_ble_802154")) {
        for (const auto& e : std::filesystem::directory_iterator(root / "nrf_ble_802154")) {
            if (e.path().extension() != ".dat") continue;
            const auto x = read_cf32(e.path());
            const auto out = run(*dec, x, 10e6);
            ++files;
            packets += out.size();
            ok += count_ok(out);
            seconds += static_cast<double>(x.size()) / 10e6;
        }
    }
    std::printf("real recordings (OpenOFDM 802.11a/n at 20 MS/s, nRF BLE/802.15.4 at 10 MS/s): %zu files, %.1f ms, %zu packets, %zu checksum_ok\n",
                files, seconds * 1e3, packets, ok);
    EXPECT_GT(files, 0u);
    EXPECT_EQ(ok, 0u);
}

// ---- cost ---------------------------------------------------------------------------------------

double microseconds_per_decode(cd::Decoder& dec, const std::vector<cf32>& x, double rate, int repeats, std::size_t& ok) {
    // Processor time, not wall time: the build machine is shared.
    std::vector<cd::Packet> out;
    const std::clock_t t0 = std::clock();
    for (int r = 0; r < repeats; ++r) {
        out.clear();
        dec.decode(cd::Input{x, rate, 2437e6}, out);
    }
    const std::clock_t t1 = std::clock();
    ok = count_ok(out);
    return static_cast<double>(t1 - t0) * 1e6 / CLOCKS_PER_SEC / repeats;
}

TEST(WifiDsssCost, MicrosecondsPerTransmission) {
    auto dec = make_decoder();
    std::mt19937_64 rng(9);
    const cs::MacAddress bssid{0x02, 0, 0, 0, 0, 1};
    const auto beacon = cs::wifi_beacon_frame({bssid, "coex-lab", 1, 0, 6, 100});
    const auto opt = dsss_options(false, cs::WifiDsssRate::mbps1);
    const auto w = std::make_shared<cs::Waveform>(cs::wifi_dsss_ppdu(beacon, opt));
    Channel ch;
    ch.cfo_hz = 40e3;
    const auto whole = receive({{w, 20e-6}}, w->duration_s() + 40e-6, ch, rng);
    // Header only: the input ends 20 us after the PLCP header (the PSDU cannot be checked).
    std::vector<cf32> header_only(whole.begin(), whole.begin() + static_cast<long>((20e-6 + 212e-6) * 20e6));
    const auto ofdm = receive({{std::make_shared<cs::Waveform>(cs::wifi_ofdm_ppdu(1000, cs::WifiRate::mbps24, rng)), 20e-6}},
                              20e-6 + cs::wifi_ofdm_ppdu_duration_s(1000, cs::WifiRate::mbps24) + 20e-6, ch, rng);
    const auto noise = noise_only(20e6, 1e-3, rng);

    std::size_t ok_whole = 0, ok_header = 0, ok_ofdm = 0, ok_noise = 0;
    // The first decode at a rate designs the resampler (once per decoder and rate); not timed.
    microseconds_per_decode(*dec, whole, 20e6, 1, ok_whole);
    const double t_whole = microseconds_per_decode(*dec, whole, 20e6, 200, ok_whole);
    const double t_header = microseconds_per_decode(*dec, header_only, 20e6, 200, ok_header);
    const double t_ofdm = microseconds_per_decode(*dec, ofdm, 20e6, 500, ok_ofdm);
    const double t_noise = microseconds_per_decode(*dec, noise, 20e6, 500, ok_noise);
    std::printf("CPU cost at 20 MS/s: 1 Mb/s beacon (%zu octets, %.0f us on air, %zu samples in) decoded whole %.0f us; "
                "PLCP header only (%zu samples) %.0f us; OFDM 24 Mb/s PPDU (%zu samples) rejected in %.1f us; 1 ms of noise %.1f us\n",
                beacon.size(), w->duration_s() * 1e6, whole.size(), t_whole, header_only.size(), t_header, ofdm.size(), t_ofdm, t_noise);
    // The costs are measured and printed, not asserted (performance belongs in bench/): on the shared
    // machine, and several times slower under the sanitizers, a bound on them failed with no change to
    // the decoder (106 us against 99 for the OFDM PPDU under ASan). What is asserted is what was decoded.
    EXPECT_EQ(ok_whole, 1u);
    EXPECT_EQ(ok_header, 1u);
    EXPECT_EQ(ok_ofdm, 0u);
    EXPECT_EQ(ok_noise, 0u);
}

}  // namespace

namespace {

// The simulator's original generator (random PSDU, so no valid FCS): the header is reported (rate,
// exact duration, checksum_ok for the CRC-16) and nothing of the MAC frame.
TEST(WifiDsssDecoder, RandomPsduGivesTheHeaderOnly) {
    auto dec = make_decoder();
    std::mt19937_64 rng(51);
    int ok = 0;
    for (int t = 0; t < 10; ++t) {
        const std::size_t len = 20 + rng() % 200;
        auto w = std::make_shared<cs::Waveform>(cs::wifi_dsss_ppdu(len, rng));
        Channel ch;
        ch.cfo_hz = uniform(rng, -100e3, 100e3);
        const auto x = receive({{w, 15e-6}}, 15e-6 + w->duration_s() + 20e-6, ch, rng);
        const auto packets = run(*dec, x, 20e6);
        ASSERT_EQ(packets.size(), 1u);
        const auto& p = packets[0];
        ok += p.checksum_ok;
        EXPECT_DOUBLE_EQ(p.duration_s, cs::wifi_dsss_ppdu_duration_s(len));
        EXPECT_EQ(p.rate_mbps, 1.0);
        EXPECT_TRUE(p.kind.empty());
        EXPECT_TRUE(p.device.empty());
        EXPECT_TRUE(p.network.empty());
        EXPECT_TRUE(p.bssid.empty());
    }
    EXPECT_EQ(ok, 10);
}

}  // namespace
