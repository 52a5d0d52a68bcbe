// IEEE 802.15.4 2.4 GHz O-QPSK decoder (802.15.4-2020 clause 12: 250 kb/s, 4-bit symbols spread to
// 32 chips, 2 Mchip/s, even chips on I, odd chips on Q delayed by one chip, half-sine pulses).
//
// O-QPSK with half-sine pulses is MSK: over chip interval k (from k Tc to (k+1) Tc) the phase turns by
// +-90 degrees, s_k = (-1)^(k+1) c_(k-1) c_k (c = +-1). The one-chip differential
// z[n] = x[n] x*[n - Tc] is therefore j s_k e^(j theta) |x|^2, where theta = 2 pi CFO Tc: the unknown
// carrier phase drops out and the carrier offset is one constant rotation. A symbol's 31 internal
// differentials (k = 1..31) are correlated with those of the 16 PN sequences (coding::zigbee_chips);
// symbols 8..15 invert the odd chips, so their differentials are the negatives of symbols 0..7.
//
// Steps, per burst:
//  1. gate (input rate): the preamble repeats symbol 0 eight times, so the correlation coefficient of
//     the samples with themselves one symbol (16 us) later, over a 3-symbol window, is near 1 there
//     (S / (S + N) in the input band) and ~1/sqrt(window) on noise; the threshold follows the window
//     length (false alarm ~1e-6 per window). No crossing: return; noise costs only this one pass, which
//     also yields the burst's mean (the DC, removed from here on: a packet's own mean is ~0).
//  2. filter and resample to 8 MS/s = 4 samples per chip: rational polyphase, Kaiser prototype from
//     liquid (passes +-1.7 MHz: the signal plus +-0.4 MHz of centre error and CFO), one per input rate,
//     cached; from a little before the first crossing to the end of the burst.
//  3. preamble: over ~6 symbols around each crossing, sample offsets n (every second, then the best's
//     neighbours) are tried; the complex correlation of z with symbol 0's differentials over two
//     symbols gives the chip timing (best n) and theta (its phase, unambiguous to +-1 MHz).
//  4. symbols are decided by the largest real correlation Re(z e^(-j theta) / j) . s_sym; the SFD
//     (symbols 7, A, after a 0) must follow within 12 symbols; theta and the timing (+-1 sample) are
//     re-estimated over the SHR; PHR (7-bit length), then 2 symbols per PSDU octet, low nibble first,
//     with early-late timing tracking (a quarter-chip step when the correlations one sample early and
//     late say so) for clock offsets over long frames.
//  5. carrier offset: theta is biased (tens of kHz) by multipath, timing error and a band edge cutting
//     one side of the spectrum; the preamble's repetition is not but aliases every 62.5 kHz; the alias
//     is the one whose coherent correlation with symbol 0's waveform is largest (accuracy ~1 kHz).
//  6. FCS (coding::ieee802154_fcs) -> checksum_ok; MAC header -> kind, device (source address),
//     network (PAN ID).
//
// Timing: start_s = first preamble chip; duration_s = (8 + 2 + 2 + 2 length) symbols x 16 us + 0.5 us,
// the last half-sine pulse on Q ending one chip period (0.5 us) after the last chip period, as
// sim::zigbee_packet_duration_s.
//
// False decodes: checksum_ok needs a gate crossing, a preamble correlation (>= 0.45 of the possible),
// the exact symbols 0, 7, A and then a 16-bit FCS over the length the PHR gives. Each crossing leads to
// at most one FCS check: one framing, no bit-error tolerance, no alternative offsets or lengths. On
// anything that is not 802.15.4, three given symbols within 12 decisions come with probability about
// 12 / 16^3 = 3e-3, and the FCS then holds with 2^-16 = 1.5e-5: ~5e-8 per crossing, < 1e-6 per burst
// even with 10 crossings (noise bursts seldom cross at all). A CW tone or a DC offset decides the same
// symbol over and over and never forms the SFD; and since the ITU-T CRC with init 0 accepts the
// all-zero PSDU (the CRC of zeros is zero), an all-zero PSDU, or one shorter than the 4 octets of the
// smallest MAC frame (frame control + FCS), is never checksum_ok.
#include "decoders.hpp"
#include "coex/core/numeric.hpp"

#include "coex/coding/coding.hpp"
#include "coex/decode/ieee802154.hpp"

#include <complex>  // before liquid.h: liquid_float_complex becomes std::complex<float>
#include <liquid/liquid.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <memory>
#include <numbers>
#include <utility>
#include <vector>

