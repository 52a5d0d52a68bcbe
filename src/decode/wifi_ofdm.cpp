// IEEE 802.11 OFDM decoder: 802.11a/g non-HT PPDUs (clause 17) and the HT-mixed format of 802.11n
// (clause 19), 20 MHz. For every PPDU in the input:
//   L-STF  lag-16 autocorrelation (Schmidl-Cox) plateau; its END (the window leaving the L-STF)
//          anchors the search for the L-LTF, its last windows give the coarse CFO (+-625 kHz range);
//          a CW tone or DC is periodic too, but not with the L-STF's zero lag-8 autocorrelation
//          (its 12 tones sit on every 4th subcarrier with as many odd as even multiples);
//   L-LTF  cross-correlation with the known symbol -> fine timing (both repetitions), fine CFO
//          from the repetition, least-squares channel estimate on the 52 subcarriers;
//   L-SIG  BPSK, pilot phase correction, de-interleave, soft Viterbi (our own, viterbi.cpp: Debian's
//          liquid-dsp has no libfec) -> RATE, LENGTH, exact airtime 20 + 4 ceil((22 + 8 L) / N_DBPS) us;
//   HT-SIG when the two symbols after a 6 Mb/s L-SIG are QBPSK (more energy on Q than on I): 48
//          bits, CRC-8 -> MCS, width, short GI, HT length -> rate and airtime (HT-LTFs from the
//          streams, STBC and extension streams; short-GI symbols 3.6 us, the airtime ends with the
//          last symbol, which is what the recordings' power envelope shows, not TXTIME's 4 us grid);
//   VHT/HE recognised, not interpreted: BPSK then QBPSK after the L-SIG is VHT-SIG-A (its CRC-8 is
//          checked: checksum_ok), a repetition of the L-SIG is HE's RL-SIG (checksum_ok as L-SIG
//          only); both get rate 0 and the L-SIG's airtime, so neither passes for 6 Mb/s or HT;
//   DATA   decoded fully for non-HT PPDUs of at most 400 octets (beacons, ACKs, short data) at any
//          legacy rate: equalisation with the L-LTF estimate, per-symbol pilot phase/gain tracking,
//          soft demapping, de-interleave, depuncture, Viterbi, descrambling seeded by the SERVICE
//          field, MAC FCS (CRC-32), MAC header (kind, transmitter, BSSID, SSID).
// Other input rates (25, 40, 50 MS/s) are resampled to 20 MS/s (liquid msresamp, one per rate, its
// delay measured once). At 40 MS/s and above, when the centred view holds nothing valid, each 20 MHz
// half is tried (HT40 repeats its legacy fields and HT-SIG on both; 20 MHz PPDUs of a 40 MHz BSS sit
// on its primary half).
//
// Packets: every candidate that passes the L-LTF test below is reported. checksum_checked is always
// true; a failed L-SIG gives a packet with duration 0 and rate 0 (a genuine OFDM preamble, nothing
// more), an HT PPDU whose HT-SIG fails keeps the L-SIG's airtime with rate 0.
//
// What checksum_ok means, and how often it is wrong (per burst):
//  * Every candidate first has to pass the L-LTF test: the least-squares channel estimate of the two
//    long symbols must put >= 70 % of its impulse-response energy within 20 of the 64 taps around the
//    timing point, and the normalised cross-correlation with the known L-LTF must reach 0.5. For
//    noise the first is a Beta-like share with mean 20/64 = 0.31 and sd ~0.06 (52 complex degrees of
//    freedom): 0.70 is > 6 sd away, < 1e-8; the second peaks near 0.2 over the ~180 lags searched.
//    A CW tone or DC puts its energy on one bin (flat impulse response: 0.31). Only an 802.11 OFDM
//    preamble (or a deliberate copy of one) passes both.
//  * Full DATA decode (non-HT, <= 400 octets): the 32-bit FCS holding makes the packet checksum_ok
//    and its MAC fields reported; one Viterbi path and one framing per candidate: ~2^-32. Where it
//    fails (a corrupted frame, or octets that never were a MAC frame), the L-SIG checks below AND the
//    SERVICE field's 9 reserved bits descrambling to zero decide checksum_ok (9 more bits: a wrong
//    rate or length leaves them random), and no MAC field is reported.
//  * HT-mixed: checksum_ok = HT-SIG CRC-8 holds, reserved bit 1, tail 6 zero bits (the Viterbi starts
//    its traceback from the best state, so the tail is a real check): ~15 bits, ~3e-5 for random bits;
//    and the airtime from MCS and HT length must end within the 4 us the L-SIG's LENGTH announces
//    (for BCC and MCS 0-32), which a random HT length rarely does.
//  * Non-HT L-SIG only (PPDUs over 400 octets, whose DATA is not decoded): parity, reserved 0, tail 6
//    zeros, one of 8 valid RATE codes, LENGTH >= 1 — about 9 bits, ~1/500 for random bits, and the
//    received L-SIG within 10 % (reliability-weighted) of the re-encoded codeword, which a garbled
//    L-SIG decoded to some codeword (8-12 of 48 bits away) rarely is. The L-SIG alone is WEAK; it
//    counts only together with the L-LTF test, which makes the burst a genuine OFDM preamble: what
//    remains at risk is a wrong rate or length of a real 802.11 PPDU at very low SNR, never another
//    protocol taken for 802.11. (Tests: zero wrong headers from 0 to 12 dB SNR, zero checksum_ok on
//    noise, tones, DSSS, BLE, BR, 802.15.4 and ESB.)
// Candidates per burst: one per L-STF plateau (a few per PPDU at most, three views at 40 MS/s), so
// the per-burst false probability is the figures above times a handful.
#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <cstdint>
#include <cstring>
#include <memory>
#include <numbers>
#include <span>
#include <string>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <liquid/liquid.h>

#include "coex/coding/coding.hpp"
#include "coex/core/float4.hpp"
#include "decoders.hpp"
#include "viterbi.hpp"
#include "coex/decode/wifi_ofdm.hpp"

