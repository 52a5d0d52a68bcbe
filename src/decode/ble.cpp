// Bluetooth LE 1M and 2M packet decoder (Core Vol 6 Part B 2.1: preamble, access address, PDU,
// CRC-24; 3.2 whitening; 2.3 advertising PDUs) on the shared GFSK demodulator (gfsk.hpp), which
// finds preamble candidates (alternating 8-symbol windows at every sampling phase) and detects the
// bits coherently.
//  - Advertising AA 0x8E89BED6 (<= 5 bit errors in the discriminator's slicing): de-whitened with
//    the channel index the carrier gives (center_hz + measured offset rounded to the 2 MHz grid;
//    both neighbours when the carrier sits between two channels; all 40 indices off the band),
//    CRC-24 init 0x555555. Kind = PDU type; device = AdvA (ScanA / InitA for SCAN_REQ /
//    CONNECT_IND: the sender); ADV_EXT_IND and AUX PDUs parse the extended header (AdvA, AuxPtr).
//    A CRC failing at one sampling phase is retried at the others; a packet none decodes is
//    reported unproven (kind "advertising", no identity).
//  - Any other AA: a connection's or a proprietary link's packet. Candidates must pass the Core's
//    access-address rules (B 2.1.2), fit clean GFSK, have a constant envelope and start where the
//    envelope rises (at most 16 sequence detections per burst and PHY); the AA is then re-decided
//    by sequence detection. Raw BLE-PHY framings with a checkable CRC-24 are tried (nRF52 RADIO
//    used directly, as in the nRF52840 recordings this decoder is tested on): address of 4 octets
//    or 4 + a prefix octet (BALEN = 4), then S0 and LENGTH; whitening off, with the nRF's reset
//    DATAWHITEIV (0x40: the channel-0 sequence) or with the carrier's channel index; CRC init
//    0x555555 or 0x00FFFF. The recordings hold under: prefix octet, channel-0 whitening, init
//    0x00FFFF. A framing a CRC has proven is remembered per AA (16 links), so a later packet of the
//    link whose CRC fails (a collision) is still framed and its length read. Otherwise a connection
//    PDU (LLID != 0, length <= 251, the carrier's channel whitening) or a raw framing whose length
//    ends the packet where the burst's energy ends (+-4 symbols) is reported with
//    checksum_checked = false (a connection's CRC init is not on the air), kind "data",
//    network = the AA. A data PDU's CRC, run backwards, gives the CRC init it holds under; when
//    an earlier packet of the same AA gave the same init (the decoder remembers the inits of 4
//    packets per AA, 16 AAs),
//    that init is the connection's: this packet and the later ones whose CRC holds under it are
//    reported checksum_ok, kind "data, CRC init 0x…" (Ubertooth recovers CRCInit the same way).
//    A packet not yet checked carries its inits (Packet::link_keys), a checked one the learnt init:
//    the classifier checks the connection's first packet by the init its successors confirm.
//
// False decodes (checksum_ok without BLE): a CRC-24 match, P = 2^-24 = 6e-8 per hypothesis. For
// the advertising AA the AA itself must match (40 known symbols within 5 errors: ~2e-5 per random
// candidate) before 1-2 whitening hypotheses (40 off the band). For another AA a candidate must
// pass the AA rules, the GFSK fit, the envelope gates and the budget: at most 16 candidates x 2
// PHYs x (2 framings x <= 4 whitenings x 2 inits = 16 CRCs) = 512 CRC-24 tests per burst, each
// taking the last 2 bits from the CRC (x 4), so P(false checksum_ok) < 2048 x 6e-8 = 1.2e-4 per
// burst in the worst case (a busy foreign burst);
// on noise the envelope gates leave almost no candidates. A connection's learnt CRC init: a
// foreign packet framed as a data PDU under an AA framed before gives 4 inits (its last 2 bits
// either way), each matching one of the <= 16 remembered with P = 64 x 2^-24 = 4e-6 (and the AA
// must repeat exactly first). The classifier's check of an earlier packet by a learnt init is the
// same test the other way round (its 4 inits against the one learnt, P = 4 x 2^-24 per packet held).
// Measured: 0 in 471 foreign bursts.
#include "decoders.hpp"
#include "gfsk.hpp"

#include "coex/coding/coding.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>

