// IEEE 802.11b DSSS decoder (802.11-2020 clause 15 DSSS, clause 16 HR/DSSS PLCP): PLCP header at
// every rate, PSDU and MAC frame at 1 and 2 Mb/s.
//
// Chain, per transmission handed in (complex baseband at the capture rate, centred on the channel):
//  1. Gate (on the input as it comes, no resampling): every 32 us an 8 us window is folded onto the
//     1 us symbol period and correlated with a zero-mean Barker-11 template at the input rate; DSSS
//     puts its energy in one or two of the N = rate / 1 MHz lags, noise, OFDM, CW and GFSK spread it
//     over all of them. The peak-to-mean ratio of the lag energies decides. Any PLCP SYNC (>= 56 us)
//     covers a whole window, so no PPDU slips between windows. No window passes: return (the cost
//     of an OFDM or noise transmission is this gate, ~N/4 multiply-adds per sample). Rates that are
//     not a whole number of MHz skip the gate. (BarkerDespreader, include/coex/decode/wifi_dsss.hpp:
//     the classifier despreads a channel's samples with it too.)
//  2. Around each passing window: DC removed (input mean), resampled to 22 MS/s (2 samples/chip) by a
//     rational polyphase filter (22 MS/s = rate x up / down, exact for every whole-kHz rate; Kaiser
//     prototype from liquid_firdes_kaiser, designed once per input rate and kept). Its delay is
//     exact (linear phase), so times map back to the input without calibration. Only the stretches
//     around passing windows are resampled. (liquid's msresamp_crcf did the same at ~30 ns per
//     input sample here and took ~20 ms to design; this loop takes a few ns.)
//  3. Chip-matched triangle filter and Barker-11 correlation at every 22 MS/s sample. Blocks of 8
//     symbols are folded onto the 22 lags; a block whose peak-to-mean lag ratio passes is DSSS.
//     Timing: the peak lag over 32 symbols. Demodulation is a differential RAKE: the despread
//     values of every lag within +-8 samples that holds >= 20 % of the peak energy ("fingers", so
//     a second path 100-200 ns late is combined, not interference) are multiplied by the same
//     lags of the previous symbol and summed: D_k = sum_f c_f[k] conj(c_f[k-1]). A running lag
//     profile re-centres the timing by one sample when the path drifts (sample clock offsets).
//  4. CFO: arg(sum D_k^2) / 2 over the first 32 symbols (removes DBPSK; unambiguous for
//     |CFO| < 250 kHz), refined on the decided SYNC + SFD; D_k is rotated by it. DBPSK: bit =
//     Re D < 0; DQPSK: quadrant of D, dibits 00, 01, 11, 10 for 0, pi/2, pi, 3pi/2.
//  5. Descramble (coding::dsss_descramble, self-synchronising), find SYNC + SFD: the last 16 SYNC
//     bits and the SFD (long: ones + 0xF3A0; short: zeros + 0x05CF; LSB first) as one 32-bit
//     pattern with at most 3 differing bits (one channel bit error becomes 3 after descrambling).
//  6. PLCP header (long: 1 Mb/s DBPSK; short: 2 Mb/s DQPSK): SIGNAL, SERVICE, LENGTH, CRC-16
//     (coding::dsss_plcp_crc). A packet is reported only when the CRC holds and SIGNAL is one of
//     0x0A, 0x14, 0x37, 0x6E; duration = 192 (long) or 96 (short) us + LENGTH us, exactly.
//  7. PSDU at 1 or 2 Mb/s: LENGTH x rate / 8 octets, demodulated, descrambled, MAC FCS
//     (coding::ieee80211_fcs). When it holds: frame kind, transmitter address (addr2), BSSID, and
//     the SSID of beacons and probe responses (bytes outside printable ASCII, and '\', as \xNN).
//     When it fails or the PSDU is CCK (5.5/11 Mb/s, not demodulated here) or runs past the
//     input, the packet keeps the header's facts (rate, duration) and no MAC fields.
//  Then the search goes on after the PPDU's end (a SIFS-spaced ACK is found as well).
//
// checksum_ok means: the PLCP header CRC-16 held. The MAC fields are there only when the FCS held.
//
// False decodes (a checksum_ok packet from something that is not 802.11b). A hypothesis is a symbol
// position where the descrambled DBPSK decisions are tested for SYNC + SFD. On anything that is not
// DSSS the decisions are random bits: P(32-bit pattern within 3 bits) = (1 + 32 + 496 + 4960) / 2^32
// = 1.3e-6 per pattern, 2 patterns (long, short); then the header must pass the CRC-16 (2^-16) and
// carry one of the 4 SIGNAL values (4 / 256): 2 x 1.3e-6 x 1.5e-5 x 1.6e-2 = 6e-13 per hypothesis.
// Hypotheses: only around blocks that passed the Barker lag test, each test searching ~200 symbols
// and going on after them, so about one per microsecond of DSSS-looking input: a 5 ms burst gives
// <= ~6500, i.e. < 4e-9 per burst. Even an exact 16-bit SFD and the CRC-16 alone (no SYNC bits, no
// SIGNAL check) would give 6500 x 2 x 2^-16 x 2^-16 = 3e-6. Noise, CW, OFDM and GFSK rarely pass the lag test at all (noise:
// peak/mean lag ratio <= 3.0 over 18900 windows, GFSK <= 3.3, OFDM <= 2.8, threshold 4; DSSS at
// 12 dB: ~8). The MAC fields rest on the CRC-32 FCS on top. Tested (tests/decode/wifi_dsss_test.cpp):
// noise (300 seeds, 10/20/40 MS/s), CW, 802.11a/g/n OFDM, BLE 1M/2M, BR, 802.15.4, ESB, 90000
// symbols of preamble-less DSSS PSDU content, real OFDM and BLE/802.15.4 recordings: no
// checksum_ok packet.
//
// Cost (processor time at 20 MS/s, tests/decode/wifi_dsss_test.cpp WifiDsssCost): an OFDM PPDU or
// noise ~1.2 ns per input sample (the gate); a PPDU decoded ~12 ns per input sample (a 63-octet
// beacon at 1 Mb/s, 696 us on air: ~160 us; the PLCP alone ~60 us).
//
// Input rates: anything >= 10 MS/s. At 20 MS/s and above the 22 MHz main lobe is nearly whole
// (20 MS/s passes +-10 MHz, 97 % of its power). At 10 MS/s only +-5 MHz of it reaches us (about
// 77 % of the power, and the chips smear into each other): the Barker despreading still works with
// a few dB less margin — 1 Mb/s frames decode from -2 dB over 22 MHz (20 MS/s: -4 dB), 2 Mb/s
// DQPSK frames from +4 dB (20 MS/s: 0..+2 dB), against the 12 dB target.
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <complex>  // before liquid.h: liquid_float_complex becomes std::complex<float>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include <liquid/liquid.h>

