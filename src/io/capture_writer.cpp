// CaptureWriter: writes /segments/<n> groups with chunked, extendible `iq` datasets, appended as samples
// arrive. Samples are gathered into one chunk at a time; each full chunk is written whole and the file
// flushed at once, so a kill (SIGKILL, a crash) at any moment keeps every chunk finished before it
// (docs/reliability.md, "Recordings after a crash", has the order of writes and the measurements).
#include "coex/core/error.hpp"
#include "coex/io/capture.hpp"
#include "hdf5_util.hpp"
#include "ordered_file.hpp"
#include "samples.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string_view>

namespace coex::io {

namespace fs = std::filesystem;

namespace {

constexpr hsize_t chunk_rows = 65536;  // samples per chunk: 128 KiB (int8) to 512 KiB (float32)

std::size_t value_size(SampleType type) {
    switch (type) {
        case SampleType::int8: return 1;
        case SampleType::int16: return 2;
        case SampleType::float32: return 4;
    }
    return 4;
}

hid_t file_type(SampleType type) {
    switch (type) {
        case SampleType::int8: return H5T_STD_I8LE;
        case SampleType::int16: return H5T_STD_I16LE;
        case SampleType::float32: return H5T_IEEE_F32LE;
    }
    return H5I_INVALID_HID;
}

hid_t memory_type(SampleType type) {
    switch (type) {
        case SampleType::int8: return H5T_NATIVE_SCHAR;
        case SampleType::int16: return H5T_NATIVE_SHORT;
        case SampleType::float32: return H5T_NATIVE_FLOAT;
    }
    return H5I_INVALID_HID;
}

}  // namespace

struct CaptureWriter::Impl {
    std::string name;  // the path as text: the start of every message
    SampleType type;
    bool closed = false;
    h5::File file;  // declared first, so it is closed after the objects below
    h5::Group segments_group;

    // The open segment. Its group and dataset are created by the first append() without a name
    // (anonymous), and linked as /segments/<n> only in the flush that writes their first samples, so
    // no moment leaves an empty segment (which readers reject) in the file.
    std::optional<SegmentInfo> segment;
    h5::Group group;
    h5::Dataset dataset;
    bool linked = false;
    std::uint64_t segment_samples = 0;  // appended to the open segment
    hsize_t chunk_start = 0;            // row of the segment where the staged chunk begins
    hsize_t staged = 0;                 // rows of that chunk gathered so far
    hsize_t staged_on_disk = 0;         // of those, rows already written by a flush()
    unsigned next_number = 0;
    std::uint64_t total_samples = 0;
    std::uint64_t committed_samples = 0;  // written and flushed: what a kill can no longer take

    std::vector<unsigned char> chunk;  // one chunk in the file's sample type

    Impl(const fs::path& path, SampleType t) : name(path.string()), type(t), chunk(chunk_rows * 2 * value_size(t)) {}

    // "segment <n>: ", the prefix of messages about the open segment.
    [[nodiscard]] std::string segment_where() const { return "segment " + std::to_string(next_number) + ": "; }
    [[noreturn]] void fail(std::string_view what) const {
        const std::string detail = h5::last_error();
        throw InputError(name + ": " + std::string(what) + (detail.empty() ? "" : " (" + detail + ")"));
    }
    void check_open() const {
        if (closed) {
            throw std::logic_error("CaptureWriter: " + name + " is already closed");
        }
    }

