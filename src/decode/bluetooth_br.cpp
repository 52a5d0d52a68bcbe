// Bluetooth BR (basic rate) decoder: GFSK demodulation here, access code and header through libbtbb.
//
// Demodulation (Core Vol 2 Part A 3: GFSK, BT 0.5, modulation index 0.28-0.35, 1 Msym/s, '1' = higher
// frequency). The DC offset is removed; 4 us blocks of the input give the burst's extent (noise
// floor from the quietest blocks, edges where a 2 us window crosses halfway) and, from their lag-1
// autocorrelation less the noise's own, the carrier (the centre estimate may be 0.3 MHz off, plus the
// transmitter's +-75 kHz). A liquid-dsp rational resampler (designed once per input rate) brings the
// burst to 4 samples per symbol, a rotator to 0 Hz, a 25-tap liquid FIR keeps +-0.44 MHz. A
// one-symbol differential detector (the phase advance over one symbol), sampled at the one of the 4
// phases with the widest eye and sliced halfway between the means of its two sides, gives first
// bits; a 4-state sequence detector fitted to the burst (detect_sequence) then undoes the Gaussian
// pulse's intersymbol interference, which closes the eye of alternating bits to a third (in the
// tests at 12 dB SNR it raised the packets found within 2 sync-word bit errors from 80-90 % to
// 98-100 %). Its fitted offset term is the residual carrier.
//
// Access code: libbtbb's btbb_find_ac(LAP_ANY) looks for a sync word of any LAP. It reads the LAP
// from the sync word's code structure after correcting up to max_ac_errors bit errors (syndrome
// table built once by btbb_init) and silently fixes the 6-bit Barker tail, so its own error count
// can be low; here the received 64 bits are compared with btbb_gen_syncword(LAP) and the full
// Hamming distance decides: checksum_ok when it is at most N = bt_br_max_sync_errors = 2.
//
// False matches. A sync word is one of 2^24 words (24 LAP bits; the other 40 bits - 34 parity bits
// of the (64,30) expurgated BCH code and 6 Barker bits fixed by the LAP's MSB - are redundant). A
// window of random bits lies within N bit errors of one of them with probability at most
// 2^24 x V(64,N) / 2^64, V(64,2) = 1 + 64 + 2016 = 2081: 1.9e-9 per bit position. One sampling
// phase and one polarity are searched over the burst plus 16 symbols either side: a DH5-length
// burst (about 3000 positions) gives 5.7e-6, a 1 ms burst 2e-6. (N = 3 would give 4e-8 per
// position, 1.2e-4 per DH5-length burst; N = 1, 6e-11, but at 12 dB SNR the chance of two bit
// errors in 64 is not negligible.) Matches with N + 1 errors are reported with checksum_ok = false.
//
// Header. It is whitened with CLK1-6 and its HEC is preset with the UAP; neither is on the air.
// Each of the 64 clock values unwhitens it to a header whose HEC matches exactly one UAP, so a lone
// packet's header cannot be verified. Only the payload CRC-16 (also preset with the UAP) can: the
// type is reported where exactly one of the 64 (clock, UAP) hypotheses gives an FHS, DM1/3/5 or
// DH1/3/5 header whose payload libbtbb decodes with a good CRC, and the length it implies ends
// where the burst's energy ends (+-20 us). A wrong type would need a 16-bit CRC to hold by chance
// in one of 64 hypotheses (1e-3 per BR packet) and the length to agree as well. Otherwise kind is
// "access code" and the duration is measured from the preamble to the end of the burst's energy,
// not decoded.
#include "decoders.hpp"
#include "coex/core/numeric.hpp"

#include "coex/coding/coding.hpp"
#include "coex/decode/bluetooth_br.hpp"

#include <complex>

#include <btbb.h>
#include <liquid/liquid.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdio>
#include <memory>
#include <mutex>
#include <numbers>
#include <stdexcept>

namespace coex::decode {

namespace {

constexpr double kSymbolRate = 1e6;
constexpr int kSps = 4;  // samples per symbol after resampling
constexpr double kWorkRate = kSps * kSymbolRate;
constexpr int kSearchErrors = bt_br_max_sync_errors + 1;
constexpr int kSyncBits = 64;
constexpr int kPreambleBits = 4;
constexpr int kHeaderEnd = 64 + 4 + 54;  // sync word, trailer and FEC-1/3 header, from the sync word
constexpr int kAccessCodeUs = 72;
constexpr int kLibbtbbMaxSymbols = 3125;  // libbtbb's per-packet symbol buffer
constexpr int kEdgeSymbols = 16;          // searched beyond the burst's energy on either side
constexpr int kLengthTolerance_us = 20;  // decoded against measured end of the burst

// ---- libbtbb ---------------------------------------------------------------------------------------

void init_btbb() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (btbb_init(kSearchErrors) < 0) throw std::runtime_error("libbtbb: btbb_init failed");
    });
}