namespace coex::decode {

namespace ieee802154 {

namespace {

std::uint64_t read_le(std::span<const std::uint8_t> b, std::size_t at, std::size_t n) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v |= static_cast<std::uint64_t>(b[at + i]) << (8 * i);
    return v;
}

std::size_t address_bytes(AddressMode m) {
    switch (m) {
        case AddressMode::short16: return 2;
        case AddressMode::extended64: return 8;
        default: return 0;
    }
}

}  // namespace

MacHeader parse_mac_header(std::span<const std::uint8_t> mpdu) {
    MacHeader h;
    if (mpdu.size() < 4) return h;  // frame control + FCS at least
    const std::size_t end = mpdu.size() - 2;  // the FCS
    const auto fc = static_cast<std::uint16_t>(read_le(mpdu, 0, 2));
    h.frame_type = fc & 0x7;
    if (h.frame_type >= 5) {
        // Multipurpose / fragment / extended: another frame-control layout (7.2.2); type only.
        h.complete = true;
        return h;
    }
    h.security_enabled = (fc >> 3) & 1;
    h.frame_pending = (fc >> 4) & 1;
    h.ack_request = (fc >> 5) & 1;
    h.pan_id_compression = (fc >> 6) & 1;
    const bool seq_suppressed = (fc >> 8) & 1;
    h.destination_mode = static_cast<AddressMode>((fc >> 10) & 0x3);
    h.frame_version = (fc >> 12) & 0x3;
    h.source_mode = static_cast<AddressMode>((fc >> 14) & 0x3);
    if (h.destination_mode == AddressMode::reserved || h.source_mode == AddressMode::reserved) return h;

    std::size_t at = 2;
    if (!(h.frame_version == 2 && seq_suppressed)) {
        if (at + 1 > end) return h;
        h.sequence_number = mpdu[at++];
    }

    const bool dst = h.destination_mode != AddressMode::none;
    const bool src = h.source_mode != AddressMode::none;
    bool dst_pan = false, src_pan = false;
    if (h.frame_version < 2) {
        // 2003/2006: each present address has its PAN ID, except that compression drops the source's
        // when both are present.
        dst_pan = dst;
        src_pan = src && !(h.pan_id_compression && dst);
    } else {
        // 2015 (Table 7-2): PAN ID presence from the two modes and the compression bit.
        const bool ext_both = h.destination_mode == AddressMode::extended64 && h.source_mode == AddressMode::extended64;
        if (!dst && !src) {
            dst_pan = h.pan_id_compression;
        } else if (dst && !src) {
            dst_pan = !h.pan_id_compression;
        } else if (!dst && src) {
            src_pan = !h.pan_id_compression;
        } else if (ext_both) {
            dst_pan = !h.pan_id_compression;
        } else {
            dst_pan = true;
            src_pan = !h.pan_id_compression;
        }
    }

    auto take = [&](std::size_t n, std::uint64_t& v) {
        if (at + n > end) return false;
        v = read_le(mpdu, at, n);
        at += n;
        return true;
    };
    std::uint64_t v = 0;
    if (dst_pan) {
        if (!take(2, v)) return h;
        h.destination_pan = static_cast<std::uint16_t>(v);
    }
    if (dst && !take(address_bytes(h.destination_mode), h.destination_address)) return h;
    if (src_pan) {
        if (!take(2, v)) return h;
        h.source_pan = static_cast<std::uint16_t>(v);
    }
    if (src && !take(address_bytes(h.source_mode), h.source_address)) return h;
    h.complete = true;
    return h;
}

bool fcs_ok(std::span<const std::uint8_t> psdu) {
    if (psdu.size() < 2) return false;
    const auto body = coding::bytes_to_bits_lsb(psdu.first(psdu.size() - 2));
    const auto sent = coding::bytes_to_bits_lsb(psdu.last(2));
    return coding::ieee802154_fcs(body) == sent;
}

std::string frame_kind(const MacHeader& h) {
    static constexpr const char* names[] = {"beacon", "data", "ack", "command", "reserved", "multipurpose", "fragment", "extended"};
    if (h.frame_type < 0 || h.frame_type > 7) return "";
    std::string k = names[h.frame_type];
    if (h.frame_version == 2) k += " (2015)";
    return k;
}

std::string address_string(AddressMode mode, std::uint64_t address) {
    char buf[32];
    if (mode == AddressMode::short16) {
        std::snprintf(buf, sizeof buf, "0x%04x", static_cast<unsigned>(address & 0xFFFF));
        return buf;
    }
    if (mode == AddressMode::extended64) {
        std::string s;
        for (int i = 7; i >= 0; --i) {
            std::snprintf(buf, sizeof buf, i == 7 ? "%02x" : ":%02x", static_cast<unsigned>((address >> (8 * i)) & 0xFF));
            s += buf;
        }
        return s;
    }
    return "";
}

std::string pan_string(std::uint16_t pan) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%04x", static_cast<unsigned>(pan));
    return buf;
}

}  // namespace ieee802154