namespace coex::decode {
namespace {

using cf = std::complex<float>;
constexpr double kFs = 20e6;
constexpr int kN = 64;          // FFT size
constexpr int kBackoff = 3;     // FFT windows start this many samples into the cyclic prefix
constexpr int kStfWindow = 48;  // L-STF autocorrelation window
constexpr int kStfLag = 16;
constexpr int kPlateauRun = 32;          // consecutive samples above the threshold to detect
constexpr double kPlateauThreshold = 0.36;  // |c|^2 / (e q): correlation coefficient 0.6
// DATA is decoded in full (FCS, MAC header) for short PPDUs, by default at 6 Mb/s only: the beacons,
// probe responses and ACKs that name networks and stations are sent at the basic rate, while decoding
// every short data frame would cost more than the rest of the analysis of a busy channel
// (make_wifi_ofdm_decoder(true) decodes them at every rate).
constexpr std::size_t kMaxDecodedOctets = 400;
constexpr double kBasicRateMbps = 6.0;
// Largest reliability-weighted share of L-SIG coded bits that may disagree with the decoded codeword
// for an L-SIG-only checksum_ok (clean: 0-2 %, garbled: ~20 %).
constexpr float kMaxLsigDistance = 0.1f;
constexpr std::size_t kRing = 64;       // recent autocorrelations kept for the coarse CFO
constexpr std::size_t kScanRing = 128;  // products and powers inside the scan's windows

constexpr const auto& kLtf = coding::wifi_l_ltf;
constexpr std::array<int, 4> kPilotSc = {-21, -7, 7, 21};
constexpr std::array<float, 4> kPilotSign = {1.0f, 1.0f, 1.0f, -1.0f};

constexpr int bin(int subcarrier) { return (subcarrier + kN) % kN; }

using LegacyRate = coding::WifiLegacyRate;
constexpr const auto& kRates = coding::wifi_legacy_rates;

const LegacyRate* legacy_rate(unsigned code) {
    for (const auto& r : kRates)
        if (r.signal_rate_bits == code) return &r;
    return nullptr;
}

// Radix-2 64-point FFT, forward (e^{-j}).
class Fft64 {
public:
    Fft64() {
        for (int k = 0; k < kN / 2; ++k) twiddle_[k] = std::polar(1.0f, static_cast<float>(-2.0 * std::numbers::pi * k / kN));
        for (int i = 0; i < kN; ++i) {
            int r = 0;
            for (int b = 0; b < 6; ++b) r |= ((i >> b) & 1) << (5 - b);
            bitrev_[i] = static_cast<std::uint8_t>(r);
        }
    }
    void forward(const cf* in, cf* out) const {
        for (int i = 0; i < kN; ++i) out[bitrev_[i]] = in[i];
        for (int len = 2; len <= kN; len <<= 1) {
            const int half = len / 2, step = kN / len;
            for (int s = 0; s < kN; s += len)
                for (int k = 0; k < half; ++k) {
                    // the complex product in real arithmetic: the same floats as std::complex's
                    // operator* without its NaN checks (which cost a third of the butterfly)
                    const cf a = out[s + k + half], w = twiddle_[k * step];
                    const cf t(a.real() * w.real() - a.imag() * w.imag(), a.real() * w.imag() + a.imag() * w.real());
                    out[s + k + half] = out[s + k] - t;
                    out[s + k] += t;
                }
        }
    }
    // Inverse without 1/N, via conjugation.
    void inverse(const cf* in, cf* out) const {
        std::array<cf, kN> tmp;
        for (int i = 0; i < kN; ++i) tmp[i] = std::conj(in[i]);
        forward(tmp.data(), out);
        for (int i = 0; i < kN; ++i) out[i] = std::conj(out[i]);
    }

private:
    std::array<cf, kN / 2> twiddle_{};
    std::array<std::uint8_t, kN> bitrev_{};
};

// Deinterleaving permutation of one symbol: deinterleaved[k] = received[perm[k]]. Obtained from
// coding::wifi_deinterleave applied to position labels (low and high byte separately: it moves
// values, whatever they are).
std::vector<std::uint16_t> deinterleave_permutation(int n_cbps, int n_bpsc) {
    const auto n = static_cast<std::size_t>(n_cbps);
    coding::Bits lo(n), hi(n);
    for (std::size_t i = 0; i < n; ++i) {
        lo[i] = static_cast<std::uint8_t>(i & 0xFF);
        hi[i] = static_cast<std::uint8_t>(i >> 8);
    }
    const auto dl = coding::wifi_deinterleave(lo, n_cbps, n_bpsc);
    const auto dh = coding::wifi_deinterleave(hi, n_cbps, n_bpsc);
    std::vector<std::uint16_t> perm(n);
    for (std::size_t k = 0; k < n; ++k) perm[k] = static_cast<std::uint16_t>(dl[k] | (dh[k] << 8));
    return perm;
}

// Max-log soft bits of one equalised point z (unit-power Gray QAM of 17.3.5.8), weighted by w; > 0: 1.
void demap(cf z, int n_bpsc, float w, float* out) {
    auto axis = [&](float v, float* o) {
        switch (n_bpsc) {
            case 1:
            case 2: o[0] = v; break;
            case 4: {
                constexpr float k = 0.31622777f;  // 1/sqrt(10)
                o[0] = v;
                o[1] = 2.0f * k - std::abs(v);
                break;
            }
            default: {
                constexpr float k = 0.15430335f;  // 1/sqrt(42)
                o[0] = v;
                o[1] = 4.0f * k - std::abs(v);
                o[2] = 2.0f * k - std::abs(std::abs(v) - 4.0f * k);
                break;
            }
        }
    };
    if (n_bpsc == 1) {
        out[0] = w * z.real();
        return;
    }
    const int half = n_bpsc / 2;
    std::array<float, 3> o{};
    axis(z.real(), o.data());
    for (int i = 0; i < half; ++i) out[i] = w * o[static_cast<std::size_t>(i)];
    axis(z.imag(), o.data());
    for (int i = 0; i < half; ++i) out[half + i] = w * o[static_cast<std::size_t>(i)];
}

std::string mac_text(const std::uint8_t* a) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string s;
    for (int i = 0; i < 6; ++i) {
        if (i) s.push_back(':');
        s.push_back(hex[a[i] >> 4]);
        s.push_back(hex[a[i] & 15]);
    }
    return s;
}

// SSID octets as text: printable ASCII as is, everything else (and the backslash) as \xNN.
std::string ssid_text(std::span<const std::uint8_t> b) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string s;
    for (std::uint8_t c : b) {
        if (c >= 0x20 && c < 0x7F && c != '\\') {
            s.push_back(static_cast<char>(c));
        } else {
            s += "\\x";
            s.push_back(hex[c >> 4]);
            s.push_back(hex[c & 15]);
        }
    }
    return s;
}

