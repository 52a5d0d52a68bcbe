// 802.11 OFDM and DSSS generators: structure, decode-back with an independent receiver, spectra.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <cstdio>
#include <memory>
#include <numbers>

#include "coex/core/error.hpp"
#include "coex/coding/coding.hpp"
#include "coex/sim/scene.hpp"
#include "coex/sim/wifi.hpp"
#include "coex/sim/wifi_mac.hpp"
#include "coex/core/error.hpp"
#include "sim_test_util.hpp"

using namespace coex;
using namespace coex::sim;
using cd = std::complex<double>;

namespace {

constexpr WifiRate all_rates[] = {WifiRate::mbps6,  WifiRate::mbps9,  WifiRate::mbps12, WifiRate::mbps18,
                                  WifiRate::mbps24, WifiRate::mbps36, WifiRate::mbps48, WifiRate::mbps54};

// Plain 64-point DFT of x[start .. start+64), bins indexed by subcarrier -32..31 (+32).
std::vector<cd> dft64(const std::vector<cf32>& x, std::size_t start) {
    std::vector<cd> X(64);
    for (int k = -32; k < 32; ++k) {
        cd acc{0.0, 0.0};
        for (int n = 0; n < 64; ++n) acc += cd(x[start + static_cast<std::size_t>(n)]) * std::polar(1.0, -2.0 * std::numbers::pi * k * n / 64.0);
        X[static_cast<std::size_t>(k + 32)] = acc;
    }
    return X;
}

// The 48 data subcarriers in ascending order (all of -26..26 except DC and the pilots +-7, +-21).
std::vector<int> data_subcarriers() {
    std::vector<int> sc;
    for (int k = -26; k <= 26; ++k)
        if (k != 0 && std::abs(k) != 7 && std::abs(k) != 21) sc.push_back(k);
    return sc;
}

// Hard decisions on an equalised point (802.11 Gray mapping, b0 first).
void demap(cd z, int n_bpsc, std::vector<std::uint8_t>& out) {
    auto axis = [&](double v, int bits) {
        if (bits == 1) {
            out.push_back(v > 0);
        } else if (bits == 2) {  // 16-QAM axis: levels -3 -1 1 3 (/sqrt 10)
            const double a = v * std::sqrt(10.0);
            out.push_back(a > 0);
            out.push_back(std::abs(a) < 2.0);
        } else {  // 64-QAM axis: levels -7..7 (/sqrt 42)
            const double a = v * std::sqrt(42.0);
            out.push_back(a > 0);
            out.push_back(std::abs(a) < 4.0);
            out.push_back(std::abs(a) > 2.0 && std::abs(a) < 6.0);
        }
    };
    switch (n_bpsc) {
        case 1: axis(z.real(), 1); break;
        case 2: axis(z.real(), 1); axis(z.imag(), 1); break;
        case 4: axis(z.real(), 2); axis(z.imag(), 2); break;
        case 6: axis(z.real(), 3); axis(z.imag(), 3); break;
    }
}

// Receiver-side deinterleaver written from the standard's formulas.
std::vector<std::uint8_t> deinterleave(const std::vector<std::uint8_t>& r, int n_cbps, int n_bpsc) {
    const int s = std::max(n_bpsc / 2, 1);
    std::vector<std::uint8_t> out(r.size());
    for (int k = 0; k < n_cbps; ++k) {
        const int i = (n_cbps / 16) * (k % 16) + k / 16;
        const int j = s * (i / s) + (i + n_cbps - (16 * i) / n_cbps) % s;
        out[static_cast<std::size_t>(k)] = r[static_cast<std::size_t>(j)];
    }
    return out;
}

// Noise-free inversion of the K=7 (133,171) code after depuncturing: each input bit is recovered
// from whichever of A or B survived puncturing.
std::vector<std::uint8_t> decode_noise_free(const std::vector<std::uint8_t>& coded, int num, int den) {
    std::vector<int> a, b;  // -1 = punctured
    std::size_t i = 0;
    while (i < coded.size()) {
        if (num == 1) {
            a.push_back(coded[i++]);
            b.push_back(coded[i++]);
        } else if (num == 2) {  // A0 B0 A1
            a.push_back(coded[i++]);
            b.push_back(coded[i++]);
            a.push_back(coded[i++]);
            b.push_back(-1);
        } else if (num == 5) {  // A0 B0 A1 B2 A3 B4
            a.push_back(coded[i++]);
            b.push_back(coded[i++]);
            a.push_back(coded[i++]);
            b.push_back(-1);
            a.push_back(-1);
            b.push_back(coded[i++]);
            a.push_back(coded[i++]);
            b.push_back(-1);
            a.push_back(-1);
            b.push_back(coded[i++]);
        } else {  // A0 B0 A1 B2
            a.push_back(coded[i++]);
            b.push_back(coded[i++]);
            a.push_back(coded[i++]);
            b.push_back(-1);
            a.push_back(-1);
            b.push_back(coded[i++]);
        }
    }
    (void)den;
    std::vector<std::uint8_t> u(a.size());
    auto past = [&](std::size_t n, int d) { return n >= static_cast<std::size_t>(d) ? u[n - static_cast<std::size_t>(d)] : 0; };
    for (std::size_t n = 0; n < u.size(); ++n) {
        if (a[n] >= 0)
            u[n] = static_cast<std::uint8_t>(a[n] ^ past(n, 2) ^ past(n, 3) ^ past(n, 5) ^ past(n, 6));
        else
            u[n] = static_cast<std::uint8_t>(b[n] ^ past(n, 1) ^ past(n, 2) ^ past(n, 3) ^ past(n, 6));
    }
    return u;
}

struct OfdmRx {
    int rate_bits = 0;
    int length = 0;
    bool signal_ok = false;
    std::vector<std::uint8_t> data;        // descrambled DATA bits (SERVICE + PSDU + tail + pad)
    std::vector<std::uint8_t> scrambled;   // DATA bits before descrambling
    int max_pilot_error_ppm = 0;
};

OfdmRx receive(const std::vector<cf32>& x, int n_bpsc, int n_cbps, int num, int den) {
    OfdmRx rx;
    // Channel estimate from the first L-LTF symbol (samples 192..255).
    static constexpr int ltf[53] = {1, 1, -1, -1, 1,  1, -1, 1, -1, 1, 1,  1,  1,  1,  1, -1, -1, 1,
                                    1, -1, 1, -1, 1,  1, 1,  1, 0,  1, -1, -1, 1,  1,  -1, 1, -1, 1,
                                    -1, -1, -1, -1, -1, 1, 1, -1, -1, 1, -1, 1,  -1, 1,  1,  1,  1};
    const auto L = dft64(x, 192);
    std::vector<cd> H(64);
    for (int k = -26; k <= 26; ++k)
        if (k != 0) H[static_cast<std::size_t>(k + 32)] = L[static_cast<std::size_t>(k + 32)] / static_cast<double>(ltf[k + 26]);
    const auto sc = data_subcarriers();

    auto symbol_bits = [&](std::size_t start, int bpsc, std::size_t pilot_n) {
        const auto Y = dft64(x, start + 16);
        std::vector<std::uint8_t> bits;
        for (int k : sc) demap(Y[static_cast<std::size_t>(k + 32)] / H[static_cast<std::size_t>(k + 32)], bpsc, bits);
        const double p = coding::wifi_pilot_polarity(pilot_n);
        const int pk[4] = {-21, -7, 7, 21};
        const double pv[4] = {p, p, p, -p};
        for (int i = 0; i < 4; ++i) {
            const cd z = Y[static_cast<std::size_t>(pk[i] + 32)] / H[static_cast<std::size_t>(pk[i] + 32)];
            rx.max_pilot_error_ppm = std::max(rx.max_pilot_error_ppm, static_cast<int>(1e6 * std::abs(z - pv[i])));
        }
        return bits;
    };

    // L-SIG
    const auto sig = decode_noise_free(deinterleave(symbol_bits(320, 1, 0), 48, 1), 1, 2);
    int parity = 0;
    for (int i = 0; i < 17; ++i) parity ^= sig[static_cast<std::size_t>(i)];
    rx.signal_ok = parity == sig[17] && sig[4] == 0 && std::all_of(sig.begin() + 18, sig.end(), [](auto v) { return v == 0; });
    for (int i = 0; i < 4; ++i) rx.rate_bits |= sig[static_cast<std::size_t>(i)] << i;
    for (int i = 0; i < 12; ++i) rx.length |= sig[static_cast<std::size_t>(5 + i)] << i;

    // DATA
    std::vector<std::uint8_t> coded;
    const std::size_t n_sym = (x.size() - 400) / 80;
    for (std::size_t s = 0; s < n_sym; ++s) {
        const auto il = deinterleave(symbol_bits(400 + 80 * s, n_bpsc, s + 1), n_cbps, n_bpsc);
        coded.insert(coded.end(), il.begin(), il.end());
    }
    rx.scrambled = decode_noise_free(coded, num, den);
    // Descramble: the first 7 bits are the scrambler output (SERVICE starts with zeros); continue
    // with the recurrence s_n = s_{n-7} ^ s_{n-4} of x^7 + x^4 + 1.
    std::vector<std::uint8_t> seq(rx.scrambled.begin(), rx.scrambled.begin() + 7);
    for (std::size_t n = 7; n < rx.scrambled.size(); ++n) seq.push_back(seq[n - 7] ^ seq[n - 4]);
    rx.data.resize(rx.scrambled.size());
    for (std::size_t n = 0; n < rx.scrambled.size(); ++n) rx.data[n] = rx.scrambled[n] ^ seq[n];
    return rx;
}

double band_db_spread(const test::Psd& psd, double f_lo, double f_hi, double* mean_out = nullptr) {
    double sum = 0.0, mn = 1e300, mx = 0.0;
    int n = 0;
    for (std::size_t i = 0; i < psd.nfft; ++i) {
        const double f = std::abs(psd.freq(i));
        if (f < f_lo || f > f_hi) continue;
        sum += psd.p[i];
        mn = std::min(mn, psd.p[i]);
        mx = std::max(mx, psd.p[i]);
        ++n;
    }
    const double mean = sum / n;
    if (mean_out) *mean_out = mean;
    return std::max(test::db10(mx / mean), -test::db10(mn / mean));
}

// Mean PSD over |f| in [f_lo, f_hi].
double band_mean(const test::Psd& psd, double f_lo, double f_hi) {
    double sum = 0.0;
    int n = 0;
    for (std::size_t i = 0; i < psd.nfft; ++i) {
        const double f = std::abs(psd.freq(i));
        if (f >= f_lo && f <= f_hi) {
            sum += psd.p[i];
            ++n;
        }
    }
    return n ? sum / n : 0.0;
}

}  // namespace