namespace {

constexpr double kChipRate = 2e6;
constexpr double kWorkRate = 8e6;                 // 4 samples per chip
constexpr std::size_t kSpc = 4;                   // samples per chip at kWorkRate
constexpr std::size_t kSymbolSamples = 32 * kSpc; // 16 us
constexpr std::size_t kPreambleSymbols = 8;
constexpr std::size_t kShrPhrSymbols = kPreambleSymbols + 2 + 2;
constexpr double kSymbolS = 16e-6;
constexpr std::size_t kMinPsduForFcs = 4;  // frame control + FCS: the smallest MAC frame

// Front end: Kaiser prototype passing the signal (+-1.2 MHz holds 99 % of MSK at 2 Mchip/s) plus the
// centre error and CFO (+-0.4 MHz): cutoff 1.7 MHz, or half the input rate when that is lower.
constexpr double kCutoffHz = 1.7e6;
constexpr double kTransitionHz = 1.5e6;
constexpr float kStopbandDb = 40.0f;

// Gate: correlation coefficient at one symbol's lag over a 3-symbol window of N samples. On white
// noise |rho|^2 is ~ Exp(1) / N, so P(|rho| > r) = exp(-N r^2): the threshold is set to
// exp(-14) ~ 1e-6 per window, which wider input rates (more samples per window) push lower.
constexpr std::size_t kGateWindowSymbols = 3;
constexpr double kGateLogFalseAlarm = 14.0;
constexpr double kGateMinThreshold = 0.2;
// Preamble: |two-symbol correlation| / sum |z| over the same chips.
constexpr float kPreambleThreshold = 0.45f;
constexpr int kSfdSearchSymbols = 12;  // from the best two-symbol match: at most 7 more 0s, then 7, A

// Symbol differentials s_k, k = 1..31, of the 16 PN sequences.
struct DiffTable {
    std::array<std::array<float, 32>, 16> s{};  // [31] = 0: padding for 8-wide dot products
    // One preamble symbol (symbol 0 after symbol 0) as MSK at 4 samples per chip: the phase moves
    // linearly by 90 degrees x s_k over chip interval k (s_0 from the previous symbol's last chip).
    std::array<std::complex<double>, 128> preamble_waveform{};
    std::array<std::complex<double>, 128> twiddle{};  // e^(-j 2 pi m / 128)
    DiffTable() {
        for (std::size_t m = 0; m < 128; ++m) twiddle[m] = std::polar(1.0, -2.0 * std::numbers::pi * static_cast<double>(m) / 128.0);
        for (int sym = 0; sym < 16; ++sym) {
            const std::uint32_t c = coding::zigbee_chips(sym);
            const auto chip = [&](int k) { return ((c >> k) & 1u) ? 1.0f : -1.0f; };
            for (int k = 1; k < 32; ++k)
                s[static_cast<std::size_t>(sym)][static_cast<std::size_t>(k - 1)] = (k % 2 ? 1.0f : -1.0f) * chip(k - 1) * chip(k);
        }
        const std::uint32_t c0 = coding::zigbee_chips(0);
        const auto chip0 = [&](int k) { return ((c0 >> ((k + 32) % 32)) & 1u) ? 1.0 : -1.0; };
        double phase = 0.0;
        for (int k = 0; k < 32; ++k) {
            const double step = (k % 2 ? 1.0 : -1.0) * chip0(k - 1) * chip0(k) * std::numbers::pi / 2.0 / static_cast<double>(kSpc);
            for (std::size_t u = 0; u < kSpc; ++u) {
                preamble_waveform[static_cast<std::size_t>(k) * kSpc + u] = std::polar(1.0, phase);
                phase += step;
            }
        }
    }
};
const DiffTable& diffs() {
    static const DiffTable t;
    return t;
}

// 32-element dot product in eight independent lanes (vectorises without reassociation).
float dot32(const std::array<float, 32>& a, const std::array<float, 32>& b) {
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (std::size_t r = 0; r < 32; r += 8)
        for (std::size_t u = 0; u < 8; ++u) acc[u] += a[r + u] * b[r + u];
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

// Best rational approximation p/q of x with p, q <= limit; 1/1 when there is none.
std::pair<unsigned, unsigned> rational(double x, unsigned limit) {
    const auto pq = best_rational(x, limit, limit);
    return pq.first == 0 ? std::pair<unsigned, unsigned>{1, 1} : pq;
}

// Rational polyphase resampler (input rate x p / q ~ 8 MS/s) with a liquid Kaiser prototype. Our own
// loop rather than liquid's rresamp: it reads the burst in place, removes the DC on the way, and its
// fixed-width inner product vectorises (liquid's per-sample window pushes cost ~4x more).
struct FrontEnd {
    double input_rate = 0.0;
    unsigned p = 1, q = 1;
    std::size_t taps = 0;      // per phase, a multiple of 4 (zero-padded at the oldest end)
    double delay_in = 0.0;     // group delay in input samples
    std::vector<float> bank;   // phase f: 2 x taps floats (each tap twice, for I and Q), oldest input first
    std::vector<float> gain;   // per phase: sum of its taps (DC removal)

    explicit FrontEnd(double rate) : input_rate(rate) {
        std::tie(p, q) = rational(kWorkRate / rate, 512);
        const double fc = std::min(kCutoffHz, 0.5 * rate);
        const double tw = std::min(kTransitionHz, 0.25 * rate);
        // Kaiser length for the transition width: 2 m input samples.
        const auto m = static_cast<std::size_t>(std::clamp(std::ceil((kStopbandDb - 7.95) * rate / (14.36 * 2.0 * tw)), 2.0, 32.0));
        const std::size_t len = 2 * p * m;
        std::vector<float> h(len);
        liquid_firdes_kaiser(static_cast<unsigned>(len), static_cast<float>(fc / (p * rate)), kStopbandDb, 0.0f, h.data());
        double dc = 0.0;
        for (float v : h) dc += v;
        for (float& v : h) v = static_cast<float>(v * p / dc);  // unit gain in every branch
        delay_in = (static_cast<double>(len) - 1.0) / (2.0 * p);
        taps = (2 * m + 3) / 4 * 4;
        bank.assign(p * 2 * taps, 0.0f);
        gain.assign(p, 0.0f);
        // Output at upsampled index l = i p + f (i = newest input) is sum_k h[f + k p] y[i - k].
        for (std::size_t f = 0; f < p; ++f)
            for (std::size_t r = 0; r < taps; ++r) {
                const std::size_t k = taps - 1 - r;
                const float v = f + k * p < len ? h[f + k * p] : 0.0f;
                bank[f * 2 * taps + 2 * r] = bank[f * 2 * taps + 2 * r + 1] = v;
                gain[f] += v;
            }
    }
};

class Ieee802154Decoder final : public Decoder {
public:
    void decode(const Input& in, std::vector<Packet>& out) override;

private:
    FrontEnd& front_end(double rate);
    // Lag-one-symbol correlation coefficient over blocks; fills crossings_ and mean_.
    void gate(std::span<const cf32> x, std::size_t lag);
    // Resamples x[s0..) - mean_ into x_; returns the input index (fractional) of x_[0].
    double resample(const FrontEnd& fe, std::span<const cf32> x, std::size_t s0);
    // Complex correlation of z with symbol `sym`'s differentials for a symbol starting at n.
    [[nodiscard]] std::complex<float> correlate_z(std::size_t n, int sym) const;
    // The 31 differentials d of a symbol starting at n (and a zero).
    void gather_d(std::size_t n, std::array<float, 32>& g) const;
    [[nodiscard]] float correlate_d(std::size_t n, int sym) const;
    [[nodiscard]] float z_magnitude(std::size_t n) const;
    [[nodiscard]] int decide(std::size_t n, float* best_value) const;
    // Tries one candidate region [lo, hi] of preamble symbol starts; returns where the search may resume.
    // x_[j] lies at input sample z0_in + j out_to_in.
    std::size_t try_region(std::size_t lo, std::size_t hi, double z0_in, double out_to_in, double in_rate, std::vector<Packet>& out);

    struct GateSums {
        double pr, pi, e, sr, si;
    };
    std::vector<std::unique_ptr<FrontEnd>> front_ends_;
    std::vector<GateSums> gate_blocks_;
    cf32 mean_{0.0f, 0.0f};
    std::vector<std::size_t> crossings_;
    std::vector<cf32> x_;   // ~8 MS/s
    std::vector<cf32> z_;   // x[n] x*[n - 4]
    std::vector<float> d_;  // Re(z e^(-j theta) / j), valid from d_from_
    std::size_t d_from_ = 0;
    std::vector<std::uint8_t> psdu_;
};

FrontEnd& Ieee802154Decoder::front_end(double rate) {
    for (auto& f : front_ends_)
        if (f->input_rate == rate) return *f;
    front_ends_.push_back(std::make_unique<FrontEnd>(rate));
    return *front_ends_.back();
}

void Ieee802154Decoder::gate(std::span<const cf32> x, std::size_t lag) {
    crossings_.clear();
    // Blocks of b samples, k blocks per lag; window of kGateWindowSymbols lags.
    std::size_t k = 4;
    while (lag % k != 0) --k;
    const std::size_t b = lag / k, w = kGateWindowSymbols * k;
    const std::size_t nb = x.size() / b;
    const float* v = reinterpret_cast<const float*>(x.data());
    // Per-block sums: lag product (blocks >= k), energy, sum. Floats within a block, doubles across.
    std::vector<GateSums>& blocks = gate_blocks_;
    blocks.resize(nb);
    double tr = 0.0, ti = 0.0;
    for (std::size_t t = 0; t < nb; ++t) {
        float pr = 0.0f, pi = 0.0f, e = 0.0f, sr = 0.0f, si = 0.0f;
        const std::size_t i0 = t * b, i1 = i0 + b;
        if (t >= k) {
            for (std::size_t i = i0; i < i1; ++i) {
                const float ar = v[2 * i], ai = v[2 * i + 1], br = v[2 * (i - lag)], bi = v[2 * (i - lag) + 1];
                pr += ar * br + ai * bi;
                pi += ai * br - ar * bi;
                e += ar * ar + ai * ai;
                sr += ar;
                si += ai;
            }
        } else {
            for (std::size_t i = i0; i < i1; ++i) {
                const float ar = v[2 * i], ai = v[2 * i + 1];
                e += ar * ar + ai * ai;
                sr += ar;
                si += ai;
            }
        }
        blocks[t] = {pr, pi, e, sr, si};
        tr += sr;
        ti += si;
    }
    for (std::size_t i = nb * b; i < x.size(); ++i) {
        tr += v[2 * i];
        ti += v[2 * i + 1];
    }
    const double mr = tr / static_cast<double>(x.size()), mi = ti / static_cast<double>(x.size());
    mean_ = cf32(static_cast<float>(mr), static_cast<float>(mi));
    if (nb < w + k) return;

    // Sliding window over blocks t - w + 1 .. t against t - w + 1 - k .. t - k, with the mean removed:
    // sum (a - m)(b - m)* = sum a b* - m* S_a - m S_b* + N |m|^2.
    const double n_win = static_cast<double>(w * b), m2 = mr * mr + mi * mi;
    const double thr2 = std::max(kGateMinThreshold * kGateMinThreshold, kGateLogFalseAlarm / n_win);
    GateSums now{0, 0, 0, 0, 0}, lagged{0, 0, 0, 0, 0};
    const auto add = [](GateSums& a, const GateSums& s, double sign) {
        a.pr += sign * s.pr;
        a.pi += sign * s.pi;
        a.e += sign * s.e;
        a.sr += sign * s.sr;
        a.si += sign * s.si;
    };
    bool above = false;
    for (std::size_t t = k; t < nb; ++t) {
        add(now, blocks[t], 1.0);
        add(lagged, blocks[t - k], 1.0);
        if (t >= k + w) {
            add(now, blocks[t - w], -1.0);
            add(lagged, blocks[t - w - k], -1.0);
        }
        if (t + 1 < k + w) continue;
        const double pr = now.pr - (mr * now.sr + mi * now.si) - (mr * lagged.sr + mi * lagged.si) + n_win * m2;
        const double pi = now.pi - (mr * now.si - mi * now.sr) - (mi * lagged.sr - mr * lagged.si);
        const double e1 = now.e - 2.0 * (mr * now.sr + mi * now.si) + n_win * m2;
        const double e2 = lagged.e - 2.0 * (mr * lagged.sr + mi * lagged.si) + n_win * m2;
        const bool hit = e1 > 0.0 && e2 > 0.0 && pr * pr + pi * pi >= thr2 * e1 * e2;
        if (hit && !above) crossings_.push_back((t + 1) * b);
        above = hit;
    }
}

double Ieee802154Decoder::resample(const FrontEnd& fe, std::span<const cf32> x, std::size_t s0) {
    const std::size_t taps = fe.taps, n = x.size();
    const float* v = reinterpret_cast<const float*>(x.data());
    x_.resize(static_cast<std::size_t>(static_cast<double>(n - s0) * fe.p / fe.q) + 2);
    // Output j: upsampled index l = j q; newest input i = s0 + l / p; phase f = l % p.
    std::size_t i = s0, f = 0, j = 0, j_first = 0, written = 0;
    bool started = false;
    for (; i < n && written < x_.size(); ++j) {
        if (i + 1 >= taps) {
            if (!started) {
                started = true;
                j_first = j;
            }
            const float* g = fe.bank.data() + f * 2 * taps;
            const float* y = v + 2 * (i + 1 - taps);
            float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};  // lanes alternate I, Q
            for (std::size_t r = 0; r < 2 * taps; r += 8)
                for (std::size_t u = 0; u < 8; ++u) acc[u] += g[r + u] * y[r + u];
            float t[4];
            for (std::size_t u = 0; u < 4; ++u) t[u] = acc[u] + acc[u + 4];
            x_[written++] = cf32((t[0] + t[2]) - mean_.real() * fe.gain[f], (t[1] + t[3]) - mean_.imag() * fe.gain[f]);
        }
        f += fe.q;
        while (f >= fe.p) {
            f -= fe.p;
            ++i;
        }
    }
    x_.resize(written);
    return static_cast<double>(s0) + static_cast<double>(j_first) * fe.q / fe.p - fe.delay_in;
}

std::complex<float> Ieee802154Decoder::correlate_z(std::size_t n, int sym) const {
    const auto& s = diffs().s[static_cast<std::size_t>(sym)];
    const float* z = reinterpret_cast<const float*>(z_.data() + n + 2 * kSpc);
    float re = 0.0f, im = 0.0f;
    for (std::size_t k = 0; k < 31; ++k) {
        re += z[2 * kSpc * k] * s[k];
        im += z[2 * kSpc * k + 1] * s[k];
    }
    return {re, im};
}

void Ieee802154Decoder::gather_d(std::size_t n, std::array<float, 32>& g) const {
    const float* d = d_.data() + (n + 2 * kSpc - d_from_);
    for (std::size_t k = 0; k < 31; ++k) g[k] = d[kSpc * k];
    g[31] = 0.0f;
}

float Ieee802154Decoder::correlate_d(std::size_t n, int sym) const {
    std::array<float, 32> g;
    gather_d(n, g);
    return dot32(g, diffs().s[static_cast<std::size_t>(sym)]);
}

float Ieee802154Decoder::z_magnitude(std::size_t n) const {
    float acc = 0.0f;
    const cf32* z = z_.data() + n + 2 * kSpc;
    for (std::size_t k = 0; k < 31; ++k) acc += std::abs(z[k * kSpc]);
    return acc;
}

int Ieee802154Decoder::decide(std::size_t n, float* best_value) const {
    std::array<float, 32> g;
    gather_d(n, g);
    // Symbols 8..15 are the negatives of 0..7 in the differential domain.
    int best = 0;
    float best_v = -1e30f;
    for (int sym = 0; sym < 8; ++sym) {
        const float c = dot32(g, diffs().s[static_cast<std::size_t>(sym)]);
        if (c > best_v) {
            best_v = c;
            best = sym;
        }
        if (-c > best_v) {
            best_v = -c;
            best = sym + 8;
        }
    }
    if (best_value) *best_value = best_v;
    return best;
}

std::size_t Ieee802154Decoder::try_region(std::size_t lo, std::size_t hi, double z0_in, double out_to_in, double in_rate,
                                          std::vector<Packet>& out) {
    const std::size_t nz = z_.size();
    // A symbol starting at n reads z up to n + 128.
    const auto fits = [&](std::size_t n, std::size_t symbols) { return n + symbols * kSymbolSamples + kSpc < nz; };
    if (!fits(lo, 3)) return nz;
    hi = std::min(hi, nz - 3 * kSymbolSamples - kSpc - 1);

    // 3. Preamble timing and carrier: best two-symbol correlation with symbol 0, every second sample,
    //    then the neighbours of the best.
    const auto two_symbols = [&](std::size_t n) { return correlate_z(n, 0) + correlate_z(n + kSymbolSamples, 0); };
    std::size_t best_n = lo;
    float best_a = 0.0f;  // squared magnitude
    for (std::size_t n = lo; n <= hi; n += 2) {
        const float a = std::norm(two_symbols(n));
        if (a > best_a) {
            best_a = a;
            best_n = n;
        }
    }
    for (std::size_t n : {best_n - 1, best_n + 1}) {
        if (n < lo || n > hi + 1) continue;
        const float a = std::norm(two_symbols(n));
        if (a > best_a) {
            best_a = a;
            best_n = n;
        }
    }
    const std::complex<float> best_c = two_symbols(best_n);
    const float mag = z_magnitude(best_n) + z_magnitude(best_n + kSymbolSamples);
    if (!(mag > 0.0f) || best_a < kPreambleThreshold * kPreambleThreshold * mag * mag) return hi + 1;

    // d = Re(z conj(c) / |c|): c ~ 31 |x|^2 j e^(j theta) per symbol, so d ~ |x|^2 s_k.
    d_from_ = best_n - 1;
    const auto fill_d = [&](std::complex<float> c, std::size_t end) {
        const float rr = c.real() / std::abs(c), ri = -c.imag() / std::abs(c);
        d_.resize(std::min(end, nz) - d_from_);
        const float* z = reinterpret_cast<const float*>(z_.data() + d_from_);
        for (std::size_t i = 0; i < d_.size(); ++i) d_[i] = z[2 * i] * rr - z[2 * i + 1] * ri;
    };
    fill_d(best_c, best_n + (kSfdSearchSymbols + 1) * kSymbolSamples + 2 * kSpc);

    // 4. SFD: symbols 7, A within kSfdSearchSymbols.
    std::size_t n = best_n, sfd = 0;
    bool found = false;
    int prev2 = -1, prev = -1;
    for (int i = 0; i < kSfdSearchSymbols && fits(n, 1); ++i, n += kSymbolSamples) {
        const int sym = decide(n, nullptr);
        if (prev2 == 0 && prev == 7 && sym == 0xA) {
            sfd = n - kSymbolSamples;
            found = true;
            break;
        }
        prev2 = prev;
        prev = sym;
    }
    if (!found) return hi + 1;  // a preamble may still follow: leave the next crossing its region

    // Carrier and timing again over the SHR seen (preamble symbols from best_n on, and the SFD).
    const std::size_t shr_start = sfd >= best_n + kPreambleSymbols * kSymbolSamples ? sfd - kPreambleSymbols * kSymbolSamples : best_n;
    const auto shr_corr = [&](std::size_t at) {
        std::complex<float> c{0.0f, 0.0f};
        for (std::size_t m = shr_start + at - sfd; m < at; m += kSymbolSamples) c += correlate_z(m, 0);
        return c + correlate_z(at, 7) + correlate_z(at + kSymbolSamples, 0xA);
    };
    std::complex<float> c_shr = shr_corr(sfd);
    for (std::size_t at : {sfd - 1, sfd + 1}) {
        if (shr_start + at <= sfd || at <= d_from_ || !fits(at, 4)) continue;
        const std::complex<float> c = shr_corr(at);
        if (std::abs(c) > std::abs(c_shr)) {
            c_shr = c;
            sfd = at;
        }
    }
    if (!(std::abs(c_shr) > 0.0f)) return sfd + kSymbolSamples;

    // PHR and PSDU, with early-late timing tracking.
    std::size_t pos = sfd + 2 * kSymbolSamples;
    double timing = 0.0;  // smoothed timing error, samples
    const auto read_symbol = [&]() {
        float v = 0.0f;
        const int sym = decide(pos, &v);
        if (v > 0.0f) {
            const float early = correlate_d(pos - 1, sym), late = correlate_d(pos + 1, sym);
            // The correlation falls linearly over one chip (4 samples) each side of its peak:
            // (late - early) / v = delta / 2 for a peak delta samples late.
            timing = 0.8 * timing + 0.2 * (2.0 * static_cast<double>(late - early) / v);
            if (timing > 0.5) {
                ++pos;
                timing -= 1.0;
            } else if (timing < -0.5) {
                --pos;
                timing += 1.0;
            }
        }
        pos += kSymbolSamples;
        return sym;
    };
    if (!fits(pos, 3)) return nz;
    fill_d(c_shr, pos + 3 * kSymbolSamples);
    const int phr_lo = read_symbol();
    const int phr_hi = read_symbol();
    const auto length = static_cast<std::size_t>((phr_lo | (phr_hi << 4)) & 0x7F);
    if (length == 0) return pos;
    if (!fits(pos, 2 * length + 1)) return nz;
    fill_d(c_shr, pos + (2 * length + 1) * kSymbolSamples + 2 * kSpc);
    psdu_.assign(length, 0);
    for (std::size_t i = 0; i < length; ++i) {
        const int lo_nibble = read_symbol();
        const int hi_nibble = read_symbol();
        psdu_[i] = static_cast<std::uint8_t>(lo_nibble | (hi_nibble << 4));
    }

    // Carrier. theta (per chip) is unambiguous to +-1 MHz but biased by multipath, a timing error and
    // a band edge cutting one side of the spectrum (tens of kHz). The preamble's repetition one symbol
    // apart is immune to all three (they keep it periodic) but ambiguous every 62.5 kHz = 1 / 16 us.
    // The alias: an error of k x 62.5 kHz turns the phase k whole turns within each symbol, so the
    // coherent correlation of the mean preamble symbol with symbol 0's MSK waveform peaks at the
    // right k; theta only says which few k to try.
    const double out_rate = in_rate / out_to_in;
    const double tc_s = static_cast<double>(kSpc) / out_rate;
    double cfo = std::arg(c_shr * std::complex<float>(0.0f, -1.0f)) / (2.0 * std::numbers::pi * tc_s);
    if (sfd >= shr_start + 2 * kSymbolSamples) {
        std::complex<double> rep{0.0, 0.0};
        for (std::size_t j = shr_start + kSymbolSamples; j < sfd; ++j)
            rep += std::complex<double>(x_[j]) * std::conj(std::complex<double>(x_[j - kSymbolSamples]));
        const double nu = std::arg(rep) / (2.0 * std::numbers::pi * kSymbolSamples);  // cycles per sample, |nu| <= 1/256
        // Mean preamble symbol, derotated by nu, times the conjugate reference.
        std::array<std::complex<double>, kSymbolSamples> mean{};
        const std::complex<double> step = std::polar(1.0, -2.0 * std::numbers::pi * nu);
        std::complex<double> rot{1.0, 0.0};
        for (std::size_t m0 = shr_start; m0 < sfd; m0 += kSymbolSamples)
            for (std::size_t m = 0; m < kSymbolSamples; ++m, rot *= step) mean[m] += rot * std::complex<double>(x_[m0 + m]);
        const auto& table = diffs();
        for (std::size_t m = 0; m < kSymbolSamples; ++m) mean[m] *= std::conj(table.preamble_waveform[m]);
        const auto k0 = static_cast<long>(std::lround((cfo / out_rate - nu) * static_cast<double>(kSymbolSamples)));
        long best_k = k0;
        double best_y = -1.0;
        for (long k = k0 - 2; k <= k0 + 2; ++k) {
            const auto kk = static_cast<std::size_t>(((k % 128) + 128) % 128);
            std::complex<double> y{0.0, 0.0};
            for (std::size_t m = 0; m < kSymbolSamples; ++m) y += mean[m] * table.twiddle[(kk * m) % kSymbolSamples];
            if (std::norm(y) > best_y) {
                best_y = std::norm(y);
                best_k = k;
            }
        }
        cfo = (nu + static_cast<double>(best_k) / kSymbolSamples) * out_rate;
    }

    // 5. FCS and MAC header.
    Packet p;
    p.protocol = Protocol::ieee802154;
    const double first_chip = static_cast<double>(sfd) - static_cast<double>(kPreambleSymbols * kSymbolSamples);
    p.start_s = (z0_in + first_chip * out_to_in) / in_rate;
    p.duration_s = static_cast<double>(kShrPhrSymbols + 2 * length) * kSymbolS + 1.0 / kChipRate;
    p.rate_mbps = 0.25;
    p.frequency_offset_hz = cfo;
    p.checksum_checked = length >= 2;
    const bool all_zero = std::all_of(psdu_.begin(), psdu_.end(), [](std::uint8_t b) { return b == 0; });
    p.checksum_ok = length >= kMinPsduForFcs && !all_zero && ieee802154::fcs_ok(psdu_);
    if (p.checksum_ok) {
        const auto h = ieee802154::parse_mac_header(psdu_);
        p.kind = ieee802154::frame_kind(h);
        p.device = ieee802154::address_string(h.source_mode, h.source_address);
        if (h.source_pan) p.network = ieee802154::pan_string(*h.source_pan);
        else if (h.destination_pan) p.network = ieee802154::pan_string(*h.destination_pan);
    }
    out.push_back(std::move(p));
    return pos;
}

void Ieee802154Decoder::decode(const Input& in, std::vector<Packet>& out) {
    const double fs = in.sample_rate_hz;
    if (!(fs >= 1.9e6) || in.samples.empty()) return;
    // Shortest frame: SHR + PHR + 4 octets.
    if (static_cast<double>(in.samples.size()) < static_cast<double>(kShrPhrSymbols + 8) * kSymbolS * fs) return;
    const auto lag = static_cast<std::size_t>(std::lround(kSymbolS * fs));

    // 1. Gate (and the burst's mean, removed from here on: a packet's own mean is ~0).
    gate(in.samples, lag);
    if (crossings_.empty()) return;

    // 2. Resample from a little before the first crossing to the end.
    const FrontEnd& fe = front_end(fs);
    const std::size_t back = (kGateWindowSymbols + 3) * lag;
    const std::size_t s0 = crossings_.front() > back ? crossings_.front() - back : 0;
    const double z0_in = resample(fe, in.samples, s0);
    const std::size_t nx = x_.size();
    z_.resize(nx);
    for (std::size_t j = 0; j < std::min(kSpc, nx); ++j) z_[j] = cf32{0.0f, 0.0f};
    {
        const float* xv = reinterpret_cast<const float*>(x_.data());
        float* zv = reinterpret_cast<float*>(z_.data());
        for (std::size_t j = kSpc; j < nx; ++j) {
            const float ar = xv[2 * j], ai = xv[2 * j + 1], br = xv[2 * (j - kSpc)], bi = xv[2 * (j - kSpc) + 1];
            zv[2 * j] = ar * br + ai * bi;
            zv[2 * j + 1] = ai * br - ar * bi;
        }
    }

    // 3.-5. Each crossing: search the preamble from a window and a lag before it to a symbol after.
    const double out_to_in = static_cast<double>(fe.q) / fe.p;
    std::size_t resume = 0;
    for (std::size_t g : crossings_) {
        const double g_out = (static_cast<double>(g) - z0_in) / out_to_in;
        const double lo_d = g_out - static_cast<double>((kGateWindowSymbols + 1) * lag) / out_to_in - kSymbolSamples;
        const auto lo = static_cast<std::size_t>(std::max({0.0, lo_d, static_cast<double>(resume)}));
        const auto hi = static_cast<std::size_t>(std::max(0.0, g_out + kSymbolSamples));
        if (hi < lo) continue;
        resume = try_region(lo, hi, z0_in, out_to_in, fs, out);
    }
}

std::unique_ptr<Decoder> make_ieee802154() { return std::make_unique<Ieee802154Decoder>(); }

}  // namespace

const DecoderDescriptor kIeee802154Decoder{Protocol::ieee802154, "IEEE 802.15.4 O-QPSK (2.4 GHz)", 2e6, false, &make_ieee802154,
                                           0.0, 300.0, 900.0,  // MSK at 2 Mchip/s: ±500 kHz
                                           4.6e-3,             // 127 octets: 4256 µs
                                           300e-6};            // an ACK (5 octets): 352 µs

}  // namespace coex::decode
