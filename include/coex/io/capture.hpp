#pragma once
// The coex capture format (docs/capture-format.md): HDF5 with one or more segments of IQ samples.
// HDF5 lives only in src/io. Every problem with a file throws coex::InputError("<path>: <problem>").
#include "coex/core/source.hpp"
#include "coex/core/types.hpp"
#include "coex/io/stored_samples.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace coex::io {

enum class SampleType { int8, int16, float32 };
std::string to_string(SampleType type);

struct CaptureMetadata {
    std::string hardware;     // optional root attributes; empty when absent
    std::string datetime;     // ISO 8601 UTC
    std::string description;
};

struct SegmentDescription {
    SegmentInfo info;
    std::uint64_t length = 0;  // samples
    SampleType type = SampleType::float32;
};

// Opens and validates a capture: structure, attributes, shapes and types. Samples are read on demand,
// block by block, so memory does not grow with file length.
class CaptureReader {
public:
    explicit CaptureReader(const std::filesystem::path& path);
    ~CaptureReader();
    CaptureReader(CaptureReader&&) noexcept;
    CaptureReader& operator=(CaptureReader&&) noexcept;

    [[nodiscard]] const std::filesystem::path& path() const;
    [[nodiscard]] const CaptureMetadata& metadata() const;
    // Ordered by start_time.
    [[nodiscard]] const std::vector<SegmentDescription>& segments() const;
    // Reads out.size() samples (fewer at the segment's end) of `segment` from `offset`, scaled to full
    // scale 1.0. Returns how many were read. Throws InputError on NaN/Inf samples or a read failure.
    std::size_t read(std::size_t segment, std::uint64_t offset, std::span<cf32> out);
    // The same, but 8- and 16-bit samples are left as stored, in `stored` (out is then not written):
    // convert(stored, out.first(n)) gives what read() would have.
    std::size_t read_stored(std::size_t segment, std::uint64_t offset, std::span<cf32> out, StoredSamples& stored);
    // float32 samples are scanned for NaN/Inf as they are read, unless a caller that checks them
    // itself (the analyzer, as it transforms them) turns the scan off.
    void set_check_finite(bool check);
    // 1 when the file's newest segment could not be opened and was left out: a recorder killed in the
    // instant it named that segment in /segments (docs/reliability.md); 0 otherwise.
    [[nodiscard]] std::size_t unfinished_segments_skipped() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Writes the capture format: /segments/<n> groups, chunked `iq` datasets appended as samples arrive.
// Every full chunk (65536 samples) is written and flushed as it fills, and the part-filled one on
// end_segment(), flush() and close(): a process killed at any moment leaves a file that opens and holds
// every sample of samples_committed() (docs/reliability.md).
class CaptureWriter {
public:
    CaptureWriter(const std::filesystem::path& path, const CaptureMetadata& metadata,
                  SampleType type = SampleType::float32);
    ~CaptureWriter();  // closes (and finishes an open segment)
    CaptureWriter(CaptureWriter&&) noexcept;
    CaptureWriter& operator=(CaptureWriter&&) noexcept;

    void begin_segment(const SegmentInfo& info);
    void append(std::span<const cf32> samples);  // scaled and clipped to the file's sample type
    void end_segment();
    void flush();
    void close();
    [[nodiscard]] std::uint64_t samples_written() const;    // appended
    [[nodiscard]] std::uint64_t samples_committed() const;  // of those, in the file on disk, flushed

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Replays a capture as a SampleSource: segment after segment, in blocks. Never drops (it blocks).
class ReplaySource : public SampleSource, public StoredSampleSource {
public:
    explicit ReplaySource(std::shared_ptr<CaptureReader> reader, std::size_t block_samples = 1 << 16);
    [[nodiscard]] bool next(SampleBlock& block) override;
    [[nodiscard]] bool next_stored(SampleBlock& block, StoredSamples& stored) override;
    [[nodiscard]] SourceStats stats() const override;

private:
    std::shared_ptr<CaptureReader> reader_;
    std::size_t block_samples_;
    std::size_t segment_ = 0;
    std::uint64_t offset_ = 0;
    SourceStats stats_;
    StoredSamples stored_;  // next()'s, converted at once
};

}  // namespace coex::io
