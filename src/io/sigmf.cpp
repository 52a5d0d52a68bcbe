// SigMF metadata (nlohmann-json) and datasets (IqFileReader / IqFileWriter).
#include "coex/io/sigmf.hpp"

#include "coex/core/error.hpp"
#include "text.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace coex::io {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr const char* kMetaExt = ".sigmf-meta";
constexpr const char* kDataExt = ".sigmf-data";
constexpr const char* kSigmfVersion = "1.0.0";

std::string number_text(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.10g", value);
    return text;
}

class Parser {
public:
    explicit Parser(std::string name) : name_(std::move(name)) {}
    [[noreturn]] void fail(const std::string& what) const { throw InputError(name_ + ": " + what); }
    // A setting the file lacks that the caller could give instead: `parameter` names it ({} in `what`).
    [[noreturn]] void missing(const std::string& parameter, const std::string& what) const { throw ConfigError(parameter, name_ + ": " + what); }

    const json* find(const json& object, const char* key) const {
        const auto it = object.find(key);
        return it == object.end() || it->is_null() ? nullptr : &*it;
    }
    std::optional<double> number(const json& object, const char* key, const std::string& where) const {
        const json* v = find(object, key);
        if (!v) return std::nullopt;
        if (!v->is_number()) fail(where + "'" + key + "' must be a number");
        const double d = v->get<double>();
        if (!std::isfinite(d)) fail(where + "'" + key + "' must be finite");
        return d;
    }
    std::optional<std::uint64_t> count(const json& object, const char* key, const std::string& where) const {
        const json* v = find(object, key);
        if (!v) return std::nullopt;
        if (v->is_number_unsigned()) return v->get<std::uint64_t>();
        if (v->is_number_integer() && v->get<std::int64_t>() >= 0) return static_cast<std::uint64_t>(v->get<std::int64_t>());
        if (v->is_number_float()) {
            const double d = v->get<double>();
            if (d >= 0.0 && d == std::floor(d) && d < 1.8e19) return static_cast<std::uint64_t>(d);
        }
        fail(where + "'" + key + "' must be a whole number ≥ 0");
    }
    std::string text(const json& object, const char* key, const std::string& where) const {
        const json* v = find(object, key);
        if (!v) return {};
        if (!v->is_string()) fail(where + "'" + key + "' must be a string");
        return v->get<std::string>();
    }

private:
    std::string name_;
};

// The fields of `object` not in `known`, as a JSON object's text ("" when none).
std::string extra_fields(const json& object, std::initializer_list<const char*> known) {
    json extra = json::object();
    for (const auto& item : object.items()) {
        const std::string& key = item.key();
        if (std::find_if(known.begin(), known.end(), [&](const char* k) { return key == k; }) == known.end())
            extra[key] = item.value();
    }
    return extra.empty() ? std::string() : extra.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// days since 1970-01-01 of a civil date (proleptic Gregorian)
long long days_from_civil(long long y, unsigned m, unsigned d) {
    y -= m <= 2;
    const long long era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<long long>(doe) - 719468;
}

void civil_from_days(long long z, long long& y, unsigned& m, unsigned& d) {
    z += 719468;
    const long long era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = static_cast<long long>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
}

}  // namespace

std::optional<double> parse_iso8601(std::string_view text) {
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, used = 0;
    const std::string s(text);
    if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &month, &day, &hour, &minute, &second, &used) != 6 ||
        used != 19)
        return std::nullopt;
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
    std::size_t pos = 19;
    double fraction = 0.0;
    if (pos < s.size() && s[pos] == '.') {
        double scale = 0.1;
        ++pos;
        const std::size_t digits_start = pos;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            fraction += scale * (s[pos] - '0');
            scale /= 10.0;
            ++pos;
        }
        if (pos == digits_start) return std::nullopt;
    }
    const std::string zone = s.substr(pos);
    if (zone != "Z" && zone != "+00:00" && zone != "") return std::nullopt;
    const long long days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    return static_cast<double>(days * 86400 + hour * 3600 + minute * 60 + second) + fraction;
}

