// Bluetooth BR decoder: libbtbb's access-code search on the Core specification's sample access codes,
// packet-type recovery on packets built bit by bit from the standard, the whole decoder on the
// simulator's BR packets with a receiver's flaws, and no checksum_ok packet from anything that is
// not BR (noise, a tone, BLE, ESB - BR's own modulation -, 802.15.4, 802.11, real recordings).
#include "coex/coding/coding.hpp"
#include "coex/decode/bluetooth_br.hpp"
#include "coex/decode/packet.hpp"
#include "coex/sim/bluetooth.hpp"
#include "coex/sim/esb.hpp"
#include "coex/sim/wifi.hpp"
#include "coex/sim/zigbee.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <ctime>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <random>
#include <string>

using namespace coex;
namespace cd = coex::decode;
namespace cs = coex::coding;

namespace {

const cd::DecoderDescriptor& br_descriptor() {
    for (const auto& d : cd::decoder_registry())
        if (d.protocol == cd::Protocol::bt_br) return d;
    throw std::runtime_error("no BR decoder registered");
}

std::string lap_text(std::uint32_t lap) {
    char s[16];
    std::snprintf(s, sizeof s, "0x%06x", lap);
    return s;
}

// Hex string as bits in transmission order (first digit's MSB first), as the SIG sample data lists them.
cs::Bits hex_bits(const std::string& h) {
    cs::Bits b;
    for (char c : h) {
        const int v = std::stoi(std::string(1, c), nullptr, 16);
        for (int i = 3; i >= 0; --i) b.push_back(static_cast<std::uint8_t>((v >> i) & 1));
    }
    return b;
}

cs::Bits random_bits(std::size_t n, std::mt19937_64& rng) {
    cs::Bits b(n);
    for (auto& v : b) v = static_cast<std::uint8_t>(rng() & 1u);
    return b;
}

// A BR packet's bits from the standard's pieces (coex_coding): access code, header (LT_ADDR 3, TYPE,
// FLOW 1, ARQN 0, SEQN 1) with its HEC, FEC 1/3; for DH1/3/5 a payload header, `body` random bytes and
// the CRC-16; header and payload whitened with CLK1-6.
cs::Bits br_bits(std::uint32_t lap, std::uint8_t uap, std::uint8_t clk, unsigned type, std::size_t body, std::mt19937_64& rng) {
    cs::Bits header;
    cs::append_bits_lsb(header, 3, 3);
    cs::append_bits_lsb(header, type, 4);
    header.push_back(1);
    header.push_back(0);
    header.push_back(1);
    const auto hec = cs::bt_hec(header, uap);
    header.insert(header.end(), hec.begin(), hec.end());
    cs::Bits payload;
    if (type == 4 || type == 11 || type == 15) {
        cs::append_bits_lsb(payload, 0b10, 2);
        payload.push_back(1);
        if (type == 4) {
            cs::append_bits_lsb(payload, body, 5);
        } else {
            cs::append_bits_lsb(payload, body, 10);
            cs::append_bits_lsb(payload, 0, 3);
        }
        const auto data = random_bits(8 * body, rng);
        payload.insert(payload.end(), data.begin(), data.end());
        const auto crc = cs::bt_crc16(payload, uap);
        payload.insert(payload.end(), crc.begin(), crc.end());
    }
    const auto white = cs::bt_whitening_sequence(clk, header.size() + payload.size());
    for (std::size_t i = 0; i < header.size(); ++i) header[i] ^= white[i];
    for (std::size_t i = 0; i < payload.size(); ++i) payload[i] ^= white[header.size() + i];
    cs::Bits bits = cs::bt_access_code(lap);
    for (auto b : header)
        for (int r = 0; r < 3; ++r) bits.push_back(b);
    bits.insert(bits.end(), payload.begin(), payload.end());
    return bits;
}

// Same modulation with another modulation index: the phase of a constant-envelope GFSK waveform
// scaled by h / 0.32 (per-sample phase steps stay far below pi).
void set_mod_index(std::vector<cf32>& x, double h) {
    const double k = h / sim::bt_br_mod_index;
    double phase = 0.0;
    cf32 prev = x.empty() ? cf32{} : x[0];
    for (std::size_t i = 0; i < x.size(); ++i) {
        if (i > 0) phase += k * std::arg(std::complex<double>(x[i]) * std::conj(std::complex<double>(prev)));
        prev = x[i];
        x[i] = cf32(static_cast<float>(std::cos(phase)), static_cast<float>(std::sin(phase)));
    }
}

struct Flaws {
    double offset_hz = 0.0;        // carrier against the centre handed in
    double snr_db = 100.0;         // over 1 MHz, signal power 1
    double dc = 0.0;               // DC offset amplitude
    bool quantise = false;         // 8-bit I and Q
    double lead_s = 100e-6;        // noise before the burst
    double tail_s = 100e-6;        // and after
    double ramp_s = 0.0;           // the transmitter's power ramp over the burst's first and last ramp_s (raised cosine)
};

// The waveform (power 1) shifted by offset_hz, placed after lead_s of noise, with DC and quantisation.
std::vector<cf32> scene(const std::vector<cf32>& w, double fs, const Flaws& f, std::mt19937_64& rng) {
    const auto lead = static_cast<std::size_t>(f.lead_s * fs), tail = static_cast<std::size_t>(f.tail_s * fs);
    std::vector<cf32> x(lead + w.size() + tail);
    const double sigma = std::sqrt(fs / 1e6 * std::pow(10.0, -f.snr_db / 10.0) / 2.0);
    std::normal_distribution<double> g(0.0, 1.0);
    std::uniform_real_distribution<double> u(0.0, 2.0 * std::numbers::pi);
    const std::complex<double> dc = std::polar(f.dc, u(rng));
    const double phase0 = u(rng);
    const double ramp_n = f.ramp_s * fs;
    auto ramp = [&](std::size_t s) {
        const double edge = static_cast<double>(std::min(s, w.size() - 1 - s));
        return edge >= ramp_n ? 1.0 : 0.5 - 0.5 * std::cos(std::numbers::pi * (edge + 0.5) / ramp_n);
    };
    for (std::size_t i = 0; i < x.size(); ++i) {
        std::complex<double> v = dc + std::complex<double>(sigma * g(rng), sigma * g(rng));
        if (i >= lead && i < lead + w.size()) {
            const double ph = phase0 + 2.0 * std::numbers::pi * f.offset_hz * static_cast<double>(i) / fs;
            v += std::complex<double>(w[i - lead]) * std::polar(ramp(i - lead), ph);
        }
        x[i] = cf32(static_cast<float>(v.real()), static_cast<float>(v.imag()));
    }
    if (f.quantise) {
        const double full_scale = 2.5 * std::sqrt(1.0 + 2.0 * sigma * sigma) + f.dc;
        auto q = [&](float v) {
            const double c = std::clamp(std::round(v / full_scale * 127.0), -128.0, 127.0);
            return static_cast<float>(c * full_scale / 127.0);
        };
        for (auto& v : x) v = cf32(q(v.real()), q(v.imag()));
    }
    return x;
}

std::vector<cd::Packet> run(cd::Decoder& dec, const std::vector<cf32>& x, double fs) {
    std::vector<cd::Packet> out;
    dec.decode(cd::Input{x, fs, 2.44e9}, out);
    return out;
}

int count_ok(const std::vector<cd::Packet>& v) {
    return static_cast<int>(std::count_if(v.begin(), v.end(), [](const cd::Packet& p) { return p.checksum_ok; }));
}

const cd::Packet* find_ok(const std::vector<cd::Packet>& v, std::uint32_t lap) {
    for (const auto& p : v)
        if (p.checksum_ok && p.device == lap_text(lap)) return &p;
    return nullptr;
}

}  // namespace