struct BtbbPacketDeleter {
    void operator()(btbb_packet* p) const { btbb_packet_unref(p); }
};
using BtbbPacketPtr = std::unique_ptr<btbb_packet, BtbbPacketDeleter>;

// Finds sync words in `stream` (0/1 chars), appending to `out`; *pkt is libbtbb's scratch packet.
void search_sync_words(std::vector<char>& stream, btbb_packet** pkt, std::vector<BtSyncMatch>& out) {
    const int n = static_cast<int>(stream.size());
    int pos = 0;
    while (n - pos >= kSyncBits) {
        // btbb_find_ac reads 64 bits from each of the search_length positions.
        const int search_length = n - pos - (kSyncBits - 1);
        const int offset = btbb_find_ac(stream.data() + pos, search_length, LAP_ANY, kSearchErrors, pkt);
        if (offset < 0) break;
        const int at = pos + offset;
        const std::uint32_t lap = btbb_packet_get_lap(*pkt);
        std::uint64_t received = 0;
        for (int i = 0; i < kSyncBits; ++i)
            received |= static_cast<std::uint64_t>(stream[static_cast<std::size_t>(at + i)] & 1) << i;
        const int errors = std::popcount(received ^ btbb_gen_syncword(static_cast<int>(lap)));
        if (errors <= kSearchErrors) out.push_back({static_cast<std::size_t>(at), lap, errors});
        pos = errors <= bt_br_max_sync_errors ? at + kHeaderEnd : at + 1;
    }
}

// The HEC is linear in (header bits, UAP): HEC(d, uap) = HEC(d, 0) ^ HEC(0, uap), and uap -> HEC(0, uap)
// is one-to-one, so the UAP a header's HEC implies is a table look-up (coding::bt_hec builds it).
class HecToUap {
public:
    HecToUap() {
        using coding::Bits;
        auto pack = [](const Bits& b) {
            unsigned v = 0;
            for (std::size_t k = 0; k < b.size(); ++k) v |= static_cast<unsigned>(b[k] & 1u) << k;
            return static_cast<std::uint8_t>(v);
        };
        for (int i = 0; i < 10; ++i) {
            Bits unit(10, 0);
            unit[static_cast<std::size_t>(i)] = 1;
            data_bit_hec_[static_cast<std::size_t>(i)] = pack(coding::bt_hec(unit, 0));
        }
        std::array<bool, 256> seen{};
        const Bits zero(10, 0);
        for (unsigned uap = 0; uap < 256; ++uap) {
            const std::uint8_t h = pack(coding::bt_hec(zero, static_cast<std::uint8_t>(uap)));
            if (seen[h]) throw std::logic_error("BR HEC: UAP preset is not one-to-one");
            seen[h] = true;
            uap_of_hec_[h] = static_cast<std::uint8_t>(uap);
        }
    }
    // header18: bit i = header bit i in air order (10 data bits, then the 8 HEC bits).
    std::uint8_t uap(std::uint32_t header18) const {
        std::uint8_t h = static_cast<std::uint8_t>((header18 >> 10) & 0xFFu);
        for (int i = 0; i < 10; ++i)
            if ((header18 >> i) & 1u) h ^= data_bit_hec_[static_cast<std::size_t>(i)];
        return uap_of_hec_[h];
    }

private:
    std::array<std::uint8_t, 10> data_bit_hec_{};
    std::array<std::uint8_t, 256> uap_of_hec_{};
};

const HecToUap& hec_to_uap() {
    static const HecToUap table;
    return table;
}

std::optional<BtPacketType> packet_type(int code, int payload_bytes) {
    // payload_bytes: libbtbb's payload_length, payload header + body + CRC.
    const double header_us = kAccessCodeUs + 54;
    const double bits = 8.0 * payload_bytes;
    switch (code) {
        case 2: return BtPacketType{code, "FHS", (header_us + 240) * 1e-6};
        case 3: return BtPacketType{code, "DM1", (header_us + 15 * std::ceil(bits / 10)) * 1e-6};
        case 4: return BtPacketType{code, "DH1", (header_us + bits) * 1e-6};
        case 10: return BtPacketType{code, "DM3", (header_us + 15 * std::ceil(bits / 10)) * 1e-6};
        case 11: return BtPacketType{code, "DH3", (header_us + bits) * 1e-6};
        case 14: return BtPacketType{code, "DM5", (header_us + 15 * std::ceil(bits / 10)) * 1e-6};
        case 15: return BtPacketType{code, "DH5", (header_us + bits) * 1e-6};
        default: return std::nullopt;  // no payload CRC libbtbb can check
    }
}