    void write_string(hid_t object, const char* attribute, const std::string& value) const;
    void write_double(hid_t object, const char* attribute, double value) const;
    void write_int(hid_t object, const char* attribute, long long value) const;
    void create_segment();
    void stage(const float* values, std::size_t rows);
    void commit();
    void end_segment();
    void flush() const;
};

void CaptureWriter::Impl::write_string(hid_t object, const char* attribute, const std::string& value) const {
    // Variable-length UTF-8, as h5py writes Python str attributes.
    const h5::Datatype type(H5Tcopy(H5T_C_S1));
    const h5::Dataspace space(H5Screate(H5S_SCALAR));
    if (!type || !space || H5Tset_size(type.get(), H5T_VARIABLE) < 0 || H5Tset_cset(type.get(), H5T_CSET_UTF8) < 0) {
        fail(std::string("writing attribute '") + attribute + "' failed");
    }
    const h5::Attribute attr(H5Acreate2(object, attribute, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT));
    const char* text = value.c_str();
    if (!attr || H5Awrite(attr.get(), type.get(), &text) < 0) {
        fail(std::string("writing attribute '") + attribute + "' failed");
    }
}

void CaptureWriter::Impl::write_double(hid_t object, const char* attribute, double value) const {
    const h5::Dataspace space(H5Screate(H5S_SCALAR));
    const h5::Attribute attr(
        space ? H5Acreate2(object, attribute, H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT) : -1);
    if (!attr || H5Awrite(attr.get(), H5T_NATIVE_DOUBLE, &value) < 0) {
        fail(std::string("writing attribute '") + attribute + "' failed");
    }
}

void CaptureWriter::Impl::write_int(hid_t object, const char* attribute, long long value) const {
    const h5::Dataspace space(H5Screate(H5S_SCALAR));
    const h5::Attribute attr(
        space ? H5Acreate2(object, attribute, H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT) : -1);
    if (!attr || H5Awrite(attr.get(), H5T_NATIVE_LLONG, &value) < 0) {
        fail(std::string("writing attribute '") + attribute + "' failed");
    }
}

void CaptureWriter::Impl::create_segment() {
    const std::string where = segment_where();
    group = h5::Group(H5Gcreate_anon(file.get(), H5P_DEFAULT, H5P_DEFAULT));
    if (!group) {
        fail(where + "creating the group failed");
    }
    write_double(group.get(), "center_frequency", segment->center_frequency_hz);
    write_double(group.get(), "sample_rate", segment->sample_rate_hz);
    write_double(group.get(), "start_time", segment->start_time_s);
    if (segment->gain_db) {
        write_double(group.get(), "gain_db", *segment->gain_db);
    }
    if (segment->bandwidth_hz) {
        write_double(group.get(), "bandwidth", *segment->bandwidth_hz);
    }

    const hsize_t dims[2] = {0, 2};
    const hsize_t max_dims[2] = {H5S_UNLIMITED, 2};
    const hsize_t chunk_dims[2] = {chunk_rows, 2};
    const h5::Dataspace space(H5Screate_simple(2, dims, max_dims));
    const h5::PropertyList create(H5Pcreate(H5P_DATASET_CREATE));
    // No chunk cache: every chunk goes to the file in the write that hands it over, before the flush
    // that makes the dataset's index and extent point at it.
    const h5::PropertyList access(H5Pcreate(H5P_DATASET_ACCESS));
    if (!space || !create || !access || H5Pset_chunk(create.get(), 2, chunk_dims) < 0 ||
        H5Pset_chunk_cache(access.get(), H5D_CHUNK_CACHE_NSLOTS_DEFAULT, 0, H5D_CHUNK_CACHE_W0_DEFAULT) < 0) {
        fail(where + "creating 'iq' failed");
    }
    dataset = h5::Dataset(H5Dcreate_anon(file.get(), file_type(type), space.get(), create.get(), access.get()));
    if (!dataset || H5Olink(dataset.get(), group.get(), "iq", H5P_DEFAULT, H5P_DEFAULT) < 0) {
        fail(where + "creating 'iq' failed");
    }
    linked = false;
    chunk_start = 0;
    staged = 0;
    staged_on_disk = 0;
}

// Converts rows of samples into the staged chunk, writing out every chunk that fills.
void CaptureWriter::Impl::stage(const float* values, std::size_t rows) {
    const std::size_t size = value_size(type);
    while (rows > 0) {
        const std::size_t take = std::min<std::size_t>(rows, chunk_rows - staged);
        unsigned char* to = chunk.data() + static_cast<std::size_t>(staged) * 2 * size;
        switch (type) {
            case SampleType::int8: detail::to_int(values, reinterpret_cast<std::int8_t*>(to), 2 * take); break;
            case SampleType::int16: detail::to_int(values, reinterpret_cast<std::int16_t*>(to), 2 * take); break;
            case SampleType::float32: std::memcpy(to, values, 2 * take * sizeof(float)); break;
        }
        staged += take;
        values += 2 * take;
        rows -= take;
        if (staged == chunk_rows) {
            commit();
        }
    }
}

// Writes the staged rows not yet in the file and flushes, in the order that keeps a killed file whole:
// the extent first (in memory), then the samples (straight to the file: no chunk cache), then the flush
// that writes the chunk index, the extent and, last, the superblock. Until that flush the file on disk
// still describes the previous state, whose chunks are all there.
void CaptureWriter::Impl::commit() {
    if (staged > staged_on_disk) {
        const std::string where = segment_where();
        const hsize_t new_dims[2] = {chunk_start + staged, 2};
        if (H5Dset_extent(dataset.get(), new_dims) < 0) {
            fail(where + "extending 'iq' failed");
        }
        const hsize_t start[2] = {chunk_start + staged_on_disk, 0};
        const hsize_t count[2] = {staged - staged_on_disk, 2};
        const h5::Dataspace file_space(H5Dget_space(dataset.get()));
        const h5::Dataspace memory_space(H5Screate_simple(2, count, nullptr));
        const unsigned char* data = chunk.data() + static_cast<std::size_t>(staged_on_disk) * 2 * value_size(type);
        if (!file_space || !memory_space ||
            H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr) < 0 ||
            H5Dwrite(dataset.get(), memory_type(type), memory_space.get(), file_space.get(), H5P_DEFAULT, data) < 0) {
            fail(where + "writing samples failed");
        }
        flush();
        if (!linked) {
            // Only now, with the group, its dataset and first samples on disk and inside the end of file
            // the superblock gives, is it named in /segments (a second flush): a kill between the two
            // leaves an unnamed group, which no reader sees.
            const std::string number = std::to_string(next_number);
            if (H5Olink(group.get(), segments_group.get(), number.c_str(), H5P_DEFAULT, H5P_DEFAULT) < 0) {
                fail(where + "adding it to /segments failed");
            }
            linked = true;
            flush();
        }
        committed_samples += staged - staged_on_disk;
        staged_on_disk = staged;
    }
    if (staged == chunk_rows) {
        chunk_start += chunk_rows;
        staged = 0;
        staged_on_disk = 0;
    }
}

