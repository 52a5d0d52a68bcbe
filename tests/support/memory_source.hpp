#pragma once
// Samples held in memory, delivered as a replay source would (block by block, in order, never dropped),
// and run through the one pipeline every command uses.
#include "coex/analysis/pipeline.hpp"

#include <algorithm>
#include <span>
#include <utility>
#include <vector>

namespace coex::testing {

class MemorySource : public SampleSource {
public:
    struct Segment {
        SegmentInfo info;
        std::vector<cf32> samples;
    };
    explicit MemorySource(std::vector<Segment> segments, std::size_t block = 65536)
        : segments_(std::move(segments)), block_(block) {}

    bool next(SampleBlock& b) override {
        while (segment_ < segments_.size() && position_ >= segments_[segment_].samples.size()) {
            ++segment_;
            position_ = 0;
        }
        if (segment_ >= segments_.size()) return false;
        const auto& s = segments_[segment_];
        const std::size_t n = std::min(block_, s.samples.size() - position_);
        b.segment_index = segment_;
        b.segment = s.info;
        b.first_sample = position_;
        b.samples.assign(s.samples.begin() + static_cast<std::ptrdiff_t>(position_),
                         s.samples.begin() + static_cast<std::ptrdiff_t>(position_ + n));
        position_ += n;
        stats_.samples_in += n;
        return true;
    }
    [[nodiscard]] SourceStats stats() const override { return stats_; }

private:
    std::vector<Segment> segments_;
    std::size_t block_;
    std::size_t segment_ = 0, position_ = 0;
    SourceStats stats_;
};

// The analysis settings tests use: FFTW plans estimated, not measured (fast, and the same numbers).
inline analysis::AnalysisConfig test_analysis_config(RegDomain domain = RegDomain::eu) {
    analysis::AnalysisConfig config;
    config.domain = domain;
    config.spectrogram.planning = dsp::FftPlanning::estimate;
    return config;
}

// One segment of samples through the pipeline (no recommendation unless asked for).
inline report::Report analyze_in_memory(std::span<const cf32> samples, const SegmentInfo& segment,
                                        const analysis::AnalysisConfig& config = test_analysis_config(), std::size_t block = 65536) {
    MemorySource source({{segment, std::vector<cf32>(samples.begin(), samples.end())}}, block);
    return analysis::run(source, {config, std::nullopt, {}});
}

}  // namespace coex::testing
