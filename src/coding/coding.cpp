#include "coex/coding/coding.hpp"

#include <algorithm>
#include <stdexcept>

#include "coex/core/error.hpp"

namespace coex::coding {

void append_bits_lsb(Bits& out, std::uint64_t value, int count) {
    for (int i = 0; i < count; ++i) out.push_back(static_cast<std::uint8_t>((value >> i) & 1u));
}

Bits bytes_to_bits_lsb(std::span<const std::uint8_t> bytes) {
    Bits out;
    out.reserve(bytes.size() * 8);
    for (std::uint8_t b : bytes) append_bits_lsb(out, b, 8);
    return out;
}

std::uint32_t lfsr_crc(std::span<const std::uint8_t> bits, std::uint32_t poly, int width,
                       std::uint32_t init) {
    const std::uint32_t mask = width >= 32 ? 0xFFFFFFFFu : ((1u << width) - 1u);
    std::uint32_t reg = init & mask;
    for (std::uint8_t b : bits) {
        const std::uint32_t fb = ((reg >> (width - 1)) & 1u) ^ (b & 1u);
        reg = (reg << 1) & mask;
        if (fb) reg ^= poly;
    }
    return reg;
}

void append_crc_msb_first(Bits& out, std::uint32_t reg, int width) {
    for (int i = width - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>((reg >> i) & 1u));
}

std::uint32_t reflect(std::uint32_t v, int width) {
    std::uint32_t r = 0;
    for (int i = 0; i < width; ++i)
        if ((v >> i) & 1u) r |= 1u << (width - 1 - i);
    return r;
}

// ---- 802.11 ------------------------------------------------------------------------------------

Bits wifi_scrambler_sequence(std::uint8_t state, std::size_t n) {
    // bit k-1 of `s` holds x_k; output x7 ^ x4 is fed back into x1.
    unsigned s = state & 0x7Fu;
    Bits out(n);
    for (std::size_t i = 0; i < n; ++i) {
        const unsigned o = ((s >> 6) ^ (s >> 3)) & 1u;
        out[i] = static_cast<std::uint8_t>(o);
        s = ((s << 1) | o) & 0x7Fu;
    }
    return out;
}

int wifi_pilot_polarity(std::size_t n) {
    static const Bits seq = wifi_scrambler_sequence(0x7F, 127);
    return seq[n % 127] ? -1 : +1;
}

Bits conv_encode_k7(std::span<const std::uint8_t> bits) {
    // Register bit k = input delayed by k; g0 = 133 (taps 0,2,3,5,6), g1 = 171 (taps 0,1,2,3,6).
    constexpr unsigned g0 = 0b1101101u, g1 = 0b1001111u;
    Bits out;
    out.reserve(bits.size() * 2);
    unsigned reg = 0;
    for (std::uint8_t b : bits) {
        reg = ((reg << 1) | (b & 1u)) & 0x7Fu;
        out.push_back(static_cast<std::uint8_t>(__builtin_parity(reg & g0)));
        out.push_back(static_cast<std::uint8_t>(__builtin_parity(reg & g1)));
    }
    return out;
}

Bits puncture(std::span<const std::uint8_t> coded, int num, int den) {
    if (num == 1 && den == 2) return Bits(coded.begin(), coded.end());
    Bits out;
    out.reserve(coded.size());
    if (num == 2 && den == 3) {
        // per 2 input bits: A0 B0 A1 (B1 stolen)
        for (std::size_t i = 0; i < coded.size(); ++i)
            if (i % 4 != 3) out.push_back(coded[i]);
    } else if (num == 3 && den == 4) {
        // per 3 input bits: A0 B0 A1 B2 (B1, A2 stolen)
        for (std::size_t i = 0; i < coded.size(); ++i) {
            const std::size_t r = i % 6;
            if (r != 3 && r != 4) out.push_back(coded[i]);
        }
    } else if (num == 5 && den == 6) {
        // per 5 input bits: A0 B0 A1 B2 A3 B4 (B1, A2, B3, A4 stolen); stream order A0 B0 A1 B1 ...
        for (std::size_t i = 0; i < coded.size(); ++i) {
            const std::size_t r = i % 10;
            if (r == 0 || r == 1 || r == 2 || r == 5 || r == 6 || r == 9) out.push_back(coded[i]);
        }
    } else {
        throw ConfigError("puncture: unsupported code rate");
    }
    return out;
}

namespace {
// Index j (after interleaving) of coded bit k within one symbol.
int interleave_index(int k, int n_cbps, int n_bpsc) {
    const int s = std::max(n_bpsc / 2, 1);
    const int i = (n_cbps / 16) * (k % 16) + k / 16;
    return s * (i / s) + (i + n_cbps - (16 * i) / n_cbps) % s;
}
}  // namespace

Bits wifi_interleave(std::span<const std::uint8_t> block, int n_cbps, int n_bpsc) {
    if (static_cast<int>(block.size()) != n_cbps) throw ConfigError("wifi_interleave: block size");
    Bits out(block.size());
    for (int k = 0; k < n_cbps; ++k) out[interleave_index(k, n_cbps, n_bpsc)] = block[k];
    return out;
}

Bits wifi_ht_interleave(std::span<const std::uint8_t> block, int n_cbps, int n_bpsc, int n_col) {
    if (static_cast<int>(block.size()) != n_cbps || n_col <= 0 || n_cbps % n_col != 0) throw ConfigError("wifi_ht_interleave: block size");
    const int s = std::max(n_bpsc / 2, 1);
    const int n_row = n_cbps / n_col;
    Bits out(block.size());
    for (int k = 0; k < n_cbps; ++k) {
        const int i = n_row * (k % n_col) + k / n_col;
        const int j = s * (i / s) + (i + n_cbps - (n_col * i) / n_cbps) % s;
        out[static_cast<std::size_t>(j)] = block[static_cast<std::size_t>(k)];
    }
    return out;
}

Bits wifi_ht_sig_crc(std::span<const std::uint8_t> bits34) {
    Bits out;
    append_crc_msb_first(out, ~lfsr_crc(bits34, 0x07u, 8, 0xFFu) & 0xFFu, 8);
    return out;
}

Bits wifi_deinterleave(std::span<const std::uint8_t> block, int n_cbps, int n_bpsc) {
    if (static_cast<int>(block.size()) != n_cbps) throw ConfigError("wifi_deinterleave: block size");
    Bits out(block.size());
    for (int k = 0; k < n_cbps; ++k) out[k] = block[interleave_index(k, n_cbps, n_bpsc)];
    return out;
}

Bits dsss_scramble(std::span<const std::uint8_t> bits, std::uint8_t state) {
    unsigned s = state & 0x7Fu;  // bit 0 = y_{n-1}, bit 3 = y_{n-4}, bit 6 = y_{n-7}
    Bits out(bits.size());
    for (std::size_t i = 0; i < bits.size(); ++i) {
        const unsigned y = (bits[i] ^ (s >> 3) ^ (s >> 6)) & 1u;
        out[i] = static_cast<std::uint8_t>(y);
        s = ((s << 1) | y) & 0x7Fu;
    }
    return out;
}

Bits dsss_descramble(std::span<const std::uint8_t> bits, std::uint8_t state) {
    unsigned s = state & 0x7Fu;
    Bits out(bits.size());
    for (std::size_t i = 0; i < bits.size(); ++i) {
        const unsigned y = bits[i] & 1u;
        out[i] = static_cast<std::uint8_t>((y ^ (s >> 3) ^ (s >> 6)) & 1u);
        s = ((s << 1) | y) & 0x7Fu;
    }
    return out;
}

Bits dsss_plcp_crc(std::span<const std::uint8_t> header_bits) {
    const std::uint32_t reg = lfsr_crc(header_bits, 0x1021u, 16, 0xFFFFu) ^ 0xFFFFu;
    Bits out;
    append_crc_msb_first(out, reg, 16);
    return out;
}

// ---- Bluetooth BR --------------------------------------------------------------------------------

std::uint64_t bt_sync_word(std::uint32_t lap) {
    constexpr std::uint64_t pn = 0x83848D96BBCC54FCull;  // p_0 .. p_63, p_i in bit i
    constexpr std::uint64_t g = 0x585713DA9ull;          // generator, octal 260534236651, D^34 .. D^0
    lap &= 0xFFFFFFu;
    // 30 information bits: LAP a0..a23 then the 6-bit Barker extension chosen by a23.
    const std::uint64_t barker = ((lap >> 23) & 1u) ? 0b010011ull : 0b101100ull;  // a24 in bit 0
    const std::uint64_t info = static_cast<std::uint64_t>(lap) | (barker << 24);
    const std::uint64_t x = info ^ (pn >> 34);  // overlay p_34..p_63 on the information bits
    // Systematic encoding: parity = D^34 x(D) mod g(D).
    std::uint64_t rem = x << 34;
    for (int k = 63; k >= 34; --k)
        if ((rem >> k) & 1u) rem ^= g << (k - 34);
    const std::uint64_t codeword = (x << 34) | (rem & ((1ull << 34) - 1));
    return codeword ^ pn;
}

Bits bt_access_code(std::uint32_t lap) {
    const std::uint64_t sync = bt_sync_word(lap);
    Bits out;
    out.reserve(72);
    const bool first = sync & 1u;
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(first ? (i % 2 == 0) : (i % 2 == 1)));
    append_bits_lsb(out, sync, 64);
    const bool last = (sync >> 63) & 1u;
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(last ? (i % 2 == 1) : (i % 2 == 0)));
    return out;
}

