// SigMF: metadata parsing and every bad-metadata error, captures as segments, annotations in and out,
// and the lossless HDF5 ↔ SigMF round trip (samples and metadata).
#include "coex/core/error.hpp"
#include "coex/io/open.hpp"
#include "coex/io/sigmf.hpp"
#include "fixtures.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>

namespace coex::io {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using test::TempDir;
using test::read_everything;

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const InputError& e) {
        return e.what();
    }
    return "(no error)";
}

void write_text(const fs::path& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

// Samples on the grid of `type` (so quantising them is exact).
std::vector<cf32> grid_samples(SampleType type, std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> g(0.0f, 0.25f);
    const float scale = type == SampleType::int8 ? 128.0f : type == SampleType::int16 ? 32768.0f : 0.0f;
    std::vector<cf32> x(n);
    for (auto& s : x) {
        float i = g(rng), q = g(rng);
        if (scale > 0.0f) {
            i = std::clamp(std::round(i * scale), -scale, scale - 1.0f) / scale;
            q = std::clamp(std::round(q * scale), -scale, scale - 1.0f) / scale;
        }
        s = {i, q};
    }
    return x;
}

json minimal_meta() {
    return json{{"global", {{"core:datatype", "ci16_le"}, {"core:sample_rate", 20e6}, {"core:version", "1.0.0"}}},
                {"captures", json::array({{{"core:sample_start", 0}, {"core:frequency", 2437e6}}})},
                {"annotations", json::array()}};
}

TEST(Sigmf, DatatypesAndNames) {
    EXPECT_EQ(parse_sigmf_datatype("cf32_le"), IqFormat::cf32);
    EXPECT_EQ(parse_sigmf_datatype("ci16_le"), IqFormat::cs16);
    EXPECT_EQ(parse_sigmf_datatype("ci8"), IqFormat::cs8);
    EXPECT_EQ(parse_sigmf_datatype("cu8"), IqFormat::cu8);
    EXPECT_FALSE(parse_sigmf_datatype("ci16_be"));
    EXPECT_FALSE(parse_sigmf_datatype("rf32_le"));
    for (const IqFormat f : {IqFormat::cu8, IqFormat::cs8, IqFormat::cs16, IqFormat::cf32})
        EXPECT_EQ(parse_sigmf_datatype(sigmf_datatype(f)), f);
    EXPECT_EQ(sigmf_meta_path("a/x.sigmf-data"), fs::path("a/x.sigmf-meta"));
    EXPECT_EQ(sigmf_data_path("a/x.sigmf-meta"), fs::path("a/x.sigmf-data"));
    EXPECT_EQ(sigmf_meta_path("a/x"), fs::path("a/x.sigmf-meta"));
    EXPECT_EQ(capture_format_for_path("x.sigmf-meta"), CaptureFormat::sigmf);
    EXPECT_EQ(capture_format_for_path("x.sigmf-data"), CaptureFormat::sigmf);
    EXPECT_EQ(capture_format_for_path("x.H5"), CaptureFormat::hdf5);
}

TEST(Sigmf, Iso8601) {
    EXPECT_DOUBLE_EQ(*parse_iso8601("1970-01-01T00:00:00Z"), 0.0);
    EXPECT_DOUBLE_EQ(*parse_iso8601("2024-05-01T12:00:00Z"), 1714564800.0);
    EXPECT_NEAR(*parse_iso8601("2024-05-01T12:00:00.25Z"), 1714564800.25, 1e-6);
    EXPECT_DOUBLE_EQ(*parse_iso8601("2024-05-01T12:00:00+00:00"), 1714564800.0);
    EXPECT_FALSE(parse_iso8601("yesterday"));
    EXPECT_FALSE(parse_iso8601("2024-05-01 12:00:00Z"));
    EXPECT_FALSE(parse_iso8601("2024-13-01T12:00:00Z"));
    EXPECT_EQ(format_iso8601(1714564800.5), "2024-05-01T12:00:00.500000Z");
    EXPECT_EQ(format_iso8601(951782400.0), "2000-02-29T00:00:00.000000Z");
}

TEST(Sigmf, SeveralCapturesAreSeveralSegments) {
    json meta = minimal_meta();
    meta["global"]["core:hw"] = "HackRF One";
    meta["global"]["core:description"] = "a sweep";
    meta["captures"] = json::array({
        {{"core:sample_start", 0}, {"core:frequency", 2412e6}, {"core:datetime", "2024-05-01T12:00:00Z"}},
        {{"core:sample_start", 1000}, {"core:frequency", 2437e6}, {"core:datetime", "2024-05-01T12:00:00.5Z"}},
        {{"core:sample_start", 1500}, {"core:frequency", 2462e6}},  // no time: follows the samples
    });
    const auto rec = parse_sigmf_metadata(meta.dump(), "x.sigmf-meta", 4u * 2000u);
    EXPECT_EQ(rec.format, IqFormat::cs16);
    EXPECT_EQ(rec.metadata.hardware, "HackRF One");
    EXPECT_EQ(rec.metadata.description, "a sweep");
    EXPECT_EQ(rec.metadata.datetime, "2024-05-01T12:00:00Z");
    ASSERT_EQ(rec.captures.size(), 3u);
    EXPECT_EQ(rec.captures[0].length, 1000u);
    EXPECT_EQ(rec.captures[1].length, 500u);
    EXPECT_EQ(rec.captures[2].length, 500u);
    EXPECT_DOUBLE_EQ(rec.captures[1].info.center_frequency_hz, 2437e6);
    EXPECT_NEAR(rec.captures[1].info.start_time_s, 0.5, 1e-6);
    EXPECT_NEAR(rec.captures[2].info.start_time_s, 1500 / 20e6, 1e-12);
    for (const auto& c : rec.captures) EXPECT_DOUBLE_EQ(c.info.sample_rate_hz, 20e6);
}

TEST(Sigmf, HeaderBytesAndOffset) {
    TempDir dir;
    json meta = minimal_meta();
    meta["global"]["core:datatype"] = "ci8";
    meta["global"]["core:offset"] = 100;
    meta["captures"] = json::array({{{"core:sample_start", 100}, {"core:frequency", 2412e6}, {"core:header_bytes", 3}},
                                    {{"core:sample_start", 102}, {"core:frequency", 2437e6}, {"core:header_bytes", 1}}});
    write_text(dir.file("x.sigmf-meta"), meta.dump());
    // 3 header bytes, 2 samples, 1 header byte, 1 sample
    write_text(dir.file("x.sigmf-data"), std::string("hdr\x10\x20\x30\x40" "h\x50\x60", 10));
    auto opened = open_capture(dir.file("x.sigmf-meta"));
    ASSERT_EQ(opened.info.segments.size(), 2u);
    const auto x = read_everything(*opened.source);
    ASSERT_EQ(x.size(), 3u);
    EXPECT_FLOAT_EQ(x[0].real(), 16.0f / 128);
    EXPECT_FLOAT_EQ(x[1].imag(), 64.0f / 128);
    EXPECT_FLOAT_EQ(x[2].real(), 80.0f / 128);
    EXPECT_FLOAT_EQ(x[2].imag(), 96.0f / 128);
}

TEST(Sigmf, BadMetadataIsNamed) {
    const std::string name = "rec.sigmf-meta";
    auto error = [&](const json& meta, std::optional<std::uint64_t> bytes = 4000, SigmfOptions options = {}) {
        return error_of([&] { (void)parse_sigmf_metadata(meta.dump(), name, bytes, options); });
    };
    json m = minimal_meta();
    m["global"].erase("core:sample_rate");
    EXPECT_EQ(error(m), name + ": global 'core:sample_rate' is missing (give sample_rate_hz HZ)");
    EXPECT_EQ(error(m, 4000, {20e6, std::nullopt}), "(no error)");

    m = minimal_meta();
    m["global"]["core:datatype"] = "ri16_le";
    EXPECT_EQ(error(m), name + ": datatype 'ri16_le' is not supported; coex reads cf32_le, ci16_le, ci8 and cu8");
    m["global"].erase("core:datatype");
    EXPECT_EQ(error(m), name + ": global 'core:datatype' is missing");

    m = minimal_meta();
    EXPECT_EQ(error(m, 4002), name + ": the dataset's 4002 bytes of samples are not a whole number of ci16_le samples (4 bytes each)");
    EXPECT_EQ(error(m, 0), name + ": the dataset holds no samples");

    m["global"]["core:sample_rate"] = -1;
    EXPECT_EQ(error(m), name + ": global 'core:sample_rate' must be > 0 (it is -1)");
    m["global"]["core:sample_rate"] = "fast";
    EXPECT_EQ(error(m), name + ": global 'core:sample_rate' must be a number");

    m = minimal_meta();
    m["captures"][0].erase("core:frequency");
    EXPECT_EQ(error(m), name + ": captures[0]: 'core:frequency' is missing (give center_hz HZ)");
    EXPECT_EQ(error(m, 4000, {std::nullopt, 2437e6}), "(no error)");

    m = minimal_meta();
    m["captures"].push_back({{"core:sample_start", 5000}, {"core:frequency", 2462e6}});
    EXPECT_EQ(error(m), name + ": captures[1]: 'core:sample_start' 5000 is past the end of the dataset (1000 samples)");
    m["captures"][1]["core:sample_start"] = -3;
    EXPECT_EQ(error(m), name + ": captures[1]: 'core:sample_start' must be a whole number ≥ 0");

    m = minimal_meta();
    m["captures"] = json::array({{{"core:sample_start", 500}, {"core:frequency", 1.0}}, {{"core:sample_start", 10}, {"core:frequency", 1.0}}});
    EXPECT_EQ(error(m), name + ": captures[1]: 'core:sample_start' goes backwards (captures must be in sample order)");

    m = minimal_meta();
    m["global"]["core:num_channels"] = 2;
    EXPECT_EQ(error(m), name + ": core:num_channels is 2; coex reads single-channel recordings");

    m = minimal_meta();
    m["captures"] = json::array();
    EXPECT_EQ(error(m), name + ": 'captures' is empty: the centre frequency is unknown");

    EXPECT_EQ(error_of([&] { (void)parse_sigmf_metadata("{\"global\": ", name, 4000); }).rfind(name + ": not valid JSON (", 0), 0u);
    EXPECT_EQ(error_of([&] { (void)parse_sigmf_metadata("[1, 2]", name, 4000); }),
              name + ": SigMF metadata must be a JSON object with 'global', 'captures' and 'annotations'");
}

TEST(Sigmf, MissingDatasetIsNamed) {
    TempDir dir;
    write_text(dir.file("x.sigmf-meta"), minimal_meta().dump());
    EXPECT_EQ(error_of([&] { (void)open_capture(dir.file("x.sigmf-meta")); }),
              dir.file("x.sigmf-data").string() + ": no such file (the dataset of x.sigmf-meta)");
    // Given the data file, the metadata beside it is found.
    write_text(dir.file("x.sigmf-data"), std::string(40, '\0'));
    EXPECT_EQ(open_capture(dir.file("x.sigmf-data")).info.total_samples(), 10u);
}

TEST(Sigmf, AnnotationsInAndOut) {
    TempDir dir;
    json meta = minimal_meta();
    meta["annotations"] = json::array({
        {{"core:sample_start", 10}, {"core:sample_count", 100}, {"core:freq_lower_edge", 2426e6}, {"core:freq_upper_edge", 2428e6},
         {"core:label", "ble"}, {"core:comment", "advertising"}, {"other:thing", {{"x", 1}}}},
        {{"core:sample_start", 0}, {"core:label", "whole"}},
    });
    write_text(dir.file("in.sigmf-meta"), meta.dump());
    write_text(dir.file("in.sigmf-data"), std::string(4 * 200, '\1'));
    auto opened = open_capture(dir.file("in.sigmf-meta"));
    ASSERT_EQ(opened.info.annotations.size(), 2u);
    const auto& a = opened.info.annotations[0];
    EXPECT_EQ(a.sample_start, 10u);
    EXPECT_EQ(a.sample_count, 100u);
    EXPECT_DOUBLE_EQ(a.freq_lower_edge_hz.value_or(0), 2426e6);
    EXPECT_EQ(a.label, "ble");
    EXPECT_EQ(a.comment, "advertising");
    EXPECT_EQ(json::parse(a.extra_json), (json{{"other:thing", {{"x", 1}}}}));

    auto sink = create_capture(dir.file("out.sigmf-meta"), {std::nullopt, opened.info.sample_format, opened.info.metadata});
    (void)copy_samples(*opened.source, *sink);
    for (const auto& ann : opened.info.annotations) EXPECT_TRUE(sink->add_annotation(ann));
    sink->commit();
    const json out = json::parse(read_text(dir.file("out.sigmf-meta")));
    ASSERT_EQ(out["annotations"].size(), 2u);
    EXPECT_EQ(out["annotations"][0]["core:label"], "whole") << "written in sample order";
    EXPECT_EQ(out["annotations"][1]["core:freq_upper_edge"], 2428e6);
    EXPECT_EQ(out["annotations"][1]["other:thing"]["x"], 1);
    EXPECT_EQ(out["global"]["core:datatype"], "ci16_le");
    EXPECT_EQ(out["global"]["core:version"], "1.0.0");
    EXPECT_EQ(read_text(dir.file("out.sigmf-data")), read_text(dir.file("in.sigmf-data")));
}

// An HDF5 capture with several segments → SigMF → HDF5 keeps every sample and every attribute.
class HdfSigmfRoundTrip : public ::testing::TestWithParam<SampleType> {};

TEST_P(HdfSigmfRoundTrip, Lossless) {
    const SampleType type = GetParam();
    TempDir dir;
    const auto original = dir.file("original.h5");
    const CaptureMetadata metadata{"HackRF One r9", "2024-05-01T12:00:00Z", "kitchen, microwave on"};
    const std::vector<SegmentInfo> infos{
        {2412e6, 20e6, 0.0, 40.0, 15e6},
        {2437e6, 20e6, 0.0171, std::nullopt, std::nullopt},
        {2462e6, 20e6, 0.0342, 14.0, std::nullopt},
    };
    std::vector<std::vector<cf32>> samples;
    {
        CaptureWriter w(original, metadata, type);
        for (std::size_t s = 0; s < infos.size(); ++s) {
            samples.push_back(grid_samples(type, 30000 + 1000 * s, static_cast<unsigned>(s)));
            w.begin_segment(infos[s]);
            w.append(samples.back());
            w.end_segment();
        }
        w.close();
    }
    auto from_h5 = open_capture(original);
    const IqFormat layout = from_h5.info.sample_format;
    EXPECT_EQ(layout, type == SampleType::int8 ? IqFormat::cs8 : type == SampleType::int16 ? IqFormat::cs16 : IqFormat::cf32);
    const auto meta = dir.file("middle.sigmf-meta");
    {
        auto sink = create_capture(meta, {std::nullopt, layout, from_h5.info.metadata});
        (void)copy_samples(*from_h5.source, *sink);
        sink->commit();
    }
    const json m = json::parse(read_text(meta));
    EXPECT_EQ(m["global"]["core:hw"], "HackRF One r9");
    EXPECT_EQ(m["global"]["core:sample_rate"], 20e6);
    ASSERT_EQ(m["captures"].size(), 3u);
    EXPECT_EQ(m["captures"][1]["core:sample_start"], 30000);
    EXPECT_EQ(m["captures"][1]["core:frequency"], 2437e6);
    EXPECT_EQ(m["captures"][0]["core:datetime"], "2024-05-01T12:00:00Z");
    EXPECT_EQ(m["captures"][1]["core:datetime"], "2024-05-01T12:00:00.017100Z");

    auto from_sigmf = open_capture(meta);
    const auto back = dir.file("back.h5");
    {
        auto sink = create_capture(back, {std::nullopt, from_sigmf.info.sample_format, from_sigmf.info.metadata});
        (void)copy_samples(*from_sigmf.source, *sink);
        sink->commit();
    }
    CaptureReader reader(back);
    EXPECT_EQ(reader.metadata().hardware, metadata.hardware);
    EXPECT_EQ(reader.metadata().datetime, metadata.datetime);
    EXPECT_EQ(reader.metadata().description, metadata.description);
    ASSERT_EQ(reader.segments().size(), infos.size());
    for (std::size_t s = 0; s < infos.size(); ++s) {
        const auto& d = reader.segments()[s];
        EXPECT_EQ(d.type, type);
        EXPECT_EQ(d.info.center_frequency_hz, infos[s].center_frequency_hz);
        EXPECT_EQ(d.info.sample_rate_hz, infos[s].sample_rate_hz);
        EXPECT_EQ(d.info.start_time_s, infos[s].start_time_s);
        EXPECT_EQ(d.info.gain_db, infos[s].gain_db);
        EXPECT_EQ(d.info.bandwidth_hz, infos[s].bandwidth_hz);
        EXPECT_EQ(test::read_all(reader, s), samples[s]) << "segment " << s;
    }
}

INSTANTIATE_TEST_SUITE_P(Types, HdfSigmfRoundTrip, ::testing::Values(SampleType::int8, SampleType::int16, SampleType::float32),
                         [](const auto& info) { return to_string(info.param); });

// SigMF (cu8, as rtl_sdr makes) → HDF5 → SigMF: the samples come back byte for byte (HDF5 keeps cu8 as
// float32, exactly), and the SigMF metadata that coex models comes back too.
TEST(Sigmf, Cu8ThroughHdf5IsExact) {
    TempDir dir;
    json meta = minimal_meta();
    meta["global"]["core:datatype"] = "cu8";
    meta["global"]["core:sample_rate"] = 2.4e6;
    meta["global"]["core:hw"] = "RTL-SDR v3";
    meta["captures"][0]["core:frequency"] = 2426e6;
    meta["captures"][0]["core:datetime"] = "2024-05-01T12:00:00.123Z";
    write_text(dir.file("rtl.sigmf-meta"), meta.dump());
    std::string data(2 * 5000, '\0');
    std::mt19937 rng(3);
    for (auto& c : data) c = static_cast<char>(rng() & 0xff);
    write_text(dir.file("rtl.sigmf-data"), data);

    auto in = open_capture(dir.file("rtl.sigmf-meta"));
    EXPECT_EQ(in.info.sample_format, IqFormat::cu8);
    {
        auto sink = create_capture(dir.file("rtl.h5"), {std::nullopt, in.info.sample_format, in.info.metadata});
        (void)copy_samples(*in.source, *sink);
        sink->commit();
    }
    auto h5 = open_capture(dir.file("rtl.h5"));
    EXPECT_EQ(h5.info.sample_format, IqFormat::cf32);
    {
        auto sink = create_capture(dir.file("again.sigmf-meta"), {std::nullopt, IqFormat::cu8, h5.info.metadata});
        (void)copy_samples(*h5.source, *sink);
        sink->commit();
    }
    EXPECT_EQ(read_text(dir.file("again.sigmf-data")), data);
    const auto again = parse_sigmf_metadata(read_text(dir.file("again.sigmf-meta")), "again", data.size());
    EXPECT_EQ(again.metadata.hardware, "RTL-SDR v3");
    EXPECT_EQ(again.metadata.datetime, "2024-05-01T12:00:00.123Z");
    EXPECT_EQ(again.sample_rate_hz, 2.4e6);
    EXPECT_EQ(again.captures.at(0).info.center_frequency_hz, 2426e6);
}

TEST(Sigmf, OneSampleRatePerRecording) {
    TempDir dir;
    SigmfWriter w(dir.file("x.sigmf-meta"), IqFormat::cf32, {});
    w.begin_segment({2412e6, 20e6, 0.0, std::nullopt, std::nullopt});
    w.append(std::vector<cf32>(10));
    EXPECT_NE(error_of([&] { w.begin_segment({2437e6, 10e6, 0.1, std::nullopt, std::nullopt}); }).find("a SigMF recording has one sample rate"),
              std::string::npos);
}

TEST(Sigmf, WrittenHdf5IsReadableByH5py) {
    if (std::system("/usr/bin/python3 -c 'import h5py' >/dev/null 2>&1") != 0) GTEST_SKIP() << "python3-h5py not installed";
    TempDir dir;
    json meta = minimal_meta();
    meta["global"]["core:datatype"] = "ci8";
    write_text(dir.file("x.sigmf-meta"), meta.dump());
    write_text(dir.file("x.sigmf-data"), std::string("\x01\x02\x03\x04", 4));
    auto in = open_capture(dir.file("x.sigmf-meta"));
    auto sink = create_capture(dir.file("x.h5"), {std::nullopt, in.info.sample_format, in.info.metadata});
    (void)copy_samples(*in.source, *sink);
    sink->commit();
    const std::string script = "import h5py,sys; f=h5py.File(sys.argv[1],'r'); g=f['segments/0']; "
                               "assert g.attrs['center_frequency']==2437e6 and g.attrs['sample_rate']==20e6; "
                               "iq=g['iq'][...]; assert iq.dtype.name=='int8' and iq.tolist()==[[1,2],[3,4]], iq";
    EXPECT_EQ(std::system(("/usr/bin/python3 -c \"" + script + "\" " + dir.file("x.h5").string()).c_str()), 0);
}

}  // namespace
}  // namespace coex::io
