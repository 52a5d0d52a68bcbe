#pragma once
// A scripted radio for the live source's tests: sample n (counted from the start of the stream, lost
// ones included) is cf32(n mod 2^20, n >> 20), so a test can tell from any delivered sample where it
// came from. Not paced: it delivers as fast as it is read, which is what makes a slow consumer drop.
#include "coex/source/radio.hpp"

#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <thread>

namespace coex::test {

struct FakeScript {
    double rate = 1e6;
    bool timestamps = true;
    std::size_t chunk = 4096;                       // samples per read at most
    bool paced = false;                             // deliver at `rate` in real time (else as fast as read)
    std::map<std::uint64_t, std::uint64_t> overflows;  // at sample n: report OVERFLOW, then skip this many
    std::map<std::uint64_t, std::uint64_t> silent_jumps;  // at sample n: skip this many without a word
    std::optional<std::uint64_t> stall_at, error_at;
    std::vector<source::Range> tunable = {{1e6, 6e9}};
    double quantisation_step = 0.0;  // as an 8-bit radio says (1/128); 0: float samples
};

inline cf32 fake_sample(std::uint64_t n) {
    return cf32(static_cast<float>(n & 0xFFFFF), static_cast<float>(n >> 20));
}
inline std::uint64_t fake_index(cf32 x) {
    return static_cast<std::uint64_t>(x.real()) + (static_cast<std::uint64_t>(x.imag()) << 20);
}

class FakeRadio : public source::Radio {
public:
    explicit FakeRadio(FakeScript script) : s_(std::move(script)) {
        info_.driver = info_.family = "fake";
        info_.hardware = "fake radio";
        info_.frequency_ranges_hz = s_.tunable;
        info_.sample_rate_ranges_hz = {{s_.rate, s_.rate}};
        info_.quantisation_step = s_.quantisation_step;
    }
    const source::RadioInfo& info() const override { return info_; }
    double set_sample_rate(double hz) override { return hz; }
    double set_bandwidth(double) override { return 0.0; }
    double set_gain(const source::GainSetting&) override { return 10.0; }
    void set_antenna(const std::string&) override {}
    double tune(double hz) override {
        ++tunes;
        return hz;
    }
    void start() override { started = true; }
    void stop() override { stopped = true; }

    source::ReadResult read(std::span<cf32> out, long timeout_us) override {
        source::ReadResult r;
        if ((s_.stall_at && next_ >= *s_.stall_at)) {
            std::this_thread::sleep_for(std::chrono::microseconds(std::min<long>(timeout_us, 20000)));
            return r;
        }
        if (s_.error_at && next_ >= *s_.error_at) {
            r.status = source::ReadResult::Status::error;
            r.error = "fake failure";
            return r;
        }
        if (auto it = s_.overflows.find(next_); it != s_.overflows.end() && !overflow_reported_) {
            overflow_reported_ = true;
            next_ += it->second;
            r.status = source::ReadResult::Status::overflow;
            return r;
        }
        overflow_reported_ = false;
        if (auto it = s_.silent_jumps.find(next_); it != s_.silent_jumps.end()) {
            next_ += it->second;
            s_.silent_jumps.erase(it);
        }
        std::size_t n = std::min(out.size(), s_.chunk);
        if (s_.paced) {
            if (!t0_) t0_ = std::chrono::steady_clock::now();
            const auto due = *t0_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                        std::chrono::duration<double>(static_cast<double>(next_ + n) / s_.rate));
            std::this_thread::sleep_until(due);
        }
        // stop at the next scripted event so it happens exactly where it was put
        for (const auto* events : {&s_.overflows, &s_.silent_jumps}) {
            auto it = events->upper_bound(next_);
            if (it != events->end()) n = static_cast<std::size_t>(std::min<std::uint64_t>(n, it->first - next_));
        }
        if (s_.stall_at && *s_.stall_at > next_) n = static_cast<std::size_t>(std::min<std::uint64_t>(n, *s_.stall_at - next_));
        if (s_.error_at && *s_.error_at > next_) n = static_cast<std::size_t>(std::min<std::uint64_t>(n, *s_.error_at - next_));
        for (std::size_t i = 0; i < n; ++i) out[i] = fake_sample(next_ + i);
        r.status = source::ReadResult::Status::samples;
        r.count = n;
        if (s_.timestamps) r.time_ns = 1'000'000'000LL + std::llround(static_cast<double>(next_) * 1e9 / s_.rate);
        next_ += n;
        produced += n;
        return r;
    }

    std::atomic<int> tunes{0};
    std::atomic<bool> started{false}, stopped{false};
    std::atomic<std::uint64_t> produced{0};

private:
    FakeScript s_;
    source::RadioInfo info_;
    std::uint64_t next_ = 0;
    bool overflow_reported_ = false;
    std::optional<std::chrono::steady_clock::time_point> t0_;
};

}  // namespace coex::test
