// The picture's structure, read back from the PNG: its size, the channel brackets at the pixel columns of
// their edges, each emitter boxed in its class colour with its label beside or inside, no two texts
// overlapping, hatching where nothing was observed, the airtime bars at their heights. Not pixel-exact
// bytes: fonts and antialiasing may change; the structure may not.
#include "coex/core/error.hpp"
#include "coex/render/picture.hpp"
#include "coex/render/waterfall.hpp"

#include <cairo.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <memory>

namespace coex::render {
namespace {

struct Rgb {
    int r = 0, g = 0, b = 0;
};

// The PNG decoded with cairo.
class Image {
public:
    explicit Image(const std::string& png) : png_(png) {
        surface_.reset(cairo_image_surface_create_from_png_stream(&Image::read, this));
        if (cairo_surface_status(surface_.get()) != CAIRO_STATUS_SUCCESS) throw std::runtime_error("not a PNG cairo can read");
        cairo_surface_flush(surface_.get());
    }
    [[nodiscard]] int width() const { return cairo_image_surface_get_width(surface_.get()); }
    [[nodiscard]] int height() const { return cairo_image_surface_get_height(surface_.get()); }
    [[nodiscard]] Rgb at(double x, double y) const {
        const int xi = static_cast<int>(std::floor(x)), yi = static_cast<int>(std::floor(y));
        if (xi < 0 || yi < 0 || xi >= width() || yi >= height()) return {-1, -1, -1};
        const unsigned char* row = cairo_image_surface_get_data(surface_.get()) + yi * cairo_image_surface_get_stride(surface_.get());
        std::uint32_t p;
        std::memcpy(&p, row + 4 * xi, 4);
        return {static_cast<int>((p >> 16) & 0xff), static_cast<int>((p >> 8) & 0xff), static_cast<int>(p & 0xff)};
    }

private:
    static cairo_status_t read(void* closure, unsigned char* data, unsigned int length) {
        auto* self = static_cast<Image*>(closure);
        if (self->pos_ + length > self->png_.size()) return CAIRO_STATUS_READ_ERROR;
        std::memcpy(data, self->png_.data() + self->pos_, length);
        self->pos_ += length;
        return CAIRO_STATUS_SUCCESS;
    }
    struct Destroy {
        void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
    };
    const std::string& png_;
    std::size_t pos_ = 0;
    std::unique_ptr<cairo_surface_t, Destroy> surface_;
};

bool near(const Rgb& a, const Rgb& b, int tolerance) {
    return std::abs(a.r - b.r) <= tolerance && std::abs(a.g - b.g) <= tolerance && std::abs(a.b - b.b) <= tolerance;
}
bool white(const Rgb& c) { return c.r > 245 && c.g > 245 && c.b > 245; }
bool dark(const Rgb& c) { return c.r + c.g + c.b < 200; }
bool greyish(const Rgb& c) { return std::abs(c.r - c.g) < 12 && std::abs(c.g - c.b) < 12 && c.r > 150 && c.r < 250; }

constexpr Rgb kOrange{0xe6, 0x61, 0x00};
constexpr Rgb kTeal{0x21, 0x91, 0x8c};

report::Report scene_report() {
    report::Report r;
    r.capture.path = "captures/scene.h5";
    r.capture.duration_s = 0.1;
    r.capture.observed_s = 0.1;
    r.capture.segments = 1;
    r.capture.sample_rates_hz = {100e6};
    r.capture.coverage_mhz = {{2397.0, 2487.0}};
    r.settings.domain = "EU";
    r.noise_floor_dbfs_per_mhz = -60.0;
    for (int ch = 1; ch <= 13; ++ch) {
        report::WifiChannelRow row;
        row.channel = ch;
        row.center_mhz = 2407.0 + 5.0 * ch;
        row.observed = ch != 13;
        row.observed_s = row.observed ? 0.1 : 0.0;
        row.occupancy = ch == 1 ? 0.5 : ch == 6 ? 0.25 : 0.0;
        r.wifi.push_back(row);
    }
    auto emitter = [](std::string c, double lo, double hi, double t0, double t1) {
        report::Emitter e;
        e.emitter_class = *emitter_class_from_key(c);
        e.evidence.basis = report::EvidenceBasis::behaviour;
        e.low_mhz = lo;
        e.high_mhz = hi;
        e.center_mhz = (lo + hi) / 2;
        e.first_s = t0;
        e.last_s = t1;
        return e;
    };
    r.emitters.push_back(emitter("bluetooth_classic", 2402.0, 2480.0, 0.0, 0.1));
    r.emitters.push_back(emitter("wifi_ofdm", 2428.7, 2445.3, 0.02, 0.08));
    r.emitters.back().fields.emplace_back("channel", report::Value(6));
    r.emitters.push_back(emitter("narrowband_spur", 2470.0, 2470.2, 0.05, 0.06));
    r.emitters.push_back(emitter("usb3_noise", 2400.0, 2428.0, 0.0, 0.1));
    report::Recommendation rec;
    rec.channel = 11;
    rec.headline = "move your router from channel 1 to channel 11.";
    rec.reasons = {"channel 1: broadband noise +14 dB over 2400–2428 MHz", "channel 11: floor clean, no traffic seen — best"};
    r.recommendation = rec;
    return r;
}

// 100 MS/s at 2442 MHz, noise at −70 dBFS per bin and a −30 dBFS tone at 2475.1 MHz from 50 to 60 ms
// (away from every emitter box, so its colour can be read).
Waterfall scene_waterfall(const report::Report& r) {
    const auto band = default_band_mhz(r.settings.domain, r.capture.coverage_mhz);
    Waterfall w({band.first * 1e6, band.second * 1e6, 0.0, 2000, 1000, 0.0, 0.1});
    const std::size_t fft = 1024;
    const double rate = 100e6, bin = rate / fft, hop = fft / rate;
    const SegmentInfo tuning{2442e6, rate, 0.0, std::nullopt, 90e6};
    std::vector<float> quiet(fft, 1e-7f), tone = quiet;
    tone[static_cast<std::size_t>(std::lround((2475.1e6 - 2442e6) / bin)) + fft / 2] = 1e-3f;
    for (double t = 0.0; t < 0.1; t += hop) w.add(tuning, t, hop, bin, t >= 0.05 && t < 0.06 ? tone : quiet);
    return w;
}

class PictureStructure : public ::testing::Test {
protected:
    void SetUp() override {
        report_ = scene_report();
        waterfall_ = std::make_unique<Waterfall>(scene_waterfall(report_));
        picture_ = draw_picture(report_, waterfall_.get());
        image_ = std::make_unique<Image>(picture_.png);
    }
    double expected_x(double mhz) const {
        const Rect& wf = picture_.waterfall;
        return wf.x + (mhz - picture_.low_mhz) / (picture_.high_mhz - picture_.low_mhz) * wf.w;
    }
    report::Report report_;
    std::unique_ptr<Waterfall> waterfall_;
    Picture picture_;
    std::unique_ptr<Image> image_;
};

TEST_F(PictureStructure, SizeAndAxes) {
    EXPECT_EQ(picture_.png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
    EXPECT_EQ(image_->width(), 1400);
    EXPECT_EQ(image_->width(), picture_.width);
    EXPECT_EQ(image_->height(), picture_.height);
    EXPECT_DOUBLE_EQ(picture_.waterfall.h, 480.0);
    EXPECT_DOUBLE_EQ(picture_.low_mhz, 2396.0);  // the observed 2397 MHz, less a 1 MHz margin
    EXPECT_DOUBLE_EQ(picture_.high_mhz, 2488.0);
    EXPECT_DOUBLE_EQ(picture_.x_of(2442.0), expected_x(2442.0));
    EXPECT_DOUBLE_EQ(picture_.y_of(0.05), picture_.waterfall.y + picture_.waterfall.h / 2);
    // the waterfall frame is drawn
    EXPECT_TRUE(dark(image_->at(picture_.waterfall.x - 1, picture_.waterfall.y + 100)));
}

TEST_F(PictureStructure, ChannelBracketsSitAtTheirEdges) {
    ASSERT_EQ(picture_.brackets.size(), 13u);
    for (const auto& b : picture_.brackets) {
        const double centre = 2407.0 + 5.0 * b.channel;
        const double x0 = expected_x(centre - 10.0), x1 = expected_x(centre + 10.0);
        EXPECT_NEAR(b.box.x, x0, 0.01) << "channel " << b.channel;
        EXPECT_NEAR(b.box.right(), x1, 0.01) << "channel " << b.channel;
        const double line_y = b.box.bottom() - 4;
        // The end ticks are drawn in those very pixel columns, and nothing just outside them.
        EXPECT_FALSE(white(image_->at(x0, line_y - 3))) << "left tick of channel " << b.channel;
        EXPECT_FALSE(white(image_->at(x1, line_y - 3))) << "right tick of channel " << b.channel;
        EXPECT_TRUE(white(image_->at(x0 - 4, line_y - 3))) << "channel " << b.channel;
        EXPECT_TRUE(white(image_->at(x1 + 4, line_y - 3))) << "channel " << b.channel;
        int inked = 0;
        for (double x = x0 + 2; x < x0 + 22; x += 1.0) inked += white(image_->at(x, line_y)) ? 0 : 1;
        EXPECT_GE(inked, b.observed ? 18 : 8) << "the bracket's line, channel " << b.channel;
        EXPECT_EQ(b.observed, b.channel != 13);
        EXPECT_EQ(b.recommended, b.channel == 11);
        if (b.recommended) {
            EXPECT_TRUE(near(image_->at(x0 + 10, line_y), kOrange, 40)) << "the recommended channel is drawn in orange";
        }
    }
    // 1, 6 and 11 share the row nearest the waterfall; neighbours are staggered into other rows.
    auto row_of = [&](int ch) { return picture_.brackets[static_cast<std::size_t>(ch - 1)].box.bottom(); };
    EXPECT_EQ(row_of(1), row_of(6));
    EXPECT_EQ(row_of(6), row_of(11));
    EXPECT_NE(row_of(1), row_of(2));
    EXPECT_GT(row_of(1), row_of(5));
}

TEST_F(PictureStructure, EveryEmitterIsBoxedAndLabelled) {
    ASSERT_EQ(picture_.emitter_boxes.size(), report_.emitters.size());
    const std::map<std::string, Rgb> colours{{"bluetooth_classic", {0xff, 0x7e, 0xb6}},
                                             {"wifi_ofdm", {0xff, 0xff, 0xff}},
                                             {"narrowband_spur", {0x00, 0xe5, 0xff}},
                                             {"usb3_noise", {0xff, 0xa0, 0x40}}};
    for (const auto& box : picture_.emitter_boxes) {
        const auto& e = report_.emitters[box.emitter];
        SCOPED_TRACE(std::string(key(e.emitter_class)));
        // where the emitter is
        EXPECT_NEAR(box.box.x, std::max(expected_x(e.low_mhz), picture_.waterfall.x), e.high_mhz - e.low_mhz < 1 ? 3.0 : 0.01);
        EXPECT_NEAR(box.box.y, picture_.y_of(e.first_s), e.last_s - e.first_s < 0.02 ? 3.0 : 0.01);
        // drawn in its class colour: some pixel along the left edge has it
        const Rgb colour = colours.at(std::string(key(e.emitter_class)));
        int hits = 0;
        for (double y = box.box.y + 2; y < box.box.bottom() - 1; y += 1.0)
            for (double dx = -1; dx <= 1; dx += 1.0) hits += near(image_->at(box.box.x + dx, y), colour, 50) ? 1 : 0;
        EXPECT_GT(hits, 0) << "box edge in the class colour";
        // labelled with its class, the label touching the box or next to it
        ASSERT_TRUE(box.label) << "unlabelled";
        const PlacedText& label = picture_.texts.at(*box.label);
        EXPECT_EQ(label.role, "emitter");
        EXPECT_EQ(label.text, e.emitter_class == EmitterClass::wifi_ofdm ? "Wi-Fi OFDM ch 6" : std::string(display_name(e.emitter_class)));
        const Rect around{box.box.x - 30 - label.box.w, box.box.y - 30, box.box.w + 60 + 2 * label.box.w, box.box.h + 60};
        EXPECT_TRUE(around.overlaps(label.box)) << "label far from its box";
        int ink = 0, chip = 0;
        for (double y = label.box.y; y < label.box.bottom(); y += 1.0)
            for (double x = label.box.x; x < label.box.right(); x += 1.0) {
                const Rgb c = image_->at(x, y);
                ink += dark(c) ? 1 : 0;
                chip += near(c, colour, 30) ? 1 : 0;
            }
        EXPECT_GT(ink, 20) << "the label's text is drawn";
        EXPECT_GT(chip, 20) << "on a chip of the class colour";
    }
}

TEST_F(PictureStructure, NoTextOverlapsAnother) {
    ASSERT_GT(picture_.texts.size(), 40u);
    for (std::size_t i = 0; i < picture_.texts.size(); ++i) {
        const Rect& a = picture_.texts[i].box;
        EXPECT_GE(a.x, 0.0) << picture_.texts[i].text;
        EXPECT_GE(a.y, 0.0) << picture_.texts[i].text;
        EXPECT_LE(a.right(), picture_.width) << picture_.texts[i].text;
        EXPECT_LE(a.bottom(), picture_.height) << picture_.texts[i].text;
        for (std::size_t j = i + 1; j < picture_.texts.size(); ++j)
            EXPECT_FALSE(a.overlaps(picture_.texts[j].box)) << "'" << picture_.texts[i].text << "' and '" << picture_.texts[j].text << "'";
    }
}

TEST_F(PictureStructure, WaterfallColoursTheToneAndTheFloor) {
    // The tone is the strongest thing: the top of the scale (yellow); the floor the bottom (dark purple).
    const double bin = 100e6 / 1024;
    const double tone_mhz = (2442e6 + std::lround((2475.1e6 - 2442e6) / bin) * bin) / 1e6;
    const Rgb tone = image_->at(expected_x(tone_mhz), picture_.y_of(0.055));
    EXPECT_GT(tone.r, 180);
    EXPECT_GT(tone.g, 180);
    EXPECT_LT(tone.b, 120);
    const Rgb floor = image_->at(expected_x(2455.0), picture_.y_of(0.03));
    EXPECT_LT(floor.g, 110);
    EXPECT_GT(floor.b, floor.g);
    // Just outside the 90 MHz passband nothing was observed: hatched grey, not quiet purple.
    EXPECT_TRUE(greyish(image_->at(expected_x(2396.5), picture_.y_of(0.03)))) << "unobserved is shown as such";
    EXPECT_LT(picture_.colour_low_dbfs, -70.0);
    EXPECT_GE(picture_.colour_high_dbfs, -30.0);
}

TEST_F(PictureStructure, AirtimeBarsAndTheRecommendedChannel) {
    const Rect& oc = picture_.occupancy;
    const double x1 = expected_x(2412.0);
    const double top = oc.bottom() - 0.5 * oc.h;
    EXPECT_TRUE(near(image_->at(x1 - 15, top + 4), kTeal, 30)) << "channel 1's bar reaches half height";
    EXPECT_FALSE(near(image_->at(x1 - 15, top - 6), kTeal, 30)) << "and no higher";
    EXPECT_TRUE(near(image_->at(expected_x(2437.0) - 15, oc.bottom() - 0.25 * oc.h + 4), kTeal, 30));
    EXPECT_TRUE(greyish(image_->at(expected_x(2472.0) - 10, oc.y + oc.h / 2))) << "channel 13, not observed, is hatched";
    // The recommended channel's bar is outlined in orange; its number says so.
    bool outlined = false;
    for (double dx = -1; dx <= 1; dx += 1.0) outlined = outlined || near(image_->at(expected_x(2462.0 - 1.9) + dx, oc.y + oc.h / 2), kOrange, 40);
    EXPECT_TRUE(outlined);
    bool starred = false;
    for (const auto& t : picture_.texts) starred = starred || (t.role == "occupancy" && t.text == "11 ★");
    EXPECT_TRUE(starred);
    bool headline = false;
    for (const auto& t : picture_.texts) headline = headline || t.text.find("channel 11") != std::string::npos;
    EXPECT_TRUE(headline);
}

TEST(Picture, NarrowCaptureShowsTheRestOfTheBandAsUnobserved) {
    report::Report r = scene_report();
    r.capture.coverage_mhz = {{2428.0, 2446.0}};
    r.emitters.clear();
    const auto band = default_band_mhz("EU", r.capture.coverage_mhz);
    EXPECT_DOUBLE_EQ(band.first, 2398.0);
    EXPECT_DOUBLE_EQ(band.second, 2486.0);
    Waterfall w({band.first * 1e6, band.second * 1e6, 0.0, 2000, 1000, 0.0, 0.1});
    std::vector<float> bins(256, 1e-7f);
    for (double t = 0.0; t < 0.1; t += 12.8e-6) w.add({2437e6, 20e6, 0.0, std::nullopt, std::nullopt}, t, 12.8e-6, 78125.0, bins);
    const Picture p = draw_picture(r, &w);
    const Image image(p.png);
    EXPECT_TRUE(greyish(image.at(p.x_of(2410.0), p.y_of(0.05))));
    EXPECT_FALSE(greyish(image.at(p.x_of(2437.5), p.y_of(0.05))));
    EXPECT_TRUE(greyish(image.at(p.x_of(2470.0), p.y_of(0.05))));
}

TEST(Picture, WithoutAWaterfallEverythingIsUnobserved) {
    const Picture p = draw_picture(scene_report(), nullptr);
    const Image image(p.png);
    EXPECT_TRUE(greyish(image.at(p.x_of(2442.0), p.y_of(0.05))));
}

TEST(Picture, DomainsDrawTheirChannels) {
    report::Report r = scene_report();
    r.settings.domain = "JP";
    const Picture jp = draw_picture(r, nullptr);
    EXPECT_EQ(jp.brackets.size(), 14u);
    EXPECT_GE(jp.high_mhz, 2494.0);
    r.settings.domain = "US";
    EXPECT_EQ(draw_picture(r, nullptr).brackets.size(), 11u);
}

TEST(Picture, BandAwayFromTwoPointFourGigahertz) {
    const auto band = default_band_mhz("EU", {{5190.0, 5210.0}});
    EXPECT_DOUBLE_EQ(band.first, 5189.0);
    EXPECT_DOUBLE_EQ(band.second, 5211.0);
    report::Report r = scene_report();
    r.capture.coverage_mhz = {{5190.0, 5210.0}};
    r.emitters.clear();
    const Picture p = draw_picture(r, nullptr);
    EXPECT_TRUE(p.brackets.empty());
}

TEST(Picture, BadOptionsAreRefused) {
    const report::Report r = scene_report();
    EXPECT_THROW((void)draw_picture(r, nullptr, {100, 480, std::nullopt}), ConfigError);
    EXPECT_THROW((void)draw_picture(r, nullptr, {1400, 10, std::nullopt}), ConfigError);
    EXPECT_THROW((void)draw_picture(r, nullptr, {1400, 480, std::make_pair(2480.0, 2400.0)}), ConfigError);
}

TEST(Picture, ClassNames) {
    EXPECT_EQ(display_name(EmitterClass::wifi_ofdm), "Wi-Fi OFDM");
    EXPECT_EQ(display_name(EmitterClass::bluetooth_classic), "Bluetooth");
    EXPECT_EQ(display_name(EmitterClass::usb3_noise), "USB 3.0 noise");
    report::Emitter wifi;
    wifi.emitter_class = EmitterClass::wifi_dsss;
    wifi.evidence.basis = report::EvidenceBasis::behaviour;
    wifi.fields.emplace_back("channel", report::Value(11));
    EXPECT_EQ(emitter_name(wifi), "Wi-Fi DSSS (11b) ch 11");
    report::Emitter oven;
    oven.emitter_class = EmitterClass::microwave_oven;
    oven.fields.emplace_back("channel", report::Value(6));  // only Wi-Fi is named by its channel
    EXPECT_EQ(emitter_name(oven), "microwave oven?");  // no evidence given: shape alone
    oven.evidence.basis = report::EvidenceBasis::behaviour;
    EXPECT_EQ(emitter_name(oven), "microwave oven");
}

}  // namespace
}  // namespace coex::render
