// Files written by other tools: h5py's complex64 compound, a root /iq dataset, fixed-length strings,
// integer attributes, group numbers out of order, and (when available) a file written by real h5py.
#include "coex/core/error.hpp"
#include "coex/io/capture.hpp"
#include "fixtures.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

namespace coex::io {
namespace {

using test::Builder;
using test::read_all;
using test::TempDir;

std::vector<cf32> complex_ramp(std::size_t n) {
    std::vector<cf32> v(n);
    for (std::size_t k = 0; k < n; ++k) {
        v[k] = cf32(static_cast<float>(k % 100) / 128.0f - 0.25f, -static_cast<float>(k % 50) / 64.0f);
    }
    return v;
}

TEST(IoCompat, ReadsComplex64CompoundSegments) {
    TempDir dir;
    const auto path = dir.file("complex.h5");
    const auto samples = complex_ramp(3000);
    {
        Builder b(path);
        b.vlen_attr(b.file(), "coex_format", "coex-capture");
        b.number_attr(b.file(), "coex_version", 1, H5T_STD_I64LE);
        const auto g = b.segment("0", 2.437e9, 20e6, 0.5);
        b.complex64(g.get(), "iq", samples);
    }
    CaptureReader reader(path);
    ASSERT_EQ(reader.segments().size(), 1u);
    EXPECT_EQ(reader.segments()[0].type, SampleType::float32);
    EXPECT_EQ(reader.segments()[0].length, samples.size());
    EXPECT_EQ(reader.segments()[0].info.start_time_s, 0.5);
    EXPECT_EQ(read_all(reader, 0), samples);
    // A read from the middle.
    std::vector<cf32> part(10);
    ASSERT_EQ(reader.read(0, 1234, part), 10u);
    EXPECT_EQ(part[0], samples[1234]);
    EXPECT_EQ(part[9], samples[1243]);
}

TEST(IoCompat, ReadsRootIqDatasetInBothLayouts) {
    TempDir dir;
    const auto samples = complex_ramp(500);
    {
        // (N, 2) int16 at /iq, attributes on the dataset, no start_time, no coex attributes at all.
        const auto path = dir.file("root_int16.h5");
        std::vector<std::int16_t> raw = {0, 16384, -32768, 32767, 100, -100};
        {
            Builder b(path);
            b.pairs(b.file(), "iq", H5T_STD_I16BE, H5T_NATIVE_INT16, raw);  // big-endian: HDF5 converts
            const auto iq = b.open("iq");
            b.number_attr(iq.get(), "center_frequency", 2.44e9);
            b.number_attr(iq.get(), "sample_rate", 8e6, H5T_STD_U32LE);
        }
        CaptureReader reader(path);
        ASSERT_EQ(reader.segments().size(), 1u);
        const auto& d = reader.segments()[0];
        EXPECT_EQ(d.info.center_frequency_hz, 2.44e9);
        EXPECT_EQ(d.info.sample_rate_hz, 8e6);
        EXPECT_EQ(d.info.start_time_s, 0.0);
        EXPECT_EQ(d.type, SampleType::int16);
        const auto got = read_all(reader, 0);
        ASSERT_EQ(got.size(), 3u);
        EXPECT_EQ(got[0], cf32(0.0f, 0.5f));
        EXPECT_EQ(got[1], cf32(-1.0f, 32767.0f / 32768.0f));
        EXPECT_EQ(got[2], cf32(100.0f / 32768.0f, -100.0f / 32768.0f));
    }
    {
        const auto path = dir.file("root_complex.h5");
        {
            Builder b(path);
            b.complex64(b.file(), "iq", samples);
            const auto iq = b.open("iq");
            b.number_attr(iq.get(), "center_frequency", 2.45e9, H5T_STD_I64LE);
            b.number_attr(iq.get(), "sample_rate", 2e6, H5T_IEEE_F32LE);
            b.number_attr(iq.get(), "start_time", 3.0, H5T_STD_I8LE);
            b.number_attr(iq.get(), "gain_db", 12.0, H5T_STD_U8LE);
        }
        CaptureReader reader(path);
        ASSERT_EQ(reader.segments().size(), 1u);
        EXPECT_EQ(reader.segments()[0].info.center_frequency_hz, 2.45e9);
        EXPECT_EQ(reader.segments()[0].info.sample_rate_hz, 2e6);
        EXPECT_EQ(reader.segments()[0].info.start_time_s, 3.0);
        EXPECT_EQ(reader.segments()[0].info.gain_db, 12.0);
        EXPECT_EQ(read_all(reader, 0), samples);
    }
}

TEST(IoCompat, ReadsFixedAndVariableLengthStrings) {
    TempDir dir;
    const auto path = dir.file("strings.h5");
    {
        Builder b(path);
        b.fixed_attr(b.file(), "coex_format", "coex-capture", 13, H5T_STR_NULLTERM);
        b.fixed_attr(b.file(), "hardware", "USRP B210", 32, H5T_STR_NULLPAD);
        b.fixed_attr(b.file(), "datetime", "2023-11-02T08:00:00Z", 30, H5T_STR_SPACEPAD);
        b.vlen_attr(b.file(), "description", "caf\xc3\xa9 Wi-Fi");
        const auto g = b.segment("0", 2.4e9, 1e6, 0.0);
        b.pairs(g.get(), "iq", H5T_STD_I8LE, H5T_NATIVE_INT8, std::vector<std::int8_t>{1, 2});
    }
    CaptureReader reader(path);
    EXPECT_EQ(reader.metadata().hardware, "USRP B210");
    EXPECT_EQ(reader.metadata().datetime, "2023-11-02T08:00:00Z");
    EXPECT_EQ(reader.metadata().description, "caf\xc3\xa9 Wi-Fi");
    const auto got = read_all(reader, 0);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0], cf32(1.0f / 128.0f, 2.0f / 128.0f));
}

