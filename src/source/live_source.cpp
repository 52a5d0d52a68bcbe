#include "coex/source/live_source.hpp"
#include "coex/core/cpu_time.hpp"

#include "coex/core/error.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <stdexcept>
#include <thread>

namespace coex::source {
namespace {

using Clock = std::chrono::steady_clock;

std::size_t default_block_samples(double rate) {
    std::size_t n = 4096;
    while (n < 65536 && static_cast<double>(n * 2) <= rate * 0.005) n *= 2;
    return n;
}

std::size_t ring_blocks(double seconds, double rate, std::size_t block) {
    const double blocks = std::ceil(seconds * rate / static_cast<double>(block));
    return static_cast<std::size_t>(std::clamp(blocks, 8.0, 65536.0));
}

// Ends the reader's walk early; the reason is recorded by whoever catches it.
struct EndOfStream {
    EndReason reason;
    std::string message;
};

}  // namespace

std::string to_string(EndReason reason) {
    switch (reason) {
        case EndReason::running: return "running";
        case EndReason::completed: return "completed";
        case EndReason::stopped: return "stopped";
        case EndReason::stalled: return "stalled";
        case EndReason::device_error: return "device_error";
    }
    return "running";
}

struct LiveSource::Shared {
    std::atomic<std::uint64_t> dropped{0}, lost{0}, settling{0}, stream{0}, blocks_dropped{0}, drop_runs{0}, overflows{0},
        timeouts{0}, retunes{0}, segments{0}, rounds_done{0}, outages{0}, reopens{0}, reopen_failures{0}, unobserved{0};
    std::atomic<bool> timestamps{false}, radio_present{true};
    std::atomic<double> reader_cpu_s{0.0};
};

// The reader thread's state: the sample clock, the open segment and block, and the gap bookkeeping.
class LiveSource::Reader {
public:
    explicit Reader(LiveSource& src)
        : s_(src),
          sh_(*src.shared_),
          rate_(src.config_.plan.sample_rate_hz),
          block_n_(src.ring_.block_samples()),
          scratch_(block_n_) {}

    void run() {
        const LiveConfig& cfg = s_.config_;
        const auto& dwells = cfg.plan.dwells;
        const auto dwell_n = static_cast<std::uint64_t>(std::llround(cfg.dwell_s * rate_));
        std::optional<std::uint64_t> limit;
        if (cfg.duration_s) limit = static_cast<std::uint64_t>(std::llround(*cfg.duration_s * rate_));
        const bool sweep = dwells.size() > 1;
        if (!sweep && cfg.rounds) {  // one tuning: the rounds are one long dwell
            const std::uint64_t n = dwell_n * static_cast<std::uint64_t>(*cfg.rounds);
            limit = limit ? std::min(*limit, n) : n;
        }
        last_data_ = Clock::now();
        for (std::uint64_t round = 0;; ++round) {
            if (sweep && cfg.rounds && round >= static_cast<std::uint64_t>(*cfg.rounds)) break;
            for (std::size_t d = 0; d < dwells.size(); ++d) {
                if (stopping()) throw EndOfStream{EndReason::stopped, {}};
                if (limit && clock_ >= *limit) return;
                bool tune = sweep || (round == 0 && d == 0), recovered = false;
                std::optional<std::uint64_t> end;  // set once the dwell's first settling is over
                for (;;) {
                    if (limit && clock_ >= *limit) return;  // (also when the stream's time ran out while the radio was away)
                    try {
                        if (tune) {
                            const std::uint64_t away = pending_gap_;
                            retune(dwells[d]);
                            if (recovered) pending_gap_ = away;  // the next block says how long the radio was away
                            settle(limit);
                        }
                        if (limit && clock_ >= *limit) return;
                        if (!end) {
                            end = sweep ? clock_ + dwell_n : UINT64_MAX;
                            if (limit) end = std::min(*end, *limit);
                        }
                        read_dwell(*end);
                        break;
                    } catch (const EndOfStream& e) {
                        if (!cfg.reopen || (e.reason != EndReason::device_error && e.reason != EndReason::stalled)) throw;
                        recover(e.message, limit);
                        tune = recovered = true;  // the radio that came back is tuned to this dwell again (the rest of it)
                    }
                }
                if (!sweep) return;  // a single tuning reads to the end in one dwell
            }
            sh_.rounds_done.fetch_add(1, std::memory_order_relaxed);
        }
    }

