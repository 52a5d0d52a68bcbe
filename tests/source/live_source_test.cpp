// LiveSource with a scripted radio: every sample of the stream is accounted for exactly once (in,
// dropped, lost, settling), a gap starts a new segment whose start time has moved on by the gap, and
// the stream ends cleanly on a stall, a radio failure or a stop request.
#include "coex/core/error.hpp"
#include "coex/source/live_source.hpp"
#include "fake_radio.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <thread>

namespace coex {
namespace {

using source::LiveConfig;
using source::LiveSource;
using test::FakeRadio;
using test::FakeScript;

source::SweepPlan one_dwell(double rate, double rf = 2437e6) {
    source::SweepPlan p;
    p.sample_rate_hz = rate;
    p.usable_hz = 0.9 * rate;
    p.dwells = {{rf, rf}};
    return p;
}

struct Collected {
    std::vector<SampleBlock> blocks;
    std::uint64_t samples = 0;
};

// Drains the source, checking that every block holds the samples its segment and position say.
Collected drain(LiveSource& src, double rate, std::chrono::microseconds delay_per_block = {}) {
    Collected c;
    SampleBlock b;
    while (src.next(b)) {
        const auto start = static_cast<std::uint64_t>(std::llround(b.segment.start_time_s * rate)) + b.first_sample;
        for (std::size_t i = 0; i < b.samples.size(); i += 97)
            EXPECT_EQ(test::fake_index(b.samples[i]), start + i) << "block of segment " << b.segment_index << " at " << b.first_sample;
        if (!b.samples.empty()) {
            EXPECT_EQ(test::fake_index(b.samples.back()), start + b.samples.size() - 1);
        }
        c.samples += b.samples.size();
        c.blocks.push_back(SampleBlock{b.segment_index, b.segment, b.first_sample, b.dropped_before, {}});
        if (delay_per_block.count() > 0) std::this_thread::sleep_for(delay_per_block);
    }
    return c;
}

void expect_accounted(const LiveSource& src) {
    const auto c = src.counters();
    EXPECT_EQ(c.samples_in + c.samples_dropped + c.samples_lost + c.samples_settling, c.stream_samples)
        << "in " << c.samples_in << " dropped " << c.samples_dropped << " lost " << c.samples_lost << " settling " << c.samples_settling;
}

TEST(LiveSource, DeliversEverySampleOfADwellAfterTheSettlingTime) {
    LiveConfig cfg;
    cfg.plan = one_dwell(1e6);
    cfg.duration_s = 0.5;
    cfg.settle_s = 0.01;
    auto radio = std::make_unique<FakeRadio>(FakeScript{});
    LiveSource src(std::move(radio), cfg);
    const auto got = drain(src, 1e6);
    EXPECT_EQ(src.end_reason(), source::EndReason::completed);
    const auto c = src.counters();
    EXPECT_EQ(c.stream_samples, 500000u);
    EXPECT_EQ(c.samples_settling, 10000u);
    EXPECT_EQ(got.samples, 490000u);
    EXPECT_EQ(c.samples_in, 490000u);
    EXPECT_EQ(c.segments, 1u);
    EXPECT_TRUE(c.timestamps);
    ASSERT_FALSE(got.blocks.empty());
    EXPECT_DOUBLE_EQ(got.blocks.front().segment.start_time_s, 0.01);
    EXPECT_DOUBLE_EQ(got.blocks.front().segment.center_frequency_hz, 2437e6);
    expect_accounted(src);
}

// An 8-bit radio's step goes with every segment (the analysis reads no floor under its rounding
// noise); a float radio's is 0.
TEST(LiveSource, SegmentsCarryTheRadiosSampleStep) {
    for (const double step : {1.0 / 128.0, 0.0}) {
        LiveConfig cfg;
        cfg.plan = one_dwell(1e6);
        cfg.duration_s = 0.1;
        cfg.settle_s = 0.01;
        FakeScript script;
        script.quantisation_step = step;
        LiveSource src(std::make_unique<FakeRadio>(script), cfg);
        const auto got = drain(src, 1e6);
        ASSERT_FALSE(got.blocks.empty());
        for (const auto& b : got.blocks) EXPECT_EQ(b.segment.quantisation_step, step);
    }
}

TEST(LiveSource, AnOverflowIsLostExactlyAndStartsANewSegment) {
    FakeScript s;
    s.overflows = {{100000, 1234}, {300000, 5000}};
    LiveConfig cfg;
    cfg.plan = one_dwell(1e6);
    cfg.duration_s = 0.5;
    cfg.settle_s = 0.0;
    LiveSource src(std::make_unique<FakeRadio>(s), cfg);
    const auto got = drain(src, 1e6);
    const auto c = src.counters();
    EXPECT_EQ(c.samples_lost, 6234u);
    EXPECT_EQ(c.overflows, 2u);
    EXPECT_EQ(c.samples_dropped, 0u);
    EXPECT_EQ(c.segments, 3u);
    std::uint64_t gaps = 0;
    std::size_t segments = 0, last = static_cast<std::size_t>(-1);
    for (const auto& b : got.blocks) {
        gaps += b.dropped_before;
        if (b.segment_index != last) {
            ++segments;
            last = b.segment_index;
            EXPECT_EQ(b.first_sample, 0u);
        } else {
            EXPECT_EQ(b.dropped_before, 0u);
        }
    }
    EXPECT_EQ(gaps, 6234u);
    EXPECT_EQ(segments, 3u);
    expect_accounted(src);
}

TEST(LiveSource, AnOverflowAcrossTheEndIsLostOnlyUpToTheEnd) {
    // A host too slow at the end of a run (a loaded machine) overflows across it: only the part of
    // the gap inside the run is lost, and the run holds exactly its duration's samples.
    FakeScript s;
    s.overflows = {{498000, 5000}};
    LiveConfig cfg;
    cfg.plan = one_dwell(1e6);
    cfg.duration_s = 0.5;
    cfg.settle_s = 0.0;
    LiveSource src(std::make_unique<FakeRadio>(s), cfg);
    const auto got = drain(src, 1e6);
    const auto c = src.counters();
    EXPECT_EQ(c.samples_lost, 2000u);
    EXPECT_EQ(c.samples_in, 498000u);
    EXPECT_EQ(c.stream_samples, 500000u);
    expect_accounted(src);
}

TEST(LiveSource, WithoutTimestampsASilentJumpCannotBeSeen) {
    // What a radio without device time (HackRF) gives: a loss is only known when it says so.
    FakeScript s;
    s.timestamps = false;
    s.silent_jumps = {{50000, 700}};
    LiveConfig cfg;
    cfg.plan = one_dwell(1e6);
    cfg.duration_s = 0.2;
    cfg.settle_s = 0.0;
    LiveSource src(std::make_unique<FakeRadio>(s), cfg);
    SampleBlock b;
    std::uint64_t n = 0;
    while (src.next(b)) n += b.samples.size();
    EXPECT_FALSE(src.counters().timestamps);
    EXPECT_EQ(src.counters().samples_lost, 0u);
    EXPECT_EQ(n, 200000u);
}

TEST(LiveSource, ASlowPipelineMakesTheRingDropWholeBlocksCountedExactly) {
    // A radio streaming in real time, a pipeline twice too slow for the first 60 blocks, then fast. The
    // stream goes on long enough after them (0.7 s) for the pipeline to catch up even on a loaded machine
    // or under ThreadSanitizer: a drop at the very end has no block after it to announce it.
    FakeScript s;
    s.paced = true;
    LiveConfig cfg;
    cfg.plan = one_dwell(1e6);
    cfg.duration_s = 1.2;
    cfg.settle_s = 0.0;
    cfg.block_samples = 4096;
    cfg.ring_seconds = 0.01;  // the minimum of 8 blocks
    LiveSource src(std::make_unique<FakeRadio>(s), cfg);
    Collected got;
    SampleBlock b;
    int n = 0;
    while (src.next(b)) {
        got.samples += b.samples.size();
        got.blocks.push_back(SampleBlock{b.segment_index, b.segment, b.first_sample, b.dropped_before, {}});
        const auto start = static_cast<std::uint64_t>(std::llround(b.segment.start_time_s * 1e6)) + b.first_sample;
        EXPECT_EQ(test::fake_index(b.samples.front()), start);
        EXPECT_EQ(test::fake_index(b.samples.back()), start + b.samples.size() - 1);
        if (++n < 60) std::this_thread::sleep_for(std::chrono::milliseconds(8));
    }
    const auto c = src.counters();
    EXPECT_GT(c.samples_dropped, 0u);
    EXPECT_EQ(c.blocks_dropped * 4096, c.samples_dropped) << "whole blocks";
    EXPECT_GT(c.drop_runs, 0u);
    EXPECT_LE(c.ring_high_water, c.ring_blocks);
    std::uint64_t gaps = 0;
    for (const auto& blk : got.blocks) gaps += blk.dropped_before;
    EXPECT_EQ(gaps, c.samples_dropped) << "every drop is announced by the block after it";
    EXPECT_EQ(c.stream_samples, 1200000u);
    EXPECT_EQ(got.samples, c.samples_in);
    expect_accounted(src);
}

TEST(LiveSource, DropsComeInRunsUntilTheRingIsHalfEmpty) {
    LiveConfig cfg;
    cfg.plan = one_dwell(1e6);
    cfg.duration_s = 1.0;
    cfg.settle_s = 0.0;
    cfg.block_samples = 4096;
    cfg.ring_seconds = 0.01;
    LiveSource src(std::make_unique<FakeRadio>(FakeScript{}), cfg);
    (void)drain(src, 1e6, std::chrono::microseconds(3000));
    const auto c = src.counters();
    ASSERT_GT(c.drop_runs, 0u);
    // With 8 slots the producer refuses until 4 are free, so each run is several blocks long.
    EXPECT_GT(static_cast<double>(c.blocks_dropped) / static_cast<double>(c.drop_runs), 2.0);
}

TEST(LiveSource, ASweepRetunesDiscardsSettlingAndStartsASegmentPerDwell) {
    LiveConfig cfg;
    cfg.plan = one_dwell(2e6, 2412e6);
    FakeScript script;
    script.rate = 2e6;
    cfg.plan.dwells.push_back({2437e6, 2437e6});
    cfg.plan.dwells.push_back({2462e6, 2462e6});
    cfg.dwell_s = 0.05;
    cfg.rounds = 2;
    cfg.settle_s = 0.002;
    auto radio = std::make_unique<FakeRadio>(script);
    auto* fake = radio.get();
    LiveSource src(std::move(radio), cfg);
    const auto got = drain(src, 2e6);
    const auto c = src.counters();
    EXPECT_EQ(fake->tunes.load(), 6);
    EXPECT_EQ(c.retunes, 6u);
    EXPECT_EQ(c.segments, 6u);
    EXPECT_EQ(c.rounds_done, 2u);
    EXPECT_EQ(c.samples_in, 6u * 100000u);
    std::vector<double> centres;
    for (const auto& b : got.blocks)
        if (b.first_sample == 0) centres.push_back(b.segment.center_frequency_hz);
    EXPECT_EQ(centres, (std::vector<double>{2412e6, 2437e6, 2462e6, 2412e6, 2437e6, 2462e6}));
    expect_accounted(src);
}

TEST(LiveSource, ADownconverterMapsTheTuningAndAHighSideLoSwapsIandQ) {
    LiveConfig cfg;
    cfg.plan = one_dwell(1e6, 2437e6);
    cfg.plan.lo_offset_hz = 2900e6;
    cfg.plan.invert = true;
    cfg.plan.dwells[0].tune_hz = 463e6;
    cfg.duration_s = 0.05;
    cfg.settle_s = 0.0;
    LiveSource src(std::make_unique<FakeRadio>(FakeScript{}), cfg);
    SampleBlock b;
    ASSERT_TRUE(src.next(b));
    EXPECT_DOUBLE_EQ(b.segment.center_frequency_hz, 2437e6);
    // swapped: the index lives in the imaginary part now
    EXPECT_EQ(test::fake_index(cf32(b.samples[5].imag(), b.samples[5].real())), 5u);
    while (src.next(b)) {
    }
}

TEST(LiveSource, AStalledRadioEndsTheStreamWithAMessage) {
    FakeScript s;
    s.stall_at = 100000;
    LiveConfig cfg;
    cfg.plan = one_dwell(1e6);
    cfg.duration_s = 10.0;
    cfg.settle_s = 0.0;
    cfg.stall_timeout_s = 0.3;
    LiveSource src(std::make_unique<FakeRadio>(s), cfg);
    const auto t0 = std::chrono::steady_clock::now();
    const auto got = drain(src, 1e6);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
    EXPECT_EQ(src.end_reason(), source::EndReason::stalled);
    EXPECT_NE(src.end_message().find("no samples"), std::string::npos) << src.end_message();
    EXPECT_EQ(got.samples, 100000u);
}

TEST(LiveSource, ARadioFailureEndsTheStreamAfterWhatItDelivered) {
    FakeScript s;
    s.error_at = 70000;
    LiveConfig cfg;
    cfg.plan = one_dwell(1e6);
    cfg.duration_s = 10.0;
    cfg.settle_s = 0.0;
    LiveSource src(std::make_unique<FakeRadio>(s), cfg);
    const auto got = drain(src, 1e6);
    EXPECT_EQ(src.end_reason(), source::EndReason::device_error);
    EXPECT_NE(src.end_message().find("fake failure"), std::string::npos);
    EXPECT_EQ(got.samples, 70000u);
}

// ---- a radio that fails or wedges is reopened (coex monitor) ------------------------------------

// A reopen function that fails `failures` times (the radio still away), then hands out a paced radio.
struct Reopener {
    int failures = 0;
    std::atomic<int> attempts{0};
    std::function<std::unique_ptr<source::Radio>()> function() {
        return [this]() -> std::unique_ptr<source::Radio> {
            if (attempts.fetch_add(1) < failures) throw InputError("no fake radio found");
            FakeScript again;
            again.paced = true;
            return std::make_unique<FakeRadio>(again);
        };
    }
};

// Drains without looking at the samples (the radio that comes back counts its samples from 0 again).
struct Gaps {
    std::uint64_t samples = 0, gap = 0;
    std::size_t segments = 0;
    std::optional<double> first_after_gap_s;
};
Gaps drain_gaps(LiveSource& src) {
    Gaps g;
    SampleBlock b;
    std::size_t last = static_cast<std::size_t>(-1);
    while (src.next(b)) {
        g.samples += b.samples.size();
        if (b.dropped_before > 0 && !g.first_after_gap_s) g.first_after_gap_s = b.segment.start_time_s;
        g.gap += b.dropped_before;
        if (b.segment_index != last) ++g.segments;
        last = b.segment_index;
    }
    return g;
}

TEST(LiveSource, AFailedRadioIsReopenedWithBackoffAndTheTimeAwayCountedAsLost) {
    FakeScript s;
    s.paced = true;
    s.error_at = 200000;  // 0.2 s into the stream
    Reopener reopener;
    reopener.failures = 2;  // found on the third attempt: at once, after 0.1 s, then 0.2 s later
    LiveConfig cfg;
    cfg.plan = one_dwell(1e6);
    cfg.duration_s = 1.0;
    cfg.settle_s = 0.0;
    cfg.reopen = reopener.function();
    cfg.reopen_backoff_s = 0.1;
    LiveSource src(std::make_unique<FakeRadio>(s), cfg);
    const auto t0 = std::chrono::steady_clock::now();
    const auto got = drain_gaps(src);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_EQ(src.end_reason(), source::EndReason::completed) << src.end_message();
    const auto c = src.counters();
    EXPECT_EQ(c.outages, 1u);
    EXPECT_EQ(c.reopens, 1u);
    EXPECT_EQ(c.reopen_failures, 2u);
    EXPECT_EQ(reopener.attempts.load(), 3);
    EXPECT_TRUE(c.radio_present);
    EXPECT_NE(src.fault_message().find("fake failure"), std::string::npos) << src.fault_message();
    // Away for the backoff (0.1 + 0.2 s) at least: that much stream time is lost, all of it unobserved.
    EXPECT_GE(c.samples_unobserved, 300000u);
    EXPECT_LT(c.samples_unobserved, 600000u);
    EXPECT_EQ(c.samples_lost, c.samples_unobserved);
    EXPECT_EQ(c.stream_samples, 1000000u);
    EXPECT_EQ(got.gap, c.samples_unobserved);  // the first block after it says so, and starts a segment
    EXPECT_EQ(got.segments, 2u);
    ASSERT_TRUE(got.first_after_gap_s.has_value());
    EXPECT_NEAR(*got.first_after_gap_s, 0.2 + static_cast<double>(c.samples_unobserved) / 1e6, 1e-6);
    EXPECT_EQ(got.samples, c.samples_in);
    EXPECT_GT(c.samples_in, 200000u + 100000u);  // samples came from the radio that came back
    // Stream time kept up with the wall clock: the 1 s took about 1 s, not 1 s plus the outage.
    EXPECT_LT(wall, 1.0 + 0.25);
    expect_accounted(src);
}

TEST(LiveSource, AWedgedRadioIsReopenedToo) {
    FakeScript s;
    s.paced = true;
    s.stall_at = 100000;
    Reopener reopener;
    LiveConfig cfg;
    cfg.plan = one_dwell(1e6);
    cfg.duration_s = 1.0;
    cfg.settle_s = 0.0;
    cfg.stall_timeout_s = 0.2;
    cfg.reopen = reopener.function();
    LiveSource src(std::make_unique<FakeRadio>(s), cfg);
    const auto got = drain_gaps(src);
    EXPECT_EQ(src.end_reason(), source::EndReason::completed);
    const auto c = src.counters();
    EXPECT_EQ(c.outages, 1u);
    EXPECT_EQ(c.reopens, 1u);
    EXPECT_NE(src.fault_message().find("no samples"), std::string::npos) << src.fault_message();
    EXPECT_GE(c.samples_unobserved, 200000u);  // the stall timeout, at least
    EXPECT_GT(c.timeouts, 0u);
    EXPECT_EQ(got.gap, c.samples_unobserved);
    expect_accounted(src);
}

TEST(LiveSource, TheDurationEndingWhileTheRadioIsAwayCompletesTheStream) {
    FakeScript s;
    s.paced = true;
    s.error_at = 100000;
    Reopener reopener;
    reopener.failures = 1000;  // never back
    LiveConfig cfg;
    cfg.plan = one_dwell(1e6);
    cfg.duration_s = 0.5;
    cfg.settle_s = 0.0;
    cfg.reopen = reopener.function();
    cfg.reopen_backoff_s = 0.05;
    cfg.reopen_backoff_max_s = 0.1;
    LiveSource src(std::make_unique<FakeRadio>(s), cfg);
    const auto t0 = std::chrono::steady_clock::now();
    const auto got = drain_gaps(src);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(900));
    EXPECT_EQ(src.end_reason(), source::EndReason::completed);
    const auto c = src.counters();
    EXPECT_EQ(c.outages, 1u);
    EXPECT_EQ(c.reopens, 0u);
    EXPECT_GE(c.reopen_failures, 3u);
    EXPECT_FALSE(c.radio_present);
    EXPECT_EQ(c.stream_samples, 500000u);
    EXPECT_EQ(c.samples_unobserved, 400000u);
    EXPECT_EQ(got.samples, 100000u);
    expect_accounted(src);
}

TEST(LiveSource, AStopWhileTheRadioIsAwayEndsCleanly) {
    std::atomic<bool> stop{false};
    FakeScript s;
    s.error_at = 50000;
    Reopener reopener;
    reopener.failures = 1000;
    LiveConfig cfg;
    cfg.plan = one_dwell(1e6);
    cfg.settle_s = 0.0;
    cfg.stop = &stop;
    cfg.reopen = reopener.function();
    cfg.reopen_backoff_s = 10.0;  // a stop must not wait for the backoff
    cfg.reopen_backoff_max_s = 10.0;
    LiveSource src(std::make_unique<FakeRadio>(s), cfg);
    src.start();
    std::thread stopper([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        stop = true;
    });
    const auto t0 = std::chrono::steady_clock::now();
    const auto got = drain_gaps(src);
    stopper.join();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
    EXPECT_EQ(src.end_reason(), source::EndReason::stopped);
    EXPECT_EQ(got.samples, 50000u);
    EXPECT_EQ(src.counters().reopen_failures, 1u);
    expect_accounted(src);
}

TEST(LiveSource, AStopRequestEndsCleanlyWithEverythingReadHandedOver) {
    std::atomic<bool> stop{false};
    LiveConfig cfg;
    cfg.plan = one_dwell(1e6);
    cfg.settle_s = 0.0;
    cfg.stop = &stop;  // no duration: until stopped
    auto radio = std::make_unique<FakeRadio>(FakeScript{});
    auto* fake = radio.get();
    LiveSource src(std::move(radio), cfg);
    src.start();
    SampleBlock b;
    std::uint64_t n = 0;
    int blocks = 0;
    while (src.next(b)) {
        n += b.samples.size();
        if (++blocks == 20) stop = true;
    }
    EXPECT_EQ(src.end_reason(), source::EndReason::stopped);
    EXPECT_TRUE(fake->stopped.load());
    const auto c = src.counters();
    EXPECT_EQ(n + c.samples_dropped, fake->produced.load());
    expect_accounted(src);
}

TEST(LiveSource, RejectsBadSettingsNamingTheParameter) {
    auto make = [](LiveConfig cfg) { return LiveSource(std::make_unique<FakeRadio>(FakeScript{}), cfg); };
    LiveConfig cfg;
    cfg.plan = one_dwell(1e6);
    auto expect_error = [&](LiveConfig c, const std::string& what) {
        try {
            (void)make(c);
            ADD_FAILURE() << "accepted " << what;
        } catch (const ConfigError& e) {
            EXPECT_EQ(e.parameter(), what) << e.what();
        }
    };
    auto c = cfg;
    c.dwell_s = 0.0;
    expect_error(c, "dwell_s");
    c = cfg;
    c.rounds = 0;
    expect_error(c, "rounds");
    c = cfg;
    c.duration_s = -1.0;
    expect_error(c, "duration_s");
    c = cfg;
    c.reopen_backoff_s = 60.0;  // more than reopen_backoff_max_s
    expect_error(c, "reopen_backoff_s");
    c = cfg;
    c.settle_s = 2.0;
    expect_error(c, "settle_s");
    c = cfg;
    c.stall_timeout_s = 0.0;
    expect_error(c, "stall_timeout_s");
    c = cfg;
    c.plan.dwells.clear();
    expect_error(c, "plan");
}

}  // namespace
}  // namespace coex