TEST(SimWifiOfdm, DurationIsPreamblePlusSymbols) {
    std::mt19937_64 rng(1);
    for (WifiRate rate : all_rates) {
        for (std::size_t len : {1u, 100u, 1500u}) {
            const auto w = wifi_ofdm_ppdu(len, rate, rng);
            const auto& ri = wifi_rate_info(rate);
            const std::size_t n_sym = (16 + 8 * len + 6 + static_cast<std::size_t>(ri.n_dbps) - 1) / static_cast<std::size_t>(ri.n_dbps);
            EXPECT_EQ(w.sample_rate_hz, 20e6);
            EXPECT_EQ(w.samples.size(), 400 + 80 * n_sym) << ri.mbps << " Mb/s, " << len << " B";
            EXPECT_DOUBLE_EQ(wifi_ofdm_ppdu_duration_s(len, rate), 20e-6 + 4e-6 * static_cast<double>(n_sym));
            EXPECT_NEAR(mean_power(w.samples), 1.0, 1e-4);
        }
    }
    // Worked example: 100 bytes at 6 Mb/s -> 35 symbols -> 160 us.
    EXPECT_NEAR(wifi_ofdm_ppdu_duration_s(100, WifiRate::mbps6), 160e-6, 1e-12);
    EXPECT_THROW(wifi_ofdm_ppdu(0, WifiRate::mbps6, rng), std::exception);
    EXPECT_THROW(wifi_ofdm_ppdu(4096, WifiRate::mbps6, rng), std::exception);
}

