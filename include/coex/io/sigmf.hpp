#pragma once
// SigMF recordings (https://sigmf.org): a JSON metadata file `x.sigmf-meta` beside the samples in
// `x.sigmf-data` (docs/formats.md). coex reads and writes the datatypes cu8, ci8, ci16_le and cf32_le;
// each SigMF capture is one segment; annotations are read, kept and written. What SigMF has no core field
// for (a segment's start time as a number, gain, trusted bandwidth) travels in the `coex` extension
// namespace, so coex HDF5 → SigMF → HDF5 keeps every sample and every attribute.
// JSON (nlohmann) is used in src/io only. Every problem throws coex::InputError("<file>: <problem>").
#include "coex/core/types.hpp"
#include "coex/io/capture.hpp"
#include "coex/io/raw.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace coex::io {

struct SigmfAnnotation {
    std::uint64_t sample_start = 0;  // index into the recording's samples
    std::optional<std::uint64_t> sample_count;
    std::optional<double> freq_lower_edge_hz, freq_upper_edge_hz;
    std::string label, comment;
    std::string extra_json;  // every other field, as a JSON object's text ("" when none); written back as is
};

struct SigmfCapture {
    std::uint64_t sample_start = 0;  // index into the dataset file (core:sample_start − core:offset)
    std::uint64_t length = 0;        // samples, up to the next capture or the end of the dataset
    std::uint64_t header_bytes = 0;  // core:header_bytes: bytes to skip in the dataset before its samples
    SegmentInfo info;
    std::string datetime;            // core:datetime as written, "" when absent
};

struct SigmfRecording {
    IqFormat format = IqFormat::cf32;
    double sample_rate_hz = 0.0;
    std::uint64_t offset = 0;           // core:offset
    CaptureMetadata metadata;           // core:hw, core:description, the first capture's core:datetime
    std::vector<SigmfCapture> captures;  // ascending sample_start; captures holding no sample are left out
    std::vector<SigmfAnnotation> annotations;
    std::string global_extra_json;      // other global fields (a JSON object's text, "" when none)
};

// SigMF datatype names: cu8 ↔ "cu8", cs8 ↔ "ci8", cs16 ↔ "ci16_le", cf32 ↔ "cf32_le".
[[nodiscard]] std::string sigmf_datatype(IqFormat format);
[[nodiscard]] std::optional<IqFormat> parse_sigmf_datatype(std::string_view datatype);

// x.sigmf-meta ↔ x.sigmf-data (given either, or a base name without extension).
[[nodiscard]] std::filesystem::path sigmf_meta_path(const std::filesystem::path& path);
[[nodiscard]] std::filesystem::path sigmf_data_path(const std::filesystem::path& path);

// Values used only where the metadata has none (a SigMF file without core:frequency, say).
struct SigmfOptions {
    std::optional<double> sample_rate_hz;
    std::optional<double> center_hz;
};

// Parses and validates metadata text. `name` starts every message; `dataset_samples` (when known) is the
// number of samples in the dataset after the header bytes, used to size and check the captures.
[[nodiscard]] SigmfRecording parse_sigmf_metadata(std::string_view json_text, const std::string& name,
                                                  std::optional<std::uint64_t> dataset_bytes,
                                                  const SigmfOptions& options = {});
// Metadata text for a recording (pretty-printed JSON, SigMF core 1.0.0 plus the coex extension).
[[nodiscard]] std::string to_sigmf_metadata(const SigmfRecording& recording);

struct SigmfInput {
    SigmfRecording recording;
    std::shared_ptr<IqFileReader> reader;  // one segment per capture
};
// Opens x.sigmf-meta and its dataset, checking one against the other.
[[nodiscard]] SigmfInput open_sigmf(const std::filesystem::path& path, const SigmfOptions& options = {});

// Writes x.sigmf-data while samples arrive and x.sigmf-meta on close(). Every segment must share the
// first one's sample rate (a SigMF recording has one). A segment that received no samples is not written.
class SigmfWriter {
public:
    SigmfWriter(const std::filesystem::path& meta_path, IqFormat format, const CaptureMetadata& metadata);

    void begin_segment(const SegmentInfo& info);
    void append(std::span<const cf32> samples);
    void end_segment();
    void add_annotation(SigmfAnnotation annotation);
    void set_global_extra(std::string json_object_text);
    void close();
    [[nodiscard]] std::uint64_t samples_written() const { return data_.samples_written(); }
    [[nodiscard]] std::uint64_t samples_clipped() const { return data_.samples_clipped(); }
    [[nodiscard]] const std::filesystem::path& meta_path() const { return meta_path_; }
    [[nodiscard]] const std::filesystem::path& data_path() const { return data_path_; }

private:
    std::filesystem::path meta_path_, data_path_;
    IqFileWriter data_;
    SigmfRecording recording_;
    std::optional<SigmfCapture> open_;
    bool closed_ = false;
};

// ISO 8601 UTC text ("2024-05-01T12:00:00Z", with optional fraction and Z or +00:00) → seconds since
// 1970 (nullopt when it is not such a date); and back, with microseconds.
[[nodiscard]] std::optional<double> parse_iso8601(std::string_view text);
[[nodiscard]] std::string format_iso8601(double seconds_since_1970);

}  // namespace coex::io
