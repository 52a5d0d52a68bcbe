// Raw interleaved I/Q files (cu8, cs8, cs16, cf32): conversions, name parsing, reading and writing.
#include "coex/io/raw.hpp"
#include "coex/core/text.hpp"

#include "coex/core/error.hpp"
#include "samples.hpp"

#include <algorithm>
#include <bit>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace coex::io {

namespace fs = std::filesystem;

static_assert(std::endian::native == std::endian::little,
              "raw and SigMF little-endian layouts are read by copying; add byte swapping for this host");

namespace {


// A number with an optional k/M/G multiplier and an optional Hz/sps/S suffix. `unit`: set to true when
// a multiplier letter was present.
std::optional<double> parse_frequency_token(std::string_view text, bool& unit) {
    unit = false;
    if (text.empty()) return std::nullopt;
    double value = 0.0;
    const char* first = text.data();
    const char* last = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(first, last, value);
    if (ec != std::errc() || ptr == first) return std::nullopt;
    std::string suffix = lower_case(std::string_view(ptr, static_cast<std::size_t>(last - ptr)));
    for (const char* tail : {"hz", "sps", "s/s", "s"}) {
        const std::string_view t(tail);
        if (suffix.size() >= t.size() && suffix.compare(suffix.size() - t.size(), t.size(), t) == 0) {
            suffix.erase(suffix.size() - t.size());
            break;
        }
    }
    double scale = 1.0;
    if (suffix == "k") scale = 1e3;
    else if (suffix == "m") scale = 1e6;
    else if (suffix == "g") scale = 1e9;
    else if (!suffix.empty()) return std::nullopt;
    unit = scale != 1.0;
    value *= scale;
    if (!std::isfinite(value) || value <= 0.0) return std::nullopt;
    return value;
}

template <class T>
T load(const std::byte* p) noexcept {
    T value;
    std::memcpy(&value, p, sizeof value);
    return value;
}

template <class T>
void store(std::byte* p, T value) noexcept {
    std::memcpy(p, &value, sizeof value);
}

// Rounds to nearest, ties away from zero, and clips to [lo, hi]; `clipped` is set when clipping was needed.
template <class Int>
Int quantize(float t, float lo, float hi, bool& clipped) noexcept {
    if (t >= hi + 0.5f || t <= lo - 0.5f) clipped = true;
    t = std::clamp(t, lo, hi);
    t += t >= 0.0f ? 0.5f : -0.5f;
    return static_cast<Int>(static_cast<int>(t));
}

}  // namespace

std::string to_string(IqFormat format) {
    switch (format) {
        case IqFormat::cu8: return "cu8";
        case IqFormat::cs8: return "cs8";
        case IqFormat::cs16: return "cs16";
        case IqFormat::cf32: return "cf32";
    }
    return "unknown";
}

std::optional<IqFormat> parse_iq_format(std::string_view name) {
    const std::string n = lower_case(name);
    if (n == "cu8") return IqFormat::cu8;
    if (n == "cs8") return IqFormat::cs8;
    if (n == "cs16") return IqFormat::cs16;
    if (n == "cf32" || n == "cfile") return IqFormat::cf32;
    return std::nullopt;
}

double quantisation_step(IqFormat format) {
    switch (format) {
        case IqFormat::cu8:
        case IqFormat::cs8: return 1.0 / 128.0;
        case IqFormat::cs16: return 1.0 / 32768.0;
        case IqFormat::cf32: return 0.0;
    }
    return 0.0;
}

std::size_t bytes_per_sample(IqFormat format) {
    switch (format) {
        case IqFormat::cu8:
        case IqFormat::cs8: return 2;
        case IqFormat::cs16: return 4;
        case IqFormat::cf32: return 8;
    }
    return 0;
}

std::optional<IqFormat> iq_format_for_extension(const fs::path& path) {
    const std::string ext = lower_case(path.extension().string());
    if (ext.size() < 2) return std::nullopt;
    return parse_iq_format(std::string_view(ext).substr(1));
}

std::optional<double> parse_hertz_text(std::string_view text) {
    bool unit = false;
    return parse_frequency_token(text, unit);
}

