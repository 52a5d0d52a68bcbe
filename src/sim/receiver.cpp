// Receiver models and the impairments of real radios and rooms (docs/scenes.md, "Receiver models").
#include "coex/sim/receiver.hpp"

#include <complex>  // before liquid.h: liquid_float_complex becomes std::complex<float>
#include <liquid/liquid.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <numbers>
#include <type_traits>

#include "coex/core/error.hpp"
#include "dsp.hpp"

namespace coex::sim {

namespace {

double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

double gauss(std::mt19937_64& rng) {
    const double u = 1.0 - uniform01(rng), a = uniform01(rng);
    return std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * std::numbers::pi * a);
}

struct FftFiltDel {
    void operator()(fftfilt_cccf q) const { fftfilt_cccf_destroy(q); }
};
using FftFiltPtr = std::unique_ptr<std::remove_pointer_t<fftfilt_cccf>, FftFiltDel>;

constexpr double kEdge = 0.45;  // the passband figures are quoted at +-0.45 x rate

}  // namespace

// Figures from the parts' datasheets and what users measure (docs/scenes.md gives the sources).
const std::vector<ReceiverModel>& receiver_models() {
    static const std::vector<ReceiverModel> models = {
        {.name = "hackrf", .hardware = "HackRF One (simulated: model hackrf)", .sample_type = "int8", .adc_bits = 8,
         .max_rate_msps = 20.0, .dc_offset_dbfs = -32.0, .iq_gain_imbalance_db = 0.3, .iq_phase_imbalance_deg = 2.0,
         .lo_error_ppm = 10.0, .lo_offset_khz = 0.0, .passband_droop_db = 3.0, .passband_tilt_db = 0.0,
         .agc_step_db = 0.0, .agc_steps_per_s = 0.0, .multipath_rms_ns = 50.0, .tx_drift = true},
        {.name = "rtlsdr", .hardware = "RTL-SDR behind a 2.4 GHz downconverter (simulated: model rtlsdr)", .sample_type = "int8",
         .adc_bits = 7, .max_rate_msps = 2.4, .dc_offset_dbfs = -25.0, .iq_gain_imbalance_db = 0.5, .iq_phase_imbalance_deg = 3.0,
         .lo_error_ppm = 0.0, .lo_offset_khz = 40.0, .passband_droop_db = 2.0, .passband_tilt_db = 0.0,
         .agc_step_db = 3.0, .agc_steps_per_s = 10.0, .multipath_rms_ns = 50.0, .tx_drift = true},
        {.name = "usrp", .hardware = "USRP-class receiver (simulated: model usrp)", .sample_type = "int16", .adc_bits = 12,
         .max_rate_msps = 200.0, .dc_offset_dbfs = -60.0, .iq_gain_imbalance_db = 0.05, .iq_phase_imbalance_deg = 0.3,
         .lo_error_ppm = 1.0, .lo_offset_khz = 0.0, .passband_droop_db = 4.0, .passband_tilt_db = 6.0,
         .agc_step_db = 0.0, .agc_steps_per_s = 0.0, .multipath_rms_ns = 50.0, .tx_drift = true},
        {.name = "pluto", .hardware = "ADALM-Pluto (simulated: model pluto)", .sample_type = "int16", .adc_bits = 12,
         .max_rate_msps = 61.44, .dc_offset_dbfs = -50.0, .iq_gain_imbalance_db = 0.2, .iq_phase_imbalance_deg = 1.0,
         .lo_error_ppm = 10.0, .lo_offset_khz = 0.0, .passband_droop_db = 3.0, .passband_tilt_db = 0.0,
         .agc_step_db = 3.0, .agc_steps_per_s = 10.0, .multipath_rms_ns = 50.0, .tx_drift = true},
    };
    return models;
}

const ReceiverModel* find_receiver_model(std::string_view name) {
    for (const auto& m : receiver_models())
        if (m.name == name) return &m;
    return nullptr;
}

std::string receiver_model_names() {
    std::string out;
    for (const auto& m : receiver_models()) out += (out.empty() ? "" : ", ") + std::string(m.name);
    return out;
}

double model_min_floor_dbfs_per_mhz(const ReceiverModel& model, double rate_hz) {
    const double lsb = std::ldexp(1.0, 1 - model.adc_bits);
    const double total = 2.0 * (model.noise_lsb * lsb) * (model.noise_lsb * lsb);  // I and Q
    return 10.0 * std::log10(total / (rate_hz / 1e6));
}

double passband_gain_db(double f_hz, double rate_hz, double droop_db, double tilt_db) {
    const double x = f_hz / (kEdge * rate_hz);
    return -droop_db * x * x * x * x + 0.5 * tilt_db * x;
}