// ---- the bit-level half: libbtbb ----------------------------------------------------------------

// Core Vol 2 Part G (sample data): access codes of given LAPs. libbtbb must read each LAP back.
TEST(BtBrSync, SpecificationSampleAccessCodes) {
    struct V {
        std::uint32_t lap;
        const char* hex;
    };
    std::mt19937_64 rng(1);
    for (const V& v : {V{0x000000, "57e7041e34000000d5"}, V{0xFFFFFF, "ae758b5227ffffff2a"}, V{0x9E8B33, "5475c58cc73345e72a"},
                       V{0x9E8B34, "528ed3c34cb345e72a"}, V{0x616CEC, "5586a491f0dcda18d5"}}) {
        const cs::Bits ac = hex_bits(v.hex);
        ASSERT_EQ(ac.size(), 72u);
        // alone, then inside random bits
        auto m = cd::find_bt_sync_words(ac);
        ASSERT_EQ(m.size(), 1u) << std::hex << v.lap;
        EXPECT_EQ(m[0].lap, v.lap);
        EXPECT_EQ(m[0].offset, 4u);
        EXPECT_EQ(m[0].bit_errors, 0);
        cs::Bits stream = random_bits(333, rng);
        stream.insert(stream.end(), ac.begin(), ac.end());
        const auto tail = random_bits(200, rng);
        stream.insert(stream.end(), tail.begin(), tail.end());
        m = cd::find_bt_sync_words(stream);
        ASSERT_EQ(m.size(), 1u) << std::hex << v.lap;
        EXPECT_EQ(m[0].lap, v.lap);
        EXPECT_EQ(m[0].offset, 337u);
    }
}

