// coexsim: a SoapySDR device module that plays a scene of the simulator, a capture, or thermal noise
// through the real streaming API, paced at the set sample rate, with faults on request. It is a
// stand-in for a radio: `driver=coexsim,scene=FILE.json` or `driver=coexsim,capture=FILE.h5`.
//
// Device arguments (all optional but one of scene/capture for anything beyond noise):
//   scene=FILE.json | capture=FILE.h5    what the antenna receives (repeats when it ends)
//   noise=-60                            thermal noise, dBFS per MHz, where a capture holds nothing
//   format=CS8|CS16|CF32                 native stream format (default: the scene's or capture's type)
//   freq_min=1e6, freq_max=6e9           tuning range (freq_max=1766e6 behaves like an R820T RTL-SDR)
//   rate_min=0.25e6, rate_max=20e6       sample rates offered
//   lo_offset=0, invert=0                a downconverter in front: RF = tuned + lo_offset (or lo_offset − tuned, mirrored)
//   settle=0.001                         seconds of garbage (−20 dBFS noise) after each retune
//   buffer=0.25                          seconds the radio buffers before it overflows on a slow host
//   overflow_every=S, overflow_samples=N, overflow_count=K   drop N samples every S seconds (K times)
//   stall_at=S                           stop delivering samples after S seconds of stream (wedged)
//   stall_for=D, stall_every=E           … for D seconds of wall time only (what piled up beyond the
//                                        buffer is then lost, reported as an overflow), again every E s
//   vanish_at=S                          fail as if unplugged after S seconds of stream
//   vanish_for=D                         … and be plugged back in D seconds later: until then the radio
//                                        is not found and cannot be opened (without vanish_for it stays
//                                        away for the rest of the process). The radio that comes back is
//                                        a new device with the same arguments, so it vanishes again
//                                        after S seconds of its own stream: a fault every S + D seconds.
//   cache_mb=512, chunk=0.05             rendering cache and unit
//   label=…, serial=…
#include "world.hpp"

#include <SoapySDR/Device.hpp>
#include <SoapySDR/Errors.hpp>
#include <SoapySDR/Formats.hpp>
#include <SoapySDR/Registry.hpp>
#include <SoapySDR/Time.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>

