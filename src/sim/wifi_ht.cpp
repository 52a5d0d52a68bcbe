// IEEE 802.11n HT-mixed PPDU, one spatial stream, BCC, long guard interval, 20 or 40 MHz.
#include <cmath>

#include "coex/core/error.hpp"
#include "coex/coding/coding.hpp"
#include "coex/sim/wifi.hpp"
#include "dsp.hpp"

namespace coex::sim {

using detail::cd;

namespace {

constexpr cd j1{0.0, 1.0};

struct Grid {
    bool forty;
    int n_fft;  // 64 or 128
    int n_cp;   // n_fft / 4
    int dup;    // 20 MHz copies of the legacy fields: 1 or 2
};
Grid grid(HtWidth w) { return w == HtWidth::ht40 ? Grid{true, 128, 32, 2} : Grid{false, 64, 16, 1}; }

std::size_t bin(const Grid& g, int k) { return static_cast<std::size_t>((k + g.n_fft) % g.n_fft); }

// The +90 degree rotation of the upper 20 MHz at 40 MHz.
cd gamma(const Grid& g, int k) { return g.forty && k > 0 ? j1 : cd{1.0, 0.0}; }

// A legacy 20 MHz tone set (f(k), k = -26..26) placed on the grid: as is at 20 MHz, on both halves
// (centres -32 and +32) at 40 MHz; then rotated and scaled to unit mean power (energy 52 per copy).
template <class F>
std::vector<cd> legacy_tones(const Grid& g, F f) {
    std::vector<cd> x(static_cast<std::size_t>(g.n_fft), cd{0.0, 0.0});
    const double scale = 1.0 / std::sqrt(52.0 * g.dup);
    for (int k = -26; k <= 26; ++k) {
        const cd v = f(k);
        if (v == cd{0.0, 0.0}) continue;
        if (g.forty) {
            x[bin(g, k - 32)] = scale * v * gamma(g, k - 32);
            x[bin(g, k + 32)] = scale * v * gamma(g, k + 32);
        } else {
            x[bin(g, k)] = scale * v;
        }
    }
    return x;
}

std::vector<cd> ifft(std::vector<cd> x) {
    detail::fft_inplace(x, /*inverse=*/true);
    return x;
}

void append(std::vector<cf32>& out, const std::vector<cd>& sym, std::size_t from, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) {
        const cd v = sym[(from + i) % sym.size()];
        out.emplace_back(static_cast<float>(v.real()), static_cast<float>(v.imag()));
    }
}
void append_with_cp(std::vector<cf32>& out, const Grid& g, const std::vector<cd>& sym) {
    append(out, sym, static_cast<std::size_t>(g.n_fft - g.n_cp), static_cast<std::size_t>(g.n_cp + g.n_fft));
}

cd stf_value(int k) {
    for (int i = 0; i < 12; ++i)
        if (detail::wifi_l_stf_sc[i] == k) return std::sqrt(13.0 / 6.0) * detail::wifi_l_stf_sign[i] * cd{1.0, 1.0};
    return {0.0, 0.0};
}

// A 48-bit legacy-format symbol (L-SIG, HT-SIG): BPSK (or QBPSK) on the 48 data tones, pilots p.
std::vector<cd> legacy_signal_symbol(const Grid& g, const coding::Bits& interleaved, bool qbpsk, double p) {
    std::vector<cd> tones(53, cd{0.0, 0.0});
    int d = 0;
    for (int k = -26; k <= 26; ++k) {
        if (k == 0) continue;
        if (std::abs(k) == 7 || std::abs(k) == 21) {
            tones[static_cast<std::size_t>(k + 26)] = k == 21 ? -p : p;
            continue;
        }
        const double b = interleaved[static_cast<std::size_t>(d++)] ? 1.0 : -1.0;
        tones[static_cast<std::size_t>(k + 26)] = qbpsk ? b * j1 : cd{b, 0.0};
    }
    return ifft(legacy_tones(g, [&](int k) { return tones[static_cast<std::size_t>(k + 26)]; }));
}

// HT-LTF tones (one stream): 20 MHz {1, 1, L-LTF, -1, -1} on -28..28; 40 MHz {LTF_left, 1, LTF_right,
// -1, -1, -1, 1, 0, 0, 0, -1, 1, 1, -1, LTF_left, 1, LTF_right} on -58..58.
int ht_ltf(const Grid& g, int k) {
    const auto& l = detail::wifi_l_ltf;
    if (!g.forty) {
        if (std::abs(k) > 28) return 0;
        if (k == -28 || k == -27) return 1;
        if (k == 27 || k == 28) return -1;
        return l[k + 26];
    }
    if (std::abs(k) > 58) return 0;
    static constexpr int middle[13] = {-1, -1, -1, 1, 0, 0, 0, -1, 1, 1, -1, 0, 0};  // k = -5..5 (index 0..10)
    if (k >= -5 && k <= 5) return middle[k + 5];
    if (k == -32 || k == 32) return 1;
    // k in -58..-6: a 20 MHz L-LTF centred on -32 (its DC carries the 1 above); likewise +32.
    const int c = k < 0 ? k + 32 : k - 32;
    return l[c + 26];
}

bool ht_pilot(const Grid& g, int k, int& index) {
    static constexpr int p20[4] = {-21, -7, 7, 21};
    static constexpr int p40[6] = {-53, -25, -11, 11, 25, 53};
    const int* p = g.forty ? p40 : p20;
    const int n = g.forty ? 6 : 4;
    for (int i = 0; i < n; ++i)
        if (p[i] == k) {
            index = i;
            return true;
        }
    return false;
}

}  // namespace