namespace coex::decode {
namespace {

constexpr std::size_t kSps = gfsk::kSamplesPerSymbol;
constexpr std::uint32_t kAdvAa = coding::ble_adv_access_address;
constexpr std::size_t kMaxPduBits = 8 * (2 + 255 + 3);
constexpr int kNoWhitening = -1;
// Sequence detections spent per burst and PHY on non-advertising candidates (each passed the AA
// rules, the GFSK fit and an envelope rise): bounds the cost of busy or noisy bursts.
constexpr int kMaxOtherCandidates = 16;
constexpr std::size_t kRememberedLinks = 16;
// CRC inits remembered per unconfirmed connection: each is a 2^-24 chance that a foreign packet
// framed with the same AA matches it.
constexpr std::size_t kCrcInitCandidates = 4;
// A packet's last symbols are its weakest: the transmitter's ramp-down overlaps them and no symbol
// follows to train their phase. Their bits are left to the CRC: it holds when it holds with them
// either way (2^kCrcDecidedBits hypotheses per CRC test).
constexpr int kCrcDecidedBits = 2;
bool crc_holds(std::uint32_t computed, std::uint32_t received) { return (computed ^ received) < (1u << kCrcDecidedBits); }

struct Phy {
    double symbol_rate_hz;
    std::size_t preamble_symbols;
    double rate_mbps;
};
constexpr std::array<Phy, 2> kPhys = {Phy{1e6, 8, 1.0}, Phy{2e6, 16, 2.0}};
constexpr double kModIndex = 0.5;
constexpr double kDeviationPerSymbolRate = kModIndex / 2.0;  // peak deviation = Rs / 4

// Channel index of a BLE RF channel (2402 + 2 k MHz, k = 0..39).
int channel_index_of_rf(int rf) {
    if (rf == 0) return 37;
    if (rf == 12) return 38;
    if (rf == 39) return 39;
    return rf < 12 ? rf - 1 : rf - 2;
}

// Channel indices worth trying for a carrier at `hz`: the nearest channel, and its neighbour when
// the carrier sits between two; empty off the band.
std::array<int, 2> channels_for(double hz, int& count) {
    count = 0;
    std::array<int, 2> out{};
    const double k = (hz - 2402e6) / 2e6;
    if (!(k > -0.75 && k < 39.75)) return out;
    const int nearest = static_cast<int>(std::clamp(std::lround(k), 0L, 39L));
    out[count++] = channel_index_of_rf(nearest);
    const double frac = k - nearest;
    if (std::abs(frac) > 0.3) {
        const int other = nearest + (frac > 0 ? 1 : -1);
        if (other >= 0 && other <= 39) out[count++] = channel_index_of_rf(other);
    }
    return out;
}

std::uint32_t bits_lsb(std::span<const std::uint8_t> bits, std::size_t at, int width) {
    std::uint32_t v = 0;
    for (int i = 0; i < width; ++i) v |= static_cast<std::uint32_t>(bits[at + static_cast<std::size_t>(i)] & 1u) << i;
    return v;
}
std::uint32_t bits_msb(std::span<const std::uint8_t> bits, std::size_t at, int width) {
    std::uint32_t v = 0;
    for (int i = 0; i < width; ++i) v = (v << 1) | (bits[at + static_cast<std::size_t>(i)] & 1u);
    return v;
}

// Core Vol 6 Part B 2.1.2: what a link layer may choose as an access address.
bool plausible_access_address(std::uint32_t aa) {
    if (aa == kAdvAa || std::popcount(aa ^ kAdvAa) <= 1) return false;
    const std::uint32_t b0 = aa & 0xFFu;
    if (((aa >> 8) & 0xFFu) == b0 && ((aa >> 16) & 0xFFu) == b0 && (aa >> 24) == b0) return false;
    int run = 1, transitions = 0;
    for (int i = 1; i < 32; ++i) {
        if (((aa >> i) & 1u) == ((aa >> (i - 1)) & 1u)) {
            if (++run > 6) return false;
        } else {
            run = 1;
            ++transitions;
        }
    }
    if (transitions > 24) return false;
    int top_transitions = 0;
    for (int i = 27; i < 32; ++i) top_transitions += ((aa >> i) & 1u) != ((aa >> (i - 1)) & 1u);
    return top_transitions >= 2;
}

std::string bd_addr(std::span<const std::uint8_t> pdu_bits, std::size_t at_bit) {
    char buf[18];
    std::uint32_t o[6];
    for (int i = 0; i < 6; ++i) o[i] = bits_lsb(pdu_bits, at_bit + 8 * static_cast<std::size_t>(i), 8);
    std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", o[5], o[4], o[3], o[2], o[1], o[0]);
    return buf;
}

std::string hex32(std::uint32_t v) {
    char buf[11];
    std::snprintf(buf, sizeof buf, "0x%08x", v);
    return buf;
}

class BleDecoder final : public Decoder {
public:
    BleDecoder() {
        for (int ch = 0; ch < 40; ++ch) whitening_[static_cast<std::size_t>(ch)] = coding::ble_whitening_sequence(ch, kMaxPduBits + 8);
    }