    // Whatever block is open is handed over (or counted dropped).
    void close_open_block() {
        if (block_open_) close_block();
    }

private:
    // The radio failed or wedged: close it, open it again (with backoff) and count the time it was away
    // as samples never received. Throws EndOfStream{stopped} when a stop is asked for meanwhile; returns
    // without a radio when the stream's duration ran out while it was away.
    void recover(const std::string& why, const std::optional<std::uint64_t>& limit) {
        const LiveConfig& cfg = s_.config_;
        const auto away_since = last_data_;
        if (block_open_) close_block();
        sh_.outages.fetch_add(1, std::memory_order_relaxed);
        sh_.radio_present.store(false, std::memory_order_relaxed);
        s_.set_fault(why);
        try {
            s_.radio_->stop();
        } catch (...) {
        }
        s_.radio_.reset();  // a radio that is gone is released whole, as unplugging it would
        const auto away_samples = [&](Clock::time_point now) {
            auto away = static_cast<std::uint64_t>(std::llround(std::chrono::duration<double>(now - away_since).count() * rate_));
            return limit ? std::min(away, *limit > clock_ ? *limit - clock_ : 0) : away;
        };
        const auto count_away = [&](Clock::time_point now) {
            const std::uint64_t away = away_samples(now);
            sh_.lost.fetch_add(away, std::memory_order_relaxed);
            sh_.unobserved.fetch_add(away, std::memory_order_relaxed);
            clock_ += away;
            sh_.stream.store(clock_, std::memory_order_relaxed);
            pending_gap_ += away;
            new_segment_ = true;
        };
        double wait_s = 0.0;  // the first attempt at once: a driver that failed may be back already
        for (;;) {
            for (auto until = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(wait_s));
                 Clock::now() < until;) {
                if (stopping()) throw EndOfStream{EndReason::stopped, {}};
                if (limit && clock_ + away_samples(Clock::now()) >= *limit) {  // the stream ends before the radio is back
                    count_away(Clock::now());
                    return;
                }
                std::this_thread::sleep_for(std::min<Clock::duration>(until - Clock::now(), std::chrono::milliseconds(50)));
            }
            if (stopping()) throw EndOfStream{EndReason::stopped, {}};
            try {
                auto radio = cfg.reopen();
                radio->start();
                s_.radio_ = std::move(radio);
                break;
            } catch (const std::exception&) {
                // Still away (the failure stays the fault said; the counter says how long it took).
                sh_.reopen_failures.fetch_add(1, std::memory_order_relaxed);
                wait_s = wait_s == 0.0 ? cfg.reopen_backoff_s : std::min(2.0 * wait_s, cfg.reopen_backoff_max_s);
            }
        }
        const auto now = Clock::now();
        count_away(now);
        anchor_ns_.reset();  // the new stream's device time starts afresh
        overflow_pending_ = false;
        last_data_ = now;
        sh_.reopens.fetch_add(1, std::memory_order_relaxed);
        sh_.radio_present.store(true, std::memory_order_relaxed);
    }

    bool stopping() const {
        return s_.stop_.load(std::memory_order_relaxed) || (s_.config_.stop && s_.config_.stop->load(std::memory_order_relaxed));
    }

    void retune(const Dwell& dwell) {
        double actual = dwell.tune_hz;
        try {
            actual = s_.radio_->tune(dwell.tune_hz);
        } catch (const std::exception& e) {
            throw EndOfStream{EndReason::device_error, std::string("retuning failed: ") + e.what()};
        }
        rf_center_ = std::abs(actual - dwell.tune_hz) < 1e3 ? rf_for_tune(actual, s_.config_.plan.lo_offset_hz, s_.config_.plan.invert)
                                                            : dwell.rf_center_hz;
        sh_.retunes.fetch_add(1, std::memory_order_relaxed);
        pending_gap_ = 0;
        new_segment_ = true;
    }