namespace coex::coexsim {
namespace {

using Clock = std::chrono::steady_clock;
constexpr double kReferenceGainDb = 30.0;  // at this gain the world plays at its own level
constexpr std::size_t kMtu = 16384;

struct Settings {
    WorldOptions world;
    std::string format;
    double freq_min = 1e6, freq_max = 6e9, rate_min = 0.25e6, rate_max = 20e6;
    double lo_offset = 0.0;
    bool invert = false;
    double settle_s = 0.001, buffer_s = 0.25;
    std::optional<double> overflow_every;
    std::uint64_t overflow_samples = 0;
    std::uint64_t overflow_count = UINT64_MAX;
    std::optional<double> stall_at, stall_for, stall_every, vanish_at, vanish_for;
    std::string label, serial;
};

// Radios unplugged by vanish_at, by serial: when each is plugged back in. Process-wide, as the USB bus
// is: the device object that vanished is gone, and enumeration and opening consult this.
std::mutex& unplugged_mutex() {
    static std::mutex m;
    return m;
}
std::map<std::string, Clock::time_point>& unplugged() {
    static std::map<std::string, Clock::time_point> m;
    return m;
}
bool is_unplugged(const std::string& serial) {
    std::lock_guard lock(unplugged_mutex());
    const auto it = unplugged().find(serial);
    if (it == unplugged().end()) return false;
    if (Clock::now() < it->second) return true;
    unplugged().erase(it);
    return false;
}
void unplug(const std::string& serial, std::optional<double> for_s) {
    std::lock_guard lock(unplugged_mutex());
    unplugged()[serial] = for_s ? Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(*for_s))
                                : Clock::time_point::max();
}

double number(const SoapySDR::Kwargs& args, const std::string& key, double fallback) {
    const auto it = args.find(key);
    if (it == args.end() || it->second.empty()) return fallback;
    try {
        std::size_t used = 0;
        const double v = std::stod(it->second, &used);
        if (used != it->second.size() || !std::isfinite(v)) throw std::invalid_argument("x");
        return v;
    } catch (const std::exception&) {
        throw std::runtime_error("coexsim: " + key + "='" + it->second + "' is not a number");
    }
}

std::optional<double> optional_number(const SoapySDR::Kwargs& args, const std::string& key) {
    if (args.count(key) == 0) return std::nullopt;
    return number(args, key, 0.0);
}

std::string text(const SoapySDR::Kwargs& args, const std::string& key, const std::string& fallback = {}) {
    const auto it = args.find(key);
    return it == args.end() ? fallback : it->second;
}

Settings parse(const SoapySDR::Kwargs& args) {
    Settings s;
    s.world.scene_path = text(args, "scene");
    s.world.capture_path = text(args, "capture");
    s.world.noise_dbfs_per_mhz = number(args, "noise", s.world.noise_dbfs_per_mhz);
    s.world.cache_mb = number(args, "cache_mb", s.world.cache_mb);
    s.world.chunk_s = number(args, "chunk", s.world.chunk_s);
    s.format = text(args, "format");
    if (!s.format.empty() && s.format != SOAPY_SDR_CS8 && s.format != SOAPY_SDR_CS16 && s.format != SOAPY_SDR_CF32)
        throw std::runtime_error("coexsim: format='" + s.format + "'; offered: CS8, CS16, CF32");
    s.freq_min = number(args, "freq_min", s.freq_min);
    s.freq_max = number(args, "freq_max", s.freq_max);
    s.rate_min = number(args, "rate_min", s.rate_min);
    s.rate_max = number(args, "rate_max", s.rate_max);
    if (!(s.freq_min < s.freq_max) || !(s.rate_min > 0 && s.rate_min <= s.rate_max))
        throw std::runtime_error("coexsim: freq_min/freq_max or rate_min/rate_max make an empty range");
    s.lo_offset = number(args, "lo_offset", 0.0);
    s.invert = number(args, "invert", 0.0) != 0.0;
    s.settle_s = number(args, "settle", s.settle_s);
    s.buffer_s = number(args, "buffer", s.buffer_s);
    if (!(s.settle_s >= 0.0 && s.settle_s <= 1.0) || !(s.buffer_s >= 0.001 && s.buffer_s <= 60.0))
        throw std::runtime_error("coexsim: settle must be 0…1 s and buffer 0.001…60 s");
    s.overflow_every = optional_number(args, "overflow_every");
    if (s.overflow_every) {
        if (!(*s.overflow_every > 0.0)) throw std::runtime_error("coexsim: overflow_every must be > 0 s");
        s.overflow_samples = static_cast<std::uint64_t>(number(args, "overflow_samples", 1000));
        if (args.count("overflow_count")) s.overflow_count = static_cast<std::uint64_t>(number(args, "overflow_count", 0));
    }
    s.stall_at = optional_number(args, "stall_at");
    s.stall_for = optional_number(args, "stall_for");
    s.stall_every = optional_number(args, "stall_every");
    s.vanish_at = optional_number(args, "vanish_at");
    s.vanish_for = optional_number(args, "vanish_for");
    if ((s.stall_for || s.stall_every) && !s.stall_at) throw std::runtime_error("coexsim: stall_for and stall_every need stall_at");
    if (s.stall_every && !s.stall_for) throw std::runtime_error("coexsim: stall_every needs stall_for (a stall without end never repeats)");
    if ((s.stall_for && !(*s.stall_for > 0.0)) || (s.stall_every && !(*s.stall_every > 0.0)))
        throw std::runtime_error("coexsim: stall_for and stall_every must be > 0 s");
    if (s.vanish_for && (!s.vanish_at || !(*s.vanish_for >= 0.0))) throw std::runtime_error("coexsim: vanish_for needs vanish_at and must be >= 0 s");
    s.label = text(args, "label");
    s.serial = text(args, "serial", "coexsim0");
    return s;
}

std::string describe_args(const SoapySDR::Kwargs& args) {
    if (args.count("scene")) return "scene " + args.at("scene");
    if (args.count("capture")) return "capture " + args.at("capture");
    return "thermal noise";
}

struct SimStream {
    std::string format;
};

class SimDevice final : public SoapySDR::Device {
public:
    explicit SimDevice(const SoapySDR::Kwargs& args) : s_(parse(args)), world_(World::open(s_.world)), rng_(0xC0E5) {
        if (is_unplugged(s_.serial)) throw std::runtime_error("coexsim: " + s_.serial + " is unplugged");
        next_stall_ = s_.stall_at;
        native_ = s_.format;
        if (native_.empty()) {
            const std::string t = world_->sample_type();
            native_ = t == "int8" ? SOAPY_SDR_CS8 : t == "float32" ? SOAPY_SDR_CF32 : SOAPY_SDR_CS16;
        }
        freq_ = std::clamp(2437e6 - s_.lo_offset, s_.freq_min, s_.freq_max);
        rate_ = std::clamp(2e6, s_.rate_min, s_.rate_max);
        label_ = s_.label.empty() ? "coexsim: " + world_->description() : s_.label;
    }