    void decode(const Input& in, std::vector<Packet>& out) override {
        for (const Phy& phy : kPhys) {
            // LE 2M needs its ±1.1 MHz (plus the carrier offset) inside the input's band
            if (in.sample_rate_hz < 1.6 * phy.symbol_rate_hz) continue;
            // the framework's measure of the deviation, when there is one, says 1M (±250 kHz) or 2M (±500 kHz)
            if (in.measured_deviation_hz > 0.0 && (in.measured_deviation_hz > 375e3) != (phy.symbol_rate_hz > 1.5e6)) continue;
            if (!demod_.run(in.samples, in.sample_rate_hz, phy.symbol_rate_hz)) continue;
            decode_phy(in, phy, out);
        }
    }

private:
    const coding::Bits* whitening(int channel) const {
        return channel == kNoWhitening ? nullptr : &whitening_[static_cast<std::size_t>(channel)];
    }

    // De-whitened bits [from, from + count) of the sliced stream `bits_`, whitening starting at `from`.
    void dewhiten(std::size_t from, std::size_t count, int channel, coding::Bits& outbits) const {
        outbits.assign(bits_.begin() + static_cast<long>(from), bits_.begin() + static_cast<long>(from + count));
        if (const coding::Bits* w = whitening(channel))
            for (std::size_t i = 0; i < count && i < w->size(); ++i) outbits[i] ^= (*w)[i];
    }

