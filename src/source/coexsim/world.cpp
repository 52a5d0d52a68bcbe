#include "world.hpp"

#include "coex/core/error.hpp"
#include "coex/io/capture.hpp"
#include "coex/sim/scene.hpp"
#include "coex/sim/synth.hpp"
#include "coex/sim/waveform.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>

namespace coex::coexsim {
namespace {

using Clock = std::chrono::steady_clock;

std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
    std::uint64_t x = a ^ (b + 0x9E3779B97F4A7C15ull + (a << 6) + (a >> 2));
    x ^= x >> 31;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 27;
    return x;
}

double noise_total_dbfs(double per_mhz, double rate) { return per_mhz + 10.0 * std::log10(rate / 1e6); }

// A view rendered chunk by chunk (chunk r holds samples r·C … r·C + C − 1 of the period), cached.
class ChunkedView : public View {
public:
    ChunkedView(ChunkCache& cache, double center, double rate, std::uint64_t period_samples, std::uint64_t chunk_samples)
        : cache_(cache), centre_(std::llround(center)), rate_(std::llround(rate)), period_(period_samples), chunk_(chunk_samples) {}

    double fill(std::uint64_t k0, std::span<cf32> out) override {
        double rendering = 0.0;
        std::size_t done = 0;
        while (done < out.size()) {
            const std::uint64_t m = (k0 + done) % period_;
            const std::uint64_t r = m / chunk_, off = m % chunk_;
            auto chunk = cache_.find({centre_, rate_, r});
            if (!chunk) {
                const auto t = Clock::now();
                chunk = std::make_shared<const std::vector<cf32>>(render(r, std::min<std::uint64_t>(chunk_, period_ - r * chunk_)));
                rendering += std::chrono::duration<double>(Clock::now() - t).count();
                cache_.put({centre_, rate_, r}, chunk);
            }
            const std::size_t take = std::min<std::size_t>(out.size() - done, chunk->size() - off);
            std::copy_n(chunk->begin() + static_cast<std::ptrdiff_t>(off), take, out.begin() + static_cast<std::ptrdiff_t>(done));
            done += take;
        }
        return rendering;
    }

protected:
    virtual std::vector<cf32> render(std::uint64_t chunk, std::uint64_t samples) = 0;

    ChunkCache& cache_;
    long long centre_, rate_;
    std::uint64_t period_, chunk_;
};

// ---- scenes -------------------------------------------------------------------------------------

// The scene seen by a receiver at (centre, rate): the simulator renders it as a "sweep" of one centre
// whose dwells are the chunks, so it builds the same emitter timeline as `coex synth` and renders only
// the chunk asked for, with the scene's receiver realism (noise floor, DC, IQ imbalance).
class SceneView : public ChunkedView {
public:
    SceneView(ChunkCache& cache, const sim::Scene& scene, double center, double rate, double chunk_s)
        : ChunkedView(cache, center, rate, 1, 1), synth_(make_scene(scene, center, rate, chunk_s)) {
        chunk_ = synth_.segments().front().samples;
        period_ = chunk_ * synth_.segments().size();
    }

private:
    static sim::Scene make_scene(const sim::Scene& scene, double center, double rate, double chunk_s) {
        sim::Scene s = scene;
        auto& rx = s.receiver;
        const int chunks = std::max(1, static_cast<int>(std::ceil(s.duration_s / chunk_s - 1e-9)));
        rx.view = sim::ViewKind::sweep;
        rx.sweep_centers_hz = {center};
        rx.sample_rate_hz = rate;
        rx.bandwidth_hz.reset();
        rx.rounds = chunks;
        rx.dwell_s = s.duration_s / chunks;
        rx.retune_gap_s = 0.0;
        return s;
    }

    std::vector<cf32> render(std::uint64_t chunk, std::uint64_t) override { return synth_.render(static_cast<std::size_t>(chunk)); }