TEST(SimWifiOfdm, PreambleStructure) {
    std::mt19937_64 rng(2);
    const auto w = wifi_ofdm_ppdu(200, WifiRate::mbps24, rng);
    const auto& x = w.samples;
    // L-STF: normalised autocorrelation at lag 16 over the first 160 samples.
    cd c{0.0, 0.0};
    double p0 = 0.0, p1 = 0.0;
    for (std::size_t n = 0; n + 16 < 160; ++n) {
        c += cd(x[n]) * std::conj(cd(x[n + 16]));
        p0 += std::norm(cd(x[n]));
        p1 += std::norm(cd(x[n + 16]));
    }
    const double rho = std::abs(c) / std::sqrt(p0 * p1);
    std::printf("L-STF lag-16 autocorrelation: %.6f\n", rho);
    EXPECT_GT(rho, 0.99);
    // Not periodic at lag 8 (the short symbol is 16 samples, not shorter).
    cd c8{0.0, 0.0};
    for (std::size_t n = 0; n + 8 < 160; ++n) c8 += cd(x[n]) * std::conj(cd(x[n + 8]));
    EXPECT_LT(std::abs(c8) / p0, 0.5);
    // L-LTF: GI2 = last 32 samples of the 64-sample symbol, two identical symbols.
    for (std::size_t n = 0; n < 32; ++n) EXPECT_EQ(x[160 + n], x[160 + 32 + 32 + n]);
    for (std::size_t n = 0; n < 64; ++n) EXPECT_EQ(x[192 + n], x[256 + n]);
    // L-STF uses only every 4th subcarrier: bins not divisible by 4 are empty.
    const auto S = dft64(x, 0);
    double on = 0.0, off = 0.0;
    for (int k = -32; k < 32; ++k) (k % 4 == 0 ? on : off) += std::norm(S[static_cast<std::size_t>(k + 32)]);
    EXPECT_LT(off / on, 1e-8);
}

TEST(SimWifiOfdm, EveryCyclicPrefixCopiesTheSymbolEnd) {
    std::mt19937_64 rng(3);
    for (WifiRate rate : {WifiRate::mbps6, WifiRate::mbps54}) {
        const auto w = wifi_ofdm_ppdu(300, rate, rng);
        const std::size_t n_symbols = (w.samples.size() - 320) / 80;  // SIGNAL + DATA
        for (std::size_t s = 0; s < n_symbols; ++s) {
            const std::size_t o = 320 + 80 * s;
            for (std::size_t i = 0; i < 16; ++i) ASSERT_EQ(w.samples[o + i], w.samples[o + 64 + i]) << "symbol " << s;
        }
    }
}

