// Bluetooth BR and LE packets (GFSK).
#include "coex/sim/bluetooth.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "coex/core/error.hpp"
#include "coex/coding/coding.hpp"
#include "dsp.hpp"

namespace coex::sim {

namespace {

// Gaussian-filtered rectangular frequency pulse, unit height for a long run of equal symbols:
// r(tau) = 0.5 [erf(c (tau + T/2)) - erf(c (tau - T/2))], c = pi B sqrt(2 / ln 2), tau in symbols.
double gauss_rect(double tau_sym, double bt) {
    const double c = std::numbers::pi * bt * std::sqrt(2.0 / std::numbers::ln2);
    return 0.5 * (std::erf(c * (tau_sym + 0.5)) - std::erf(c * (tau_sym - 0.5)));
}

constexpr int pulse_half_span = 2;  // symbols each side of a symbol's centre

}  // namespace

Waveform gfsk_modulate(const std::vector<std::uint8_t>& bits, double symbol_rate_hz, double bt,
                       double mod_index, double samples_per_symbol) {
    if (!(samples_per_symbol >= 2.0)) throw ConfigError("GFSK needs at least 2 samples per symbol");
    Waveform w;
    w.sample_rate_hz = samples_per_symbol * symbol_rate_hz;
    const std::size_t n_sym = bits.size();
    const auto n = static_cast<std::size_t>(std::llround(static_cast<double>(n_sym) * samples_per_symbol));
    if (n == 0) return w;

    // Instantaneous frequency in units of the peak deviation, at sample times t_n = n / fs.
    std::vector<double> f(n, 0.0);
    const double sps = samples_per_symbol;
    const bool integer_sps = std::abs(sps - std::round(sps)) < 1e-9;
    if (integer_sps) {
        // Pulse table p[i] = r(i / sps - 0.5) for i = n - k sps in [-half_span sps, (half_span + 1) sps].
        const auto isps = static_cast<long>(std::llround(sps));
        const long lo = -pulse_half_span * isps, hi = (pulse_half_span + 1) * isps;
        std::vector<double> p(static_cast<std::size_t>(hi - lo + 1));
        for (long i = lo; i <= hi; ++i) p[static_cast<std::size_t>(i - lo)] = gauss_rect(static_cast<double>(i) / sps - 0.5, bt);
        for (std::size_t k = 0; k < n_sym; ++k) {
            const double a = bits[k] ? 1.0 : -1.0;
            const long base = static_cast<long>(k) * isps;
            for (long i = lo; i <= hi; ++i) {
                const long m = base + i;
                if (m >= 0 && m < static_cast<long>(n)) f[static_cast<std::size_t>(m)] += a * p[static_cast<std::size_t>(i - lo)];
            }
        }
    } else {
        for (std::size_t m = 0; m < n; ++m) {
            const double t = static_cast<double>(m) / sps;  // in symbols
            const long kc = static_cast<long>(std::floor(t));
            double acc = 0.0;
            for (long k = kc - pulse_half_span - 1; k <= kc + pulse_half_span + 1; ++k) {
                if (k < 0 || k >= static_cast<long>(n_sym)) continue;
                acc += (bits[static_cast<std::size_t>(k)] ? 1.0 : -1.0) * gauss_rect(t - (static_cast<double>(k) + 0.5), bt);
            }
            f[m] = acc;
        }
    }

    // Phase: trapezoidal integration of 2 pi f_dev f(t), f_dev = h Rs / 2.
    const double dphi = 2.0 * std::numbers::pi * (mod_index * symbol_rate_hz / 2.0) / w.sample_rate_hz;
    w.samples.resize(n);
    double phase = 0.0;
    for (std::size_t m = 0; m < n; ++m) {
        w.samples[m] = cf32{static_cast<float>(std::cos(phase)), static_cast<float>(std::sin(phase))};
        if (m + 1 < n) phase = std::remainder(phase + 0.5 * dphi * (f[m] + f[m + 1]), 2.0 * std::numbers::pi);
    }
    detail::normalize_power(w.samples);
    return w;
}

// ---- Bluetooth BR --------------------------------------------------------------------------------

std::size_t bt_max_payload_bytes(BtPacket type) {
    switch (type) {
        case BtPacket::dh1: return 27;
        case BtPacket::dh3: return 183;
        case BtPacket::dh5: return 339;
    }
    throw ConfigError("unknown BtPacket");
}

namespace {
std::size_t bt_payload_header_bytes(BtPacket type) { return type == BtPacket::dh1 ? 1 : 2; }
unsigned bt_type_code(BtPacket type) {
    switch (type) {
        case BtPacket::dh1: return 0b0100;
        case BtPacket::dh3: return 0b1011;
        case BtPacket::dh5: return 0b1111;
    }
    throw ConfigError("unknown BtPacket");
}
}  // namespace

double bt_br_packet_duration_s(BtPacket type, std::size_t payload_bytes) {
    const std::size_t bits = 72 + 54 + 8 * (bt_payload_header_bytes(type) + payload_bytes + 2);
    return static_cast<double>(bits) / bt_symbol_rate_hz;
}

Waveform bt_br_packet(BtPacket type, std::size_t payload_bytes, std::mt19937_64& rng, double samples_per_symbol) {
    if (payload_bytes > bt_max_payload_bytes(type)) throw ConfigError("Bluetooth payload too long for the packet type");
    BtBrAddress address;
    address.lap = static_cast<std::uint32_t>(detail::draw_uint(rng, 0, 0xFFFFFF));
    address.uap = static_cast<std::uint8_t>(detail::draw_uint(rng, 0, 0xFF));
    return bt_br_packet(type, payload_bytes, address, rng, samples_per_symbol);
}

Waveform bt_br_packet(BtPacket type, std::size_t payload_bytes, BtBrAddress address, std::mt19937_64& rng,
                      double samples_per_symbol) {
    using namespace coding;
    if (payload_bytes > bt_max_payload_bytes(type)) throw ConfigError("Bluetooth payload too long for the packet type");
    if (address.lap > 0xFFFFFFu) throw ConfigError("Bluetooth LAP must fit 24 bits");
    const std::uint32_t lap = address.lap;
    const std::uint8_t uap = address.uap;
    const auto clk = static_cast<std::uint8_t>(detail::draw_uint(rng, 0, 0x3F));
    const auto lt_addr = static_cast<unsigned>(detail::draw_uint(rng, 1, 7));
    const auto arqn_seqn = static_cast<unsigned>(detail::draw_uint(rng, 0, 3));
    std::vector<std::uint8_t> body(payload_bytes);
    detail::fill_random_bytes(rng, body);

    Bits header;
    append_bits_lsb(header, lt_addr, 3);
    append_bits_lsb(header, bt_type_code(type), 4);
    header.push_back(1);                                   // FLOW: go
    header.push_back(static_cast<std::uint8_t>(arqn_seqn & 1u));  // ARQN
    header.push_back(static_cast<std::uint8_t>(arqn_seqn >> 1));  // SEQN
    const Bits hec = bt_hec(header, uap);
    header.insert(header.end(), hec.begin(), hec.end());

    Bits payload;
    if (type == BtPacket::dh1) {
        append_bits_lsb(payload, 0b10, 2);  // LLID: start of L2CAP message
        payload.push_back(1);                // FLOW
        append_bits_lsb(payload, payload_bytes, 5);
    } else {
        append_bits_lsb(payload, 0b10, 2);
        payload.push_back(1);
        append_bits_lsb(payload, payload_bytes, 10);
        append_bits_lsb(payload, 0, 3);
    }
    const Bits body_bits = bytes_to_bits_lsb(body);
    payload.insert(payload.end(), body_bits.begin(), body_bits.end());
    const Bits crc = bt_crc16(payload, uap);
    payload.insert(payload.end(), crc.begin(), crc.end());

    // Whitening runs continuously over header and payload; then the header gets FEC 1/3.
    const Bits white = bt_whitening_sequence(clk, header.size() + payload.size());
    for (std::size_t i = 0; i < header.size(); ++i) header[i] ^= white[i];
    for (std::size_t i = 0; i < payload.size(); ++i) payload[i] ^= white[header.size() + i];

    Bits bits = bt_access_code(lap);
    for (std::uint8_t b : header)
        for (int r = 0; r < 3; ++r) bits.push_back(b);
    bits.insert(bits.end(), payload.begin(), payload.end());
    return gfsk_modulate(bits, bt_symbol_rate_hz, 0.5, bt_br_mod_index, samples_per_symbol);
}

Waveform bt_br_packet(BtPacket type, std::mt19937_64& rng, double samples_per_symbol) {
    return bt_br_packet(type, bt_max_payload_bytes(type), rng, samples_per_symbol);
}

// ---- Bluetooth LE --------------------------------------------------------------------------------

double ble_symbol_rate_hz(BlePhy phy) { return phy == BlePhy::le2m ? 2e6 : 1e6; }

double ble_packet_duration_s(std::size_t payload_bytes, BlePhy phy) {
    const std::size_t preamble = phy == BlePhy::le2m ? 2 : 1;
    return static_cast<double>(8 * (preamble + 4 + 2 + payload_bytes + 3)) / ble_symbol_rate_hz(phy);
}

namespace {
// A data-channel access address: not the advertising one, and not a long run of equal bits.
std::uint32_t random_access_address(std::mt19937_64& rng) {
    for (;;) {
        const auto aa = static_cast<std::uint32_t>(detail::draw_uint(rng, 0, 0xFFFFFFFFu));
        if (aa == coding::ble_adv_access_address) continue;
        int run = 1, max_run = 1, transitions = 0;
        for (int i = 1; i < 32; ++i) {
            if (((aa >> i) & 1u) == ((aa >> (i - 1)) & 1u)) {
                max_run = std::max(max_run, ++run);
            } else {
                run = 1;
                ++transitions;
            }
        }
        if (max_run <= 6 && transitions <= 24) return aa;
    }
}
}  // namespace

Waveform ble_packet(std::size_t payload_bytes, BlePhy phy, int channel_index, std::mt19937_64& rng,
                    double samples_per_symbol) {
    return ble_packet(payload_bytes, phy, channel_index, BleIdentity{}, rng, samples_per_symbol);
}

Waveform ble_packet(std::size_t payload_bytes, BlePhy phy, int channel_index, const BleIdentity& identity, std::mt19937_64& rng,
                    double samples_per_symbol) {
    using namespace coding;
    if (payload_bytes > ble_max_payload_bytes) throw ConfigError("BLE payload must be 0..255 bytes");
    if (channel_index < 0 || channel_index > 39) throw ConfigError("BLE channel index must be 0..39");
    const bool advertising = channel_index >= 37;

    std::uint32_t aa = ble_adv_access_address, crc_init = ble_adv_crc_init;
    Bits pdu;
    if (advertising) {
        append_bits_lsb(pdu, 0b0010, 4);  // ADV_NONCONN_IND
        pdu.push_back(0);                 // RFU
        pdu.push_back(0);                 // ChSel
        pdu.push_back(identity.random_address ? 1 : 0);  // TxAdd
        pdu.push_back(0);                 // RxAdd
    } else {
        aa = identity.access_address ? *identity.access_address : random_access_address(rng);
        crc_init = identity.crc_init ? *identity.crc_init : static_cast<std::uint32_t>(detail::draw_uint(rng, 0, 0xFFFFFF));
        const auto flags = static_cast<unsigned>(detail::draw_uint(rng, 0, 7));
        append_bits_lsb(pdu, 0b10, 2);  // LLID: start of an L2CAP message
        append_bits_lsb(pdu, flags, 3);  // NESN, SN, MD
        append_bits_lsb(pdu, 0, 3);      // CP, RFU
    }
    append_bits_lsb(pdu, payload_bytes, 8);
    std::vector<std::uint8_t> payload(payload_bytes);
    detail::fill_random_bytes(rng, payload);
    if (advertising && identity.adv_address)
        std::copy_n(identity.adv_address->begin(), std::min<std::size_t>(6, payload.size()), payload.begin());
    const Bits payload_bits = bytes_to_bits_lsb(payload);
    pdu.insert(pdu.end(), payload_bits.begin(), payload_bits.end());
    append_crc_msb_first(pdu, ble_crc24(pdu, crc_init), 24);

    const Bits white = ble_whitening_sequence(channel_index, pdu.size());
    for (std::size_t i = 0; i < pdu.size(); ++i) pdu[i] ^= white[i];

    Bits bits;
    const std::size_t preamble_bits = phy == BlePhy::le2m ? 16 : 8;
    const std::uint8_t first = static_cast<std::uint8_t>(aa & 1u);  // preamble starts with the AA LSB
    for (std::size_t i = 0; i < preamble_bits; ++i) bits.push_back(static_cast<std::uint8_t>((i % 2 == 0) ? first : first ^ 1u));
    append_bits_lsb(bits, aa, 32);
    bits.insert(bits.end(), pdu.begin(), pdu.end());
    return gfsk_modulate(bits, ble_symbol_rate_hz(phy), 0.5, ble_mod_index, samples_per_symbol);
}

}  // namespace coex::sim
