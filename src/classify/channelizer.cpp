#include "channelizer.hpp"
#include "coex/core/numeric.hpp"

#include <complex>

#include <liquid/liquid.h>

#include <algorithm>
#include <array>
#include <utility>
#include <cmath>
#include <numbers>

namespace coex::classify {

void remove_dc(std::vector<cf32>& x) {
    if (x.empty()) return;
    std::complex<double> sum{};
    for (const auto& v : x) sum += std::complex<double>(v.real(), v.imag());
    const cf32 mean(static_cast<float>(sum.real() / static_cast<double>(x.size())), static_cast<float>(sum.imag() / static_cast<double>(x.size())));
    for (auto& v : x) v -= mean;
}

namespace {

// liquid objects are C handles: own them with their destroy functions.
struct NcoDeleter { void operator()(nco_crcf_s* p) const { nco_crcf_destroy(p); } };
struct FirDeleter { void operator()(firfilt_crcf_s* p) const { firfilt_crcf_destroy(p); } };
struct DecimDeleter { void operator()(firdecim_crcf_s* p) const { firdecim_crcf_destroy(p); } };

constexpr double kTargetRate = 4e6;  // enough for the ±1.5 MHz of an 802.15.4 main lobe


}  // namespace

struct Channelizer::Filters {
    double rate = 0.0;
    float cutoff = 0.0f;
    unsigned decimation = 1;
    std::unique_ptr<firdecim_crcf_s, DecimDeleter> decim;
    std::unique_ptr<firfilt_crcf_s, FirDeleter> narrow;
};

Channelizer::Channelizer() = default;
Channelizer::~Channelizer() = default;

Channelizer::Filters& Channelizer::filters_for(double rate, double cutoff_hz) {
    const unsigned decimation = static_cast<unsigned>(std::max(1.0, std::floor(rate / kTargetRate)));
    const double out_rate = rate / decimation;
    // cutoffs are bucketed to 100 kHz so a handful of designs serve every burst
    const float cutoff = static_cast<float>(std::clamp(std::ceil(cutoff_hz / 1e5) * 1e5 / out_rate, 0.05, 0.45));
    for (auto& f : filters_)
        if (f->rate == rate && f->cutoff == cutoff) return *f;
    auto f = std::make_unique<Filters>();
    f->rate = rate;
    f->cutoff = cutoff;
    f->decimation = decimation;
    if (decimation > 1) f->decim.reset(firdecim_crcf_create_kaiser(decimation, 6, 60.0f));
    f->narrow.reset(firfilt_crcf_create_kaiser(31, cutoff, 60.0f, 0.0f));
    filters_.push_back(std::move(f));
    return *filters_.back();
}

TimeDomainFeatures Channelizer::measure(std::span<const cf32> samples, double rate, double offset_hz, double bandwidth_hz) {
    TimeDomainFeatures f;
    if (samples.size() < 64 || rate <= 0.0) return f;
    Filters& filters = filters_for(rate, bandwidth_hz / 2.0 + 300e3);

    // 1. to baseband around the burst
    mixed_.resize(samples.size());
    std::unique_ptr<nco_crcf_s, NcoDeleter> nco(nco_crcf_create(LIQUID_NCO));
    nco_crcf_set_frequency(nco.get(), static_cast<float>(2.0 * std::numbers::pi * offset_hz / rate));
    nco_crcf_mix_block_down(nco.get(), const_cast<cf32*>(samples.data()), mixed_.data(), static_cast<unsigned>(samples.size()));

    // 2. down to ~4 MS/s (anti-aliased, integer decimation)
    const unsigned d = filters.decimation;
    const double out_rate = rate / d;
    std::span<const cf32> base(mixed_);
    if (d > 1) {
        firdecim_crcf_reset(filters.decim.get());
        decimated_.resize(samples.size() / d);
        firdecim_crcf_execute_block(filters.decim.get(), mixed_.data(), static_cast<unsigned>(decimated_.size()), decimated_.data());
        base = decimated_;
    }

    // 3. narrowed to the burst's band
    firfilt_crcf_reset(filters.narrow.get());
    narrow_.resize(base.size());
    firfilt_crcf_execute_block(filters.narrow.get(), const_cast<cf32*>(base.data()), static_cast<unsigned>(base.size()), narrow_.data());
    const std::size_t skip = 32;  // filter start-up
    if (narrow_.size() < skip + 32) return f;

    // 4. FM discriminator over the part where the burst is on (|x| above half its median)
    magnitude_.clear();
    for (std::size_t i = skip; i < narrow_.size(); ++i) magnitude_.push_back(std::abs(narrow_[i]));
    const double median_magnitude = median(magnitude_);
    freq_.clear();
    double mag_sum = 0.0, mag_sq = 0.0;
    std::size_t mag_n = 0;
    for (std::size_t i = skip + 1; i < narrow_.size(); ++i) {
        const float m = std::abs(narrow_[i]);
        if (m < 0.5 * median_magnitude) continue;
        mag_sum += m;
        mag_sq += static_cast<double>(m) * m;
        ++mag_n;
        const float phase = std::arg(narrow_[i] * std::conj(narrow_[i - 1]));
        freq_.push_back(static_cast<float>(phase * out_rate / (2.0 * std::numbers::pi)));
    }
    if (freq_.size() < 32) return f;
    double mean = 0.0;
    for (float v : freq_) mean += v;
    mean /= static_cast<double>(freq_.size());
    spread_.resize(freq_.size());
    for (std::size_t i = 0; i < freq_.size(); ++i) spread_[i] = static_cast<float>(std::abs(freq_[i] - mean));
    const double median_spread = median(spread_);

    // 802.15.4 starts with eight repetitions of the 32-chip sequence of symbol 0 (16 µs each): the
    // complex signal repeats at a 16 µs lag (up to a phase turn) through the first 128 µs; GFSK data
    // does not. Coherent correlation stays high down to low SNR.
    const auto lag = static_cast<std::size_t>(std::lround(16e-6 * out_rate));
    const std::size_t begin = skip, span = std::min(narrow_.size(), begin + static_cast<std::size_t>(128e-6 * out_rate));
    if (span > begin + lag + 16) {
        cf32 xy{};
        double xx = 0.0, yy = 0.0;
        for (std::size_t i = begin; i + lag < span; ++i) {
            xy += narrow_[i] * std::conj(narrow_[i + lag]);
            xx += std::norm(narrow_[i]);
            yy += std::norm(narrow_[i + lag]);
        }
        f.preamble_periodicity = xx > 0.0 && yy > 0.0 ? std::abs(xy) / std::sqrt(xx * yy) : 0.0;
    }

    const double mag_mean = mag_sum / static_cast<double>(mag_n);
    const double mag_std = std::sqrt(std::max(0.0, mag_sq / static_cast<double>(mag_n) - mag_mean * mag_mean));
    f.valid = true;
    f.offset_hz = mean;
    f.deviation_hz = median_spread / kGfskMedianOverPeak;
    f.constant_envelope = 1.0 - mag_std / std::max(mag_mean, 1e-30);
    if (f.deviation_hz >= 180e3) f.symbol_rate_hz = fsk_symbol_rate(freq_, out_rate);  // BLE-like or wider only

    return f;
}

struct Channelizer::Decimator {
    unsigned factor = 1;
    std::vector<float> taps;  // low-pass at 0.4 of the decimated rate, designed once per factor
};

// Mixing and decimation fused: the carrier is turned by a phasor recurrence (renormalised now and
// then), and the low-pass is evaluated only at the samples kept. A few ns a sample: this runs on every
// burst the decoders see.
unsigned Channelizer::decimation_factor(double rate, double target_rate_hz) {
    return static_cast<unsigned>(std::max(1.0, std::floor(rate / target_rate_hz)));
}

double Channelizer::to_baseband(std::span<const cf32> samples, double rate, double offset_hz, double target_rate_hz,
                                std::vector<cf32>& out) {
    const unsigned factor = decimation_factor(rate, target_rate_hz);
    // without decimation the mixer writes straight to `out`; without an offset there is nothing to mix
    std::vector<cf32>& mixed = factor == 1 ? out : mixed_;
    if (offset_hz == 0.0) {
        mixed.assign(samples.begin(), samples.end());
    } else {
        mixed.resize(samples.size());
        const std::complex<double> step = std::polar(1.0, -2.0 * std::numbers::pi * offset_hz / rate);
        const std::complex<float> s(static_cast<float>(step.real()), static_cast<float>(step.imag()));
        std::complex<double> phasor{1.0, 0.0};
        constexpr std::size_t kRenormalise = 256;
        for (std::size_t i = 0; i < samples.size(); i += kRenormalise) {
            const std::size_t stop = std::min(samples.size(), i + kRenormalise);
            std::complex<float> p(static_cast<float>(phasor.real()), static_cast<float>(phasor.imag()));
            for (std::size_t k = i; k < stop; ++k) {
                mixed[k] = samples[k] * p;
                p *= s;
            }
            phasor *= std::pow(step, static_cast<double>(stop - i));  // exact, so float error never builds up
        }
    }
    if (factor == 1) return rate;
    Decimator* d = nullptr;
    for (auto& existing : decimators_)
        if (existing->factor == factor) d = existing.get();
    if (!d) {
        auto made = std::make_unique<Decimator>();
        made->factor = factor;
        made->taps.resize(8 * factor + 1);
        liquid_firdes_kaiser(static_cast<unsigned>(made->taps.size()), 0.4f / static_cast<float>(factor), 60.0f, 0.0f, made->taps.data());
        float sum = 0.0f;
        for (float t : made->taps) sum += t;
        for (float& t : made->taps) t /= sum;
        decimators_.push_back(std::move(made));
        d = decimators_.back().get();
    }
    // output k is centred on input k·factor (the filter is symmetric: no delay to account for)
    const std::size_t half = d->taps.size() / 2, n = samples.size();
    out.resize(n / factor);
    for (std::size_t k = 0; k < out.size(); ++k) {
        const std::size_t centre = k * factor;
        float re = 0.0f, im = 0.0f;
        const std::size_t first = centre >= half ? centre - half : 0, last = std::min(n - 1, centre + half);
        for (std::size_t i = first; i <= last; ++i) {
            const float h = d->taps[i + half - centre];
            re += h * mixed_[i].real();
            im += h * mixed_[i].imag();
        }
        out[k] = {re, im};
    }
    return rate / factor;
}

struct MsresampDeleter { void operator()(msresamp_crcf_s* p) const { msresamp_crcf_destroy(p); } };

struct Channelizer::WifiResampler {
    double rate = 0.0;
    std::unique_ptr<msresamp_crcf_s, MsresampDeleter> resamp;
};

WifiPhyMetrics Channelizer::wifi_phy(std::span<const cf32> samples, double rate, double offset_hz) {
    WifiPhyMetrics m;
    constexpr double kWifiRate = 20e6;
    if (samples.size() < 200 || rate < kWifiRate * 0.99) return m;
    // to the channel centre, at the 802.11 sample rate
    std::span<const cf32> x = samples;
    if (offset_hz != 0.0) {
        mixed_.resize(samples.size());
        std::unique_ptr<nco_crcf_s, NcoDeleter> nco(nco_crcf_create(LIQUID_NCO));
        nco_crcf_set_frequency(nco.get(), static_cast<float>(2.0 * std::numbers::pi * offset_hz / rate));
        nco_crcf_mix_block_down(nco.get(), const_cast<cf32*>(samples.data()), mixed_.data(), static_cast<unsigned>(samples.size()));
        x = mixed_;
    }
    if (std::abs(rate - kWifiRate) > 1.0) {
        WifiResampler* r = nullptr;
        for (auto& w : wifi_resamplers_)
            if (w->rate == rate) r = w.get();
        if (!r) {
            wifi_resamplers_.push_back(std::make_unique<WifiResampler>());
            r = wifi_resamplers_.back().get();
            r->rate = rate;
            r->resamp.reset(msresamp_crcf_create(static_cast<float>(kWifiRate / rate), 50.0f));
        }
        msresamp_crcf_reset(r->resamp.get());
        wifi_.resize(static_cast<std::size_t>(static_cast<double>(x.size()) * kWifiRate / rate) + 64);
        unsigned written = 0;
        msresamp_crcf_execute(r->resamp.get(), const_cast<cf32*>(x.data()), static_cast<unsigned>(x.size()), wifi_.data(), &written);
        wifi_.resize(written);
        x = wifi_;
    }
    if (x.size() < 200) return m;

    // DSSS: within each 1 µs window, x[n]·x*[n+20] keeps one phase (the DBPSK/DQPSK step).
    // (|a·b*| = |a||b|: one square root per product; this runs for every Wi-Fi transmission.)
    auto window_coherence = [&](std::size_t lag) {
        lag_products(x, lag);
        double coherence = 0.0;
        std::size_t windows = 0;
        for (std::size_t w = 0; w + 40 <= x.size(); w += 20, ++windows) {
            cf32 acc{};
            float norm = 0.0f;
            for (std::size_t n = w; n < w + 20; ++n) {
                acc += cf32(lag_re_[n], lag_im_[n]);
                norm += lag_abs_[n];
            }
            coherence += norm > 0.0f ? std::sqrt(std::norm(acc)) / norm : 0.0;
        }
        return windows ? coherence / static_cast<double>(windows) : 0.0;
    };
    m.barker = window_coherence(20);
    // Half a code period on, the Barker code matches itself no better than chance (its off-peak
    // autocorrelation is 1/11); a carrier (an oven's, a tone) keeps one phase at every lag.
    m.off_period = window_coherence(10);
    // (despreading costs ~20 multiply-adds a sample: only where the cheap marks leave DSSS open)
    if (m.barker >= 0.35 && m.off_period >= 0.5 * m.barker) m.despread = despreader_.lag_ratio(x);

    // OFDM: fold x[n]·x*[n+64] on the symbol period (80 samples, or 72 with the short guard
    // interval of 802.11n); a guard-interval-long window of the fold adds up coherently.
    // Each fold slot adds its products in sample order, one period after another.
    lag_products(x, 64);
    const std::size_t products = x.size() - 64;
    auto fold = [&](float* re, float* im, float* norm, std::size_t period) {
        for (std::size_t base = 0; base < products; base += period) {
            const std::size_t count = std::min(period, products - base);
            for (std::size_t j = 0; j < count; ++j) {
                re[j] += lag_re_[base + j];
                im[j] += lag_im_[base + j];
                norm[j] += lag_abs_[base + j];
            }
        }
    };
    // sized period + guard: the slots of the first guard interval are repeated after the period,
    // so a window that wraps round reads on without a modulo
    float re80[80 + 16] = {}, im80[80 + 16] = {}, norm80[80 + 16] = {};
    float re72[72 + 8] = {}, im72[72 + 8] = {}, norm72[72 + 8] = {};
    fold(re80, im80, norm80, 80);
    fold(re72, im72, norm72, 72);
    auto best_window = [](float* re, float* im, float* norm, std::size_t period, std::size_t guard) {
        for (std::size_t k = 0; k < guard; ++k) {
            re[period + k] = re[k];
            im[period + k] = im[k];
            norm[period + k] = norm[k];
        }
        double best = 0.0;
        for (std::size_t start = 0; start < period; ++start) {
            cf32 acc{};
            double sum = 0.0;
            for (std::size_t k = start; k < start + guard; ++k) {
                acc += cf32(re[k], im[k]);
                sum += norm[k];
            }
            if (sum > 0.0) best = std::max(best, std::sqrt(static_cast<double>(std::norm(acc))) / sum);
        }
        return best;
    };
    m.cyclic_prefix = std::max(best_window(re80, im80, norm80, 80, 16), best_window(re72, im72, norm72, 72, 8));
    m.valid = true;
    return m;
}

// x[n]·x*[n+lag] and its magnitude for every n with both samples in x, in separate arrays so the loop
// runs on whole vectors (the same float operations as std::complex's product and norm).
void Channelizer::lag_products(std::span<const cf32> x, std::size_t lag) {
    const std::size_t n = x.size() > lag ? x.size() - lag : 0;
    lag_re_.resize(n);
    lag_im_.resize(n);
    lag_abs_.resize(n);
    const float* v = reinterpret_cast<const float*>(x.data());  // std::complex<float> is float[2]
    float* re = lag_re_.data();
    float* im = lag_im_.data();
    float* magnitude = lag_abs_.data();
    for (std::size_t i = 0; i < n; ++i) {
        const float a = v[2 * i], b = v[2 * i + 1], c = v[2 * (i + lag)], d = v[2 * (i + lag) + 1];
        const float pr = a * c + b * d, pi = b * c - a * d;
        re[i] = pr;
        im[i] = pi;
        magnitude[i] = std::sqrt(pr * pr + pi * pi);
    }
}

void SampleHistory::reset(std::size_t capacity) {
    capacity_ = std::max<std::size_t>(capacity, 1);
    for (auto& p : pieces_) spare_.push_back(std::move(p.samples));
    pieces_.clear();
    if (spare_.size() > 2) spare_.resize(2);
    next_ = 0;
    held_ = 0;
}

std::vector<cf32> SampleHistory::take_spare() {
    if (spare_.empty()) return {};
    std::vector<cf32> v = std::move(spare_.back());
    spare_.pop_back();
    return v;
}

void SampleHistory::push(std::uint64_t first_sample, std::span<const cf32> samples) {
    std::vector<cf32> v = take_spare();
    v.assign(samples.begin(), samples.end());
    append(first_sample, std::move(v));
}

void SampleHistory::adopt(std::uint64_t first_sample, std::vector<cf32>& samples) {
    std::vector<cf32> v = take_spare();
    std::swap(v, samples);
    append(first_sample, std::move(v));
}

void SampleHistory::append(std::uint64_t first_sample, std::vector<cf32>&& samples) {
    if (first_sample != next_) {  // a gap: what is held is not contiguous with this
        held_ = 0;
        for (auto& p : pieces_) spare_.push_back(std::move(p.samples));
        pieces_.clear();
    }
    next_ = first_sample + samples.size();
    held_ = std::min<std::uint64_t>(capacity_, held_ + samples.size());
    pieces_.push_back({first_sample, std::move(samples)});
    const std::uint64_t oldest = next_ - held_;
    while (!pieces_.empty() && pieces_.front().first + pieces_.front().samples.size() <= oldest) {
        spare_.push_back(std::move(pieces_.front().samples));
        pieces_.pop_front();
    }
    if (spare_.size() > 2) spare_.resize(2);
}

std::span<const cf32> SampleHistory::view(std::uint64_t begin, std::uint64_t end, std::vector<cf32>& scratch) const {
    const std::uint64_t oldest = next_ - held_;
    const std::uint64_t first = std::max(begin, oldest), last = std::min(end, next_);
    if (last <= first) return {};
    for (const auto& p : pieces_)
        if (p.first <= first && last <= p.first + p.samples.size())
            return std::span<const cf32>(p.samples).subspan(first - p.first, last - first);
    copy(begin, end, scratch);
    return scratch;
}

std::uint64_t SampleHistory::copy(std::uint64_t begin, std::uint64_t end, std::vector<cf32>& out) const {
    out.clear();
    const std::uint64_t oldest = next_ - held_;
    begin = std::max(begin, oldest);
    end = std::min(end, next_);
    out.resize(end > begin ? end - begin : 0);
    for (const auto& p : pieces_) {
        const std::uint64_t from = std::max(begin, p.first), to = std::min<std::uint64_t>(end, p.first + p.samples.size());
        if (from < to) std::copy_n(p.samples.data() + (from - p.first), to - from, out.data() + (from - begin));
    }
    return begin;
}

}  // namespace coex::classify