    // After a retune (and at the start) the settling time is discarded: it covers the synthesiser
    // locking and what the radio still had buffered from the old tuning, so it must be at least the
    // driver's buffering when the reader keeps up (HackRF: one 131072-sample USB transfer).
    void settle(const std::optional<std::uint64_t>& limit) {
        phase_ = Phase::settling;
        auto left = static_cast<std::uint64_t>(std::llround(s_.config_.settle_s * rate_));
        while (left > 0 && !stopping()) {
            if (limit && clock_ >= *limit) break;
            std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(left, block_n_));
            const std::size_t got = read_some(want, kReadTimeoutUs, limit.value_or(UINT64_MAX));
            discard(got);
            left -= std::min<std::uint64_t>(left, got);
        }
        host_anchor_ = Clock::now();
        host_anchor_clock_ = clock_;
        phase_ = Phase::dwell;
    }

    void discard(std::size_t n) {
        clock_ += n;
        sh_.settling.fetch_add(n, std::memory_order_relaxed);
        sh_.stream.store(clock_, std::memory_order_relaxed);
    }

    void read_dwell(std::uint64_t end) {
        while (clock_ < end) {
            if (stopping()) throw EndOfStream{EndReason::stopped, {}};
            const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(end - clock_, block_n_));
            const std::size_t got = read_some(want, kReadTimeoutUs, end);
            deliver(got);
        }
        if (block_open_) close_block();  // a dwell's last block may be short
    }

    // One read from the radio into scratch_. Handles timestamps, overflows, timeouts and errors;
    // returns the samples now in scratch_, which start at clock_. Nothing goes past `end` (the dwell's or
    // the stream's): a jump in the time stamps that crosses it is lost up to it, and samples beyond it
    // are not taken, so a stream of --duration holds exactly that many samples, however it ended.
    std::size_t read_some(std::size_t want, long timeout_us, std::uint64_t end) {
        const ReadResult r = s_.radio_->read(std::span<cf32>(scratch_.data(), want), timeout_us);
        const auto now = Clock::now();
        switch (r.status) {
            case ReadResult::Status::samples: break;
            case ReadResult::Status::timeout:
                sh_.timeouts.fetch_add(1, std::memory_order_relaxed);
                check_stall(now);
                return 0;
            case ReadResult::Status::overflow:
                sh_.overflows.fetch_add(1, std::memory_order_relaxed);
                overflow_pending_ = true;
                check_stall(now);
                return 0;
            case ReadResult::Status::error:
                throw EndOfStream{EndReason::device_error, "the radio failed: " + r.error};
        }
        if (r.count == 0) return 0;
        std::size_t count = r.count;
        last_data_ = now;
        std::uint64_t jump = 0;
        if (r.time_ns) {
            if (!anchor_ns_) {
                sh_.timestamps.store(true, std::memory_order_relaxed);
                anchor_ns_ = *r.time_ns - static_cast<std::int64_t>(std::llround(static_cast<double>(clock_) * 1e9 / rate_));
            }
            const auto index = static_cast<std::int64_t>(std::llround(static_cast<double>(*r.time_ns - *anchor_ns_) * rate_ * 1e-9));
            if (index > static_cast<std::int64_t>(clock_)) {
                jump = static_cast<std::uint64_t>(index) - clock_;
            } else if (index < static_cast<std::int64_t>(clock_)) {
                // the device clock went back (a driver that restarts its count): follow it from here
                anchor_ns_ = *r.time_ns - static_cast<std::int64_t>(std::llround(static_cast<double>(clock_) * 1e9 / rate_));
            }
        } else if (overflow_pending_ && phase_ == Phase::dwell) {
            // No device time: estimate what the overflow cost from the host clock since the last anchor.
            const double expected = std::chrono::duration<double>(now - host_anchor_).count() * rate_;
            const double have = static_cast<double>(clock_ - host_anchor_clock_ + r.count);
            if (expected > have) jump = static_cast<std::uint64_t>(std::llround(expected - have));
            host_anchor_ = now;
            host_anchor_clock_ = clock_ + jump + r.count;
        }
        if (jump > 0) {
            const std::uint64_t room = end > clock_ ? end - clock_ : 0;
            if (jump >= room) {  // the gap runs past the end: these samples are after it
                jump = room;
                count = 0;
            }
            // Samples the radio never delivered. While settling they were on their way to the bin
            // anyway unless the radio said it overflowed.
            if (phase_ == Phase::settling && !overflow_pending_) {
                sh_.settling.fetch_add(jump, std::memory_order_relaxed);
            } else {
                sh_.lost.fetch_add(jump, std::memory_order_relaxed);
                if (phase_ == Phase::dwell) gap(jump);
            }
            clock_ += jump;
            sh_.stream.store(clock_, std::memory_order_relaxed);
        }
        overflow_pending_ = false;
        return static_cast<std::size_t>(std::min<std::uint64_t>(count, end > clock_ ? end - clock_ : 0));
    }

    void check_stall(Clock::time_point now) const {
        const double idle = std::chrono::duration<double>(now - last_data_).count();
        if (idle < s_.config_.stall_timeout_s) return;
        char text[160];
        std::snprintf(text, sizeof text, "the radio delivered no samples for %.1f s (wedged or unplugged?)", idle);
        throw EndOfStream{EndReason::stalled, text};
    }

    void gap(std::uint64_t samples) {
        if (block_open_) close_block();
        pending_gap_ += samples;
        new_segment_ = true;
    }

    void deliver(std::size_t count) {
        std::size_t offset = 0;
        const bool invert = s_.config_.plan.invert;
        while (offset < count) {
            if (!block_open_) open_block();
            const std::size_t take = std::min(count - offset, block_n_ - fill_);
            if (slot_) {
                cf32* dst = slot_->samples.data() + fill_;
                const cf32* src = scratch_.data() + offset;
                if (invert) {  // a high-side LO mirrors the spectrum: swapping I and Q mirrors it back
                    for (std::size_t i = 0; i < take; ++i) dst[i] = cf32(src[i].imag(), src[i].real());
                } else {
                    std::copy(src, src + take, dst);
                }
            }
            fill_ += take;
            offset += take;
            clock_ += take;
            if (fill_ == block_n_) close_block();
        }
        sh_.stream.store(clock_, std::memory_order_relaxed);
    }

    void open_block() {
        block_open_ = true;
        fill_ = 0;
        slot_ = s_.ring_.try_acquire();
        if (!slot_) {
            sh_.blocks_dropped.fetch_add(1, std::memory_order_relaxed);
            if (!in_drop_run_) sh_.drop_runs.fetch_add(1, std::memory_order_relaxed);
            in_drop_run_ = true;
            return;
        }
        in_drop_run_ = false;
        if (new_segment_) {
            new_segment_ = false;
            ++segment_index_;
            segment_pos_ = 0;
            segment_.center_frequency_hz = rf_center_;
            segment_.sample_rate_hz = rate_;
            segment_.start_time_s = static_cast<double>(clock_) / rate_;
            segment_.gain_db = s_.config_.gain_db;
            segment_.bandwidth_hz = s_.config_.plan.bandwidth_hz;
            segment_.quantisation_step = s_.radio_info_.quantisation_step;
            sh_.segments.fetch_add(1, std::memory_order_relaxed);
        }
        slot_->segment_index = segment_index_;
        slot_->segment = segment_;
        slot_->first_sample = segment_pos_;
        slot_->dropped_before = pending_gap_;
    }

    void close_block() {
        block_open_ = false;
        if (slot_) {
            if (fill_ > 0) {
                s_.ring_.commit(fill_);
                segment_pos_ += fill_;
                pending_gap_ = 0;
            }
            // an empty slot is simply not committed: try_acquire hands it out again
        } else {
            sh_.dropped.fetch_add(fill_, std::memory_order_relaxed);
            pending_gap_ += fill_;
            new_segment_ = true;
        }
        slot_ = nullptr;
        fill_ = 0;
        if (++cpu_tick_ % 16 == 0) sh_.reader_cpu_s.store(thread_cpu_seconds(), std::memory_order_relaxed);
    }

    static constexpr long kReadTimeoutUs = 100000;
    enum class Phase { settling, dwell };

    LiveSource& s_;
    Shared& sh_;
    const double rate_;
    const std::size_t block_n_;
    std::vector<cf32> scratch_;
    Phase phase_ = Phase::settling;
    std::uint64_t clock_ = 0;  // index of the next sample since the stream started
    std::optional<std::int64_t> anchor_ns_;  // device time of sample index 0
    Clock::time_point last_data_, host_anchor_;
    std::uint64_t host_anchor_clock_ = 0;
    bool overflow_pending_ = false;
    double rf_center_ = 0.0;
    // segments and blocks
    std::size_t segment_index_ = static_cast<std::size_t>(-1);
    SegmentInfo segment_;
    std::uint64_t segment_pos_ = 0, pending_gap_ = 0;
    bool new_segment_ = true;
    bool block_open_ = false, in_drop_run_ = false;
    SampleBlock* slot_ = nullptr;
    std::size_t fill_ = 0;
    std::uint64_t cpu_tick_ = 0;
};