    sim::Synthesizer synth_;
};

class SceneWorld : public World {
public:
    SceneWorld(const WorldOptions& o) : scene_(sim::load_scene(o.scene_path)), cache_(o.cache_mb), chunk_s_(o.chunk_s) {
        // Build one view now so a scene the simulator cannot render fails when the device opens.
        (void)sim::Synthesizer(scene_);
    }
    std::unique_ptr<View> view(double center, double rate) override {
        return std::make_unique<SceneView>(cache_, scene_, center, rate, chunk_s_);
    }
    std::string description() const override { return "scene " + scene_.name; }
    std::string sample_type() const override { return scene_.receiver.sample_type; }

private:
    sim::Scene scene_;
    ChunkCache cache_;
    double chunk_s_;
};

// ---- captures ----------------------------------------------------------------------------------

struct CaptureData {
    std::shared_ptr<io::CaptureReader> reader;
    double t_first = 0.0, period = 0.0;
};

bool same_tuning(const SegmentInfo& s, double center, double rate) {
    return std::abs(s.center_frequency_hz - center) < 1.0 && std::abs(s.sample_rate_hz - rate) <= 1e-9 * rate;
}

// A one-segment capture at exactly the tuned centre and rate: its samples as they are, looped. Held
// in memory when it fits the cache (the usual short capture), else read from the file as it plays.
class PassthroughView : public View {
public:
    PassthroughView(std::shared_ptr<io::CaptureReader> reader, std::uint64_t length, std::shared_ptr<const std::vector<cf32>> held)
        : reader_(std::move(reader)), length_(length), held_(std::move(held)) {}
    double fill(std::uint64_t k0, std::span<cf32> out) override {
        std::size_t done = 0;
        while (done < out.size()) {
            const std::uint64_t m = (k0 + done) % length_;
            const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(out.size() - done, length_ - m));
            if (held_) {
                std::copy_n(held_->begin() + static_cast<std::ptrdiff_t>(m), take, out.begin() + static_cast<std::ptrdiff_t>(done));
            } else if (reader_->read(0, m, out.subspan(done, take)) != take) {
                throw InputError(reader_->path().string() + ": short read in segment 0");
            }
            done += take;
        }
        return 0.0;
    }

private:
    std::shared_ptr<io::CaptureReader> reader_;
    std::uint64_t length_;
    std::shared_ptr<const std::vector<cf32>> held_;
};

// Anything else: every segment that was on the air at that moment and overlaps the view in frequency,
// shifted and resampled by the simulator's burst placement, over thermal noise.
class CaptureView : public ChunkedView {
public:
    CaptureView(ChunkCache& cache, const CaptureData& data, double center, double rate, double chunk_s, double noise)
        : ChunkedView(cache, center, rate, std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::llround(data.period * rate))),
                      std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::llround(chunk_s * rate)))),
          data_(data), center_(center), rate_hz_(rate), noise_(noise) {}

private:
    std::vector<cf32> render(std::uint64_t chunk, std::uint64_t samples) override {
        std::vector<cf32> out(samples);
        const double t_a = data_.t_first + static_cast<double>(chunk * chunk_) / rate_hz_;
        const double t_b = t_a + static_cast<double>(samples) / rate_hz_;
        bool copied_all = false;
        std::vector<sim::Burst> bursts;
        const auto& segs = data_.reader->segments();
        for (std::size_t i = 0; i < segs.size(); ++i) {
            const auto& s = segs[i];
            const double s_rate = s.info.sample_rate_hz;
            const double s_t0 = s.info.start_time_s, s_t1 = s_t0 + static_cast<double>(s.length) / s_rate;
            if (s_t1 <= t_a || s_t0 >= t_b) continue;
            if (same_tuning(s.info, center_, rate_hz_)) {
                // the same tuning: the samples themselves
                const auto first = static_cast<long long>(std::llround((t_a - s_t0) * s_rate));
                const long long from = std::max(0LL, first), to = std::min<long long>(static_cast<long long>(s.length), first + static_cast<long long>(samples));
                if (to > from) {
                    std::vector<cf32> tmp(static_cast<std::size_t>(to - from));
                    data_.reader->read(i, static_cast<std::uint64_t>(from), tmp);
                    for (long long n = from; n < to; ++n) out[static_cast<std::size_t>(n - first)] += tmp[static_cast<std::size_t>(n - from)];
                    if (from == first && to == first + static_cast<long long>(samples)) copied_all = true;
                }
                continue;
            }
            const double half = s.info.usable_bandwidth_hz() / 2.0;
            if (s.info.center_frequency_hz + half < center_ - rate_hz_ / 2.0 || s.info.center_frequency_hz - half > center_ + rate_hz_ / 2.0)
                continue;
            // the piece of the segment under this chunk, with room for the filters on both sides
            constexpr long long kMargin = 4096;
            const long long a = std::max(0LL, static_cast<long long>(std::floor((t_a - s_t0) * s_rate)) - kMargin);
            const long long b = std::min<long long>(static_cast<long long>(s.length), static_cast<long long>(std::ceil((t_b - s_t0) * s_rate)) + kMargin);
            if (b <= a) continue;
            auto wf = std::make_shared<sim::Waveform>();
            wf->sample_rate_hz = s_rate;
            wf->samples.resize(static_cast<std::size_t>(b - a));
            data_.reader->read(i, static_cast<std::uint64_t>(a), wf->samples);
            const double p = sim::mean_power(wf->samples);
            if (!(p > 0.0)) continue;
            sim::Burst burst;
            burst.start_s = s_t0 + static_cast<double>(a) / s_rate - t_a;
            burst.rf_center_hz = s.info.center_frequency_hz;
            burst.power_dbfs = 10.0 * std::log10(p);  // as it is: add_bursts scales to this level
            burst.waveform = std::move(wf);
            bursts.push_back(std::move(burst));
        }
        if (!bursts.empty()) sim::add_bursts(sim::Segment{center_, rate_hz_, samples}, bursts, out);
        if (!copied_all) {
            std::mt19937_64 rng(mix(mix(static_cast<std::uint64_t>(centre_), static_cast<std::uint64_t>(rate_)), chunk));
            sim::add_awgn(out, noise_total_dbfs(noise_, rate_hz_), rng);
        }
        return out;
    }

    CaptureData data_;
    double center_, rate_hz_, noise_;
};