// MAC header (802.11-2020 9.2.4, 9.3): kind, transmitter, BSSID, SSID of beacons/probe responses.
void parse_mac(std::span<const std::uint8_t> f, Packet& p) {
    if (f.size() < 10) return;
    const unsigned type = (f[0] >> 2) & 3u, subtype = f[0] >> 4;
    const bool to_ds = f[1] & 1u, from_ds = (f[1] >> 1) & 1u;
    const std::size_t body = f.size() - 4;  // without the FCS
    if (type == 0) {
        p.kind = subtype == 8 ? "beacon" : subtype == 5 ? "probe_response" : "management";
        if (body < 24) return;
        p.device = mac_text(&f[10]);
        p.bssid = mac_text(&f[16]);
        if (subtype == 8 || subtype == 5) {
            // Fixed fields: timestamp 8, beacon interval 2, capability 2; then elements.
            for (std::size_t i = 36; i + 2 <= body;) {
                const std::size_t len = f[i + 1];
                if (i + 2 + len > body) break;
                if (f[i] == 0) {
                    p.network = ssid_text(f.subspan(i + 2, len));
                    break;
                }
                i += 2 + len;
            }
        }
    } else if (type == 1) {
        switch (subtype) {
            case 13: p.kind = "ack"; break;
            case 12: p.kind = "cts"; break;
            case 11: p.kind = "rts"; break;
            case 9: p.kind = "block_ack"; break;
            default: p.kind = "control"; break;
        }
        // Frames with a transmitter address: RTS, PS-Poll, BlockAckReq, BlockAck, CF-End(+Ack).
        const bool has_ta = subtype == 11 || subtype == 10 || subtype == 8 || subtype == 9 || subtype == 14 || subtype == 15;
        if (has_ta && body >= 16) p.device = mac_text(&f[10]);
        if (subtype == 10 && body >= 16) p.bssid = mac_text(&f[4]);  // PS-Poll: addr1 is the BSSID
    } else if (type == 2) {
        p.kind = subtype == 8 ? "qos_data" : "data";
        if (body < 24) return;
        p.device = mac_text(&f[10]);
        if (!to_ds && !from_ds) p.bssid = mac_text(&f[16]);
        else if (to_ds && !from_ds) p.bssid = mac_text(&f[4]);
        else if (!to_ds && from_ds) p.bssid = mac_text(&f[10]);
    }
}

struct HtSig {
    int mcs = 0;
    bool forty = false;
    unsigned length = 0;
    int stbc = 0;
    bool ldpc = false, short_gi = false;
    int ness = 0;
};

// HT data bits per symbol of MCS 0..32 (one to four equal-modulation streams, MCS 32 = 40 MHz
// duplicate); 0 for the unequal-modulation MCSs.
int ht_n_dbps(int mcs, bool forty) {
    static constexpr int d20[8] = {26, 52, 78, 104, 156, 208, 234, 260};
    static constexpr int d40[8] = {54, 108, 162, 216, 324, 432, 486, 540};
    if (mcs == 32) return forty ? 24 : 0;
    if (mcs < 0 || mcs > 31) return 0;
    // Two lookups, not `(forty ? d40 : d20)[i]`: Debian 12's GCC 12.2 compiles that expression to
    // d20[0] for every index when UBSan instruments the function (-fsanitize=shift,
    // signed-integer-overflow or integer-divide-by-zero; seen in a ten-line reproducer).
    const int index = mcs % 8;
    return (forty ? d40[index] : d20[index]) * (mcs / 8 + 1);
}

// Group delay of a resampler to 20 MS/s, in output samples: where a band-limited pulse comes out.
// (liquid 1.5's msresamp_crcf_get_delay reports 7 or 33 samples where the pulse shows 3.5 to 13.)
double measure_delay(msresamp_crcf_s* q, double rate) {
    constexpr int kIn = 1024, kAt = 400;
    std::vector<cf32> x(kIn), y(2 * kIn);
    for (int i = 0; i < kIn; ++i) {
        const double t = (i - kAt) * 16e6 / rate;  // sinc of 16 MHz bandwidth, centred on input sample kAt
        x[static_cast<std::size_t>(i)] = std::abs(t) < 1e-12 ? 1.0f : static_cast<float>(std::sin(std::numbers::pi * t) / (std::numbers::pi * t));
    }
    msresamp_crcf_reset(q);
    unsigned n = 0;
    msresamp_crcf_execute(q, x.data(), kIn, y.data(), &n);
    std::size_t best = 1;
    for (std::size_t i = 1; i + 1 < n; ++i)
        if (std::abs(y[i]) > std::abs(y[best])) best = i;
    const double a = std::abs(y[best - 1]), b = std::abs(y[best]), c = std::abs(y[best + 1]);
    const double den = a - 2.0 * b + c;
    const double peak = static_cast<double>(best) + (den != 0.0 ? 0.5 * (a - c) / den : 0.0);
    return peak - kAt * kFs / rate;
}

struct MsresampDeleter {
    void operator()(msresamp_crcf_s* p) const { msresamp_crcf_destroy(p); }
};

class WifiOfdmDecoder final : public Decoder {
public:
    explicit WifiOfdmDecoder(bool payloads_at_every_rate) : payloads_at_every_rate_(payloads_at_every_rate) {
        for (int d = 0; d < 48; ++d) data_bin_[static_cast<std::size_t>(d)] = bin(coding::wifi_data_subcarrier(d));
        for (std::size_t r = 0; r < kRates.size(); ++r) perm_[r] = deinterleave_permutation(kRates[r].n_cbps, kRates[r].n_bpsc);
        // Time-domain L-LTF symbol, for the fine-timing cross-correlation.
        std::array<cf, kN> f{}, ltf_time{};
        for (int k = -26; k <= 26; ++k) f[static_cast<std::size_t>(bin(k))] = static_cast<float>(kLtf[static_cast<std::size_t>(k + 26)]);
        fft_.inverse(f.data(), ltf_time.data());
        ltf_energy_ = 0.0f;
        for (int k = 0; k < kN; ++k) {
            const cf v = ltf_time[static_cast<std::size_t>(k)];
            ltf_energy_ += std::norm(v);
            ltf_re_[static_cast<std::size_t>(k)] = v.real();
            ltf_im_[static_cast<std::size_t>(k)] = v.imag();
        }
    }

    void decode(const Input& in, std::vector<Packet>& out) override;

private:
    struct Resampler {
        double rate = 0.0;
        double delay = 0.0;  // group delay in output (20 MS/s) samples, measured
        std::unique_ptr<msresamp_crcf_s, MsresampDeleter> q;
    };

    // The input, moved down by shift_hz (0, or +-10 MHz to one half of a 40 MHz channel), at 20 MS/s
    // with its DC removed, as view_ and dc_; returns the resampler's delay in 20 MS/s samples (0
    // without resampling).
    double prepare(const Input& in, double shift_hz);
    // Every PPDU in one prepared view of the input.
    void scan(const Input& in, double shift_hz, std::vector<Packet>& out);
    // Tries the L-STF plateau that ended at `pe` (index into view_) with its coarse CFO; when an
    // 802.11 preamble is there, fills `p` and the index just past the PPDU's end.
    bool try_ppdu(std::size_t pe, double cfo_hz, Packet& p, std::size_t& end_index);
    // Derotates view_[from, from + count) (less dc_) by cfo into y_ (resized), phase referenced to absolute index 0.
    void derotate(std::size_t from, std::size_t count, double cfo_hz);
    // FFT of the 64-sample window starting at y_[start] into freq_.
    void fft_at(std::size_t start) { fft_.forward(&y_[start], freq_.data()); }
    // Equalises freq_ with the channel estimate and the symbol's pilots (polarity `pol`): z_k for the
    // 48 data subcarriers into eq_, their reliabilities into weight_.
    void equalise(float pol);
    // Non-HT DATA of `length` octets; y_ is re-derotated from view_[base] (the L-LTF guard interval).
    // True when the FCS holds (then the MAC header is in p).
    // What a decoded DATA field showed: its FCS held (MAC fields filled in), or only its SERVICE field's
    // nine reserved bits came out zero (the L-SIG's rate and length fit the symbols), or neither.
    enum class DataCheck { none, service_zero, fcs };
    DataCheck decode_data(std::size_t base, const LegacyRate& rate, std::size_t rate_index, unsigned length, Packet& p);