TEST(IoCompat, OrdersByStartTimeThenGroupNumber) {
    TempDir dir;
    const auto path = dir.file("order.h5");
    {
        Builder b(path);
        // Numbers compare as numbers (2 before 10), and ties in start_time keep number order.
        for (const auto& [number, start] : std::vector<std::pair<std::string, double>>{
                 {"10", 0.0}, {"1", 1.0}, {"2", 0.0}, {"0", 0.5}}) {
            const auto g = b.segment(number, 1e6 * std::stod(number), 1e6, start);
            b.pairs(g.get(), "iq", H5T_STD_I8LE, H5T_NATIVE_INT8, std::vector<std::int8_t>{0, 0});
        }
    }
    CaptureReader reader(path);
    ASSERT_EQ(reader.segments().size(), 4u);
    const double expected_centers[4] = {2e6, 10e6, 0.0, 1e6};  // groups 2, 10, 0, 1
    for (std::size_t k = 0; k < 4; ++k) {
        EXPECT_EQ(reader.segments()[k].info.center_frequency_hz, expected_centers[k]) << "position " << k;
    }
}

TEST(IoCompat, ReadsDeflateCompressedData) {
    TempDir dir;
    const auto path = dir.file("gzip.h5");
    std::vector<std::int16_t> raw(2 * 10000);
    for (std::size_t k = 0; k < raw.size(); ++k) {
        raw[k] = static_cast<std::int16_t>(static_cast<int>(k % 4001) - 2000);
    }
    {
        Builder b(path);
        const auto g = b.segment("0", 2.4e9, 1e6, 0.0);
        const hsize_t dims[2] = {raw.size() / 2, 2};
        const hsize_t chunk[2] = {1024, 2};
        const h5::Dataspace space(H5Screate_simple(2, dims, nullptr));
        const h5::PropertyList create(H5Pcreate(H5P_DATASET_CREATE));
        ASSERT_GE(H5Pset_chunk(create.get(), 2, chunk), 0);
        ASSERT_GE(H5Pset_deflate(create.get(), 4), 0);
        const h5::Dataset d(H5Dcreate2(g.get(), "iq", H5T_STD_I16LE, space.get(), H5P_DEFAULT, create.get(), H5P_DEFAULT));
        ASSERT_TRUE(d);
        ASSERT_GE(H5Dwrite(d.get(), H5T_NATIVE_INT16, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()), 0);
    }
    CaptureReader reader(path);
    std::vector<cf32> part(3000);
    ASSERT_EQ(reader.read(0, 5000, part), part.size());
    for (std::size_t k = 0; k < part.size(); ++k) {
        ASSERT_EQ(part[k], cf32(raw[2 * (5000 + k)] / 32768.0f, raw[2 * (5000 + k) + 1] / 32768.0f)) << k;
    }
}