void validate(const LiveConfig& config) {
    const auto& plan = config.plan;
    if (plan.dwells.empty()) throw ConfigError("plan", "the sweep plan has no dwells");
    if (!(plan.sample_rate_hz > 0.0) || !std::isfinite(plan.sample_rate_hz)) throw ConfigError("sample_rate_hz", "must be > 0");
    if (!(config.dwell_s >= 1e-3 && config.dwell_s <= 3600.0)) throw ConfigError("dwell_s", "allowed 1 ms…1 h");
    if (config.rounds && *config.rounds < 1) throw ConfigError("rounds", "at least 1");
    if (config.duration_s && !(*config.duration_s > 0.0 && std::isfinite(*config.duration_s)))
        throw ConfigError("duration_s", "must be > 0");
    if (!(config.settle_s >= 0.0 && config.settle_s <= 1.0)) throw ConfigError("settle_s", "allowed 0…1 s");
    if (!(config.ring_seconds >= 0.01 && config.ring_seconds <= 10.0)) throw ConfigError("ring_seconds", "allowed 0.01…10 s");
    if (!(config.stall_timeout_s >= 0.2 && config.stall_timeout_s <= 3600.0)) throw ConfigError("stall_timeout_s", "allowed 0.2 s…1 h");
    if (!(config.reopen_backoff_s >= 0.01 && config.reopen_backoff_s <= config.reopen_backoff_max_s && config.reopen_backoff_max_s <= 3600.0))
        throw ConfigError("reopen_backoff_s", "allowed 10 ms…reopen_backoff_max_s, which is at most 1 h");
}