    void decode_phy(const Input& in, const Phy& phy, std::vector<Packet>& out) {
        const double deviation = kDeviationPerSymbolRate * phy.symbol_rate_hz;
        const auto& runs = demod_.find_alternating_runs(static_cast<float>(0.35 * deviation));
        std::size_t consumed_until = 0;
        int budget = kMaxOtherCandidates;
        // An advertising AA whose CRC fails at one sampling phase is tried at the others (their
        // runs come next); it is reported unproven only when none decodes.
        failed_.reset();
        std::size_t failed_end = 0;
        auto flush_failed = [&] {
            if (failed_) out.push_back(std::move(*failed_));
            failed_.reset();
        };
        for (const gfsk::Run& run : runs) {
            if (failed_ && run.first_sample >= failed_end) flush_failed();
            if (run.first_sample < consumed_until) continue;
            // the AA starts q symbols into the run (the 8 symbols before it are preamble): first
            // every q for the advertising AA, then the first plausible other AA
            std::optional<Packet> unchecked;
            std::size_t unchecked_aa_sample = 0;
            std::uint32_t unchecked_crc = 0;  // a data PDU's CRC as received (its bits: unchecked_crc_bits_)
            bool unchecked_has_crc = false;
            bool done = false;
            // For another AA nothing known marks the AA's start: most likely a preamble's length
            // after the run's signal starts (noise before a packet can extend the run), so those
            // starts are tried first; a CRC, or the length field ending the packet where the
            // burst ends, picks the framing.
            const gfsk::Run trimmed = demod_.trim_to_signal(run);
            const std::size_t q0 = (trimmed.first_sample - run.first_sample) / kSps + phy.preamble_symbols;
            other_q_.clear();
            for (std::size_t q : {q0, q0 + 1, q0 - 1})
                if (q >= 2 && q <= run.symbols + 1) other_q_.push_back(q);
            for (std::size_t q = 2; q <= run.symbols + 1; ++q)
                if (q + 1 < q0 || q > q0 + 1) other_q_.push_back(q);
            double unchecked_error = 1e300;
            for (int pass = 0; pass < 2 && !done; ++pass) {
                // (a noisy preamble symbol can cut the run short: the 8 symbols before the AA
                // need not all lie in it)
                const std::size_t q_count = pass == 0 ? run.symbols : other_q_.size();
                for (std::size_t qi = 0; qi < q_count && !done; ++qi) {
                    const std::size_t q = pass == 0 ? qi + 2 : other_q_[qi];
                    if (q < 2 || q > run.symbols + 1) continue;
                    const std::size_t aa_sample = run.first_sample + q * kSps;
                    if (aa_sample < 8 * kSps) continue;
                    gfsk::Sync sync;
                    if (!prepare(aa_sample, deviation, sync)) continue;
                    const std::uint32_t aa = bits_lsb(known_, 8, 32);
                    const bool advertising = std::popcount(aa ^ kAdvAa) <= 5;
                    if (advertising != (pass == 0)) continue;
                    const double carrier = in.center_hz + demod_.coarse_offset_hz() + sync.offset_hz;
                    const double preamble_sample = static_cast<double>(aa_sample) - static_cast<double>(phy.preamble_symbols * kSps);
                    Packet base;
                    base.protocol = Protocol::ble;
                    base.start_s = demod_.symbol_start_s(preamble_sample);
                    base.frequency_offset_hz = demod_.coarse_offset_hz() + sync.offset_hz;
                    base.rate_mbps = phy.rate_mbps;
                    base.access_address = advertising ? kAdvAa : aa;
                    if (advertising) {
                        const bool had_failed = failed_.has_value();
                        done = decode_advertising(base, phy, carrier, out);
                        if (done) failed_.reset();
                        if (!had_failed && failed_) failed_end = packet_end_sample(aa_sample, *failed_, phy);
                    } else {
                        if (!plausible_access_address(aa)) continue;
                        if (demod_.misfit(sync, known_) > 0.9f) continue;
                        if (demod_.envelope_constancy(aa_sample - 8 * kSps, aa_sample + 32 * kSps) < 0.88f) continue;
                        const std::size_t preamble_start = aa_sample - phy.preamble_symbols * kSps;
                        if (aa_sample < phy.preamble_symbols * kSps || !demod_.rises_before(preamble_start, 24)) continue;
                        if (budget == 0) continue;
                        --budget;
                        // the AA by sequence detection (the discriminator's slicing errs at low SNR,
                        // and a link is known by its AA repeating exactly)
                        if (!detect_access_address()) continue;
                        base.access_address = bits_lsb(known_, 8, 32);
                        if (!plausible_access_address(base.access_address)) continue;
                        if (advertising_aa_follows()) continue;
                        done = decode_other(base, phy, carrier, out);
                        if (!done && !unchecked) {
                            if (auto p = frame_proven_link(base, phy)) {
                                unchecked = std::move(p);
                                unchecked_aa_sample = aa_sample;
                                unchecked_error = -1.0;  // preferred over any end-of-burst match
                                unchecked_has_crc = false;
                            }
                        }
                        if (!done) {
                            double error = 0.0;
                            std::optional<std::uint32_t> crc;
                            if (auto p = frame_unchecked(base, phy, carrier, aa_sample, error, crc); p && error < unchecked_error) {
                                unchecked = std::move(p);
                                unchecked_aa_sample = aa_sample;
                                unchecked_error = error;
                                unchecked_has_crc = crc.has_value();
                                unchecked_crc = crc.value_or(0);
                                if (crc) unchecked_crc_bits_ = crc_bits_;
                            }
                        }
                    }
                    if (done) consumed_until = packet_end_sample(aa_sample, out.back(), phy);
                }
            }
            if (!done && unchecked) {
                if (unchecked_has_crc) verify_by_link(*unchecked, unchecked_crc);
                consumed_until = packet_end_sample(unchecked_aa_sample, *unchecked, phy);
                out.push_back(std::move(*unchecked));
            }
        }
        flush_failed();
    }

    // Whether the advertising AA (<= 3 bit errors) starts within 16 symbols after a candidate AA:
    // then the candidate is a preamble, and the packet is the advertising one.
    bool advertising_aa_follows() {
        if (!demod_.slice(sync_, 40, 48, aa_bits_)) return false;
        for (std::size_t shift = 0; shift <= 16; ++shift)
            if (std::popcount(bits_lsb(aa_bits_, shift, 32) ^ kAdvAa) <= 3) return true;
        // and on the detected bits: the candidate AA + what follows it
        if (!ensure(24)) return false;
        stream_.assign(known_.begin() + 8, known_.end());
        stream_.insert(stream_.end(), bits_.begin(), bits_.begin() + 24);
        for (std::size_t shift = 1; shift + 32 <= stream_.size(); ++shift)
            if (std::popcount(bits_lsb(stream_, shift, 32) ^ kAdvAa) <= 4) return true;
        return false;
    }

