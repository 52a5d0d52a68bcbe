#pragma once
// Runs the pipeline over samples held in memory, as a replay source would deliver them.
#include "../support/memory_source.hpp"

#include <span>

namespace coex::testing {

inline report::Report analyze_samples(std::span<const cf32> samples, const SegmentInfo& segment,
                                      RegDomain domain = RegDomain::eu, std::size_t block = 65536) {
    return analyze_in_memory(samples, segment, test_analysis_config(domain), block);
}

inline const report::WifiChannelRow& channel(const report::Report& r, int number) {
    for (const auto& c : r.wifi)
        if (c.channel == number) return c;
    throw std::out_of_range("no channel " + std::to_string(number));
}

}  // namespace coex::testing