// The packet's length as its payload header gives it under one clock hypothesis, in symbols from the
// sync word's first bit: a cheap gate before libbtbb computes a CRC over up to 2744 bits. The
// payload header's bits are read directly (DM's FEC 2/3 is systematic) and unwhitened with the
// header's whitening continued (coding::bt_whitening_sequence, the same sequence as libbtbb's).
int implied_end_symbols(const char* syms, int code, std::uint32_t clk) {
    static const auto whitening = [] {
        std::array<std::array<std::uint8_t, 34>, 64> t{};
        for (unsigned c = 0; c < 64; ++c) {
            const auto w = coding::bt_whitening_sequence(static_cast<std::uint8_t>(c), 34);
            std::copy(w.begin(), w.end(), t[c].begin());
        }
        return t;
    }();
    const bool dm = code == 3 || code == 10 || code == 14;
    const bool one_byte = code == 3 || code == 4;
    if (code == 2) return kHeaderEnd + 240;
    auto bit = [&](int i) {  // payload header bit i (data order)
        const int at = dm && i >= 10 ? kHeaderEnd + 15 + (i - 10) : kHeaderEnd + i;
        return (syms[at] ^ whitening[clk][static_cast<std::size_t>(18 + i)]) & 1;
    };
    int length = 0;
    const int length_bits = one_byte ? 5 : 10;
    for (int i = 0; i < length_bits; ++i) length |= bit(3 + i) << i;
    const int bytes = length + (one_byte ? 1 : 2) + 2;  // payload header and CRC
    const int bits = 8 * bytes;
    return kHeaderEnd + (dm ? 15 * ((bits + 9) / 10) : bits);
}

// See recover_bt_packet_type; syms are 0/1 chars from the sync word's first bit. With end_symbols
// set, only hypotheses whose payload header puts the packet's end within 20 symbols of it are checked.
std::optional<BtPacketType> recover_type(char* syms, int n, btbb_packet* pkt, std::optional<int> end_symbols) {
    if (n < kHeaderEnd) return std::nullopt;
    n = std::min(n, kLibbtbbMaxSymbols);
    btbb_packet_set_data(pkt, syms, kHeaderEnd, 0, 0);
    if (!btbb_header_present(pkt)) return std::nullopt;  // an ID packet, or no header to read
    std::optional<BtPacketType> found;
    int hits = 0;
    for (std::uint32_t clk = 0; clk < 64; ++clk) {
        // libbtbb takes CLK1-6 from the clock handed with the symbols (it keeps clkn >> 1).
        btbb_packet_set_data(pkt, syms, kHeaderEnd, 0, clk << 1);
        btbb_packet_set_flag(pkt, BTBB_WHITENED, 1);
        btbb_packet_set_flag(pkt, BTBB_CLK6_VALID, 1);
        btbb_decode_header(pkt);  // unwhitens the header with this clock; its UAP check comes next
        btbb_packet_set_uap(pkt, hec_to_uap().uap(btbb_packet_get_header_packed(pkt)));
        if (!btbb_decode_header(pkt)) continue;
        const int code = btbb_packet_get_type(pkt);
        if (!packet_type(code, 0) || n < kHeaderEnd + 21) continue;  // the payload header must be there
        if (end_symbols && std::abs(implied_end_symbols(syms, code, clk) - *end_symbols) > kLengthTolerance_us) continue;
        btbb_packet_set_data(pkt, syms, n, 0, clk << 1);
        if (btbb_decode_payload(pkt) < 10) continue;  // 10 (DM, DH) and 1000 (FHS): CRC held
        ++hits;
        found = packet_type(code, btbb_packet_get_payload_length(pkt));
    }
    return hits == 1 ? found : std::nullopt;
}

// ---- demodulation ----------------------------------------------------------------------------------

struct RresampDeleter {
    void operator()(rresamp_crcf q) const { rresamp_crcf_destroy(q); }
};
struct FirDeleter {
    void operator()(firfilt_crcf q) const { firfilt_crcf_destroy(q); }
};
using RresampPtr = std::unique_ptr<std::remove_pointer_t<rresamp_crcf>, RresampDeleter>;
using FirPtr = std::unique_ptr<std::remove_pointer_t<firfilt_crcf>, FirDeleter>;