    // ---- identification ----
    std::string getDriverKey() const override { return "coexsim"; }
    std::string getHardwareKey() const override { return "coexsim"; }
    SoapySDR::Kwargs getHardwareInfo() const override {
        return {{"world", world_->description()}, {"label", label_}, {"serial", s_.serial}};
    }
    size_t getNumChannels(const int direction) const override { return direction == SOAPY_SDR_RX ? 1 : 0; }

    // ---- streams ----
    std::vector<std::string> getStreamFormats(const int, const size_t) const override {
        return {SOAPY_SDR_CS8, SOAPY_SDR_CS16, SOAPY_SDR_CF32};
    }
    std::string getNativeStreamFormat(const int, const size_t, double& full_scale) const override {
        full_scale = native_ == SOAPY_SDR_CS8 ? 128.0 : native_ == SOAPY_SDR_CS16 ? 32768.0 : 1.0;
        return native_;
    }
    SoapySDR::Stream* setupStream(const int direction, const std::string& format, const std::vector<size_t>& channels,
                                  const SoapySDR::Kwargs&) override {
        if (direction != SOAPY_SDR_RX) throw std::runtime_error("coexsim: receive only");
        if (channels.size() > 1 || (channels.size() == 1 && channels[0] != 0)) throw std::runtime_error("coexsim: one channel (0)");
        if (format != SOAPY_SDR_CS8 && format != SOAPY_SDR_CS16 && format != SOAPY_SDR_CF32)
            throw std::runtime_error("coexsim: stream format " + format + " not offered (CS8, CS16, CF32)");
        std::lock_guard lock(mutex_);
        if (stream_) throw std::runtime_error("coexsim: one stream at a time");
        stream_ = std::make_unique<SimStream>(SimStream{format});
        return reinterpret_cast<SoapySDR::Stream*>(stream_.get());
    }
    void closeStream(SoapySDR::Stream* stream) override {
        std::lock_guard lock(mutex_);
        if (stream == reinterpret_cast<SoapySDR::Stream*>(stream_.get())) {
            active_ = false;
            stream_.reset();
        }
        wake_.notify_all();
    }
    size_t getStreamMTU(SoapySDR::Stream*) const override { return kMtu; }