TEST(SimWifiOfdm, DecodesBackWithAnIndependentReceiver) {
    std::mt19937_64 rng(4);
    for (WifiRate rate : all_rates) {
        const auto& ri = wifi_rate_info(rate);
        std::vector<std::uint8_t> psdu(257);
        for (auto& b : psdu) b = static_cast<std::uint8_t>(rng());
        const auto seed = static_cast<std::uint8_t>(1 + rng() % 127);
        const auto w = wifi_ofdm_ppdu(psdu, rate, seed);
        const auto rx = receive(w.samples, ri.n_bpsc, ri.n_cbps, ri.code_num, ri.code_den);
        SCOPED_TRACE(ri.mbps);
        EXPECT_TRUE(rx.signal_ok);
        EXPECT_EQ(rx.rate_bits, ri.signal_rate_bits);
        EXPECT_EQ(rx.length, 257);
        EXPECT_LT(rx.max_pilot_error_ppm, 100);  // pilots are exactly +-1 with the polarity sequence
        // SERVICE: 16 zeros; PSDU LSB first; 6 tail bits zero on air; pad bits zero.
        for (int i = 0; i < 16; ++i) EXPECT_EQ(rx.data[static_cast<std::size_t>(i)], 0) << "SERVICE bit " << i;
        std::vector<std::uint8_t> got(psdu.size());
        for (std::size_t i = 0; i < psdu.size() * 8; ++i) got[i / 8] |= static_cast<std::uint8_t>(rx.data[16 + i] << (i % 8));
        EXPECT_EQ(got, psdu);
        const std::size_t tail = 16 + 8 * psdu.size();
        for (std::size_t i = 0; i < 6; ++i) EXPECT_EQ(rx.scrambled[tail + i], 0);
        for (std::size_t i = tail + 6; i < rx.data.size(); ++i) EXPECT_EQ(rx.data[i], 0) << "pad bit " << i;
        // The recovered scrambler output matches the seed's sequence.
        const auto seq = coding::wifi_scrambler_sequence(seed, 7);
        for (std::size_t i = 0; i < 7; ++i) EXPECT_EQ(rx.scrambled[i], seq[i]);
    }
}

TEST(SimWifiOfdm, SpectrumFlatInBandAndUpsampledShape) {
    std::mt19937_64 rng(5);
    const auto w = std::make_shared<Waveform>(wifi_ofdm_ppdu(1500, WifiRate::mbps6, rng));
    // Native 20 MS/s.
    // 128-point Welch (156 kHz bins): at finer resolution the dips between subcarriers (4 us
    // symbols vs 3.2 us orthogonality period) add about +-1.5 dB of ripple.
    const auto psd = test::welch(w->samples, 20e6, 128);
    double mean = 0.0;
    const double spread = band_db_spread(psd, 0.5e6, 8.0e6, &mean);
    const double dc = test::db10(psd.p[psd.bin(0.0)] / mean);
    const double edge = test::db10(band_mean(psd, 9.5e6, 10e6) / mean);
    std::printf("OFDM 20 MS/s: in-band (0.5..8 MHz) spread %.2f dB, DC bin %.1f dB, 9.5..10 MHz %.1f dBr\n", spread, dc, edge);
    EXPECT_LT(spread, 2.0);
    EXPECT_LT(dc, -3.0);  // DC subcarrier is empty (the window spreads its neighbours into it)

    // Through add_bursts to 100 MS/s.
    const Segment view{2437e6, 100e6, static_cast<std::uint64_t>(w->duration_s() * 100e6) + 2000};
    std::vector<cf32> out(view.samples);
    const Burst b{5e-6, 2437e6, 0.0, w};
    add_bursts(view, std::span(&b, 1), out);
    const auto up = test::welch(std::span(out).subspan(500, static_cast<std::size_t>(w->duration_s() * 100e6)), 100e6, 640);
    double up_mean = 0.0;
    const double up_spread = band_db_spread(up, 0.5e6, 8.0e6, &up_mean);
    double worst_out = 0.0;
    for (std::size_t i = 0; i < up.nfft; ++i)
        if (std::abs(up.freq(i)) >= 11e6) worst_out = std::max(worst_out, up.p[i]);
    double at11 = up.p[up.bin(11e6)] + up.p[up.bin(-11e6)];
    std::printf("OFDM 100 MS/s: in-band spread %.2f dB, worst beyond +-11 MHz %.1f dBr, at +-11 MHz %.1f dBr\n", up_spread,
                test::db10(worst_out / up_mean), test::db10(0.5 * at11 / up_mean));
    EXPECT_LT(up_spread, 2.0);
    EXPECT_LT(test::db10(worst_out / up_mean), -20.0);
    // The upsampled in-band level matches the native one (same shape, 5x more bins per Hz).
    EXPECT_NEAR(test::db10(up_mean * 100e6 / 640), test::db10(mean * 20e6 / 128), 0.5);
}

// ---- DSSS ------------------------------------------------------------------------------------------