HtMcsInfo wifi_ht_mcs_info(int mcs, HtWidth width) {
    struct Row {
        int n_bpsc, num, den;
    };
    static constexpr Row rows[8] = {{1, 1, 2}, {2, 1, 2}, {2, 3, 4}, {4, 1, 2}, {4, 3, 4}, {6, 2, 3}, {6, 3, 4}, {6, 5, 6}};
    if (mcs < 0 || mcs > 7) throw ConfigError("802.11n MCS must be 0..7 (one spatial stream)");
    const Row& r = rows[mcs];
    HtMcsInfo i;
    i.n_bpsc = r.n_bpsc;
    i.code_num = r.num;
    i.code_den = r.den;
    i.n_sd = width == HtWidth::ht40 ? 108 : 52;
    i.n_cbps = i.n_sd * r.n_bpsc;
    i.n_dbps = i.n_cbps * r.num / r.den;
    i.mbps = i.n_dbps / 4.0;
    return i;
}

double wifi_ht_sample_rate_hz(HtWidth width) { return width == HtWidth::ht40 ? 40e6 : 20e6; }

std::size_t wifi_ht_n_sym(std::size_t psdu_bytes, int mcs, HtWidth width) {
    const auto n_dbps = static_cast<std::size_t>(wifi_ht_mcs_info(mcs, width).n_dbps);
    return (16 + 8 * psdu_bytes + 6 + n_dbps - 1) / n_dbps;
}

double wifi_ht_ppdu_duration_s(std::size_t psdu_bytes, int mcs, HtWidth width) {
    return 36e-6 + 4e-6 * static_cast<double>(wifi_ht_n_sym(psdu_bytes, mcs, width));
}