NameTuning tuning_from_name(const fs::path& path) {
    const std::string stem = path.stem().string();
    std::vector<double> values;
    std::size_t start = 0;
    while (start <= stem.size()) {
        std::size_t end = stem.find_first_of("_- ", start);
        if (end == std::string::npos) end = stem.size();
        bool unit = false;
        if (const auto v = parse_frequency_token(std::string_view(stem).substr(start, end - start), unit); v && unit)
            values.push_back(*v);
        start = end + 1;
    }
    NameTuning tuning;
    if (values.size() == 1) {
        (values[0] >= 100e6 ? tuning.center_hz : tuning.sample_rate_hz) = values[0];
    } else if (values.size() >= 2) {
        const double a = values[values.size() - 2], b = values.back();
        if (b < a) {  // centre then rate; the other order is ambiguous and read as nothing
            tuning.center_hz = a;
            tuning.sample_rate_hz = b;
        }
    }
    return tuning;
}

std::size_t decode(IqFormat format, std::span<const std::byte> bytes, std::span<cf32> samples, bool check_finite) noexcept {
    const std::size_t n = samples.size();
    const std::byte* in = bytes.data();
    switch (format) {
        case IqFormat::cu8:
            for (std::size_t k = 0; k < n; ++k) {
                const auto i = static_cast<float>(std::to_integer<std::uint8_t>(in[2 * k]));
                const auto q = static_cast<float>(std::to_integer<std::uint8_t>(in[2 * k + 1]));
                samples[k] = {(i - 127.5f) * (1.0f / 128.0f), (q - 127.5f) * (1.0f / 128.0f)};
            }
            return n;
        case IqFormat::cs8:
            for (std::size_t k = 0; k < n; ++k) {
                const auto i = static_cast<float>(std::to_integer<std::int8_t>(in[2 * k]));
                const auto q = static_cast<float>(std::to_integer<std::int8_t>(in[2 * k + 1]));
                samples[k] = {i * (1.0f / 128.0f), q * (1.0f / 128.0f)};
            }
            return n;
        case IqFormat::cs16:
            for (std::size_t k = 0; k < n; ++k) {
                const auto i = static_cast<float>(load<std::int16_t>(in + 4 * k));
                const auto q = static_cast<float>(load<std::int16_t>(in + 4 * k + 2));
                samples[k] = {i * (1.0f / 32768.0f), q * (1.0f / 32768.0f)};
            }
            return n;
        case IqFormat::cf32: {
            if (n > 0) std::memcpy(samples.data(), in, n * sizeof(cf32));
            if (!check_finite) return n;
            const std::size_t bad = detail::first_non_finite(reinterpret_cast<const float*>(samples.data()), 2 * n);
            return bad / 2;
        }
    }
    return n;
}

std::size_t encode(IqFormat format, std::span<const cf32> samples, std::span<std::byte> bytes) noexcept {
    std::size_t clipped_samples = 0;
    std::byte* out = bytes.data();
    const std::size_t n = samples.size();
    switch (format) {
        case IqFormat::cu8:
            for (std::size_t k = 0; k < n; ++k) {
                bool clipped = false;
                out[2 * k] = std::byte{quantize<std::uint8_t>(samples[k].real() * 128.0f + 127.5f, 0.0f, 255.0f, clipped)};
                out[2 * k + 1] = std::byte{quantize<std::uint8_t>(samples[k].imag() * 128.0f + 127.5f, 0.0f, 255.0f, clipped)};
                clipped_samples += clipped;
            }
            break;
        case IqFormat::cs8:
            for (std::size_t k = 0; k < n; ++k) {
                bool clipped = false;
                const auto i = quantize<std::int8_t>(samples[k].real() * 128.0f, -128.0f, 127.0f, clipped);
                const auto q = quantize<std::int8_t>(samples[k].imag() * 128.0f, -128.0f, 127.0f, clipped);
                out[2 * k] = static_cast<std::byte>(i);
                out[2 * k + 1] = static_cast<std::byte>(q);
                clipped_samples += clipped;
            }
            break;
        case IqFormat::cs16:
            for (std::size_t k = 0; k < n; ++k) {
                bool clipped = false;
                store(out + 4 * k, quantize<std::int16_t>(samples[k].real() * 32768.0f, -32768.0f, 32767.0f, clipped));
                store(out + 4 * k + 2, quantize<std::int16_t>(samples[k].imag() * 32768.0f, -32768.0f, 32767.0f, clipped));
                clipped_samples += clipped;
            }
            break;
        case IqFormat::cf32:
            if (n > 0) std::memcpy(out, samples.data(), n * sizeof(cf32));
            break;
    }
    return clipped_samples;
}