TEST(SimWifiDsss, DurationAndPower) {
    std::mt19937_64 rng(6);
    for (std::size_t len : {1u, 14u, 100u}) {
        const auto w = wifi_dsss_ppdu(len, rng);
        EXPECT_EQ(w.sample_rate_hz, 22e6);
        EXPECT_EQ(w.samples.size(), static_cast<std::size_t>(std::llround(22e6 * (192e-6 + 8e-6 * static_cast<double>(len)))));
        EXPECT_NEAR(wifi_dsss_ppdu_duration_s(len), 192e-6 + 8e-6 * static_cast<double>(len), 1e-15);
        EXPECT_NEAR(mean_power(w.samples), 1.0, 1e-4);
    }
}

TEST(SimWifiDsss, BarkerPeaksEvery11ChipsAndDecodes) {
    std::mt19937_64 rng(7);
    const std::size_t len = 40;
    const auto w = wifi_dsss_ppdu(len, rng);
    const auto& x = w.samples;
    const std::size_t n_bits = x.size() / 22;
    // Correlate with Barker-11 at the chip peaks (chip c of a bit peaks at sample 2c + 1).
    std::vector<cd> corr(x.size() - 21);  // every lag with a full bit inside the packet
    double max_abs = 0.0;
    for (std::size_t n = 0; n < corr.size(); ++n) {
        cd acc{0.0, 0.0};
        for (int c = 0; c < 11; ++c) acc += cd(x[n + 2 * static_cast<std::size_t>(c) + 1]) * static_cast<double>(coding::barker11[static_cast<std::size_t>(c)]);
        corr[n] = acc;
        max_abs = std::max(max_abs, std::abs(acc));
    }
    // Every sample where |corr| exceeds half the maximum lies on the 22-sample (11-chip) bit grid,
    // and every grid point is a peak.
    // Off-grid: whole-chip lags show the Barker sidelobes (1/11 ideally), half-chip lags the
    // neighbouring chip's pulse overlap (RRC at T/2 is 1/3 of its peak).
    std::size_t strong = 0, off_grid = 0;
    double worst_chip_lag = 0.0, worst_half_chip = 0.0, weakest_peak = 1e9;
    for (std::size_t n = 0; n < corr.size(); ++n) {
        const double a = std::abs(corr[n]) / max_abs;
        if (n % 22 == 0) weakest_peak = std::min(weakest_peak, a);
        else if (n % 2 == 0) worst_chip_lag = std::max(worst_chip_lag, a);
        else worst_half_chip = std::max(worst_half_chip, a);
        if (a > 0.5) {
            ++strong;
            if (n % 22 != 0) ++off_grid;
        }
    }
    std::printf("DSSS Barker correlation: weakest on-grid peak %.3f, worst whole-chip lag %.3f, worst half-chip lag %.3f (of max)\n",
                weakest_peak, worst_chip_lag, worst_half_chip);
    EXPECT_EQ(off_grid, 0u);
    EXPECT_EQ(strong, (corr.size() + 21) / 22);
    EXPECT_GT(weakest_peak, 0.8);
    EXPECT_LT(worst_chip_lag, 0.25);
    EXPECT_LT(worst_half_chip, 0.45);

    // DBPSK decode, self-synchronising descramble (valid from bit 8 on), check the PLCP fields.
    std::vector<std::uint8_t> y(n_bits, 0);
    for (std::size_t b = 1; b < n_bits; ++b) y[b] = (corr[22 * b] * std::conj(corr[22 * (b - 1)])).real() < 0.0;
    std::vector<std::uint8_t> d(n_bits, 0);
    for (std::size_t n = 8; n < n_bits; ++n) d[n] = y[n] ^ y[n - 4] ^ y[n - 7];
    auto field = [&](std::size_t at, int bits) {
        std::uint32_t v = 0;
        for (int i = 0; i < bits; ++i) v |= static_cast<std::uint32_t>(d[at + static_cast<std::size_t>(i)]) << i;
        return v;
    };
    for (std::size_t n = 8; n < 128; ++n) EXPECT_EQ(d[n], 1) << "SYNC bit " << n;
    EXPECT_EQ(field(128, 16), 0xF3A0u);      // SFD
    EXPECT_EQ(field(144, 8), 0x0Au);         // SIGNAL: 1 Mb/s
    EXPECT_EQ(field(152, 8), 0x00u);         // SERVICE
    EXPECT_EQ(field(160, 16), 8u * len);     // LENGTH in microseconds
    const coding::Bits header(d.begin() + 144, d.begin() + 176), crc(d.begin() + 176, d.begin() + 192);
    EXPECT_EQ(coding::dsss_plcp_crc(header), crc);
    EXPECT_EQ(n_bits, 192 + 8 * len);
}