void CaptureWriter::Impl::end_segment() {
    if (!segment) {
        return;
    }
    const unsigned number = next_number;
    if (dataset) {
        commit();       // the last, partly filled chunk
        ++next_number;  // a segment without samples was never created and does not use up its number
    }
    segment.reset();
    segment_samples = 0;
    const herr_t dataset_status = dataset.close();
    const herr_t group_status = group.close();
    if (dataset_status < 0 || group_status < 0) {
        fail("segment " + std::to_string(number) + ": finishing it failed");
    }
    flush();
}

void CaptureWriter::Impl::flush() const {
    if (H5Fflush(file.get(), H5F_SCOPE_LOCAL) < 0) {
        fail("flushing to disk failed");
    }
}

CaptureWriter::CaptureWriter(const fs::path& path, const CaptureMetadata& metadata, SampleType type)
    : impl_(std::make_unique<Impl>(path, type)) {
    h5::silence_errors();
    Impl& m = *impl_;
    // Made under a name of its own and renamed into place once it is a valid capture on disk: a kill
    // while HDF5 writes its first blocks leaves at most a stray FILE.part, never a FILE that does not open.
    const std::string aside = m.name + ".part";
    // /segments grows by one name per segment. Its symbol-table nodes hold 64 names (2568 bytes), so
    // that each lies on one page and adding a name, which rewrites the node in place, cannot be torn
    // by a kill (a node of a thousand names, as before, could lose a name that way); a full node is split
    // through new space, which the ordered driver writes before anything points at it. Room for the
    // names' text in the group's heap up front.
    const h5::PropertyList create(H5Pcreate(H5P_FILE_CREATE));
    if (!create || H5Pset_sym_k(create.get(), 16, 32) < 0) {
        m.fail("cannot create the file");
    }
    // Written through the ordered driver: each flush's writes in an order, and its structures on pages,
    // that a kill in the middle of it cannot turn into a file that reads wrong (ordered_file.hpp).
    const h5::PropertyList access(h5::ordered_file_access());
    if (!access) {
        m.fail("cannot create the file");
    }
    m.file = h5::File(H5Fcreate(aside.c_str(), H5F_ACC_TRUNC, create.get(), access.get()));
    if (!m.file) {
        m.fail("cannot create the file");
    }
    m.write_string(m.file.get(), "coex_format", "coex-capture");
    m.write_int(m.file.get(), "coex_version", 1);
    if (!metadata.hardware.empty()) {
        m.write_string(m.file.get(), "hardware", metadata.hardware);
    }
    if (!metadata.datetime.empty()) {
        m.write_string(m.file.get(), "datetime", metadata.datetime);
    }
    if (!metadata.description.empty()) {
        m.write_string(m.file.get(), "description", metadata.description);
    }
    const h5::PropertyList group_create(H5Pcreate(H5P_GROUP_CREATE));
    if (!group_create || H5Pset_local_heap_size_hint(group_create.get(), 16384) < 0) {
        m.fail("creating /segments failed");
    }
    m.segments_group = h5::Group(H5Gcreate2(m.file.get(), "segments", H5P_DEFAULT, group_create.get(), H5P_DEFAULT));
    if (!m.segments_group) {
        m.fail("creating /segments failed");
    }
    m.flush();  // from here on the file on disk is a valid capture, so far without segments
    std::error_code ec;
    fs::rename(aside, path, ec);
    if (ec) {
        const std::string why = ec.message();
        fs::remove(aside, ec);
        throw InputError(m.name + ": cannot create the file (" + why + ")");
    }
}