class CaptureWorld : public World {
public:
    explicit CaptureWorld(const WorldOptions& o)
        : cache_(o.cache_mb), chunk_s_(o.chunk_s), noise_(o.noise_dbfs_per_mhz), cache_mb_(o.cache_mb) {
        data_.reader = std::make_shared<io::CaptureReader>(o.capture_path);
        const auto& segs = data_.reader->segments();
        double t0 = segs.front().info.start_time_s, t1 = t0;
        for (const auto& s : segs) {
            t0 = std::min(t0, s.info.start_time_s);
            t1 = std::max(t1, s.info.start_time_s + static_cast<double>(s.length) / s.info.sample_rate_hz);
        }
        data_.t_first = t0;
        data_.period = t1 - t0;
        name_ = o.capture_path;
        type_ = io::to_string(segs.front().type);
    }
    std::unique_ptr<View> view(double center, double rate) override {
        const auto& segs = data_.reader->segments();
        if (segs.size() == 1 && same_tuning(segs.front().info, center, rate)) {
            const std::uint64_t n = segs.front().length;
            if (!held_ && static_cast<double>(n * sizeof(cf32)) <= cache_mb_ * 1e6) {
                auto all = std::make_shared<std::vector<cf32>>(n);
                data_.reader->read(0, 0, *all);
                held_ = std::move(all);
            }
            return std::make_unique<PassthroughView>(data_.reader, n, held_);
        }
        return std::make_unique<CaptureView>(cache_, data_, center, rate, chunk_s_, noise_);
    }
    std::string description() const override { return "capture " + name_; }
    std::string sample_type() const override { return type_; }

private:
    CaptureData data_;
    ChunkCache cache_;
    double chunk_s_, noise_, cache_mb_;
    std::string name_, type_;
    std::shared_ptr<const std::vector<cf32>> held_;  // a one-segment capture, in memory
};

// ---- noise only ---------------------------------------------------------------------------------

class NoiseView : public View {
public:
    NoiseView(double center, double rate, double noise)
        : rng_(mix(static_cast<std::uint64_t>(std::llround(center)), static_cast<std::uint64_t>(std::llround(rate)))),
          total_(noise_total_dbfs(noise, rate)) {}
    double fill(std::uint64_t, std::span<cf32> out) override {
        std::fill(out.begin(), out.end(), cf32{});
        sim::add_awgn(out, total_, rng_);
        return 0.0;
    }

private:
    std::mt19937_64 rng_;
    double total_;
};

class NoiseWorld : public World {
public:
    explicit NoiseWorld(double noise) : noise_(noise) {}
    std::unique_ptr<View> view(double center, double rate) override { return std::make_unique<NoiseView>(center, rate, noise_); }
    std::string description() const override { return "thermal noise only"; }

private:
    double noise_;
};

}  // namespace

std::shared_ptr<const std::vector<cf32>> ChunkCache::find(const Key& key) {
    const auto it = map_.find(key);
    if (it == map_.end()) return nullptr;
    order_.splice(order_.begin(), order_, it->second.second);
    return it->second.first;
}

void ChunkCache::put(const Key& key, std::shared_ptr<const std::vector<cf32>> chunk) {
    if (map_.count(key)) return;
    bytes_ += chunk->size() * sizeof(cf32);
    order_.push_front(key);
    map_.emplace(key, std::make_pair(std::move(chunk), order_.begin()));
    while (bytes_ > budget_ && order_.size() > 1) {
        const Key last = order_.back();
        order_.pop_back();
        const auto it = map_.find(last);
        bytes_ -= it->second.first->size() * sizeof(cf32);
        map_.erase(it);
    }
}

std::unique_ptr<World> World::open(const WorldOptions& o) {
    if (!o.scene_path.empty() && !o.capture_path.empty()) throw InputError("coexsim: give scene=FILE.json or capture=FILE.h5, not both");
    if (!(o.chunk_s > 0.0)) throw InputError("coexsim: chunk must be > 0 s");
    if (!o.scene_path.empty()) return std::make_unique<SceneWorld>(o);
    if (!o.capture_path.empty()) return std::make_unique<CaptureWorld>(o);
    return std::make_unique<NoiseWorld>(o.noise_dbfs_per_mhz);
}

}  // namespace coex::coexsim
