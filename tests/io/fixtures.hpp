#pragma once
// Test helpers for tests/io: unique temporary folders, and an HDF5 file builder that writes fixtures
// the way other tools (h5py) do, with the HDF5 C API.
#include "coex/core/source.hpp"
#include "coex/core/types.hpp"
#include "coex/io/capture.hpp"
#include "hdf5_util.hpp"  // src/io's RAII handles

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace coex::io::test {

namespace fs = std::filesystem;

// A fresh folder under temp_directory_path(), removed with its contents on destruction.
class TempDir {
public:
    TempDir() {
        static std::atomic<unsigned> counter{0};
        std::random_device random;
        dir_ = fs::temp_directory_path() / ("coex_io_test_" + std::to_string(::getpid()) + "_" +
                                            std::to_string(counter++) + "_" + std::to_string(random()));
        fs::create_directories(dir_);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    [[nodiscard]] fs::path file(const std::string& name) const { return dir_ / name; }
    [[nodiscard]] const fs::path& path() const { return dir_; }

private:
    fs::path dir_;
};

// A 20 MS/s tuning at `center` Hz starting at `start` s (what the writers' tests record).
inline SegmentInfo tuning(double center, double start) {
    SegmentInfo s;
    s.center_frequency_hz = center;
    s.sample_rate_hz = 20e6;
    s.start_time_s = start;
    return s;
}

// Every sample a source gives, in order.
inline std::vector<cf32> read_everything(SampleSource& source) {
    std::vector<cf32> all;
    SampleBlock block;
    while (source.next(block)) all.insert(all.end(), block.samples.begin(), block.samples.end());
    return all;
}

// All of a segment, read in one call.
inline std::vector<cf32> read_all(CaptureReader& reader, std::size_t segment) {
    std::vector<cf32> samples(reader.segments().at(segment).length);
    EXPECT_EQ(reader.read(segment, 0, samples), samples.size());
    return samples;
}

inline hid_t check(hid_t id, const char* what) {
    if (id < 0) {
        throw std::runtime_error(std::string("HDF5 fixture: ") + what + " failed: " + h5::last_error());
    }
    return id;
}

// Writes HDF5 files with arbitrary layouts, including ones the coex writer never produces.
class Builder {
public:
    explicit Builder(const fs::path& path) {
        h5::silence_errors();
        file_ = h5::File(check(H5Fcreate(path.string().c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), "create"));
    }
    // Opens an existing file for editing, or read-only to inspect it (possible while a reader has it open).
    static Builder edit(const fs::path& path) { return Builder(path, H5F_ACC_RDWR); }
    static Builder inspect(const fs::path& path) { return Builder(path, H5F_ACC_RDONLY); }

    [[nodiscard]] hid_t file() const { return file_.get(); }

    // Creates a group (and missing parents), e.g. "segments/3".
    [[nodiscard]] h5::Group group(const std::string& path) const {
        const h5::PropertyList link(check(H5Pcreate(H5P_LINK_CREATE), "lcpl"));
        check(H5Pset_create_intermediate_group(link.get(), 1), "intermediate groups");
        return h5::Group(check(H5Gcreate2(file(), path.c_str(), link.get(), H5P_DEFAULT, H5P_DEFAULT), "group"));
    }
    [[nodiscard]] h5::Object open(const std::string& path) const {
        return h5::Object(check(H5Oopen(file(), path.c_str(), H5P_DEFAULT), "open"));
    }

    // A segment group with its three required attributes.
    [[nodiscard]] h5::Group segment(const std::string& number, double center, double rate, double start) const {
        h5::Group g = group("segments/" + number);
        number_attr(g.get(), "center_frequency", center);
        number_attr(g.get(), "sample_rate", rate);
        number_attr(g.get(), "start_time", start);
        return g;
    }

    // A dataset of `dims` from native values of `memory_type`, stored as `file_type`.
    void dataset(hid_t location, const char* name, hid_t file_type, hid_t memory_type, std::vector<hsize_t> dims,
                 const void* data) const {
        const h5::Dataspace space(
            check(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), "dataspace"));
        const h5::Dataset d(
            check(H5Dcreate2(location, name, file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "dataset"));
        if (data != nullptr) {
            check(H5Dwrite(d.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "write");
        }
    }
    template <class T>
    void pairs(hid_t location, const char* name, hid_t file_type, hid_t memory_type, const std::vector<T>& values,
               hsize_t columns = 2) const {
        dataset(location, name, file_type, memory_type, {values.size() / columns, columns}, values.data());
    }
    // What h5py writes for numpy complex64: a compound of two little-endian floats named r and i, shape (N,).
    void complex64(hid_t location, const char* name, const std::vector<cf32>& values) const {
        const h5::Datatype type(check(H5Tcreate(H5T_COMPOUND, 8), "compound"));
        check(H5Tinsert(type.get(), "r", 0, H5T_NATIVE_FLOAT), "insert r");
        check(H5Tinsert(type.get(), "i", 4, H5T_NATIVE_FLOAT), "insert i");
        dataset(location, name, type.get(), type.get(), {values.size()}, values.data());
    }

    // A scalar numeric attribute stored as `file_type` (HDF5 converts from double).
    void number_attr(hid_t object, const char* name, double value, hid_t file_type = H5T_IEEE_F64LE) const {
        const h5::Dataspace space(check(H5Screate(H5S_SCALAR), "scalar"));
        const h5::Attribute a(check(H5Acreate2(object, name, file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT), "attr"));
        check(H5Awrite(a.get(), H5T_NATIVE_DOUBLE, &value), "attr write");
    }
    // Variable-length UTF-8 string attribute, as h5py writes a Python str.
    void vlen_attr(hid_t object, const char* name, const std::string& value) const {
        const h5::Datatype type(check(H5Tcopy(H5T_C_S1), "string type"));
        check(H5Tset_size(type.get(), H5T_VARIABLE), "vlen");
        check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "utf8");
        const h5::Dataspace space(check(H5Screate(H5S_SCALAR), "scalar"));
        const h5::Attribute a(check(H5Acreate2(object, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), "attr"));
        const char* text = value.c_str();
        check(H5Awrite(a.get(), type.get(), &text), "attr write");
    }
    // Fixed-length ASCII string attribute of `size` bytes with the given padding.
    void fixed_attr(hid_t object, const char* name, const std::string& value, std::size_t size,
                    H5T_str_t pad = H5T_STR_NULLPAD) const {
        const h5::Datatype type(check(H5Tcopy(H5T_C_S1), "string type"));
        check(H5Tset_size(type.get(), size), "size");
        check(H5Tset_strpad(type.get(), pad), "pad");
        std::string stored = value;
        stored.resize(size, pad == H5T_STR_SPACEPAD ? ' ' : '\0');
        const h5::Dataspace space(check(H5Screate(H5S_SCALAR), "scalar"));
        const h5::Attribute a(check(H5Acreate2(object, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), "attr"));
        check(H5Awrite(a.get(), type.get(), stored.data()), "attr write");
    }
    void delete_attr(hid_t object, const char* name) const { check(H5Adelete(object, name), "delete attr"); }

    // Raw values of a dataset, read as `memory_type` into T.
    template <class T>
    [[nodiscard]] std::vector<T> read_raw(const std::string& path, hid_t memory_type, std::size_t count) const {
        std::vector<T> values(count);
        const h5::Dataset d(check(H5Dopen2(file(), path.c_str(), H5P_DEFAULT), "open dataset"));
        check(H5Dread(d.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), "read");
        return values;
    }

    void close() { check(file_.close(), "close"); }

private:
    Builder(const fs::path& path, unsigned flags) {
        h5::silence_errors();
        file_ = h5::File(check(H5Fopen(path.string().c_str(), flags, H5P_DEFAULT), "open file"));
    }
    h5::File file_;
};

}  // namespace coex::io::test
