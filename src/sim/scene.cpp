// Placing bursts into a receiver's view; noise and tones.
#include "coex/sim/scene.hpp"

#include <complex>  // before liquid.h: liquid_float_complex becomes std::complex<float>
#include <liquid/liquid.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <numeric>
#include <tuple>
#include <type_traits>
#include <numbers>
#include <utility>
#include <vector>

#include "coex/core/error.hpp"
#include "coex/core/numeric.hpp"

namespace coex::sim {

namespace {

// Stage 1 (native -> K x view rate): liquid rational polyphase resampler with our Kaiser prototype
// (liquid's arbitrary-rate resamp leaves phase-quantisation images at about -45 dB).
constexpr unsigned rs_m = 24;            // prototype semi-length in input samples
constexpr float rs_fc = 0.49f;           // cutoff relative to the native rate
constexpr float rs_as = 80.0f;           // stop-band attenuation [dB]
constexpr unsigned rs_max_q = 1000;      // rate approximated by P/Q with Q <= 1000 ...
constexpr unsigned rs_max_p = 4096;      // ... and P <= 4096 (exact for the usual SDR rates)
constexpr double native_extent = 0.55;   // images are >= 75 dB down beyond this x native rate
// Stage 2 (K x view rate -> view rate): Kaiser low-pass decimator, the receiver's anti-alias filter.
constexpr double view_pass = 0.42;  // x view rate
constexpr double view_stop = 0.50;  // x view rate
constexpr float dec_as = 80.0f;
constexpr unsigned max_k = 4096;

struct RresampDel {
    void operator()(rresamp_crcf q) const { rresamp_crcf_destroy(q); }
};
struct DecimDel {
    void operator()(firdecim_crcf q) const { firdecim_crcf_destroy(q); }
};
using RresampPtr = std::unique_ptr<std::remove_pointer_t<rresamp_crcf>, RresampDel>;
using DecimPtr = std::unique_ptr<std::remove_pointer_t<firdecim_crcf>, DecimDel>;

struct Decimator {
    DecimPtr q;
    double delay = 0.0;  // group delay in input (K x view rate) samples
};

bool same_rate(double a, double b) { return std::abs(a - b) <= 1e-9 * std::max(std::abs(a), std::abs(b)); }

// Best rational approximation P/Q of x within the resampler's bounds.
std::pair<unsigned, unsigned> rational(double x) {
    const auto pq = best_rational(x, rs_max_p, rs_max_q);
    if (pq.first == 0) throw ConfigError("add_bursts: unsupported resampling ratio");
    return pq;
}

// Exact-phase rotator: e^{j 2 pi (c0 + step n)} with c0, step in cycles; re-anchored every 1024 samples.
class Rotator {
public:
    Rotator(double cycles0, double step) : c0_(cycles0), step_(step) {}
    template <class F>
    void run(std::size_t n, F&& f) {
        const std::complex<double> w = std::polar(1.0, 2.0 * std::numbers::pi * step_);
        for (std::size_t base = 0; base < n; base += 1024) {
            double c = c0_ + step_ * static_cast<double>(base);
            c -= std::floor(c);
            std::complex<double> r = std::polar(1.0, 2.0 * std::numbers::pi * c);
            const std::size_t end = std::min(n, base + 1024);
            for (std::size_t i = base; i < end; ++i) {
                f(i, std::complex<float>(static_cast<float>(r.real()), static_cast<float>(r.imag())));
                r *= w;
            }
        }
    }

private:
    double c0_, step_;
};

class Placer {
public:
    explicit Placer(const Segment& view) : view_(view) {}

