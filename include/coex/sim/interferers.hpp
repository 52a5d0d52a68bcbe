#pragma once
// Non-communication emitters of the 2.4 GHz band, and a DECT-like FHSS cordless phone.
#include <cstddef>
#include <functional>
#include <random>
#include <span>

#include "coex/core/types.hpp"
#include "coex/sim/waveform.hpp"

namespace coex::sim {

// One on-period of a microwave oven's magnetron (complex baseband around the oven's centre).
// The magnetron conducts in one half of each mains cycle; while it does, its frequency follows the
// anode current: it starts low, swings up by sweep_hz at the middle of the period and comes back
// (f(t) = sweep (0.5 - 0.5 cos(2 pi t / T)) - sweep / 2), with random FM (first-order low-pass
// Gauss–Markov frequency noise of fm_noise_hz rms, 200 kHz corner) that gives the carrier its
// ragged, about 1 MHz wide, instantaneous spectrum. The envelope rises and falls with a 0.3 ms
// raised-cosine at the ends. Mean power 1.0 over the period.
Waveform microwave_on_period(double duration_s, double sweep_hz, double fm_noise_hz, std::mt19937_64& rng,
                             double sample_rate_hz);

// A DECT-like FHSS cordless-phone burst: `symbols` random bits, GFSK BT 0.5, h 0.5, 1.152 Msym/s
// (samples_per_symbol >= 2). Mean power 1.0.
inline constexpr double fhss_phone_symbol_rate_hz = 1.152e6;
Waveform fhss_phone_burst(std::size_t symbols, std::mt19937_64& rng, double samples_per_symbol = 4);

// The receiver's anti-alias response (amplitude) at a baseband offset: 1 up to 0.42 x rate, a
// raised-cosine roll-off to 0 at 0.5 x rate, 0 beyond (the band edges add_bursts uses).
double receiver_response(double offset_hz, double sample_rate_hz);

// Adds stationary complex Gaussian noise with the power spectral density psd(f) (linear power per
// Hz, f = offset from the view centre in Hz, -rate/2 .. rate/2) times receiver_response(f)^2.
// Synthesised in the frequency domain at the view rate (weighted overlap-add of independent
// random spectra, sine window, 50 % overlap, 4096 points or more), so nothing outside the view
// can alias in. Deterministic for the rng state.
void add_shaped_noise(std::span<cf32> out, double sample_rate_hz, const std::function<double(double)>& psd,
                      std::mt19937_64& rng);

}  // namespace coex::sim