LiveSource::LiveSource(std::unique_ptr<Radio> radio, LiveConfig config)
    : radio_(std::move(radio)),
      radio_info_(radio_ ? radio_->info() : RadioInfo{}),
      config_(std::move(config)),
      ring_([&] {
          // validated here, before anything is allocated
          if (!radio_) throw std::invalid_argument("LiveSource: no radio");
          validate(config_);
          if (config_.block_samples == 0) config_.block_samples = default_block_samples(config_.plan.sample_rate_hz);
          return BlockRing(ring_blocks(config_.ring_seconds, config_.plan.sample_rate_hz, config_.block_samples), config_.block_samples);
      }()),
      shared_(std::make_unique<Shared>()) {
    const double actual = radio_->set_sample_rate(config_.plan.sample_rate_hz);
    if (actual > 0.0 && std::abs(actual - config_.plan.sample_rate_hz) > 1.0) config_.plan.sample_rate_hz = actual;
}

LiveSource::~LiveSource() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
}

void LiveSource::start() {
    if (thread_.joinable() || end_.load() != 0) throw std::logic_error("LiveSource::start: already started");
    radio_->start();
    thread_ = std::thread([this] { run(); });
}

void LiveSource::request_stop() { stop_.store(true); }

void LiveSource::run() {
    Reader reader(*this);
    EndReason reason = EndReason::completed;
    std::string message;
    try {
        reader.run();
    } catch (const EndOfStream& e) {
        reason = e.reason;
        message = e.message;
    } catch (const std::exception& e) {
        reason = EndReason::device_error;
        message = std::string("the reader failed: ") + e.what();
    }
    try {
        reader.close_open_block();
    } catch (...) {
    }
    try {
        if (radio_) radio_->stop();  // none when a stop came while reopening it
    } catch (...) {
    }
    shared_->reader_cpu_s.store(thread_cpu_seconds());
    finish(reason, std::move(message));
}