    void add(const Burst& b, std::span<cf32> out) {
        if (!b.waveform || b.waveform->samples.empty() || !(b.waveform->sample_rate_hz > 0.0)) return;
        const Waveform& wf = *b.waveform;
        const double fs_n = wf.sample_rate_hz, fs_v = view_.sample_rate_hz;
        const double df = b.rf_center_hz - view_.center_hz;
        if (std::abs(df) - 0.5 * fs_n >= 0.5 * fs_v) return;  // band entirely outside the view

        // Smallest K such that the shifted burst (with stage-1 images) cannot wrap into the view.
        unsigned k = 1;
        bool resample = true;
        for (;; ++k) {
            if (k > max_k) throw ConfigError("add_bursts: view rate too low for this burst");
            const double fs_i = k * fs_v;
            const bool identity = same_rate(fs_i, fs_n);
            if (!identity && fs_i < fs_n) continue;
            const double ext = identity ? 0.5 * fs_n : native_extent * fs_n;
            const bool ok = k == 1 ? std::abs(df) + ext <= 0.5 * fs_v : std::abs(df) + ext + 0.5 * fs_v <= fs_i;
            if (ok) {
                resample = !identity;
                break;
            }
        }
        unsigned p = 1, q = 1;
        if (resample) std::tie(p, q) = rational(k * fs_v / fs_n);
        const double delay_in = resample ? rs_m - 0.5 / p : 0.0;  // stage-1 delay [native samples]
        Decimator* dec = k > 1 ? &decimator(k) : nullptr;
        const double d2 = dec ? dec->delay : 0.0;                     // [stage-1 output samples]
        const double d2_in = d2 * q / p;                              // ... in native samples

        // Only the native samples that can reach the view (plus filter spans) are processed. The
        // first one is a multiple of `period`, which keeps both filter grids (and so the output)
        // identical to those of an untrimmed run.
        const double t0 = b.start_s * fs_v;  // view sample of the burst's first sample
        const auto n_wf = static_cast<long long>(wf.samples.size());
        const double margin = delay_in + d2_in + 4.0;
        const long long period = static_cast<long long>(q) * k / std::gcd(p, k);
        long long s0 = static_cast<long long>(std::floor(-t0 / fs_v * fs_n - margin));
        s0 = s0 <= 0 ? 0 : s0 / period * period;
        const long long s1 = std::min<long long>(
            n_wf, static_cast<long long>(std::ceil((static_cast<double>(view_.samples) - t0) / fs_v * fs_n + margin)));
        if (s1 <= s0) return;
        const long long s0_view = s0 * p / (static_cast<long long>(q) * k);  // exact: s0 is a multiple of period

        double p_wf = 0.0;
        for (const cf32& v : wf.samples) p_wf += static_cast<double>(std::norm(v));
        p_wf /= static_cast<double>(wf.samples.size());
        if (p_wf <= 0.0) return;
        const auto amp = static_cast<float>(std::sqrt(std::pow(10.0, b.power_dbfs / 10.0) / p_wf));
        const long long n_out = static_cast<long long>(out.size());

        // Ramp: raised-cosine weights over the first and last n_ramp native samples.
        const auto n_ramp = static_cast<long long>(std::llround(std::max(0.0, b.ramp_s) * fs_n));
        const auto ramp = [&](long long s) -> float {
            if (n_ramp <= 0) return 1.0f;
            const long long edge = std::min(s, n_wf - 1 - s);
            if (edge >= n_ramp) return 1.0f;
            const double u = (static_cast<double>(edge) + 0.5) / static_cast<double>(n_ramp);
            return static_cast<float>(0.5 - 0.5 * std::cos(std::numbers::pi * u));
        };

        // Fast path: same rate, no shift.
        if (!resample && k == 1 && df == 0.0) {
            const long long base = std::llround(t0) + s0_view;
            for (long long s = s0; s < s1; ++s) {
                const long long n = base + (s - s0);
                if (n >= 0 && n < n_out) out[static_cast<std::size_t>(n)] += amp * ramp(s) * wf.samples[static_cast<std::size_t>(s)];
            }
            return;
        }

        // Stage 1 input: the slice plus zeros to flush both filters, padded to whole blocks of q.
        std::size_t len = static_cast<std::size_t>(s1 - s0) + static_cast<std::size_t>(std::ceil(delay_in + d2_in)) + 2;
        len = (len + q - 1) / q * q;
        in_.assign(wf.samples.begin() + s0, wf.samples.begin() + s1);
        if (n_ramp > 0)
            for (long long s = s0; s < s1; ++s) in_[static_cast<std::size_t>(s - s0)] *= ramp(s);
        in_.resize(len, cf32{0.0f, 0.0f});
        if (resample) {
            rresamp_crcf rs = resampler(p, q);
            rresamp_crcf_reset(rs);
            mid_.resize(len / q * p);
            rresamp_crcf_execute_block(rs, in_.data(), static_cast<unsigned>(len / q), mid_.data());
        } else {
            mid_.swap(in_);
        }

        // Shift and scale; mid_[j] is at burst time (s0 + j q / p - delay_in) / fs_n.
        Rotator rot(df * (static_cast<double>(s0) - delay_in) / fs_n, df * q / (static_cast<double>(p) * fs_n));
        rot.run(mid_.size(), [&](std::size_t i, std::complex<float> w) { mid_[i] *= amp * w; });

        // Decimate to the view rate.
        std::span<const cf32> z;
        if (dec) {
            mid_.resize((mid_.size() + k - 1) / k * k, cf32{0.0f, 0.0f});
            dst_.resize(mid_.size() / k);
            firdecim_crcf_reset(dec->q.get());
            firdecim_crcf_execute_block(dec->q.get(), mid_.data(), static_cast<unsigned>(dst_.size()), dst_.data());
            z = dst_;
        } else {
            z = mid_;
        }

        // Output i is mid_[i k - d2], i.e. burst time (s0 + (i k - d2) q / p - delay_in) / fs_n.
        const long long base = std::llround(t0 - (d2_in + delay_in) * fs_v / fs_n) + s0_view;
        const long long i_lo = std::max<long long>(0, -base);
        const long long i_hi = std::min<long long>(static_cast<long long>(z.size()), n_out - base);
        for (long long i = i_lo; i < i_hi; ++i) out[static_cast<std::size_t>(base + i)] += z[static_cast<std::size_t>(i)];
    }

private:
    rresamp_crcf resampler(unsigned p, unsigned q) {
        auto& slot = resamplers_[{p, q}];
        if (!slot) {
            const unsigned len = 2 * p * rs_m;
            std::vector<float> h(len);
            liquid_firdes_kaiser(len, rs_fc / static_cast<float>(p), rs_as, 0.0f, h.data());
            double dc = 0.0;
            for (float v : h) dc += v;
            for (float& v : h) v = static_cast<float>(v * p / dc);  // unit gain in every branch
            slot.reset(rresamp_crcf_create(p, q, rs_m, h.data()));
            if (!slot) throw ConfigError("add_bursts: cannot create resampler");
        }
        return slot.get();
    }

