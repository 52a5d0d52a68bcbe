// CaptureWriter → CaptureReader: scaling and clipping per sample type, segments, metadata, flushing.
#include "coex/core/error.hpp"
#include "coex/io/capture.hpp"
#include "fixtures.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace coex::io {
namespace {

namespace fs = std::filesystem;
using test::Builder;
using test::read_all;
using test::TempDir;

// Inputs chosen to exercise rounding and clipping; none lies on a rounding tie.
const std::vector<cf32> probe_samples = {
    {0.0f, 0.0f},   {0.5f, -0.5f},   {1.0f, -1.0f},     {1.5f, -2.0f},
    {0.3f, -0.3f},  {1e-3f, -1e-3f}, {0.99f, -0.99f},
};
// The integers each type must store for probe_samples (I, Q interleaved): x·128 or x·32768,
// rounded to nearest and clamped to the type's range.
const std::vector<int> int8_codes = {0, 0, 64, -64, 127, -128, 127, -128, 38, -38, 0, 0, 127, -127};
const std::vector<int> int16_codes = {0,    0,     16384, -16384, 32767, -32768, 32767,
                                      -32768, 9830, -9830, 33,     -33,    32440, -32440};

SegmentInfo info(double center, double rate, double start, std::optional<double> gain = std::nullopt) {
    SegmentInfo i;
    i.center_frequency_hz = center;
    i.sample_rate_hz = rate;
    i.start_time_s = start;
    i.gain_db = gain;
    return i;
}

class IoRoundTrip : public ::testing::TestWithParam<SampleType> {};

TEST_P(IoRoundTrip, ScalesAndClipsEachSampleType) {
    const SampleType type = GetParam();
    TempDir dir;
    const auto path = dir.file("roundtrip.h5");
    {
        CaptureWriter writer(path, {}, type);
        writer.begin_segment(info(2.44e9, 20e6, 0.0));
        writer.append(probe_samples);
        EXPECT_EQ(writer.samples_written(), probe_samples.size());
        writer.close();
    }

    // On disk: the integer codes (other tools read these), or the floats unchanged.
    {
        Builder file = Builder::inspect(path);
        if (type == SampleType::float32) {
            const auto raw = file.read_raw<float>("/segments/0/iq", H5T_NATIVE_FLOAT, 2 * probe_samples.size());
            for (std::size_t k = 0; k < probe_samples.size(); ++k) {
                EXPECT_EQ(raw[2 * k], probe_samples[k].real());
                EXPECT_EQ(raw[2 * k + 1], probe_samples[k].imag());
            }
        } else {
            const auto raw = file.read_raw<int>("/segments/0/iq", H5T_NATIVE_INT, 2 * probe_samples.size());
            EXPECT_EQ(raw, type == SampleType::int8 ? int8_codes : int16_codes);
        }
    }

    CaptureReader reader(path);
    ASSERT_EQ(reader.segments().size(), 1u);
    EXPECT_EQ(reader.segments()[0].type, type);
    EXPECT_EQ(reader.segments()[0].length, probe_samples.size());
    const auto samples = read_all(reader, 0);
    for (std::size_t k = 0; k < probe_samples.size(); ++k) {
        cf32 expected = probe_samples[k];
        if (type != SampleType::float32) {
            const auto& codes = type == SampleType::int8 ? int8_codes : int16_codes;
            const float scale = type == SampleType::int8 ? 128.0f : 32768.0f;
            expected = {static_cast<float>(codes[2 * k]) / scale, static_cast<float>(codes[2 * k + 1]) / scale};
        }
        EXPECT_EQ(samples[k], expected) << "sample " << k;
    }
}

INSTANTIATE_TEST_SUITE_P(AllTypes, IoRoundTrip,
                         ::testing::Values(SampleType::int8, SampleType::int16, SampleType::float32),
                         [](const auto& param) { return to_string(param.param); });

TEST(IoCapture, SampleTypeNames) {
    EXPECT_EQ(to_string(SampleType::int8), "int8");
    EXPECT_EQ(to_string(SampleType::int16), "int16");
    EXPECT_EQ(to_string(SampleType::float32), "float32");
}

TEST(IoCapture, SegmentsComeBackInStartTimeOrder) {
    TempDir dir;
    const auto path = dir.file("segments.h5");
    // Written (and numbered 0, 1, 2) out of time order.
    const std::vector<SegmentInfo> written = {info(2.412e9, 20e6, 0.2, 10.0), info(2.437e9, 10e6, 0.0),
                                              info(2.462e9, 5e6, 0.1, -3.5)};
    const std::vector<std::size_t> lengths = {100, 200, 300};
    auto content = [](std::size_t segment, std::size_t k) {
        return cf32(static_cast<float>(segment) * 0.25f, static_cast<float>(k % 97) / 128.0f);
    };
    {
        CaptureWriter writer(path, {}, SampleType::int16);
        for (std::size_t s = 0; s < written.size(); ++s) {
            writer.begin_segment(written[s]);
            std::vector<cf32> samples(lengths[s]);
            for (std::size_t k = 0; k < samples.size(); ++k) {
                samples[k] = content(s, k);
            }
            writer.append(samples);
            writer.end_segment();
        }
        EXPECT_EQ(writer.samples_written(), 600u);
    }

    CaptureReader reader(path);
    ASSERT_EQ(reader.segments().size(), 3u);
    const std::size_t expected_order[3] = {1, 2, 0};
    for (std::size_t r = 0; r < 3; ++r) {
        const std::size_t w = expected_order[r];
        const SegmentDescription& d = reader.segments()[r];
        EXPECT_EQ(d.info.center_frequency_hz, written[w].center_frequency_hz);
        EXPECT_EQ(d.info.sample_rate_hz, written[w].sample_rate_hz);
        EXPECT_EQ(d.info.start_time_s, written[w].start_time_s);
        EXPECT_EQ(d.info.gain_db, written[w].gain_db);
        EXPECT_EQ(d.length, lengths[w]);
        EXPECT_EQ(d.type, SampleType::int16);
        const auto samples = read_all(reader, r);
        for (std::size_t k = 0; k < samples.size(); ++k) {
            ASSERT_EQ(samples[k], content(w, k)) << "segment " << r << " sample " << k;
        }
    }
}

TEST(IoCapture, MetadataRoundTrips) {
    TempDir dir;
    const auto path = dir.file("metadata.h5");
    CaptureMetadata metadata;
    metadata.hardware = "HackRF One r9 (fw 2023.01.1)";
    metadata.datetime = "2024-05-01T12:34:56Z";
    metadata.description = "kitchen: microwave oven + BLE beacon, 2.4 GHz \xc2\xb5wave";
    {
        CaptureWriter writer(path, metadata);
        writer.begin_segment(info(2.45e9, 20e6, 0.0, 40.0));
        writer.append(std::vector<cf32>(10, cf32(0.1f, 0.2f)));
    }  // the destructor finishes the segment and closes
    CaptureReader reader(path);
    EXPECT_EQ(reader.path(), path);
    EXPECT_EQ(reader.metadata().hardware, metadata.hardware);
    EXPECT_EQ(reader.metadata().datetime, metadata.datetime);
    EXPECT_EQ(reader.metadata().description, metadata.description);
    ASSERT_EQ(reader.segments().size(), 1u);
    EXPECT_EQ(reader.segments()[0].info.gain_db, 40.0);
    EXPECT_EQ(reader.segments()[0].length, 10u);

    // Root attributes are what h5py writes: variable-length UTF-8 strings and an integer version.
    Builder file = Builder::inspect(path);
    const h5::Attribute format(H5Aopen(file.file(), "coex_format", H5P_DEFAULT));
    ASSERT_TRUE(format);
    const h5::Datatype type(H5Aget_type(format.get()));
    EXPECT_GT(H5Tis_variable_str(type.get()), 0);
    EXPECT_EQ(H5Tget_cset(type.get()), H5T_CSET_UTF8);
    const h5::Attribute version(H5Aopen(file.file(), "coex_version", H5P_DEFAULT));
    long long version_value = 0;
    ASSERT_GE(H5Aread(version.get(), H5T_NATIVE_LLONG, &version_value), 0);
    EXPECT_EQ(version_value, 1);
}

TEST(IoCapture, EmptyMetadataIsLeftOut) {
    TempDir dir;
    const auto path = dir.file("bare.h5");
    {
        CaptureWriter writer(path, {});
        writer.begin_segment(info(2.45e9, 1e6, 0.0));
        writer.append(std::vector<cf32>(3));
    }
    CaptureReader reader(path);
    EXPECT_EQ(reader.metadata().hardware, "");
    EXPECT_EQ(reader.metadata().datetime, "");
    EXPECT_FALSE(reader.segments()[0].info.gain_db.has_value());
    Builder file = Builder::inspect(path);
    EXPECT_EQ(H5Aexists(file.file(), "hardware"), 0);
}

TEST(IoWriter, SegmentWithoutSamplesIsNotWritten) {
    TempDir dir;
    const auto path = dir.file("skip.h5");
    {
        CaptureWriter writer(path, {});
        writer.begin_segment(info(2.41e9, 1e6, 0.0));
        writer.end_segment();
        writer.begin_segment(info(2.42e9, 1e6, 1.0));
        writer.append(std::vector<cf32>(5, cf32(0.5f, 0.0f)));
        writer.begin_segment(info(2.43e9, 1e6, 2.0));  // finishes the previous one
        writer.append(std::vector<cf32>(7, cf32(0.0f, 0.5f)));
    }
    CaptureReader reader(path);
    ASSERT_EQ(reader.segments().size(), 2u);
    EXPECT_EQ(reader.segments()[0].info.center_frequency_hz, 2.42e9);
    EXPECT_EQ(reader.segments()[0].length, 5u);
    EXPECT_EQ(reader.segments()[1].info.center_frequency_hz, 2.43e9);
    EXPECT_EQ(reader.segments()[1].length, 7u);
    Builder file = Builder::inspect(path);
    EXPECT_GT(H5Lexists(file.file(), "/segments/0", H5P_DEFAULT), 0);
    EXPECT_GT(H5Lexists(file.file(), "/segments/1", H5P_DEFAULT), 0);
    EXPECT_EQ(H5Lexists(file.file(), "/segments/2", H5P_DEFAULT), 0);
}

TEST(IoWriter, RefusesNonFiniteSamplesAndWritesNothingOfThem) {
    TempDir dir;
    const auto path = dir.file("nan.h5");
    CaptureWriter writer(path, {}, SampleType::int16);
    writer.begin_segment(info(2.45e9, 1e6, 0.0));
    writer.append(std::vector<cf32>(4, cf32(0.25f, 0.25f)));
    std::vector<cf32> bad(10, cf32(0.1f, 0.1f));
    bad[6] = cf32(0.0f, std::numeric_limits<float>::quiet_NaN());
    try {
        writer.append(bad);
        FAIL() << "NaN accepted";
    } catch (const InputError& e) {
        const std::string message = e.what();
        EXPECT_EQ(message.rfind(path.string() + ": ", 0), 0u) << message;
        EXPECT_NE(message.find("sample 10 is NaN or infinite"), std::string::npos) << message;
    }
    bad[6] = cf32(std::numeric_limits<float>::infinity(), 0.0f);
    EXPECT_THROW(writer.append(bad), InputError);
    EXPECT_EQ(writer.samples_written(), 4u);
    writer.close();
    CaptureReader reader(path);
    EXPECT_EQ(reader.segments()[0].length, 4u);
}

TEST(IoWriter, RejectsBadSegmentInfoAndMisuse) {
    TempDir dir;
    CaptureWriter writer(dir.file("config.h5"), {});
    EXPECT_THROW(writer.append(std::vector<cf32>(1)), std::logic_error);  // no segment begun
    EXPECT_THROW(writer.begin_segment(info(2.45e9, 0.0, 0.0)), ConfigError);
    EXPECT_THROW(writer.begin_segment(info(2.45e9, -1.0, 0.0)), ConfigError);
    EXPECT_THROW(writer.begin_segment(info(std::nan(""), 1e6, 0.0)), ConfigError);
    EXPECT_THROW(writer.begin_segment(info(2.45e9, 1e6, INFINITY)), ConfigError);
    EXPECT_THROW(writer.begin_segment(info(2.45e9, 1e6, 0.0, std::nan(""))), ConfigError);
    writer.close();
    EXPECT_THROW(writer.begin_segment(info(2.45e9, 1e6, 0.0)), std::logic_error);
    writer.close();  // closing twice is harmless
}

TEST(IoWriter, CannotCreateInMissingFolder) {
    TempDir dir;
    const auto path = dir.file("no/such/folder/x.h5");
    try {
        CaptureWriter writer(path, {});
        FAIL() << "created a file in a missing folder";
    } catch (const InputError& e) {
        const std::string message = e.what();
        EXPECT_EQ(message.rfind(path.string() + ": cannot create the file", 0), 0u) << message;
        EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    }
}

// A crash leaves on disk exactly the bytes written so far. Copying the file while the writer is still
// open captures that state; the copy must hold every finished (flushed) segment. Also, a second reader on
// the live path in this process (HDF5 shares the open file) sees the flushed segments. SWMR (which would
// let another process follow the file live) is not used: it needs the 1.10 "latest" file format.
TEST(IoWriter, FlushedDataSurvivesACrash) {
    TempDir dir;
    const auto path = dir.file("live.h5");
    const auto after_first = dir.file("after_first.h5");
    const auto after_flush = dir.file("after_flush.h5");
    std::vector<cf32> first(100000), second(5000);
    for (std::size_t k = 0; k < first.size(); ++k) {
        first[k] = cf32(static_cast<float>(k % 1000) / 1000.0f, -0.5f);
    }
    for (std::size_t k = 0; k < second.size(); ++k) {
        second[k] = cf32(0.25f, static_cast<float>(k % 7) / 8.0f);
    }

    CaptureWriter writer(path, {}, SampleType::float32);
    writer.begin_segment(info(2.41e9, 20e6, 0.0));
    writer.append(first);
    writer.end_segment();
    fs::copy_file(path, after_first);
    {
        CaptureReader live(path);  // same path, writer still open
        ASSERT_EQ(live.segments().size(), 1u);
        EXPECT_EQ(read_all(live, 0), first);
    }

    writer.begin_segment(info(2.46e9, 20e6, 0.01));
    writer.append(second);
    writer.flush();  // the open segment's samples so far are on disk too
    fs::copy_file(path, after_flush);
    writer.append(second);

    {
        CaptureReader crashed(after_first);
        ASSERT_EQ(crashed.segments().size(), 1u);
        EXPECT_EQ(read_all(crashed, 0), first);
    }
    {
        CaptureReader crashed(after_flush);
        ASSERT_EQ(crashed.segments().size(), 2u);
        EXPECT_EQ(read_all(crashed, 0), first);
        EXPECT_EQ(read_all(crashed, 1), second);
    }

    writer.close();
    CaptureReader done(path);
    ASSERT_EQ(done.segments().size(), 2u);
    EXPECT_EQ(done.segments()[1].length, 2 * second.size());
}

}  // namespace
}  // namespace coex::io