    // Preamble measurement ending at aa_sample, AA sliced from the discriminator, offset refined
    // on preamble + AA; known_ holds those 40 bits. The bits after the AA come later (ensure()).
    bool prepare(std::size_t aa_sample, double deviation, gfsk::Sync& sync) {
        sync = demod_.measure_preamble(aa_sample - 8 * kSps, 8);
        if (!(sync.eye_hz > 0.2f * deviation && sync.eye_hz < 1.6f * deviation)) return false;
        if (!demod_.slice(sync, 8, 32, aa_bits_)) return false;
        const std::uint32_t aa = bits_lsb(aa_bits_, 0, 32);
        // the preamble alternates and ends opposite to the AA's first bit
        known_.resize(8);
        for (std::size_t k = 0; k < 8; ++k) known_[k] = static_cast<std::uint8_t>((aa & 1u) ^ ((8 - k) & 1u));
        coding::append_bits_lsb(known_, aa, 32);
        demod_.refine(sync, known_);
        if (demod_.symbols_available(sync) <= 40 + 16 + 2) return false;
        sync_ = sync;
        bits_.clear();
        return true;
    }

    // Re-decides the AA in known_ by sequence detection trained on the preamble alone.
    bool detect_access_address() {
        const coding::Bits preamble(known_.begin(), known_.begin() + 8);
        if (!demod_.detect(sync_, kModIndex, preamble, 40, detected_)) return false;
        std::copy(detected_.begin() + 8, detected_.begin() + 40, known_.begin() + 8);
        bits_.clear();
        return true;
    }

    // The first `count` bits after the AA in bits_, by coherent sequence detection trained on the
    // preamble and AA; false when the burst ends before them.
    bool ensure(std::size_t count) {
        if (bits_.size() >= count) return true;
        const std::size_t avail = demod_.symbols_available(sync_);
        if (avail < 40 + count + 1) return false;
        const std::size_t n = std::min(count + 32, avail - 1 - 40);  // a little lookahead for later asks
        if (!demod_.detect(sync_, kModIndex, known_, 40 + n, detected_)) return false;
        bits_.assign(detected_.begin() + 40, detected_.end());
        return bits_.size() >= count;
    }

    static std::size_t packet_end_sample(std::size_t aa_sample, const Packet& p, const Phy& phy) {
        const double after_aa_start = p.duration_s * phy.symbol_rate_hz - static_cast<double>(phy.preamble_symbols);
        return aa_sample + static_cast<std::size_t>(std::max(0.0, after_aa_start)) * kSps;
    }

    // Advertising AA: header, payload, CRC with init 0x555555 under the frequency's channel index.
    bool decode_advertising(Packet base, const Phy& phy, double carrier, std::vector<Packet>& out) {
        int count = 0;
        const auto channels = channels_for(carrier, count);
        std::array<int, 40> tries{};
        int n_tries = 0;
        if (count == 0) {
            for (int ch = 0; ch < 40; ++ch) tries[static_cast<std::size_t>(n_tries++)] = ch;
        } else {
            for (int i = 0; i < count; ++i) tries[static_cast<std::size_t>(n_tries++)] = channels[static_cast<std::size_t>(i)];
        }
        std::optional<Packet> failed;
        for (int t = 0; t < n_tries; ++t) {
            const int ch = tries[static_cast<std::size_t>(t)];
            if (!ensure(16)) return false;
            dewhiten(0, 16, ch, pdu_);
            const std::uint32_t length = bits_lsb(pdu_, 8, 8);
            const std::size_t total = 16 + 8 * length + 24;
            if (!ensure(total)) continue;
            dewhiten(0, total, ch, pdu_);
            const std::span<const std::uint8_t> covered(pdu_.data(), total - 24);
            const bool ok = crc_holds(coding::ble_crc24(covered), bits_msb(pdu_, total - 24, 24));
            Packet p = base;
            p.duration_s = static_cast<double>(phy.preamble_symbols + 32 + total) / phy.symbol_rate_hz;
            p.checksum_checked = true;
            p.checksum_ok = ok;
            describe_advertising(p, ch);
            if (ok) {
                out.push_back(std::move(p));
                return true;
            }
            if (!failed && count > 0 && t == 0) failed = std::move(p);
        }
        // the AA matched but no CRC held: report it unproven (no identity from corrupt bits)
        if (failed && !failed_) {
            failed->device.clear();
            failed->device_type.clear();
            failed->kind = "advertising";
            failed_ = std::move(failed);
        }
        return false;
    }