// Bit errors anywhere in the sync word: up to 2 are checksum_ok, 3 are found but not ok, more are
// not reported.
TEST(BtBrSync, BitErrorsAreCountedOverAll64Bits) {
    std::mt19937_64 rng(2);
    int found[6] = {};
    const int trials = 300;
    for (int t = 0; t < trials; ++t) {
        const auto lap = static_cast<std::uint32_t>(rng() & 0xFFFFFFu);
        for (int errors = 0; errors <= 5; ++errors) {
            cs::Bits stream = random_bits(100, rng);
            cs::Bits ac = cs::bt_access_code(lap);
            std::vector<int> pos(64);
            for (int i = 0; i < 64; ++i) pos[static_cast<std::size_t>(i)] = i;
            std::shuffle(pos.begin(), pos.end(), rng);
            for (int e = 0; e < errors; ++e) ac[static_cast<std::size_t>(4 + pos[static_cast<std::size_t>(e)])] ^= 1u;
            stream.insert(stream.end(), ac.begin(), ac.end());
            const auto tail = random_bits(100, rng);
            stream.insert(stream.end(), tail.begin(), tail.end());
            for (const auto& m : cd::find_bt_sync_words(stream)) {
                if (m.offset != 104) continue;
                EXPECT_EQ(m.lap, lap);
                EXPECT_EQ(m.bit_errors, errors);
                ++found[errors];
            }
        }
    }
    std::printf("sync words found with 0..5 bit errors: %d %d %d %d %d %d of %d\n", found[0], found[1], found[2], found[3], found[4],
                found[5], trials);
    EXPECT_EQ(found[0], trials);
    EXPECT_EQ(found[1], trials);
    // libbtbb's Barker filter drops words with 2 errors among the sync word's last 7 bits (about 1 %).
    EXPECT_GE(found[2], trials * 97 / 100);
    EXPECT_GE(found[3], trials * 90 / 100);
    EXPECT_EQ(found[4], 0);
    EXPECT_EQ(found[5], 0);
}

TEST(BtBrSync, RandomBitsGiveNoSyncWord) {
    std::mt19937_64 rng(3);
    const auto bits = random_bits(2'000'000, rng);
    int ok = 0, near = 0;
    for (const auto& m : cd::find_bt_sync_words(bits)) (m.bit_errors <= cd::bt_br_max_sync_errors ? ok : near)++;
    std::printf("2e6 random bits: %d sync words within 2 errors, %d with 3 (expected 0.004 and 0.08)\n", ok, near);
    EXPECT_EQ(ok, 0);
}

