#pragma once
// Measurement helpers for the sim tests: Welch PSD (FFTW), FM discriminator, band power.
#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>
#include <span>
#include <vector>

#include "coex/core/types.hpp"

namespace coex::sim::test {

// Welch PSD, Hann window, 50 % overlap. Bins are ordered from -fs/2 to +fs/2 (fftshifted);
// psd[i] is the mean power density in linear units (sum over bins = mean power of x).
struct Psd {
    std::vector<double> p;
    double fs = 0.0;
    std::size_t nfft = 0;
    double freq(std::size_t i) const { return (static_cast<double>(i) - static_cast<double>(nfft / 2)) * fs / static_cast<double>(nfft); }
    std::size_t bin(double f) const {
        const long b = std::lround(f / fs * static_cast<double>(nfft)) + static_cast<long>(nfft / 2);
        return static_cast<std::size_t>(std::clamp<long>(b, 0, static_cast<long>(nfft) - 1));
    }
    double peak() const { return *std::max_element(p.begin(), p.end()); }
    double db(std::size_t i) const { return 10.0 * std::log10(p[i] + 1e-300); }
    // Power between f_lo and f_hi (inclusive bins).
    double band(double f_lo, double f_hi) const {
        double acc = 0.0;
        for (std::size_t i = 0; i < nfft; ++i)
            if (freq(i) >= f_lo && freq(i) <= f_hi) acc += p[i];
        return acc;
    }
    double total() const {
        double acc = 0.0;
        for (double v : p) acc += v;
        return acc;
    }
};

inline Psd welch(std::span<const cf32> x, double fs, std::size_t nfft) {
    Psd out;
    out.fs = fs;
    out.nfft = nfft;
    out.p.assign(nfft, 0.0);
    std::vector<double> win(nfft);
    double wsum = 0.0;
    for (std::size_t i = 0; i < nfft; ++i) {
        win[i] = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * static_cast<double>(i) / static_cast<double>(nfft));
        wsum += win[i] * win[i];
    }
    fftwf_complex* buf = fftwf_alloc_complex(nfft);
    fftwf_plan plan = fftwf_plan_dft_1d(static_cast<int>(nfft), buf, buf, FFTW_FORWARD, FFTW_ESTIMATE);
    std::size_t segs = 0;
    for (std::size_t start = 0; start + nfft <= x.size(); start += nfft / 2, ++segs) {
        for (std::size_t i = 0; i < nfft; ++i) {
            buf[i][0] = static_cast<float>(x[start + i].real() * win[i]);
            buf[i][1] = static_cast<float>(x[start + i].imag() * win[i]);
        }
        fftwf_execute(plan);
        for (std::size_t i = 0; i < nfft; ++i) {
            const std::size_t k = (i + nfft / 2) % nfft;  // shift: bin 0 -> index nfft/2
            out.p[k] += static_cast<double>(buf[i][0]) * buf[i][0] + static_cast<double>(buf[i][1]) * buf[i][1];
        }
    }
    fftwf_destroy_plan(plan);
    fftwf_free(buf);
    const double norm = segs > 0 ? 1.0 / (static_cast<double>(segs) * wsum * static_cast<double>(nfft)) : 0.0;
    for (double& v : out.p) v *= norm;
    return out;
}

// Instantaneous frequency [Hz] between consecutive samples.
inline std::vector<double> fm_discriminator(std::span<const cf32> x, double fs) {
    std::vector<double> f;
    if (x.size() < 2) return f;
    f.reserve(x.size() - 1);
    for (std::size_t i = 1; i < x.size(); ++i)
        f.push_back(std::arg(std::complex<double>(x[i]) * std::conj(std::complex<double>(x[i - 1]))) * fs / (2.0 * std::numbers::pi));
    return f;
}

// Width of the smallest centred-by-tails band holding `fraction` of the power (0.5 (1 - fraction) cut each side).
inline double occupied_bandwidth(const Psd& psd, double fraction) {
    const double tot = psd.total();
    const double cut = 0.5 * (1.0 - fraction) * tot;
    double acc = 0.0;
    std::size_t lo = 0, hi = psd.nfft - 1;
    for (std::size_t i = 0; i < psd.nfft; ++i) {
        acc += psd.p[i];
        if (acc >= cut) {
            lo = i;
            break;
        }
    }
    acc = 0.0;
    for (std::size_t i = psd.nfft; i-- > 0;) {
        acc += psd.p[i];
        if (acc >= cut) {
            hi = i;
            break;
        }
    }
    return psd.freq(hi) - psd.freq(lo);
}

inline double db10(double v) { return 10.0 * std::log10(v); }

}  // namespace coex::sim::test
