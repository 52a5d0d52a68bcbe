// Every problem with a file is a one-line coex::InputError "<path>: <what is wrong>", never a crash.
#include "coex/core/error.hpp"
#include "coex/io/capture.hpp"
#include "fixtures.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fstream>
#include <limits>
#include <string_view>

namespace coex::io {
namespace {

namespace fs = std::filesystem;
using test::Builder;
using test::TempDir;

// The message of the InputError thrown by opening `path` ("" and a test failure when none is thrown).
std::string open_error(const fs::path& path) {
    try {
        CaptureReader reader(path);
    } catch (const InputError& e) {
        return e.what();
    } catch (const std::exception& e) {
        ADD_FAILURE() << "not an InputError: " << e.what();
        return {};
    }
    ADD_FAILURE() << "opened without an error: " << path;
    return {};
}

// The message of the InputError thrown by reading all of segment 0.
std::string read_error(const fs::path& path) {
    CaptureReader reader(path);
    std::vector<cf32> samples(reader.segments().at(0).length);
    try {
        static_cast<void>(reader.read(0, 0, samples));
    } catch (const InputError& e) {
        return e.what();
    }
    ADD_FAILURE() << "read without an error: " << path;
    return {};
}

void expect_message(const std::string& message, const fs::path& path, const std::string& problem) {
    EXPECT_EQ(message.rfind(path.string() + ": ", 0), 0u) << "does not start with the path: " << message;
    EXPECT_NE(message.find(problem), std::string::npos) << "does not say '" << problem << "': " << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << "more than one line: " << message;
}

// A valid one-segment float32 capture of `n` samples, written by CaptureWriter.
void write_valid(const fs::path& path, std::size_t n = 1000) {
    CaptureWriter writer(path, {});
    SegmentInfo info;
    info.center_frequency_hz = 2.44e9;
    info.sample_rate_hz = 20e6;
    writer.begin_segment(info);
    std::vector<cf32> samples(n);
    for (std::size_t k = 0; k < n; ++k) {
        samples[k] = cf32(static_cast<float>(k % 13) / 16.0f, 0.125f);
    }
    writer.append(samples);
}

TEST(IoErrors, MissingFile) {
    TempDir dir;
    const auto path = dir.file("absent.h5");
    expect_message(open_error(path), path, "no such file");
}

TEST(IoErrors, Directory) {
    TempDir dir;
    expect_message(open_error(dir.path()), dir.path(), "is a directory");
}

TEST(IoErrors, TextFileIsNotHdf5) {
    TempDir dir;
    const auto path = dir.file("notes.h5");
    std::ofstream(path) << "I,Q\n0.1,0.2\n0.3,0.4\n";
    expect_message(open_error(path), path, "not an HDF5 file");
}

TEST(IoErrors, EmptyFileIsNotHdf5) {
    TempDir dir;
    const auto path = dir.file("empty.h5");
    std::ofstream{path};
    expect_message(open_error(path), path, "not an HDF5 file");
}

TEST(IoErrors, TruncatedFile) {
    TempDir dir;
    const auto path = dir.file("truncated.h5");
    write_valid(path, 200000);
    fs::resize_file(path, fs::file_size(path) / 2);
    expect_message(open_error(path), path, "file is truncated or damaged (");
}

// A writer in another program holds an exclusive lock (HDF5 1.10 file locking uses flock, which also
// conflicts between two descriptors in one process, so this stands in for the other program).
TEST(IoErrors, FileLockedByAWriter) {
    TempDir dir;
    const auto path = dir.file("locked.h5");
    write_valid(path);
    const int fd = ::open(path.c_str(), O_RDONLY);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
    expect_message(open_error(path), path, "is locked by another program");
    ::close(fd);
    EXPECT_NO_THROW(CaptureReader{path});
}

// Damage inside HDF5's own structures (B-trees, local and global heaps, symbol tables): each of their
// signatures overwritten in turn must give a "damaged" InputError from opening or reading, whichever
// notices first.
TEST(IoErrors, DamagedMetadataIsReported) {
    TempDir dir;
    const auto good = dir.file("good.h5");
    {
        CaptureWriter writer(good, {"hw", "2024-01-01T00:00:00Z", "three segments"}, SampleType::int16);
        for (int s = 0; s < 3; ++s) {
            SegmentInfo info;
            info.center_frequency_hz = 2.41e9 + 25e6 * s;
            info.sample_rate_hz = 1e6;
            info.start_time_s = s;
            writer.begin_segment(info);
            writer.append(std::vector<cf32>(100000, cf32(0.1f, -0.2f)));
        }
    }
    std::vector<char> bytes(fs::file_size(good));
    std::ifstream(good, std::ios::binary).read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    std::vector<std::size_t> signatures;
    for (const std::string_view signature : {"TREE", "HEAP", "SNOD", "GCOL"}) {
        for (std::size_t k = 0; k + signature.size() <= bytes.size(); ++k) {
            if (std::string_view(&bytes[k], signature.size()) == signature) {
                signatures.push_back(k);
            }
        }
    }
    ASSERT_GE(signatures.size(), 8u) << "the file should hold several B-trees and heaps";

    const auto path = dir.file("damaged.h5");
    for (const std::size_t at : signatures) {
        std::vector<char> damaged = bytes;
        damaged[at] = 'X';
        std::ofstream(path, std::ios::binary | std::ios::trunc)
            .write(damaged.data(), static_cast<std::streamsize>(damaged.size()));
        std::string message;
        try {
            CaptureReader reader(path);
            std::vector<cf32> block(65536);
            for (std::size_t s = 0; s < reader.segments().size(); ++s) {
                for (std::uint64_t offset = 0; const std::size_t got = reader.read(s, offset, block);) {
                    offset += got;
                }
            }
        } catch (const InputError& e) {
            message = e.what();
        }
        expect_message(message, path, "truncated or damaged (");
        EXPECT_FALSE(message.empty()) << "damage at byte " << at << " went unnoticed";
    }
}

TEST(IoErrors, MissingSampleRate) {
    TempDir dir;
    const auto path = dir.file("no_rate.h5");
    write_valid(path);
    {
        Builder b = Builder::edit(path);
        b.delete_attr(b.open("segments/0").get(), "sample_rate");
    }
    expect_message(open_error(path), path, "segment 0: attribute 'sample_rate' is missing");
}

TEST(IoErrors, MissingStartTimeInSegmentGroup) {
    TempDir dir;
    const auto path = dir.file("no_start.h5");
    write_valid(path);
    {
        Builder b = Builder::edit(path);
        b.delete_attr(b.open("segments/0").get(), "start_time");
    }
    expect_message(open_error(path), path, "segment 0: attribute 'start_time' is missing");
}

TEST(IoErrors, BadSampleRateAndCentre) {
    TempDir dir;
    struct Case {
        const char* attribute;
        double value;
        const char* problem;
    };
    for (const Case& c : {Case{"sample_rate", 0.0, "attribute 'sample_rate' is 0; expected a finite rate > 0"},
                          Case{"sample_rate", -2e6, "attribute 'sample_rate' is -2e+06"},
                          Case{"sample_rate", std::numeric_limits<double>::infinity(), "attribute 'sample_rate' is inf"},
                          Case{"center_frequency", std::nan(""), "attribute 'center_frequency' is nan"}}) {
        const auto path = dir.file(std::string("bad_") + c.attribute + ".h5");
        {
            Builder b(path);
            const auto g = b.group("segments/4");
            for (const auto& [attribute, good] : {std::pair{"center_frequency", 2.4e9}, std::pair{"sample_rate", 1e6},
                                                  std::pair{"start_time", 0.0}}) {
                b.number_attr(g.get(), attribute, std::string_view(attribute) == c.attribute ? c.value : good);
            }
            b.pairs(g.get(), "iq", H5T_STD_I8LE, H5T_NATIVE_INT8, std::vector<std::int8_t>{1, 2});
        }
        expect_message(open_error(path), path, std::string("segment 4: ") + c.problem);
    }
}

TEST(IoErrors, StringWhereNumberBelongs) {
    TempDir dir;
    const auto path = dir.file("string_rate.h5");
    {
        Builder b(path);
        const auto g = b.group("segments/0");
        b.number_attr(g.get(), "center_frequency", 2.4e9);
        b.vlen_attr(g.get(), "sample_rate", "20 MHz");
        b.number_attr(g.get(), "start_time", 0.0);
        b.pairs(g.get(), "iq", H5T_STD_I8LE, H5T_NATIVE_INT8, std::vector<std::int8_t>{1, 2});
    }
    expect_message(open_error(path), path, "segment 0: attribute 'sample_rate' is a string; expected a number");
}

TEST(IoErrors, WrongShape) {
    TempDir dir;
    const auto path = dir.file("shape.h5");
    {
        Builder b(path);
        const auto g = b.segment("0", 2.4e9, 1e6, 0.0);
        b.pairs(g.get(), "iq", H5T_STD_I16LE, H5T_NATIVE_INT16, std::vector<std::int16_t>(3000), 3);
    }
    expect_message(open_error(path), path, "segment 0: 'iq' has shape (1000, 3); expected (N, 2) or complex64 (N,)");
}

TEST(IoErrors, OneDimensionalRealData) {
    TempDir dir;
    const auto path = dir.file("flat.h5");
    {
        Builder b(path);
        const auto g = b.segment("0", 2.4e9, 1e6, 0.0);
        b.pairs(g.get(), "iq", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, std::vector<float>(10), 10);
        // pairs() with 10 columns gives (1, 10); replace it with a true 1-D dataset.
        ASSERT_GE(H5Ldelete(g.get(), "iq", H5P_DEFAULT), 0);
        const std::vector<float> flat(10);
        b.dataset(g.get(), "iq", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, {10}, flat.data());
    }
    expect_message(open_error(path), path, "segment 0: 'iq' has shape (10,); expected (N, 2)");
}

TEST(IoErrors, EmptyDataset) {
    TempDir dir;
    const auto path = dir.file("empty_iq.h5");
    {
        Builder b(path);
        const auto g = b.segment("0", 2.4e9, 1e6, 0.0);
        b.dataset(g.get(), "iq", H5T_STD_I8LE, H5T_NATIVE_INT8, {0, 2}, nullptr);
    }
    expect_message(open_error(path), path, "segment 0: 'iq' is empty");
}

TEST(IoErrors, MissingIqDataset) {
    TempDir dir;
    const auto path = dir.file("no_iq.h5");
    {
        Builder b(path);
        static_cast<void>(b.segment("0", 2.4e9, 1e6, 0.0));
    }
    expect_message(open_error(path), path, "segment 0: dataset 'iq' is missing");
}

TEST(IoErrors, NoSegments) {
    TempDir dir;
    const auto path = dir.file("nothing.h5");
    {
        Builder b(path);
        b.vlen_attr(b.file(), "coex_format", "coex-capture");
    }
    expect_message(open_error(path), path, "no segments: expected /segments/<n>/iq or /iq");
    const auto path2 = dir.file("empty_segments.h5");
    {
        Builder b(path2);
        static_cast<void>(b.group("segments"));
    }
    expect_message(open_error(path2), path2, "no segments: expected /segments/<n>/iq or /iq");
}

TEST(IoErrors, SegmentNotNamedByNumber) {
    TempDir dir;
    const auto path = dir.file("named.h5");
    {
        Builder b(path);
        static_cast<void>(b.segment("first", 2.4e9, 1e6, 0.0));
    }
    expect_message(open_error(path), path, "'/segments' holds 'first'; expected only groups named 0, 1, 2");
}

TEST(IoErrors, UnsupportedSampleTypes) {
    TempDir dir;
    struct Case {
        hid_t file_type;
        const char* name;
    };
    for (const Case& c : {Case{H5T_IEEE_F64LE, "float64"}, Case{H5T_STD_I32LE, "int32"}, Case{H5T_STD_U8LE, "uint8"}}) {
        const auto path = dir.file(std::string(c.name) + ".h5");
        {
            Builder b(path);
            const auto g = b.segment("0", 2.4e9, 1e6, 0.0);
            b.pairs(g.get(), "iq", c.file_type, H5T_NATIVE_DOUBLE, std::vector<double>(20, 0.5));
        }
        const std::string message = open_error(path);
        expect_message(message, path, std::string("segment 0: 'iq' has type ") + c.name + "; accepted:");
        EXPECT_NE(message.find("int8, int16 or float32"), std::string::npos) << message;
    }
}

TEST(IoErrors, Complex128IsNotComplex64) {
    TempDir dir;
    const auto path = dir.file("complex128.h5");
    {
        Builder b(path);
        const auto g = b.segment("0", 2.4e9, 1e6, 0.0);
        const h5::Datatype type(H5Tcreate(H5T_COMPOUND, 16));
        ASSERT_GE(H5Tinsert(type.get(), "r", 0, H5T_NATIVE_DOUBLE), 0);
        ASSERT_GE(H5Tinsert(type.get(), "i", 8, H5T_NATIVE_DOUBLE), 0);
        const std::vector<double> values(8, 0.25);
        b.dataset(g.get(), "iq", type.get(), type.get(), {4}, values.data());
    }
    expect_message(open_error(path), path, "segment 0: 'iq' has type complex128; accepted:");
}

TEST(IoErrors, WrongFormatName) {
    TempDir dir;
    const auto path = dir.file("other_format.h5");
    write_valid(path);
    {
        Builder b = Builder::edit(path);
        b.delete_attr(b.file(), "coex_format");
        b.vlen_attr(b.file(), "coex_format", "sigmf");
    }
    expect_message(open_error(path), path, "attribute 'coex_format' is 'sigmf'; expected 'coex-capture'");
}

TEST(IoErrors, TextFromTheFileCannotBreakTheMessageLine) {
    TempDir dir;
    const auto path = dir.file("newline.h5");
    write_valid(path);
    {
        Builder b = Builder::edit(path);
        b.delete_attr(b.file(), "coex_format");
        b.vlen_attr(b.file(), "coex_format", "two\nlines\x1b[31m");
    }
    expect_message(open_error(path), path, "attribute 'coex_format' is 'two\\x0alines\\x1b[31m'");
}

TEST(IoErrors, NewerVersion) {
    TempDir dir;
    const auto path = dir.file("v2.h5");
    write_valid(path);
    {
        Builder b = Builder::edit(path);
        b.delete_attr(b.file(), "coex_version");
        b.number_attr(b.file(), "coex_version", 2, H5T_STD_I64LE);
    }
    expect_message(open_error(path), path, "coex_version 2 is newer than this reader supports (1)");
}

TEST(IoErrors, NaNSampleIsFoundByRead) {
    TempDir dir;
    const auto path = dir.file("nan.h5");
    std::vector<float> raw(2 * 5000, 0.25f);
    raw[2 * 1234] = std::numeric_limits<float>::quiet_NaN();
    {
        Builder b(path);
        const auto g = b.segment("0", 2.4e9, 1e6, 0.0);
        b.pairs(g.get(), "iq", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, raw);
    }
    // The constructor does not scan samples; blocks before the bad sample read fine.
    CaptureReader reader(path);
    std::vector<cf32> before(1234);
    EXPECT_EQ(reader.read(0, 0, before), 1234u);
    EXPECT_EQ(before[1233], cf32(0.25f, 0.25f));
    expect_message(read_error(path), path, "segment 0: sample 1234 is NaN or infinite");
}

TEST(IoErrors, InfiniteSampleIsFoundByRead) {
    TempDir dir;
    const auto path = dir.file("inf.h5");
    std::vector<cf32> samples(300, cf32(0.5f, -0.5f));
    samples[77] = cf32(0.0f, -std::numeric_limits<float>::infinity());
    {
        Builder b(path);
        const auto g = b.segment("3", 2.4e9, 1e6, 0.0);
        b.complex64(g.get(), "iq", samples);
    }
    expect_message(read_error(path), path, "segment 3: sample 77 is NaN or infinite");
    // The same found from an offset: the index is within the segment, not within the block.
    CaptureReader reader(path);
    std::vector<cf32> block(50);
    EXPECT_EQ(reader.read(0, 0, block), 50u);
    try {
        static_cast<void>(reader.read(0, 50, block));
        ADD_FAILURE() << "no error";
    } catch (const InputError& e) {
        expect_message(e.what(), path, "segment 3: sample 77 is NaN or infinite");
    }
}

TEST(IoErrors, ReadOutsideTheCaptureIsAProgrammingError) {
    TempDir dir;
    const auto path = dir.file("bounds.h5");
    write_valid(path, 100);
    CaptureReader reader(path);
    std::vector<cf32> block(10);
    EXPECT_THROW(static_cast<void>(reader.read(1, 0, block)), std::out_of_range);
    EXPECT_THROW(static_cast<void>(reader.read(0, 101, block)), std::out_of_range);
    EXPECT_EQ(reader.read(0, 100, block), 0u);
    EXPECT_EQ(reader.read(0, 95, block), 5u);
}

}  // namespace
}  // namespace coex::io