// ---- reading -------------------------------------------------------------------------------------

IqFileReader::IqFileReader(fs::path path, IqFormat format, std::vector<IqSegment> segments)
    : path_(std::move(path)), format_(format), segments_(std::move(segments)) {
    const std::string name = path_.string();
    std::error_code ec;
    const auto size = fs::file_size(path_, ec);
    if (ec) throw InputError(name + ": cannot be read (" + ec.message() + ")");
    const std::size_t bps = bytes_per_sample(format_);
    for (std::size_t s = 0; s < segments_.size(); ++s) {
        auto& seg = segments_[s];
        seg.info.quantisation_step = quantisation_step(format_);
        if (seg.length > (std::numeric_limits<std::uint64_t>::max() - seg.byte_offset) / bps ||
            seg.byte_offset + seg.length * bps > size)
            throw InputError(name + ": segment " + std::to_string(s) + " runs past the end of the file (" +
                             std::to_string(size) + " bytes)");
    }
    in_.open(path_, std::ios::binary);
    if (!in_) throw InputError(name + ": cannot be opened (" + std::strerror(errno) + ")");
}

std::size_t IqFileReader::read(std::size_t segment, std::uint64_t offset, std::span<cf32> out) {
    const std::size_t n = read_stored(segment, offset, out, stored_);
    convert(stored_, out.first(n));
    return n;
}

std::size_t IqFileReader::read_stored(std::size_t segment, std::uint64_t offset, std::span<cf32> out, StoredSamples& stored) {
    stored.type = StoredSamples::Type::converted;
    const IqSegment& seg = segments_.at(segment);
    if (offset >= seg.length) return 0;
    const auto count = static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), seg.length - offset));
    const std::size_t bps = bytes_per_sample(format_);
    // cs8 and cs16 (native byte order, as read() takes them) are read straight into `stored`
    char* into = nullptr;
    if (format_ == IqFormat::cs8) {
        stored.int8.resize(2 * count);
        into = reinterpret_cast<char*>(stored.int8.data());
    } else if (format_ == IqFormat::cs16) {
        stored.int16.resize(2 * count);
        into = reinterpret_cast<char*>(stored.int16.data());
    } else {
        buffer_.resize(count * bps);
        into = reinterpret_cast<char*>(buffer_.data());
    }
    const std::uint64_t position = seg.byte_offset + offset * bps;
    in_.clear();
    in_.seekg(static_cast<std::streamoff>(position));
    in_.read(into, static_cast<std::streamsize>(count * bps));
    if (static_cast<std::size_t>(in_.gcount()) != count * bps)
        throw InputError(path_.string() + ": short read at byte " + std::to_string(position) +
                         " (the file is shorter than when it was opened)");
    if (format_ == IqFormat::cs8) {
        stored.type = StoredSamples::Type::int8;
        return count;
    }
    if (format_ == IqFormat::cs16) {
        stored.type = StoredSamples::Type::int16;
        return count;
    }
    const std::size_t good = decode(format_, buffer_, out.first(count), check_finite_);
    if (good < count)
        throw InputError(path_.string() + ": sample " + std::to_string(position / bps + good) +
                         " of the file is NaN or infinite");
    return count;
}

IqFileSource::IqFileSource(std::shared_ptr<IqFileReader> reader, std::size_t block_samples)
    : reader_(std::move(reader)), block_samples_(block_samples) {
    if (!reader_) throw std::invalid_argument("IqFileSource: no reader");
    if (block_samples_ == 0) throw ConfigError("IqFileSource: block_samples must be > 0");
}

bool IqFileSource::next(SampleBlock& block) {
    if (!next_stored(block, stored_)) return false;
    convert(stored_, block.samples);
    return true;
}

