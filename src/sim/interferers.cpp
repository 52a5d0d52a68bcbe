// Microwave oven, FHSS cordless phone, shaped (USB 3.0-like) noise, receiver response.
#include "coex/sim/interferers.hpp"

#include <complex>  // before liquid.h: liquid_float_complex becomes std::complex<float>
#include <liquid/liquid.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <numbers>
#include <type_traits>
#include <vector>

#include "coex/core/error.hpp"
#include "coex/sim/bluetooth.hpp"
#include "dsp.hpp"

namespace coex::sim {

namespace {

constexpr double pi = std::numbers::pi;

// Standard normal from 64 random bits (Box–Muller, one of the pair), portable across libraries.
template <class Rng>
double gauss(Rng& rng) {
    const std::uint64_t x = rng();
    const double u = (static_cast<double>(x >> 24) + 1.0) * 0x1.0p-40;
    const double a = static_cast<double>(x & 0xFFFFFFu) * 0x1.0p-24;
    return std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * pi * a);
}

struct FftPlanDel {
    void operator()(fftplan p) const { fft_destroy_plan(p); }
};
using FftPlanPtr = std::unique_ptr<std::remove_pointer_t<fftplan>, FftPlanDel>;

}  // namespace

Waveform microwave_on_period(double duration_s, double sweep_hz, double fm_noise_hz, std::mt19937_64& rng,
                             double sample_rate_hz) {
    if (!(sample_rate_hz > 0.0) || !(duration_s > 0.0)) throw ConfigError("microwave_on_period: rate and duration must be positive");
    Waveform w;
    w.sample_rate_hz = sample_rate_hz;
    const auto n = static_cast<std::size_t>(std::llround(duration_s * sample_rate_hz));
    w.samples.resize(n);
    const double corner = 200e3;
    const double a = std::exp(-2.0 * pi * corner / sample_rate_hz);
    const double drive = fm_noise_hz * std::sqrt(1.0 - a * a);
    const double ramp_n = std::min(0.3e-3 * sample_rate_hz, 0.25 * static_cast<double>(n));
    double fn = fm_noise_hz * gauss(rng);
    double phase = 2.0 * pi * static_cast<double>(detail::draw_uint(rng, 0, 1u << 20)) / static_cast<double>(1u << 20);
    for (std::size_t i = 0; i < n; ++i) {
        const double t = static_cast<double>(i) / static_cast<double>(n);
        const double f = sweep_hz * (0.5 - 0.5 * std::cos(2.0 * pi * t)) - 0.5 * sweep_hz + fn;
        const double edge = std::min(static_cast<double>(i), static_cast<double>(n - 1 - i)) + 0.5;
        const double env = edge >= ramp_n ? 1.0 : 0.5 - 0.5 * std::cos(pi * edge / ramp_n);
        w.samples[i] = cf32{static_cast<float>(env * std::cos(phase)), static_cast<float>(env * std::sin(phase))};
        phase = std::remainder(phase + 2.0 * pi * f / sample_rate_hz, 2.0 * pi);
        fn = a * fn + drive * gauss(rng);
    }
    detail::normalize_power(w.samples);
    return w;
}

Waveform fhss_phone_burst(std::size_t symbols, std::mt19937_64& rng, double samples_per_symbol) {
    std::vector<std::uint8_t> bits(symbols);
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < symbols; ++i) {
        if (i % 64 == 0) v = rng();
        bits[i] = static_cast<std::uint8_t>((v >> (i % 64)) & 1u);
    }
    return gfsk_modulate(bits, fhss_phone_symbol_rate_hz, 0.5, 0.5, samples_per_symbol);
}

double receiver_response(double offset_hz, double sample_rate_hz) {
    const double x = std::abs(offset_hz) / sample_rate_hz;
    if (x <= 0.42) return 1.0;
    if (x >= 0.5) return 0.0;
    return 0.5 + 0.5 * std::cos(pi * (x - 0.42) / 0.08);
}

void add_shaped_noise(std::span<cf32> out, double sample_rate_hz, const std::function<double(double)>& psd,
                      std::mt19937_64& rng) {
    if (!(sample_rate_hz > 0.0)) throw ConfigError("add_shaped_noise: sample rate must be positive");
    if (out.empty()) return;
    constexpr unsigned n = 4096;
    constexpr unsigned hop = n / 2;
    // Amplitude per bin: |X_k|^2 = psd(f_k) x rate, so that (1/N) sum |X_k|^2 = sum psd x rate / N.
    std::vector<float> amp(n);
    for (unsigned k = 0; k < n; ++k) {
        const int kk = k < n / 2 ? static_cast<int>(k) : static_cast<int>(k) - static_cast<int>(n);
        const double f = kk * sample_rate_hz / n;
        const double r = receiver_response(f, sample_rate_hz);
        amp[k] = static_cast<float>(std::sqrt(std::max(0.0, psd(f)) * sample_rate_hz) * r);
    }
    std::vector<float> win(n);
    for (unsigned i = 0; i < n; ++i) win[i] = static_cast<float>(std::sin(pi * (i + 0.5) / n));
    std::vector<std::complex<float>> x(n), y(n);
    FftPlanPtr plan(fft_create_plan(n, x.data(), y.data(), LIQUID_FFT_BACKWARD, 0));
    if (!plan) throw ConfigError("add_shaped_noise: cannot create FFT plan");
    const float norm = 1.0f / std::sqrt(static_cast<float>(n));
    const float half = static_cast<float>(std::sqrt(0.5));
    // Blocks start at -hop so that every output sample is covered by two windows.
    for (long long start = -static_cast<long long>(hop); start < static_cast<long long>(out.size()); start += hop) {
        for (unsigned k = 0; k < n; ++k)
            x[k] = amp[k] == 0.0f ? std::complex<float>{}
                                  : amp[k] * half * std::complex<float>(static_cast<float>(gauss(rng)), static_cast<float>(gauss(rng)));
        fft_execute(plan.get());
        for (unsigned i = 0; i < n; ++i) {
            const long long m = start + i;
            if (m >= 0 && m < static_cast<long long>(out.size())) out[static_cast<std::size_t>(m)] += norm * win[i] * y[i];
        }
    }
}

}  // namespace coex::sim