// A file written by real h5py, the way people will write captures from Python.
TEST(IoCompat, ReadsFileWrittenByH5py) {
    if (std::system("/usr/bin/python3 -c 'import h5py, numpy' >/dev/null 2>&1") != 0) {
        GTEST_SKIP() << "h5py (with numpy) is not importable by /usr/bin/python3";
    }
    TempDir dir;
    const auto script = dir.file("make_capture.py");
    const auto path = dir.file("from_h5py.h5");
    {
        std::ofstream out(script);
        out << R"(import sys
import h5py
import numpy as np

k = np.arange(5000)
z = ((k % 100) / 128.0 - 0.25 + 1j * (-(k % 50) / 64.0)).astype(np.complex64)
pairs = np.stack([k % 128 - 64, 63 - k % 128], axis=1).astype(np.int8)
with h5py.File(sys.argv[1], "w") as f:
    f.attrs["coex_format"] = "coex-capture"
    f.attrs["coex_version"] = 1
    f.attrs["hardware"] = "PlutoSDR"
    f.attrs["datetime"] = "2024-05-01T12:00:00Z"
    f.attrs["description"] = "office \u00b5-wave test"
    g = f.create_group("segments/1")
    g.attrs["center_frequency"] = 2.412e9
    g.attrs["sample_rate"] = 20_000_000
    g.attrs["start_time"] = 0.0
    g.attrs["gain_db"] = np.float32(20.5)
    g.create_dataset("iq", data=z)
    g = f.create_group("segments/0")
    g.attrs["center_frequency"] = 2.462e9
    g.attrs["sample_rate"] = 10e6
    g.attrs["start_time"] = 0.25
    g.create_dataset("iq", data=pairs, chunks=(1000, 2), compression="gzip")
)";
    }
    const std::string command = "/usr/bin/python3 '" + script.string() + "' '" + path.string() + "'";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;

    CaptureReader reader(path);
    EXPECT_EQ(reader.metadata().hardware, "PlutoSDR");
    EXPECT_EQ(reader.metadata().datetime, "2024-05-01T12:00:00Z");
    EXPECT_EQ(reader.metadata().description, "office \xc2\xb5-wave test");
    ASSERT_EQ(reader.segments().size(), 2u);

    const auto& first = reader.segments()[0];  // group 1, start 0.0
    EXPECT_EQ(first.info.center_frequency_hz, 2.412e9);
    EXPECT_EQ(first.info.sample_rate_hz, 20e6);
    EXPECT_EQ(first.info.gain_db, 20.5);
    EXPECT_EQ(first.type, SampleType::float32);
    EXPECT_EQ(read_all(reader, 0), complex_ramp(5000));

    const auto& second = reader.segments()[1];  // group 0, start 0.25
    EXPECT_EQ(second.info.center_frequency_hz, 2.462e9);
    EXPECT_EQ(second.info.start_time_s, 0.25);
    EXPECT_FALSE(second.info.gain_db.has_value());
    EXPECT_EQ(second.type, SampleType::int8);
    const auto pairs = read_all(reader, 1);
    ASSERT_EQ(pairs.size(), 5000u);
    for (std::size_t k = 0; k < pairs.size(); ++k) {
        const int i = static_cast<int>(k % 128) - 64;
        const int q = 63 - static_cast<int>(k % 128);
        ASSERT_EQ(pairs[k], cf32(i / 128.0f, q / 128.0f)) << "sample " << k;
    }
}

}  // namespace
}  // namespace coex::io