    bool payloads_at_every_rate_;
    Fft64 fft_;
    std::array<int, 48> data_bin_{};
    std::array<std::vector<std::uint16_t>, 8> perm_;
    float ltf_energy_ = 0.0f;

    std::vector<std::unique_ptr<Resampler>> resamplers_;
    std::vector<cf32> work_, mixed_, zeros_;
    // The prepared samples: view_[i] - dc_ is sample i. view_ is the input itself at 20 MS/s (else
    // work_): the DC is subtracted where a sample is read, the same floats as a DC-free copy, without
    // copying every sample of the input when the scan reads a few hundred of them.
    std::span<const cf32> view_;
    cf32 dc_{};
    std::vector<Packet> half_;
    double shift_hz_ = 0.0;  // of the current scan
    std::vector<cf> y_;
    std::vector<float> xc_mag_, y_re_, y_im_;
    std::array<double, kRing> ring_r_{}, ring_i_{};
    std::array<float, kScanRing> prod_r_{}, prod_i_{}, pow_{};
    std::array<float, kN> ltf_re_{}, ltf_im_{};
    std::array<cf, kN> freq_{}, chan_{}, imp_{};
    std::array<cf, 48> eq_{};
    std::array<float, 48> weight_{}, lsig_raw_{}, vht_a1_{};
    std::vector<float> soft_, mother_, symbol_soft_;
    std::vector<std::uint8_t> bits_, psdu_;
    ViterbiK7 viterbi_;
};

namespace {
// The mean of the samples, summed in double in their order.
cf32 mean_of(std::span<const cf32> x) {
    std::complex<double> mean{};
#if defined(__SSE2__)
    // Real and imaginary sums side by side in one register, two samples a turn: the same additions
    // in the same order as the loop below, in half its instructions.
    const float* p = reinterpret_cast<const float*>(x.data());
    __m128d sum = _mm_setzero_pd();
    std::size_t i = 0;
    for (; i + 2 <= x.size(); i += 2) {
        const __m128 two = _mm_loadu_ps(p + 2 * i);
        sum = _mm_add_pd(sum, _mm_cvtps_pd(two));
        sum = _mm_add_pd(sum, _mm_cvtps_pd(_mm_movehl_ps(two, two)));
    }
    if (i < x.size()) sum = _mm_add_pd(sum, _mm_set_pd(static_cast<double>(p[2 * i + 1]), static_cast<double>(p[2 * i])));
    mean = {_mm_cvtsd_f64(sum), _mm_cvtsd_f64(_mm_unpackhi_pd(sum, sum))};
#else
    for (const cf32& v : x) mean += std::complex<double>(v.real(), v.imag());
#endif
    if (!x.empty()) mean /= static_cast<double>(x.size());
    return {static_cast<float>(mean.real()), static_cast<float>(mean.imag())};
}
}  // namespace

double WifiOfdmDecoder::prepare(const Input& in, double shift_hz) {
    std::span<const cf32> x = in.samples;
    double delay = 0.0;
    if (shift_hz != 0.0) {
        // Receiver DC first (it would land inside the shifted band), then the shift.
        std::complex<double> dc{};
        for (const cf32& v : x) dc += std::complex<double>(v.real(), v.imag());
        dc /= static_cast<double>(x.size());
        mixed_.resize(x.size());
        const double w = -2.0 * std::numbers::pi * shift_hz / in.sample_rate_hz;
        std::complex<double> ph{1.0, 0.0};
        const std::complex<double> step = std::polar(1.0, w);
        for (std::size_t i = 0; i < x.size(); ++i) {
            const std::complex<double> v = std::complex<double>(x[i].real(), x[i].imag()) - dc;
            const std::complex<double> m = v * ph;
            mixed_[i] = cf32(static_cast<float>(m.real()), static_cast<float>(m.imag()));
            ph *= step;
            if ((i & 1023) == 1023) ph /= std::abs(ph);
        }
        x = mixed_;
    }
    if (std::abs(in.sample_rate_hz - kFs) < 1.0) {
        // DC offset: OFDM has no energy at DC, so the mean of the whole input is the receiver's offset.
        view_ = x;
        dc_ = mean_of(x);
        return delay;
    } else {
        Resampler* r = nullptr;
        for (auto& c : resamplers_)
            if (c->rate == in.sample_rate_hz) r = c.get();
        if (!r) {
            resamplers_.push_back(std::make_unique<Resampler>());
            r = resamplers_.back().get();
            r->rate = in.sample_rate_hz;
            r->q.reset(msresamp_crcf_create(static_cast<float>(kFs / in.sample_rate_hz), 60.0f));
            r->delay = measure_delay(r->q.get(), in.sample_rate_hz);
        }
        msresamp_crcf_reset(r->q.get());
        delay = r->delay;
        // Flush with zeros so the last input samples come out too.
        const auto flush = static_cast<std::size_t>(std::ceil(delay * in.sample_rate_hz / kFs)) + 8;
        zeros_.assign(flush, cf32{});
        const auto cap = static_cast<std::size_t>(static_cast<double>(x.size() + flush) * kFs / in.sample_rate_hz) + 64;
        work_.resize(cap);
        unsigned n1 = 0, n2 = 0;
        msresamp_crcf_execute(r->q.get(), const_cast<cf32*>(x.data()), static_cast<unsigned>(x.size()), work_.data(), &n1);
        msresamp_crcf_execute(r->q.get(), zeros_.data(), static_cast<unsigned>(flush), work_.data() + n1, &n2);
        work_.resize(n1 + n2);
    }
    // DC offset: OFDM has no energy at DC, so the mean of the whole input is the receiver's offset.
    view_ = work_;
    dc_ = mean_of(work_);
    return delay;
}

void WifiOfdmDecoder::derotate(std::size_t from, std::size_t count, double cfo_hz) {
    y_.resize(count);
    const double w = -2.0 * std::numbers::pi * cfo_hz / kFs;
    // Phasor recurrence in double, renormalised every 64 samples; real arithmetic (no NaN checks).
    double pr = std::cos(w * static_cast<double>(from)), pi = std::sin(w * static_cast<double>(from));
    const double sr = std::cos(w), si = std::sin(w);
    const float* x = reinterpret_cast<const float*>(view_.data() + from);
    const float dc_re = dc_.real(), dc_im = dc_.imag();
    float* y = reinterpret_cast<float*>(y_.data());
    for (std::size_t i = 0; i < count; ++i) {
        const float xr = x[2 * i] - dc_re, xi = x[2 * i + 1] - dc_im, fr = static_cast<float>(pr), fi = static_cast<float>(pi);
        y[2 * i] = xr * fr - xi * fi;
        y[2 * i + 1] = xr * fi + xi * fr;
        const double nr = pr * sr - pi * si;
        pi = pr * si + pi * sr;
        pr = nr;
        if ((i & 63) == 63) {
            const double m = 1.0 / std::sqrt(pr * pr + pi * pi);
            pr *= m;
            pi *= m;
        }
    }
}