void LiveSource::finish(EndReason reason, std::string message) {
    {
        std::lock_guard lock(message_mutex_);
        end_message_ = std::move(message);
    }
    end_.store(static_cast<int>(reason));
    ring_.close();
}

LiveSource::Poll LiveSource::poll(SampleBlock& block, std::chrono::milliseconds timeout) {
    switch (ring_.pop(block, timeout)) {
        case BlockRing::Pop::block:
            samples_in_ += block.samples.size();
            samples_in_shared_.store(samples_in_, std::memory_order_relaxed);
            return Poll::block;
        case BlockRing::Pop::timeout: return Poll::waiting;
        case BlockRing::Pop::closed: return Poll::ended;
    }
    return Poll::ended;
}

bool LiveSource::next(SampleBlock& block) {
    if (!thread_.joinable() && end_.load() == 0) start();
    for (;;) {
        switch (poll(block, std::chrono::milliseconds(200))) {
            case Poll::block: return true;
            case Poll::ended: return false;
            case Poll::waiting: break;
        }
    }
}

SourceStats LiveSource::stats() const {
    SourceStats s;
    s.samples_in = samples_in_shared_.load(std::memory_order_relaxed);
    s.samples_dropped = shared_->dropped.load(std::memory_order_relaxed);
    s.samples_lost = shared_->lost.load(std::memory_order_relaxed);
    return s;
}

LiveCounters LiveSource::counters() const {
    const Shared& sh = *shared_;
    LiveCounters c;
    c.samples_in = samples_in_shared_.load(std::memory_order_relaxed);
    c.samples_dropped = sh.dropped.load(std::memory_order_relaxed);
    c.samples_lost = sh.lost.load(std::memory_order_relaxed);
    c.samples_settling = sh.settling.load(std::memory_order_relaxed);
    c.stream_samples = sh.stream.load(std::memory_order_relaxed);
    c.blocks_dropped = sh.blocks_dropped.load(std::memory_order_relaxed);
    c.drop_runs = sh.drop_runs.load(std::memory_order_relaxed);
    c.overflows = sh.overflows.load(std::memory_order_relaxed);
    c.timeouts = sh.timeouts.load(std::memory_order_relaxed);
    c.retunes = sh.retunes.load(std::memory_order_relaxed);
    c.segments = sh.segments.load(std::memory_order_relaxed);
    c.rounds_done = sh.rounds_done.load(std::memory_order_relaxed);
    c.outages = sh.outages.load(std::memory_order_relaxed);
    c.reopens = sh.reopens.load(std::memory_order_relaxed);
    c.reopen_failures = sh.reopen_failures.load(std::memory_order_relaxed);
    c.samples_unobserved = sh.unobserved.load(std::memory_order_relaxed);
    c.radio_present = sh.radio_present.load(std::memory_order_relaxed);
    c.timestamps = sh.timestamps.load(std::memory_order_relaxed);
    c.ring_blocks = ring_.capacity();
    c.ring_queued = ring_.queued();
    c.ring_high_water = ring_.high_water();
    c.reader_cpu_s = sh.reader_cpu_s.load(std::memory_order_relaxed);
    return c;
}

EndReason LiveSource::end_reason() const { return static_cast<EndReason>(end_.load()); }

std::string LiveSource::end_message() const {
    std::lock_guard lock(message_mutex_);
    return end_message_;
}

std::string LiveSource::fault_message() const {
    std::lock_guard lock(message_mutex_);
    return fault_message_;
}

void LiveSource::set_fault(std::string message) {
    std::lock_guard lock(message_mutex_);
    fault_message_ = std::move(message);
}

double LiveSource::stream_seconds() const {
    return static_cast<double>(shared_->stream.load(std::memory_order_relaxed)) / config_.plan.sample_rate_hz;
}

}  // namespace coex::source