constexpr unsigned kChannelTaps = 25;
constexpr float kChannelCutoff = 0.11f;     // x 4 MS/s: 0.44 MHz; narrow, the sequence detector undoes the ISI
constexpr double kResampCutoffHz = 1.75e6;  // keeps a burst 0.375 MHz off centre, drops what would fold
constexpr double kEnergyBlock_s = 4e-6;
constexpr double kEdgeWindow_s = 2e-6;

// Best rational approximation interp/decim of x with both at most 1000; 1/1 when there is none.
std::pair<unsigned, unsigned> rational(double x) {
    const auto pq = best_rational(x, 1000, 1000);
    return pq.first == 0 ? std::pair<unsigned, unsigned>{1, 1} : pq;
}

// atan2 to about 1e-5 rad, several times cheaper than std::atan2.
float fast_atan2(float y, float x) {
    const float ax = std::abs(x), ay = std::abs(y);
    const float mx = std::max(ax, ay);
    if (mx == 0.0f) return 0.0f;
    const float a = std::min(ax, ay) / mx;
    const float s = a * a;
    float r = ((-0.0464964749f * s + 0.15931422f) * s - 0.327622764f) * s * a + a;
    if (ay > ax) r = std::numbers::pi_v<float> / 2 - r;
    if (x < 0) r = std::numbers::pi_v<float> - r;
    return y < 0 ? -r : r;
}

// Sequence detection. The Gaussian pulse (BT 0.5) and the channel filter spread each symbol's
// frequency into its neighbours, so the phase advance over symbol k is, to first order,
// y_k = a0 + a1 b[k-1] + a2 b[k] + a3 b[k+1] + noise (b = +-1; a0 the residual carrier, a2 about
// pi h x 0.7, a1 and a3 the ISI), which closes the eye of an alternating pattern to a third. The a's
// are fitted by least squares against the sliced bits of the burst [k0, k1); a 4-state Viterbi
// (state b[k-1], b[k]) then picks the bits of [k0, k1) with the smallest squared error, the burst's
// first symbol having no predecessor and its last no successor. (Two more taps, 16 states, gained nothing in the tests.) bits
// holds the sliced bits on entry, the detected ones on return; returns a0 (rad per symbol).
std::optional<double> detect_sequence(std::span<const float> y, std::size_t k0, std::size_t k1, std::vector<char>& bits,
                                      std::vector<std::uint8_t>& back) {
    k1 = std::min(k1, y.size());
    if (k1 < k0 + 32) return std::nullopt;
    auto pm = [](int b) { return b ? 1.0 : -1.0; };
    double normal[4][5] = {};
    for (std::size_t k = k0 + 1; k + 1 < k1; ++k) {
        const double v[4] = {1.0, pm(bits[k - 1]), pm(bits[k]), pm(bits[k + 1])};
        for (int r = 0; r < 4; ++r) {
            for (int c = 0; c < 4; ++c) normal[r][c] += v[r] * v[c];
            normal[r][4] += v[r] * y[k];
        }
    }
    for (int c = 0; c < 4; ++c) {  // Gauss-Jordan with partial pivoting
        int piv = c;
        for (int r = c + 1; r < 4; ++r)
            if (std::abs(normal[r][c]) > std::abs(normal[piv][c])) piv = r;
        std::swap(normal[c], normal[piv]);
        if (std::abs(normal[c][c]) < 1e-9) return std::nullopt;  // degenerate (a constant pattern): keep the sliced bits
        for (int r = 0; r < 4; ++r) {
            if (r == c) continue;
            const double f = normal[r][c] / normal[c][c];
            for (int j = c; j < 5; ++j) normal[r][j] -= f * normal[c][j];
        }
    }
    double a[4];
    for (int r = 0; r < 4; ++r) a[r] = normal[r][4] / normal[r][r];
    if (!(a[2] > 0.0)) return std::nullopt;
    // expected y for t = 4 b[k-1] + 2 b[k] + b[k+1]; at the burst's last symbol without b[k+1]
    std::array<float, 8> expect{}, expect_first{}, expect_last{};
    for (int t = 0; t < 8; ++t) {
        const double before = a[1] * pm((t >> 2) & 1), own = a[0] + a[2] * pm((t >> 1) & 1), after = a[3] * pm(t & 1);
        expect[static_cast<std::size_t>(t)] = static_cast<float>(before + own + after);
        expect_first[static_cast<std::size_t>(t)] = static_cast<float>(own + after);
        expect_last[static_cast<std::size_t>(t)] = static_cast<float>(before + own);
    }
    // back[4 k + s] = b[k-1] of the best path into state s = 2 b[k] + b[k+1] after y_k
    back.assign(4 * k1, 0);
    std::array<float, 4> metric{}, next{};
    for (std::size_t k = k0; k < k1; ++k) {
        const auto& ex = k + 1 == k1 ? expect_last : k == k0 ? expect_first : expect;
        for (int s2 = 0; s2 < 4; ++s2) {
            float best = 0.0f;
            int best_prev = 0;
            for (int prev = 0; prev < 2; ++prev) {
                const int t = (prev << 2) | s2;
                const float e = y[k] - ex[static_cast<std::size_t>(t)];
                const float m = metric[static_cast<std::size_t>(t >> 1)] + e * e;
                if (prev == 0 || m < best) {
                    best = m;
                    best_prev = prev;
                }
            }
            next[static_cast<std::size_t>(s2)] = best;
            back[4 * k + static_cast<std::size_t>(s2)] = static_cast<std::uint8_t>(best_prev);
        }
        metric = next;
    }
    // trace back from the best final state (b[k1-1], b[k1]); outside [k0, k1) the sliced bits stay
    int s = static_cast<int>(std::min_element(metric.begin(), metric.end()) - metric.begin());
    bits[k1 - 1] = static_cast<char>(s >> 1);
    for (std::size_t k = k1 - 1; k > k0; --k) {
        const int prev = back[4 * k + static_cast<std::size_t>(s)];
        bits[k - 1] = static_cast<char>(prev);
        s = (prev << 1) | (s >> 1);
    }
    return a[0];
}

