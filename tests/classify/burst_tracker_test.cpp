// BurstTracker on hand-built frames: every cell's floor is 1, so a cell's value is its power over the
// floor (5 = +7 dB, 3 = +4.8 dB, 1.5 = +1.8 dB). What a caller (the classifier) relies on: where a burst
// starts and ends, which cells and how much energy it holds, when it is split in two.
#include "burst_tracker.hpp"

#include "coex/dsp/cell_grid.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <tuple>
#include <vector>

namespace coex::classify {
namespace {

constexpr double kRate = 20e6;
constexpr std::size_t kFft = 256;
constexpr double kFrameS = static_cast<double>(kFft) / kRate;  // 12.8 µs

// Feeds frames of a 20 MS/s view (256-point FFT, cells 2431…2449 MHz) one at a time.
class Frames {
public:
    Frames() : grid_(2440e6, kRate, kFft, 1.5, 9.5e6) {
        TuningGeometry view;
        view.grid = &grid_;
        view.segment.center_frequency_hz = 2440e6;
        view.segment.sample_rate_hz = kRate;
        view.frame_seconds = kFrameS;
        view.bin_hz = kRate / static_cast<double>(kFft);
        tracker_.begin_tuning(view);
        floor_.assign(grid_.size(), 1.0f);
        claimed_.assign(grid_.size(), 0);
    }
    std::size_t cells() const { return grid_.size(); }