#include "coex/coding/coding.hpp"
#include "coex/core/float4.hpp"
#include "coex/decode/wifi_dsss.hpp"
#include "decoders.hpp"

namespace coex::decode {

BarkerDespreader::BarkerDespreader(double sample_rate_hz) : rate_(sample_rate_hz) {
    const double n_per_symbol = sample_rate_hz / 1e6;
    const auto n = static_cast<std::size_t>(std::llround(n_per_symbol));
    if (n < 10 || std::abs(n_per_symbol - static_cast<double>(n)) > 1e-6) return;
    samples_per_symbol_ = n;
    padded_ = (n + 3) / 4 * 4;
    // Barker-11 at the rate (nearest chip), zero mean so a DC offset does not correlate
    std::vector<float> t(n);
    for (std::size_t k = 0; k < n; ++k) {
        const auto chip = static_cast<std::size_t>((static_cast<double>(k) + 0.5) * 11.0 / static_cast<double>(n));
        t[k] = static_cast<float>(coding::barker11[std::min<std::size_t>(chip, 10)]);
    }
    const float mean = std::accumulate(t.begin(), t.end(), 0.0f) / static_cast<float>(n);
    taps_.assign(2 * padded_, 0.0f);
    for (std::size_t k = 0; k < n; ++k) taps_[2 * k] = taps_[2 * k + 1] = t[k] - mean;
}

void BarkerDespreader::lag_energies(const cf32* samples, std::size_t symbols, std::vector<float>& energy) const {
    const std::size_t n = samples_per_symbol_;
    energy.assign(n, 0.0f);
    const float* x = reinterpret_cast<const float*>(samples);  // std::complex<float> is float[2]
    const float* t = taps_.data();
    for (std::size_t s = 0; s < symbols; ++s) {
        for (std::size_t lag = 0; lag < n; ++lag) {
            const float* xp = x + 2 * (s * n + lag);
            Float4 a0{0, 0, 0, 0}, a1{0, 0, 0, 0};
            std::size_t k = 0;
            for (; k + 4 <= padded_; k += 4) {
                a0 += load_float4(xp + 2 * k) * load_float4(t + 2 * k);
                a1 += load_float4(xp + 2 * k + 4) * load_float4(t + 2 * k + 4);
            }
            const Float4 a = a0 + a1;
            const float re = a[0] + a[2], im = a[1] + a[3];
            energy[lag] += re * re + im * im;
        }
    }
}

double BarkerDespreader::lag_ratio(std::span<const cf32> x) const {
    if (!valid() || x.size() < samples_needed(1)) return 0.0;
    const std::size_t symbols = (x.size() - padded_) / samples_per_symbol_ - 1;
    lag_energies(x.data(), symbols, energy_);
    double peak = 0.0, sum = 0.0;
    for (const float e : energy_) {
        peak = std::max(peak, static_cast<double>(e));
        sum += e;
    }
    return sum > 0.0 ? peak / (sum / static_cast<double>(energy_.size())) : 0.0;
}

namespace {

using coding::Bits;

constexpr double kPi = 3.14159265358979323846;
constexpr double kStreamRate = 22e6;      // 2 samples per chip
constexpr int kSps = 22;                  // 22 MS/s samples per 1 us symbol
constexpr int kBlockSymbols = 8;          // lag-profile block: 8 symbols
constexpr int kBlockLen = kSps * kBlockSymbols;
constexpr int kAcquireBlocks = 4;         // timing and CFO from 32 symbols
constexpr int kFingerReach = 8;           // RAKE fingers at -8..+8 samples of the path
constexpr int kFingers = 2 * kFingerReach + 1;
constexpr int kCorrReach = 2 * 10 + 1;    // c[j] reads the filtered stream up to j + 20 (+1 for the filter)
constexpr double kLagRatioThreshold = BarkerDespreader::kLagRatioThreshold;  // peak / mean lag energy: "Barker-spread"
constexpr int kGateWindowSymbols = 8;
constexpr double kGateStride_s = 32e-6;
constexpr int kSfdTolerance = 3;          // differing bits allowed in the 32-bit SYNC + SFD pattern
constexpr int kSearchSymbols = 8 + 32 + 128 + 16 + 24;  // symbols searched for the SFD after a detection

// The 32 bits that end every PPDU's preamble, first in time in bit 0: the last 16 SYNC bits then the
// SFD (LSB first).
constexpr std::uint32_t kLongPattern = 0xFFFFu | (0xF3A0u << 16);
constexpr std::uint32_t kShortPattern = 0x0000u | (0x05CFu << 16);


// Rational polyphase resampler to 22 MS/s for one input rate: 22 MS/s = rate x up / down. Prototype:
// liquid's Kaiser design at rate x up, cut off at 0.46 x min(rate, 22 MS/s), 50 dB; M taps per phase.
// Output j sits at high-rate index j x down; its input time is (j x down - (L - 1) / 2) / up
// (linear phase, so the delay is exact).
struct Resampler {
    static constexpr std::size_t kTapsPerPhase = 12;  // multiple of 4 (the inner loop takes 4 taps a turn)
    double input_rate = 0.0;
    std::uint64_t up = 1, down = 1;
    double delay_hi = 0.0;
    std::vector<float> taps;        // phase p: kTapsPerPhase taps, time-reversed, each twice (re and im lanes)
    std::vector<float> phase_gain;  // sum of each phase's taps: what a DC offset becomes

