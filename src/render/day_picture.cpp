// The monitor's day at a glance, drawn with cairo (coex/render/day_picture.hpp).
#include "coex/render/day_picture.hpp"

#include "drawing.hpp"
#include "png_writer.hpp"

#include <cairo.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <utility>

namespace coex::render {
namespace {

using namespace detail;

constexpr Rgb kNotObserved = hex(0xececec);
constexpr Rgb kAppeared = hex(0xd7301f);
constexpr Rgb kDisappeared = hex(0x2b8cbe);
constexpr Rgb kChanged = hex(0xfe9929);

std::string clock_text(double seconds_of_day) {
    const long s = std::lround(seconds_of_day);
    char t[16];
    std::snprintf(t, sizeof t, "%02ld:%02ld", (s / 3600) % 25, (s / 60) % 60);
    return t;
}

double percentile(std::vector<float> v, double q) {
    if (v.empty()) return 0.0;
    const auto k = static_cast<std::size_t>(std::clamp(q, 0.0, 1.0) * static_cast<double>(v.size() - 1));
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
    return v[k];
}

// The windows' values under each pixel row: the maximum of the maxima, the mean (in power) of the means.
struct PixelRows {
    std::vector<float> max_dbfs, mean_dbfs;  // rows × cells, NaN where nothing
    std::vector<float> airtime;              // rows × channels
};

PixelRows rasterise(const DayPictureData& d, std::size_t cells, std::size_t channels, int height, double start_s, double end_s) {
    const auto rows = static_cast<std::size_t>(height);
    const float nan = std::numeric_limits<float>::quiet_NaN();
    PixelRows out{std::vector<float>(rows * cells, nan), std::vector<float>(rows * cells, nan), std::vector<float>(rows * channels, nan)};
    std::vector<double> mean_sum(rows * cells, 0.0), air_sum(rows * channels, 0.0);
    std::vector<std::uint32_t> mean_n(rows * cells, 0), air_n(rows * channels, 0);
    const double per_row = (end_s - start_s) / static_cast<double>(rows);
    for (const auto& r : d.rows) {
        // Every pixel row the window overlaps (at least the one its middle falls in).
        long y0 = static_cast<long>(std::floor((r.start_s - start_s) / per_row));
        long y1 = static_cast<long>(std::ceil((r.end_s - start_s) / per_row)) - 1;
        y1 = std::max(y0, y1);
        y0 = std::max(0L, y0);
        y1 = std::min(static_cast<long>(rows) - 1, y1);
        for (long y = y0; y <= y1; ++y) {
            const auto yi = static_cast<std::size_t>(y);
            for (std::size_t c = 0; c < cells && c < r.max_dbfs.size(); ++c) {
                const float mx = r.max_dbfs[c], mn = r.mean_dbfs[c];
                float& m = out.max_dbfs[yi * cells + c];
                if (std::isfinite(mx)) m = std::isfinite(m) ? std::max(m, mx) : mx;
                if (std::isfinite(mn)) {
                    mean_sum[yi * cells + c] += std::pow(10.0, mn / 10.0);
                    ++mean_n[yi * cells + c];
                }
            }
            for (std::size_t k = 0; k < channels && k < r.airtime.size(); ++k)
                if (std::isfinite(r.airtime[k])) {
                    air_sum[yi * channels + k] += r.airtime[k];
                    ++air_n[yi * channels + k];
                }
        }
    }
    for (std::size_t i = 0; i < mean_sum.size(); ++i)
        if (mean_n[i]) out.mean_dbfs[i] = static_cast<float>(10.0 * std::log10(std::max(1e-30, mean_sum[i] / mean_n[i])));
    for (std::size_t i = 0; i < air_sum.size(); ++i)
        if (air_n[i]) out.airtime[i] = static_cast<float>(air_sum[i] / air_n[i]);
    return out;
}

// A cells × rows raster as an image, painted stretched into `box` (nearest neighbour: crisp cells).
void paint_raster(cairo_t* cr, const std::vector<float>& values, std::size_t columns, int rows, const Rect& box,
                  const std::function<Rgb(float)>& colour) {
    Surface img = make_surface(CAIRO_FORMAT_RGB24, static_cast<int>(columns), rows);
    cairo_surface_flush(img.get());
    unsigned char* data = cairo_image_surface_get_data(img.get());
    const int stride = cairo_image_surface_get_stride(img.get());
    for (int y = 0; y < rows; ++y) {
        auto* line = reinterpret_cast<std::uint32_t*>(data + static_cast<std::ptrdiff_t>(y) * stride);
        for (std::size_t x = 0; x < columns; ++x) {
            const float v = values[static_cast<std::size_t>(y) * columns + x];
            const Rgb c = std::isfinite(v) ? colour(v) : kNotObserved;
            line[x] = (static_cast<std::uint32_t>(std::lround(c.r * 255)) << 16) | (static_cast<std::uint32_t>(std::lround(c.g * 255)) << 8) |
                      static_cast<std::uint32_t>(std::lround(c.b * 255));
        }
    }
    cairo_surface_mark_dirty(img.get());
    cairo_save(cr);
    cairo_rectangle(cr, box.x, box.y, box.w, box.h);
    cairo_clip(cr);
    cairo_translate(cr, box.x, box.y);
    cairo_scale(cr, box.w / static_cast<double>(columns), box.h / static_cast<double>(rows));
    cairo_set_source_surface(cr, img.get(), 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
    cairo_paint(cr);
    cairo_restore(cr);
}

void set_colour(cairo_t* cr, const Rgb& c, double alpha = 1.0) { cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha); }

void font(cairo_t* cr, double size, bool bold = false) {
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

// Draws text with its ink's left (align 0), centre (0.5) or right (1) at x and its top at y; returns its box.
Rect text(cairo_t* cr, const std::string& s, double x, double y, double align = 0.0) {
    cairo_text_extents_t e;
    cairo_text_extents(cr, s.c_str(), &e);
    const double left = x - align * e.width - e.x_bearing;
    const double baseline = y - e.y_bearing;
    cairo_move_to(cr, left, baseline);
    cairo_show_text(cr, s.c_str());
    return {left + e.x_bearing, y, e.width, e.height};
}

Rect measure(cairo_t* cr, const std::string& s, double x, double y) {
    cairo_text_extents_t e;
    cairo_text_extents(cr, s.c_str(), &e);
    return {x, y, e.width, e.height};
}

void line(cairo_t* cr, double x0, double y0, double x1, double y1, double width) {
    cairo_set_line_width(cr, width);
    cairo_move_to(cr, x0, y0);
    cairo_line_to(cr, x1, y1);
    cairo_stroke(cr);
}

Rgb airtime_colour(float a) {
    // White (idle) to the bar colour (always busy), through a light tint: easy to read at a glance.
    const double t = std::clamp(static_cast<double>(a), 0.0, 1.0);
    const double k = std::sqrt(t);  // small airtimes still show
    return {1.0 + (kBar.r - 1.0) * k, 1.0 + (kBar.g - 1.0) * k, 1.0 + (kBar.b - 1.0) * k};
}

}  // namespace

DayPicture draw_day(const DayPictureData& d) {
    DayPicture pic;
    const std::size_t cells = d.rows.empty() ? 84 : d.rows.front().max_dbfs.size();
    const std::size_t channels = d.channels.size();
    const double low_mhz = d.first_mhz - 0.5, high_mhz = d.first_mhz + static_cast<double>(cells) - 0.5;

    // The time axis: whole quarter hours around what was seen, at least one.
    double first = 0.0, last = 900.0;
    if (!d.rows.empty()) {
        first = d.rows.front().start_s;
        last = d.rows.back().end_s;
        for (const auto& r : d.rows) {
            first = std::min(first, r.start_s);
            last = std::max(last, r.end_s);
        }
    }
    pic.start_s = std::floor(first / 900.0) * 900.0;
    pic.end_s = std::max(pic.start_s + 900.0, std::ceil(last / 900.0) * 900.0);
    const double minutes = (pic.end_s - pic.start_s) / 60.0;
    const int plot_h = static_cast<int>(std::clamp(minutes * 2.0, 360.0, 1440.0));

    const double left = 70, gap = 24, panel_w = 560, air_col = 18;
    const double top_title = 16, legend_h = 18.0 * static_cast<double>(d.legend_lines.size());
    const double panel_top = top_title + 34 + legend_h + 40;
    pic.max_panel = {left, panel_top, panel_w, static_cast<double>(plot_h)};
    pic.mean_panel = {left + panel_w + gap, panel_top, panel_w, static_cast<double>(plot_h)};
    pic.airtime_panel = {pic.mean_panel.right() + gap + 10, panel_top, air_col * static_cast<double>(std::max<std::size_t>(1, channels)),
                         static_cast<double>(plot_h)};
    const double bars_top = panel_top + plot_h + 56;
    const double bars_h = 90;
    pic.width = static_cast<int>(pic.airtime_panel.right() + 70);
    pic.height = static_cast<int>(bars_top + bars_h + 60);

    const auto rows = rasterise(d, cells, channels, plot_h, pic.start_s, pic.end_s);
    std::vector<float> finite_mean, finite_max;
    for (const float v : rows.mean_dbfs)
        if (std::isfinite(v)) finite_mean.push_back(v);
    for (const float v : rows.max_dbfs)
        if (std::isfinite(v)) finite_max.push_back(v);
    pic.colour_low_dbfs = std::floor(percentile(finite_mean, 0.02) - 3.0);
    // The top is the day's strongest: ten minutes of an oven are a small share of a day's pixels, and
    // they are what the max panel is for.
    pic.colour_high_dbfs = std::ceil(std::max(pic.colour_low_dbfs + 20.0, percentile(finite_max, 1.0)));
    if (finite_mean.empty()) {
        pic.colour_low_dbfs = -80.0;
        pic.colour_high_dbfs = -20.0;
    }
    const double lo_db = pic.colour_low_dbfs, span_db = pic.colour_high_dbfs - pic.colour_low_dbfs;
    const auto power_colour = [&](float v) { return viridis((v - lo_db) / span_db); };

    Surface surface = make_surface(CAIRO_FORMAT_RGB24, pic.width, pic.height);
    Context context(cairo_create(surface.get()));
    cairo_t* cr = context.get();
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);