    // Kind and identity of an advertising-AA PDU (pdu_ holds the de-whitened PDU).
    void describe_advertising(Packet& p, int channel) const {
        const unsigned type = bits_lsb(pdu_, 0, 4);
        const bool tx_random = pdu_[6] != 0;
        const std::size_t length = bits_lsb(pdu_, 8, 8);
        const bool secondary = channel < 37;
        p.device_type = tx_random ? "random" : "public";
        auto addr_at = [&](std::size_t octet) {
            if (8 * (octet + 6) <= 8 * length) p.device = bd_addr(pdu_, 16 + 8 * octet);
        };
        switch (type) {
            case 0: p.kind = "ADV_IND"; addr_at(0); break;
            case 1: p.kind = "ADV_DIRECT_IND"; addr_at(0); break;
            case 2: p.kind = "ADV_NONCONN_IND"; addr_at(0); break;
            case 3: p.kind = secondary ? "AUX_SCAN_REQ" : "SCAN_REQ"; addr_at(0); break;     // ScanA: the sender
            case 4: p.kind = "SCAN_RSP"; addr_at(0); break;
            case 5: p.kind = secondary ? "AUX_CONNECT_REQ" : "CONNECT_IND"; addr_at(0); break;  // InitA
            case 6: p.kind = "ADV_SCAN_IND"; addr_at(0); break;
            case 7: describe_extended(p, secondary, length); break;
            case 8: p.kind = "AUX_CONNECT_RSP"; describe_extended(p, secondary, length); p.kind = "AUX_CONNECT_RSP"; break;
            default: p.kind = "ADV_RFU_" + std::to_string(type); p.device_type.clear(); break;
        }
        if (p.device.empty()) p.device_type.clear();
    }

    // Common extended advertising payload (Core Vol 6 Part B 2.3.4): AdvA and AuxPtr.
    void describe_extended(Packet& p, bool secondary, std::size_t length) const {
        std::string kind = secondary ? "AUX_ADV_IND" : "ADV_EXT_IND";
        if (length < 1) {
            p.kind = kind;
            return;
        }
        const std::size_t header_len = bits_lsb(pdu_, 16, 6);
        if (header_len < 1 || header_len + 1 > length) {
            p.kind = secondary ? "AUX_CHAIN_IND" : kind;
            return;
        }
        const unsigned flags = bits_lsb(pdu_, 24, 8);
        std::size_t at = 32;  // bit index in pdu_ of the next field
        const std::size_t end = 16 + 8 * (1 + header_len);
        auto take = [&](std::size_t octets) {
            const std::size_t pos = at;
            at += 8 * octets;
            return at <= end ? std::optional<std::size_t>(pos) : std::nullopt;
        };
        if (flags & 0x01u) {
            if (auto pos = take(6)) p.device = bd_addr(pdu_, *pos);
        } else if (secondary) {
            kind = "AUX_SYNC_IND/AUX_CHAIN_IND";
        }
        if (flags & 0x02u) (void)take(6);  // TargetA
        if (flags & 0x04u) (void)take(1);  // CTEInfo
        if (flags & 0x08u) (void)take(2);  // ADI
        if (flags & 0x10u) {
            if (auto pos = take(3)) {
                const std::uint32_t aux = bits_lsb(pdu_, *pos, 24);
                const unsigned channel = aux & 0x3Fu;
                const unsigned unit_us = (aux >> 7) & 1u ? 300u : 30u;
                const unsigned offset = (aux >> 8) & 0x1FFFu;
                kind += " aux ch " + std::to_string(channel) + " +" + std::to_string(offset * unit_us) + "us";
            }
        }
        p.kind = kind;
    }