    int activateStream(SoapySDR::Stream*, const int flags, const long long, const size_t) override {
        if (flags != 0) return SOAPY_SDR_NOT_SUPPORTED;
        std::lock_guard lock(mutex_);
        if (vanished_) return SOAPY_SDR_STREAM_ERROR;
        if (!active_) {
            active_ = true;
            start_epoch(world_time_paused_);
        }
        wake_.notify_all();
        return 0;
    }
    int deactivateStream(SoapySDR::Stream*, const int, const long long) override {
        std::lock_guard lock(mutex_);
        if (active_) {
            world_time_paused_ = world_time(next_);
            active_ = false;
        }
        wake_.notify_all();
        return 0;
    }

    int readStream(SoapySDR::Stream* stream, void* const* buffs, const size_t num, int& flags, long long& time_ns,
                   const long timeout_us) override {
        flags = 0;
        std::unique_lock lock(mutex_);
        if (vanished_) return SOAPY_SDR_STREAM_ERROR;
        if (!stream_ || stream != reinterpret_cast<SoapySDR::Stream*>(stream_.get())) return SOAPY_SDR_STREAM_ERROR;
        const auto deadline = Clock::now() + std::chrono::microseconds(std::max(0L, timeout_us));
        if (!active_) {  // not streaming (yet): nothing arrives, as with a real radio
            wake_.wait_until(lock, deadline, [&] { return active_; });
            if (!active_) return SOAPY_SDR_TIMEOUT;
        }
        std::size_t n = 0;
        for (;;) {
            const double tw = world_time(next_);
            if (s_.vanish_at && tw >= *s_.vanish_at) {
                vanished_ = true;
                unplug(s_.serial, s_.vanish_for);
                return SOAPY_SDR_STREAM_ERROR;
            }
            if (next_stall_ && tw >= *next_stall_) {
                const auto now = Clock::now();
                if (!stall_until_)
                    stall_until_ = s_.stall_for ? now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(*s_.stall_for))
                                                : Clock::time_point::max();
                if (now < *stall_until_) {
                    wake_.wait_until(lock, std::min(deadline, *stall_until_), [&] { return !active_; });
                    return SOAPY_SDR_TIMEOUT;
                }
                // The stall is over: the clock ran on meanwhile, so the buffer has overflowed (below).
                stall_until_.reset();
                next_stall_ = s_.stall_every ? std::optional<double>(*next_stall_ + *s_.stall_every) : std::nullopt;
            }
            if (next_overflow_ && tw >= *next_overflow_) {
                next_ += s_.overflow_samples;  // these never leave the radio
                ++overflows_done_;
                next_overflow_ = overflows_done_ < s_.overflow_count ? std::optional<double>(*next_overflow_ + *s_.overflow_every) : std::nullopt;
                return SOAPY_SDR_OVERFLOW;
            }
            const auto now = Clock::now();
            const std::uint64_t due = due_at(now);
            const auto buffer_n = static_cast<std::uint64_t>(s_.buffer_s * rate_);
            if (due > next_ + buffer_n) {  // the host did not keep up: the radio's buffer overflowed
                next_ = due;
                return SOAPY_SDR_OVERFLOW;
            }
            // Samples come in packets, as from a USB radio: up to a millisecond's worth (at most one MTU).
            const std::uint64_t packet = std::min<std::uint64_t>(
                {std::max<std::uint64_t>(num, 1), kMtu, std::max<std::uint64_t>(1, static_cast<std::uint64_t>(rate_ * 0.001))});
            if (due >= next_ + packet || (due > next_ && now >= deadline)) {
                n = static_cast<std::size_t>(std::min<std::uint64_t>({static_cast<std::uint64_t>(num), due - next_, kMtu}));
                break;
            }
            if (now >= deadline) return SOAPY_SDR_TIMEOUT;
            // sleep until the packet is due (or the deadline)
            const auto ready = t0_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(static_cast<double>(next_ + packet) / rate_));
            wake_.wait_until(lock, std::min(deadline, ready));
            if (!active_) return SOAPY_SDR_TIMEOUT;
        }
        if (next_overflow_) {  // stop short of the next injected overflow
            const auto until = static_cast<std::uint64_t>(std::ceil((*next_overflow_ - epoch_time_) * rate_));
            if (until > next_) n = static_cast<std::size_t>(std::min<std::uint64_t>(n, until - next_));
        }
        produce(n);
        convert(stream_->format, buffs[0], n);
        time_ns = std::llround(world_time(next_) * 1e9);
        flags = SOAPY_SDR_HAS_TIME;
        next_ += n;
        return static_cast<int>(n);
    }

    // ---- antenna, gain ----
    std::vector<std::string> listAntennas(const int, const size_t) const override { return {"RX"}; }
    void setAntenna(const int, const size_t, const std::string& name) override {
        if (name != "RX") throw std::runtime_error("coexsim: antenna " + name + " (it has: RX)");
    }
    std::string getAntenna(const int, const size_t) const override { return "RX"; }
    std::vector<std::string> listGains(const int, const size_t) const override { return {"SIM"}; }
    bool hasGainMode(const int, const size_t) const override { return false; }
    void setGain(const int, const size_t, const double value) override {
        std::lock_guard lock(mutex_);
        gain_ = std::clamp(value, 0.0, 60.0);
    }
    void setGain(const int d, const size_t c, const std::string&, const double value) override { setGain(d, c, value); }
    double getGain(const int, const size_t) const override {
        std::lock_guard lock(mutex_);
        return gain_;
    }
    double getGain(const int d, const size_t c, const std::string&) const override { return getGain(d, c); }
    SoapySDR::Range getGainRange(const int, const size_t) const override { return SoapySDR::Range(0.0, 60.0); }
    SoapySDR::Range getGainRange(const int, const size_t, const std::string&) const override { return SoapySDR::Range(0.0, 60.0); }

    // ---- frequency ----
    void setFrequency(const int, const size_t, const double frequency, const SoapySDR::Kwargs&) override {
        if (!(frequency >= s_.freq_min && frequency <= s_.freq_max)) {
            char msg[160];
            std::snprintf(msg, sizeof msg, "coexsim: %.6g MHz is outside the tuning range %.6g–%.6g MHz", frequency / 1e6,
                          s_.freq_min / 1e6, s_.freq_max / 1e6);
            throw std::runtime_error(msg);
        }
        std::lock_guard lock(mutex_);
        if (vanished_) throw std::runtime_error("coexsim: the device is gone");
        freq_ = frequency;
        retune();
    }
    void setFrequency(const int d, const size_t c, const std::string&, const double frequency, const SoapySDR::Kwargs& a) override {
        setFrequency(d, c, frequency, a);
    }
    double getFrequency(const int, const size_t) const override {
        std::lock_guard lock(mutex_);
        return freq_;
    }
    double getFrequency(const int d, const size_t c, const std::string&) const override { return getFrequency(d, c); }
    std::vector<std::string> listFrequencies(const int, const size_t) const override { return {"RF"}; }
    SoapySDR::RangeList getFrequencyRange(const int, const size_t) const override { return {SoapySDR::Range(s_.freq_min, s_.freq_max)}; }
    SoapySDR::RangeList getFrequencyRange(const int, const size_t, const std::string&) const override {
        return {SoapySDR::Range(s_.freq_min, s_.freq_max)};
    }

    // ---- sample rate, bandwidth ----
    void setSampleRate(const int, const size_t, const double rate) override {
        if (!(rate >= s_.rate_min && rate <= s_.rate_max)) {
            char msg[160];
            std::snprintf(msg, sizeof msg, "coexsim: %.6g MS/s is outside %.6g–%.6g MS/s", rate / 1e6, s_.rate_min / 1e6, s_.rate_max / 1e6);
            throw std::runtime_error(msg);
        }
        std::lock_guard lock(mutex_);
        if (vanished_) throw std::runtime_error("coexsim: the device is gone");
        const double now_world = active_ ? world_time(next_) : world_time_paused_;
        rate_ = rate;
        if (active_) start_epoch(now_world);
        else view_.reset();
    }
    double getSampleRate(const int, const size_t) const override {
        std::lock_guard lock(mutex_);
        return rate_;
    }
    SoapySDR::RangeList getSampleRateRange(const int, const size_t) const override { return {SoapySDR::Range(s_.rate_min, s_.rate_max)}; }
    std::vector<double> listSampleRates(const int, const size_t) const override { return {s_.rate_min, s_.rate_max}; }
    void setBandwidth(const int, const size_t, const double bw) override {
        std::lock_guard lock(mutex_);
        bandwidth_ = bw;
    }
    double getBandwidth(const int, const size_t) const override {
        std::lock_guard lock(mutex_);
        return bandwidth_ > 0.0 ? bandwidth_ : rate_;
    }
    SoapySDR::RangeList getBandwidthRange(const int, const size_t) const override { return {SoapySDR::Range(s_.rate_min, s_.rate_max)}; }

    // ---- time ----
    bool hasHardwareTime(const std::string& what) const override { return what.empty(); }
    long long getHardwareTime(const std::string&) const override {
        std::lock_guard lock(mutex_);
        return std::llround((active_ ? world_time(next_) : world_time_paused_) * 1e9);
    }

