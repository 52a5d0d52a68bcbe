// Known-answer tests of the bit-level building blocks against numbers from the standards and from
// independent implementations (CRC catalogue check values, Bluetooth SIG sample data).
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>

#include "coex/coding/coding.hpp"
#include "coex/sim/wifi.hpp"

namespace cs = coex::coding;

namespace {

std::string to_string(const cs::Bits& b) {
    std::string s;
    for (auto v : b) s.push_back(v ? '1' : '0');
    return s;
}

cs::Bits from_string(const std::string& s) {
    cs::Bits b;
    for (char c : s)
        if (c == '0' || c == '1') b.push_back(static_cast<std::uint8_t>(c - '0'));
    return b;
}

cs::Bits ascii_bits(const std::string& s) {
    return cs::bytes_to_bits_lsb(std::span(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
}

// Hex string read as bits in transmission order (first hex digit's MSB first).
cs::Bits hex_bits(const std::string& h) {
    cs::Bits b;
    for (char c : h) {
        const int v = std::stoi(std::string(1, c), nullptr, 16);
        for (int i = 3; i >= 0; --i) b.push_back(static_cast<std::uint8_t>((v >> i) & 1));
    }
    return b;
}

}  // namespace

// IEEE 802.11-2016 17.3.5.5: the 127-bit sequence for the all-ones initial state.
TEST(SimCoding, WifiScramblerKnownAnswer) {
    const std::string expected =
        "00001110 11110010 11001001 00000010 00100110 00101110 10110110 00001100 "
        "11010100 11100111 10110100 00101010 11111010 01010001 10111000 1111111";
    EXPECT_EQ(cs::wifi_scrambler_sequence(0x7F, 127), from_string(expected));
    // Period 127: the sequence repeats.
    const auto two = cs::wifi_scrambler_sequence(0x5D, 254);
    EXPECT_TRUE(std::equal(two.begin(), two.begin() + 127, two.begin() + 127));
}

TEST(SimCoding, WifiPilotPolarityStartsAsInStandard) {
    // p_0..p_15 = 1,1,1,1,-1,-1,-1,1,-1,-1,-1,-1,1,1,-1,1
    const int expected[16] = {1, 1, 1, 1, -1, -1, -1, 1, -1, -1, -1, -1, 1, 1, -1, 1};
    for (int i = 0; i < 16; ++i) EXPECT_EQ(cs::wifi_pilot_polarity(static_cast<std::size_t>(i)), expected[i]) << i;
    EXPECT_EQ(cs::wifi_pilot_polarity(127), cs::wifi_pilot_polarity(0));
}

// IEEE 802.11 Annex example: SIGNAL for 36 Mb/s, LENGTH = 100.
TEST(SimCoding, WifiSignalFieldAnnexExample) {
    const auto& ri = coex::sim::wifi_rate_info(coex::sim::WifiRate::mbps36);
    cs::Bits sig;
    cs::append_bits_lsb(sig, ri.signal_rate_bits, 4);
    sig.push_back(0);
    cs::append_bits_lsb(sig, 100, 12);
    unsigned parity = 0;
    for (auto b : sig) parity ^= b;
    sig.push_back(static_cast<std::uint8_t>(parity));
    cs::append_bits_lsb(sig, 0, 6);
    EXPECT_EQ(to_string(sig), "101100010011000000000000");
    const auto coded = cs::conv_encode_k7(sig);
    EXPECT_EQ(to_string(coded), "110100011010000100000010001111100111000000000000");
    const auto il = cs::wifi_interleave(coded, 48, 1);
    EXPECT_EQ(to_string(il).substr(0, 24), "100101001101000000010100");
}

TEST(SimCoding, PuncturingPatterns) {
    cs::Bits c(12);
    for (std::size_t i = 0; i < c.size(); ++i) c[i] = static_cast<std::uint8_t>(i);  // labels A0 B0 A1 B1 ...
    EXPECT_EQ(cs::puncture(c, 1, 2), c);
    EXPECT_EQ(cs::puncture(c, 3, 4), (cs::Bits{0, 1, 2, 5, 6, 7, 8, 11}));          // A0 B0 A1 B2
    EXPECT_EQ(cs::puncture(c, 2, 3), (cs::Bits{0, 1, 2, 4, 5, 6, 8, 9, 10}));       // A0 B0 A1
}

TEST(SimCoding, InterleaverIsAPermutationAndInverts) {
    for (auto [n_cbps, n_bpsc] : {std::pair{48, 1}, {96, 2}, {192, 4}, {288, 6}}) {
        cs::Bits block(static_cast<std::size_t>(n_cbps));
        std::set<int> seen;
        for (int k = 0; k < n_cbps; ++k) {
            std::fill(block.begin(), block.end(), 0);
            block[static_cast<std::size_t>(k)] = 1;
            const auto il = cs::wifi_interleave(block, n_cbps, n_bpsc);
            const auto pos = std::find(il.begin(), il.end(), 1) - il.begin();
            seen.insert(static_cast<int>(pos));
            EXPECT_EQ(cs::wifi_deinterleave(il, n_cbps, n_bpsc), block);
        }
        EXPECT_EQ(static_cast<int>(seen.size()), n_cbps);
        // Adjacent coded bits land on subcarriers 3 apart (first permutation; second stays within a subcarrier).
        auto subcarrier = [&, n_cbps = n_cbps, n_bpsc = n_bpsc](int k) {
            std::fill(block.begin(), block.end(), 0);
            block[static_cast<std::size_t>(k)] = 1;
            const auto il = cs::wifi_interleave(block, n_cbps, n_bpsc);
            return static_cast<int>(std::find(il.begin(), il.end(), 1) - il.begin()) / n_bpsc;
        };
        for (int k = 0; k + 1 < n_cbps; ++k) {
            if (k % 16 != 15) {
                EXPECT_EQ(subcarrier(k + 1) - subcarrier(k), 3) << n_cbps << " k=" << k;
            }
        }
    }
}

// A connection's CRC init comes back from any of its packets: the register run backwards.
TEST(SimCoding, BleCrcInitRecoveredFromAPacket) {
    std::mt19937_64 rng(5);
    std::uniform_int_distribution<std::uint32_t> init24(0, 0xFFFFFF);
    std::bernoulli_distribution bit(0.5);
    for (std::size_t length : {16u, 24u, 200u, 2024u}) {
        cs::Bits pdu(length);
        for (auto& b : pdu) b = bit(rng);
        const std::uint32_t init = init24(rng);
        EXPECT_EQ(cs::ble_crc24_init(pdu, cs::ble_crc24(pdu, init)), init) << length;
    }
    EXPECT_EQ(cs::ble_crc24_init(ascii_bits("123456789"), cs::ble_crc24(ascii_bits("123456789"))), cs::ble_adv_crc_init);
}

// Catalogued CRC check values for "123456789" (refin = refout = true models).
TEST(SimCoding, CrcCatalogueCheckValues) {
    const auto msg = ascii_bits("123456789");
    EXPECT_EQ(cs::reflect(cs::ble_crc24(msg, 0x555555), 24), 0xC25A56u);             // CRC-24/BLE
    EXPECT_EQ(cs::reflect(cs::lfsr_crc(msg, 0xA7, 8, 0), 8), 0x26u);                   // CRC-8/BLUETOOTH (HEC)
    const auto fcs = cs::ieee802154_fcs(msg);                                           // CRC-16/KERMIT
    std::uint32_t reg = 0;
    for (auto b : fcs) reg = (reg << 1) | b;
    EXPECT_EQ(cs::reflect(reg, 16), 0x2189u);
    const auto plcp = cs::dsss_plcp_crc(msg);                                           // CRC-16/IBM-SDLC
    reg = 0;
    for (auto b : plcp) reg = (reg << 1) | b;
    EXPECT_EQ(cs::reflect(reg, 16), 0x906Eu);
    const std::string text = "123456789";                                               // CRC-32/ISO-HDLC (802.11 FCS)
    const std::vector<std::uint8_t> bytes(text.begin(), text.end());
    EXPECT_EQ(cs::ieee80211_fcs(bytes), 0xCBF43926u);
}

// Bluetooth SIG sample data: HEC codewords (10 header bits + 8 HEC bits, UAP = 0x00).
TEST(SimCoding, BtHecSampleCodewords) {
    for (const char* cw : {"110001001010000111", "001001001001001100", "101001001001011010", "011001001001000111",
                           "111001001001010001", "110110001001111001", "001110001010110010", "101110001010100100",
                           "011110001010111001", "111110001010101111"}) {
        const auto bits = from_string(cw);
        const cs::Bits header(bits.begin(), bits.begin() + 10), hec(bits.begin() + 10, bits.end());
        EXPECT_EQ(cs::bt_hec(header, 0x00), hec) << cw;
    }
}

// Bluetooth SIG sample data: access codes (preamble, sync word, trailer in hex, transmission order).
TEST(SimCoding, BtAccessCodeSampleData) {
    struct V {
        std::uint32_t lap;
        const char* hex;
    };
    for (const V& v : {V{0x000000, "57e7041e34000000d5"}, V{0xFFFFFF, "ae758b5227ffffff2a"}, V{0x9E8B33, "5475c58cc73345e72a"},
                       V{0x9E8B34, "528ed3c34cb345e72a"}, V{0x616CEC, "5586a491f0dcda18d5"}}) {
        EXPECT_EQ(cs::bt_access_code(v.lap), hex_bits(v.hex)) << std::hex << v.lap;
    }
}

// First 64 whitening bits for channels 0..3 as 32-bit words (bit 0 first), as tabulated by an
// independent firmware implementation (ubermini ble.c whitening_word table).
TEST(SimCoding, BleWhiteningKnownWords) {
    const std::uint32_t expected[4][2] = {
        {0xc3bcb240, 0x5f4a371f}, {0xbcb24089, 0x4a371fc3}, {0x3da157d2, 0x75b066a7}, {0x42afa51b, 0x60cd4e7b}};
    for (int ch = 0; ch < 4; ++ch) {
        const auto seq = cs::ble_whitening_sequence(ch, 64);
        for (int w = 0; w < 2; ++w) {
            std::uint32_t word = 0;
            for (int i = 0; i < 32; ++i) word |= static_cast<std::uint32_t>(seq[static_cast<std::size_t>(32 * w + i)]) << i;
            EXPECT_EQ(word, expected[ch][w]) << "channel " << ch;
        }
    }
    EXPECT_THROW(cs::ble_whitening_sequence(40, 8), std::exception);
}

TEST(SimCoding, BleCrcResidueIsZero) {
    // Appending the CRC (MSB first) makes the register run out at zero.
    const auto pdu = ascii_bits("coexistence");
    cs::Bits framed = pdu;
    cs::append_crc_msb_first(framed, cs::ble_crc24(pdu), 24);
    EXPECT_EQ(cs::lfsr_crc(framed, 0x65B, 24, cs::ble_adv_crc_init), 0u);
}

TEST(SimCoding, ZigbeeChipTable) {
    auto chips = [](int s) {
        std::string out;
        const auto c = cs::zigbee_chips(s);
        for (int i = 0; i < 32; ++i) out.push_back(((c >> i) & 1u) ? '1' : '0');
        return out;
    };
    // IEEE 802.15.4 Table "Symbol-to-chip mapping for the 2450 MHz band" (c0 first).
    EXPECT_EQ(chips(0), "11011001110000110101001000101110");
    EXPECT_EQ(chips(1), "11101101100111000011010100100010");
    EXPECT_EQ(chips(7), "10011100001101010010001011101101");
    EXPECT_EQ(chips(8), "10001100100101100000011101111011");
    EXPECT_EQ(chips(15), "11001001011000000111011110111000");
    // Quasi-orthogonal: every other sequence differs in at least 12 chips.
    for (int a = 0; a < 16; ++a)
        for (int b = a + 1; b < 16; ++b) EXPECT_GE(__builtin_popcount(cs::zigbee_chips(a) ^ cs::zigbee_chips(b)), 12) << a << "," << b;
}

TEST(SimCoding, DsssScramblerSelfSynchronises) {
    cs::Bits data(300);
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>((i * 7 + i / 3) & 1);
    const auto s = cs::dsss_scramble(data, 0x1B);
    EXPECT_EQ(cs::dsss_descramble(s, 0x1B), data);
    // A receiver with the wrong state recovers everything after the first 7 bits.
    const auto r = cs::dsss_descramble(s, 0x00);
    EXPECT_TRUE(std::equal(r.begin() + 7, r.end(), data.begin() + 7));
}
