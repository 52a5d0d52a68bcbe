// Raw I/Q files (cu8, cs8, cs16, cf32): layouts, names, round trips, every bad-input error, the factory,
// and the real recordings in ../shared/captures/real (skipped when absent).
#include "coex/core/error.hpp"
#include "coex/io/open.hpp"
#include "coex/io/raw.hpp"
#include "fixtures.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstring>
#include <fstream>
#include <random>

namespace coex::io {
namespace {

namespace fs = std::filesystem;
using test::TempDir;
using test::read_everything;

void write_bytes(const fs::path& path, const std::vector<std::uint8_t>& bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

std::vector<std::uint8_t> read_bytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const InputError& e) {
        return e.what();
    }
    return "(no error)";
}

// Random bytes that are valid samples of `format` (cf32: finite floats).
std::vector<std::uint8_t> random_file(IqFormat format, std::size_t samples, unsigned seed) {
    std::mt19937 rng(seed);
    std::vector<std::uint8_t> bytes(samples * bytes_per_sample(format));
    if (format == IqFormat::cf32) {
        std::normal_distribution<float> g(0.0f, 0.3f);
        for (std::size_t k = 0; k < 2 * samples; ++k) {
            const float v = g(rng);
            std::memcpy(bytes.data() + 4 * k, &v, 4);
        }
    } else {
        std::uniform_int_distribution<int> b(0, 255);
        for (auto& x : bytes) x = static_cast<std::uint8_t>(b(rng));
    }
    return bytes;
}

TEST(RawNames, FormatsAndExtensions) {
    EXPECT_EQ(parse_iq_format("cu8"), IqFormat::cu8);
    EXPECT_EQ(parse_iq_format("CS8"), IqFormat::cs8);
    EXPECT_EQ(parse_iq_format("cs16"), IqFormat::cs16);
    EXPECT_EQ(parse_iq_format("cfile"), IqFormat::cf32);
    EXPECT_FALSE(parse_iq_format("cs32"));
    EXPECT_EQ(iq_format_for_extension("a/b/x.cfile"), IqFormat::cf32);
    EXPECT_EQ(iq_format_for_extension("x_2437M.CU8"), IqFormat::cu8);
    EXPECT_FALSE(iq_format_for_extension("x.dat"));
    EXPECT_FALSE(iq_format_for_extension("x"));
    EXPECT_EQ(bytes_per_sample(IqFormat::cu8), 2u);
    EXPECT_EQ(bytes_per_sample(IqFormat::cs16), 4u);
    EXPECT_EQ(bytes_per_sample(IqFormat::cf32), 8u);
}

TEST(RawNames, HertzText) {
    EXPECT_DOUBLE_EQ(*parse_hertz_text("20e6"), 20e6);
    EXPECT_DOUBLE_EQ(*parse_hertz_text("20000000"), 20e6);
    EXPECT_DOUBLE_EQ(*parse_hertz_text("20M"), 20e6);
    EXPECT_DOUBLE_EQ(*parse_hertz_text("20000k"), 20e6);
    EXPECT_DOUBLE_EQ(*parse_hertz_text("2.437G"), 2.437e9);
    EXPECT_DOUBLE_EQ(*parse_hertz_text("2437MHz"), 2437e6);
    EXPECT_DOUBLE_EQ(*parse_hertz_text("20Msps"), 20e6);
    EXPECT_DOUBLE_EQ(*parse_hertz_text("250kS"), 250e3);
    EXPECT_FALSE(parse_hertz_text(""));
    EXPECT_FALSE(parse_hertz_text("-5M"));
    EXPECT_FALSE(parse_hertz_text("0"));
    EXPECT_FALSE(parse_hertz_text("20X"));
    EXPECT_FALSE(parse_hertz_text("fast"));
}

TEST(RawNames, TuningFromName) {
    auto t = tuning_from_name("caps/kitchen_2437M_20000k.cu8");
    EXPECT_DOUBLE_EQ(t.center_hz.value_or(0), 2437e6);
    EXPECT_DOUBLE_EQ(t.sample_rate_hz.value_or(0), 20e6);
    t = tuning_from_name("g001_433.92M_250k.cu8");  // rtl_433's naming
    EXPECT_DOUBLE_EQ(t.center_hz.value_or(0), 433.92e6);
    EXPECT_DOUBLE_EQ(t.sample_rate_hz.value_or(0), 250e3);
    t = tuning_from_name("hackrf-2.44G.cs8");
    EXPECT_DOUBLE_EQ(t.center_hz.value_or(0), 2.44e9);
    EXPECT_FALSE(t.sample_rate_hz);
    t = tuning_from_name("x_10Msps.cf32");
    EXPECT_DOUBLE_EQ(t.sample_rate_hz.value_or(0), 10e6);
    EXPECT_FALSE(t.center_hz);
    // Two frequencies rising: which is which is not known, so neither is taken.
    t = tuning_from_name("BLE_BLE_2424MHz_2426MHz.dat");
    EXPECT_FALSE(t.center_hz);
    EXPECT_FALSE(t.sample_rate_hz);
    // Numbers without a unit and words that start with digits are not tunings.
    t = tuning_from_name("dot11a_6mbps_qos_data_e4_90_7e_15_2a_16.dat");
    EXPECT_FALSE(t.center_hz);
    EXPECT_FALSE(t.sample_rate_hz);
}

TEST(RawLayouts, KnownValues) {
    const std::array<std::uint8_t, 4> u8{0, 255, 127, 128};
    std::array<cf32, 2> s{};
    decode(IqFormat::cu8, std::as_bytes(std::span(u8)), s);
    EXPECT_FLOAT_EQ(s[0].real(), -127.5f / 128);
    EXPECT_FLOAT_EQ(s[0].imag(), 127.5f / 128);
    EXPECT_FLOAT_EQ(s[1].real(), -0.5f / 128);
    EXPECT_FLOAT_EQ(s[1].imag(), 0.5f / 128);

    const std::array<std::int8_t, 4> s8{-128, 127, 0, -1};
    decode(IqFormat::cs8, std::as_bytes(std::span(s8)), s);
    EXPECT_FLOAT_EQ(s[0].real(), -1.0f);
    EXPECT_FLOAT_EQ(s[0].imag(), 127.0f / 128);
    EXPECT_FLOAT_EQ(s[1].imag(), -1.0f / 128);

    const std::array<std::uint8_t, 8> s16{0x00, 0x80, 0xff, 0x7f, 0x01, 0x00, 0xff, 0xff};  // little-endian
    decode(IqFormat::cs16, std::as_bytes(std::span(s16)), s);
    EXPECT_FLOAT_EQ(s[0].real(), -1.0f);
    EXPECT_FLOAT_EQ(s[0].imag(), 32767.0f / 32768);
    EXPECT_FLOAT_EQ(s[1].real(), 1.0f / 32768);
    EXPECT_FLOAT_EQ(s[1].imag(), -1.0f / 32768);

    // encode: rounding to nearest, clipping counted per sample
    const std::array<cf32, 3> in{cf32{1.0f, -1.0f}, cf32{0.5f / 128, -0.5f / 128}, cf32{0.25f, 2.0f}};
    std::array<std::int8_t, 6> out{};
    EXPECT_EQ(encode(IqFormat::cs8, in, std::as_writable_bytes(std::span(out))), 2u);  // +1.0 → 127 and 2.0 → 127
    EXPECT_EQ(out[0], 127);
    EXPECT_EQ(out[1], -128);
    EXPECT_EQ(out[2], 1);   // ties away from zero
    EXPECT_EQ(out[3], -1);
    EXPECT_EQ(out[4], 32);
    EXPECT_EQ(out[5], 127);
    EXPECT_EQ(count_clipped(IqFormat::cs8, in), 2u);
    EXPECT_EQ(count_clipped(IqFormat::cf32, in), 0u);
}

// Every byte pattern survives decode → encode unchanged (the float grid holds every integer value).
TEST(RawLayouts, BytesSurviveDecodeEncode) {
    for (const IqFormat format : {IqFormat::cu8, IqFormat::cs8, IqFormat::cs16, IqFormat::cf32}) {
        const auto bytes = random_file(format, 70000, 5);
        std::vector<cf32> samples(70000);
        ASSERT_EQ(decode(format, std::as_bytes(std::span(bytes)), samples), samples.size());
        std::vector<std::uint8_t> again(bytes.size());
        EXPECT_EQ(encode(format, samples, std::as_writable_bytes(std::span(again))), 0u) << to_string(format);
        EXPECT_EQ(again, bytes) << to_string(format);
    }
}

class RawRoundTrip : public ::testing::TestWithParam<IqFormat> {};

TEST_P(RawRoundTrip, FileToSourceToFile) {
    const IqFormat format = GetParam();
    TempDir dir;
    const auto in = dir.file("in_2437M_20000k." + to_string(format));
    const auto bytes = random_file(format, 150001, 11);
    write_bytes(in, bytes);

    auto opened = open_capture(in);
    EXPECT_EQ(opened.info.format, raw_capture_format(format));
    EXPECT_EQ(opened.info.sample_format, format);
    ASSERT_EQ(opened.info.segments.size(), 1u);
    EXPECT_DOUBLE_EQ(opened.info.segments[0].info.center_frequency_hz, 2437e6);
    EXPECT_DOUBLE_EQ(opened.info.segments[0].info.sample_rate_hz, 20e6);
    EXPECT_EQ(opened.info.total_samples(), 150001u);

    const auto out = dir.file("out." + to_string(format));
    auto sink = create_capture(out, {});
    EXPECT_EQ(copy_samples(*opened.source, *sink), 3u);  // 65536-sample blocks
    EXPECT_FALSE(fs::exists(out)) << "written under a temporary name until commit";
    sink->commit();
    EXPECT_EQ(sink->samples_written(), 150001u);
    EXPECT_EQ(sink->samples_clipped(), 0u);
    EXPECT_EQ(read_bytes(out), bytes);
    EXPECT_EQ(opened.source->stats().samples_in, 150001u);
}

// Through a read-ahead thread (coex analyze's path), cs8 and cs16 travel as stored and are converted by
// the taking thread: every sample must be what decode() makes of the file's bytes, bit for bit.
TEST_P(RawRoundTrip, ReadAheadGivesWhatDecodeMakes) {
    const IqFormat format = GetParam();
    TempDir dir;
    const auto in = dir.file("ahead_2437M_20000k." + to_string(format));
    const auto bytes = random_file(format, 150001, 13);
    write_bytes(in, bytes);
    std::vector<cf32> want(150001);
    ASSERT_EQ(decode(format, std::as_bytes(std::span(bytes)), want), want.size());
    OpenOptions options;
    options.read_ahead_blocks = 2;
    options.block_samples = 4096;
    auto opened = open_capture(in, options);
    const auto got = read_everything(*opened.source);
    ASSERT_EQ(got.size(), want.size());
    EXPECT_EQ(std::memcmp(got.data(), want.data(), want.size() * sizeof(cf32)), 0) << to_string(format);
}

INSTANTIATE_TEST_SUITE_P(Formats, RawRoundTrip, ::testing::Values(IqFormat::cu8, IqFormat::cs8, IqFormat::cs16, IqFormat::cf32),
                         [](const auto& info) { return to_string(info.param); });

TEST(RawFiles, BlocksCarryTheTuning) {
    TempDir dir;
    const auto path = dir.file("x.cs16");
    write_bytes(path, random_file(IqFormat::cs16, 1000, 1));
    auto reader = open_raw(path, {std::nullopt, 2e6, 2.44e9});
    IqFileSource source(reader, 300);
    SampleBlock block;
    std::vector<std::uint64_t> firsts;
    while (source.next(block)) {
        firsts.push_back(block.first_sample);
        EXPECT_EQ(block.segment_index, 0u);
        EXPECT_DOUBLE_EQ(block.segment.sample_rate_hz, 2e6);
        EXPECT_DOUBLE_EQ(block.segment.center_frequency_hz, 2.44e9);
        EXPECT_EQ(block.dropped_before, 0u);
    }
    EXPECT_EQ(firsts, (std::vector<std::uint64_t>{0, 300, 600, 900}));
    EXPECT_EQ(block.samples.size(), 100u);
}

// Every reader tells the analysis the step of the values it stored (the floor is never read under
// that step's rounding noise): 1/128 for 8-bit, 1/32768 for 16-bit, 0 for floats. HDF5 has no unsigned
// type: cu8 goes in as float32, exactly, and comes back as floats.
TEST(RawFiles, EveryReaderTellsTheStepOfItsSamples) {
    TempDir dir;
    const std::vector<cf32> samples(1000, cf32(0.25f, -0.5f));
    struct Case {
        const char* extension;
        IqFormat stored;
        double step;
    };
    const Case cases[] = {
        {"cu8", IqFormat::cu8, 1.0 / 128.0},          {"cs8", IqFormat::cs8, 1.0 / 128.0},
        {"cs16", IqFormat::cs16, 1.0 / 32768.0},      {"cf32", IqFormat::cf32, 0.0},
        {"h5", IqFormat::cs8, 1.0 / 128.0},           {"h5", IqFormat::cs16, 1.0 / 32768.0},
        {"h5", IqFormat::cf32, 0.0},                  {"h5", IqFormat::cu8, 0.0},
        {"sigmf-meta", IqFormat::cs8, 1.0 / 128.0},   {"sigmf-meta", IqFormat::cu8, 1.0 / 128.0},
        {"sigmf-meta", IqFormat::cs16, 1.0 / 32768.0}, {"sigmf-meta", IqFormat::cf32, 0.0},
    };
    int n = 0;
    for (const auto& c : cases) {
        const auto path = dir.file("x" + std::to_string(n++) + "_2437M_20000k." + c.extension);
        SinkOptions options;
        options.sample_format = c.stored;
        auto sink = create_capture(path, options);
        sink->begin_segment(SegmentInfo{2437e6, 20e6, 0.0, std::nullopt, std::nullopt});
        sink->append(samples);
        sink->end_segment();
        sink->commit();
        auto opened = open_capture(path);
        SCOPED_TRACE(path.filename().string() + " stored as " + to_string(c.stored));
        ASSERT_EQ(opened.info.segments.size(), 1u);
        EXPECT_EQ(opened.info.segments[0].info.quantisation_step, c.step);
        SampleBlock block;
        ASSERT_TRUE(opened.source->next(block));
        EXPECT_EQ(block.segment.quantisation_step, c.step);
        EXPECT_EQ(block.segment.quantisation_noise_power(), c.step * c.step / 6.0);
    }
}

TEST(RawFiles, OptionsWinOverTheName) {
    TempDir dir;
    const auto path = dir.file("x_2412M_10M.dat");
    write_bytes(path, random_file(IqFormat::cu8, 10, 1));
    const auto opened = open_capture(path, {CaptureFormat::cu8, 2.4e6, std::nullopt});
    EXPECT_DOUBLE_EQ(opened.info.segments[0].info.sample_rate_hz, 2.4e6);
    EXPECT_DOUBLE_EQ(opened.info.segments[0].info.center_frequency_hz, 2412e6);
}

TEST(RawFiles, BadInputIsNamed) {
    TempDir dir;
    const auto odd = dir.file("odd_2437M_20M.cs16");
    write_bytes(odd, std::vector<std::uint8_t>(1001));
    EXPECT_EQ(error_of([&] { (void)open_capture(odd); }),
              odd.string() + ": 1001 bytes is not a whole number of cs16 samples (4 bytes each)");

    const auto no_rate = dir.file("capture.cu8");
    write_bytes(no_rate, std::vector<std::uint8_t>(100));
    EXPECT_EQ(error_of([&] { (void)open_capture(no_rate, {std::nullopt, std::nullopt, 2437e6}); }),
              no_rate.string() + ": sample rate unknown: give sample_rate_hz HZ or put it in the name (capture_2437M_20000k.cu8)");
    EXPECT_EQ(error_of([&] { (void)open_capture(no_rate, {std::nullopt, 20e6, std::nullopt}); }),
              no_rate.string() + ": centre frequency unknown: give center_hz HZ or put it in the name (capture_2437M_20000k.cu8)");

    const auto dat = dir.file("x.dat");
    write_bytes(dat, std::vector<std::uint8_t>(100));
    EXPECT_NE(error_of([&] { (void)open_capture(dat, {std::nullopt, 20e6, 2437e6}); }).find(dat.string() + ": format unknown"),
              std::string::npos);

    const auto empty = dir.file("empty_2437M_20M.cf32");
    write_bytes(empty, {});
    EXPECT_EQ(error_of([&] { (void)open_capture(empty); }), empty.string() + ": is empty (no samples)");
    EXPECT_EQ(error_of([&] { (void)open_capture(dir.file("missing_2437M_20M.cu8")); }),
              dir.file("missing_2437M_20M.cu8").string() + ": no such file");

    // A NaN in a float file is reported with its sample index when the reader reaches it.
    const auto nan = dir.file("nan_2437M_20M.cf32");
    std::vector<float> values(2 * 5000, 0.1f);
    values[2 * 4321 + 1] = std::nanf("");
    std::ofstream(nan, std::ios::binary).write(reinterpret_cast<const char*>(values.data()), static_cast<std::streamsize>(values.size() * 4));
    auto opened = open_capture(nan);
    EXPECT_EQ(error_of([&] { (void)read_everything(*opened.source); }), nan.string() + ": sample 4321 of the file is NaN or infinite");

    EXPECT_THROW((void)open_capture(nan, {CaptureFormat::cf32, 1e6, std::nullopt, 0}), ConfigError);
}

TEST(RawFiles, SinkHoldsOneSegmentAndLeavesNothingOnFailure) {
    TempDir dir;
    const auto out = dir.file("out.cs8");
    {
        auto sink = create_capture(out, {});
        sink->begin_segment({2412e6, 20e6, 0.0, std::nullopt, std::nullopt});
        const std::vector<cf32> x(100, cf32{0.5f, -0.5f});
        sink->append(x);
        sink->end_segment();
        EXPECT_THROW(sink->begin_segment({2437e6, 20e6, 0.1, std::nullopt, std::nullopt}), InputError);
        EXPECT_FALSE(sink->add_annotation({}));
    }  // destroyed without commit
    EXPECT_TRUE(fs::is_empty(dir.path())) << "no partial file left";
}

// ---- real recordings made by others (../shared/captures/real) --------------------------------------

std::vector<fs::path> real_files(const std::string& folder) {
    std::vector<fs::path> files;
    const fs::path root = fs::path(COEX_REAL_CAPTURES) / folder;
    if (!fs::is_directory(root)) return files;
    for (const auto& e : fs::recursive_directory_iterator(root))
        if (e.path().extension() == ".dat") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    return files;
}

TEST(RealRecordings, OpenofdmInt16FilesConvertToSigmfAndBack) {
    const auto files = real_files("openofdm_wifi_ofdm");
    if (files.empty()) GTEST_SKIP() << "no real captures at " << COEX_REAL_CAPTURES;
    TempDir dir;
    for (const auto& file : files) {
        auto opened = open_capture(file, {CaptureFormat::cs16, 20e6, 2437e6});
        EXPECT_EQ(opened.info.total_samples() * 4, fs::file_size(file)) << file;
        const auto meta = dir.file(file.stem().string() + ".sigmf-meta");
        auto sink = create_capture(meta, {std::nullopt, IqFormat::cs16, {}});
        (void)copy_samples(*opened.source, *sink);
        sink->commit();
        // The SigMF dataset holds the very bytes of the original file.
        EXPECT_EQ(read_bytes(sigmf_data_path(meta)), read_bytes(file)) << file;
        const auto back = open_capture(meta);
        EXPECT_EQ(back.info.sample_format, IqFormat::cs16);
        EXPECT_DOUBLE_EQ(back.info.segments.at(0).info.sample_rate_hz, 20e6);
    }
}

TEST(RealRecordings, NrfFloat32FilesAreFiniteAndRoundTrip) {
    const auto files = real_files("nrf_ble_802154");
    if (files.empty()) GTEST_SKIP() << "no real captures at " << COEX_REAL_CAPTURES;
    TempDir dir;
    for (const auto& file : files) {
        auto opened = open_capture(file, {CaptureFormat::cf32, 10e6, 2425e6});
        const auto samples = read_everything(*opened.source);
        ASSERT_EQ(samples.size() * 8, fs::file_size(file)) << file;
        float peak = 0.0f;
        for (const cf32 s : samples) peak = std::max(peak, std::abs(s));
        EXPECT_GT(peak, 0.0f) << file;
        const auto h5 = dir.file(file.stem().string() + ".h5");
        auto again = open_capture(file, {CaptureFormat::cf32, 10e6, 2425e6});
        auto sink = create_capture(h5, {std::nullopt, IqFormat::cf32, {}});
        (void)copy_samples(*again.source, *sink);
        sink->commit();
        auto back = open_capture(h5);
        EXPECT_EQ(read_everything(*back.source), samples) << file;
    }
}

}  // namespace
}  // namespace coex::io