    // Another AA: raw-radio framings whose CRC-24 can be checked.
    bool decode_other(Packet base, const Phy& phy, double carrier, std::vector<Packet>& out) {
        int count = 0;
        const auto channels = channels_for(carrier, count);
        std::array<int, 4> whitenings{kNoWhitening, 0, 0, 0};
        int n_white = 1;
        whitenings[static_cast<std::size_t>(n_white++)] = 0;  // nRF52 reset DATAWHITEIV 0x40: the channel-0 sequence
        for (int i = 0; i < count; ++i)
            if (channels[static_cast<std::size_t>(i)] != 0) whitenings[static_cast<std::size_t>(n_white++)] = channels[static_cast<std::size_t>(i)];
        for (std::size_t prefix_bits : {std::size_t{0}, std::size_t{8}}) {
            for (int w = 0; w < n_white; ++w) {
                const int ch = whitenings[static_cast<std::size_t>(w)];
                if (!ensure(prefix_bits + 16)) continue;
                dewhiten(prefix_bits, 16, ch, pdu_);
                const std::uint32_t length = bits_lsb(pdu_, 8, 8);
                const std::size_t total = 16 + 8 * length + 24;
                if (!ensure(prefix_bits + total)) continue;
                dewhiten(prefix_bits, total, ch, pdu_);
                const std::span<const std::uint8_t> covered(pdu_.data(), total - 24);
                const std::uint32_t received = bits_msb(pdu_, total - 24, 24);
                for (std::uint32_t init : {coding::ble_adv_crc_init, 0x00FFFFu}) {
                    if (!crc_holds(coding::ble_crc24(covered, init), received)) continue;
                    remember(base.access_address, RawFraming{prefix_bits, ch, init});
                    Packet p = base;
                    p.duration_s = static_cast<double>(phy.preamble_symbols + 32 + prefix_bits + total) / phy.symbol_rate_hz;
                    p.checksum_checked = true;
                    p.checksum_ok = true;
                    p.network = hex32(base.access_address);
                    char kind[96];
                    std::snprintf(kind, sizeof kind, "raw %s, %s, CRC init 0x%06x", prefix_bits ? "5-octet address" : "4-octet address",
                                  ch == kNoWhitening ? "not whitened" : ("whitened ch " + std::to_string(ch)).c_str(), init);
                    p.kind = kind;
                    out.push_back(std::move(p));
                    return true;
                }
            }
        }
        return false;
    }

    // A link whose framing a CRC has proven: its later packets with a failing CRC (a collision)
    // are still framed by it, their length read under it.
    struct RawFraming {
        std::size_t prefix_bits = 0;
        int whitening = kNoWhitening;
        std::uint32_t crc_init = 0;
    };
    void remember(std::uint32_t aa, RawFraming framing) {
        for (auto& [known_aa, f] : proven_)
            if (known_aa == aa) {
                f = framing;
                return;
            }
        if (proven_.size() >= kRememberedLinks) proven_.erase(proven_.begin());
        proven_.emplace_back(aa, framing);
    }
    std::optional<Packet> frame_proven_link(Packet base, const Phy& phy) {
        for (const auto& [aa, f] : proven_) {
            if (aa != base.access_address) continue;
            if (!ensure(f.prefix_bits + 16)) return std::nullopt;
            dewhiten(f.prefix_bits, 16, f.whitening, pdu_);
            const std::size_t total = 16 + 8 * bits_lsb(pdu_, 8, 8) + 24;
            if (!ensure(f.prefix_bits + total)) return std::nullopt;
            Packet p = base;
            p.duration_s = static_cast<double>(phy.preamble_symbols + 32 + f.prefix_bits + total) / phy.symbol_rate_hz;
            p.checksum_checked = true;  // under the link's proven framing; it failed (decode_other found none)
            p.checksum_ok = false;
            p.network = hex32(base.access_address);
            p.kind = "raw, framing proven earlier, CRC fails";
            return p;
        }
        return std::nullopt;
    }

    // A connection's CRC init is not on the air, but every packet of the connection yields the same
    // one (the CRC run backwards): a packet whose init another packet of its AA gave before is
    // checked by it (and the init is then the link's: later packets are checked against it).
    void verify_by_link(Packet& p, std::uint32_t crc) {
        Connection* link = nullptr;
        for (auto& c : connections_)
            if (c.access_address == p.access_address) link = &c;
        if (!link) {
            if (connections_.size() >= kRememberedLinks) connections_.erase(connections_.begin());
            connections_.emplace_back();
            connections_.back().access_address = p.access_address;
            link = &connections_.back();
        }
        // the inits under the CRC-decided last bits' values (crc_holds)
        std::array<std::uint32_t, 1u << kCrcDecidedBits> inits{};
        for (std::uint32_t flip = 0; flip < inits.size(); ++flip) inits[flip] = coding::ble_crc24_init(unchecked_crc_bits_, crc ^ flip);
        std::optional<std::uint32_t> found;
        for (const std::uint32_t init : inits) {
            if (link->crc_init) {
                if (*link->crc_init == init) found = init;
            } else if (std::find(link->candidates.begin(), link->candidates.begin() + static_cast<long>(link->used), init) !=
                       link->candidates.begin() + static_cast<long>(link->used)) {
                found = init;
            }
        }
        if (!found) {
            // (the values a later packet may confirm: the classifier then checks this one by it)
            std::copy(inits.begin(), inits.end(), p.link_keys.begin());
            p.link_key_count = static_cast<std::uint8_t>(inits.size());
            if (!link->crc_init)
                for (const std::uint32_t init : inits) {
                    link->candidates[link->next % link->candidates.size()] = init;
                    ++link->next;
                    link->used = std::min(link->used + 1, link->candidates.size());
                }
            return;
        }
        link->crc_init = found;
        p.link_keys[0] = *found;
        p.link_key_count = 1;
        p.checksum_checked = true;
        p.checksum_ok = true;
        char kind[48];
        std::snprintf(kind, sizeof kind, "data, CRC init 0x%06x", *found);
        p.kind = kind;
    }

