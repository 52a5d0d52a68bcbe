#include "gfsk.hpp"

#include <liquid/liquid.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>
#include <utility>

namespace coex::decode::gfsk {
namespace {

struct MsresampDeleter {
    void operator()(msresamp_crcf_s* p) const { msresamp_crcf_destroy(p); }
};
struct FirDeleter {
    void operator()(firfilt_crcf_s* p) const { firfilt_crcf_destroy(p); }
};
struct RresampDeleter {
    void operator()(rresamp_crcf_s* p) const { rresamp_crcf_destroy(p); }
};

// interp / decim for a rate that is a ratio of small integers (10 -> 4 MS/s: 2 / 5), else {0, 0}
std::pair<unsigned, unsigned> small_ratio(double rate) {
    for (unsigned q = 1; q <= 64; ++q) {
        const double p = std::round(rate * q);
        if (p >= 1.0 && p <= 64.0 && std::abs(p / q - rate) < 1e-9 * rate) return {static_cast<unsigned>(p), q};
    }
    return {0, 0};
}

// Channel filter: passes the GFSK main lobe (about ±0.6 x symbol rate at h = 0.5) plus what is left
// of the carrier offset after the coarse correction; cut-off relative to the symbol rate.
constexpr float kChannelCutoffSymbols = 0.70f;
constexpr unsigned kChannelTaps = 4 * kSamplesPerSymbol + 1;
constexpr float kTwoPi = 2.0f * std::numbers::pi_v<float>;

// atan2 to about 1e-4 rad (odd polynomial on [0, 1] and octant folding): the discriminator's
// whole cost is here, and the symbol decisions need far less precision than libm gives.
inline float fast_atan2(float y, float x) {
    const float ax = std::fabs(x), ay = std::fabs(y);
    const float mx = std::max(ax, ay), mn = std::min(ax, ay);
    if (mx == 0.0f) return 0.0f;
    const float a = mn / mx, s = a * a;
    float r = ((-0.0464964749f * s + 0.15931422f) * s - 0.327622764f) * s * a + a;
    if (ay > ax) r = 1.57079637f - r;
    if (x < 0.0f) r = 3.14159274f - r;
    return y < 0.0f ? -r : r;
}

}  // namespace

struct Demodulator::Resampler {
    double input_rate = 0.0, symbol_rate = 0.0;
    // a polyphase rational resampler where the rates allow (cheap), else the arbitrary one; both
    // null: the input is already at 4 samples per symbol
    std::unique_ptr<rresamp_crcf_s, RresampDeleter> rational;
    unsigned interp = 0, decim = 0;
    std::unique_ptr<msresamp_crcf_s, MsresampDeleter> resamp;
    std::unique_ptr<firfilt_crcf_s, FirDeleter> channel;
    double resamp_delay = 0.0;  // in working samples
};

Demodulator::Demodulator() = default;
Demodulator::~Demodulator() = default;

Demodulator::Resampler& Demodulator::resampler_for(double sample_rate_hz, double symbol_rate_hz) {
    for (auto& r : resamplers_)
        if (r->input_rate == sample_rate_hz && r->symbol_rate == symbol_rate_hz) return *r;
    auto r = std::make_unique<Resampler>();
    r->input_rate = sample_rate_hz;
    r->symbol_rate = symbol_rate_hz;
    const double rate = kSamplesPerSymbol * symbol_rate_hz / sample_rate_hz;
    const auto [interp, decim] = small_ratio(rate);
    if (std::abs(rate - 1.0) <= 1e-9) {
        // no resampling
    } else if (interp != 0) {
        // anti-alias to 0.4 x the lower of the two rates (liquid's bw is relative to the input
        // rate); its delay is given in input samples
        const float bw = 0.4f * std::min(1.0f, static_cast<float>(interp) / static_cast<float>(decim));
        r->rational.reset(rresamp_crcf_create_kaiser(interp, decim, 12, bw, 60.0f));
        r->interp = rresamp_crcf_get_interp(r->rational.get());
        r->decim = rresamp_crcf_get_decim(r->rational.get());
        r->resamp_delay = rresamp_crcf_get_delay(r->rational.get()) * rate;
    } else {
        r->resamp.reset(msresamp_crcf_create(static_cast<float>(rate), 60.0f));
        // liquid reports the delay in input samples
        r->resamp_delay = msresamp_crcf_get_delay(r->resamp.get()) * rate;
    }
    r->channel.reset(firfilt_crcf_create_kaiser(kChannelTaps, kChannelCutoffSymbols / kSamplesPerSymbol, 50.0f, 0.0f));
    resamplers_.push_back(std::move(r));
    return *resamplers_.back();
}

bool Demodulator::run(std::span<const cf32> samples, double sample_rate_hz, double symbol_rate_hz) {
    freq_.clear();
    runs_.clear();
    if (!(sample_rate_hz > 0.0) || !(symbol_rate_hz > 0.0)) return false;
    const double min_symbols = 48.0;
    if (static_cast<double>(samples.size()) < min_symbols * sample_rate_hz / symbol_rate_hz) return false;
    Resampler& rs = resampler_for(sample_rate_hz, symbol_rate_hz);
    current_ = &rs;
    symbol_rate_hz_ = symbol_rate_hz;
    work_rate_hz_ = kSamplesPerSymbol * symbol_rate_hz;

    // 1. DC offset (a receiver's LO leak): the burst's mean; GFSK itself averages to near zero.
    std::complex<double> sum{};
    for (const cf32& v : samples) sum += std::complex<double>(v.real(), v.imag());
    const cf32 mean(static_cast<float>(sum.real() / static_cast<double>(samples.size())),
                    static_cast<float>(sum.imag() / static_cast<double>(samples.size())));
    centred_.resize(samples.size());
    for (std::size_t i = 0; i < samples.size(); ++i) centred_[i] = samples[i] - mean;

    // 2. to 4 samples per symbol
    if (rs.rational) {
        rresamp_crcf_reset(rs.rational.get());
        const std::size_t blocks = centred_.size() / rs.decim;
        work_.resize(blocks * rs.interp);
        rresamp_crcf_execute_block(rs.rational.get(), centred_.data(), static_cast<unsigned>(blocks), work_.data());
    } else if (rs.resamp) {
        msresamp_crcf_reset(rs.resamp.get());
        const double rate = work_rate_hz_ / sample_rate_hz;
        work_.resize(static_cast<std::size_t>(std::ceil(2.0 + 2.0 * rate * static_cast<double>(samples.size()))));
        unsigned produced = 0;
        msresamp_crcf_execute(rs.resamp.get(), centred_.data(), static_cast<unsigned>(centred_.size()), work_.data(), &produced);
        work_.resize(produced);
    } else {
        work_.assign(centred_.begin(), centred_.end());
    }
    const std::size_t n = work_.size();
    if (n < static_cast<std::size_t>(min_symbols) * kSamplesPerSymbol) return false;

    // 3. coarse carrier: power-weighted mean frequency (lag-1 autocorrelation)
    std::complex<double> acc{};
    for (std::size_t i = 1; i < n; ++i) {
        const cf32 p = work_[i] * std::conj(work_[i - 1]);
        acc += std::complex<double>(p.real(), p.imag());
    }
    coarse_offset_hz_ = std::arg(acc) * work_rate_hz_ / (2.0 * std::numbers::pi);

    // 4. mix down (phasor recurrence, renormalised) and channel filter
    const double step = -2.0 * std::numbers::pi * coarse_offset_hz_ / work_rate_hz_;
    const std::complex<float> rot(static_cast<float>(std::cos(step)), static_cast<float>(std::sin(step)));
    std::complex<float> phasor(1.0f, 0.0f);
    for (std::size_t i = 0; i < n; ++i) {
        work_[i] *= phasor;
        phasor *= rot;
        if ((i & 255u) == 255u) phasor /= std::abs(phasor);
    }
    filtered_.resize(n);
    firfilt_crcf_reset(rs.channel.get());
    firfilt_crcf_execute_block(rs.channel.get(), work_.data(), static_cast<unsigned>(n), filtered_.data());
    delay_samples_ = rs.resamp_delay + (kChannelTaps - 1) / 2.0;

    // 5. envelope: the burst ends where two symbols' mean power last exceeds a quarter of the peak
    power_.resize(n);
    constexpr std::size_t window = 2 * kSamplesPerSymbol;
    float running = 0.0f, peak = 0.0f;
    for (std::size_t i = 0; i < n; ++i) {
        running += std::norm(filtered_[i]);
        if (i >= window) running -= std::norm(filtered_[i - window]);
        power_[i] = running;
        peak = std::max(peak, running);
    }
    active_last_ = n - 1;
    for (std::size_t i = n; i-- > 0;)
        if (power_[i] > 0.25f * peak) {
            active_last_ = i >= window / 2 ? i - window / 2 : 0;
            break;
        }

    // 6. FM discriminator (Hz); raw_freq_[i] belongs to the instant i - 1/2
    raw_freq_.resize(n);
    raw_freq_[0] = 0.0f;
    const float to_hz = static_cast<float>(work_rate_hz_) / kTwoPi;
    for (std::size_t i = 1; i < n; ++i) {
        const cf32 p = filtered_[i] * std::conj(filtered_[i - 1]);
        raw_freq_[i] = fast_atan2(p.imag(), p.real()) * to_hz;
    }
    // 7. symbol-centre smoothing: weights 1/2, 1, 1, 1/2 over the instants i - 3/2 .. i + 3/2
    freq_.assign(n, 0.0f);
    for (std::size_t i = 1; i + 2 < n; ++i)
        freq_[i] = (0.5f * raw_freq_[i - 1] + raw_freq_[i] + raw_freq_[i + 1] + 0.5f * raw_freq_[i + 2]) / 3.0f;
    return true;
}

const std::vector<Run>& Demodulator::find_alternating_runs(float min_eye_hz) {
    runs_.clear();
    phase_runs_.clear();
    constexpr std::size_t sps = kSamplesPerSymbol, window = 8;
    const std::size_t n = freq_.size();
    if (n < (window + 1) * sps) return runs_;
    for (std::size_t phase = 0; phase < sps; ++phase) {
        const std::size_t symbols = (n - phase) / sps;
        if (symbols < window) continue;
        // sliding sums over 8 symbols: plain (the offset) and alternating (the swing)
        double plain = 0.0, alternating = 0.0;
        for (std::size_t j = 0; j < window; ++j) {
            const double v = freq_[phase + j * sps];
            plain += v;
            alternating += (j & 1u) ? -v : v;
        }
        std::size_t run_first = 0, run_windows = 0;
        auto close = [&] {
            if (run_windows > 0) phase_runs_.push_back(Run{phase + run_first * sps, run_windows - 1 + window});
            run_windows = 0;
        };
        for (std::size_t k = 0;; ++k) {
            // window k: symbols k .. k+7; `alternating` has the sign of symbol k's term
            const float eye = static_cast<float>(std::abs(alternating) / window);
            bool good = eye >= min_eye_hz;
            if (good) {
                // at most one symbol on the wrong side of the window's mean
                const double offset = plain / window;
                const double sign0 = alternating >= 0.0 ? 1.0 : -1.0;
                int wrong = 0;
                for (std::size_t j = 0; j < window && wrong <= 1; ++j) {
                    const double expected = (j & 1u) ? -sign0 : sign0;
                    wrong += (freq_[phase + (k + j) * sps] - offset) * expected <= 0.0;
                }
                good = wrong <= 1;
            }
            if (good) {
                if (run_windows == 0) run_first = k;
                ++run_windows;
            } else {
                close();
            }
            if (k + window >= symbols) break;
            // slide: drop symbol k, add symbol k+8 (the alternating sum flips sign as it moves)
            const double out_v = freq_[phase + k * sps], in_v = freq_[phase + (k + window) * sps];
            plain += in_v - out_v;
            alternating = -(alternating - out_v + in_v);
        }
        close();
    }
    // One preamble shows at several phases; all are kept (the checksum picks the phase that decodes).
    std::sort(phase_runs_.begin(), phase_runs_.end(), [](const Run& a, const Run& b) { return a.first_sample < b.first_sample; });
    runs_.assign(phase_runs_.begin(), phase_runs_.end());
    return runs_;
}

Sync Demodulator::measure_preamble(std::size_t sample, std::size_t count) const {
    Sync s;
    s.sample = sample;
    double sum = 0.0;
    std::size_t used = 0;
    for (std::size_t k = 0; k < count; ++k) {
        const std::size_t i = sample + k * kSamplesPerSymbol;
        if (i >= freq_.size()) break;
        sum += freq_[i];
        ++used;
    }
    if (used == 0) return s;
    const double offset = sum / static_cast<double>(used);
    double eye = 0.0;
    for (std::size_t k = 0; k < used; ++k) eye += std::abs(freq_[sample + k * kSamplesPerSymbol] - offset);
    s.offset_hz = static_cast<float>(offset);
    s.eye_hz = static_cast<float>(eye / static_cast<double>(used));
    return s;
}

void Demodulator::refine(Sync& sync, std::span<const std::uint8_t> known_bits) const {
    // least squares v_k = offset + eye * s_k, s_k = +-1
    double sv = 0.0, ss = 0.0, svs = 0.0, sss = 0.0;
    std::size_t used = 0;
    for (std::size_t k = 0; k < known_bits.size(); ++k) {
        const std::size_t i = sync.sample + k * kSamplesPerSymbol;
        if (i >= freq_.size()) break;
        const double s = known_bits[k] ? 1.0 : -1.0, v = freq_[i];
        sv += v;
        ss += s;
        svs += v * s;
        sss += s * s;
        ++used;
    }
    if (used < 8) return;
    const double m = static_cast<double>(used);
    const double var_s = sss / m - (ss / m) * (ss / m);
    if (var_s < 0.1) return;
    const double eye = (svs / m - (sv / m) * (ss / m)) / var_s;
    if (eye <= 0.0) return;
    sync.eye_hz = static_cast<float>(eye);
    sync.offset_hz = static_cast<float>(sv / m - eye * ss / m);
}

bool Demodulator::slice(const Sync& sync, std::size_t first_symbol, std::size_t count, coding::Bits& out) const {
    out.resize(count);
    for (std::size_t k = 0; k < count; ++k) {
        const std::size_t i = sync.sample + (first_symbol + k) * kSamplesPerSymbol;
        if (i >= freq_.size()) return false;
        out[k] = freq_[i] > sync.offset_hz ? 1 : 0;
    }
    return true;
}

float Demodulator::envelope_constancy(std::size_t first, std::size_t last) const {
    last = std::min(last, filtered_.size());
    if (first >= last) return 0.0f;
    double sum_abs = 0.0, sum_pow = 0.0;
    for (std::size_t i = first; i < last; ++i) {
        const double p = std::norm(filtered_[i]);
        sum_pow += p;
        sum_abs += std::sqrt(p);
    }
    if (sum_pow <= 0.0) return 0.0f;
    const double m = static_cast<double>(last - first);
    return static_cast<float>((sum_abs / m) * (sum_abs / m) / (sum_pow / m));
}

Run Demodulator::trim_to_signal(const Run& run) const {
    constexpr std::size_t sps = kSamplesPerSymbol, window = 2 * kSamplesPerSymbol;
    const std::size_t end = run.first_sample + run.symbols * sps;
    if (end > power_.size() || run.symbols < 8) return run;
    double level = 0.0;
    std::size_t used = 0;
    for (std::size_t i = end - 8 * sps + window; i < end; i += sps) {
        level += power_[i];
        ++used;
    }
    if (used == 0) return run;
    level /= static_cast<double>(used);
    Run out = run;
    // power_[i] covers the two symbols ending at i: a symbol is in the signal when the window
    // ending a symbol after it is
    while (out.symbols > 1 && out.first_sample + sps < power_.size() && power_[out.first_sample + sps] < 0.5 * level) {
        out.first_sample += sps;
        --out.symbols;
    }
    return out;
}

bool Demodulator::rises_before(std::size_t sample, std::size_t symbols) const {
    const std::size_t window = 2 * kSamplesPerSymbol;  // power_[i]: the two symbols ending at i
    const std::size_t n = power_.size();
    if (sample >= n) return false;
    double after = 0.0;
    std::size_t used = 0;
    for (std::size_t i = sample + window; i < std::min(n, sample + 16 * kSamplesPerSymbol); i += window) {
        after += power_[i];
        ++used;
    }
    if (used == 0) return false;
    after /= static_cast<double>(used);
    const std::size_t reach = symbols * kSamplesPerSymbol;
    if (sample < reach / 2 + window) return true;  // the input starts (nearly) here
    const std::size_t from = sample > reach ? sample - reach : window;
    for (std::size_t i = from; i <= sample; ++i)
        if (power_[i] < 0.25 * after) return true;
    return false;
}

float Demodulator::misfit(const Sync& sync, std::span<const std::uint8_t> known_bits) const {
    if (!(sync.eye_hz > 0.0f)) return 1e9f;
    double sum = 0.0;
    std::size_t used = 0;
    for (std::size_t k = 0; k < known_bits.size(); ++k) {
        const std::size_t i = sync.sample + k * kSamplesPerSymbol;
        if (i >= freq_.size()) break;
        const double e = freq_[i] - sync.offset_hz - (known_bits[k] ? 1.0 : -1.0) * sync.eye_hz;
        sum += e * e;
        ++used;
    }
    if (used == 0) return 1e9f;
    return static_cast<float>(std::sqrt(sum / static_cast<double>(used)) / sync.eye_hz);
}

std::size_t Demodulator::symbols_available(const Sync& sync) const {
    if (sync.sample >= freq_.size()) return 0;
    return (freq_.size() - 1 - sync.sample) / kSamplesPerSymbol + 1;
}

// Gaussian-filtered rectangular frequency pulse (BT = 0.5), unit height, tau in symbols from the
// symbol's centre.
static double gauss_rect(double tau) {
    const double c = std::numbers::pi * 0.5 * std::sqrt(2.0 / std::numbers::ln2);
    return 0.5 * (std::erf(c * (tau + 0.5)) - std::erf(c * (tau - 0.5)));
}

void Demodulator::design_trellis(double mod_index) {
    if (trellis_.mod_index == mod_index) return;
    trellis_.mod_index = mod_index;
    // phase (rad) gained from the slot start (tau = -1/2) to tau, for bits a_{-1}, a_0, a_{+1}:
    // pi h x integral of the three pulses (peak deviation h Rs / 2)
    constexpr int fine = 64;
    for (unsigned triple = 0; triple < 8; ++triple) {
        const double a[3] = {(triple & 4u) ? 1.0 : -1.0, (triple & 2u) ? 1.0 : -1.0, (triple & 1u) ? 1.0 : -1.0};
        double phase = 0.0;
        for (int m = 0; m <= kSamplesPerSymbol; ++m) {
            if (m < kSamplesPerSymbol)
                trellis_.conj_phase[triple][static_cast<std::size_t>(m)] = cf32(static_cast<float>(std::cos(phase)), static_cast<float>(-std::sin(phase)));
            if (m == kSamplesPerSymbol) break;
            const double dt = 1.0 / (kSamplesPerSymbol * fine);
            for (int f = 0; f < fine; ++f) {
                const double tau = -0.5 + (m * fine + f + 0.5) * dt;
                double freq = 0.0;
                for (int j = -1; j <= 1; ++j) freq += a[j + 1] * gauss_rect(tau - j);
                phase += std::numbers::pi * mod_index * freq * dt;
            }
        }
        trellis_.slot_increment[triple] = static_cast<float>(phase);
    }
}

bool Demodulator::detect(const Sync& sync, double mod_index, std::span<const std::uint8_t> known_bits, std::size_t count,
                         coding::Bits& out, std::span<const std::uint8_t> training_bits) {
    if (training_bits.size() < known_bits.size()) training_bits = known_bits;
    const std::size_t sps = kSamplesPerSymbol, half = sps / 2;
    if (sync.sample < half || count < 2 || known_bits.size() < 2) return false;
    const std::size_t avail = symbols_available(sync);
    if (avail < 2) return false;
    const std::size_t slots = std::min(count + 2, avail - 1);
    if (slots < count || slots <= known_bits.size()) return false;
    design_trellis(mod_index);
    // the slots' channel samples with the sync's residual offset removed (phasor recurrence)
    {
        const std::size_t first = sync.sample - half, n = slots * sps;
        rotated_.resize(n);
        const double w = -2.0 * std::numbers::pi * sync.offset_hz / work_rate_hz_;
        const cf32 step(static_cast<float>(std::cos(w)), static_cast<float>(std::sin(w)));
        cf32 phasor = std::polar(1.0f, static_cast<float>(std::remainder(w * static_cast<double>(first), 2.0 * std::numbers::pi)));
        for (std::size_t i = 0; i < n; ++i) {
            rotated_[i] = filtered_[first + i] * phasor;
            phasor *= step;
            if ((i & 127u) == 127u) phasor /= std::abs(phasor);
        }
    }
    auto sample = [&](std::size_t i) { return rotated_[i - (sync.sample - half)]; };
    auto bit = [&](std::size_t k) -> unsigned { return known_bits[k] & 1u; };

    // carrier frequency and phase from the training symbols: per-slot correlations z_k with their
    // trajectory; frequency from the lag-one products (no wrap ambiguity), phase at slot 0 after it
    slot_corr_.clear();
    double phase = 0.0;
    const std::size_t nt = std::min(training_bits.size(), slots);
    auto tbit = [&](std::size_t k) -> unsigned { return training_bits[k] & 1u; };
    for (std::size_t k = 0; k + 1 < nt; ++k) {
        const unsigned prev = k == 0 ? (tbit(0) ^ 1u) : tbit(k - 1);
        const unsigned triple = (prev << 2) | (tbit(k) << 1) | tbit(k + 1);
        const std::size_t base = sync.sample + k * sps - half;
        const cf32 rot(static_cast<float>(std::cos(phase)), static_cast<float>(-std::sin(phase)));
        cf32 z{};
        for (std::size_t m = 0; m < sps; ++m) z += sample(base + m) * trellis_.conj_phase[triple][m];
        slot_corr_.push_back(z * rot);
        phase += trellis_.slot_increment[triple];
    }
    std::complex<double> lag{};
    for (std::size_t k = 1; k < slot_corr_.size(); ++k) {
        const cf32 p = slot_corr_[k] * std::conj(slot_corr_[k - 1]);
        lag += std::complex<double>(p.real(), p.imag());
    }
    const double nu0 = std::arg(lag);
    std::complex<double> acc{};
    for (std::size_t k = 0; k < slot_corr_.size(); ++k)
        acc += std::complex<double>(slot_corr_[k].real(), slot_corr_[k].imag()) * std::polar(1.0, -nu0 * static_cast<double>(k));
    const double theta0 = std::arg(acc);
    const std::size_t nk = known_bits.size();

    // Survivors carry the carrier as unit phasors (no trigonometry per branch): `carrier` at the
    // slot start (model phase included), `drift` the residual carrier per symbol.
    struct Survivor {
        double metric;
        cf32 carrier;
        cf32 drift;
    };
    constexpr double kNone = -1e300;
    constexpr float kAlpha = 0.3f, kBeta = 0.01f;  // per-symbol phase and frequency tracking gains
    auto small_rotation = [](float angle) { return cf32(1.0f - 0.5f * angle * angle, angle); };
    auto unit = [](cf32 v) { return v / std::abs(v); };
    std::array<Survivor, 4> cur{}, next{};
    for (auto& s : cur) s = Survivor{kNone, {1.0f, 0.0f}, {1.0f, 0.0f}};
    // state = (a_{k-1} << 1) | a_k before slot k; the symbol before the first is taken to alternate
    const unsigned s0 = ((bit(0) ^ 1u) << 1) | bit(0);
    cur[s0] = Survivor{0.0, std::polar(1.0f, static_cast<float>(theta0)), std::polar(1.0f, static_cast<float>(nu0))};
    choices_.assign(slots * 4, 0);
    std::array<cf32, 8> slot_rotation{};
    for (unsigned t = 0; t < 8; ++t) slot_rotation[t] = std::polar(1.0f, trellis_.slot_increment[t]);
    for (std::size_t k = 0; k < slots; ++k) {
        const cf32* r = &rotated_[k * sps];
        for (auto& s : next) s.metric = kNone;
        for (unsigned state = 0; state < 4; ++state) {
            const Survivor& sv = cur[state];
            if (sv.metric == kNone) continue;
            const cf32 rot = std::conj(sv.carrier);
            for (unsigned nb = 0; nb < 2; ++nb) {
                if (k + 1 < nk && nb != bit(k + 1)) continue;  // known symbols are forced
                const unsigned triple = (state << 1) | nb;
                cf32 z{};
                for (std::size_t m = 0; m < sps; ++m) z += r[m] * trellis_.conj_phase[triple][m];
                z *= rot;
                const double metric = sv.metric + z.real();
                const unsigned ns = ((state & 1u) << 1) | nb;
                if (metric > next[ns].metric) {
                    const float err = fast_atan2(z.imag(), z.real());
                    next[ns] = Survivor{metric, sv.carrier * slot_rotation[triple] * sv.drift * small_rotation(kAlpha * err),
                                        sv.drift * small_rotation(kBeta * err)};
                    choices_[k * 4 + ns] = static_cast<std::uint8_t>(state);
                }
            }
        }
        for (auto& s : next) {
            if (s.metric == kNone) continue;
            s.carrier = unit(s.carrier);
            s.drift = unit(s.drift);
        }
        cur = next;
    }
    unsigned best = 0;
    for (unsigned s = 1; s < 4; ++s)
        if (cur[s].metric > cur[best].metric) best = s;
    // trace back: after slot k the state's low bit is a_{k+1}
    out.assign(slots + 1, 0);
    unsigned state = best;
    for (std::size_t k = slots; k-- > 0;) {
        out[k + 1] = static_cast<std::uint8_t>(state & 1u);
        state = choices_[k * 4 + state];
    }
    out[0] = static_cast<std::uint8_t>(state & 1u);
    out.resize(count);
    return true;
}

double Demodulator::symbol_start_s(double sample) const {
    return (sample - delay_samples_) / work_rate_hz_ - 0.5 / symbol_rate_hz_;
}

}  // namespace coex::decode::gfsk
