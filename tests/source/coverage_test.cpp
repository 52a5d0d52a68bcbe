// Coverage: seconds in view per channel and the longest stretch out of view.
#include "coex/source/coverage.hpp"

#include <gtest/gtest.h>

namespace coex {
namespace {

SegmentInfo at(double centre_mhz, double rate = 20e6) {
    SegmentInfo s;
    s.center_frequency_hz = centre_mhz * 1e6;
    s.sample_rate_hz = rate;
    return s;
}

const source::ChannelCoverage& find(const std::vector<source::ChannelCoverage>& rows, const std::string& name) {
    for (const auto& r : rows)
        if (r.name == name) return r;
    throw std::runtime_error("no " + name);
}

TEST(Coverage, ASweepSeesEachChannelOnceARoundAndIsBlindInBetween) {
    source::CoverageTracker cov(RegDomain::eu);
    // three rounds over channels 1, 6, 11: 0.1 s dwells, 2 ms retune gaps
    double t = 0.0;
    for (int round = 0; round < 3; ++round)
        for (double c : {2412.0, 2437.0, 2462.0}) {
            cov.add(at(c), t, 2'000'000);
            t += 0.102;
        }
    const auto rows = cov.results();
    const auto& ch6 = find(rows, "wifi 6");
    EXPECT_NEAR(ch6.observed_s, 0.3, 1e-9);
    EXPECT_EQ(ch6.looks, 3u);
    EXPECT_NEAR(ch6.longest_blind_s, 0.206, 1e-9);  // two other dwells and three retune gaps
    const auto& ch1 = find(rows, "wifi 1");
    EXPECT_NEAR(ch1.longest_blind_s, 0.206, 1e-9);
    const auto& ch11 = find(rows, "wifi 11");
    EXPECT_NEAR(ch11.longest_blind_s, 0.206, 1e-9);
    const auto& ch3 = find(rows, "wifi 3");
    EXPECT_EQ(ch3.looks, 0u);
    EXPECT_NEAR(ch3.longest_blind_s, cov.span_s(), 1e-9);
    EXPECT_EQ(find(rows, "ble 38").looks, 0u) << "2426 MHz lies between channel 1's dwell (to 2421) and channel 6's (from 2428)";
}

TEST(Coverage, ContiguousBlocksAreOneLook) {
    source::CoverageTracker cov(RegDomain::us);
    for (int i = 0; i < 10; ++i) cov.add(at(2437.0), i * 0.01, 200'000);
    const auto rows = cov.results();  // find() returns into it: it must outlive ch6
    const auto& ch6 = find(rows, "wifi 6");
    EXPECT_EQ(ch6.looks, 1u);
    EXPECT_NEAR(ch6.observed_s, 0.1, 1e-9);
    EXPECT_NEAR(ch6.longest_blind_s, 0.0, 1e-9);
}

TEST(Coverage, ANarrowViewHoldsNoWifiChannel) {
    source::CoverageTracker cov(RegDomain::eu);
    cov.add(at(2426.0, 2.4e6), 0.0, 240'000);
    const auto rows = cov.results();
    for (const auto& r : rows) {
        if (r.name.rfind("wifi", 0) == 0) {
            EXPECT_EQ(r.looks, 0u) << r.name;
        }
    }
    EXPECT_EQ(find(rows, "ble 38").looks, 1u);
}

}  // namespace
}  // namespace coex
