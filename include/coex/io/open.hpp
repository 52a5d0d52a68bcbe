#pragma once
// One door to every capture format: coex HDF5 (capture.hpp), SigMF (sigmf.hpp) and raw I/Q files
// (raw.hpp), for reading (open_capture → a SampleSource and what is known about the capture) and for
// writing (create_capture → a CaptureSink). docs/formats.md describes the formats and the choices.
#include "coex/core/source.hpp"
#include "coex/core/types.hpp"
#include "coex/io/capture.hpp"
#include "coex/io/raw.hpp"
#include "coex/io/sigmf.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace coex::io {

enum class CaptureFormat { hdf5, sigmf, cu8, cs8, cs16, cf32 };

[[nodiscard]] std::string to_string(CaptureFormat format);  // "h5", "sigmf", "cu8", "cs8", "cs16", "cf32"
// "h5" / "hdf5", "sigmf", "cu8", "cs8", "cs16", "cf32" / "cfile" (any case).
[[nodiscard]] std::optional<CaptureFormat> parse_capture_format(std::string_view name);
// By extension: .h5 .hdf5 .sigmf-meta .sigmf-data .cu8 .cs8 .cs16 .cf32 .cfile; nullopt otherwise.
[[nodiscard]] std::optional<CaptureFormat> capture_format_for_path(const std::filesystem::path& path);
// The raw layout of a raw format; nullopt for HDF5 and SigMF.
[[nodiscard]] std::optional<IqFormat> raw_layout(CaptureFormat format);
[[nodiscard]] CaptureFormat raw_capture_format(IqFormat layout);

struct OpenOptions {
    std::optional<CaptureFormat> format;   // unset: from the extension
    std::optional<double> sample_rate_hz;  // raw: the rate (else from the name); SigMF: only where the metadata has none
    std::optional<double> center_hz;       // likewise
    std::size_t block_samples = 1 << 16;
    // > 0: a reader thread reads (and converts) this many blocks ahead of the caller (ReadAheadSource)
    std::size_t read_ahead_blocks = 0;
    // false: float samples are handed over without the scan for NaN/Inf, for a caller that checks
    // them itself (coex analyze: the analyzer finds them in its spectrogram at no cost)
    bool check_finite = true;
};

struct CaptureSegment {
    SegmentInfo info;
    std::uint64_t length = 0;  // samples
};

struct CaptureInfo {
    std::filesystem::path path;
    CaptureFormat format = CaptureFormat::hdf5;
    IqFormat sample_format = IqFormat::cf32;  // how the samples are stored (mixed HDF5 sample types: cf32)
    CaptureMetadata metadata;
    std::vector<CaptureSegment> segments;     // in replay order
    std::vector<SigmfAnnotation> annotations;  // SigMF only
    [[nodiscard]] std::uint64_t total_samples() const;
};

struct OpenedCapture {
    CaptureInfo info;
    std::unique_ptr<SampleSource> source;  // replays every segment; never drops
};

// Opens and validates a capture of any format. Throws InputError naming the file and the problem, and
// ConfigError for an option that does not apply (a rate given for an HDF5 capture, say).
[[nodiscard]] OpenedCapture open_capture(const std::filesystem::path& path, const OpenOptions& options = {});

// Where converted samples go. Files are written under temporary names and moved into place by commit();
// a sink destroyed without commit() removes what it wrote, so a failed conversion leaves nothing behind.
class CaptureSink {
public:
    virtual ~CaptureSink() = default;
    virtual void begin_segment(const SegmentInfo& info) = 0;
    virtual void append(std::span<const cf32> samples) = 0;  // full scale 1.0; clipped to the stored type
    virtual void end_segment() = 0;
    // Keeps an annotation where the format has room for it (SigMF); returns false where it has none.
    virtual bool add_annotation(const SigmfAnnotation& annotation) = 0;
    virtual void commit() = 0;
    [[nodiscard]] virtual std::uint64_t samples_written() const = 0;
    [[nodiscard]] virtual std::uint64_t samples_clipped() const = 0;
    [[nodiscard]] virtual std::vector<std::filesystem::path> files() const = 0;  // the final names
};

struct SinkOptions {
    std::optional<CaptureFormat> format;    // unset: from the extension
    IqFormat sample_format = IqFormat::cf32;  // HDF5 and SigMF (HDF5 has no unsigned type: cu8 is stored as float32, exactly)
    CaptureMetadata metadata;
};

// Creates the sink for `path`. A raw file holds one segment: a second begin_segment() throws InputError.
[[nodiscard]] std::unique_ptr<CaptureSink> create_capture(const std::filesystem::path& path, const SinkOptions& options);

// Copies every block of `source` into `sink`, a new segment each time the block's segment changes;
// `on_block` (optional) sees each block after it is written. Does not commit. Returns the blocks copied.
std::uint64_t copy_samples(SampleSource& source, CaptureSink& sink,
                           const std::function<void(const SampleBlock&)>& on_block = {});

// How many samples would have a component clipped when stored as `format`.
[[nodiscard]] std::size_t count_clipped(IqFormat format, std::span<const cf32> samples) noexcept;

}  // namespace coex::io
