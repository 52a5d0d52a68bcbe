#pragma once
// Raw interleaved I/Q files as SDR tools write them, without a header (docs/formats.md):
//   cu8  rtl_sdr            uint8 offset binary, I then Q      (u − 127.5) / 128
//   cs8  hackrf_transfer    int8 I, Q                          s / 128
//   cs16 USRP, openofdm     int16 little-endian I, Q           s / 32768
//   cf32 GNU Radio file sink (.cfile)  float32 little-endian I, Q   as is
// The same sample layouts are the SigMF datatypes cu8, ci8, ci16_le and cf32_le. The sample rate and
// centre of a raw file come from options or from its name (tuning_from_name). Every problem with a
// file throws coex::InputError("<path>: <problem>").
#include "coex/core/source.hpp"
#include "coex/core/types.hpp"
#include "coex/io/stored_samples.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace coex::io {

enum class IqFormat { cu8, cs8, cs16, cf32 };

[[nodiscard]] std::string to_string(IqFormat format);          // "cu8", "cs8", "cs16", "cf32"
[[nodiscard]] std::optional<IqFormat> parse_iq_format(std::string_view name);
[[nodiscard]] std::size_t bytes_per_sample(IqFormat format);    // one complex sample: 2, 2, 4, 8
// One step of a component read back at full scale 1.0: 1/128, 1/128, 1/32768; 0 for cf32.
[[nodiscard]] double quantisation_step(IqFormat format);
// By extension: .cu8 .cs8 .cs16 .cf32 .cfile (any case); nullopt for anything else.
[[nodiscard]] std::optional<IqFormat> iq_format_for_extension(const std::filesystem::path& path);

// "20e6", "20000000", "20M", "20000k", "2.437G", "2437MHz", "20Msps", "250kS" → Hz. Nullopt when the text is
// not a finite positive frequency.
[[nodiscard]] std::optional<double> parse_hertz_text(std::string_view text);

// Tuning written into a file name the way rtl_433 and many recording scripts do: tokens separated by
// '_' or '-' that are numbers with a k/M/G unit. With two or more such tokens the last two are centre
// then rate ("ble_2426M_4000k.cu8", "g001_433.92M_250k.cu8"); a lone token is the centre when it is at
// least 100 MHz, the rate otherwise.
struct NameTuning {
    std::optional<double> center_hz;
    std::optional<double> sample_rate_hz;
};
[[nodiscard]] NameTuning tuning_from_name(const std::filesystem::path& path);

// Conversions between a raw layout and full-scale-1.0 complex floats. `bytes` holds exactly
// samples.size() × bytes_per_sample(format) bytes.
// decode: returns samples.size(), or for cf32 the index of the first NaN or infinite sample (when
// check_finite; else cf32 is copied as it is).
std::size_t decode(IqFormat format, std::span<const std::byte> bytes, std::span<cf32> samples, bool check_finite = true) noexcept;
// encode: scaled, rounded to nearest (ties away from zero) and clipped to the type's range; returns how
// many samples had a component clipped. Samples must be finite.
std::size_t encode(IqFormat format, std::span<const cf32> samples, std::span<std::byte> bytes) noexcept;

// One stretch of samples at one tuning inside a file of interleaved samples.
struct IqSegment {
    SegmentInfo info;
    std::uint64_t byte_offset = 0;  // where its first sample starts in the file
    std::uint64_t length = 0;       // samples
};

// Reads a file of interleaved samples cut into segments (a raw file: one; a SigMF recording: one per
// capture). Checks up front that every segment lies inside the file.
class IqFileReader {
public:
    IqFileReader(std::filesystem::path path, IqFormat format, std::vector<IqSegment> segments);

    [[nodiscard]] const std::filesystem::path& path() const { return path_; }
    [[nodiscard]] IqFormat format() const { return format_; }
    [[nodiscard]] const std::vector<IqSegment>& segments() const { return segments_; }
    // Reads out.size() samples (fewer at the segment's end) of `segment` from `offset`. Returns how many
    // were read. Throws InputError on a NaN/Inf sample or a short read (the file shrank).
    std::size_t read(std::size_t segment, std::uint64_t offset, std::span<cf32> out);
    // The same, but cs8 and cs16 samples are left as stored, in `stored` (out is then not written):
    // convert(stored, out.first(n)) gives what read() would have.
    std::size_t read_stored(std::size_t segment, std::uint64_t offset, std::span<cf32> out, StoredSamples& stored);
    // As CaptureReader::set_check_finite: cf32 samples are scanned for NaN/Inf unless turned off.
    void set_check_finite(bool check) { check_finite_ = check; }

private:
    std::filesystem::path path_;
    IqFormat format_;
    bool check_finite_ = true;
    std::vector<IqSegment> segments_;
    std::ifstream in_;
    std::vector<std::byte> buffer_;
    StoredSamples stored_;  // read()'s integers before their conversion
};

// Replays an IqFileReader as a SampleSource, segment after segment, in blocks. Never drops.
class IqFileSource : public SampleSource, public StoredSampleSource {
public:
    explicit IqFileSource(std::shared_ptr<IqFileReader> reader, std::size_t block_samples = 1 << 16);
    [[nodiscard]] bool next(SampleBlock& block) override;
    [[nodiscard]] bool next_stored(SampleBlock& block, StoredSamples& stored) override;
    [[nodiscard]] SourceStats stats() const override;

private:
    std::shared_ptr<IqFileReader> reader_;
    std::size_t block_samples_;
    std::size_t segment_ = 0;
    std::uint64_t offset_ = 0;
    SourceStats stats_;
    StoredSamples stored_;  // next()'s, converted at once
};

// What is known about a raw file before reading it; unset values are taken from the file name.
struct RawOptions {
    std::optional<IqFormat> format;  // unset: from the extension
    std::optional<double> sample_rate_hz;
    std::optional<double> center_hz;
};

// Opens a raw file as one segment starting at time 0. Throws InputError naming the file when the format,
// rate or centre cannot be found, or the length is not a whole number of samples.
[[nodiscard]] std::shared_ptr<IqFileReader> open_raw(const std::filesystem::path& path, const RawOptions& options);

// Writes samples to a file of interleaved samples, appending. Write failures throw InputError naming
// the file. The file is written where asked; callers that want all-or-nothing write a temporary name.
class IqFileWriter {
public:
    IqFileWriter(const std::filesystem::path& path, IqFormat format);
    void append(std::span<const cf32> samples);
    void close();  // flushes and closes; throws on a write failure
    [[nodiscard]] std::uint64_t samples_written() const { return written_; }
    [[nodiscard]] std::uint64_t samples_clipped() const { return clipped_; }
    [[nodiscard]] IqFormat format() const { return format_; }

private:
    std::filesystem::path path_;
    IqFormat format_;
    std::ofstream out_;
    std::vector<std::byte> buffer_;
    std::uint64_t written_ = 0, clipped_ = 0;
};

}  // namespace coex::io