bool IqFileSource::next_stored(SampleBlock& block, StoredSamples& stored) {
    const auto& segments = reader_->segments();
    while (segment_ < segments.size() && offset_ >= segments[segment_].length) {
        ++segment_;
        offset_ = 0;
    }
    if (segment_ >= segments.size()) return false;
    const IqSegment& seg = segments[segment_];
    const auto count = static_cast<std::size_t>(std::min<std::uint64_t>(block_samples_, seg.length - offset_));
    block.samples.resize(count);
    const std::size_t got = reader_->read_stored(segment_, offset_, block.samples, stored);
    if (got != count) throw std::logic_error("IqFileSource: short read inside segment " + std::to_string(segment_));
    block.segment_index = segment_;
    block.segment = seg.info;
    block.first_sample = offset_;
    block.dropped_before = 0;
    offset_ += got;
    stats_.samples_in += got;
    return true;
}

SourceStats IqFileSource::stats() const { return stats_; }

std::shared_ptr<IqFileReader> open_raw(const fs::path& path, const RawOptions& options) {
    const std::string name = path.string();
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (status.type() == fs::file_type::not_found) throw InputError(name + ": no such file");
    if (status.type() == fs::file_type::directory) throw InputError(name + ": is a directory, not a capture file");
    const auto format = options.format ? options.format : iq_format_for_extension(path);
    if (!format)
        throw ConfigError("format", name + ": raw sample format unknown: name the file .cu8, .cs8, .cs16, .cf32 or .cfile, or give {}");
    const NameTuning from_name = tuning_from_name(path);
    const auto rate = options.sample_rate_hz ? options.sample_rate_hz : from_name.sample_rate_hz;
    const auto center = options.center_hz ? options.center_hz : from_name.center_hz;
    const std::string example = path.stem().string() + "_2437M_20000k" + path.extension().string();
    if (!rate)
        throw ConfigError("sample_rate_hz", name + ": sample rate unknown: give {} HZ or put it in the name (" + example + ")");
    if (!(std::isfinite(*rate) && *rate > 0.0)) throw InputError(name + ": sample rate must be finite and > 0");
    if (!center)
        throw ConfigError("center_hz", name + ": centre frequency unknown: give {} HZ or put it in the name (" + example + ")");
    if (!std::isfinite(*center)) throw InputError(name + ": centre frequency must be finite");
    const auto size = fs::file_size(path, ec);
    if (ec) throw InputError(name + ": cannot be read (" + ec.message() + ")");
    const std::size_t bps = bytes_per_sample(*format);
    if (size == 0) throw InputError(name + ": is empty (no samples)");
    if (size % bps != 0)
        throw InputError(name + ": " + std::to_string(size) + " bytes is not a whole number of " + to_string(*format) +
                         " samples (" + std::to_string(bps) + " bytes each)");
    IqSegment segment;
    segment.info.center_frequency_hz = *center;
    segment.info.sample_rate_hz = *rate;
    segment.length = size / bps;
    return std::make_shared<IqFileReader>(path, *format, std::vector<IqSegment>{segment});
}

// ---- writing -------------------------------------------------------------------------------------

IqFileWriter::IqFileWriter(const fs::path& path, IqFormat format) : path_(path), format_(format) {
    out_.open(path_, std::ios::binary | std::ios::trunc);
    if (!out_) throw InputError(path_.string() + ": cannot be written (" + std::strerror(errno) + ")");
}

void IqFileWriter::append(std::span<const cf32> samples) {
    if (!out_.is_open()) throw std::logic_error("IqFileWriter: " + path_.string() + " is already closed");
    const std::size_t bad = detail::first_non_finite(reinterpret_cast<const float*>(samples.data()), 2 * samples.size());
    if (bad < 2 * samples.size())
        throw InputError(path_.string() + ": sample " + std::to_string(written_ + bad / 2) + " is NaN or infinite");
    buffer_.resize(samples.size() * bytes_per_sample(format_));
    clipped_ += encode(format_, samples, buffer_);
    out_.write(reinterpret_cast<const char*>(buffer_.data()), static_cast<std::streamsize>(buffer_.size()));
    if (!out_) throw InputError(path_.string() + ": write failed (" + std::strerror(errno) + ")");
    written_ += samples.size();
}

void IqFileWriter::close() {
    if (!out_.is_open()) return;
    out_.flush();
    const bool ok = static_cast<bool>(out_);
    out_.close();
    if (!ok || out_.fail()) throw InputError(path_.string() + ": write failed (" + std::strerror(errno) + ")");
}

}  // namespace coex::io