TEST(BtBrHeader, TypeAndLengthFromPayloadCrc) {
    std::mt19937_64 rng(4);
    struct C {
        unsigned type;
        std::size_t body;
        const char* name;
        double us;
    };
    for (const C& c : {C{4, 27, "DH1", 366}, C{4, 0, "DH1", 150}, C{11, 183, "DH3", 1622}, C{15, 339, "DH5", 2870}, C{15, 100, "DH5", 958}}) {
        for (int t = 0; t < 10; ++t) {
            const auto lap = static_cast<std::uint32_t>(rng() & 0xFFFFFFu);
            const auto uap = static_cast<std::uint8_t>(rng());
            const auto clk = static_cast<std::uint8_t>(rng() & 0x3Fu);
            auto bits = br_bits(lap, uap, clk, c.type, c.body, rng);
            const auto type = cd::recover_bt_packet_type(std::span(bits).subspan(4));
            ASSERT_TRUE(type.has_value()) << c.name << " clk " << int(clk) << " uap " << int(uap);
            EXPECT_EQ(type->name, c.name);
            EXPECT_NEAR(type->duration_s, c.us * 1e-6, 1e-12);
            EXPECT_NEAR(type->duration_s, static_cast<double>(bits.size()) * 1e-6, 1e-12);
            // One payload bit flipped: the CRC fails under every clock hypothesis.
            bits[bits.size() - 20] ^= 1u;
            EXPECT_FALSE(cd::recover_bt_packet_type(std::span(bits).subspan(4)).has_value());
        }
    }
    // POLL and NULL carry no payload, so nothing checks their header.
    for (unsigned type : {0u, 1u}) {
        auto bits = br_bits(0x123456, 0x47, 9, type, 0, rng);
        const auto tail = random_bits(100, rng);
        bits.insert(bits.end(), tail.begin(), tail.end());
        EXPECT_FALSE(cd::recover_bt_packet_type(std::span(bits).subspan(4)).has_value());
    }
}

// ---- the decoder ----------------------------------------------------------------------------------

TEST(BtBrDecoder, RegisteredAsNarrowband) {
    const auto& d = br_descriptor();
    EXPECT_FALSE(d.wideband);
    EXPECT_DOUBLE_EQ(d.min_sample_rate_hz, 2e6);
    EXPECT_NE(d.make(), nullptr);
}

TEST(BtBrDecoder, CleanPacketsDecodeExactly) {
    auto dec = br_descriptor().make();
    std::mt19937_64 rng(5);
    for (auto type : {sim::BtPacket::dh1, sim::BtPacket::dh3, sim::BtPacket::dh5}) {
        const sim::BtBrAddress addr{static_cast<std::uint32_t>(rng() & 0xFFFFFFu), static_cast<std::uint8_t>(rng())};
        const auto w = sim::bt_br_packet(type, sim::bt_max_payload_bytes(type), addr, rng, 10.0);
        Flaws f;
        f.snr_db = 40;
        const auto x = scene(w.samples, 10e6, f, rng);
        const auto pk = run(*dec, x, 10e6);
        ASSERT_EQ(count_ok(pk), 1);
        const auto* p = find_ok(pk, addr.lap);
        ASSERT_NE(p, nullptr) << lap_text(addr.lap);
        EXPECT_EQ(p->protocol, cd::Protocol::bt_br);
        EXPECT_TRUE(p->checksum_checked);
        EXPECT_EQ(p->network, p->device);
        EXPECT_NEAR(p->start_s, f.lead_s, 1e-6);
        EXPECT_EQ(p->kind, type == sim::BtPacket::dh1 ? "DH1" : type == sim::BtPacket::dh3 ? "DH3" : "DH5")
            << "duration " << p->duration_s << " vs " << w.duration_s();
        EXPECT_NEAR(p->duration_s, w.duration_s(), 1e-9);
        EXPECT_DOUBLE_EQ(p->rate_mbps, 1.0);
        EXPECT_NEAR(p->frequency_offset_hz, 0.0, 10e3);
    }
}