std::string format_iso8601(double seconds) {
    const double whole = std::floor(seconds);
    auto micros = static_cast<long long>(std::llround((seconds - whole) * 1e6));
    auto total = static_cast<long long>(whole);
    if (micros >= 1'000'000) {
        micros -= 1'000'000;
        ++total;
    }
    long long days = total / 86400, rest = total % 86400;
    if (rest < 0) {
        rest += 86400;
        --days;
    }
    long long y = 0;
    unsigned m = 0, d = 0;
    civil_from_days(days, y, m, d);
    char text[64];
    std::snprintf(text, sizeof text, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%06lldZ", y, m, d, rest / 3600, rest / 60 % 60,
                  rest % 60, micros);
    return text;
}

std::string sigmf_datatype(IqFormat format) {
    switch (format) {
        case IqFormat::cu8: return "cu8";
        case IqFormat::cs8: return "ci8";
        case IqFormat::cs16: return "ci16_le";
        case IqFormat::cf32: return "cf32_le";
    }
    return "unknown";
}

std::optional<IqFormat> parse_sigmf_datatype(std::string_view datatype) {
    if (datatype == "cu8") return IqFormat::cu8;
    if (datatype == "ci8") return IqFormat::cs8;
    if (datatype == "ci16_le") return IqFormat::cs16;
    if (datatype == "cf32_le") return IqFormat::cf32;
    return std::nullopt;
}

namespace {
fs::path with_sigmf_extension(const fs::path& path, const char* ext) {
    fs::path p = path;
    const std::string e = p.extension().string();
    if (e == kMetaExt || e == kDataExt || e == ".sigmf") p.replace_extension();
    p += ext;
    return p;
}
}  // namespace

fs::path sigmf_meta_path(const fs::path& path) { return with_sigmf_extension(path, kMetaExt); }
fs::path sigmf_data_path(const fs::path& path) { return with_sigmf_extension(path, kDataExt); }

