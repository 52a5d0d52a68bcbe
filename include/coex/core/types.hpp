#pragma once
// Basic sample and segment types shared by every stage.
#include <complex>
#include <cstdint>
#include <optional>
#include <vector>

namespace coex {

using cf32 = std::complex<float>;

// One contiguous stretch of samples at one tuning (a sweep dwell, or the whole capture).
struct SegmentInfo {
    double center_frequency_hz = 0.0;
    double sample_rate_hz = 0.0;
    double start_time_s = 0.0;  // seconds since capture start
    std::optional<double> gain_db;
    // Width of the receiver's trusted passband around the centre; unset: 90 % of the sample rate.
    std::optional<double> bandwidth_hz;
    // One step of the stored samples in full-scale units (int8 and uint8 read /128: 1/128; int16:
    // 1/32768); 0 for floats, whose steps are far finer than any receiver's noise.
    double quantisation_step = 0.0;

    [[nodiscard]] double usable_bandwidth_hz() const { return bandwidth_hz.value_or(0.9 * sample_rate_hz); }
    // The rounding noise of that step, power per complex sample (step²/12 in I and in Q), spread flat
    // over the sample rate: no noise floor read from these samples can be lower (0 for floats).
    [[nodiscard]] double quantisation_noise_power() const { return quantisation_step * quantisation_step / 6.0; }
};

// A block of samples handed from a source to the pipeline. Samples are full-scale 1.0.
struct SampleBlock {
    std::size_t segment_index = 0;  // increases by one each time the tuning changes
    SegmentInfo segment;
    std::uint64_t first_sample = 0;    // index of samples[0] within its segment (counts dropped ones)
    std::uint64_t dropped_before = 0;  // samples lost or dropped right before this block (a gap)
    std::vector<cf32> samples;
};

}  // namespace coex
