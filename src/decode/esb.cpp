// Nordic Enhanced ShockBurst decoder (nRF24L01+ Product Specification v1.0, 7.3) at 1 and 2 Mb/s
// on the shared GFSK demodulator (gfsk.hpp).
//
// Frame, all fields most significant bit first: preamble 0xAA / 0x55 (alternating, continuing into
// the address), address 3–5 octets, 9-bit packet control field (6-bit payload length <= 32, 2-bit
// PID, NO_ACK), payload, CRC over address + PCF + payload: CRC-16 (x^16+x^12+x^5+1, init 0xFFFF)
// or CRC-8 (x^8+x^2+x+1, init 0xFF). The address is not known to a passive receiver. Each
// preamble candidate (a stretch of alternating symbols, trimmed of noise before the signal) is
// detected once, coherently, trained on the 8 symbols ending one before the stretch does and then
// on the first pass's decisions; the address may start at any of the last symbols of the stretch
// (it continues the alternation for a random number of bits), from the 4th symbol on (a
// transmitter's PA ramp may eat half the preamble), and each start is framed with address widths
// 5, 4, 3 and CRC-16, then CRC-8. Only a holding CRC frames a packet. The last symbol of a packet
// is its weakest (the ramp-down overlaps it and no symbol follows to train its phase): its bit is
// left to CRC-16, which is taken to hold when it holds with that bit either way. Where two
// widths hold (the shorter one reading its PCF inside the address, with a payload one octet
// longer: a few % of frames) the wider is taken and the kind says "esb, address width
// ambiguous". Legacy ShockBurst (no PCF) is not tried.
//
// False decodes. A candidate must look like an ESB packet start: preamble eye within
// [0.3, 1.0] x the ESB deviation (BLE's and 802.15.4's wider swings fall outside), preamble
// symbols fitting offset +- eye, a constant envelope ((mean|y|)^2 / mean|y|^2 > 0.88; Gaussian
// noise gives 0.785) and an envelope rise before it; at most 12 candidates per burst and rate are
// detected (both rates are tried unless the measured deviation rules one out: the 24 below counts both).
// Each tests <= 10 starts x 3 widths x 2 values of the last bit with CRC-16 (P = 60 x
// 2^-16 = 9e-4), and the frame must end where the burst's energy ends (+-8 symbols: for a frame
// found inside a longer foreign burst, ~16 of its ~400-3000 symbols, <= 0.04), so a busy foreign
// GFSK burst is falsely taken with P <= 24 x 9e-4 x 0.04 ~ 9e-4 in the worst case. (Without the end check, 1 BR burst of ~550 in a
// 3 s Bluetooth scene was taken: 0 with it.) CRC-8 is far weaker (21 x 2^-8 per candidate): such
// a framing is reported checksum_checked = true, checksum_ok = false until the same
// address has been framed by CRC-8 twice (the decoder remembers the last 32 such addresses; a
// random repeat of a 24..40-bit address is < 2^-19 per pair): then checksum_ok = true.
#include "decoders.hpp"
#include "gfsk.hpp"

#include "coex/coding/coding.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <deque>
#include <string>

namespace coex::decode {
namespace {

constexpr std::size_t kSps = gfsk::kSamplesPerSymbol;
constexpr double kModIndex = 0.32;  // ±160 kHz at 1 Mb/s, ±320 kHz at 2 Mb/s
constexpr std::size_t kMaxFrameBits = 8 + 40 + 9 + 8 * 32 + 16;
constexpr std::size_t kRememberedAddresses = 32;
// Sequence detections spent per burst and rate (each candidate passed the eye, GFSK-fit, constant
// envelope and envelope-rise gates): bounds the cost of busy or noisy bursts.
constexpr int kMaxCandidates = 12;
// The earliest symbol of a (trimmed) alternating run the address may start at: after 4 preamble
// symbols, the other 4 lost to a PA ramp-up (nRF24L01+ and BLE radios ramp for 2-4 µs) or noise.
constexpr std::size_t kEarliestAddress = 4;

std::uint32_t bits_msb(std::span<const std::uint8_t> bits, std::size_t at, int width) {
    std::uint32_t v = 0;
    for (int i = 0; i < width; ++i) v = (v << 1) | (bits[at + static_cast<std::size_t>(i)] & 1u);
    return v;
}

class EsbDecoder final : public Decoder {
public:
    void decode(const Input& in, std::vector<Packet>& out) override {
        // The framework's measure of the deviation, when there is one, rules 1 Mb/s out above 300 kHz,
        // but never rules 2 Mb/s out: a short 2 Mb/s packet (±320 kHz) measures anywhere from 100 to
        // 280 kHz in the spectrogram. The likelier rate goes first.
        const double measured = in.measured_deviation_hz;
        const bool two_first = measured > 240e3;
        for (const double rate : {two_first ? 2e6 : 1e6, two_first ? 1e6 : 2e6}) {
            if (in.sample_rate_hz < 1.6 * rate) continue;
            if (measured > 300e3 && rate < 1.5e6) continue;
            if (!demod_.run(in.samples, in.sample_rate_hz, rate)) continue;
            const std::size_t before = out.size();
            decode_rate(rate, out);
            const bool proven = std::any_of(out.begin() + static_cast<std::ptrdiff_t>(before), out.end(), [](const Packet& p) { return p.checksum_ok; });
            if (proven) break;
        }
    }

private:
    struct Frame {
        std::size_t address_octets = 0;
        std::size_t payload_octets = 0;
        int crc_octets = 0;
        bool ambiguous = false;  // another address width holds the same CRC
    };