SigmfRecording parse_sigmf_metadata(std::string_view json_text, const std::string& name,
                                    std::optional<std::uint64_t> dataset_bytes, const SigmfOptions& options) {
    const Parser p(name);
    json root;
    try {
        root = json::parse(json_text);
    } catch (const json::exception& e) {  // a syntax error, or a number too large for a double
        p.fail("not valid JSON (" + printable(e.what()) + ")");
    }
    if (!root.is_object()) p.fail("SigMF metadata must be a JSON object with 'global', 'captures' and 'annotations'");
    const json* global = p.find(root, "global");
    if (!global || !global->is_object()) p.fail("'global' is missing or not an object");

    SigmfRecording rec;
    const json* datatype = p.find(*global, "core:datatype");
    if (!datatype) p.fail("global 'core:datatype' is missing");
    if (!datatype->is_string()) p.fail("global 'core:datatype' must be a string");
    const auto format = parse_sigmf_datatype(datatype->get<std::string>());
    if (!format)
        p.fail("datatype '" + printable(datatype->get<std::string>()) +
               "' is not supported; coex reads cf32_le, ci16_le, ci8 and cu8");
    rec.format = *format;
    if (const auto channels = p.count(*global, "core:num_channels", "global "); channels && *channels != 1)
        p.fail("core:num_channels is " + std::to_string(*channels) + "; coex reads single-channel recordings");
    const auto rate = p.number(*global, "core:sample_rate", "global ");
    if (rate) {
        if (*rate <= 0.0) p.fail("global 'core:sample_rate' must be > 0 (it is " + number_text(*rate) + ")");
        rec.sample_rate_hz = *rate;
    } else if (options.sample_rate_hz) {
        rec.sample_rate_hz = *options.sample_rate_hz;
    } else {
        p.missing("sample_rate_hz", "global 'core:sample_rate' is missing (give {} HZ)");
    }
    rec.offset = p.count(*global, "core:offset", "global ").value_or(0);
    rec.metadata.hardware = p.text(*global, "core:hw", "global ");
    rec.metadata.description = p.text(*global, "core:description", "global ");
    (void)p.text(*global, "core:version", "global ");
    rec.global_extra_json = extra_fields(*global, {"core:datatype", "core:sample_rate", "core:offset", "core:hw",
                                                   "core:description", "core:version", "core:num_channels",
                                                   "core:extensions", "core:recorder", "core:dataset", "coex:datetime"});

    const std::size_t bps = bytes_per_sample(rec.format);
    const json* captures = p.find(root, "captures");
    if (!captures || !captures->is_array()) p.fail("'captures' is missing or not an array");
    if (captures->empty()) p.fail("'captures' is empty: the centre frequency is unknown");

    std::uint64_t header_total = 0;
    std::vector<SigmfCapture> all;
    for (std::size_t i = 0; i < captures->size(); ++i) {
        const json& c = (*captures)[i];
        const std::string where = "captures[" + std::to_string(i) + "]: ";
        if (!c.is_object()) p.fail(where + "must be an object");
        SigmfCapture cap;
        const auto start = p.count(c, "core:sample_start", where);
        if (!start) p.fail(where + "'core:sample_start' is missing");
        if (*start < rec.offset)
            p.fail(where + "'core:sample_start' " + std::to_string(*start) + " is before core:offset " + std::to_string(rec.offset));
        cap.sample_start = *start - rec.offset;
        if (!all.empty() && cap.sample_start < all.back().sample_start)
            p.fail(where + "'core:sample_start' goes backwards (captures must be in sample order)");
        cap.header_bytes = p.count(c, "core:header_bytes", where).value_or(0);
        header_total += cap.header_bytes;
        const auto freq = p.number(c, "core:frequency", where);
        if (freq) {
            cap.info.center_frequency_hz = *freq;
        } else if (options.center_hz) {
            cap.info.center_frequency_hz = *options.center_hz;
        } else {
            p.missing("center_hz", where + "'core:frequency' is missing (give {} HZ)");
        }
        cap.info.sample_rate_hz = rec.sample_rate_hz;
        cap.datetime = p.text(c, "core:datetime", where);
        cap.info.gain_db = p.number(c, "coex:gain_db", where);
        if (const auto bw = p.number(c, "coex:bandwidth", where)) {
            if (*bw <= 0.0 || *bw > rec.sample_rate_hz) p.fail(where + "'coex:bandwidth' must be > 0 and at most the sample rate");
            cap.info.bandwidth_hz = *bw;
        }
        const auto start_time = p.number(c, "coex:start_time", where);
        const auto first_date = all.empty() ? std::nullopt : parse_iso8601(all.front().datetime);
        const auto this_date = parse_iso8601(cap.datetime);
        if (start_time) {
            cap.info.start_time_s = *start_time;
        } else if (!all.empty() && first_date && this_date) {
            cap.info.start_time_s = all.front().info.start_time_s + (*this_date - *first_date);
        } else if (!all.empty()) {  // no times at all: contiguous samples
            cap.info.start_time_s = all.front().info.start_time_s +
                                    static_cast<double>(cap.sample_start - all.front().sample_start) / rec.sample_rate_hz;
        }
        all.push_back(cap);
    }
    rec.metadata.datetime = all.front().datetime.empty() ? p.text(*global, "coex:datetime", "global ") : all.front().datetime;

    std::uint64_t samples = std::numeric_limits<std::uint64_t>::max();
    if (dataset_bytes) {
        if (*dataset_bytes < header_total) p.fail("the dataset is shorter than its captures' header bytes");
        const std::uint64_t sample_bytes = *dataset_bytes - header_total;
        if (sample_bytes % bps != 0)
            p.fail("the dataset's " + std::to_string(sample_bytes) + " bytes of samples are not a whole number of " +
                   sigmf_datatype(rec.format) + " samples (" + std::to_string(bps) + " bytes each)");
        samples = sample_bytes / bps;
        if (samples == 0) p.fail("the dataset holds no samples");
    }
    for (std::size_t i = 0; i < all.size(); ++i) {
        if (all[i].sample_start >= samples)
            p.fail("captures[" + std::to_string(i) + "]: 'core:sample_start' " + std::to_string(all[i].sample_start + rec.offset) +
                   " is past the end of the dataset (" + std::to_string(samples) + " samples)");
    }
    for (std::size_t i = 0; i < all.size(); ++i) {
        const std::uint64_t end = i + 1 < all.size() ? all[i + 1].sample_start : samples;
        all[i].length = end == std::numeric_limits<std::uint64_t>::max() ? 0 : end - all[i].sample_start;
        if (all[i].length > 0 || !dataset_bytes) rec.captures.push_back(all[i]);
    }

    if (const json* annotations = p.find(root, "annotations")) {
        if (!annotations->is_array()) p.fail("'annotations' must be an array");
        for (std::size_t i = 0; i < annotations->size(); ++i) {
            const json& a = (*annotations)[i];
            const std::string where = "annotations[" + std::to_string(i) + "]: ";
            if (!a.is_object()) p.fail(where + "must be an object");
            SigmfAnnotation ann;
            const auto start = p.count(a, "core:sample_start", where);
            if (!start) p.fail(where + "'core:sample_start' is missing");
            ann.sample_start = *start;
            ann.sample_count = p.count(a, "core:sample_count", where);
            ann.freq_lower_edge_hz = p.number(a, "core:freq_lower_edge", where);
            ann.freq_upper_edge_hz = p.number(a, "core:freq_upper_edge", where);
            ann.label = p.text(a, "core:label", where);
            ann.comment = p.text(a, "core:comment", where);
            ann.extra_json = extra_fields(a, {"core:sample_start", "core:sample_count", "core:freq_lower_edge",
                                              "core:freq_upper_edge", "core:label", "core:comment"});
            rec.annotations.push_back(std::move(ann));
        }
    }
    return rec;
}