TEST(SimWifiDsss, MainLobeIs22MHzWide) {
    std::mt19937_64 rng(8);
    const auto w = std::make_shared<Waveform>(wifi_dsss_ppdu(500, rng));
    const auto psd = test::welch(w->samples, 22e6, 256);
    const double peak = psd.peak();
    const double edge = std::max(psd.p[0], psd.p[psd.nfft - 1]);
    // Half-power width of the raised-cosine lobe is ~11 MHz.
    double lo = 0, hi = 0;
    for (std::size_t i = 0; i < psd.nfft; ++i)
        if (psd.p[i] >= 0.5 * peak) {
            if (lo == 0) lo = psd.freq(i);
            hi = psd.freq(i);
        }
    std::printf("DSSS 22 MS/s: PSD at +-11 MHz %.1f dBr, -3 dB width %.2f MHz\n", test::db10(edge / peak), (hi - lo) / 1e6);
    EXPECT_LT(test::db10(edge / peak), -25.0);
    EXPECT_NEAR((hi - lo) / 1e6, 11.0, 1.5);

    // Seen by an 88 MS/s receiver: null-to-null (first points 30 dB down) ~22 MHz, nothing beyond.
    const Segment view{2412e6, 88e6, static_cast<std::uint64_t>(w->duration_s() * 88e6)};
    std::vector<cf32> out(view.samples);
    const Burst b{0.0, 2412e6, 0.0, w};
    add_bursts(view, std::span(&b, 1), out);
    const auto up = test::welch(out, 88e6, 1024);
    const double upk = up.peak();
    const std::size_t c = up.nfft / 2;
    std::size_t r = c, l = c;
    while (r + 1 < up.nfft && up.p[r] > upk * 1e-3) ++r;
    while (l > 0 && up.p[l] > upk * 1e-3) --l;
    const double width = up.freq(r) - up.freq(l);
    double beyond = 0.0;
    for (std::size_t i = 0; i < up.nfft; ++i)
        if (std::abs(up.freq(i)) > 14e6) beyond = std::max(beyond, up.p[i]);
    std::printf("DSSS at 88 MS/s: -30 dB null-to-null width %.2f MHz, worst beyond +-14 MHz %.1f dBr\n", width / 1e6,
                test::db10(beyond / upk));
    EXPECT_NEAR(width / 1e6, 22.0, 2.2);
    EXPECT_LT(test::db10(beyond / upk), -50.0);
}

// ---- 802.11n HT-mixed -------------------------------------------------------------------------------