void apply_passband(std::span<cf32> x, double rate_hz, double droop_db, double tilt_db) {
    if ((droop_db == 0.0 && tilt_db == 0.0) || x.empty()) return;
    // Frequency sampling of the target on a 512-point grid, centred, Hann-windowed to 255 taps.
    constexpr std::size_t grid = 512, taps = 255, half = taps / 2;
    std::vector<detail::cd> h(grid);
    for (std::size_t k = 0; k < grid; ++k) {
        const double f = (k < grid / 2 ? static_cast<double>(k) : static_cast<double>(k) - grid) / grid * rate_hz;
        h[k] = std::pow(10.0, passband_gain_db(f, rate_hz, droop_db, tilt_db) / 20.0);
    }
    detail::fft_inplace(h, true);
    std::vector<cf32> fir(taps);
    for (std::size_t n = 0; n < taps; ++n) {
        const std::size_t src = (n + grid - half) % grid;  // tap n holds delay n - half
        const double w = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * static_cast<double>(n + 1) / static_cast<double>(taps + 1));
        fir[n] = cf32(static_cast<float>(h[src].real() * w / grid), static_cast<float>(h[src].imag() * w / grid));
    }
    constexpr unsigned block = 4096;
    FftFiltPtr q(fftfilt_cccf_create(fir.data(), taps, block));
    if (!q) throw ConfigError("apply_passband: cannot create the filter");
    // Input padded with `half` zeros at the end; output delayed by `half` samples.
    const std::size_t n = x.size();
    std::vector<cf32> in(block), out(block);
    std::size_t written = 0;  // output sample pos + i is x[pos + i - half]
    for (std::size_t pos = 0; pos < n + half; pos += block) {
        for (std::size_t i = 0; i < block; ++i) in[i] = pos + i < n ? x[pos + i] : cf32{0.0f, 0.0f};
        fftfilt_cccf_execute(q.get(), in.data(), out.data());
        // x[pos..] was read above, so writing up to x[pos + block - half) cannot clobber unread input
        for (std::size_t i = 0; i < block; ++i) {
            const std::size_t at = pos + i;
            if (at < half) continue;
            if (at - half >= n) break;
            x[at - half] = out[i];
            ++written;
        }
    }
    if (written != n) throw ConfigError("apply_passband: filter output length mismatch");
}

std::vector<GainStep> agc_steps(std::uint64_t samples, double rate_hz, double step_db, double steps_per_s, std::mt19937_64& rng) {
    std::vector<GainStep> out;
    if (step_db <= 0.0 || steps_per_s <= 0.0) return out;
    double t = 0.0, gain = 0.0;
    const double length_s = static_cast<double>(samples) / rate_hz;
    for (;;) {
        t += -std::log(1.0 - uniform01(rng)) / steps_per_s;
        if (t >= length_s) break;
        double sign = uniform01(rng) < 0.5 ? -1.0 : 1.0;
        if (std::abs(gain + sign * step_db) > 2.0 * step_db + 1e-9) sign = -sign;
        gain += sign * step_db;
        out.push_back({static_cast<std::uint64_t>(t * rate_hz), gain});
    }
    return out;
}

void apply_gain_steps(std::span<cf32> x, std::span<const GainStep> steps) {
    for (std::size_t k = 0; k < steps.size(); ++k) {
        const auto g = static_cast<float>(std::pow(10.0, steps[k].gain_db / 20.0));
        const std::size_t a = std::min<std::size_t>(x.size(), steps[k].sample);
        const std::size_t b = k + 1 < steps.size() ? std::min<std::size_t>(x.size(), steps[k + 1].sample) : x.size();
        for (std::size_t i = a; i < b; ++i) x[i] *= g;
    }
}

void quantize(std::span<cf32> x, int bits) {
    if (bits <= 0 || bits >= 24) return;
    const float scale = std::ldexp(1.0f, bits - 1), inv = 1.0f / scale;
    for (cf32& v : x) v = cf32{std::round(v.real() * scale) * inv, std::round(v.imag() * scale) * inv};
}

std::vector<MultipathTap> indoor_channel(double rms_s, std::mt19937_64& rng) {
    std::vector<MultipathTap> taps;
    if (rms_s <= 0.0) return taps;
    // Taps every rms / 5 up to 6 rms. A sampled exponential e^{-t/rms} with step d has an rms delay
    // spread of d sqrt(r) / (1 - r), r = e^{-d/rms}: the decay is chosen so that the profile (truncated)
    // has exactly rms_s.
    constexpr int count = 31;
    const double d = rms_s / 5.0;
    double decay = rms_s;
    for (int iter = 0; iter < 40; ++iter) {  // fixed point: scale the decay until the profile's rms is rms_s
        std::vector<MultipathTap> probe(count);
        for (int k = 0; k < count; ++k) probe[static_cast<std::size_t>(k)] = {k * d, {}, std::exp(-k * d / decay)};
        const double r = rms_delay_spread(probe, true);
        decay *= rms_s / r;
    }
    double total = 0.0;
    for (int k = 0; k < count; ++k) total += std::exp(-k * d / decay);
    for (int k = 0; k < count; ++k) {
        const double p = std::exp(-k * d / decay) / total;
        const double a = std::sqrt(p / 2.0);
        const double re = gauss(rng), im = gauss(rng);
        taps.push_back({k * d, {a * re, a * im}, p});
    }
    return taps;
}