    explicit Resampler(double rate) : input_rate(rate) {
        // Exact ratio when one with down <= 4000 exists (every rate of a whole number of kHz), else the
        // nearest (the timing tracker absorbs a sub-ppm drift).
        double best_error = 1e300;
        for (std::uint64_t d = 1; d <= 4000; ++d) {
            const double u = std::round(kStreamRate * static_cast<double>(d) / rate);
            if (u < 1.0) continue;
            const double error = std::abs(u * rate / static_cast<double>(d) - kStreamRate);
            if (error < best_error - 1e-9) {
                best_error = error;
                up = static_cast<std::uint64_t>(u);
                down = d;
            }
            if (error < 1e-3) break;
        }
        const std::size_t len = up * kTapsPerPhase;
        std::vector<float> h(len);
        const double cutoff = 0.46 * std::min(rate, kStreamRate) / (rate * static_cast<double>(up));
        liquid_firdes_kaiser(static_cast<unsigned>(len), static_cast<float>(cutoff), 50.0f, 0.0f, h.data());
        delay_hi = (static_cast<double>(len) - 1.0) / 2.0;
        taps.resize(2 * len);
        phase_gain.assign(up, 0.0f);
        for (std::size_t p = 0; p < up; ++p)
            for (std::size_t i = 0; i < kTapsPerPhase; ++i) {
                const float g = h[p + (kTapsPerPhase - 1 - i) * up] * static_cast<float>(up);
                taps[2 * (p * kTapsPerPhase + i)] = taps[2 * (p * kTapsPerPhase + i) + 1] = g;
                phase_gain[p] += g;
            }
    }
};

// Quarter turns of a DQPSK phase change -> dibit (d0 first): 0 -> 00, 1 -> 01, 2 -> 11, 3 -> 10.
constexpr std::uint8_t kDqpskD0[4] = {0, 0, 1, 1};
constexpr std::uint8_t kDqpskD1[4] = {0, 1, 1, 0};

std::string mac_string(const std::uint8_t* a) {
    char buf[18];
    std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4], a[5]);
    return buf;
}

std::string escape_ssid(std::span<const std::uint8_t> bytes) {
    std::string s;
    for (std::uint8_t b : bytes) {
        if (b >= 0x20 && b <= 0x7E && b != '\\') {
            s.push_back(static_cast<char>(b));
        } else {
            char buf[5];
            std::snprintf(buf, sizeof buf, "\\x%02x", b);
            s += buf;
        }
    }
    return s;
}

