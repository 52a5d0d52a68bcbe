// ReplaySource: a capture as a SampleSource, segment after segment, in blocks. It never drops.
#include "coex/core/error.hpp"
#include "coex/io/capture.hpp"

#include <algorithm>
#include <stdexcept>

namespace coex::io {

ReplaySource::ReplaySource(std::shared_ptr<CaptureReader> reader, std::size_t block_samples)
    : reader_(std::move(reader)), block_samples_(block_samples) {
    if (!reader_) {
        throw std::invalid_argument("ReplaySource: no reader");
    }
    if (block_samples_ == 0) {
        throw ConfigError("ReplaySource: block_samples must be > 0");
    }
}

bool ReplaySource::next(SampleBlock& block) {
    if (!next_stored(block, stored_)) return false;
    convert(stored_, block.samples);
    return true;
}

bool ReplaySource::next_stored(SampleBlock& block, StoredSamples& stored) {
    const auto& segments = reader_->segments();
    while (segment_ < segments.size() && offset_ >= segments[segment_].length) {
        ++segment_;
        offset_ = 0;
    }
    if (segment_ >= segments.size()) {
        return false;
    }
    const SegmentDescription& segment = segments[segment_];
    const auto count = static_cast<std::size_t>(std::min<std::uint64_t>(block_samples_, segment.length - offset_));
    block.samples.resize(count);
    const std::size_t got = reader_->read_stored(segment_, offset_, block.samples, stored);
    if (got != count) {  // the reader returns fewer samples only at the segment's end
        throw std::logic_error("ReplaySource: short read inside segment " + std::to_string(segment_));
    }
    block.segment_index = segment_;
    block.segment = segment.info;
    block.first_sample = offset_;
    block.dropped_before = 0;
    offset_ += got;
    stats_.samples_in += got;
    return true;
}

SourceStats ReplaySource::stats() const { return stats_; }

}  // namespace coex::io