    // Title and legend lines.
    set_colour(cr, kInk);
    font(cr, 17, true);
    text(cr, d.title, left, top_title);
    font(cr, 12);
    double y = top_title + 30;
    for (const auto& l : d.legend_lines) {
        set_colour(cr, kMuted);
        text(cr, l, left, y);
        y += 18;
    }

    // Panels.
    paint_raster(cr, rows.max_dbfs, cells, plot_h, pic.max_panel, power_colour);
    paint_raster(cr, rows.mean_dbfs, cells, plot_h, pic.mean_panel, power_colour);
    if (channels) paint_raster(cr, rows.airtime, channels, plot_h, pic.airtime_panel, airtime_colour);
    set_colour(cr, kInk);
    for (const auto* p : {&pic.max_panel, &pic.mean_panel, &pic.airtime_panel}) {
        cairo_set_line_width(cr, 1);
        cairo_rectangle(cr, p->x - 0.5, p->y - 0.5, p->w + 1, p->h + 1);
        cairo_stroke(cr);
    }
    const auto x_of = [&](const Rect& p, double mhz) { return p.x + (mhz - low_mhz) / (high_mhz - low_mhz) * p.w; };
    const auto y_of = [&](double s) { return pic.max_panel.y + (s - pic.start_s) / (pic.end_s - pic.start_s) * pic.max_panel.h; };