// Fills kind, device (addr2), bssid and network from an FCS-verified MAC frame (FCS stripped).
void describe_mac_frame(std::span<const std::uint8_t> f, Packet& p) {
    if (f.size() < 10) return;
    const unsigned version = f[0] & 3u, type = (f[0] >> 2) & 3u, subtype = f[0] >> 4;
    const bool to_ds = f[1] & 1u, from_ds = (f[1] >> 1) & 1u, order = (f[1] >> 7) & 1u;
    if (version != 0) {
        p.kind = "reserved_version";
        return;
    }
    const std::uint8_t* addr1 = f.data() + 4;
    const std::uint8_t* addr2 = f.size() >= 16 ? f.data() + 10 : nullptr;
    const std::uint8_t* addr3 = f.size() >= 22 ? f.data() + 16 : nullptr;
    if (type == 0) {
        static constexpr const char* names[16] = {"assoc_request", "assoc_response", "reassoc_request", "reassoc_response",
                                                  "probe_request", "probe_response", "timing_advertisement", "management",
                                                  "beacon", "atim", "disassociation", "authentication",
                                                  "deauthentication", "action", "action_no_ack", "management"};
        p.kind = names[subtype];
        if (f.size() < 24) return;
        p.device = mac_string(addr2);
        p.bssid = mac_string(addr3);
        if (subtype == 8 || subtype == 5) {
            // Timestamp, beacon interval, capability, then elements; SSID is element 0.
            std::size_t i = 24 + (order ? 4u : 0u) + 12;
            while (i + 2 <= f.size()) {
                const std::size_t len = f[i + 1];
                if (i + 2 + len > f.size()) break;
                if (f[i] == 0) {
                    p.network = escape_ssid(f.subspan(i + 2, len));
                    break;
                }
                i += 2 + len;
            }
        }
    } else if (type == 1) {
        static constexpr const char* names[16] = {"control", "control", "trigger", "tack",
                                                  "beamforming_report_poll", "ndp_announcement", "control_frame_extension",
                                                  "control_wrapper", "block_ack_request", "block_ack", "ps_poll", "rts",
                                                  "cts", "ack", "cf_end", "cf_end_ack"};
        p.kind = names[subtype];
        // Control frames with a transmitter address (CTS, ACK and the wrapper have only addr1).
        const bool has_ta = subtype == 2 || subtype == 4 || subtype == 5 || (subtype >= 8 && subtype <= 11) || subtype >= 14;
        if (has_ta && addr2) p.device = mac_string(addr2);
        if (subtype == 10) p.bssid = mac_string(addr1);             // PS-Poll: addr1 = BSSID
        if (subtype >= 14 && addr2) p.bssid = mac_string(addr2);    // CF-End: addr2 = BSSID
    } else if (type == 2) {
        const bool qos = subtype & 8u, no_data = subtype & 4u;
        p.kind = std::string(qos ? "qos_" : "") + (no_data ? "null" : "data");
        if (f.size() < 24) return;
        p.device = mac_string(addr2);
        if (!to_ds && !from_ds) p.bssid = mac_string(addr3);
        else if (to_ds && !from_ds) p.bssid = mac_string(addr1);
        else if (!to_ds && from_ds) p.bssid = mac_string(addr2);
    } else {
        p.kind = "extension";
    }
}

class WifiDsssDecoder final : public Decoder {
public:
    void decode(const Input& in, std::vector<Packet>& out) override;

private:
    // ---- the 22 MS/s stream (global index j: 22 MS/s samples from the input's start) ----
    Resampler& resampler_for(double rate);
    // Forgets the stream and starts it again at the input index (what lies between is never resampled).
    void restart_stream(double input_index);
    // Makes the Barker correlation hold stream index j; false when the input ends first.
    bool ensure_corr(std::size_t j);
    [[nodiscard]] cf32 corr(std::size_t j) const { return c_[j - j0_]; }
    [[nodiscard]] double input_index_of(double j) const {
        return (j * static_cast<double>(rs_->down) - rs_->delay_hi) / static_cast<double>(rs_->up);
    }
    [[nodiscard]] double stream_index_of(double input_index) const {
        return (input_index * static_cast<double>(rs_->up) + rs_->delay_hi) / static_cast<double>(rs_->down);
    }
    // Resamples stream indices [from, to) into y (DC removed); false when past the input's end.
    bool resample(std::size_t from, std::size_t to, cf32* y) const;

    // ---- detection ----
    void run_gate();
    [[nodiscard]] bool block_is_dsss(std::size_t j) const;

    // ---- one PPDU ----
    struct TrackState {
        std::size_t pos = 0;  // stream index of the current symbol's path
        std::array<float, kFingers> profile{};
        std::uint32_t fingers = 0;  // bit o + kFingerReach: lag o in use
        int since_update = 0;
    };
    void select_fingers(TrackState& t) const;
    // Appends D and the symbol position of the next symbol; false when the input ends.
    bool next_symbol(TrackState& t);
    bool extend_symbols(TrackState& t, std::size_t count);
    // Decodes the PPDU whose Barker energy starts at block j; returns the input index to go on from.
    double try_ppdu(std::size_t j, std::vector<Packet>& out);

    // cache and per-call state
    std::vector<Resampler> resamplers_;
    Resampler* rs_ = nullptr;
    std::span<const cf32> in_;
    double in_rate_ = 0.0;
    cf32 dc_{};
    std::size_t j0_ = 0;          // stream index of y_[0], f_[0], c_[0]
    bool stream_ended_ = false;
    std::vector<cf32> y_, f_, c_;  // resampled, chip-filtered, Barker-correlated
    std::vector<std::size_t> gate_hits_;  // input index of every gate window that passed
    std::unique_ptr<BarkerDespreader> gate_;  // at the input rate, kept while the rate stays
    std::vector<float> gate_energy_;
    std::vector<std::complex<float>> diff_;  // D_k of the current PPDU
    std::vector<std::size_t> sym_pos_;       // stream index of symbol k
    Bits scrambled_, descrambled_, header_scr_, psdu_scr_;
    std::vector<std::uint8_t> psdu_bytes_;
};