private:
    // World time of epoch sample k.
    double world_time(std::uint64_t k) const { return epoch_time_ + static_cast<double>(k) / rate_; }
    std::uint64_t due_at(Clock::time_point now) const {
        const double s = std::chrono::duration<double>(now - t0_).count();
        return s <= 0.0 ? 0 : static_cast<std::uint64_t>(s * rate_);
    }
    double rf_of(double tuned) const { return s_.invert ? s_.lo_offset - tuned : tuned + s_.lo_offset; }

    // A new epoch (stream start, rate change): sample 0 is at world time `at`.
    void start_epoch(double at) {
        epoch_time_ = at;
        epoch_index_ = static_cast<std::uint64_t>(std::llround(at * rate_));
        next_ = 0;
        t0_ = Clock::now();
        view_ = world_->view(rf_of(freq_), rate_);
        old_view_.reset();
        switch_at_ = 0;
        settle_from_ = settle_to_ = 0;
        if (s_.overflow_every && !next_overflow_ && overflows_done_ < s_.overflow_count) {
            next_overflow_ = *s_.overflow_every * static_cast<double>(overflows_done_ + 1);
        }
    }

    // Samples already due at the old tuning are still in the radio's buffers; the new tuning starts
    // after them, with settle_s of garbage while the synthesiser locks.
    void retune() {
        if (!active_) {
            view_.reset();
            return;
        }
        const std::uint64_t at = std::max(next_, due_at(Clock::now()));
        if (at > next_) {
            old_view_ = std::move(view_);
            switch_at_ = at;
        } else {
            old_view_.reset();
            switch_at_ = next_;
        }
        view_ = world_->view(rf_of(freq_), rate_);
        settle_from_ = at;
        settle_to_ = at + static_cast<std::uint64_t>(std::llround(s_.settle_s * rate_));
    }

    void produce(std::size_t n) {
        buf_.resize(n);
        std::span<cf32> out(buf_);
        double rendering = 0.0;
        std::size_t done = 0;
        if (old_view_ && next_ < switch_at_) {
            const std::size_t k = static_cast<std::size_t>(std::min<std::uint64_t>(n, switch_at_ - next_));
            rendering += old_view_->fill(epoch_index_ + next_, out.first(k));
            done = k;
        }
        if (old_view_ && next_ + done >= switch_at_) old_view_.reset();
        if (done < n) {
            if (!view_) view_ = world_->view(rf_of(freq_), rate_);
            rendering += view_->fill(epoch_index_ + next_ + done, out.subspan(done));
        }
        t0_ += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(rendering));  // the clock waited for the renderer
        // settling garbage
        const std::uint64_t a = std::max(next_, settle_from_), b = std::min<std::uint64_t>(next_ + n, settle_to_);
        if (b > a) {
            std::normal_distribution<float> g(0.0f, 0.0707f);  // −20 dBFS complex
            for (std::uint64_t k = a; k < b; ++k) out[static_cast<std::size_t>(k - next_)] = cf32(g(rng_), g(rng_));
        }
    }

    // Gain, the ADC's clipping at full scale, a mirroring downconverter, and the stream format, in one
    // pass (this runs for every sample at up to 20 MS/s).
    template <class T>
    void quantise(T* p, std::size_t n, float full_scale) const {
        const auto g = static_cast<float>(std::pow(10.0, (gain_ - kReferenceGainDb) / 20.0)) * full_scale;
        const float top = full_scale - 1.0f, bottom = -full_scale;
        const int re = s_.invert ? 1 : 0;
        for (std::size_t k = 0; k < n; ++k) {
            const float v[2] = {buf_[k].real() * g, buf_[k].imag() * g};
            for (int c = 0; c < 2; ++c) {
                const float x = std::clamp(v[c ^ re], bottom, top);
                p[2 * k + c] = static_cast<T>(x + std::copysign(0.5f, x));  // nearest, ties away from zero
            }
        }
    }

    void convert(const std::string& format, void* dst, std::size_t n) const {
        if (format == SOAPY_SDR_CS16) {
            quantise(static_cast<std::int16_t*>(dst), n, 32768.0f);
        } else if (format == SOAPY_SDR_CS8) {
            quantise(static_cast<std::int8_t*>(dst), n, 128.0f);
        } else {
            const auto g = static_cast<float>(std::pow(10.0, (gain_ - kReferenceGainDb) / 20.0));
            auto* p = static_cast<float*>(dst);
            const int re = s_.invert ? 1 : 0;
            for (std::size_t k = 0; k < n; ++k) {
                const float v[2] = {buf_[k].real() * g, buf_[k].imag() * g};
                p[2 * k] = std::clamp(v[re], -1.0f, 1.0f);
                p[2 * k + 1] = std::clamp(v[1 - re], -1.0f, 1.0f);
            }
        }
    }

    const Settings s_;
    std::unique_ptr<World> world_;
    std::string native_, label_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    double freq_ = 0.0, rate_ = 0.0, gain_ = kReferenceGainDb, bandwidth_ = 0.0;
    std::unique_ptr<SimStream> stream_;
    bool active_ = false, vanished_ = false;
    // the sample clock
    Clock::time_point t0_;
    double epoch_time_ = 0.0, world_time_paused_ = 0.0;
    std::uint64_t epoch_index_ = 0, next_ = 0;
    // tuning
    std::unique_ptr<View> view_, old_view_;
    std::uint64_t switch_at_ = 0, settle_from_ = 0, settle_to_ = 0;
    // faults
    std::optional<double> next_overflow_, next_stall_;
    std::optional<Clock::time_point> stall_until_;
    std::uint64_t overflows_done_ = 0;
    std::mt19937 rng_;
    std::vector<cf32> buf_;
};

SoapySDR::KwargsList find_coexsim(const SoapySDR::Kwargs& args) {
    // Only when asked for by name: a simulator is never mistaken for an attached radio.
    const auto it = args.find("driver");
    if (it == args.end() || it->second != "coexsim") return {};
    const auto serial = args.find("serial");
    if (is_unplugged(serial == args.end() ? "coexsim0" : serial->second)) return {};
    SoapySDR::Kwargs found = args;
    if (found.count("label") == 0) found["label"] = "coexsim: " + describe_args(args);
    if (found.count("serial") == 0) found["serial"] = "coexsim0";
    return {found};
}

SoapySDR::Device* make_coexsim(const SoapySDR::Kwargs& args) { return new SimDevice(args); }

[[maybe_unused]] SoapySDR::Registry register_coexsim("coexsim", &find_coexsim, &make_coexsim, SOAPY_SDR_ABI_VERSION);

}  // namespace
}  // namespace coex::coexsim