    // Another AA without a checkable CRC: a connection data PDU (LLID != 0, length <= 251) under the
    // frequency's channel whitening, or a raw framing, whose end falls where the burst's energy ends.
    std::optional<Packet> frame_unchecked(Packet base, const Phy& phy, double carrier, std::size_t aa_sample, double& end_error,
                                          std::optional<std::uint32_t>& crc) {
        crc.reset();
        int count = 0;
        const auto channels = channels_for(carrier, count);
        const double tolerance = 4.0 * kSps;  // a length one octet off misses by 8 symbols
        const double burst_end = static_cast<double>(demod_.active_last());
        std::optional<Packet> best;
        double best_error = tolerance;
        auto consider = [&](std::size_t prefix_bits, int ch, bool data_header) {
            if (!ensure(prefix_bits + 16)) return;
            dewhiten(prefix_bits, 16, ch, pdu_);
            const std::uint32_t llid = bits_lsb(pdu_, 0, 2), length = bits_lsb(pdu_, 8, 8);
            if (data_header && (llid == 0 || length > 251)) return;
            const std::size_t symbols = 32 + prefix_bits + 16 + 8 * length + 24;
            const double end = static_cast<double>(aa_sample) + static_cast<double>(symbols * kSps);
            if (static_cast<std::size_t>(end) > demod_.samples()) return;
            const double error = std::abs(end - burst_end);
            if (error > best_error) return;
            best_error = error;
            Packet p = base;
            p.duration_s = static_cast<double>(phy.preamble_symbols + symbols) / phy.symbol_rate_hz;
            p.kind = "data";
            p.network = hex32(base.access_address);
            best = std::move(p);
            crc.reset();
            if (data_header) {  // for verify_by_link: the bits the CRC covers and the CRC received
                const std::size_t total = 16 + 8 * length + 24;
                if (!ensure(total)) return;
                dewhiten(0, total, ch, pdu_);
                crc_bits_.assign(pdu_.begin(), pdu_.begin() + static_cast<long>(total - 24));
                crc = bits_msb(pdu_, total - 24, 24);
            }
        };
        for (int i = 0; i < count; ++i) consider(0, channels[static_cast<std::size_t>(i)], true);
        if (!best) {
            consider(8, 0, false);
            consider(0, 0, false);
            consider(8, kNoWhitening, false);
            consider(0, kNoWhitening, false);
        }
        end_error = best_error;
        return best;
    }

    gfsk::Demodulator demod_;
    std::array<coding::Bits, 40> whitening_;
    gfsk::Sync sync_;
    coding::Bits bits_, pdu_, aa_bits_, known_, detected_, stream_;
    std::vector<std::size_t> other_q_;
    std::optional<Packet> failed_;  // advertising packet whose CRC failed, pending other phases
    std::vector<std::pair<std::uint32_t, RawFraming>> proven_;  // AA -> framing a CRC held under
    struct Connection {
        std::uint32_t access_address = 0;
        std::optional<std::uint32_t> crc_init;                         // confirmed by two packets
        std::array<std::uint32_t, kCrcInitCandidates << kCrcDecidedBits> candidates{};  // the inits its last packets gave
        std::size_t next = 0;
        std::size_t used = 0;
    };
    std::vector<Connection> connections_;
    coding::Bits crc_bits_;            // the PDU bits of the data packet frame_unchecked framed
    coding::Bits unchecked_crc_bits_;  // those of the one kept
};

}  // namespace

const DecoderDescriptor kBleDecoder{Protocol::ble, "Bluetooth LE 1M/2M", 2e6, false,
                                    [] { return std::unique_ptr<Decoder>(std::make_unique<BleDecoder>()); },
                                    0.0, 185.0, 750.0,  // ±250 kHz (1M) and ±500 kHz (2M), with room for the measure's spread
                                    2.3e-3,             // 2120 µs: 255 octets at 1M
                                    40e-6};             // 44 µs: an empty PDU at 2M

}  // namespace coex::decode
