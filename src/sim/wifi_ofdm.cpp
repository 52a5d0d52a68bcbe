// IEEE 802.11a/g (clause 17) non-HT OFDM PPDU, 20 MHz.
#include <array>
#include <cmath>

#include "coex/core/error.hpp"
#include "coex/coding/coding.hpp"
#include "coex/sim/wifi.hpp"
#include "dsp.hpp"

namespace coex::sim {

using detail::cd;

const WifiRateInfo& wifi_rate_info(WifiRate rate) {
    const auto& table = coding::wifi_legacy_rates;
    const auto i = static_cast<std::size_t>(rate);
    if (i >= table.size()) throw ConfigError("unknown WifiRate");
    return table[i];
}

std::size_t wifi_ofdm_n_sym(std::size_t psdu_bytes, WifiRate rate) {
    const auto n_dbps = static_cast<std::size_t>(wifi_rate_info(rate).n_dbps);
    return (16 + 8 * psdu_bytes + 6 + n_dbps - 1) / n_dbps;
}

double wifi_ofdm_ppdu_duration_s(std::size_t psdu_bytes, WifiRate rate) {
    return 20e-6 + 4e-6 * static_cast<double>(wifi_ofdm_n_sym(psdu_bytes, rate));
}

namespace {

constexpr int n_fft = 64;
constexpr int n_cp = 16;

std::size_t bin(int subcarrier) { return static_cast<std::size_t>((subcarrier + n_fft) % n_fft); }

// 64-sample time-domain symbol (no CP) from frequency-domain bins.
std::vector<cd> ifft64(std::vector<cd> freq) {
    detail::fft_inplace(freq, /*inverse=*/true);
    return freq;
}

void append_with_cp(std::vector<cf32>& out, const std::vector<cd>& sym) {
    for (int n = n_fft - n_cp; n < n_fft; ++n) out.emplace_back(static_cast<float>(sym[n].real()), static_cast<float>(sym[n].imag()));
    for (int n = 0; n < n_fft; ++n) out.emplace_back(static_cast<float>(sym[n].real()), static_cast<float>(sym[n].imag()));
}

// One OFDM symbol from n_cbps interleaved coded bits; `pilot_index` selects p_n.
std::vector<cd> ofdm_symbol(std::span<const std::uint8_t> interleaved, int n_bpsc, std::size_t pilot_index) {
    std::vector<cd> freq(n_fft, cd{0.0, 0.0});
    for (int k = 0; k < 48; ++k) freq[bin(coding::wifi_data_subcarrier(k))] = detail::wifi_map_bits(&interleaved[static_cast<std::size_t>(k * n_bpsc)], n_bpsc);
    const double p = coding::wifi_pilot_polarity(pilot_index);
    freq[bin(-21)] = p;
    freq[bin(-7)] = p;
    freq[bin(7)] = p;
    freq[bin(21)] = -p;
    return ifft64(std::move(freq));
}

void append_preamble(std::vector<cf32>& out) {
    // L-STF: sqrt(13/6) x (+-1 +-j) on every 4th subcarrier -> 16-sample periodic, 10 periods.
    const auto& stf_sc = detail::wifi_l_stf_sc;
    const auto& stf_sign = detail::wifi_l_stf_sign;
    std::vector<cd> stf(n_fft, cd{0.0, 0.0});
    const double a = std::sqrt(13.0 / 6.0);
    for (int i = 0; i < 12; ++i) stf[bin(stf_sc[i])] = a * stf_sign[i] * cd{1.0, 1.0};
    const std::vector<cd> s = ifft64(std::move(stf));
    for (int n = 0; n < 160; ++n) out.emplace_back(static_cast<float>(s[n % n_fft].real()), static_cast<float>(s[n % n_fft].imag()));

    // L-LTF: BPSK sequence on subcarriers -26..26 (0 at DC), GI2 of 32 samples then two symbols.
    const auto& ltf = detail::wifi_l_ltf;
    std::vector<cd> lf(n_fft, cd{0.0, 0.0});
    for (int k = -26; k <= 26; ++k) lf[bin(k)] = ltf[k + 26];
    const std::vector<cd> l = ifft64(std::move(lf));
    for (int n = 32; n < n_fft; ++n) out.emplace_back(static_cast<float>(l[n].real()), static_cast<float>(l[n].imag()));
    for (int rep = 0; rep < 2; ++rep)
        for (int n = 0; n < n_fft; ++n) out.emplace_back(static_cast<float>(l[n].real()), static_cast<float>(l[n].imag()));
}

}  // namespace

namespace detail {
cd wifi_map_bits(const std::uint8_t* b, int n_bpsc) {
    switch (n_bpsc) {
        case 1: return {b[0] ? 1.0 : -1.0, 0.0};
        case 2: {
            const double k = 1.0 / std::sqrt(2.0);
            return {(b[0] ? 1.0 : -1.0) * k, (b[1] ? 1.0 : -1.0) * k};
        }
        case 4: {
            const double k = 1.0 / std::sqrt(10.0);
            auto lvl = [](std::uint8_t s, std::uint8_t m) { return (s ? 1.0 : -1.0) * (m ? 1.0 : 3.0); };
            return {lvl(b[0], b[1]) * k, lvl(b[2], b[3]) * k};
        }
        case 6: {
            const double k = 1.0 / std::sqrt(42.0);
            auto lvl = [](std::uint8_t s, std::uint8_t m1, std::uint8_t m2) {
                static constexpr double mag[4] = {7.0, 5.0, 1.0, 3.0};  // index m1*2+m2: 00 7, 01 5, 10 1, 11 3
                return (s ? 1.0 : -1.0) * mag[m1 * 2 + m2];
            };
            return {lvl(b[0], b[1], b[2]) * k, lvl(b[3], b[4], b[5]) * k};
        }
        default: throw ConfigError("unsupported bits per subcarrier");
    }
}
}  // namespace detail

Waveform wifi_ofdm_ppdu(std::span<const std::uint8_t> psdu, WifiRate rate, std::uint8_t scrambler_seed) {
    using namespace coding;
    if (psdu.empty() || psdu.size() > wifi_ofdm_max_psdu_bytes) throw ConfigError("802.11 OFDM PSDU must be 1..4095 bytes");
    if ((scrambler_seed & 0x7F) == 0) throw ConfigError("802.11 scrambler seed must be nonzero (1..127)");
    const WifiRateInfo& ri = wifi_rate_info(rate);
    const std::size_t n_sym = wifi_ofdm_n_sym(psdu.size(), rate);

    Waveform w;
    w.sample_rate_hz = wifi_ofdm_sample_rate_hz;
    w.samples.reserve(320 + 80 * (1 + n_sym));
    append_preamble(w.samples);

    // L-SIG: RATE(4) R(1) LENGTH(12) P(1) TAIL(6); BPSK rate 1/2, not scrambled, pilot p_0.
    Bits sig;
    append_bits_lsb(sig, ri.signal_rate_bits, 4);
    sig.push_back(0);
    append_bits_lsb(sig, psdu.size(), 12);
    unsigned parity = 0;
    for (std::uint8_t b : sig) parity ^= b;
    sig.push_back(static_cast<std::uint8_t>(parity));
    append_bits_lsb(sig, 0, 6);
    const Bits sig_coded = wifi_interleave(conv_encode_k7(sig), 48, 1);
    append_with_cp(w.samples, ofdm_symbol(sig_coded, 1, 0));

    // DATA: SERVICE + PSDU + tail + pad, scrambled, tail re-zeroed, coded, punctured.
    const std::size_t n_data = n_sym * static_cast<std::size_t>(ri.n_dbps);
    Bits data;
    data.reserve(n_data);
    append_bits_lsb(data, 0, 16);
    for (std::uint8_t b : psdu) append_bits_lsb(data, b, 8);
    data.resize(n_data, 0);  // 6 tail bits + pad bits, all zero
    const Bits seq = wifi_scrambler_sequence(scrambler_seed, n_data);
    for (std::size_t i = 0; i < n_data; ++i) data[i] ^= seq[i];
    const std::size_t tail_at = 16 + 8 * psdu.size();
    for (std::size_t i = 0; i < 6; ++i) data[tail_at + i] = 0;
    const Bits coded = puncture(conv_encode_k7(data), ri.code_num, ri.code_den);
    const auto n_cbps = static_cast<std::size_t>(ri.n_cbps);
    for (std::size_t s = 0; s < n_sym; ++s) {
        const Bits il = wifi_interleave(std::span(coded).subspan(s * n_cbps, n_cbps), ri.n_cbps, ri.n_bpsc);
        append_with_cp(w.samples, ofdm_symbol(il, ri.n_bpsc, s + 1));
    }
    detail::normalize_power(w.samples);
    return w;
}

Waveform wifi_ofdm_ppdu(std::size_t psdu_bytes, WifiRate rate, std::mt19937_64& rng) {
    if (psdu_bytes == 0 || psdu_bytes > wifi_ofdm_max_psdu_bytes) throw ConfigError("802.11 OFDM PSDU must be 1..4095 bytes");
    const auto seed = static_cast<std::uint8_t>(detail::draw_uint(rng, 1, 127));
    std::vector<std::uint8_t> psdu(psdu_bytes);
    detail::fill_random_bytes(rng, psdu);
    return wifi_ofdm_ppdu(psdu, rate, seed);
}

}  // namespace coex::sim