void WifiOfdmDecoder::equalise(float pol) {
    // Pilots against the L-LTF estimate: common phase and gain of this symbol (residual CFO, phase
    // noise, amplitude drift).
    cf g{};
    float hp = 0.0f;
    for (std::size_t i = 0; i < 4; ++i) {
        const int b = bin(kPilotSc[i]);
        g += freq_[static_cast<std::size_t>(b)] * std::conj(chan_[static_cast<std::size_t>(b)]) * (pol * kPilotSign[i]);
        hp += std::norm(chan_[static_cast<std::size_t>(b)]);
    }
    g /= std::max(hp, 1e-30f);
    for (std::size_t d = 0; d < 48; ++d) {
        const cf h = chan_[static_cast<std::size_t>(data_bin_[d])] * g;
        const float hn = std::norm(h);
        eq_[d] = hn > 0.0f ? freq_[static_cast<std::size_t>(data_bin_[d])] * std::conj(h) / hn : cf{};
        weight_[d] = hn;
    }
}

bool WifiOfdmDecoder::try_ppdu(std::size_t pe, double cfo_hz, Packet& p, std::size_t& end_index) {
    const std::size_t n = view_.size();
    // Fine timing: the plateau ends when the 64-sample autocorrelation span reaches into the L-LTF;
    // the first long symbol T1 then starts 76-90 samples later (simulator and recordings alike).
    // Searched: 32-144 samples, both repetitions scored together (T1 and T2 = T1 + 64).
    constexpr std::size_t kFineFrom = 32, kFineTo = 144;
    const std::size_t d_lo = pe + kFineFrom, d_hi = pe + kFineTo;
    const std::size_t need = d_hi + 2 * kN + kN;
    if (need > n) return false;
    derotate(d_lo, need - d_lo, cfo_hz);
    const std::size_t lags = d_hi - d_lo + kN + 1;
    xc_mag_.resize(lags);
    // |sum y[d + k] conj(ref[k])| for every lag d, kXcLanes lags side by side so that it vectorises
    // across lags: each lag's sum still adds its terms in k order, the same floats as one lag at a
    // time. y_ is split into real and imaginary parts first; it reaches past the last lane's window.
    constexpr std::size_t kXcLanes = 8;
    const std::size_t padded = (lags + kXcLanes - 1) / kXcLanes * kXcLanes;
    static_assert((kFineTo - kFineFrom + kN + 1 + kXcLanes - 1) / kXcLanes * kXcLanes + kN - 1 <= kFineTo - kFineFrom + 3 * kN);
    y_re_.resize(y_.size());
    y_im_.resize(y_.size());
    for (std::size_t i = 0; i < y_.size(); ++i) {
        y_re_[i] = y_[i].real();
        y_im_[i] = y_[i].imag();
    }
    for (std::size_t d0 = 0; d0 < padded; d0 += kXcLanes) {
        Float4 re_low{}, re_high{}, im_low{}, im_high{};  // lags d0 … d0 + 3, d0 + 4 … d0 + 7
        for (std::size_t k = 0; k < static_cast<std::size_t>(kN); ++k) {
            const Float4 rr = Float4{} + ltf_re_[k], ri = Float4{} + ltf_im_[k];
            const float* yr = y_re_.data() + d0 + k;
            const float* yi = y_im_.data() + d0 + k;
            const Float4 yr_low = load_float4(yr), yr_high = load_float4(yr + 4), yi_low = load_float4(yi), yi_high = load_float4(yi + 4);
            re_low += yr_low * rr + yi_low * ri;
            re_high += yr_high * rr + yi_high * ri;
            im_low += yi_low * rr - yr_low * ri;
            im_high += yi_high * rr - yr_high * ri;
        }
        float re[kXcLanes], im[kXcLanes];
        std::memcpy(re, &re_low, sizeof re_low);
        std::memcpy(re + 4, &re_high, sizeof re_high);
        std::memcpy(im, &im_low, sizeof im_low);
        std::memcpy(im + 4, &im_high, sizeof im_high);
        for (std::size_t j = 0; j < kXcLanes && d0 + j < lags; ++j) xc_mag_[d0 + j] = std::sqrt(re[j] * re[j] + im[j] * im[j]);
    }
    std::size_t best = 0;
    float best_score = -1.0f;
    for (std::size_t d = 0; d + kN < lags; ++d) {
        const float s = xc_mag_[d] + xc_mag_[d + kN];
        if (s > best_score) best_score = s, best = d;
    }
    const std::size_t t1 = d_lo + best;  // absolute index of T1
    float e1 = 0.0f, e2 = 0.0f;
    for (int k = 0; k < kN; ++k) {
        e1 += std::norm(y_[best + static_cast<std::size_t>(k)]);
        e2 += std::norm(y_[best + kN + static_cast<std::size_t>(k)]);
    }
    const float rho = best_score / (std::sqrt(ltf_energy_) * (std::sqrt(e1) + std::sqrt(e2)) + 1e-30f);
    if (rho < 0.5f) return false;

    // Fine CFO from the two repetitions.
    cf a{};
    for (int k = 0; k < kN; ++k) a += y_[best + static_cast<std::size_t>(k)] * std::conj(y_[best + kN + static_cast<std::size_t>(k)]);
    cfo_hz += -std::arg(a) * kFs / (2.0 * std::numbers::pi * kN);

    // Everything from the L-LTF guard interval through L-SIG and two more symbols (HT-SIG).
    if (t1 < 32) return false;
    const std::size_t base = t1 - 32;
    const std::size_t sig_end = base + 32 + 128 + 3 * 80;  // L-SIG, HT-SIG1, HT-SIG2
    derotate(base, std::min(n, sig_end) - base, cfo_hz);
    if (y_.size() < 32 + 128 + 80) return false;  // no L-SIG

    // Channel: mean of the two L-LTF symbols over the known values.
    std::array<cf, kN> f2{};
    fft_at(32 - kBackoff);
    const std::array<cf, kN> f1 = freq_;
    fft_at(32 + kN - kBackoff);
    f2 = freq_;
    chan_.fill(cf{});
    for (int k = -26; k <= 26; ++k) {
        if (k == 0) continue;
        const auto b = static_cast<std::size_t>(bin(k));
        chan_[b] = 0.5f * (f1[b] + f2[b]) * static_cast<float>(kLtf[static_cast<std::size_t>(k + 26)]);
    }
    // Impulse-response concentration: a real channel is short (within the guard interval); noise,
    // a tone or a foreign signal spreads over all 64 taps.
    fft_.inverse(chan_.data(), imp_.data());
    float near = 0.0f, total = 0.0f;
    for (int t = 0; t < kN; ++t) {
        const float e = std::norm(imp_[static_cast<std::size_t>(t)]);
        total += e;
        if (t < 16 || t >= kN - 4) near += e;
    }
    const bool ltf_strong = total > 0.0f && near >= 0.7f * total;
    if (!ltf_strong) return false;

    // L-SIG.
    const std::size_t sig0 = 32 + 128 + 16 - kBackoff;  // FFT window of L-SIG within y_
    fft_at(sig0);
    equalise(static_cast<float>(coding::wifi_pilot_polarity(0)));
    soft_.resize(96);
    const auto& perm48 = perm_[0];
    for (std::size_t k = 0; k < 48; ++k) lsig_raw_[k] = weight_[k] * eq_[k].real();
    for (std::size_t k = 0; k < 48; ++k) soft_[k] = lsig_raw_[perm48[k]];
    viterbi_.decode(std::span<const float>(soft_.data(), 48), false, bits_);
    // How far the received L-SIG is from the codeword decoded: the reliability-weighted share of
    // coded bits that disagree. A clean L-SIG has none; a garbled one decoded to some codeword
    // disagrees in ~20 % (its nearest codeword is ~8-12 bits away).
    float disagree = 0.0f, all = 0.0f;
    {
        const coding::Bits recoded = coding::conv_encode_k7(bits_);
        for (std::size_t k = 0; k < 48; ++k) {
            all += std::abs(soft_[k]);
            if ((soft_[k] > 0.0f) != (recoded[k] == 1)) disagree += std::abs(soft_[k]);
        }
    }
    const float lsig_distance = all > 0.0f ? disagree / all : 1.0f;
    const auto& b = bits_;
    unsigned rate_code = 0, length = 0, parity = 0;
    for (int i = 0; i < 4; ++i) rate_code |= static_cast<unsigned>(b[static_cast<std::size_t>(i)]) << i;
    for (int i = 0; i < 12; ++i) length |= static_cast<unsigned>(b[static_cast<std::size_t>(5 + i)]) << i;
    for (int i = 0; i < 18; ++i) parity ^= b[static_cast<std::size_t>(i)];
    bool tail_zero = true;
    for (int i = 18; i < 24; ++i) tail_zero = tail_zero && b[static_cast<std::size_t>(i)] == 0;
    const LegacyRate* rate = legacy_rate(rate_code);
    const std::size_t stf_start = t1 >= 192 ? t1 - 192 : 0;
    p = Packet{};
    p.protocol = Protocol::wifi_ofdm;
    p.start_s = (static_cast<double>(t1) - 192.0) / kFs;
    p.frequency_offset_hz = cfo_hz + shift_hz_;
    p.checksum_checked = true;
    if (parity != 0 || b[4] != 0 || !tail_zero || rate == nullptr || length == 0) {
        // A genuine preamble (the L-LTF test held) whose L-SIG failed: a decode without a valid
        // checksum, airtime unknown (0).
        end_index = t1 + 128 + 80;
        return true;
    }
    const auto rate_index = static_cast<std::size_t>(rate - kRates.data());
    const auto n_sym = (16u + 8u * length + 6u + static_cast<unsigned>(rate->n_dbps) - 1u) / static_cast<unsigned>(rate->n_dbps);
    const double legacy_duration = 20e-6 + 4e-6 * n_sym;
    p.duration_s = legacy_duration;
    p.rate_mbps = rate->mbps;

    // The two symbols after a 6 Mb/s L-SIG tell the format (19.3.7.2, 21.3.8.3, 27.3.11.5):
    //   HT-mixed   QBPSK, QBPSK (HT-SIG)
    //   VHT        BPSK, QBPSK (VHT-SIG-A)
    //   HE         BPSK repeating the L-SIG (RL-SIG)
    //   non-HT     DATA (BPSK at 6 Mb/s, unrelated to the L-SIG)
    bool ht = false;
    if (rate->mbps == 6.0 && y_.size() >= sig0 + 160 + kN) {
        std::array<float, 2> sym_re{}, sym_im{};
        float rl_dot = 0.0f, rl_sym = 0.0f, rl_sig = 0.0f;
        for (std::size_t s = 0; s < 2; ++s) {
            fft_at(sig0 + 80 * (s + 1));
            equalise(static_cast<float>(coding::wifi_pilot_polarity(s + 1)));
            for (std::size_t k = 0; k < 48; ++k) {
                const cf z = eq_[perm48[k]];
                sym_re[s] += weight_[perm48[k]] * z.real() * z.real();
                sym_im[s] += weight_[perm48[k]] * z.imag() * z.imag();
                soft_[48 * s + k] = weight_[perm48[k]] * z.imag();
                if (s == 0) {
                    vht_a1_[k] = weight_[perm48[k]] * z.real();
                    const float r = weight_[k] * eq_[k].real();
                    rl_dot += r * lsig_raw_[k];
                    rl_sym += r * r;
                    rl_sig += lsig_raw_[k] * lsig_raw_[k];
                }
            }
        }
        const bool q1 = sym_im[0] > sym_re[0], q2 = sym_im[1] > sym_re[1];
        // 48 SIG bits from the two symbols (soft_), CRC-8 and tail checked; `reserved` lists bits
        // that must be 1.
        auto sig_ok = [this](std::initializer_list<int> reserved) {
            viterbi_.decode(soft_, false, bits_);
            const auto& h = bits_;
            const coding::Bits crc = coding::wifi_ht_sig_crc(std::span<const std::uint8_t>(h.data(), 34));
            bool ok = true;
            for (int i : reserved) ok = ok && h[static_cast<std::size_t>(i)] == 1;
            for (int i = 0; i < 8; ++i) ok = ok && crc[static_cast<std::size_t>(i)] == h[static_cast<std::size_t>(34 + i)];
            for (int i = 42; i < 48; ++i) ok = ok && h[static_cast<std::size_t>(i)] == 0;
            return ok;
        };
        bool ht_ok = false;
        if (q2) {
            // HT-SIG2 or VHT-SIG-A2. HT first (both symbols on Q); at low SNR a phase error can make
            // HT-SIG1 look like BPSK, and VHT-SIG-A shares HT-SIG's CRC, so the order matters.
            ht_ok = sig_ok({26});
            if (!ht_ok) {
                std::copy(vht_a1_.begin(), vht_a1_.end(), soft_.begin());  // VHT-SIG-A1 on I
                const bool vht_ok = sig_ok({2, 23, 24 + 9});
                if (vht_ok || !q1) {
                    // VHT: rate and airtime are in VHT-SIG-A (not interpreted here); the L-SIG gives
                    // the airtime on the 4 us grid. CRC-8 as HT-SIG's, over A1 and A2 bits 0-9.
                    p.rate_mbps = 0.0;
                    p.checksum_ok = vht_ok;
                    end_index = stf_start + static_cast<std::size_t>(std::llround(p.duration_s * kFs));
                    return true;
                }
            }
        }
        if (!q1 && !q2 && rl_dot > 0.7f * std::sqrt(rl_sym * rl_sig)) {
            // HE: L-SIG and its repetition agree (48 more coded bits); the rate is in HE-SIG-A.
            p.rate_mbps = 0.0;
            p.checksum_ok = lsig_distance <= kMaxLsigDistance;
            end_index = stf_start + static_cast<std::size_t>(std::llround(p.duration_s * kFs));
            return true;
        }
        if (q2) {
            ht = true;
            const auto& h = bits_;
            const bool ok = ht_ok;
            // Without a valid HT-SIG the rate is unknown; the L-SIG still gives the airtime.
            p.rate_mbps = 0.0;
            if (ok) {
                HtSig s;
                for (int i = 0; i < 7; ++i) s.mcs |= h[static_cast<std::size_t>(i)] << i;
                s.forty = h[7];
                for (int i = 0; i < 16; ++i) s.length |= static_cast<unsigned>(h[static_cast<std::size_t>(8 + i)]) << i;
                s.stbc = h[28] | (h[29] << 1);
                s.ldpc = h[30];
                s.short_gi = h[31];
                s.ness = h[32] | (h[33] << 1);
                p.mcs = s.mcs;
                // A 40 MHz PPDU's carrier is the 40 MHz centre, 10 MHz from the half decoded.
                if (s.forty) p.frequency_offset_hz = cfo_hz;
                p.checksum_ok = true;
                const int n_dbps = ht_n_dbps(s.mcs, s.forty);
                const double t_sym = s.short_gi ? 3.6e-6 : 4e-6;
                if (n_dbps > 0) p.rate_mbps = n_dbps / (t_sym * 1e6);
                const int n_ss = s.mcs == 32 ? 1 : s.mcs / 8 + 1;
                const int n_sts = n_ss + s.stbc;
                if (n_dbps > 0 && n_sts <= 4 && !s.ldpc) {
                    static constexpr int d_ltf[4] = {1, 2, 4, 4};
                    static constexpr int e_ltf[4] = {0, 1, 2, 4};
                    const int n_ltf = d_ltf[n_sts - 1] + e_ltf[s.ness];
                    const int n_es = p.rate_mbps > 300.0 ? 2 : 1;
                    const int m_stbc = s.stbc ? 2 : 1;
                    const long bits = s.length == 0 ? 0 : 8L * s.length + 16 + 6L * n_es;
                    const long per = static_cast<long>(m_stbc) * n_dbps;
                    const long n_data = m_stbc * ((bits + per - 1) / per);
                    // Airtime as transmitted: the short-GI symbols end 3.6 us apart (TXTIME of
                    // 19.4.3 rounds this up to the next 4 us boundary).
                    p.duration_s = 36e-6 + 4e-6 * (n_ltf - 1) + t_sym * static_cast<double>(n_data);
                    // The L-SIG announces the same TXTIME on the 4 us grid (19.3.9.3.5): a second,
                    // independent check of the HT length (a random one agrees rarely).
                    const double ahead = legacy_duration - p.duration_s;
                    if (ahead < -1e-9 || ahead > 4e-6 - 1e-9) p.checksum_ok = false;
                }
            }
        }
    }

    if (!ht) {
        // Non-HT: the L-SIG checks + the L-LTF test, or the FCS where the DATA is decoded. A frame whose
        // FCS fails (corrupted, or bytes that were never a MAC frame) still had a valid header: its rate
        // and airtime stand; its MAC fields are not reported.
        p.checksum_ok = lsig_distance <= kMaxLsigDistance;
        if (length <= kMaxDecodedOctets && (payloads_at_every_rate_ || p.rate_mbps == kBasicRateMbps)) {
            // decoded DATA checks the L-SIG further: a wrong rate or length leaves SERVICE's reserved bits random
            const DataCheck check = decode_data(base, *rate, rate_index, length, p);
            p.checksum_ok = check == DataCheck::fcs || (p.checksum_ok && check == DataCheck::service_zero);
        }
    }
    end_index = stf_start + static_cast<std::size_t>(std::llround(p.duration_s * kFs));
    return true;
}