    Decimator& decimator(unsigned k) {
        Decimator& d = decimators_[k];
        if (!d.q) {
            // Kaiser length for the transition view_pass..view_stop (normalised to K x view rate).
            const double tw = (view_stop - view_pass) / k;
            auto len = static_cast<unsigned>(std::ceil((dec_as - 7.95) / (14.36 * tw))) + 1;
            if (len % 2 == 0) ++len;
            std::vector<float> h(len);
            liquid_firdes_kaiser(len, static_cast<float>(0.5 * (view_pass + view_stop) / k), dec_as, 0.0f, h.data());
            double dc = 0.0;
            for (float v : h) dc += v;
            for (float& v : h) v = static_cast<float>(v / dc);
            d.q.reset(firdecim_crcf_create(k, h.data(), len));
            if (!d.q) throw ConfigError("add_bursts: cannot create decimator");
            d.delay = 0.5 * (len - 1);
        }
        return d;
    }

    const Segment& view_;
    std::map<std::pair<unsigned, unsigned>, RresampPtr> resamplers_;
    std::map<unsigned, Decimator> decimators_;
    std::vector<cf32> in_, mid_, dst_;
};

}  // namespace

void add_bursts(const Segment& view, std::span<const Burst> bursts, std::span<cf32> out) {
    if (out.size() != view.samples) throw ConfigError("add_bursts: output size differs from view.samples");
    if (!(view.sample_rate_hz > 0.0)) throw ConfigError("add_bursts: view sample rate must be positive");
    Placer placer(view);
    for (const Burst& b : bursts) placer.add(b, out);
}

void add_awgn(std::span<cf32> out, double noise_dbfs_total, std::mt19937_64& rng) {
    const double sigma = std::sqrt(std::pow(10.0, noise_dbfs_total / 10.0) / 2.0);  // per component
    for (cf32& v : out) {
        const std::uint64_t x = rng();
        // 40 bits for the radius (u in (0, 1]), 24 bits for the angle.
        const double u = (static_cast<double>(x >> 24) + 1.0) * 0x1.0p-40;
        const double a = static_cast<double>(x & 0xFFFFFFu) * 0x1.0p-24;
        const double rad = sigma * std::sqrt(-2.0 * std::log(u));
        v += cf32{static_cast<float>(rad * std::cos(2.0 * std::numbers::pi * a)),
                  static_cast<float>(rad * std::sin(2.0 * std::numbers::pi * a))};
    }
}

void add_tone(std::span<cf32> out, double sample_rate_hz, double offset_hz, double power_dbfs, double phase) {
    if (!(sample_rate_hz > 0.0)) throw ConfigError("add_tone: sample rate must be positive");
    const auto amp = static_cast<float>(std::sqrt(std::pow(10.0, power_dbfs / 10.0)));
    Rotator rot(phase / (2.0 * std::numbers::pi), offset_hz / sample_rate_hz);
    rot.run(out.size(), [&](std::size_t i, std::complex<float> w) { out[i] += amp * w; });
}

}  // namespace coex::sim
