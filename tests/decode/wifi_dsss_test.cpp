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
#include <chrono>
#include <cmath>
#include <complex>
#include <cstdio>
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
