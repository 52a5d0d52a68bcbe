// The monitor's day picture: a synthetic day (quiet floor, a busy channel 6 in the evening, an oven for
// ten minutes at dinner, an unobserved hour) drawn and checked by its structure and its pixels.
#include "coex/render/day_picture.hpp"

#include <cairo.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>

namespace coex::render {
namespace {

DayPictureData synthetic_day() {
    DayPictureData d;
    d.title = "coex monitor · test · 2026-12-06 (UTC)";
    d.first_mhz = 2400;
    for (int ch = 1; ch <= 13; ++ch) {
        d.channels.push_back(ch);
        d.channel_mhz.push_back(2407.0 + 5 * ch);
    }
    d.legend_lines = {"8280 rows of 10 s", "recommendation at 23:59:50 UTC: use channel 11."};
    for (double t = 0; t < 86400; t += 10) {
        if (t >= 3 * 3600 && t < 4 * 3600) continue;  // the radio was unplugged for an hour
        DayPictureData::Row r;
        r.start_s = t;
        r.end_s = t + 10;
        const bool evening = t >= 18 * 3600 && t < 23 * 3600;
        const bool oven = t >= 19 * 3600 && t < 19 * 3600 + 600;
        for (int c = 0; c < 84; ++c) {
            const int mhz = 2400 + c;
            double mean = -62.0, max = -58.0;
            if (evening && std::abs(mhz - 2437) <= 8) mean = -35.0, max = -20.0;
            if (oven && mhz >= 2452 && mhz <= 2458) mean = -25.0, max = -15.0;
            r.mean_dbfs.push_back(static_cast<float>(mean));
            r.max_dbfs.push_back(static_cast<float>(max));
        }
        for (int ch = 1; ch <= 13; ++ch) r.airtime.push_back(ch == 6 ? (evening ? 0.6f : 0.05f) : 0.0f);
        d.rows.push_back(std::move(r));
    }
    d.marks.push_back({19 * 3600.0, 2452, 2458, 0, EmitterClass::microwave_oven, "Microwave oven on"});
    d.marks.push_back({19 * 3600.0 + 600, 2452, 2458, 2, EmitterClass::microwave_oven, "Microwave oven off"});
    d.marks.push_back({18 * 3600.0, 2428, 2446, 1, EmitterClass::wifi_ofdm, "Wi-Fi OFDM changed"});
    return d;
}

struct Pixels {
    cairo_surface_t* surface = nullptr;
    ~Pixels() {
        if (surface) cairo_surface_destroy(surface);
    }
    // (r, g, b) at a point.
    std::array<int, 3> at(double x, double y) const {
        const auto* data = cairo_image_surface_get_data(surface);
        const int stride = cairo_image_surface_get_stride(surface);
        const auto v = *reinterpret_cast<const std::uint32_t*>(data + static_cast<int>(y) * stride + 4 * static_cast<int>(x));
        return {static_cast<int>((v >> 16) & 0xff), static_cast<int>((v >> 8) & 0xff), static_cast<int>(v & 0xff)};
    }
};

cairo_status_t read_bytes(void* closure, unsigned char* out, unsigned int length) {
    auto* in = static_cast<std::pair<const std::string*, std::size_t>*>(closure);
    if (in->second + length > in->first->size()) return CAIRO_STATUS_READ_ERROR;
    std::copy_n(in->first->data() + in->second, length, out);
    in->second += length;
    return CAIRO_STATUS_SUCCESS;
}

TEST(DayPicture, AWholeDayIsReadable) {
    const auto d = synthetic_day();
    const auto pic = draw_day(d);
    ASSERT_GT(pic.png.size(), 10000u);
    if (const char* keep = std::getenv("COEX_KEEP_PICTURES")) std::ofstream(std::string(keep) + "/day.png", std::ios::binary) << pic.png;
    // A whole day: 00:00 to 24:00 at 1 px a minute.
    EXPECT_DOUBLE_EQ(pic.start_s, 0.0);
    EXPECT_DOUBLE_EQ(pic.end_s, 86400.0);
    EXPECT_DOUBLE_EQ(pic.max_panel.h, 1440.0);
    EXPECT_FALSE(pic.max_panel.overlaps(pic.mean_panel));
    EXPECT_FALSE(pic.mean_panel.overlaps(pic.airtime_panel));
    EXPECT_EQ(pic.marks_drawn, 3u);
    EXPECT_LE(pic.colour_low_dbfs, -62.0);
    EXPECT_GE(pic.colour_high_dbfs, -15.0);

    std::pair<const std::string*, std::size_t> in{&pic.png, 0};
    Pixels px{cairo_image_surface_create_from_png_stream(read_bytes, &in)};
    ASSERT_EQ(cairo_surface_status(px.surface), CAIRO_STATUS_SUCCESS);
    ASSERT_EQ(cairo_image_surface_get_width(px.surface), pic.width);
    const auto x_of = [](const Rect& p, double mhz) { return p.x + (mhz - 2399.5) / 84.0 * p.w; };
    const auto y_of = [&](double s) { return pic.max_panel.y + s / 86400.0 * pic.max_panel.h; };
    const auto brightness = [](std::array<int, 3> c) { return c[0] + c[1] + c[2]; };
    // The oven's ten minutes at 2455 MHz are bright in the max panel; the same MHz at noon is dark.
    const auto oven = px.at(x_of(pic.max_panel, 2455), y_of(19 * 3600 + 300));
    const auto noon = px.at(x_of(pic.max_panel, 2455), y_of(12 * 3600));
    EXPECT_GT(brightness(oven), brightness(noon) + 200);
    // The evening's channel 6 shows in the mean panel (green-blue), not at noon (dark purple).
    const auto evening = px.at(x_of(pic.mean_panel, 2437), y_of(20 * 3600));
    const auto quiet = px.at(x_of(pic.mean_panel, 2437), y_of(12 * 3600));
    EXPECT_GT(evening[1], quiet[1] + 80) << evening[1] << " " << quiet[1];
    // The unplugged hour is grey "not observed" (0xececec) in both power panels.
    EXPECT_EQ(px.at(x_of(pic.max_panel, 2420), y_of(3.5 * 3600)), (std::array<int, 3>{0xec, 0xec, 0xec}));
    EXPECT_EQ(px.at(x_of(pic.mean_panel, 2420), y_of(3.5 * 3600)), (std::array<int, 3>{0xec, 0xec, 0xec}));
    // Channel 6's airtime column is darker in the evening than at noon.
    const double ch6 = pic.airtime_panel.x + 5.5 * pic.airtime_panel.w / 13.0;
    EXPECT_LT(brightness(px.at(ch6, y_of(20 * 3600))), brightness(px.at(ch6, y_of(12 * 3600))) - 150);
}

TEST(DayPicture, AFewMinutesGetAQuarterHour) {
    auto d = synthetic_day();
    std::vector<DayPictureData::Row> few(d.rows.begin() + 100, d.rows.begin() + 106);  // 00:16:40 … 00:17:40 (row 100 = 1000 s)
    d.rows = few;
    d.marks.clear();
    const auto pic = draw_day(d);
    EXPECT_DOUBLE_EQ(pic.start_s, 900.0);
    EXPECT_DOUBLE_EQ(pic.end_s, 1800.0);
    EXPECT_DOUBLE_EQ(pic.max_panel.h, 360.0);
    EXPECT_GT(pic.png.size(), 1000u);
    d.rows.clear();
    EXPECT_GT(draw_day(d).png.size(), 1000u);  // an empty day still draws (all "not observed")
}

}  // namespace
}  // namespace coex::render