std::string lap_text(std::uint32_t lap) {
    char s[16];
    std::snprintf(s, sizeof s, "0x%06x", static_cast<unsigned>(lap & 0xFFFFFFu));
    return s;
}

class BluetoothBrDecoder final : public Decoder {
public:
    BluetoothBrDecoder()
        : channel_(firfilt_crcf_create_kaiser(kChannelTaps, kChannelCutoff, 50.0f, 0.0f)), packet_(btbb_packet_new()) {
        if (!channel_ || !packet_) throw std::runtime_error("BR decoder: cannot create its filter or libbtbb packet");
        init_btbb();
        (void)hec_to_uap();
    }

    void decode(const Input& in, std::vector<Packet>& out) override;

private:
    // Everything that depends on the input rate, designed once per rate.
    struct RateStage {
        double rate = 0.0;
        RresampPtr resamp;
        unsigned interp = 1, decim = 1;
        double work_rate = kWorkRate;  // rate * interp / decim (4 MS/s up to the approximation)
        double delay_s = 0.0;          // resampler group delay
        std::size_t block = 0;         // energy block, input samples
        std::size_t window = 0;        // edge window, input samples
    };
    RateStage& stage_for(double rate);

    std::vector<RateStage> stages_;
    FirPtr channel_;
    BtbbPacketPtr packet_;
    // scratch, kept between bursts
    std::vector<cf32> input_, work_, filtered_;
    std::vector<float> block_power_, sorted_, disc_;
    std::vector<std::complex<double>> block_lag1_;
    std::vector<char> bits_;
    std::vector<float> symbols_;
    std::vector<std::uint8_t> trellis_;
    std::vector<BtSyncMatch> matches_;
};

BluetoothBrDecoder::RateStage& BluetoothBrDecoder::stage_for(double rate) {
    for (auto& s : stages_)
        if (s.rate == rate) return s;
    RateStage s;
    s.rate = rate;
    const auto [p, q] = rational(kWorkRate / rate);
    const unsigned m = static_cast<unsigned>(std::max(8.0, std::ceil(1.2 * rate / 1e6)));
    const float bw = static_cast<float>(std::min(0.5, kResampCutoffHz / rate));
    s.resamp.reset(rresamp_crcf_create_kaiser(p, q, m, bw, 60.0f));
    if (!s.resamp) throw std::runtime_error("liquid: rresamp_crcf_create_kaiser failed");
    s.interp = rresamp_crcf_get_interp(s.resamp.get());
    s.decim = rresamp_crcf_get_decim(s.resamp.get());
    s.work_rate = rate * s.interp / s.decim;
    s.delay_s = static_cast<double>(m) / rate;
    s.block = std::max<std::size_t>(8, static_cast<std::size_t>(std::lround(kEnergyBlock_s * rate)));
    s.window = std::max<std::size_t>(4, static_cast<std::size_t>(std::lround(kEdgeWindow_s * rate)));
    stages_.push_back(std::move(s));
    return stages_.back();
}

