#pragma once
// Bit-level building blocks of the 2.4 GHz PHYs: scramblers, whitening, CRCs, channel codes,
// interleavers and spreading codes. Exposed so that tests (and detectors that decode) can use the
// same, separately known-answer-tested definitions.
//
// Conventions: a "bit vector" is std::vector<std::uint8_t> holding 0/1, index 0 = first in time.
// Octets go on air least-significant bit first unless a function says otherwise.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace coex::coding {

using Bits = std::vector<std::uint8_t>;

// Appends the `count` low bits of `value`, LSB first.
void append_bits_lsb(Bits& out, std::uint64_t value, int count);
// Octets to bits, each octet LSB first.
Bits bytes_to_bits_lsb(std::span<const std::uint8_t> bytes);

// Generic bit-serial CRC: a `width`-bit shift register (bit k = position k of the standard's
// figures, position 0 = LSB of `init`), input bits in transmission order, feedback polynomial
// `poly` without its x^width term. Returns the final register; it is sent MSB (position width-1)
// first. This is the Rocksoft model with refin=true, refout=true once the result is bit-reversed.
std::uint32_t lfsr_crc(std::span<const std::uint8_t> bits, std::uint32_t poly, int width,
                       std::uint32_t init);
// Appends `width` CRC bits of `reg` MSB first (transmission order).
void append_crc_msb_first(Bits& out, std::uint32_t reg, int width);
// Reverses the low `width` bits of `v`.
std::uint32_t reflect(std::uint32_t v, int width);

// ---- IEEE 802.11 -----------------------------------------------------------------------------
// The 802.11a/g OFDM rates (17.3.2.3, Table 17-4), 6 to 54 Mb/s in order.
struct WifiLegacyRate {
    double mbps;                    // data rate
    int n_bpsc;                     // coded bits per subcarrier (1, 2, 4, 6)
    int n_cbps;                     // coded bits per OFDM symbol (48 x n_bpsc)
    int n_dbps;                     // data bits per OFDM symbol
    int code_num, code_den;         // convolutional code rate (1/2, 2/3, 3/4)
    std::uint8_t signal_rate_bits;  // RATE field R1..R4, R1 in bit 0 (6: 1101, 9: 1111, 12: 0101, … read R1 first)
};
// L-LTF values on subcarriers -26..26 (Eq. 17-8; index k + 26, 0 at DC).
inline constexpr std::array<int, 53> wifi_l_ltf = {1,  1,  -1, -1, 1,  1,  -1, 1,  -1, 1,  1,  1,  1,  1,  1, -1, -1, 1,
                                                   1,  -1, 1,  -1, 1,  1,  1,  1,  0,  1,  -1, -1, 1,  1,  -1, 1, -1, 1,
                                                   -1, -1, -1, -1, -1, 1,  1,  -1, -1, 1,  -1, 1,  -1, 1,  1,  1,  1};
// Logical subcarrier (-26..26, pilots and DC left out) of data subcarrier d = 0..47 (17.3.5.10).
constexpr int wifi_data_subcarrier(int d) {
    if (d <= 4) return d - 26;
    if (d <= 17) return d - 25;
    if (d <= 23) return d - 24;
    if (d <= 29) return d - 23;
    if (d <= 42) return d - 22;
    return d - 21;
}
inline constexpr std::array<WifiLegacyRate, 8> wifi_legacy_rates = {{
    {6.0, 1, 48, 24, 1, 2, 0b1011},
    {9.0, 1, 48, 36, 3, 4, 0b1111},
    {12.0, 2, 96, 48, 1, 2, 0b1010},
    {18.0, 2, 96, 72, 3, 4, 0b1110},
    {24.0, 4, 192, 96, 1, 2, 0b1001},
    {36.0, 4, 192, 144, 3, 4, 0b1101},
    {48.0, 6, 288, 192, 2, 3, 0b1000},
    {54.0, 6, 288, 216, 3, 4, 0b1100},
}};