CaptureWriter::~CaptureWriter() {
    if (impl_) {
        try {
            close();
        } catch (...) {  // a destructor must not throw; call close() to see the error
        }
    }
}

CaptureWriter::CaptureWriter(CaptureWriter&&) noexcept = default;
CaptureWriter& CaptureWriter::operator=(CaptureWriter&&) noexcept = default;

void CaptureWriter::begin_segment(const SegmentInfo& info) {
    Impl& m = *impl_;
    m.check_open();
    h5::silence_errors();
    m.end_segment();  // beginning a new segment finishes the open one
    const std::string where = m.name + ": " + m.segment_where();
    if (!std::isfinite(info.center_frequency_hz)) {
        throw ConfigError(where + "center_frequency_hz must be finite");
    }
    if (!std::isfinite(info.sample_rate_hz) || info.sample_rate_hz <= 0.0) {
        throw ConfigError(where + "sample_rate_hz must be finite and > 0");
    }
    if (!std::isfinite(info.start_time_s)) {
        throw ConfigError(where + "start_time_s must be finite");
    }
    if (info.gain_db && !std::isfinite(*info.gain_db)) {
        throw ConfigError(where + "gain_db must be finite");
    }
    if (info.bandwidth_hz && !(std::isfinite(*info.bandwidth_hz) && *info.bandwidth_hz > 0.0 &&
                               *info.bandwidth_hz <= info.sample_rate_hz)) {
        throw ConfigError(where + "bandwidth_hz must be > 0 and at most the sample rate");
    }
    m.segment = info;
}

void CaptureWriter::append(std::span<const cf32> samples) {
    Impl& m = *impl_;
    m.check_open();
    if (!m.segment) {
        throw std::logic_error("CaptureWriter::append: no segment begun in " + m.name);
    }
    if (samples.empty()) {
        return;
    }
    h5::silence_errors();
    const float* values = reinterpret_cast<const float*>(samples.data());  // cf32 is float[2]
    const std::size_t value_count = 2 * samples.size();
    if (const std::size_t bad = detail::first_non_finite(values, value_count); bad < value_count) {
        throw InputError(m.name + ": " + m.segment_where() + "sample " +
                         std::to_string(m.segment_samples + bad / 2) + " is NaN or infinite; not written");
    }
    if (!m.dataset) {
        m.create_segment();
    }
    m.stage(values, samples.size());
    m.segment_samples += samples.size();
    m.total_samples += samples.size();
}

void CaptureWriter::end_segment() {
    impl_->check_open();
    h5::silence_errors();
    impl_->end_segment();
}

void CaptureWriter::flush() {
    impl_->check_open();
    h5::silence_errors();
    if (impl_->dataset) {
        impl_->commit();  // the staged part of a chunk too
    } else {
        impl_->flush();
    }
}

void CaptureWriter::close() {
    Impl& m = *impl_;
    if (m.closed) {
        return;
    }
    h5::silence_errors();
    std::optional<InputError> unfinished;
    if (m.dataset) {
        try {
            m.commit();  // the last, partly filled chunk of the open segment
        } catch (const InputError& e) {
            unfinished = e;
        }
    }
    m.closed = true;  // even if closing fails below: the handles are gone either way
    m.segment.reset();
    const herr_t dataset_status = m.dataset.close();
    const herr_t group_status = m.group.close();
    const herr_t segments_status = m.segments_group.close();
    const herr_t file_status = m.file.close();  // flushes everything still in memory
    if (unfinished) {
        throw *unfinished;
    }
    if (dataset_status < 0 || group_status < 0 || segments_status < 0 || file_status < 0) {
        m.fail("closing the file failed");
    }
}

std::uint64_t CaptureWriter::samples_written() const { return impl_->total_samples; }
std::uint64_t CaptureWriter::samples_committed() const { return impl_->committed_samples; }

}  // namespace coex::io