Resampler& WifiDsssDecoder::resampler_for(double rate) {
    for (Resampler& r : resamplers_)
        if (r.input_rate == rate) return r;
    resamplers_.emplace_back(rate);
    return resamplers_.back();
}

void WifiDsssDecoder::restart_stream(double input_index) {
    j0_ = static_cast<std::size_t>(std::max(0.0, std::floor(stream_index_of(input_index))));
    stream_ended_ = false;
    y_.clear();
    f_.clear();
    c_.clear();
}

bool WifiDsssDecoder::resample(std::size_t from, std::size_t to, cf32* y) const {
    constexpr std::size_t m = Resampler::kTapsPerPhase;
    const auto n_in = static_cast<std::int64_t>(in_.size());
    const float* x = reinterpret_cast<const float*>(in_.data());
    for (std::size_t j = from; j < to; ++j) {
        const std::uint64_t hi = j * rs_->down;
        const auto n = static_cast<std::int64_t>(hi / rs_->up);
        const std::size_t phase = hi % rs_->up;
        const std::int64_t first = n - static_cast<std::int64_t>(m) + 1;  // oldest input sample read
        if (first >= n_in) return false;
        const float* t = rs_->taps.data() + 2 * m * phase;
        cf32 v;
        if (first >= 0 && n < n_in) {
            const float* xp = x + 2 * first;
            Float4 a0{0, 0, 0, 0}, a1{0, 0, 0, 0};
            for (std::size_t i = 0; i < m; i += 4) {
                a0 += load_float4(xp + 2 * i) * load_float4(t + 2 * i);
                a1 += load_float4(xp + 2 * i + 4) * load_float4(t + 2 * i + 4);
            }
            const Float4 a = a0 + a1;
            v = cf32{a[0] + a[2], a[1] + a[3]};
        } else {
            // At the input's edges: taps outside it read zeros (after DC removal).
            for (std::size_t i = 0; i < m; ++i) {
                const std::int64_t k = first + static_cast<std::int64_t>(i);
                const cf32 s = k >= 0 && k < n_in ? in_[static_cast<std::size_t>(k)] : dc_;
                v += t[2 * i] * s;
            }
        }
        y[j - from] = v - dc_ * rs_->phase_gain[phase];
    }
    return true;
}

bool WifiDsssDecoder::ensure_corr(std::size_t j) {
    constexpr std::size_t chunk = 4096;
    while (j0_ + c_.size() <= j) {
        if (stream_ended_) return false;
        // More of the stream: resample a chunk.
        const std::size_t have = y_.size();
        y_.resize(have + chunk);
        if (!resample(j0_ + have, j0_ + have + chunk, y_.data() + have)) {
            // Keep what was produced before the end (the rest of the chunk is zeros).
            stream_ended_ = true;
        }
        // Chip-matched triangle filter (0.5, 1, 0.5); f_[i] needs y_[i + 1].
        const std::size_t f_have = f_.size();
        f_.resize(y_.size() - 1);
        for (std::size_t i = f_have; i < f_.size(); ++i) {
            const cf32 prev = i > 0 ? y_[i - 1] : cf32{0.0f, 0.0f};
            f_[i] = 0.5f * (prev + y_[i + 1]) + y_[i];
        }
        // Barker-11 at one sample per chip: c[i] = sum_k b_k f[i + 2k]; two outputs per vector.
        const std::size_t c_have = c_.size();
        const std::size_t c_end = f_.size() > kCorrReach ? f_.size() - kCorrReach + 1 : 0;
        c_.resize(std::max(c_end, c_have));
        const float* fp = reinterpret_cast<const float*>(f_.data());
        float* cp = reinterpret_cast<float*>(c_.data());
        std::size_t i = c_have;
        for (; i + 2 <= c_end; i += 2) {
            Float4 acc{0, 0, 0, 0};
            for (std::size_t k = 0; k < coding::barker11.size(); ++k) {
                const Float4 v = load_float4(fp + 2 * (i + 2 * k));
                if (coding::barker11[k] > 0) acc += v;
                else acc -= v;
            }
            std::memcpy(cp + 2 * i, &acc, sizeof acc);
        }
        for (; i < c_end; ++i) {
            cf32 acc{0.0f, 0.0f};
            for (std::size_t k = 0; k < coding::barker11.size(); ++k) acc += static_cast<float>(coding::barker11[k]) * f_[i + 2 * k];
            c_[i] = acc;
        }
    }
    return true;
}

void WifiDsssDecoder::run_gate() {
    gate_hits_.clear();
    const auto stride = static_cast<std::size_t>(std::llround(kGateStride_s * in_rate_));
    if (!gate_ || gate_->sample_rate_hz() != in_rate_) gate_ = std::make_unique<BarkerDespreader>(in_rate_);
    if (!gate_->valid()) {
        // No whole number of samples per symbol: every stretch is a candidate.
        for (std::size_t w = 0; w < in_.size(); w += stride) gate_hits_.push_back(w);
        return;
    }
    const auto n = gate_->samples_per_symbol();
    const std::size_t need = gate_->samples_needed(kGateWindowSymbols);
    for (std::size_t w = 0; w + need <= in_.size(); w += stride) {
        gate_->lag_energies(in_.data() + w, kGateWindowSymbols, gate_energy_);
        const float peak = *std::max_element(gate_energy_.begin(), gate_energy_.end());
        const float mean = std::accumulate(gate_energy_.begin(), gate_energy_.end(), 0.0f) / static_cast<float>(n);
        if (mean > 0.0f && peak > static_cast<float>(kLagRatioThreshold) * mean) gate_hits_.push_back(w);
    }
}