    void decode_rate(double rate, std::vector<Packet>& out) {
        const double deviation = kModIndex * rate / 2.0;
        const auto& runs = demod_.find_alternating_runs(static_cast<float>(0.35 * deviation));
        std::size_t consumed_until = 0;
        int budget = kMaxCandidates;
        for (const gfsk::Run& run : runs) {
            if (run.first_sample < consumed_until) continue;
            if (budget == 0) return;
            if (try_run(run, rate, deviation, budget, out)) consumed_until = end_sample_;
        }
    }

    // A run of alternating symbols holds the preamble and the address's first bits that continue
    // the alternation (at least one), and perhaps a noise symbol or two before the preamble. The
    // detection is trained on the 8 symbols that end one symbol before the run does (inside the
    // packet whatever the noise did before it); the address may start anywhere from 8 symbols into
    // the run (fewer where a PA ramp or noise took preamble symbols) to one past its end: each start is framed
    // on the same detected bits.
    bool try_run(const gfsk::Run& raw_run, double rate, double deviation, int& budget, std::vector<Packet>& out) {
        const gfsk::Run run = demod_.trim_to_signal(raw_run);
        if (run.symbols < 6) return false;
        const std::size_t window_end = std::max<std::size_t>(run.symbols, 9) - 1;  // symbols into the run
        const std::size_t window_sample = run.first_sample + (window_end - 8) * kSps;
        if (run.first_sample + window_end * kSps < 8 * kSps) return false;
        gfsk::Sync sync = demod_.measure_preamble(window_sample, 8);
        if (!(sync.eye_hz > 0.3f * deviation && sync.eye_hz < 1.0f * deviation)) return false;
        const std::size_t avail = demod_.symbols_available(sync);
        if (avail < 8 + 24 + 9 + 8) return false;
        demod_.slice(sync, 0, 8, bits_);
        if (demod_.misfit(sync, bits_) > 0.9f) return false;
        const std::size_t window_end_sample = window_sample + 8 * kSps;
        if (demod_.envelope_constancy(window_sample, window_end_sample + 24 * kSps) < 0.88f) return false;
        if (!demod_.rises_before(run.first_sample, 24)) return false;
        --budget;
        // address starts, as bit indices into the detected stream (bit 0 = the window's first)
        // (an address may continue the preamble's alternation for up to 8 bits: 0xAB…, 0x55…)
        const std::size_t first_start = std::max<std::size_t>({kEarliestAddress, window_end - 8, run.symbols >= 16 ? run.symbols - 16 : 0}) - (window_end - 8);
        const std::size_t last_start = run.symbols + 1 - (window_end - 8);
        // coherent detection: trained on the window, then again on the first pass's decisions
        // (a longer reference for the carrier's phase and frequency)
        const std::size_t count = std::min(avail - 1, kMaxFrameBits + last_start);
        known_.assign(bits_.begin(), bits_.begin() + 8);
        if (!demod_.detect(sync, kModIndex, known_, count, first_pass_)) return false;
        const std::span<const std::uint8_t> training(first_pass_.data(), std::min<std::size_t>(first_pass_.size(), 100));
        if (!demod_.detect(sync, kModIndex, known_, count, bits_, training)) return false;
        for (std::size_t address = first_start; address <= last_start; ++address) {
            const Frame frame = find_frame(address);
            if (frame.crc_octets == 0) continue;
            const std::size_t frame_bits = 8 + 8 * frame.address_octets + 9 + 8 * frame.payload_octets + 8 * static_cast<std::size_t>(frame.crc_octets);
            const double start_sample = static_cast<double>(window_sample) + (static_cast<double>(address) - 8.0) * kSps;
            const double end_sample = start_sample + static_cast<double>(frame_bits * kSps);
            const bool strong = frame.crc_octets == 2;
            // a packet is a burst of its own: it ends where the burst's energy does (a CRC-16 that holds
            // by chance somewhere inside another radio's longer burst does not)
            if (std::abs(end_sample - static_cast<double>(demod_.active_last())) > 8.0 * kSps) continue;
            Packet p;
            p.protocol = Protocol::esb;
            p.start_s = demod_.symbol_start_s(start_sample);
            p.duration_s = static_cast<double>(frame_bits) / rate;
            p.checksum_checked = true;
            p.frequency_offset_hz = demod_.coarse_offset_hz() + sync.offset_hz;
            p.rate_mbps = rate / 1e6;
            p.kind = frame.ambiguous ? "esb, address width ambiguous" : "esb";
            char hex[3];
            for (std::size_t i = 0; i < frame.address_octets; ++i) {
                std::snprintf(hex, sizeof hex, "%02x", bits_msb(bits_, address + 8 * i, 8));
                p.device += hex;
            }
            p.checksum_ok = strong || seen_before(p.device);
            out.push_back(std::move(p));
            end_sample_ = static_cast<std::size_t>(std::max(0.0, end_sample));
            return true;
        }
        return false;
    }