// The receiver's flaws together: 10, 8 and 2.4 MS/s; carrier +-75 kHz plus centre error +-0.3 MHz;
// 12 dB SNR over 1 MHz; DC offset; 8-bit I/Q; modulation index 0.28-0.35; random position.
TEST(BtBrDecoder, ImpairedPacketsAt12dB) {
    auto dec = br_descriptor().make();
    std::mt19937_64 rng(6);
    std::uniform_real_distribution<double> uni(0.0, 1.0);
    for (double fs : {10e6, 8e6, 2.4e6}) {
        int trials = 0, lap_ok = 0, typed = 0, wrong = 0;
        double worst_start = 0.0, worst_cfo = 0.0;
        for (int t = 0; t < 100; ++t) {
            const auto type = t % 5 == 3 ? sim::BtPacket::dh3 : t % 5 == 4 ? sim::BtPacket::dh5 : sim::BtPacket::dh1;
            const sim::BtBrAddress addr{static_cast<std::uint32_t>(rng() & 0xFFFFFFu), static_cast<std::uint8_t>(rng())};
            auto w = sim::bt_br_packet(type, sim::bt_max_payload_bytes(type), addr, rng, fs / 1e6);
            set_mod_index(w.samples, 0.28 + 0.07 * uni(rng));
            Flaws f;
            f.offset_hz = (2 * uni(rng) - 1) * 75e3 + (2 * uni(rng) - 1) * 0.3e6;
            f.snr_db = 12;
            f.dc = 0.3 * uni(rng);
            f.quantise = true;
            f.lead_s = 50e-6 + 400e-6 * uni(rng);
            f.tail_s = 50e-6 + 200e-6 * uni(rng);
            const auto x = scene(w.samples, fs, f, rng);
            const auto pk = run(*dec, x, fs);
            ++trials;
            for (const auto& p : pk)
                if (p.checksum_ok && p.device != lap_text(addr.lap)) ++wrong;
            const auto* p = find_ok(pk, addr.lap);
            if (!p) continue;
            ++lap_ok;
            worst_start = std::max(worst_start, std::abs(p->start_s - f.lead_s));
            worst_cfo = std::max(worst_cfo, std::abs(p->frequency_offset_hz - f.offset_hz));
            if (p->kind != "access code") {
                ++typed;
                EXPECT_NEAR(p->duration_s, sim::bt_br_packet_duration_s(type, sim::bt_max_payload_bytes(type)), 1e-9);
            } else {
                EXPECT_NEAR(p->duration_s, w.duration_s(), 10e-6);  // measured
            }
        }
        std::printf("%.1f MS/s: LAP %d/%d, type recovered %d, wrong LAP %d, worst start error %.2f us, worst carrier error %.1f kHz\n",
                    fs / 1e6, lap_ok, trials, typed, wrong, worst_start * 1e6, worst_cfo / 1e3);
        EXPECT_GE(lap_ok, 95 * trials / 100) << fs;
        EXPECT_EQ(wrong, 0);
        EXPECT_LE(worst_start, 1.5e-6);
        EXPECT_LE(worst_cfo, 25e3);
    }
}

