// open_capture / create_capture: the format factory over HDF5, SigMF and raw files.
#include "coex/core/text.hpp"
#include "coex/io/open.hpp"
#include "coex/io/read_ahead.hpp"

#include "coex/core/error.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <stdexcept>

namespace coex::io {

namespace fs = std::filesystem;

namespace {

IqFormat layout_of(SampleType type) {
    switch (type) {
        case SampleType::int8: return IqFormat::cs8;
        case SampleType::int16: return IqFormat::cs16;
        case SampleType::float32: return IqFormat::cf32;
    }
    return IqFormat::cf32;
}

SampleType hdf5_type_of(IqFormat layout) {
    switch (layout) {
        case IqFormat::cs8: return SampleType::int8;
        case IqFormat::cs16: return SampleType::int16;
        case IqFormat::cu8:
        case IqFormat::cf32: return SampleType::float32;
    }
    return SampleType::float32;
}

// Moves `from` to `to` (replacing it); InputError naming `to` on failure.
void move_into_place(const fs::path& from, const fs::path& to) {
    std::error_code ec;
    fs::rename(from, to, ec);
    if (ec) throw InputError(to.string() + ": could not be written (" + ec.message() + ")");
}

void remove_quietly(const fs::path& path) {
    std::error_code ec;
    fs::remove(path, ec);
}

fs::path partial_name(const fs::path& path) {
    fs::path p = path;
    p += ".partial";
    return p;
}

class Hdf5Sink final : public CaptureSink {
public:
    Hdf5Sink(fs::path path, const SinkOptions& options)
        : path_(std::move(path)), temp_(partial_name(path_)), type_(hdf5_type_of(options.sample_format)) {
        writer_.emplace(temp_, options.metadata, type_);
    }
    ~Hdf5Sink() override {
        if (committed_) return;
        try {
            writer_.reset();
        } catch (...) {
        }
        remove_quietly(temp_);
    }
    void begin_segment(const SegmentInfo& info) override { writer_->begin_segment(info); }
    void append(std::span<const cf32> samples) override {
        if (type_ != SampleType::float32) clipped_ += count_clipped(layout_of(type_), samples);
        writer_->append(samples);
    }
    void end_segment() override { writer_->end_segment(); }
    bool add_annotation(const SigmfAnnotation&) override { return false; }
    void commit() override {
        writer_->close();
        written_ = writer_->samples_written();
        writer_.reset();
        move_into_place(temp_, path_);
        committed_ = true;
    }
    std::uint64_t samples_written() const override { return writer_ ? writer_->samples_written() : written_; }
    std::uint64_t samples_clipped() const override { return clipped_; }
    std::vector<fs::path> files() const override { return {path_}; }

private:
    fs::path path_, temp_;
    SampleType type_;
    std::optional<CaptureWriter> writer_;
    std::uint64_t clipped_ = 0, written_ = 0;
    bool committed_ = false;
};

class SigmfSink final : public CaptureSink {
public:
    SigmfSink(const fs::path& path, const SinkOptions& options)
        : meta_(sigmf_meta_path(path)), data_(sigmf_data_path(path)) {
        fs::path base = meta_;
        base.replace_extension();
        base += ".partial";
        writer_.emplace(base, options.sample_format, options.metadata);
    }
    ~SigmfSink() override {
        if (committed_) return;
        const fs::path meta = writer_->meta_path(), data = writer_->data_path();
        try {
            writer_.reset();
        } catch (...) {
        }
        remove_quietly(meta);
        remove_quietly(data);
    }
    void begin_segment(const SegmentInfo& info) override { writer_->begin_segment(info); }
    void append(std::span<const cf32> samples) override { writer_->append(samples); }
    void end_segment() override { writer_->end_segment(); }
    bool add_annotation(const SigmfAnnotation& annotation) override {
        writer_->add_annotation(annotation);
        return true;
    }
    void commit() override {
        writer_->close();
        move_into_place(writer_->data_path(), data_);
        move_into_place(writer_->meta_path(), meta_);
        committed_ = true;
    }
    std::uint64_t samples_written() const override { return writer_->samples_written(); }
    std::uint64_t samples_clipped() const override { return writer_->samples_clipped(); }
    std::vector<fs::path> files() const override { return {meta_, data_}; }

private:
    fs::path meta_, data_;
    std::optional<SigmfWriter> writer_;
    bool committed_ = false;
};

class RawSink final : public CaptureSink {
public:
    RawSink(fs::path path, IqFormat layout) : path_(std::move(path)), temp_(partial_name(path_)) { writer_.emplace(temp_, layout); }
    ~RawSink() override {
        if (committed_) return;
        try {
            writer_.reset();
        } catch (...) {
        }
        remove_quietly(temp_);
    }
    void begin_segment(const SegmentInfo&) override {
        if (++segments_ > 1)
            throw InputError(path_.string() + ": a raw " + to_string(writer_->format()) +
                             " file holds one segment; write .sigmf-meta or .h5 to keep several");
    }
    void append(std::span<const cf32> samples) override { writer_->append(samples); }
    void end_segment() override {}
    bool add_annotation(const SigmfAnnotation&) override { return false; }
    void commit() override {
        writer_->close();
        move_into_place(temp_, path_);
        committed_ = true;
    }
    std::uint64_t samples_written() const override { return writer_->samples_written(); }
    std::uint64_t samples_clipped() const override { return writer_->samples_clipped(); }
    std::vector<fs::path> files() const override { return {path_}; }

private:
    fs::path path_, temp_;
    std::optional<IqFileWriter> writer_;
    int segments_ = 0;
    bool committed_ = false;
};

}  // namespace

std::string to_string(CaptureFormat format) {
    switch (format) {
        case CaptureFormat::hdf5: return "h5";
        case CaptureFormat::sigmf: return "sigmf";
        case CaptureFormat::cu8: return "cu8";
        case CaptureFormat::cs8: return "cs8";
        case CaptureFormat::cs16: return "cs16";
        case CaptureFormat::cf32: return "cf32";
    }
    return "unknown";
}

std::optional<CaptureFormat> parse_capture_format(std::string_view name) {
    const std::string n = lower_case(name);
    if (n == "h5" || n == "hdf5") return CaptureFormat::hdf5;
    if (n == "sigmf" || n == "sigmf-meta" || n == "sigmf-data") return CaptureFormat::sigmf;
    if (const auto raw = parse_iq_format(n)) return raw_capture_format(*raw);
    return std::nullopt;
}

std::optional<CaptureFormat> capture_format_for_path(const fs::path& path) {
    const std::string ext = lower_case(path.extension().string());
    if (ext.size() < 2) return std::nullopt;
    return parse_capture_format(std::string_view(ext).substr(1));
}

std::optional<IqFormat> raw_layout(CaptureFormat format) {
    switch (format) {
        case CaptureFormat::cu8: return IqFormat::cu8;
        case CaptureFormat::cs8: return IqFormat::cs8;
        case CaptureFormat::cs16: return IqFormat::cs16;
        case CaptureFormat::cf32: return IqFormat::cf32;
        default: return std::nullopt;
    }
}

CaptureFormat raw_capture_format(IqFormat layout) {
    switch (layout) {
        case IqFormat::cu8: return CaptureFormat::cu8;
        case IqFormat::cs8: return CaptureFormat::cs8;
        case IqFormat::cs16: return CaptureFormat::cs16;
        case IqFormat::cf32: return CaptureFormat::cf32;
    }
    return CaptureFormat::cf32;
}

std::uint64_t CaptureInfo::total_samples() const {
    std::uint64_t total = 0;
    for (const auto& s : segments) total += s.length;
    return total;
}

namespace {
OpenedCapture open_capture_directly(const fs::path& path, const OpenOptions& options);
}

OpenedCapture open_capture(const fs::path& path, const OpenOptions& options) {
    OpenedCapture opened = open_capture_directly(path, options);
    if (options.read_ahead_blocks > 0)
        opened.source = std::make_unique<ReadAheadSource>(std::move(opened.source), options.read_ahead_blocks);
    return opened;
}

namespace {
OpenedCapture open_capture_directly(const fs::path& path, const OpenOptions& options) {
    if (options.block_samples == 0) throw ConfigError("open_capture: block_samples must be > 0");
    const auto format = options.format ? options.format : capture_format_for_path(path);
    if (!format)
        throw ConfigError("format", path.string() + ": format unknown: name it .h5, .sigmf-meta, .cu8, .cs8, .cs16, .cf32 or .cfile, or give {}");
    OpenedCapture opened;
    CaptureInfo& info = opened.info;
    info.path = path;
    info.format = *format;
    if (*format == CaptureFormat::hdf5) {
        if (options.sample_rate_hz) throw ConfigError("sample_rate_hz", path.string() + " is HDF5, which carries its own sample rates");
        if (options.center_hz) throw ConfigError("center_hz", path.string() + " is HDF5, which carries its own centre frequencies");
        auto reader = std::make_shared<CaptureReader>(path);
        reader->set_check_finite(options.check_finite);
        info.metadata = reader->metadata();
        std::optional<IqFormat> layout;
        for (const auto& s : reader->segments()) {
            info.segments.push_back({s.info, s.length});
            const IqFormat l = layout_of(s.type);
            layout = !layout || *layout == l ? l : IqFormat::cf32;
        }
        info.sample_format = layout.value_or(IqFormat::cf32);
        opened.source = std::make_unique<ReplaySource>(std::move(reader), options.block_samples);
        return opened;
    }
    std::shared_ptr<IqFileReader> reader;
    if (*format == CaptureFormat::sigmf) {
        auto input = open_sigmf(path, SigmfOptions{options.sample_rate_hz, options.center_hz});
        info.path = sigmf_meta_path(path);
        info.metadata = input.recording.metadata;
        info.annotations = input.recording.annotations;
        reader = std::move(input.reader);
    } else {
        reader = open_raw(path, RawOptions{raw_layout(*format), options.sample_rate_hz, options.center_hz});
    }
    info.sample_format = reader->format();
    reader->set_check_finite(options.check_finite);
    for (const auto& s : reader->segments()) info.segments.push_back({s.info, s.length});
    opened.source = std::make_unique<IqFileSource>(std::move(reader), options.block_samples);
    return opened;
}
}  // namespace

std::unique_ptr<CaptureSink> create_capture(const fs::path& path, const SinkOptions& options) {
    const auto format = options.format ? options.format : capture_format_for_path(path);
    if (!format)
        throw InputError(path.string() +
                         ": format unknown: name it .h5, .sigmf-meta, .cu8, .cs8, .cs16, .cf32 or .cfile, or give the format");
    switch (*format) {
        case CaptureFormat::hdf5: return std::make_unique<Hdf5Sink>(path, options);
        case CaptureFormat::sigmf: return std::make_unique<SigmfSink>(path, options);
        default: return std::make_unique<RawSink>(path, *raw_layout(*format));
    }
}

std::uint64_t copy_samples(SampleSource& source, CaptureSink& sink, const std::function<void(const SampleBlock&)>& on_block) {
    SampleBlock block;
    std::optional<std::size_t> segment;
    std::uint64_t blocks = 0;
    while (source.next(block)) {
        if (!segment || *segment != block.segment_index) {
            if (segment) sink.end_segment();
            sink.begin_segment(block.segment);
            segment = block.segment_index;
        }
        sink.append(block.samples);
        ++blocks;
        if (on_block) on_block(block);
    }
    if (segment) sink.end_segment();
    return blocks;
}

std::size_t count_clipped(IqFormat format, std::span<const cf32> samples) noexcept {
    float scale = 1.0f, lo = 0.0f, hi = 0.0f, offset = 0.0f;
    switch (format) {
        case IqFormat::cf32: return 0;
        case IqFormat::cu8: scale = 128.0f, lo = 0.0f, hi = 255.0f, offset = 127.5f; break;
        case IqFormat::cs8: scale = 128.0f, lo = -128.0f, hi = 127.0f; break;
        case IqFormat::cs16: scale = 32768.0f, lo = -32768.0f, hi = 32767.0f; break;
    }
    std::size_t clipped = 0;
    for (const cf32 s : samples) {
        const float i = s.real() * scale + offset, q = s.imag() * scale + offset;
        clipped += (i >= hi + 0.5f || i <= lo - 0.5f || q >= hi + 0.5f || q <= lo - 0.5f) ? 1 : 0;
    }
    return clipped;
}

}  // namespace coex::io