    // Panel titles, channel ticks above, MHz below.
    font(cr, 13, true);
    set_colour(cr, kInk);
    text(cr, "maximum per window (dBFS/MHz)", pic.max_panel.x, panel_top - 38);
    text(cr, "mean per window (dBFS/MHz)", pic.mean_panel.x, panel_top - 38);
    text(cr, "Wi-Fi airtime", pic.airtime_panel.x, panel_top - 38);
    font(cr, 10);
    for (const auto* p : {&pic.max_panel, &pic.mean_panel}) {
        for (std::size_t k = 0; k < channels; ++k) {
            const double x = x_of(*p, d.channel_mhz[k]);
            set_colour(cr, kMuted);
            line(cr, x, p->y - 6, x, p->y - 1, 1);
            if (d.channels[k] % 5 == 1 || channels <= 6) text(cr, std::to_string(d.channels[k]), x, p->y - 18, 0.5);
        }
        for (double mhz = std::ceil(low_mhz / 10.0) * 10.0; mhz <= high_mhz; mhz += 10.0) {
            const double x = x_of(*p, mhz);
            set_colour(cr, kInk);
            line(cr, x, p->bottom(), x, p->bottom() + 5, 1);
            char t[16];
            std::snprintf(t, sizeof t, "%.0f", mhz);
            text(cr, t, x, p->bottom() + 8, 0.5);
        }
        set_colour(cr, kMuted);
        text(cr, "MHz", p->right(), p->bottom() + 22, 1.0);
    }
    for (std::size_t k = 0; k < channels; ++k) {
        set_colour(cr, kInk);
        text(cr, std::to_string(d.channels[k]), pic.airtime_panel.x + (static_cast<double>(k) + 0.5) * air_col, panel_top - 16, 0.5);
    }
    set_colour(cr, kMuted);
    text(cr, "channel", pic.airtime_panel.right(), pic.airtime_panel.bottom() + 8, 1.0);