double rms_delay_spread(std::span<const MultipathTap> taps, bool use_profile) {
    double p = 0.0, m1 = 0.0, m2 = 0.0;
    for (const auto& t : taps) {
        const double w = use_profile ? t.mean_power : std::norm(t.gain);
        p += w;
        m1 += w * t.delay_s;
        m2 += w * t.delay_s * t.delay_s;
    }
    if (p <= 0.0) return 0.0;
    m1 /= p;
    return std::sqrt(std::max(0.0, m2 / p - m1 * m1));
}

double multipath_gain_db(std::span<const MultipathTap> taps, double f_lo_hz, double f_hi_hz) {
    if (taps.empty()) return 0.0;
    // |H(f)|^2 averaged over 9 points of the band: 50 ns of delay spread decorrelates over ~4 MHz, so
    // this follows a 20 MHz channel's ripple too.
    constexpr int points = 9;
    double sum = 0.0;
    for (int i = 0; i < points; ++i) {
        const double f = f_lo_hz + (f_hi_hz - f_lo_hz) * (i + 0.5) / points;
        std::complex<double> h;
        for (const auto& t : taps) {
            const double cycles = f * t.delay_s;
            h += t.gain * std::polar(1.0, -2.0 * std::numbers::pi * (cycles - std::floor(cycles)));
        }
        sum += std::norm(h);
    }
    return 10.0 * std::log10(std::max(sum / points, 1e-30));
}

void apply_multipath(std::vector<cf32>& x, double rate_hz, std::span<const MultipathTap> taps) {
    if (taps.empty() || x.empty()) return;
    // FIR at rate_hz: every path a windowed sinc at its fractional delay (8 samples each side).
    constexpr int side = 8;
    const double last = taps.back().delay_s * rate_hz;
    const int lo = -side, hi = static_cast<int>(std::ceil(last)) + side;
    std::vector<std::complex<double>> h(static_cast<std::size_t>(hi - lo + 1));
    for (const auto& t : taps) {
        const double dly = t.delay_s * rate_hz;
        for (int n = lo; n <= hi; ++n) {
            const double u = n - dly;
            if (std::abs(u) >= side) continue;
            const double s = std::abs(u) < 1e-12 ? 1.0 : std::sin(std::numbers::pi * u) / (std::numbers::pi * u);
            const double w = 0.5 + 0.5 * std::cos(std::numbers::pi * u / side);
            h[static_cast<std::size_t>(n - lo)] += t.gain * s * w;
        }
    }
    std::vector<cf32> y(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
        std::complex<double> acc;
        for (int n = lo; n <= hi; ++n) {
            const long long j = static_cast<long long>(i) - n;
            if (j < 0 || j >= static_cast<long long>(x.size())) continue;
            acc += h[static_cast<std::size_t>(n - lo)] * std::complex<double>(x[static_cast<std::size_t>(j)]);
        }
        y[i] = cf32(static_cast<float>(acc.real()), static_cast<float>(acc.imag()));
    }
    x.swap(y);
}

std::optional<double> carrier_tolerance_hz(EmitterClass c, double carrier_hz) {
    switch (c) {
        case EmitterClass::wifi_ofdm: return 20e-6 * carrier_hz;     // 802.11-2016 17.3.9.5
        case EmitterClass::wifi_dsss: return 25e-6 * carrier_hz;     // 802.11-2016 16.3.7.5
        case EmitterClass::bluetooth_classic: return 75e3;           // Core 5.x Vol 2 Part A 3.2: initial ±75 kHz
        case EmitterClass::ble: return 150e3;                        // Core 5.x Vol 6 Part A 3.1: ±150 kHz incl. drift
        case EmitterClass::zigbee: return 40e-6 * carrier_hz;        // 802.15.4-2020 12.3.4: ±40 ppm
        case EmitterClass::proprietary_gfsk: return 60e-6 * carrier_hz;  // nRF24L01+: ±60 ppm crystal
        default: return std::nullopt;
    }
}

double default_burst_drift_hz(EmitterClass c) {
    switch (c) {
        case EmitterClass::bluetooth_classic: return 25e3;  // Core Vol 2 Part A 3.2: ±25 kHz in a one-slot packet
        case EmitterClass::ble: return 50e3;                // Core Vol 6 Part A 3.1: 50 kHz in a packet
        case EmitterClass::proprietary_gfsk: return 20e3;
        default: return 0.0;
    }
}

void apply_linear_drift(std::vector<cf32>& x, double rate_hz, double drift_hz) {
    if (drift_hz == 0.0 || x.size() < 2) return;
    // phase(t) = 2 pi (-drift/2 t + drift / (2 T) t^2): frequency from -drift/2 to +drift/2 over T.
    const double T = static_cast<double>(x.size()) / rate_hz;
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double t = static_cast<double>(i) / rate_hz;
        double cycles = -0.5 * drift_hz * t + 0.5 * drift_hz / T * t * t;
        cycles -= std::floor(cycles);
        x[i] *= cf32(static_cast<float>(std::cos(2.0 * std::numbers::pi * cycles)), static_cast<float>(std::sin(2.0 * std::numbers::pi * cycles)));
    }
}

}  // namespace coex::sim