bool WifiDsssDecoder::block_is_dsss(std::size_t j) const {
    std::array<float, kSps> energy{};
    for (int s = 0; s < kBlockSymbols; ++s)
        for (int lag = 0; lag < kSps; ++lag) energy[static_cast<std::size_t>(lag)] += std::norm(corr(j + static_cast<std::size_t>(s * kSps + lag)));
    const float peak = *std::max_element(energy.begin(), energy.end());
    const float mean = std::accumulate(energy.begin(), energy.end(), 0.0f) / kSps;
    return mean > 0.0f && peak > static_cast<float>(kLagRatioThreshold) * mean;
}

void WifiDsssDecoder::select_fingers(TrackState& t) const {
    const float peak = *std::max_element(t.profile.begin(), t.profile.end());
    t.fingers = 0;
    for (int o = 0; o < kFingers; ++o)
        if (t.profile[static_cast<std::size_t>(o)] >= 0.2f * peak) t.fingers |= 1u << o;
}

bool WifiDsssDecoder::next_symbol(TrackState& t) {
    if (!ensure_corr(t.pos + kFingerReach)) return false;
    std::complex<float> d{0.0f, 0.0f};
    constexpr float alpha = 1.0f / 32.0f;
    for (int o = 0; o < kFingers; ++o) {
        const cf32 now = corr(t.pos + static_cast<std::size_t>(o) - kFingerReach);
        if (t.fingers & (1u << o)) d += now * std::conj(corr(t.pos + static_cast<std::size_t>(o) - kFingerReach - kSps));
        t.profile[static_cast<std::size_t>(o)] += alpha * (std::norm(now) - t.profile[static_cast<std::size_t>(o)]);
    }
    diff_.push_back(d);
    sym_pos_.push_back(t.pos);
    // Every 16 symbols: follow the path by one sample when the energy has clearly moved.
    if (++t.since_update == 16) {
        t.since_update = 0;
        const auto peak = static_cast<int>(std::max_element(t.profile.begin(), t.profile.end()) - t.profile.begin()) - kFingerReach;
        const float centre = t.profile[kFingerReach];
        if (peak != 0 && t.profile[static_cast<std::size_t>(peak + kFingerReach)] > 1.5f * centre) {
            const int step = peak > 0 ? 1 : -1;
            t.pos = static_cast<std::size_t>(static_cast<long>(t.pos) + step);
            std::array<float, kFingers> shifted{};
            for (int o = 0; o < kFingers; ++o) shifted[static_cast<std::size_t>(o)] = t.profile[static_cast<std::size_t>(std::clamp(o + step, 0, kFingers - 1))];
            t.profile = shifted;
        }
        select_fingers(t);
    }
    t.pos += kSps;
    return true;
}

bool WifiDsssDecoder::extend_symbols(TrackState& t, std::size_t count) {
    while (diff_.size() < count)
        if (!next_symbol(t)) return false;
    return true;
}