    // Time down the page: clock ticks (UTC) at a step that gives about a dozen.
    // Clock-friendly steps, about a dozen ticks.
    double step_min = 240.0;
    for (const double step : {1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 180.0})
        if (minutes / step <= 16.0) {
            step_min = step;
            break;
        }
    font(cr, 11);
    for (double s = pic.start_s; s <= pic.end_s + 1e-6; s += step_min * 60.0) {
        const double yy = y_of(s);
        set_colour(cr, kInk);
        line(cr, left - 5, yy, left, yy, 1);
        text(cr, clock_text(s), left - 8, yy - 6, 1.0);
        set_colour(cr, kFaint, 0.6);
        const double dashes[2] = {2.0, 3.0};
        cairo_set_dash(cr, dashes, 2, 0);
        line(cr, pic.mean_panel.x, yy, pic.mean_panel.x - gap, yy, 0.5);
        cairo_set_dash(cr, nullptr, 0, 0);
    }
    set_colour(cr, kMuted);
    text(cr, "UTC", left - 8, panel_top - 16, 1.0);

    // Events: a tick across the emitter's band at its time on both power panels, labelled on the left one
    // where the label has room.
    std::vector<Rect> placed;
    font(cr, 10);
    for (const auto& m : d.marks) {
        if (m.time_s < pic.start_s || m.time_s > pic.end_s) continue;
        const Rgb c = m.kind == 0 ? kAppeared : m.kind == 2 ? kDisappeared : kChanged;
        const double yy = y_of(m.time_s);
        for (const auto* p : {&pic.max_panel, &pic.mean_panel}) {
            const double x0 = std::max(p->x, x_of(*p, m.low_mhz)), x1 = std::min(p->right(), std::max(x0 + 3, x_of(*p, m.high_mhz)));
            // Thin and slightly transparent, so the power under the tick still shows.
            set_colour(cr, c, 0.85);
            line(cr, x0, yy, x1, yy, 1.5);
            // A small triangle at the left end: pointing down where it starts, up where it ends.
            const double dir = m.kind == 2 ? -1.0 : 1.0;
            cairo_move_to(cr, x0 - 6, yy - 5 * dir);
            cairo_line_to(cr, x0, yy - 5 * dir);
            cairo_line_to(cr, x0 - 3, yy + 1 * dir);
            cairo_close_path(cr);
            cairo_fill(cr);
            if (p != &pic.max_panel) continue;
            const std::string label = m.label;
            Rect box = measure(cr, label, x1 + 4, yy - 6);
            if (box.right() > p->right()) box.x = x0 - 8 - box.w;
            bool free = box.x >= p->x && box.right() <= p->right();
            for (const auto& r : placed) free = free && !r.overlaps(box);
            if (!free) continue;
            set_colour(cr, hex(0xffffff), 0.8);
            cairo_rectangle(cr, box.x - 2, box.y - 1, box.w + 4, box.h + 3);
            cairo_fill(cr);
            set_colour(cr, kInk);
            text(cr, label, box.x, box.y);
            placed.push_back(box);
        }
        ++pic.marks_drawn;
    }