Waveform wifi_ht_ppdu(std::span<const std::uint8_t> psdu, int mcs, HtWidth width, std::uint8_t scrambler_seed, bool aggregation) {
    using namespace coding;
    const HtMcsInfo mi = wifi_ht_mcs_info(mcs, width);
    if (psdu.empty() || psdu.size() > wifi_ht_max_psdu_bytes) throw ConfigError("802.11n PSDU must be 1..65535 bytes");
    if ((scrambler_seed & 0x7F) == 0) throw ConfigError("802.11 scrambler seed must be nonzero (1..127)");
    const std::size_t n_sym = wifi_ht_n_sym(psdu.size(), mcs, width);
    const std::size_t l_length = (4 + n_sym) * 3 - 3;  // ceil((TXTIME - 20 us) / 4 us) x 3 - 3
    if (l_length > 4095) throw ConfigError("802.11n PPDU longer than L-SIG can announce (5.484 ms)");
    const Grid g = grid(width);
    const auto n_fft = static_cast<std::size_t>(g.n_fft);

    Waveform w;
    w.sample_rate_hz = wifi_ht_sample_rate_hz(width);
    w.samples.reserve(static_cast<std::size_t>((36 + 4 * n_sym) * (g.n_fft / 3.2)) + 16);

    // L-STF (8 us, 0.8 us periods) and L-LTF (GI2 then two symbols).
    const auto stf = ifft(legacy_tones(g, stf_value));
    append(w.samples, stf, 0, 10 * n_fft / 4);
    const auto ltf = ifft(legacy_tones(g, [](int k) { return cd{static_cast<double>(detail::wifi_l_ltf[k + 26]), 0.0}; }));
    append(w.samples, ltf, n_fft / 2, n_fft / 2 + 2 * n_fft);

    // L-SIG: 6 Mb/s and the LENGTH that makes legacy receivers defer for the whole PPDU.
    Bits sig;
    append_bits_lsb(sig, wifi_rate_info(WifiRate::mbps6).signal_rate_bits, 4);
    sig.push_back(0);
    append_bits_lsb(sig, l_length, 12);
    unsigned parity = 0;
    for (std::uint8_t b : sig) parity ^= b;
    sig.push_back(static_cast<std::uint8_t>(parity));
    append_bits_lsb(sig, 0, 6);
    append_with_cp(w.samples, g, legacy_signal_symbol(g, wifi_interleave(conv_encode_k7(sig), 48, 1), false, wifi_pilot_polarity(0)));

    // HT-SIG1/2.
    Bits ht;
    append_bits_lsb(ht, static_cast<unsigned>(mcs), 7);
    ht.push_back(g.forty ? 1 : 0);
    append_bits_lsb(ht, psdu.size(), 16);
    ht.push_back(1);  // smoothing recommended
    ht.push_back(1);  // not sounding
    ht.push_back(1);  // reserved
    ht.push_back(aggregation ? 1 : 0);
    append_bits_lsb(ht, 0, 2);  // STBC
    ht.push_back(0);            // BCC
    ht.push_back(0);            // long GI
    append_bits_lsb(ht, 0, 2);  // extension spatial streams
    const Bits crc = wifi_ht_sig_crc(ht);
    ht.insert(ht.end(), crc.begin(), crc.end());
    append_bits_lsb(ht, 0, 6);
    const Bits ht_coded = conv_encode_k7(ht);  // 96 bits
    for (int s = 0; s < 2; ++s) {
        const Bits il = wifi_interleave(std::span(ht_coded).subspan(static_cast<std::size_t>(48 * s), 48), 48, 1);
        append_with_cp(w.samples, g, legacy_signal_symbol(g, il, true, wifi_pilot_polarity(static_cast<std::size_t>(1 + s))));
    }

    // HT-STF (4 us of the short training pattern) and one HT-LTF.
    append(w.samples, stf, 0, 5 * n_fft / 4);
    {
        std::vector<cd> x(n_fft, cd{0.0, 0.0});
        const int edge = g.forty ? 58 : 28;
        const double scale = 1.0 / std::sqrt(g.forty ? 114.0 : 56.0);
        for (int k = -edge; k <= edge; ++k) x[bin(g, k)] = scale * static_cast<double>(ht_ltf(g, k)) * gamma(g, k);
        append_with_cp(w.samples, g, ifft(std::move(x)));
    }

    // DATA.
    const std::size_t n_data = n_sym * static_cast<std::size_t>(mi.n_dbps);
    Bits data;
    data.reserve(n_data);
    append_bits_lsb(data, 0, 16);
    for (std::uint8_t b : psdu) append_bits_lsb(data, b, 8);
    data.resize(n_data, 0);
    const Bits seq = wifi_scrambler_sequence(scrambler_seed, n_data);
    for (std::size_t i = 0; i < n_data; ++i) data[i] ^= seq[i];
    const std::size_t tail_at = 16 + 8 * psdu.size();
    for (std::size_t i = 0; i < 6; ++i) data[tail_at + i] = 0;
    const Bits coded = puncture(conv_encode_k7(data), mi.code_num, mi.code_den);
    const auto n_cbps = static_cast<std::size_t>(mi.n_cbps);
    const int edge = g.forty ? 58 : 28;
    const int n_pilots = g.forty ? 6 : 4;
    static constexpr int psi20[4] = {1, 1, 1, -1};
    static constexpr int psi40[6] = {1, 1, 1, -1, -1, 1};
    const double scale = 1.0 / std::sqrt(g.forty ? 114.0 : 56.0);
    for (std::size_t s = 0; s < n_sym; ++s) {
        const Bits il = wifi_ht_interleave(std::span(coded).subspan(s * n_cbps, n_cbps), mi.n_cbps, mi.n_bpsc, g.forty ? 18 : 13);
        const double p = wifi_pilot_polarity(s + 3);
        std::vector<cd> x(n_fft, cd{0.0, 0.0});
        std::size_t d = 0;
        for (int k = -edge; k <= edge; ++k) {
            if (k == 0 || (g.forty && std::abs(k) == 1)) continue;
            int pi = 0;
            cd v;
            if (ht_pilot(g, k, pi)) {
                const int psi = g.forty ? psi40[(static_cast<int>(s) + pi) % n_pilots] : psi20[(static_cast<int>(s) + pi) % n_pilots];
                v = cd{p * psi, 0.0};
            } else {
                v = detail::wifi_map_bits(&il[d * static_cast<std::size_t>(mi.n_bpsc)], mi.n_bpsc);
                ++d;
            }
            x[bin(g, k)] = scale * v * gamma(g, k);
        }
        append_with_cp(w.samples, g, ifft(std::move(x)));
    }
    detail::normalize_power(w.samples);
    return w;
}

Waveform wifi_ht_ppdu(std::size_t psdu_bytes, int mcs, HtWidth width, std::mt19937_64& rng, bool aggregation) {
    if (psdu_bytes == 0 || psdu_bytes > wifi_ht_max_psdu_bytes) throw ConfigError("802.11n PSDU must be 1..65535 bytes");
    const auto seed = static_cast<std::uint8_t>(detail::draw_uint(rng, 1, 127));
    std::vector<std::uint8_t> psdu(psdu_bytes);
    detail::fill_random_bytes(rng, psdu);
    return wifi_ht_ppdu(psdu, mcs, width, seed, aggregation);
}

}  // namespace coex::sim