std::string to_sigmf_metadata(const SigmfRecording& rec) {
    json global = rec.global_extra_json.empty() ? json::object() : json::parse(rec.global_extra_json);
    global["core:datatype"] = sigmf_datatype(rec.format);
    global["core:sample_rate"] = rec.sample_rate_hz;
    global["core:version"] = kSigmfVersion;
    global["core:recorder"] = "coex";
    if (rec.offset != 0) global["core:offset"] = rec.offset;
    if (!rec.metadata.hardware.empty()) global["core:hw"] = rec.metadata.hardware;
    if (!rec.metadata.description.empty()) global["core:description"] = rec.metadata.description;
    const auto base_date = parse_iso8601(rec.metadata.datetime);
    if (!rec.metadata.datetime.empty() && !base_date) global["coex:datetime"] = rec.metadata.datetime;
    global["core:extensions"] = json::array(
        {json{{"name", "coex"}, {"version", "1.0.0"}, {"optional", true}}});

    json captures = json::array();
    for (std::size_t i = 0; i < rec.captures.size(); ++i) {
        const SigmfCapture& c = rec.captures[i];
        json out = json::object();
        out["core:sample_start"] = c.sample_start + rec.offset;
        out["core:frequency"] = c.info.center_frequency_hz;
        if (c.header_bytes != 0) out["core:header_bytes"] = c.header_bytes;
        if (!c.datetime.empty()) {
            out["core:datetime"] = c.datetime;
        } else if (base_date) {
            out["core:datetime"] = i == 0 ? rec.metadata.datetime : format_iso8601(*base_date + c.info.start_time_s);
        }
        out["coex:start_time"] = c.info.start_time_s;
        if (c.info.gain_db) out["coex:gain_db"] = *c.info.gain_db;
        if (c.info.bandwidth_hz) out["coex:bandwidth"] = *c.info.bandwidth_hz;
        captures.push_back(std::move(out));
    }

    json annotations = json::array();
    for (const auto& a : rec.annotations) {
        json out = a.extra_json.empty() ? json::object() : json::parse(a.extra_json);
        out["core:sample_start"] = a.sample_start;
        if (a.sample_count) out["core:sample_count"] = *a.sample_count;
        if (a.freq_lower_edge_hz) out["core:freq_lower_edge"] = *a.freq_lower_edge_hz;
        if (a.freq_upper_edge_hz) out["core:freq_upper_edge"] = *a.freq_upper_edge_hz;
        if (!a.label.empty()) out["core:label"] = a.label;
        if (!a.comment.empty()) out["core:comment"] = a.comment;
        annotations.push_back(std::move(out));
    }
    std::stable_sort(annotations.begin(), annotations.end(), [](const json& a, const json& b) {
        return a["core:sample_start"].get<std::uint64_t>() < b["core:sample_start"].get<std::uint64_t>();
    });
    const json root{{"global", global}, {"captures", captures}, {"annotations", annotations}};
    return root.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

SigmfInput open_sigmf(const fs::path& path, const SigmfOptions& options) {
    const fs::path meta = sigmf_meta_path(path);
    std::error_code ec;
    const auto status = fs::status(meta, ec);
    if (status.type() == fs::file_type::not_found) throw InputError(meta.string() + ": no such file");
    if (status.type() == fs::file_type::directory) throw InputError(meta.string() + ": is a directory, not a capture file");
    std::ifstream in(meta, std::ios::binary);
    if (!in) throw InputError(meta.string() + ": cannot be opened (" + std::strerror(errno) + ")");
    std::ostringstream text;
    text << in.rdbuf();

    // The dataset's name: core:dataset when given (a non-conforming dataset beside the metadata), else x.sigmf-data.
    fs::path data = sigmf_data_path(meta);
    try {
        const json root = json::parse(text.str());
        if (root.is_object() && root.contains("global") && root["global"].is_object()) {
            const auto it = root["global"].find("core:dataset");
            if (it != root["global"].end() && it->is_string()) {
                const fs::path named = it->get<std::string>();
                if (named.has_parent_path() || named.filename() != named)
                    throw InputError(meta.string() + ": 'core:dataset' must name a file beside the metadata");
                data = meta.parent_path() / named;
            }
        }
    } catch (const json::exception&) {
        // parse_sigmf_metadata reports bad JSON below
    }
    const auto data_status = fs::status(data, ec);
    std::optional<std::uint64_t> data_bytes;
    if (data_status.type() == fs::file_type::not_found) {
        (void)parse_sigmf_metadata(text.str(), meta.string(), std::nullopt, options);  // metadata problems first
        throw InputError(data.string() + ": no such file (the dataset of " + meta.filename().string() + ")");
    }
    data_bytes = fs::file_size(data, ec);
    if (ec) throw InputError(data.string() + ": cannot be read (" + ec.message() + ")");

    SigmfInput input;
    input.recording = parse_sigmf_metadata(text.str(), meta.string(), data_bytes, options);
    std::vector<IqSegment> segments;
    std::uint64_t headers = 0;
    const std::size_t bps = bytes_per_sample(input.recording.format);
    for (const auto& c : input.recording.captures) {
        headers += c.header_bytes;
        segments.push_back({c.info, c.sample_start * bps + headers, c.length});
    }
    input.reader = std::make_shared<IqFileReader>(data, input.recording.format, std::move(segments));
    return input;
}

// ---- writing -------------------------------------------------------------------------------------

SigmfWriter::SigmfWriter(const fs::path& meta_path, IqFormat format, const CaptureMetadata& metadata)
    : meta_path_(sigmf_meta_path(meta_path)), data_path_(sigmf_data_path(meta_path)), data_(data_path_, format) {
    recording_.format = format;
    recording_.metadata = metadata;
}

void SigmfWriter::begin_segment(const SegmentInfo& info) {
    if (closed_) throw std::logic_error("SigmfWriter: " + meta_path_.string() + " is already closed");
    end_segment();
    const std::string where = meta_path_.string() + ": segment " + std::to_string(recording_.captures.size()) + ": ";
    if (!(std::isfinite(info.sample_rate_hz) && info.sample_rate_hz > 0.0)) throw ConfigError(where + "sample rate must be finite and > 0");
    if (!std::isfinite(info.center_frequency_hz)) throw ConfigError(where + "centre frequency must be finite");
    if (recording_.sample_rate_hz == 0.0) recording_.sample_rate_hz = info.sample_rate_hz;
    if (info.sample_rate_hz != recording_.sample_rate_hz)
        throw InputError(where + "sample rate " + number_text(info.sample_rate_hz) + " Hz differs from the first segment's " +
                         number_text(recording_.sample_rate_hz) + " Hz; a SigMF recording has one sample rate");
    SigmfCapture c;
    c.sample_start = data_.samples_written();
    c.info = info;
    open_ = c;
}

void SigmfWriter::append(std::span<const cf32> samples) {
    if (!open_) throw std::logic_error("SigmfWriter::append: no segment begun in " + meta_path_.string());
    data_.append(samples);
}

void SigmfWriter::end_segment() {
    if (!open_) return;
    open_->length = data_.samples_written() - open_->sample_start;
    if (open_->length > 0) recording_.captures.push_back(*open_);
    open_.reset();
}

void SigmfWriter::add_annotation(SigmfAnnotation annotation) { recording_.annotations.push_back(std::move(annotation)); }

void SigmfWriter::set_global_extra(std::string json_object_text) { recording_.global_extra_json = std::move(json_object_text); }

void SigmfWriter::close() {
    if (closed_) return;
    end_segment();
    data_.close();
    closed_ = true;
    std::ofstream out(meta_path_, std::ios::binary | std::ios::trunc);
    out << to_sigmf_metadata(recording_);
    out.flush();
    if (!out) throw InputError(meta_path_.string() + ": write failed (" + std::strerror(errno) + ")");
}

}  // namespace coex::io