namespace coex::io {
namespace {

TEST(IoCapture, BandwidthAttributeRoundTripsAndIsValidated) {
    const auto path = std::filesystem::temp_directory_path() / ("coex-bw-" + std::to_string(::getpid()) + ".h5");
    {
        CaptureWriter writer(path, {}, SampleType::int8);
        writer.begin_segment({2442e6, 100e6, 0.0, std::nullopt, 96e6});
        writer.append(std::vector<cf32>(1000, cf32(0.1f, 0.0f)));
        writer.begin_segment({2437e6, 20e6, 0.1, std::nullopt, std::nullopt});
        writer.append(std::vector<cf32>(1000, cf32(0.1f, 0.0f)));
        writer.end_segment();
        EXPECT_THROW(writer.begin_segment({2437e6, 20e6, 0.2, std::nullopt, 30e6}), ConfigError);  // wider than the rate
    }
    CaptureReader reader(path);
    ASSERT_EQ(reader.segments().size(), 2u);
    EXPECT_EQ(reader.segments()[0].info.bandwidth_hz, 96e6);
    EXPECT_EQ(reader.segments()[0].info.usable_bandwidth_hz(), 96e6);
    EXPECT_FALSE(reader.segments()[1].info.bandwidth_hz.has_value());
    EXPECT_DOUBLE_EQ(reader.segments()[1].info.usable_bandwidth_hz(), 18e6);
    std::filesystem::remove(path);
}

}  // namespace
}  // namespace coex::io
