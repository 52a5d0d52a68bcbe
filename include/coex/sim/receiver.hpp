#pragma once
// What a real receiver and a real room do to the samples (docs/scenes.md, "Receiver models"): named
// receiver models (HackRF, RTL-SDR behind a downconverter, USRP, Pluto) with their datasheet
// imperfections, the baseband filter's passband droop and tilt, AGC gain steps, the ADC's effective
// bits, indoor multipath and a transmitter's carrier drift within its standard's tolerance.
#include <complex>
#include <cstdint>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "coex/core/emitter_class.hpp"
#include "coex/core/types.hpp"

namespace coex::sim {

// The imperfections a receiver model brings (scene keys override any of them).
struct ReceiverModel {
    std::string_view name;            // the scene's receiver.model
    std::string_view hardware;        // the capture's hardware attribute
    std::string_view sample_type;     // int8, int16
    int adc_bits = 8;                 // effective resolution
    double max_rate_msps = 20.0;      // the fastest it streams
    double dc_offset_dbfs = -45.0;    // LO leakage
    double iq_gain_imbalance_db = 0.0, iq_phase_imbalance_deg = 0.0;
    double lo_error_ppm = 0.0;        // crystal error of the tuner's reference
    double lo_offset_khz = 0.0;       // fixed error of a downconverter's LO (on top of the ppm)
    double passband_droop_db = 0.0;   // loss at +-0.45 x rate (baseband filter)
    double passband_tilt_db = 0.0;    // gain at +0.45 x rate minus gain at -0.45 x rate
    double agc_step_db = 0.0;         // 0: no AGC
    double agc_steps_per_s = 0.0;
    // Its gain set as users set it: the thermal noise at least this many LSB rms per component, so the
    // ADC sees noise rather than a constant (a floor under an LSB is a receiver set wrong).
    double noise_lsb = 1.0;
    // The room and the transmitters the model's scenes assume (defaults for every emitter):
    double multipath_rms_ns = 0.0;    // indoor delay spread (0: none)
    bool tx_drift = false;            // carriers drift within their standard's tolerance
};

// hackrf, rtlsdr, usrp, pluto.
[[nodiscard]] const std::vector<ReceiverModel>& receiver_models();
[[nodiscard]] const ReceiverModel* find_receiver_model(std::string_view name);
// "hackrf, rtlsdr, usrp, pluto"
[[nodiscard]] std::string receiver_model_names();
// The thermal floor (dBFS per MHz) at which the model's noise is noise_lsb rms per component at this rate.
[[nodiscard]] double model_min_floor_dbfs_per_mhz(const ReceiverModel& model, double rate_hz);

// The baseband filter: gain (dB) at baseband offset f of a receiver at `rate_hz` whose passband loses
// droop_db at +-0.45 x rate and whose upper edge is tilt_db above its lower edge:
//   g(x) = -droop_db x^4 + tilt_db x / 2,  x = f / (0.45 rate).
// x^4: flat in the middle and falling towards the edges, the shape of a low-order analogue filter's
// passband near its corner (a smooth stand-in with the model's figure at the edge, not a fitted
// response).
[[nodiscard]] double passband_gain_db(double f_hz, double rate_hz, double droop_db, double tilt_db);
// Applies that gain to x (a linear-phase 255-tap FIR, by overlap-save FFT convolution; output aligned
// with the input).
void apply_passband(std::span<cf32> x, double rate_hz, double droop_db, double tilt_db);

// AGC: the sample indices where the gain steps and the gain (dB, relative to the start) from there on.
// Steps come at exponential intervals (mean 1 / steps_per_s), each +-step_db (random sign, held within
// +-2 steps of the start).
struct GainStep {
    std::uint64_t sample = 0;
    double gain_db = 0.0;
};
[[nodiscard]] std::vector<GainStep> agc_steps(std::uint64_t samples, double rate_hz, double step_db, double steps_per_s,
                                              std::mt19937_64& rng);
void apply_gain_steps(std::span<cf32> x, std::span<const GainStep> steps);

// Rounds I and Q to an ADC of `bits` over +-1 full scale (step 2^-(bits-1)).
void quantize(std::span<cf32> x, int bits);

// Indoor multipath: a tapped delay line with an exponential power-delay profile (taps every
// rms / 5, to 6 rms; each tap a complex Gaussian, Rayleigh) whose expected total power is 1 and
// whose profile's rms delay spread is `rms_s` (±2 %).
struct MultipathTap {
    double delay_s = 0.0;
    std::complex<double> gain;
    double mean_power = 0.0;  // of the profile at this delay
};
[[nodiscard]] std::vector<MultipathTap> indoor_channel(double rms_s, std::mt19937_64& rng);
// rms delay spread of the profile (use_profile) or of one draw (|gain|^2).
[[nodiscard]] double rms_delay_spread(std::span<const MultipathTap> taps, bool use_profile);
// Filters x (at rate_hz) through the channel, band-limited to that rate (windowed-sinc taps at the
// fractional delays); output aligned with the first path, same length.
void apply_multipath(std::vector<cf32>& x, double rate_hz, std::span<const MultipathTap> taps);
// The channel's mean power gain over [f_lo_hz, f_hi_hz] (RF, the band a transmission occupies), in dB:
// the fade one transmission there sees (a hopper's packets fade apart, hop by hop).
[[nodiscard]] double multipath_gain_db(std::span<const MultipathTap> taps, double f_lo_hz, double f_hi_hz);

// A standard's carrier tolerance (the largest |offset| of the carrier at any time, drift included):
// Bluetooth BR ±75 kHz, BLE ±150 kHz incl. drift, 802.11 OFDM ±20 ppm, DSSS ±25 ppm, 802.15.4 ±40 ppm;
// nullopt for classes without one (tones, noise, ovens).
[[nodiscard]] std::optional<double> carrier_tolerance_hz(EmitterClass c, double carrier_hz);
// The default drift within one burst (peak-to-peak, Hz) when a scene asks for drifting transmitters:
// Bluetooth BR 25 kHz (the spec's one-slot limit), BLE 50 kHz (its in-packet limit), others 0.
[[nodiscard]] double default_burst_drift_hz(EmitterClass c);
// Multiplies x by a linear frequency ramp from -drift_hz / 2 to +drift_hz / 2 over its length.
void apply_linear_drift(std::vector<cf32>& x, double rate_hz, double drift_hz);

}  // namespace coex::sim