namespace {

// Plain N-point DFT at x[start..start+N), returned indexed by subcarrier -N/2..N/2-1 (+N/2).
std::vector<cd> dft(const std::vector<cf32>& x, std::size_t start, int n) {
    std::vector<cd> X(static_cast<std::size_t>(n));
    for (int k = -n / 2; k < n / 2; ++k) {
        cd acc{0.0, 0.0};
        for (int m = 0; m < n; ++m) acc += cd(x[start + static_cast<std::size_t>(m)]) * std::polar(1.0, -2.0 * std::numbers::pi * k * m / n);
        X[static_cast<std::size_t>(k + n / 2)] = acc;
    }
    return X;
}

// HT deinterleaver from the standard's formulas (N_COL 13 or 18).
std::vector<std::uint8_t> ht_deinterleave(const std::vector<std::uint8_t>& r, int n_cbps, int n_bpsc, int n_col) {
    const int s = std::max(n_bpsc / 2, 1), n_row = n_cbps / n_col;
    std::vector<std::uint8_t> out(r.size());
    for (int k = 0; k < n_cbps; ++k) {
        const int i = n_row * (k % n_col) + k / n_col;
        const int j = s * (i / s) + (i + n_cbps - (n_col * i) / n_cbps) % s;
        out[static_cast<std::size_t>(k)] = r[static_cast<std::size_t>(j)];
    }
    return out;
}

// The HT-LTF as the standard writes it (one stream).
std::vector<int> ht_ltf_reference(bool forty) {
    const std::vector<int> left = {1, 1, -1, -1, 1, 1, -1, 1, -1, 1, 1, 1, 1, 1, 1, -1, -1, 1, 1, -1, 1, -1, 1, 1, 1, 1};
    const std::vector<int> right = {1, -1, -1, 1, 1, -1, 1, -1, 1, -1, -1, -1, -1, -1, 1, 1, -1, -1, 1, -1, 1, -1, 1, 1, 1, 1};
    std::vector<int> v;
    auto add = [&](const std::vector<int>& p) { v.insert(v.end(), p.begin(), p.end()); };
    if (!forty) {
        add({1, 1});
        add(left);
        add({0});
        add(right);
        add({-1, -1});
    } else {
        add(left);
        add({1});
        add(right);
        add({-1, -1, -1, 1, 0, 0, 0, -1, 1, 1, -1});
        add(left);
        add({1});
        add(right);
    }
    return v;  // subcarriers -28..28 or -58..58
}

struct HtRx {
    int l_rate = 0, l_length = 0, mcs = -1, cbw = -1, ht_length = -1;
    bool ht_sig_crc_ok = false;
    std::vector<std::uint8_t> psdu;
    double max_pilot_error = 0.0;
};

HtRx receive_ht(const std::vector<cf32>& x, bool forty, std::size_t psdu_bytes) {
    HtRx rx;
    const int n = forty ? 128 : 64, cp = n / 4, scale = forty ? 2 : 1;
    const auto rot = [&](int k) { return forty && k > 0 ? cd{0.0, 1.0} : cd{1.0, 0.0}; };
    // Legacy channel estimate (lower 20 MHz copy at 40 MHz) from the first L-LTF symbol.
    const auto L = dft(x, static_cast<std::size_t>(192 * scale), n);
    const int off = forty ? -32 : 0;
    auto legacy = [&](std::size_t start, bool qbpsk) {
        const auto Y = dft(x, start + static_cast<std::size_t>(cp), n);
        std::vector<std::uint8_t> bits;
        for (int k = -26; k <= 26; ++k) {
            if (k == 0 || std::abs(k) == 7 || std::abs(k) == 21) continue;
            const auto idx = static_cast<std::size_t>(k + off + n / 2);
            const cd z = Y[idx] / (L[idx] / static_cast<double>(std::array<int, 53>{1, 1, -1, -1, 1, 1, -1, 1, -1, 1, 1, 1, 1, 1, 1, -1, -1, 1, 1, -1, 1, -1, 1, 1, 1, 1, 0, 1, -1, -1, 1, 1, -1, 1, -1, 1, -1, -1, -1, -1, -1, 1, 1, -1, -1, 1, -1, 1, -1, 1, 1, 1, 1}[static_cast<std::size_t>(k + 26)]));
            bits.push_back(qbpsk ? z.imag() > 0 : z.real() > 0);
        }
        return bits;
    };
    const auto sig = decode_noise_free(deinterleave(legacy(static_cast<std::size_t>(320 * scale), false), 48, 1), 1, 2);
    for (int i = 0; i < 4; ++i) rx.l_rate |= sig[static_cast<std::size_t>(i)] << i;
    for (int i = 0; i < 12; ++i) rx.l_length |= sig[static_cast<std::size_t>(5 + i)] << i;
    std::vector<std::uint8_t> ht_coded;
    for (int s = 0; s < 2; ++s) {
        const auto il = deinterleave(legacy(static_cast<std::size_t>((400 + 80 * s) * scale), true), 48, 1);
        ht_coded.insert(ht_coded.end(), il.begin(), il.end());
    }
    const auto ht = decode_noise_free(ht_coded, 1, 2);
    rx.mcs = 0;
    for (int i = 0; i < 7; ++i) rx.mcs |= ht[static_cast<std::size_t>(i)] << i;
    rx.cbw = ht[7];
    rx.ht_length = 0;
    for (int i = 0; i < 16; ++i) rx.ht_length |= ht[static_cast<std::size_t>(8 + i)] << i;
    const auto crc = coding::wifi_ht_sig_crc(std::span(ht).first(34));
    rx.ht_sig_crc_ok = std::equal(crc.begin(), crc.end(), ht.begin() + 34);

    // HT channel estimate from the HT-LTF.
    const auto ref = ht_ltf_reference(forty);
    const int edge = forty ? 58 : 28;
    const auto H = dft(x, static_cast<std::size_t>(640 * scale + cp), n);
    const auto info = wifi_ht_mcs_info(rx.mcs, forty ? HtWidth::ht40 : HtWidth::ht20);
    const std::vector<int> pilots = forty ? std::vector<int>{-53, -25, -11, 11, 25, 53} : std::vector<int>{-21, -7, 7, 21};
    const std::vector<int> psi = forty ? std::vector<int>{1, 1, 1, -1, -1, 1} : std::vector<int>{1, 1, 1, -1};
    const std::size_t n_sym = wifi_ht_n_sym(psdu_bytes, rx.mcs, forty ? HtWidth::ht40 : HtWidth::ht20);
    std::vector<std::uint8_t> coded;
    for (std::size_t s = 0; s < n_sym; ++s) {
        const std::size_t start = static_cast<std::size_t>(720 * scale) + s * static_cast<std::size_t>(n + cp);
        const auto Y = dft(x, start + static_cast<std::size_t>(cp), n);
        std::vector<std::uint8_t> bits;
        for (int k = -edge; k <= edge; ++k) {
            if (k == 0 || (forty && std::abs(k) == 1)) continue;
            const auto idx = static_cast<std::size_t>(k + n / 2);
            const cd h = H[idx] / static_cast<double>(ref[static_cast<std::size_t>(k + edge)]);
            const cd z = Y[idx] / h;
            const auto pit = std::find(pilots.begin(), pilots.end(), k);
            if (pit != pilots.end()) {
                const auto pi = static_cast<std::size_t>(pit - pilots.begin());
                const double want = coding::wifi_pilot_polarity(s + 3) * psi[(s + pi) % psi.size()];
                rx.max_pilot_error = std::max(rx.max_pilot_error, std::abs(z - want));
                continue;
            }
            demap(z, info.n_bpsc, bits);
        }
        const auto il = ht_deinterleave(bits, info.n_cbps, info.n_bpsc, forty ? 18 : 13);
        coded.insert(coded.end(), il.begin(), il.end());
    }
    (void)rot;
    const auto scrambled = decode_noise_free(coded, info.code_num, info.code_den);
    std::vector<std::uint8_t> seq(scrambled.begin(), scrambled.begin() + 7);
    for (std::size_t m = 7; m < scrambled.size(); ++m) seq.push_back(seq[m - 7] ^ seq[m - 4]);
    rx.psdu.assign(psdu_bytes, 0);
    for (std::size_t i = 0; i < psdu_bytes * 8; ++i) rx.psdu[i / 8] |= static_cast<std::uint8_t>((scrambled[16 + i] ^ seq[16 + i]) << (i % 8));
    return rx;
}

}  // namespace