void BluetoothBrDecoder::decode(const Input& in, std::vector<Packet>& out) {
    const double fs = in.sample_rate_hz;
    const std::size_t n_in = in.samples.size();
    if (!(fs >= 1.9e6) || static_cast<double>(n_in) < 100e-6 * fs) return;
    RateStage& st = stage_for(fs);

    // DC offset out (a receiver's LO leakage would bias the discriminator); per 4 us block, the power
    // and the lag-1 autocorrelation.
    std::complex<double> sum{};
    for (const cf32& v : in.samples) sum += std::complex<double>(v.real(), v.imag());
    const cf32 dc(static_cast<float>(sum.real() / static_cast<double>(n_in)), static_cast<float>(sum.imag() / static_cast<double>(n_in)));
    const std::size_t n_blocks = n_in / st.block;
    if (n_blocks < 16) return;
    input_.resize(n_in);
    block_power_.resize(n_blocks);
    block_lag1_.resize(n_blocks);
    cf32 prev = in.samples[0] - dc;
    for (std::size_t b = 0, i = 0; b < n_blocks; ++b) {
        float p = 0.0f;
        cf32 c{};
        for (const std::size_t e = i + st.block; i < e; ++i) {
            const cf32 y = in.samples[i] - dc;
            input_[i] = y;
            p += std::norm(y);
            c += y * std::conj(prev);
            prev = y;
        }
        block_power_[b] = p / static_cast<float>(st.block);
        block_lag1_[b] = std::complex<double>(c.real(), c.imag());
    }
    for (std::size_t i = n_blocks * st.block; i < n_in; ++i) input_[i] = in.samples[i] - dc;

    // Extent of the burst: the noise floor from the quietest blocks (the input has >= 50 us of
    // margin), the level from the loud ones; the edges where a 2 us window crosses halfway.
    sorted_ = block_power_;
    // the loud level: the 4th-loudest block (16 us of burst suffice, however long the margins)
    const std::size_t n_low = 6, i_high = n_blocks - 1 - std::min<std::size_t>(n_blocks / 10, 3);
    std::nth_element(sorted_.begin(), sorted_.begin() + static_cast<std::ptrdiff_t>(i_high), sorted_.end());
    const float level = sorted_[i_high];
    std::nth_element(sorted_.begin(), sorted_.begin() + static_cast<std::ptrdiff_t>(n_low), sorted_.end());
    float floor = 0.0f;
    for (std::size_t i = 0; i < n_low; ++i) floor += sorted_[i];
    floor /= static_cast<float>(n_low);
    if (!(level > 2.0f * floor)) return;  // nothing stands above the noise (pure noise gives about 1.5)
    const float threshold = 0.5f * (floor + level);
    std::size_t first_blk = 0, last_blk = n_blocks - 1;
    while (first_blk < n_blocks && block_power_[first_blk] <= threshold) ++first_blk;
    while (last_blk > first_blk && block_power_[last_blk] <= threshold) --last_blk;
    if (first_blk >= n_blocks) return;
    const std::size_t w = st.window;
    auto window_power = [&](std::size_t j) {  // mean |x|^2 over [j, j + w)
        float p = 0.0f;
        for (std::size_t i = j; i < j + w; ++i) p += std::norm(input_[i]);
        return p / static_cast<float>(w);
    };
    std::size_t begin = first_blk * st.block;
    for (std::size_t j = first_blk > 0 ? (first_blk - 1) * st.block : 0; j + w <= n_in; ++j)
        if (window_power(j) > threshold) {
            begin = j + w / 2;
            break;
        }
    std::size_t end = (last_blk + 1) * st.block;
    for (std::size_t j = std::min(n_in, (last_blk + 2) * st.block); j >= w; --j)
        if (window_power(j - w) > threshold) {
            end = j - w / 2;
            break;
        }
    if (end <= begin || static_cast<double>(end - begin) < 60e-6 * fs) return;  // shorter than an ID packet

    // Carrier: the burst's mean frequency from its lag-1 autocorrelation, less the noise's own (the
    // receiver's filtering correlates neighbouring noise samples), measured on the quiet blocks.
    std::complex<double> r_burst{}, r_noise{};
    std::size_t n_burst = 0, n_noise = 0;
    for (std::size_t b = 0; b < n_blocks; ++b) {
        if (b >= first_blk && b <= last_blk) {
            r_burst += block_lag1_[b];
            ++n_burst;
        } else if (b + 1 < first_blk || b > last_blk + 1) {
            r_noise += block_lag1_[b];
            ++n_noise;
        }
    }
    if (n_noise > 0) r_burst -= r_noise * (static_cast<double>(n_burst) / static_cast<double>(n_noise));
    const double coarse_hz = std::arg(r_burst) * fs / (2.0 * std::numbers::pi);

    // The burst and 20 us either side to 4 samples per symbol.
    const auto margin_in = static_cast<std::size_t>(std::ceil((kEdgeSymbols + 4) * 1e-6 * fs));
    const std::size_t s0 = begin > margin_in ? begin - margin_in : 0;
    const std::size_t s1 = std::min(n_in, end + margin_in) + static_cast<std::size_t>(std::ceil(st.delay_s * fs));
    const std::size_t n_res = (s1 - s0 + st.decim - 1) / st.decim;
    if (input_.size() < s0 + n_res * st.decim) input_.resize(s0 + n_res * st.decim);
    std::fill(input_.begin() + static_cast<std::ptrdiff_t>(n_in), input_.end(), cf32{});
    const std::size_t m = n_res * st.interp + kChannelTaps;
    work_.resize(m);
    filtered_.resize(m);
    disc_.resize(m);
    rresamp_crcf_reset(st.resamp.get());
    rresamp_crcf_execute_block(st.resamp.get(), input_.data() + s0, static_cast<unsigned>(n_res), work_.data());
    std::fill(work_.begin() + static_cast<std::ptrdiff_t>(n_res * st.interp), work_.end(), cf32{});

    // To 0 Hz (a rotator re-anchored every 256 samples), channel filter, FM discriminator.
    {
        const double step = -2.0 * std::numbers::pi * coarse_hz / st.work_rate;
        for (std::size_t j0 = 0; j0 < m; j0 += 256) {
            const std::complex<double> w0 = std::polar(1.0, step * static_cast<double>(j0));
            const cf32 inc(static_cast<float>(std::cos(step)), static_cast<float>(std::sin(step)));
            cf32 rot(static_cast<float>(w0.real()), static_cast<float>(w0.imag()));
            for (std::size_t j = j0; j < std::min(m, j0 + 256); ++j) {
                work_[j] *= rot;
                rot *= inc;
            }
        }
    }
    firfilt_crcf_reset(channel_.get());
    firfilt_crcf_execute_block(channel_.get(), work_.data(), static_cast<unsigned>(m), filtered_.data());
    // disc_[i]: the phase advance over one symbol, from filtered_[i-4] to filtered_[i] (a one-symbol
    // differential detector; it integrates the instantaneous frequency over the symbol without the
    // FM clicks a sum of per-sample discriminator outputs would carry). Its centre is at input time
    // s0 / fs + (i - 14) / work_rate - delay_s (12 samples of channel filter delay, 2 of the span).
    std::fill(disc_.begin(), disc_.begin() + std::min<std::ptrdiff_t>(kSps, static_cast<std::ptrdiff_t>(m)), 0.0f);
    for (std::size_t i = kSps; i < m; ++i) {
        const cf32 c = filtered_[i] * std::conj(filtered_[i - kSps]);
        disc_[i] = fast_atan2(c.imag(), c.real());
    }
    const double disc_delay = (kChannelTaps - 1) / 2.0 + kSps / 2.0;
    auto disc_time = [&](double i) { return static_cast<double>(s0) / fs + (i - disc_delay) / st.work_rate - st.delay_s; };
    auto disc_index = [&](std::size_t input_index) {
        const double t = static_cast<double>(input_index - s0) / fs;
        return static_cast<std::size_t>(std::max(0.0, std::round((t + st.delay_s) * st.work_rate + disc_delay)));
    };
    const std::size_t rs = disc_index(begin), re = std::min(m, disc_index(end));
    if (re <= rs + 16 * kSps) return;

    // Sampling phase: the widest eye around the mean; slicing level: halfway between the means of
    // the two sides (k-means, 3 rounds), which unlike the plain mean does not lean with the data.
    double mean = 0.0;
    for (std::size_t i = rs; i < re; ++i) mean += disc_[i];
    float slice = static_cast<float>(mean / static_cast<double>(re - rs));
    std::size_t phase = 0;
    float widest = -1.0f;
    for (std::size_t p = 0; p < kSps; ++p) {
        float eye = 0.0f;
        for (std::size_t i = rs + p; i < re; i += kSps) eye += std::abs(disc_[i] - slice);
        if (eye > widest) {
            widest = eye;
            phase = p;
        }
    }
    for (int round = 0; round < 3; ++round) {
        double hi = 0.0, lo = 0.0;
        std::size_t n_hi = 0, n_lo = 0;
        for (std::size_t i = rs + phase; i < re; i += kSps) {
            if (disc_[i] > slice) {
                hi += disc_[i];
                ++n_hi;
            } else {
                lo += disc_[i];
                ++n_lo;
            }
        }
        if (n_hi == 0 || n_lo == 0) break;
        slice = static_cast<float>(0.5 * (hi / static_cast<double>(n_hi) + lo / static_cast<double>(n_lo)));
    }

    // One sample per symbol over the burst and 16 symbols either side: sliced, then sequence-detected.
    const std::size_t edge = kEdgeSymbols * kSps;
    std::size_t first = rs + phase;
    first -= std::min(edge, (first - kSps) / kSps * kSps);  // back by up to 16 symbols, staying >= 4
    const std::size_t stop = std::min(m, re + edge);
    bits_.clear();
    symbols_.clear();
    for (std::size_t i = first; i < stop; i += kSps) {
        symbols_.push_back(disc_[i]);
        bits_.push_back(disc_[i] > slice ? 1 : 0);
    }
    const std::size_t k0 = (rs + phase - first) / kSps, k1 = std::min(symbols_.size(), (re - first) / kSps);
    double residual_rad = slice;
    for (int pass = 0; pass < 2; ++pass) {  // the second fit starts from better bits
        if (const auto a0 = detect_sequence(symbols_, k0, k1, bits_, trellis_)) residual_rad = *a0;
    }

    matches_.clear();
    btbb_packet* pkt = packet_.get();
    search_sync_words(bits_, &pkt, matches_);
    if (matches_.empty()) return;

    const double carrier_hz = coarse_hz + residual_rad * kSymbolRate / (2.0 * std::numbers::pi);
    const double energy_end_s = static_cast<double>(end) / fs;
    for (const BtSyncMatch& mt : matches_) {
        // bit k was sampled at disc_[first + 4k], the middle of its symbol
        const double start_s = disc_time(static_cast<double>(first + kSps * mt.offset) - kSps * (kPreambleBits + 0.5));
        Packet p;
        p.protocol = Protocol::bt_br;
        p.start_s = start_s;
        p.checksum_checked = true;
        p.checksum_ok = mt.bit_errors <= bt_br_max_sync_errors;
        p.frequency_offset_hz = carrier_hz;
        p.device = lap_text(mt.lap);
        p.network = p.device;  // a piconet is named by its master's LAP
        p.kind = "access code";
        p.duration_s = std::max(energy_end_s - start_s, (kPreambleBits + kSyncBits) * 1e-6);  // measured (an ID packet: 68 us)
        if (p.checksum_ok) {
            // the burst's measured end, in symbols from the sync word
            const int end_symbols = static_cast<int>(std::lround((energy_end_s - start_s) * kSymbolRate)) - kPreambleBits;
            const auto type = recover_type(bits_.data() + mt.offset, static_cast<int>(bits_.size() - mt.offset), pkt, end_symbols);
            if (type && std::abs(start_s + type->duration_s - energy_end_s) <= kLengthTolerance_us * 1e-6) {
                p.kind = type->name;
                p.duration_s = type->duration_s;  // decoded
                p.rate_mbps = 1.0;
            }
        }
        out.push_back(std::move(p));
    }
}

}  // namespace

