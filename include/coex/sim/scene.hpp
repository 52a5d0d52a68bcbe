#pragma once
// Placing emitters into a receiver's segment: resampling, frequency shift, scaling, noise, tones.
#include <cstdint>
#include <memory>
#include <random>
#include <span>

#include "coex/core/types.hpp"
#include "coex/sim/waveform.hpp"

namespace coex::sim {

// One segment as a receiver sees it: a complex baseband stream at one tuning.
struct Segment {
    double center_hz = 0.0;       // RF tuning of the receiver
    double sample_rate_hz = 0.0;  // complex sample rate
    std::uint64_t samples = 0;    // length of the segment
};

// One transmission.
struct Burst {
    double start_s = 0.0;       // time of the waveform's first sample within the segment (may be < 0)
    double rf_center_hz = 0.0;  // carrier of the emitter
    double power_dbfs = 0.0;    // mean power of the burst at the receiver (0 dBFS = mean power 1.0)
    std::shared_ptr<const Waveform> waveform;
    // Power ramp-up and ramp-down, seconds: the first and last ramp_s of the waveform are weighted
    // by a raised-cosine (0 -> 1, 1 -> 0), as a transmitter's PA ramps; 0 = abrupt edges. The
    // level (power_dbfs) is that of the unramped waveform, i.e. the power while fully on.
    double ramp_s = 0.0;
};

// Adds every burst into `out` (size segment.samples; ConfigError otherwise).
//
// Each burst's waveform (treated as band-limited to +-0.5 of its own sample rate) is scaled to
// power_dbfs (using its measured mean power), ramped (ramp_s), then:
//  1. resampled to an intermediate rate K x the segment's rate with liquid's rational polyphase resampler
//     (rresamp) and a Kaiser prototype of our own: 48 taps per output, pass band to 0.44 x native
//     rate, images >= 75 dB down beyond 0.55 x native rate. The ratio is taken as the nearest P/Q
//     with Q <= 1000, P <= 4096 (exact for the usual rates: 20->22, 8->20, 20->100, 20->61.44 ...;
//     otherwise off by < 1 ppm);
//  2. shifted by rf_center - the segment's centre with an exact-phase NCO at that rate;
//  3. when K > 1, decimated by K through an 80 dB Kaiser anti-alias filter (liquid firdecim; pass
//     band to 0.42 x the segment's rate, stop band from 0.5 x the segment's rate).
// K is the smallest integer that keeps the shifted burst (and its resampling images) from
// wrapping, so a burst partly outside the segment's band is cut off by that filter as a receiver front end
// would cut it: content 0.42..0.5 x the segment's rate from the centre is partly attenuated, and nothing from
// outside +-0.5 x the segment's rate folds in above -75 dB. A burst whose band lies entirely outside the
// segment's band is skipped (adds exactly nothing). Start times are rounded to the nearest sample
// (error <= 0.5 sample). Only the part of a burst that overlaps the segment in time is computed, on
// the same filter grid as an untrimmed run, so adjacent segments of one scene join up.
// Cost: about 50 (K = 1) to 200 (K = 2) real multiply-adds per output sample per burst; a
// 20 ms, 100 MS/s scene with 60 bursts takes ~0.3 s on the 2-core build machine.
void add_bursts(const Segment& segment, std::span<const Burst> bursts, std::span<cf32> out);

// Adds complex white Gaussian noise of total power noise_dbfs_total (over the full segment bandwidth;
// each of I and Q carries half). Box-Muller on 64-bit draws of rng (deterministic for a seed).
void add_awgn(std::span<cf32> out, double noise_dbfs_total, std::mt19937_64& rng);

// Adds A exp(j (2 pi offset_hz n / sample_rate_hz + phase)), A^2 = 10^(power_dbfs / 10); the phase
// is computed from n in double precision (no drift over long spans).
void add_tone(std::span<cf32> out, double sample_rate_hz, double offset_hz, double power_dbfs,
              double phase = 0.0);

}  // namespace coex::sim
