// The pictures of the bundled captures, made the way `coex analyze --png` makes them (analysis with the
// frame observer, then the recommendation): every emitter boxed and labelled beside its box, no text
// over another, brackets at their columns, and memory within the waterfall's bound.
#include "coex/analysis/pipeline.hpp"
#include "coex/io/open.hpp"
#include "coex/recommend/recommend.hpp"
#include "coex/render/picture.hpp"
#include "coex/render/waterfall.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace coex::render {
namespace {

struct Drawn {
    report::Report report;
    Picture picture;
    std::size_t rows = 0, columns = 0;
};

Drawn draw(const std::string& name) {
    auto capture = io::open_capture(std::string(COEX_SOURCE_DIR) + "/captures/" + name);
    std::vector<std::pair<double, double>> coverage;
    double start = std::numeric_limits<double>::infinity(), end = -start;
    for (const auto& s : capture.info.segments) {
        const double half = s.info.usable_bandwidth_hz() / 2e6;
        coverage.emplace_back(s.info.center_frequency_hz / 1e6 - half, s.info.center_frequency_hz / 1e6 + half);
        start = std::min(start, s.info.start_time_s);
        end = std::max(end, s.info.start_time_s + static_cast<double>(s.length) / s.info.sample_rate_hz);
    }
    const auto band = default_band_mhz("EU", coverage);
    Waterfall waterfall({band.first * 1e6, band.second * 1e6, 0.0, 2000, 1000, start, end - start});
    analysis::AnalysisConfig config;
    config.on_frame = [&](const analysis::FrameView& f) { waterfall.add(f.tuning, f.time_s, f.duration_s, f.bin_hz, f.bins); };
    Drawn d;
    d.report = analysis::run(*capture.source, {config, recommend::Config{}, {name, "", "", ""}});
    d.picture = draw_picture(d.report, &waterfall, {1400, 480, band});
    d.rows = waterfall.rows();
    d.columns = waterfall.columns();
    return d;
}

class Bundled : public ::testing::TestWithParam<std::string> {};

TEST_P(Bundled, EveryEmitterLabelledAndNoTextOverlaps) {
    const Drawn d = draw(GetParam());
    const Picture& p = d.picture;
    EXPECT_EQ(p.width, 1400);
    EXPECT_GT(p.png.size(), 10000u);
    EXPECT_LE(d.rows, 1000u);
    EXPECT_LE(d.columns, 2000u);
    ASSERT_FALSE(d.report.emitters.empty());
    ASSERT_EQ(p.emitter_boxes.size(), d.report.emitters.size());
    for (const auto& box : p.emitter_boxes) {
        const auto& e = d.report.emitters[box.emitter];
        ASSERT_TRUE(box.label) << key(e.emitter_class) << " has no label";
        const Rect& label = p.texts[*box.label].box;
        EXPECT_EQ(p.texts[*box.label].text, emitter_name(e));
        const Rect near{box.box.x - 40 - label.w, box.box.y - 40, box.box.w + 80 + 2 * label.w, box.box.h + 80};
        EXPECT_TRUE(near.overlaps(label)) << key(e.emitter_class);
        EXPECT_NEAR(box.box.x, std::max(p.x_of(e.low_mhz), p.waterfall.x), 2.5) << key(e.emitter_class);
    }
    for (std::size_t i = 0; i < p.texts.size(); ++i)
        for (std::size_t j = i + 1; j < p.texts.size(); ++j)
            EXPECT_FALSE(p.texts[i].box.overlaps(p.texts[j].box)) << "'" << p.texts[i].text << "' over '" << p.texts[j].text << "'";
    for (const auto& b : p.brackets) {
        EXPECT_NEAR(b.box.x, p.x_of(wifi_channel_center_mhz(b.channel) - 10.0), 1e-9);
        EXPECT_EQ(b.recommended, d.report.recommendation && d.report.recommendation->channel == b.channel);
    }
}

INSTANTIATE_TEST_SUITE_P(Captures, Bundled, ::testing::Values("living-room-ch6.h5", "seed-story-sweep.h5"),
                         [](const auto& info) { return std::string(info.param == "living-room-ch6.h5" ? "LivingRoom" : "Sweep"); });

}  // namespace
}  // namespace coex::render