    // One frame: `lit` maps cell index → power (others sit on the floor). Returns the bursts closed by it.
    std::vector<TrackedBurst> frame(const std::vector<std::pair<int, float>>& lit, const std::vector<int>& claimed = {}) {
        std::vector<float> cells(grid_.size(), 1.0f);
        for (auto [c, p] : lit) cells[static_cast<std::size_t>(c)] = p;
        std::fill(claimed_.begin(), claimed_.end(), 0);
        for (int c : claimed) claimed_[static_cast<std::size_t>(c)] = 1;
        Frame f;
        f.time_s = static_cast<double>(index_) * kFrameS;
        f.first_sample = index_ * kFft;
        f.cells = cells;
        f.cell_floor = floor_;
        std::vector<TrackedBurst> closed;
        tracker_.on_frame(f, claimed_, closed);
        ++index_;
        for (auto& b : closed) all_.push_back(b);
        return closed;
    }
    std::vector<TrackedBurst> quiet(int n) {
        std::vector<TrackedBurst> out;
        for (int i = 0; i < n; ++i)
            for (auto& b : frame({})) out.push_back(b);
        return out;
    }
    std::vector<TrackedBurst> close_all() {
        std::vector<TrackedBurst> closed;
        tracker_.close_all(closed);
        for (auto& b : closed) all_.push_back(b);
        return closed;
    }
    const std::vector<TrackedBurst>& all() const { return all_; }

private:
    dsp::MhzCellGrid grid_;
    BurstTracker tracker_;
    std::vector<float> floor_;
    std::vector<std::uint8_t> claimed_;
    std::uint64_t index_ = 0;
    std::vector<TrackedBurst> all_;
};

std::vector<std::pair<int, float>> block(int lo, int hi, float power) {
    std::vector<std::pair<int, float>> v;
    for (int c = lo; c <= hi; ++c) v.emplace_back(c, power);
    return v;
}

TEST(BurstTracker, CellsNearTheFloorStartNothing) {
    Frames f;
    ASSERT_GE(f.cells(), 15u);
    // +1.8 dB everywhere: under the hold threshold (+3 dB)
    for (int i = 0; i < 50; ++i) EXPECT_TRUE(f.frame(block(0, static_cast<int>(f.cells()) - 1, 1.5f)).empty());
    // +4.8 dB: enough to carry a burst on, not to start one (+6 dB)
    for (int i = 0; i < 50; ++i) EXPECT_TRUE(f.frame(block(3, 6, 3.0f)).empty());
    f.quiet(5);
    EXPECT_TRUE(f.close_all().empty());
}

TEST(BurstTracker, BurstClosesOnItsThirdMissedFrameWithItsSpanAndEnergy) {
    Frames f;
    f.quiet(2);
    for (int i = 0; i < 10; ++i) EXPECT_TRUE(f.frame(block(5, 7, 10.0f)).empty());
    EXPECT_TRUE(f.frame({}).empty());
    EXPECT_TRUE(f.frame({}).empty());
    const auto closed = f.frame({});  // the third frame without it
    ASSERT_EQ(closed.size(), 1u);
    const TrackedBurst& b = closed[0];
    EXPECT_EQ(b.frames, 10u);
    EXPECT_NEAR(b.start_s, 2 * kFrameS, 1e-12);
    EXPECT_NEAR(b.end_s, 12 * kFrameS, 1e-12);  // the end of its last lit frame
    EXPECT_EQ(b.first_sample, 2 * kFft);
    EXPECT_EQ(b.end_sample, 12 * kFft);
    EXPECT_EQ(b.lo_cell, 5);
    EXPECT_EQ(b.hi_cell, 7);
    ASSERT_EQ(b.cell_signal.size(), 3u);
    for (double s : b.cell_signal) EXPECT_NEAR(s, 10 * 9.0, 1e-9);  // 10 frames × (10 − 1)
    EXPECT_NEAR(b.signal, 270.0, 1e-9);
    EXPECT_NEAR(b.noise, 30.0, 1e-9);  // 10 frames × 3 cells × floor 1
    EXPECT_TRUE(f.quiet(10).empty());
    EXPECT_TRUE(f.close_all().empty());
}

TEST(BurstTracker, TwoMissedFramesAreBridgedThreeEndTheBurst) {
    Frames f;
    for (int i = 0; i < 6; ++i) f.frame(block(5, 6, 10.0f));
    EXPECT_TRUE(f.quiet(2).empty());  // a dip of two frames: still the same burst
    for (int i = 0; i < 6; ++i) f.frame(block(5, 6, 10.0f));
    auto closed = f.quiet(3);
    ASSERT_EQ(closed.size(), 1u);
    EXPECT_EQ(closed[0].frames, 12u);  // the missed frames are not counted
    EXPECT_NEAR(closed[0].end_s - closed[0].start_s, 14 * kFrameS, 1e-12);

    Frames g;  // the same with a gap of three frames: two bursts
    for (int i = 0; i < 6; ++i) g.frame(block(5, 6, 10.0f));
    EXPECT_EQ(g.quiet(3).size(), 1u);
    for (int i = 0; i < 6; ++i) g.frame(block(5, 6, 10.0f));
    EXPECT_EQ(g.quiet(3).size(), 1u);
    EXPECT_EQ(g.all().size(), 2u);
}

TEST(BurstTracker, HysteresisWeakCellsCarryAStartedBurstOn) {
    Frames f;
    for (int i = 0; i < 4; ++i) f.frame(block(8, 9, 5.0f));   // +7 dB: starts it
    for (int i = 0; i < 20; ++i) f.frame(block(8, 9, 3.0f));  // +4.8 dB: carries it on (and is no 4 dB step)
    const auto closed = f.quiet(3);
    ASSERT_EQ(closed.size(), 1u);
    EXPECT_EQ(closed[0].frames, 24u);
    EXPECT_NEAR(closed[0].signal, 4 * 2 * 4.0 + 20 * 2 * 2.0, 1e-9);
}

TEST(BurstTracker, WeakSkirtsWidenTheBurstButAWeakNeighbourAloneDoesNot) {
    Frames f;
    // frame 1: cells 5–6; frame 2: cells 4–8, the outer ones weak (+4.8 dB) but joined to the strong run
    f.frame(block(5, 6, 10.0f));
    f.frame({{4, 3.0f}, {5, 10.0f}, {6, 10.0f}, {7, 3.0f}, {8, 3.0f}});
    // a weak run well away from it (cells 13–14) starts nothing
    f.frame({{5, 10.0f}, {6, 10.0f}, {13, 3.0f}, {14, 3.0f}});
    const auto closed = f.quiet(3);
    ASSERT_EQ(closed.size(), 1u);
    const TrackedBurst& b = closed[0];
    EXPECT_EQ(b.lo_cell, 4);
    EXPECT_EQ(b.hi_cell, 8);
    ASSERT_EQ(b.cell_signal.size(), 5u);
    // per-cell sums stay aligned with their cells after the extent grew to the left
    EXPECT_NEAR(b.cell_signal[0], 2.0, 1e-9);   // cell 4
    EXPECT_NEAR(b.cell_signal[1], 27.0, 1e-9);  // cell 5, three frames × 9
    EXPECT_NEAR(b.cell_signal[2], 27.0, 1e-9);  // cell 6
    EXPECT_NEAR(b.cell_signal[3], 2.0, 1e-9);   // cell 7
    EXPECT_NEAR(b.cell_signal[4], 2.0, 1e-9);   // cell 8
    EXPECT_NEAR(std::accumulate(b.cell_signal.begin(), b.cell_signal.end(), 0.0), b.signal, 1e-9);
}

TEST(BurstTracker, AFrameThatLightsTheBurstInPiecesCountsOnce) {
    // a wide burst whose middle cell drops under the hold threshold for a few frames: both pieces
    // continue the same burst, and each such frame is one frame of it
    Frames f;
    for (int i = 0; i < 2; ++i) f.frame(block(3, 9, 10.0f));
    for (int i = 0; i < 4; ++i) f.frame({{3, 10.0f}, {4, 10.0f}, {5, 10.0f}, {7, 10.0f}, {8, 10.0f}, {9, 10.0f}});
    const auto closed = f.quiet(3);
    ASSERT_EQ(closed.size(), 1u);
    EXPECT_EQ(closed[0].frames, 6u);
    EXPECT_EQ(closed[0].lo_cell, 3);
    EXPECT_EQ(closed[0].hi_cell, 9);
    EXPECT_NEAR(closed[0].signal, (2 * 7 + 4 * 6) * 9.0, 1e-9);
    EXPECT_NEAR(closed[0].cell_signal[3], 2 * 9.0, 1e-9);  // cell 6: lit in the first two frames only
}

TEST(BurstTracker, AValleySixDbUnderBothPeaksSeparatesTwoEmitters) {
    Frames f;
    // two emitters at cells 3 and 7 whose skirts light the cells between (+4.8 dB, > 6 dB under the peaks)
    auto two = [] { return std::vector<std::pair<int, float>>{{2, 3.0f}, {3, 100.0f}, {4, 3.0f}, {5, 3.0f}, {6, 3.0f}, {7, 100.0f}, {8, 3.0f}}; };
    for (int i = 0; i < 8; ++i) f.frame(two());
    auto closed = f.quiet(3);
    ASSERT_EQ(closed.size(), 2u);
    for (const auto& b : closed) {
        EXPECT_EQ(b.frames, 8u);
        EXPECT_TRUE((b.lo_cell <= 3 && b.hi_cell >= 3) != (b.lo_cell <= 7 && b.hi_cell >= 7)) << b.lo_cell << "–" << b.hi_cell;
    }

    // the same two peaks joined by cells only 3 dB under them: one emitter, one burst
    Frames g;
    for (int i = 0; i < 8; ++i) g.frame({{2, 3.0f}, {3, 100.0f}, {4, 50.0f}, {5, 50.0f}, {6, 50.0f}, {7, 100.0f}, {8, 3.0f}});
    closed = g.quiet(3);
    ASSERT_EQ(closed.size(), 1u);
    EXPECT_EQ(closed[0].lo_cell, 2);
    EXPECT_EQ(closed[0].hi_cell, 8);
}

TEST(BurstTracker, ALevelStepHeldForTwoFramesSplitsTheBurst) {
    Frames f;
    for (int i = 0; i < 8; ++i) f.frame(block(10, 11, 5.0f));   // signal 4 per cell
    for (int i = 0; i < 8; ++i) f.frame(block(10, 11, 20.0f));  // +6.8 dB: another transmitter on top
    f.quiet(3);
    ASSERT_EQ(f.all().size(), 2u);
    const auto& first = f.all()[0];
    const auto& second = f.all()[1];
    EXPECT_NEAR(first.start_s, 0.0, 1e-12);
    EXPECT_LE(first.end_s, second.start_s + 1e-12);
    EXPECT_NEAR(second.end_s, 16 * kFrameS, 1e-12);
    EXPECT_EQ(first.frames + second.frames, 16u);
    // the split lands at the step (within the two frames it takes to confirm it)
    EXPECT_NEAR(first.end_s, 8 * kFrameS, 2 * kFrameS + 1e-12);
    // the later burst is the stronger one
    EXPECT_GT(second.signal / static_cast<double>(second.frames), 2.0 * first.signal / static_cast<double>(first.frames));

    // and downwards: the stronger transmitter stops, the weaker one carries on
    Frames g;
    for (int i = 0; i < 8; ++i) g.frame(block(10, 11, 20.0f));
    for (int i = 0; i < 8; ++i) g.frame(block(10, 11, 5.0f));
    g.quiet(3);
    EXPECT_EQ(g.all().size(), 2u);
}

TEST(BurstTracker, AOneFrameSpikeOrAModestChangeDoesNotSplit) {
    Frames f;
    for (int i = 0; i < 8; ++i) f.frame(block(10, 11, 5.0f));
    f.frame(block(10, 11, 40.0f));  // one frame of +10 dB
    for (int i = 0; i < 8; ++i) f.frame(block(10, 11, 5.0f));
    for (int i = 0; i < 8; ++i) f.frame(block(10, 11, 8.0f));  // signal 4 → 7: +2.4 dB, under the 4 dB step
    f.quiet(3);
    ASSERT_EQ(f.all().size(), 1u);
    EXPECT_EQ(f.all()[0].frames, 25u);
}

TEST(BurstTracker, CellsClaimedByWifiAreLeftOut) {
    Frames f;
    for (int i = 0; i < 6; ++i) f.frame(block(3, 12, 20.0f), {3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
    f.quiet(3);
    EXPECT_TRUE(f.all().empty());

    Frames g;  // a strong signal whose lower half Wi-Fi explained: the rest is tracked alone
    for (int i = 0; i < 6; ++i) g.frame(block(3, 9, 20.0f), {3, 4, 5});
    g.quiet(3);
    ASSERT_EQ(g.all().size(), 1u);
    EXPECT_EQ(g.all()[0].lo_cell, 6);
    EXPECT_EQ(g.all()[0].hi_cell, 9);
    EXPECT_NEAR(g.all()[0].signal, 6 * 4 * 19.0, 1e-9);
}

TEST(BurstTracker, CentreMomentsTellAFixedEmitterFromASlidingOne) {
    auto moments = [](const TrackedBurst& b) {
        const double n = static_cast<double>(b.centre_frames);
        const double mean = b.centre_sum / n;
        return std::pair{mean, std::sqrt(std::max(0.0, b.centre_sq_sum / n - mean * mean))};
    };
    Frames f;
    for (int i = 0; i < 10; ++i) f.frame({{6, 5.0f}, {7, 17.0f}, {8, 5.0f}});
    f.quiet(3);
    ASSERT_EQ(f.all().size(), 1u);
    auto [mean, spread] = moments(f.all()[0]);
    EXPECT_NEAR(mean, 7.0, 1e-9);
    EXPECT_NEAR(spread, 0.0, 1e-6);

    Frames g;  // a carrier sliding one cell every frame (a magnetron's sweep), frames overlapping ±1 cell
    for (int i = 0; i < 8; ++i) g.frame(block(2 + i, 3 + i, 10.0f));
    g.quiet(3);
    ASSERT_EQ(g.all().size(), 1u);
    std::tie(mean, spread) = moments(g.all()[0]);
    EXPECT_NEAR(mean, 2.5 + 3.5, 1e-9);             // mean of 2.5 … 9.5
    EXPECT_NEAR(spread, std::sqrt(63.0 / 12.0), 1e-9);  // population std of 8 evenly spaced centres
}

TEST(BurstTracker, CloseAllHandsOverOpenBurstsOnce) {
    Frames f;
    for (int i = 0; i < 5; ++i) f.frame({{2, 10.0f}, {3, 10.0f}, {12, 10.0f}});
    auto closed = f.close_all();
    ASSERT_EQ(closed.size(), 2u);
    for (const auto& b : closed) EXPECT_EQ(b.frames, 5u);
    EXPECT_TRUE(f.close_all().empty());
    EXPECT_TRUE(f.quiet(5).empty());
}

}  // namespace
}  // namespace coex::classify
