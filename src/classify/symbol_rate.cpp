// Symbol-clock line of an FM discriminator's output (see channelizer.hpp).
#include "channelizer.hpp"

#include <array>
#include <cmath>
#include <complex>
#include <numbers>

namespace coex::classify {

double fsk_symbol_rate(std::span<const float> frequency_hz, double sample_rate_hz) {
    static constexpr std::array<double, 2> kRates{1.0e6, 1.152e6};  // (2 Msym/s would need more than the 4 MS/s channel)
    // GFSK moves its frequency by at most ~2 × 250 kHz per symbol, spread over the Gaussian pulse
    const double kMaxStepHz = 0.25 * 1e6 * 1e6 / sample_rate_hz * 2.0;
    if (frequency_hz.size() < 64 || !(sample_rate_hz > 2.0 * kRates.back())) return 0.0;
    double best_line = 0.0, best_rate = 0.0, total = 0.0;
    std::array<std::complex<double>, kRates.size()> acc{};
    std::array<std::complex<double>, kRates.size()> turn{}, rotor{};
    for (std::size_t r = 0; r < kRates.size(); ++r) {
        turn[r] = std::polar(1.0, -2.0 * std::numbers::pi * kRates[r] / sample_rate_hz);
        rotor[r] = 1.0;
    }
    // a 3-sample mean first: the GFSK pulse is smoother than that, the discriminator's noise is not
    auto smooth = [&](std::size_t i) {
        return (static_cast<double>(frequency_hz[i - 1]) + frequency_hz[i] + frequency_hz[i + 1]) / 3.0;
    };
    for (std::size_t i = 2; i + 1 < frequency_hz.size(); ++i) {
        // (clipped: at low SNR the discriminator's clicks would swamp the clock with broadband spikes)
        const double step = std::min(std::abs(smooth(i) - smooth(i - 1)), kMaxStepHz);
        const double g = step * step;
        total += g;
        for (std::size_t r = 0; r < kRates.size(); ++r) {
            acc[r] += g * rotor[r];
            rotor[r] *= turn[r];
        }
    }
    if (!(total > 0.0)) return 0.0;
    for (std::size_t r = 0; r < kRates.size(); ++r) {
        const double line = std::abs(acc[r]) / total;
        if (line > best_line) {
            best_line = line;
            best_rate = kRates[r];
        }
    }
    // a clock line above chance (≈ 1/√N for noise) and twice the other rate's, or no verdict
    const double other = std::abs(acc[best_rate == kRates[0] ? 1 : 0]) / total;
    const bool clear = best_line >= 1.5 / std::sqrt(static_cast<double>(frequency_hz.size())) && best_line >= 2.0 * other;
    return clear ? best_rate : 0.0;
}

}  // namespace coex::classify