WifiOfdmDecoder::DataCheck WifiOfdmDecoder::decode_data(std::size_t base, const LegacyRate& rate, std::size_t rate_index, unsigned length,
                                                         Packet& p) {
    const std::size_t n_bits = 16 + 8 * static_cast<std::size_t>(length) + 6;
    const auto n_dbps = static_cast<std::size_t>(rate.n_dbps);
    const std::size_t n_sym = (n_bits + n_dbps - 1) / n_dbps;
    const std::size_t first = 32 + 128 + 80 + 16 - kBackoff;  // first DATA symbol's FFT window in y_
    const std::size_t need = first + 80 * (n_sym - 1) + kN;
    if (base + need > view_.size()) return DataCheck::none;
    derotate(base, need, p.frequency_offset_hz - shift_hz_);
    const auto n_cbps = static_cast<std::size_t>(rate.n_cbps);
    const auto n_bpsc = static_cast<std::size_t>(rate.n_bpsc);
    const auto& perm = perm_[rate_index];
    soft_.resize(n_sym * n_cbps);
    symbol_soft_.resize(n_cbps);
    for (std::size_t s = 0; s < n_sym; ++s) {
        fft_at(first + 80 * s);
        equalise(static_cast<float>(coding::wifi_pilot_polarity(s + 1)));
        for (std::size_t d = 0; d < 48; ++d) demap(eq_[d], rate.n_bpsc, weight_[d], &symbol_soft_[d * n_bpsc]);
        float* dst = &soft_[s * n_cbps];
        for (std::size_t k = 0; k < n_cbps; ++k) dst[k] = symbol_soft_[perm[k]];
    }
    depuncture(soft_, rate.code_num, rate.code_den, mother_);
    if (mother_.size() < 2 * n_bits) return DataCheck::none;
    viterbi_.decode(std::span<const float>(mother_.data(), 2 * n_bits), true, bits_);
    // Descramble: the first 7 SERVICE bits are zeros before scrambling, so they are the scrambler's
    // first 7 outputs — which are then its state (x7 = the oldest).
    unsigned state = 0;
    for (std::size_t i = 0; i < 7; ++i) state = (state << 1) | bits_[i];
    if (state == 0) return DataCheck::none;
    const coding::Bits seq = coding::wifi_scrambler_sequence(static_cast<std::uint8_t>(state), n_bits - 7);
    for (std::size_t i = 7; i < n_bits; ++i) bits_[i] ^= seq[i - 7];
    bool service_zero = true;  // SERVICE bits 7–15 are reserved zeros
    for (std::size_t i = 7; i < 16; ++i) service_zero = service_zero && bits_[i] == 0;
    const DataCheck content = service_zero ? DataCheck::service_zero : DataCheck::none;
    psdu_.assign(length, 0);
    for (std::size_t i = 0; i < length; ++i) {
        unsigned v = 0;
        for (std::size_t k = 0; k < 8; ++k) v |= static_cast<unsigned>(bits_[16 + 8 * i + k]) << k;
        psdu_[i] = static_cast<std::uint8_t>(v);
    }
    if (length < 4) return content;
    const std::uint32_t fcs = coding::ieee80211_fcs(std::span<const std::uint8_t>(psdu_.data(), length - 4));
    std::uint32_t sent = 0;
    for (std::size_t k = 0; k < 4; ++k) sent |= static_cast<std::uint32_t>(psdu_[length - 4 + k]) << (8 * k);
    if (fcs != sent) return content;
    parse_mac(psdu_, p);
    return DataCheck::fcs;
}

