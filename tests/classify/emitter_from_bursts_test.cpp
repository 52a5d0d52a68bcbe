// util::emitter_from_bursts: an entry's band, level and duty from the bursts it is built from.
#include "detectors.hpp"

#include <gtest/gtest.h>

namespace coex::classify {
namespace {

Observation seen_for(double seconds) {
    Observation o;
    for (int mhz = 2400; mhz <= 2484; ++mhz) o.cell_seconds.emplace_back(mhz, seconds);
    return o;
}

TEST(EmitterFromBursts, DutyIsTheUnionOfTheOnTimes) {
    // Two transmitters of one entry on the air together (1 ms each, overlapping 0.5 ms), then a third
    // burst alone: on 1.5 + 1 ms of 10 ms, not the 3 ms their durations add up to.
    const std::vector<BurstSpan> bursts{{0.0010, 0.0020, 2423.5, 2424.5, -20.0, 30.0},
                                        {0.0015, 0.0025, 2425.5, 2426.5, -20.0, 30.0},
                                        {0.0050, 0.0060, 2423.5, 2424.5, -20.0, 30.0}};
    const auto e = util::emitter_from_bursts(EmitterClass::ble, bursts, seen_for(0.010), 0.0);
    EXPECT_NEAR(e.duty_cycle, 0.25, 1e-9);
    EXPECT_EQ(e.bursts, 3u);
    EXPECT_DOUBLE_EQ(e.low_mhz, 2423.5);
    EXPECT_DOUBLE_EQ(e.high_mhz, 2426.5);
    // a burst wholly inside another adds nothing; disjoint ones add their lengths
    const std::vector<BurstSpan> nested{{0.0, 0.004, 2440.0, 2441.0, -20.0, 30.0}, {0.001, 0.002, 2442.0, 2443.0, -20.0, 30.0}};
    EXPECT_NEAR(util::emitter_from_bursts(EmitterClass::ble, nested, seen_for(0.010), 0.0).duty_cycle, 0.4, 1e-9);
}

}  // namespace
}  // namespace coex::classify
