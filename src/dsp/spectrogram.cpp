#include "coex/dsp/spectrogram.hpp"

#include "coex/core/clones.hpp"
#include "coex/core/error.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <numbers>
#include <string>

namespace coex::dsp {

std::size_t default_fft_size(double sample_rate_hz) {
    const double target_bin_hz = 78'125.0;
    const double ideal = std::max(1.0, sample_rate_hz / target_bin_hz);
    auto size = std::bit_ceil(static_cast<std::size_t>(std::llround(ideal)));
    if (static_cast<double>(size) / ideal > 1.5) size /= 2;  // nearest power of two, not the next one
    return std::clamp<std::size_t>(size, 32, 8192);
}

namespace {
// out[i] = a[i] · b[i]: the window applied to the interleaved (re, im) floats of a frame, as
// std::complex<float> · float multiplies both parts.
COEX_ELEMENTWISE_CLONES void multiply(const float* a, const float* b, float* out, std::size_t n) noexcept {
    for (std::size_t i = 0; i < n; ++i) out[i] = a[i] * b[i];
}

// out[k] = |z_k|² · scale for interleaved z_k = (x, y): x·x + y·y, as std::norm, then the scale.
COEX_ELEMENTWISE_CLONES void scaled_norms(const float* xy, float scale, float* out, std::size_t n) noexcept {
    for (std::size_t k = 0; k < n; ++k) {
        const float x = xy[2 * k], y = xy[2 * k + 1];
        out[k] = (x * x + y * y) * scale;
    }
}

void check_fft_size(std::size_t size) {
    if (size < 16 || size > 65536 || !std::has_single_bit(size))
        throw ConfigError("fft_size", "FFT size must be a power of two in 16…65536, got " + std::to_string(size));
}
}  // namespace

void validate(const SpectrogramConfig& config) {
    if (config.fft_size) check_fft_size(config.fft_size);
    if (!(config.overlap >= 0.0 && config.overlap <= 0.9))
        throw ConfigError("overlap", "must be in 0…0.9, got " + std::to_string(config.overlap));
}

std::size_t validate(const SpectrogramConfig& config, double sample_rate_hz) {
    if (!(sample_rate_hz > 0.0) || !std::isfinite(sample_rate_hz))
        throw ConfigError("sample_rate_hz", "must be a positive number of Hz, got " + std::to_string(sample_rate_hz));
    validate(config);
    const std::size_t size = config.fft_size ? config.fft_size : default_fft_size(sample_rate_hz);
    check_fft_size(size);
    return size;
}

Spectrogram::Spectrogram(const SpectrogramConfig& config, double sample_rate_hz)
    : size_(validate(config, sample_rate_hz)),
      hop_(std::max<std::size_t>(1, size_ - static_cast<std::size_t>(std::lround(config.overlap * static_cast<double>(size_))))),
      rate_(sample_rate_hz),
      window_(make_window(config.window, size_)),
      pending_(size_),
      power_(size_),
      fft_(size_, config.planning) {
    interleaved_window_.resize(2 * size_);
    for (std::size_t i = 0; i < size_; ++i) interleaved_window_[2 * i] = interleaved_window_[2 * i + 1] = window_[i];
    enbw_ = enbw_bins(window_);
    double sum = 0.0;
    for (float v : window_) sum += v;
    scale_ = static_cast<float>(1.0 / (sum * sum));
}

void Spectrogram::transform(const cf32* frame) {
    // std::complex<float> is laid out as float[2] (the standard guarantees it), so the window and the
    // power are plain float loops, which vectorise without shuffling real and imaginary parts apart.
    multiply(reinterpret_cast<const float*>(frame), interleaved_window_.data(), reinterpret_cast<float*>(fft_.input().data()), 2 * size_);
    fft_.execute();
    const auto* out = reinterpret_cast<const float*>(fft_.output().data());
    const std::size_t half = size_ / 2;
    // FFT bin k holds +k·fs/N for k < N/2 and negative frequencies above: rotate so −fs/2 comes first.
    scaled_norms(out, scale_, power_.data() + half, half);
    scaled_norms(out + 2 * half, scale_, power_.data(), half);
}

std::vector<float> reference_power_spectrum(std::span<const cf32> frame, Window window) {
    const std::size_t n = frame.size();
    const auto w = make_window(window, n);
    double sum = 0.0;
    for (float v : w) sum += v;
    std::vector<float> power(n);
    for (std::size_t k = 0; k < n; ++k) {
        const double freq = static_cast<double>(k) - static_cast<double>(n / 2);  // −N/2 … N/2−1
        std::complex<double> acc{};
        for (std::size_t i = 0; i < n; ++i) {
            const double phase = -2.0 * std::numbers::pi * freq * static_cast<double>(i) / static_cast<double>(n);
            acc += std::complex<double>(frame[i]) * static_cast<double>(w[i]) * std::polar(1.0, phase);
        }
        power[k] = static_cast<float>(std::norm(acc) / (sum * sum));
    }
    return power;
}

}  // namespace coex::dsp