void WifiOfdmDecoder::decode(const Input& in, std::vector<Packet>& out) {
    if (in.sample_rate_hz < 19.9e6 || in.samples.size() < 400) return;
    const std::size_t first = out.size();
    scan(in, 0.0, out);
    // A 40 MHz view: an HT40 PPDU repeats its legacy fields and HT-SIG on both 20 MHz halves (the
    // centred view straddles them), and 20 MHz PPDUs of a 40 MHz BSS sit on its primary half. Tried
    // only when the centred view held nothing valid; the first half that does replaces it.
    if (in.sample_rate_hz < 39e6) return;
    for (std::size_t i = first; i < out.size(); ++i)
        if (out[i].checksum_ok) return;
    for (double shift : {-10e6, 10e6}) {
        half_.clear();
        scan(in, shift, half_);
        if (std::any_of(half_.begin(), half_.end(), [](const Packet& p) { return p.checksum_ok; })) {
            out.resize(first);
            out.insert(out.end(), half_.begin(), half_.end());
            return;
        }
    }
}

void WifiOfdmDecoder::scan(const Input& in, double shift_hz, std::vector<Packet>& out) {
    shift_hz_ = shift_hz;
    const double delay = prepare(in, shift_hz);
    const std::size_t n = view_.size();
    constexpr std::size_t span = kStfWindow + kStfLag;
    if (n < 400) return;
    const float* x = reinterpret_cast<const float*>(view_.data());
    const float dc_re = dc_.real(), dc_im = dc_.imag();
    // sample i's parts, its DC taken off
    auto re = [x, dc_re](std::size_t i) { return x[2 * i] - dc_re; };
    auto im = [x, dc_im](std::size_t i) { return x[2 * i + 1] - dc_im; };
    // u conj(v) of samples i and i + lag, and |x_i|^2.
    auto prod_re = [&](std::size_t i, std::size_t lag) { return re(i) * re(i + lag) + im(i) * im(i + lag); };
    auto prod_im = [&](std::size_t i, std::size_t lag) { return im(i) * re(i + lag) - re(i) * im(i + lag); };
    auto power = [&](std::size_t i) {
        const float a = re(i), b = im(i);
        return a * a + b * b;
    };
    std::size_t pos = 0;
    while (pos + span + 1 < n) {
        // Lag-16 autocorrelation c over a 48-sample window starting at i, with the window's energy e
        // and that of the lagged window q; kept as running sums (double: no drift over long inputs).
        // Each product and power is computed once, when it enters, and kept in a ring until it leaves.
        double cr = 0.0, ci = 0.0, e = 0.0, q = 0.0;
        for (std::size_t k = pos; k < pos + span; ++k) {
            if (k < pos + kStfWindow) {
                prod_r_[k % kScanRing] = prod_re(k, kStfLag);
                prod_i_[k % kScanRing] = prod_im(k, kStfLag);
                cr += prod_r_[k % kScanRing];
                ci += prod_i_[k % kScanRing];
                e += power(k);
            }
            pow_[k % kScanRing] = power(k);
            if (k >= pos + kStfLag) q += pow_[k % kScanRing];
        }
        std::size_t run = 0;
        std::size_t next = n;  // where to resume after a candidate
        for (std::size_t i = pos; i + span + 1 < n; ++i) {
            const bool above = cr * cr + ci * ci >= kPlateauThreshold * e * q && e > 1e-20;
            if (above) {
                ring_r_[i % kRing] = cr;
                ring_i_[i % kRing] = ci;
                ++run;
            }
            if (!above && run >= kPlateauRun) {
                // The plateau ended at pe = i - 1: its window has just left the L-STF (the L-LTF is
                // not 16-periodic). Its start is not used: a weak periodic spur or the end of the
                // previous PPDU may extend it backwards, the end is the L-STF's.
                const std::size_t pe = i - 1;
                next = pe + 1;
                // Coarse CFO from windows well inside the L-STF, and the lag-8 test there: a tone
                // or DC is periodic at every lag, the L-STF has no lag-8 correlation.
                double sr = 0.0, si = 0.0;
                const std::size_t back = std::min<std::size_t>(run, 40);
                for (std::size_t k = pe + 1 - back; k + 8 <= pe + 1; ++k) {
                    sr += ring_r_[k % kRing];
                    si += ring_i_[k % kRing];
                }
                const std::size_t w0 = pe >= 40 ? pe - 40 : 0;
                double c8r = 0.0, c8i = 0.0, c16r = 0.0, c16i = 0.0;
                for (std::size_t k = w0; k < w0 + span; ++k) {
                    c8r += prod_re(k, 8);
                    c8i += prod_im(k, 8);
                    c16r += prod_re(k, 16);
                    c16i += prod_im(k, 16);
                }
                if (c8r * c8r + c8i * c8i < 0.64 * (c16r * c16r + c16i * c16i)) {
                    Packet p;
                    std::size_t end_index = 0;
                    const double cfo = -std::atan2(si, sr) * kFs / (2.0 * std::numbers::pi * kStfLag);
                    if (try_ppdu(pe, cfo, p, end_index)) {
                        p.start_s -= delay / kFs;
                        out.push_back(std::move(p));
                        if (end_index > pe + 16) next = end_index - 16;
                    }
                }
                break;
            }
            if (!above) run = 0;
            const std::size_t in_c = i + kStfWindow, in_q = i + span;
            const float pr = prod_re(in_c, kStfLag), pi = prod_im(in_c, kStfLag), pw = power(in_q);
            cr += static_cast<double>(pr) - prod_r_[i % kScanRing];
            ci += static_cast<double>(pi) - prod_i_[i % kScanRing];
            prod_r_[in_c % kScanRing] = pr;
            prod_i_[in_c % kScanRing] = pi;
            e += static_cast<double>(pow_[in_c % kScanRing]) - pow_[i % kScanRing];
            q += static_cast<double>(pw) - pow_[(i + kStfLag) % kScanRing];
            pow_[in_q % kScanRing] = pw;
        }
        pos = next;
    }
}

}  // namespace

std::unique_ptr<Decoder> make_wifi_ofdm_decoder(bool payloads_at_every_rate) {
    return std::make_unique<WifiOfdmDecoder>(payloads_at_every_rate);
}

const DecoderDescriptor kWifiOfdmDecoder{Protocol::wifi_ofdm, "IEEE 802.11a/g/n OFDM (L-SIG, HT-SIG, short 6 Mb/s DATA)", 20e6, true,
                                         []() { return make_wifi_ofdm_decoder(false); }};

}  // namespace coex::decode