Bits bt_hec(std::span<const std::uint8_t> header10, std::uint8_t uap) {
    Bits out;
    append_crc_msb_first(out, lfsr_crc(header10, 0xA7u, 8, uap), 8);
    return out;
}

Bits bt_crc16(std::span<const std::uint8_t> bits, std::uint8_t uap) {
    Bits out;
    append_crc_msb_first(out, lfsr_crc(bits, 0x1021u, 16, uap), 16);
    return out;
}

namespace {
// x^7 + x^4 + 1 whitening LFSR: output = position 6, which is fed back into positions 0 and 4.
Bits whitening_lfsr(unsigned s, std::size_t n) {
    Bits out(n);
    for (std::size_t i = 0; i < n; ++i) {
        const unsigned o = (s >> 6) & 1u;
        out[i] = static_cast<std::uint8_t>(o);
        s = (s << 1) & 0x7Fu;
        if (o) s ^= 0x11u;
    }
    return out;
}
}  // namespace

Bits bt_whitening_sequence(std::uint8_t clk6_1, std::size_t n) {
    return whitening_lfsr((clk6_1 & 0x3Fu) | 0x40u, n);
}

// ---- Bluetooth LE --------------------------------------------------------------------------------

std::uint32_t ble_crc24(std::span<const std::uint8_t> pdu_bits, std::uint32_t init) {
    return lfsr_crc(pdu_bits, 0x00065Bu, 24, init);
}