double WifiDsssDecoder::try_ppdu(std::size_t j, std::vector<Packet>& out) {
    // ---- timing: the peak lag over 32 symbols ----
    const std::size_t acquire_len = static_cast<std::size_t>(kAcquireBlocks) * kBlockLen;
    if (!ensure_corr(j + acquire_len + kSps + kFingerReach)) return static_cast<double>(in_.size());
    std::array<float, kSps> lag_energy{};
    for (std::size_t s = 0; s < acquire_len; ++s) lag_energy[s % kSps] += std::norm(corr(j + s));
    const auto best = static_cast<std::size_t>(std::max_element(lag_energy.begin(), lag_energy.end()) - lag_energy.begin());
    const std::size_t first = j + best;  // a symbol's path in the detected block

    TrackState t;
    for (std::size_t s = 0; s < static_cast<std::size_t>(kAcquireBlocks * kBlockSymbols); ++s)
        for (int o = 0; o < kFingers; ++o)
            t.profile[static_cast<std::size_t>(o)] += std::norm(corr(first + s * kSps + static_cast<std::size_t>(o) - kFingerReach));
    for (float& e : t.profile) e /= kAcquireBlocks * kBlockSymbols;
    select_fingers(t);

    // Start demodulating one block before the detection (the SYNC may have begun there).
    std::size_t back = 0;
    while (back < kBlockSymbols && first >= j0_ + (back + 2) * kSps + kFingerReach + 1) ++back;
    t.pos = first - back * kSps;
    diff_.clear();
    sym_pos_.clear();

    // ---- CFO from the squared differential products of the acquisition symbols ----
    if (!extend_symbols(t, back + kAcquireBlocks * kBlockSymbols)) return static_cast<double>(in_.size());
    std::complex<double> sq{0.0, 0.0};
    for (std::size_t k = back + 1; k < diff_.size(); ++k) sq += std::complex<double>(diff_[k] * diff_[k]);
    double phase_step = 0.5 * std::arg(sq);  // carrier phase advance per symbol, |.| < pi/2
    auto rotation = [](double phase) { return std::complex<float>(static_cast<float>(std::cos(phase)), static_cast<float>(-std::sin(phase))); };
    std::complex<float> derotate = rotation(phase_step);

    // ---- SYNC + SFD search over DBPSK decisions ----
    extend_symbols(t, back + kSearchSymbols);  // as far as the input goes
    scrambled_.resize(diff_.size());
    for (std::size_t k = 0; k < diff_.size(); ++k) scrambled_[k] = (diff_[k] * derotate).real() < 0.0f;
    descrambled_ = coding::dsss_descramble(scrambled_, 0);
    std::size_t header_at = 0;  // symbol index of the first header symbol
    bool short_preamble = false;
    std::uint32_t window = 0;
    for (std::size_t k = 0; k < descrambled_.size(); ++k) {
        window = (window >> 1) | (static_cast<std::uint32_t>(descrambled_[k]) << 31);
        if (k < 7 + 31) continue;  // the descrambler's first 7 outputs are not data
        if (std::popcount(window ^ kLongPattern) <= kSfdTolerance) {
            header_at = k + 1;
            break;
        }
        if (std::popcount(window ^ kShortPattern) <= kSfdTolerance) {
            header_at = k + 1;
            short_preamble = true;
            break;
        }
    }
    if (header_at == 0) {
        // No preamble here: go on after most of what was searched (a later PPDU may begin in it).
        const std::size_t k = diff_.size() > 48 ? diff_.size() - 48 : diff_.size();
        return k > 0 ? std::max(input_index_of(static_cast<double>(sym_pos_[k - 1])), input_index_of(static_cast<double>(j)) + 1.0)
                     : static_cast<double>(in_.size());
    }
    const std::size_t sfd_at = header_at - 16;
    const double resume_after_sfd = input_index_of(static_cast<double>(sym_pos_[header_at - 1]));

    // ---- CFO refined on the decided SYNC + SFD (DBPSK; the decisions remove the modulation) ----
    {
        std::complex<double> acc{0.0, 0.0};
        const std::size_t from = header_at > (short_preamble ? 72u : 144u) ? header_at - (short_preamble ? 72u : 144u) : 1;
        for (std::size_t k = std::max<std::size_t>(from, back + 1); k < header_at; ++k)
            acc += std::complex<double>(diff_[k]) * (scrambled_[k] ? -1.0 : 1.0);
        if (std::abs(acc) > 0.0) phase_step = std::arg(acc);
        derotate = rotation(phase_step);
    }

    // ---- PLCP header ----
    const std::size_t header_symbols = short_preamble ? 24 : 48;
    if (!extend_symbols(t, header_at + header_symbols)) return static_cast<double>(in_.size());
    scrambled_.resize(header_at);
    for (std::size_t k = 0; k < header_at; ++k) scrambled_[k] = (diff_[k] * derotate).real() < 0.0f;
    auto demodulate = [&](std::size_t from, std::size_t symbols, bool dqpsk, Bits& bits) {
        bits.clear();
        for (std::size_t k = from; k < from + symbols; ++k) {
            const std::complex<float> d = diff_[k] * derotate;
            if (!dqpsk) {
                bits.push_back(d.real() < 0.0f);
            } else {
                const double a = std::arg(d);
                const auto quarter = static_cast<unsigned>(std::lround(a / (kPi / 2.0)) + 4) & 3u;
                bits.push_back(kDqpskD0[quarter]);
                bits.push_back(kDqpskD1[quarter]);
            }
        }
    };
    // The descrambler state: the 7 scrambled bits before, the most recent in bit 0.
    auto state_before = [](const Bits& bits) {
        std::uint8_t s = 0;
        for (std::size_t i = 1; i <= 7 && i <= bits.size(); ++i) s |= static_cast<std::uint8_t>(bits[bits.size() - i] << (i - 1));
        return s;
    };
    demodulate(header_at, header_symbols, short_preamble, header_scr_);
    const Bits header = coding::dsss_descramble(header_scr_, state_before(scrambled_));
    const Bits crc = coding::dsss_plcp_crc(std::span(header).first(32));
    if (!std::equal(crc.begin(), crc.end(), header.begin() + 32)) return resume_after_sfd;
    auto field = [&](std::size_t at, int n) {
        std::uint32_t v = 0;
        for (int i = 0; i < n; ++i) v |= static_cast<std::uint32_t>(header[at + static_cast<std::size_t>(i)]) << i;
        return v;
    };
    const std::uint32_t signal = field(0, 8), length_us = field(16, 16);
    double rate_mbps = 0.0;
    switch (signal) {
        case 0x0A: rate_mbps = 1.0; break;
        case 0x14: rate_mbps = 2.0; break;
        case 0x37: rate_mbps = 5.5; break;
        case 0x6E: rate_mbps = 11.0; break;
        default: return resume_after_sfd;
    }

    Packet p;
    p.protocol = Protocol::wifi_dsss;
    // The SFD's first symbol starts half a chip (one stream sample) before its first chip's peak.
    const double sfd_start_in = input_index_of(static_cast<double>(sym_pos_[sfd_at]) - 1.0);
    const double sync_us = short_preamble ? 56.0 : 128.0;
    p.start_s = sfd_start_in / in_rate_ - sync_us * 1e-6;
    p.duration_s = ((short_preamble ? 96.0 : 192.0) + static_cast<double>(length_us)) * 1e-6;
    p.checksum_checked = true;
    p.checksum_ok = true;
    p.frequency_offset_hz = phase_step / (2.0 * kPi) * 1e6;
    p.rate_mbps = rate_mbps;
    const double end_in = (p.start_s + p.duration_s) * in_rate_;

    // ---- PSDU at 1 or 2 Mb/s ----
    if (rate_mbps <= 2.0) {
        const bool dqpsk = rate_mbps == 2.0;
        const std::size_t octets = dqpsk ? length_us / 4 : length_us / 8;
        const std::size_t psdu_from = header_at + header_symbols;
        const std::size_t psdu_symbols = dqpsk ? 4 * octets : 8 * octets;
        if (octets >= 14 && extend_symbols(t, psdu_from + psdu_symbols)) {
            demodulate(psdu_from, psdu_symbols, dqpsk, psdu_scr_);
            const Bits psdu = coding::dsss_descramble(psdu_scr_, state_before(header_scr_));
            psdu_bytes_.assign(octets, 0);
            for (std::size_t i = 0; i < psdu.size(); ++i) psdu_bytes_[i / 8] |= static_cast<std::uint8_t>(psdu[i] << (i % 8));
            const std::span<const std::uint8_t> frame(psdu_bytes_.data(), octets - 4);
            std::uint32_t fcs = 0;
            for (int k = 0; k < 4; ++k) fcs |= static_cast<std::uint32_t>(psdu_bytes_[octets - 4 + static_cast<std::size_t>(k)]) << (8 * k);
            if (coding::ieee80211_fcs(frame) == fcs) describe_mac_frame(frame, p);
        }
    }
    out.push_back(std::move(p));
    return std::max(end_in, resume_after_sfd);
}