// The simulator's scenes ramp a BR transmitter's power over 4 µs at each end, as radios do: the
// preamble and the first sync-word bits come up under the ramp. Short packets (a DH1 with no
// payload, 150 µs) and long ones alike.
TEST(BtBrDecoder, PowerRampsAtBothEnds) {
    auto dec = br_descriptor().make();
    std::mt19937_64 rng(61);
    std::uniform_real_distribution<double> uni(0.0, 1.0);
    for (const double ramp_s : {0.0, 4e-6})
        for (const std::size_t bytes : {std::size_t{0}, std::size_t{27}}) {
            int found = 0;
            const int trials = 40;
            for (int t = 0; t < trials; ++t) {
                const sim::BtBrAddress addr{static_cast<std::uint32_t>(rng() & 0xFFFFFFu), static_cast<std::uint8_t>(rng())};
                const auto w = sim::bt_br_packet(sim::BtPacket::dh1, bytes, addr, rng, 10.0);
                Flaws f;
                f.offset_hz = (2 * uni(rng) - 1) * 75e3 + (2 * uni(rng) - 1) * 0.3e6;
                f.snr_db = 20;
                f.dc = 0.1;
                f.quantise = true;
                f.lead_s = 50e-6;
                f.tail_s = 50e-6;
                f.ramp_s = ramp_s;
                found += find_ok(run(*dec, scene(w.samples, 10e6, f, rng), 10e6), addr.lap) != nullptr;
            }
            std::printf("DH1 with %zu payload bytes, %.0f us ramps, 20 dB: LAP %d/%d\n", bytes, ramp_s * 1e6, found, trials);
            EXPECT_GE(found, trials - 2) << bytes << " " << ramp_s;
        }
}

// How the LAP rate falls with SNR (10 MS/s, all the flaws above, DH1): printed; 15 dB must be clean.
TEST(BtBrDecoder, SnrSweep) {
    auto dec = br_descriptor().make();
    std::mt19937_64 rng(11);
    std::uniform_real_distribution<double> uni(0.0, 1.0);
    for (double snr : {8.0, 10.0, 12.0, 15.0}) {
        int found = 0;
        const int trials = 60;
        for (int t = 0; t < trials; ++t) {
            const sim::BtBrAddress addr{static_cast<std::uint32_t>(rng() & 0xFFFFFFu), static_cast<std::uint8_t>(rng())};
            auto w = sim::bt_br_packet(sim::BtPacket::dh1, 27, addr, rng, 10.0);
            set_mod_index(w.samples, 0.28 + 0.07 * uni(rng));
            Flaws f;
            f.offset_hz = (2 * uni(rng) - 1) * 375e3;
            f.snr_db = snr;
            f.dc = 0.3 * uni(rng);
            f.quantise = true;
            f.lead_s = 50e-6 + 200e-6 * uni(rng);
            const auto pk = run(*dec, scene(w.samples, 10e6, f, rng), 10e6);
            const bool hit = find_ok(pk, addr.lap) != nullptr;
            found += hit;
            if (!hit && snr >= 15.0) {
                std::printf("  missed %s: offset %.0f Hz, dc %.2f, lead %.1f us;", lap_text(addr.lap).c_str(), f.offset_hz, f.dc, f.lead_s * 1e6);
                for (const auto& p : pk) std::printf(" [%s %s errors-ok %d start %.1f us]", p.device.c_str(), p.kind.c_str(), p.checksum_ok, p.start_s * 1e6);
                std::printf("\n");
            }
        }
        std::printf("SNR %4.1f dB over 1 MHz: LAP %d/%d\n", snr, found, trials);
        if (snr >= 15.0) {
            EXPECT_GE(found, trials - 1);
        }
    }
}

// Packets without a checkable payload: an ID packet (access code only) and a POLL (access code and
// header), built from the standard's pieces and modulated by the simulator's GFSK.
TEST(BtBrDecoder, IdAndPollPacketsReportTheAccessCodeWithMeasuredDuration) {
    auto dec = br_descriptor().make();
    std::mt19937_64 rng(7);
    for (int id = 0; id < 2; ++id) {
        const std::uint32_t lap = 0x9E8B33;  // the general inquiry access code
        cs::Bits bits = br_bits(lap, 0x00, 5, 1, 0, rng);  // POLL: access code and header
        if (id) bits.resize(68);                           // ID: preamble and sync word, no trailer
        const auto w = sim::gfsk_modulate(bits, 1e6, 0.5, sim::bt_br_mod_index, 10.0);
        Flaws f;
        f.snr_db = 20;
        f.offset_hz = 120e3;
        const auto x = scene(w.samples, 10e6, f, rng);
        const auto pk = run(*dec, x, 10e6);
        const auto* p = find_ok(pk, lap);
        ASSERT_NE(p, nullptr);
        EXPECT_EQ(p->device, "0x9e8b33");
        EXPECT_EQ(p->kind, "access code");
        EXPECT_NEAR(p->duration_s, static_cast<double>(bits.size()) * 1e-6, 4e-6) << (id ? "ID" : "POLL");
        EXPECT_NEAR(p->start_s, f.lead_s, 1e-6);
    }
}