TEST(SimWifiHt, SigCrcKnownAnswer) {
    // The standard's example: MCS 15, 40 MHz, length 100, smoothing, not sounding, reserved.
    const std::string in = "1111000100100110000000001110000000";
    coding::Bits bits;
    for (char c : in) bits.push_back(static_cast<std::uint8_t>(c - '0'));
    const auto crc = coding::wifi_ht_sig_crc(bits);
    EXPECT_EQ(crc, (coding::Bits{1, 0, 1, 0, 1, 0, 0, 0}));
}

TEST(SimWifiHt, DecodesBackWithAnIndependentReceiver) {
    std::mt19937_64 rng(8);
    for (bool forty : {false, true})
        for (int mcs = 0; mcs <= 7; ++mcs) {
            const auto width = forty ? HtWidth::ht40 : HtWidth::ht20;
            std::vector<std::uint8_t> psdu(301);
            for (auto& b : psdu) b = static_cast<std::uint8_t>(rng());
            const auto w = wifi_ht_ppdu(psdu, mcs, width, static_cast<std::uint8_t>(1 + rng() % 127), true);
            SCOPED_TRACE((forty ? "HT40 MCS " : "HT20 MCS ") + std::to_string(mcs));
            EXPECT_NEAR(w.duration_s(), wifi_ht_ppdu_duration_s(psdu.size(), mcs, width), 1e-12);
            const auto rx = receive_ht(w.samples, forty, psdu.size());
            EXPECT_EQ(rx.l_rate, wifi_rate_info(WifiRate::mbps6).signal_rate_bits);
            // L-SIG LENGTH spoofs the duration: (LENGTH + 3) / 3 x 4 us + 20 us = TXTIME.
            EXPECT_NEAR((rx.l_length + 3) / 3 * 4e-6 + 20e-6, w.duration_s(), 1e-12);
            EXPECT_TRUE(rx.ht_sig_crc_ok);
            EXPECT_EQ(rx.mcs, mcs);
            EXPECT_EQ(rx.cbw, forty ? 1 : 0);
            EXPECT_EQ(rx.ht_length, 301);
            EXPECT_LT(rx.max_pilot_error, 1e-3);
            EXPECT_EQ(rx.psdu, psdu);
        }
}

TEST(SimWifiHt, OccupiedBandwidth) {
    std::mt19937_64 rng(9);
    const auto w20 = wifi_ht_ppdu(3000, 7, HtWidth::ht20, rng);
    const auto w40 = wifi_ht_ppdu(6000, 7, HtWidth::ht40, rng);
    const double bw20 = test::occupied_bandwidth(test::welch(w20.samples, 20e6, 256), 0.99);
    const double bw40 = test::occupied_bandwidth(test::welch(w40.samples, 40e6, 512), 0.99);
    std::printf("HT20 MCS 7: 99 %% bandwidth %.2f MHz; HT40: %.2f MHz\n", bw20 / 1e6, bw40 / 1e6);
    EXPECT_NEAR(bw20, 17.5e6, 0.7e6);
    EXPECT_NEAR(bw40, 36.0e6, 1.2e6);
    // A 5 ms A-MPDU at MCS 7 HT20 (65 Mb/s) fits the L-SIG limit; 5.5 ms does not.
    EXPECT_NO_THROW((void)wifi_ht_ppdu(40000, 7, HtWidth::ht20, rng));
    EXPECT_THROW((void)wifi_ht_ppdu(45000, 7, HtWidth::ht20, rng), coex::ConfigError);
}

// A beacon's layout (802.11-2020 9.3.3.3): 24-octet header, 12 octets of fixed fields, then the SSID
// element; the FCS makes the CRC-32 over the whole frame its residue 0x2144DF1C.
TEST(WifiMac, BeaconCarriesTheSsidAndAValidFcs) {
    coex::sim::BeaconFields f;
    f.bssid = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
    f.ssid = "HomeNet";
    f.channel = 6;
    const auto frame = coex::sim::wifi_beacon_frame(f);
    ASSERT_EQ(frame.size(), 24u + 12u + 2u + 7u + 10u + 3u + 4u);
    EXPECT_EQ(frame[0], 0x80);
    EXPECT_EQ(std::string(frame.begin() + 38, frame.begin() + 45), "HomeNet");
    EXPECT_EQ(frame[16], 0x02);  // BSSID
    EXPECT_EQ(coex::coding::ieee80211_fcs(frame), 0x2144DF1Cu);
    auto broken = frame;
    broken[40] ^= 0x01;
    EXPECT_NE(coex::coding::ieee80211_fcs(broken), 0x2144DF1Cu);
    EXPECT_EQ(coex::sim::wifi_ack_frame(f.bssid).size(), 14u);
    f.ssid = "a-network-name-longer-than-32-octets";
    EXPECT_THROW(coex::sim::wifi_beacon_frame(f), coex::ConfigError);
}