void WifiDsssDecoder::decode(const Input& in, std::vector<Packet>& out) {
    in_ = in.samples;
    in_rate_ = in.sample_rate_hz;
    if (in_rate_ < kWifiDsssDecoder.min_sample_rate_hz || in_.size() < static_cast<std::size_t>(100e-6 * in_rate_)) return;

    run_gate();
    if (gate_hits_.empty()) return;

    std::complex<double> sum{0.0, 0.0};
    for (const cf32& v : in_) sum += std::complex<double>(v);
    dc_ = cf32(sum / static_cast<double>(in_.size()));
    rs_ = &resampler_for(in_rate_);
    bool stream_started = false;

    const auto gate_len = static_cast<double>(kGateWindowSymbols) * 1e-6 * in_rate_;
    const double look_back = 40e-6 * in_rate_, look_ahead = 40e-6 * in_rate_;
    double done_in = 0.0;  // input before this index is handled
    std::size_t hit = 0;
    while (true) {
        while (hit < gate_hits_.size() && static_cast<double>(gate_hits_[hit]) + gate_len <= done_in) ++hit;
        if (hit == gate_hits_.size()) break;
        const auto window_at = static_cast<double>(gate_hits_[hit]);
        const double scan_from = std::max(done_in, window_at - look_back);
        const double scan_until = window_at + gate_len + look_ahead;
        // Continue the current stretch of 22 MS/s stream when it reaches here; otherwise restart the
        // resampler just before (the input in between is not resampled).
        const bool reachable = stream_started && scan_from >= input_index_of(static_cast<double>(j0_ + 2 * kSps)) &&
                               scan_from <= input_index_of(static_cast<double>(j0_ + y_.size())) + 200e-6 * in_rate_;
        if (!reachable) {
            restart_stream(scan_from - 3e-6 * in_rate_);
            stream_started = true;
        }
        auto j = static_cast<std::size_t>(std::max(std::ceil(stream_index_of(scan_from)), static_cast<double>(j0_ + 2 * kSps + kFingerReach)));
        double next = scan_until;
        while (input_index_of(static_cast<double>(j)) < scan_until) {
            if (!ensure_corr(j + kBlockLen)) {
                next = static_cast<double>(in_.size());
                break;
            }
            if (block_is_dsss(j)) {
                next = try_ppdu(j, out);
                break;
            }
            j += kBlockLen;
        }
        if (next >= static_cast<double>(in_.size())) break;
        done_in = std::max(next, done_in + 1.0);
    }
}

std::unique_ptr<Decoder> make_wifi_dsss() { return std::make_unique<WifiDsssDecoder>(); }

}  // namespace

// 10 MS/s is the floor: the central +-5 MHz of the 22 MHz main lobe still despreads (see the top
// comment: ~2-4 dB less margin than at 20 MS/s, still >= 8 dB of margin at 12 dB SNR).
const DecoderDescriptor kWifiDsssDecoder{Protocol::wifi_dsss, "IEEE 802.11b DSSS (PLCP header at every rate, MAC frame at 1 and 2 Mb/s)",
                                         10e6, true, &make_wifi_dsss};

}  // namespace coex::decode