// ---- nothing else is BR ---------------------------------------------------------------------------

TEST(BtBrDecoder, NoiseAndToneGiveNothing) {
    auto dec = br_descriptor().make();
    std::mt19937_64 rng(8);
    std::normal_distribution<double> g(0.0, 1.0);
    int ok = 0, any = 0;
    for (int seed = 0; seed < 200; ++seed) {
        const double fs = seed % 3 == 0 ? 2.4e6 : seed % 3 == 1 ? 8e6 : 10e6;
        const auto n = static_cast<std::size_t>(1e-3 * fs);
        std::vector<cf32> x(n);
        // plain noise, and noise with a 600 us stretch 10 dB louder (a burst of energy with no signal)
        const bool burst = seed % 2 == 1;
        for (std::size_t i = 0; i < n; ++i) {
            const double s = burst && i > n / 5 && i < n / 5 + static_cast<std::size_t>(600e-6 * fs) ? 3.16 : 1.0;
            x[i] = cf32(static_cast<float>(s * g(rng)), static_cast<float>(s * g(rng)));
        }
        const auto pk = run(*dec, x, fs);
        ok += count_ok(pk);
        any += static_cast<int>(pk.size());
    }
    for (double f_hz : {0.0, 100e3, -260e3, 1e6}) {
        const double fs = 10e6;
        std::vector<cf32> x(10000);
        for (std::size_t i = 0; i < x.size(); ++i) {
            const double ph = 2 * std::numbers::pi * f_hz * static_cast<double>(i) / fs;
            x[i] = cf32(static_cast<float>(std::cos(ph) + 0.05 * g(rng)), static_cast<float>(std::sin(ph) + 0.05 * g(rng)));
        }
        ok += count_ok(run(*dec, x, fs));
    }
    std::printf("noise and tones: %d checksum_ok packets, %d reported in all\n", ok, any);
    EXPECT_EQ(ok, 0);
}

TEST(BtBrDecoder, OtherPhysGiveNothing) {
    auto dec = br_descriptor().make();
    std::mt19937_64 rng(9);
    std::uniform_real_distribution<double> uni(0.0, 1.0);
    int ok = 0, trials = 0;
    auto check = [&](const sim::Waveform& w, double snr_db) {
        Flaws f;
        f.snr_db = snr_db;
        f.offset_hz = (2 * uni(rng) - 1) * 200e3;
        const auto x = scene(w.samples, w.sample_rate_hz, f, rng);
        ok += count_ok(run(*dec, x, w.sample_rate_hz));
        ++trials;
    };
    for (int t = 0; t < 40; ++t) {
        check(sim::ble_packet(37, sim::BlePhy::le1m, 37, rng, 10.0), 25);
        check(sim::ble_packet(100, sim::BlePhy::le1m, t % 37, rng, 10.0), 25);
        check(sim::ble_packet(60, sim::BlePhy::le2m, 38, rng, 5.0), 25);
        const std::uint8_t address[5] = {static_cast<std::uint8_t>(rng()), static_cast<std::uint8_t>(rng()), 0xC2, 0xC2, 0xC2};
        check(sim::esb_packet(std::span(address, 3 + t % 3), 32, t % 4, rng, 10.0), 25);
        check(sim::zigbee_packet(40, rng, 4.0), 25);
    }
    for (int t = 0; t < 5; ++t) {
        check(sim::wifi_dsss_ppdu(100, rng), 25);
        check(sim::wifi_ofdm_ppdu(200, sim::WifiRate::mbps24, rng), 25);
    }
    std::printf("BLE 1M/2M, ESB, 802.15.4, 802.11b, 802.11 OFDM: %d checksum_ok BR packets in %d bursts\n", ok, trials);
    EXPECT_EQ(ok, 0);
}