std::vector<BtSyncMatch> find_bt_sync_words(std::span<const std::uint8_t> bits) {
    init_btbb();
    std::vector<char> stream(bits.begin(), bits.end());
    BtbbPacketPtr packet(btbb_packet_new());
    btbb_packet* pkt = packet.get();
    std::vector<BtSyncMatch> out;
    search_sync_words(stream, &pkt, out);
    return out;
}

std::optional<BtPacketType> recover_bt_packet_type(std::span<const std::uint8_t> bits_from_sync) {
    init_btbb();
    std::vector<char> stream(bits_from_sync.begin(), bits_from_sync.end());
    BtbbPacketPtr packet(btbb_packet_new());
    return recover_type(stream.data(), static_cast<int>(stream.size()), packet.get(), std::nullopt);
}

const DecoderDescriptor kBluetoothBrDecoder{
    Protocol::bt_br, "Bluetooth BR (libbtbb)", 2e6, false, [] { return std::unique_ptr<Decoder>(std::make_unique<BluetoothBrDecoder>()); },
    // the access code and header, and all of a one-slot packet (its type from its CRC); a longer
    // packet's type is then not recovered, its duration measured
    400e-6, 80.0, 280.0,  // ±140–175 kHz (h 0.28–0.35)
    3.2e-3,               // DH5: 2870 µs
    50e-6};               // ID: 68 µs

}  // namespace coex::decode
