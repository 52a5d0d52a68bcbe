#pragma once
// A generated transmission: complex baseband samples at the emitter's native rate.
#include <span>
#include <vector>

#include "coex/core/types.hpp"

namespace coex::sim {

// Complex baseband of one burst, centred on the emitter's carrier. Every generator in coex::sim
// normalises the burst to mean power 1.0 (mean of |x|^2 over all samples).
struct Waveform {
    std::vector<cf32> samples;
    double sample_rate_hz = 0.0;

    double duration_s() const {
        return sample_rate_hz > 0.0 ? static_cast<double>(samples.size()) / sample_rate_hz : 0.0;
    }
};

// Mean of |x|^2 (0 for an empty span).
double mean_power(std::span<const cf32> x);

}  // namespace coex::sim