TEST(BtBrDecoder, RealBleAnd802154RecordingsGiveNothing) {
    const std::filesystem::path dir = std::filesystem::path(COEX_REAL_CAPTURES) / "nrf_ble_802154";
    if (!std::filesystem::exists(dir)) GTEST_SKIP() << "no real recordings at " << dir;
    auto dec = br_descriptor().make();
    int files = 0, ok = 0, any = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        if (e.path().extension() != ".dat") continue;
        std::ifstream f(e.path(), std::ios::binary);
        std::vector<cf32> x(std::filesystem::file_size(e.path()) / sizeof(cf32));
        f.read(reinterpret_cast<char*>(x.data()), static_cast<std::streamsize>(x.size() * sizeof(cf32)));
        ASSERT_TRUE(f.good()) << e.path();
        ++files;
        // as recorded, and re-centred 1 MHz either way (the two-packet file has them at 2424 and 2426 MHz)
        for (double shift : {0.0, 1e6, -1e6}) {
            std::vector<cf32> y(x.size());
            for (std::size_t i = 0; i < x.size(); ++i)
                y[i] = x[i] * std::polar(1.0f, static_cast<float>(-2 * std::numbers::pi * shift * static_cast<double>(i) / 10e6));
            std::vector<cd::Packet> out;
            dec->decode(cd::Input{y, 10e6, 2425e6 + shift}, out);
            ok += count_ok(out);
            any += static_cast<int>(out.size());
        }
    }
    std::printf("real BLE / 802.15.4 recordings: %d files, %d checksum_ok BR packets, %d reported in all\n", files, ok, any);
    EXPECT_GE(files, 4);
    EXPECT_EQ(ok, 0);
}

// Cost per burst (a measurement, printed; the assertion only checks the DH5 decodes).
TEST(BtBrDecoder, CostPerBurst) {
    auto dec = br_descriptor().make();
    std::mt19937_64 rng(10);
    const double fs = 10e6;
    const sim::BtBrAddress addr{0x2A5C01, 0x33};
    const auto w = sim::bt_br_packet(sim::BtPacket::dh5, sim::bt_max_payload_bytes(sim::BtPacket::dh5), addr, rng, 10.0);
    Flaws f;
    f.snr_db = 15;
    f.offset_hz = 150e3;
    f.lead_s = f.tail_s = 50e-6;
    const auto dh5 = scene(w.samples, fs, f, rng);
    std::normal_distribution<double> g(0.0, 1.0);
    std::vector<cf32> noise(static_cast<std::size_t>(1e-3 * fs));
    for (auto& v : noise) v = cf32(static_cast<float>(g(rng)), static_cast<float>(g(rng)));
    // thread CPU time: the machine may be shared, wall time would count the others' work
    auto cpu_s = [] {
        timespec ts{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
    };
    auto time_us = [&](const std::vector<cf32>& x, int reps, int& ok) {
        ok = count_ok(run(*dec, x, fs));  // warm the caches
        const double t0 = cpu_s();
        for (int r = 0; r < reps; ++r) run(*dec, x, fs);
        return (cpu_s() - t0) * 1e6 / reps;
    };
    int ok_dh5 = 0, ok_noise = 0;
    const double t_dh5 = time_us(dh5, 50, ok_dh5);
    const double t_noise = time_us(noise, 200, ok_noise);
    std::printf("cost (thread CPU): DH5 burst (%.2f ms at 10 MS/s) %.0f us, 1 ms of noise %.0f us\n", static_cast<double>(dh5.size()) / fs * 1e3, t_dh5,
                t_noise);
    EXPECT_EQ(ok_dh5, 1);
    EXPECT_EQ(ok_noise, 0);
}
