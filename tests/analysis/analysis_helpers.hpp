#pragma once
// Runs the analyzer over samples held in memory, as a replay source would deliver them.
#include "coex/analysis/analyzer.hpp"

#include <span>

namespace coex::testing {

inline report::Report analyze_samples(std::span<const cf32> samples, const SegmentInfo& segment,
                                      RegDomain domain = RegDomain::eu, std::size_t block = 65536) {
    analysis::AnalysisConfig config;
    config.domain = domain;
    config.spectrogram.planning = dsp::FftPlanning::estimate;
    analysis::Analyzer analyzer(config);
    SourceStats stats;
    for (std::size_t pos = 0; pos < samples.size(); pos += block) {
        SampleBlock b;
        b.segment = segment;
        b.first_sample = pos;
        const auto n = std::min(block, samples.size() - pos);
        b.samples.assign(samples.begin() + static_cast<std::ptrdiff_t>(pos), samples.begin() + static_cast<std::ptrdiff_t>(pos + n));
        stats.samples_in += n;
        analyzer.consume(b);
    }
    return analyzer.finish(stats);
}

inline const report::WifiChannelRow& channel(const report::Report& r, int number) {
    for (const auto& c : r.wifi)
        if (c.channel == number) return c;
    throw std::out_of_range("no channel " + std::to_string(number));
}

}  // namespace coex::testing