// Frame-synchronous scrambler x^7 + x^4 + 1 (802.11 OFDM 17.3.5.5). `state` is the 7-bit register
// x7..x1 with x1 in bit 0; returns `n` sequence bits (XOR them with the data). All-ones state gives
// 00001110 11110010 ... (the standard's 127-bit sequence).
Bits wifi_scrambler_sequence(std::uint8_t state, std::size_t n);
// Pilot polarity p_n (n = 0 for SIGNAL, 1.. for DATA symbols): +1/-1 from the all-ones scrambler.
int wifi_pilot_polarity(std::size_t n);
// Rate-1/2 K=7 convolutional code (g0 = 133, g1 = 171 octal), zero initial state; output A0 B0 A1 B1 ...
Bits conv_encode_k7(std::span<const std::uint8_t> bits);
// Puncturing of the rate-1/2 stream to rate num/den (1/2, 2/3, 3/4, 5/6), 802.11 patterns
// (5/6, HT MCS 7: A0 B0 A1 B2 A3 B4 of every A0..A4 B0..B4).
Bits puncture(std::span<const std::uint8_t> coded, int num, int den);
// 802.11 OFDM two-step interleaver for one symbol of n_cbps coded bits, n_bpsc bits per subcarrier.
Bits wifi_interleave(std::span<const std::uint8_t> block, int n_cbps, int n_bpsc);
Bits wifi_deinterleave(std::span<const std::uint8_t> block, int n_cbps, int n_bpsc);
// 802.11n HT interleaver for one spatial stream: the same two permutations with N_COL = 13
// (20 MHz) or 18 (40 MHz) columns and N_ROW = N_CBPS / N_COL rows.
Bits wifi_ht_interleave(std::span<const std::uint8_t> block, int n_cbps, int n_bpsc, int n_col);
// HT-SIG CRC-8 (x^8 + x^2 + x + 1, preset ones, ones complement) over HT-SIG1 bits 0–23 and
// HT-SIG2 bits 0–9 (34 bits); 8 bits in transmission order (c7 first). Known answer from the
// standard: 1111000100100110000000001110000000 -> 10101000.
Bits wifi_ht_sig_crc(std::span<const std::uint8_t> bits34);
// 802.11b (DSSS) self-synchronising scrambler y_n = x_n ^ y_{n-4} ^ y_{n-7}; `state` holds the
// last 7 output bits, most recent in bit 0.
Bits dsss_scramble(std::span<const std::uint8_t> bits, std::uint8_t state);
Bits dsss_descramble(std::span<const std::uint8_t> bits, std::uint8_t state);
// 802.11b PLCP header CRC-16 (x^16+x^12+x^5+1, preset ones, ones complement) over the 32 bits of
// SIGNAL, SERVICE, LENGTH; returns the 16 bits in transmission order.
Bits dsss_plcp_crc(std::span<const std::uint8_t> header_bits);
// IEEE 802.11 MAC frame check sequence: CRC-32 (the Ethernet CRC, reflected, preset and complemented
// ones; check 0xCBF43926 for "123456789"). The FCS field holds it least significant octet first.
std::uint32_t ieee80211_fcs(std::span<const std::uint8_t> bytes);
inline constexpr std::array<int, 11> barker11 = {+1, -1, +1, +1, -1, +1, +1, +1, -1, -1, -1};

// ---- Bluetooth BR ----------------------------------------------------------------------------
// 64-bit sync word for a 24-bit LAP (Core Vol 2 Part B 6.3.3.1: LAP + Barker, PN overlay,
// (64,30) expurgated BCH code). Bit i of the result is sent i-th.
std::uint64_t bt_sync_word(std::uint32_t lap);
// 72-bit access code: 4-bit preamble, sync word, 4-bit trailer (transmission order).
Bits bt_access_code(std::uint32_t lap);
// 8-bit header error check (x^8+x^7+x^5+x^2+x+1) over the 10 header bits, LFSR preset with the UAP
// (UAP bit 0 in position 0); transmission order. Verified against the SIG sample codewords for
// UAP 0x00; the placement of a nonzero UAP is our reading of the spec's figure, not verified.
Bits bt_hec(std::span<const std::uint8_t> header10, std::uint8_t uap);
// 16-bit payload CRC (CRC-CCITT), register preset with the UAP in its low 8 bits (same caveat).
Bits bt_crc16(std::span<const std::uint8_t> bits, std::uint8_t uap);
// Whitening sequence x^7 + x^4 + 1 with positions 0..5 = CLK1..CLK6 and position 6 = 1 (same
// LFSR as LE whitening, which is verified; the clock-bit placement is not).
Bits bt_whitening_sequence(std::uint8_t clk6_1, std::size_t n);

// ---- Bluetooth LE ----------------------------------------------------------------------------
inline constexpr std::uint32_t ble_adv_access_address = 0x8E89BED6u;
inline constexpr std::uint32_t ble_adv_crc_init = 0x555555u;
// CRC-24 (poly 0x00065B) over PDU bits; returns the register, sent MSB first. Equals the reflection
// of the catalogued CRC-24/BLE value (check 0xC25A56 for "123456789").
std::uint32_t ble_crc24(std::span<const std::uint8_t> pdu_bits, std::uint32_t init = ble_adv_crc_init);
// The CRC init under which `crc` is the CRC-24 of `pdu_bits` (the register run backwards): a
// connection's CRCInit is not on the air, but each of its packets yields it (Core Vol 6 Part B 3.1.1).
std::uint32_t ble_crc24_init(std::span<const std::uint8_t> pdu_bits, std::uint32_t crc);
// Whitening sequence for a channel index 0..39: position 0 = 1, positions 1..6 = channel index
// (MSB in position 1).
Bits ble_whitening_sequence(int channel_index, std::size_t n);

// ---- IEEE 802.15.4 O-QPSK --------------------------------------------------------------------
// 32-chip PN sequence of a 4-bit data symbol; bit k of the result is chip c_k (c_0 first).
std::uint32_t zigbee_chips(int symbol);
// Frame check sequence (ITU-T CRC-16, init 0) over the MPDU bits; 16 bits in transmission order.
Bits ieee802154_fcs(std::span<const std::uint8_t> bits);

}  // namespace coex::coding