    // The colour scale under the power panels.
    const Rect scale{pic.max_panel.x, pic.max_panel.bottom() + 32, 300, 12};
    for (int i = 0; i < 100; ++i) {
        set_colour(cr, viridis(i / 99.0));
        cairo_rectangle(cr, scale.x + scale.w * i / 100.0, scale.y, scale.w / 100.0 + 0.5, scale.h);
        cairo_fill(cr);
    }
    set_colour(cr, kInk);
    font(cr, 10);
    char t[64];
    std::snprintf(t, sizeof t, "%.0f", pic.colour_low_dbfs);
    text(cr, t, scale.x, scale.bottom() + 3, 0.0);
    std::snprintf(t, sizeof t, "%.0f dBFS/MHz", pic.colour_high_dbfs);
    text(cr, t, scale.right(), scale.bottom() + 3, 1.0);
    set_colour(cr, kNotObserved);
    cairo_rectangle(cr, scale.right() + 20, scale.y, 12, 12);
    cairo_fill(cr);
    set_colour(cr, kMuted);
    text(cr, "not observed", scale.right() + 36, scale.y);
    double lx = scale.right() + 140;
    const std::pair<const char*, Rgb> kinds[3] = {{"appeared", kAppeared}, {"changed", kChanged}, {"disappeared", kDisappeared}};
    for (const auto& [name, c] : kinds) {
        set_colour(cr, c);
        line(cr, lx, scale.y + 6, lx + 16, scale.y + 6, 3);
        set_colour(cr, kMuted);
        lx = text(cr, name, lx + 20, scale.y).right() + 16;
    }

    // Each channel's mean airtime over the day, under the airtime panel.
    if (channels) {
        const Rect bars{pic.airtime_panel.x, bars_top, pic.airtime_panel.w, bars_h};
        set_colour(cr, kInk);
        font(cr, 11, true);
        text(cr, "mean over the day", bars.x, bars.y - 18);
        font(cr, 9);
        for (std::size_t k = 0; k < channels; ++k) {
            double sum = 0.0;
            int n = 0;
            for (const auto& r : d.rows)
                if (k < r.airtime.size() && std::isfinite(r.airtime[k])) {
                    sum += r.airtime[k];
                    ++n;
                }
            const double x = bars.x + static_cast<double>(k) * air_col;
            if (n == 0) {
                set_colour(cr, kNotObserved);
                cairo_rectangle(cr, x + 3, bars.y, air_col - 6, bars.h);
                cairo_fill(cr);
                continue;
            }
            const double a = sum / n;
            set_colour(cr, kBar);
            cairo_rectangle(cr, x + 3, bars.bottom() - a * bars.h, air_col - 6, std::max(1.0, a * bars.h));
            cairo_fill(cr);
            set_colour(cr, kInk);
            std::snprintf(t, sizeof t, "%.0f", 100.0 * a);
            text(cr, t, x + air_col / 2, bars.bottom() + 3, 0.5);
        }
        set_colour(cr, kMuted);
        text(cr, "%", bars.right() + 4, bars.bottom() + 3);
        line(cr, bars.x, bars.bottom() + 0.5, bars.right(), bars.bottom() + 0.5, 1);
    }

    cairo_surface_flush(surface.get());
    pic.png = encode_png(surface.get());
    return pic;
}

}  // namespace coex::render