    // The first (address width, CRC width) hypothesis whose CRC holds for an address starting at
    // bit `address` of bits_; crc_octets = 0 when none.
    Frame find_frame(std::size_t address) const {
        Frame found;
        for (const int crc_octets : {2, 1}) {
            // widest first: a CRC that holds for two widths (the shorter one reading the PCF inside
            // the address, with a payload one octet longer: ~3 % of frames) is taken as the wider
            for (std::size_t width = 5; width >= 3; --width) {
                const std::size_t pcf = address + 8 * width;
                if (bits_.size() < pcf + 9) continue;
                const std::size_t payload = bits_msb(bits_, pcf, 6);
                if (payload > 32) continue;
                const std::size_t covered_end = pcf + 9 + 8 * payload;
                const std::size_t crc_bits = 8 * static_cast<std::size_t>(crc_octets);
                if (covered_end + crc_bits > bits_.size()) continue;
                const std::span<const std::uint8_t> covered(bits_.data() + address, covered_end - address);
                const std::uint32_t crc = crc_octets == 2 ? coding::lfsr_crc(covered, 0x1021u, 16, 0xFFFFu)
                                                          : coding::lfsr_crc(covered, 0x07u, 8, 0xFFu);
                const std::uint32_t received = bits_msb(bits_, covered_end, static_cast<int>(crc_bits));
                // CRC-16 decides the packet's last bit (see above); CRC-8 is too weak to spare one
                if (crc != received && !(crc_octets == 2 && (crc ^ received) == 1u)) continue;
                if (found.crc_octets == 0) {
                    found = Frame{width, payload, crc_octets, false};
                } else {
                    found.ambiguous = true;
                }
            }
            if (found.crc_octets != 0) return found;
        }
        return found;
    }

    // CRC-8 framings prove an address only when it comes again.
    bool seen_before(const std::string& address) {
        if (std::find(crc8_addresses_.begin(), crc8_addresses_.end(), address) != crc8_addresses_.end()) return true;
        crc8_addresses_.push_back(address);
        if (crc8_addresses_.size() > kRememberedAddresses) crc8_addresses_.pop_front();
        return false;
    }

    gfsk::Demodulator demod_;
    coding::Bits bits_, known_, first_pass_;
    std::size_t end_sample_ = 0;
    std::deque<std::string> crc8_addresses_;
};

}  // namespace

const DecoderDescriptor kEsbDecoder{Protocol::esb, "Nordic Enhanced ShockBurst 1/2 Mb/s", 2e6, false,
                                    [] { return std::unique_ptr<Decoder>(std::make_unique<EsbDecoder>()); },
                                    0.0, 80.0, 480.0,  // ±160 kHz (1 Mb/s) and ±320 kHz (2 Mb/s)
                                    0.45e-3,           // 329 µs: 5-octet address, 32-octet payload, CRC-16 at 1 Mb/s
                                    20e-6};            // 25 µs: 3-octet address, no payload, CRC-8 at 2 Mb/s

}  // namespace coex::decode