std::uint32_t ble_crc24_init(std::span<const std::uint8_t> pdu_bits, std::uint32_t crc) {
    // The register with the bits' own contribution removed (the CRC is linear in init and bits) is
    // the init shifted through as many zero bits; each shift is undone from its low bit (the
    // polynomial's x^0 term is set, so a low 1 says the feedback was 1).
    constexpr std::uint32_t poly = 0x00065Bu, mask = 0xFFFFFFu;
    std::uint32_t reg = (crc ^ lfsr_crc(pdu_bits, poly, 24, 0)) & mask;
    for (std::size_t i = 0; i < pdu_bits.size(); ++i) {
        const std::uint32_t feedback = reg & 1u;
        if (feedback) reg ^= poly;
        reg = (reg >> 1) | (feedback << 23);
    }
    return reg;
}

Bits ble_whitening_sequence(int channel_index, std::size_t n) {
    if (channel_index < 0 || channel_index > 39) throw ConfigError("BLE channel index must be 0..39");
    return whitening_lfsr(1u | (reflect(static_cast<std::uint32_t>(channel_index), 6) << 1), n);
}

// ---- 802.15.4 --------------------------------------------------------------------------------------

std::uint32_t zigbee_chips(int symbol) {
    if (symbol < 0 || symbol > 15) throw ConfigError("802.15.4 symbol must be 0..15");
    // Symbol 0: c0..c31 = 1101 1001 1100 0011 0101 0010 0010 1110 (c0 in bit 0).
    static constexpr char sym0[] = "11011001110000110101001000101110";
    std::uint32_t c0 = 0;
    for (int i = 0; i < 32; ++i)
        if (sym0[i] == '1') c0 |= 1u << i;
    const int shift = 4 * (symbol & 7);  // symbols 1..7: cyclic shift right (later in time) by 4k chips
    std::uint32_t c = shift == 0 ? c0 : ((c0 << shift) | (c0 >> (32 - shift)));
    if (symbol >= 8) c ^= 0xAAAAAAAAu;  // symbols 8..15: odd-indexed chips inverted
    return c;
}

std::uint32_t ieee80211_fcs(std::span<const std::uint8_t> bytes) {
    std::uint32_t crc = 0xFFFFFFFFu;
    for (std::uint8_t byte : bytes) {
        crc ^= byte;
        for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

Bits ieee802154_fcs(std::span<const std::uint8_t> bits) {
    Bits out;
    append_crc_msb_first(out, lfsr_crc(bits, 0x1021u, 16, 0), 16);
    return out;
}

}  // namespace coex::coding
