// The analysis picture, drawn with cairo: layout, waterfall raster, band plan, emitter boxes with
// labels placed so that no two texts overlap, the airtime panel and the recommendation.
#include "coex/render/picture.hpp"
#include "coex/core/text.hpp"
#include "coex/core/format.hpp"

#include "capture_name.hpp"

#include "coex/core/bands.hpp"
#include "coex/core/error.hpp"
#include "drawing.hpp"
#include "png_writer.hpp"

#include <cairo.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <memory>
#include <stdexcept>

namespace coex::render {

namespace {

using namespace detail;

// ---- drawing helpers ------------------------------------------------------------------------------

class Canvas {
public:
    Canvas(cairo_t* cr, Picture& picture) : cr_(cr), picture_(picture) {}

    void font(double size, bool bold = false) {
        cairo_select_font_face(cr_, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
        cairo_set_font_size(cr_, size);
    }
    void colour(const Rgb& c, double alpha = 1.0) { cairo_set_source_rgba(cr_, c.r, c.g, c.b, alpha); }

    // Ink box of `text` if drawn with its baseline-left at (x, y).
    Rect measure(const std::string& text, double x, double y) const {
        cairo_text_extents_t e;
        cairo_text_extents(cr_, text.c_str(), &e);
        return {x + e.x_bearing, y + e.y_bearing, e.width, e.height};
    }
    double advance(const std::string& text) const {
        cairo_text_extents_t e;
        cairo_text_extents(cr_, text.c_str(), &e);
        return e.x_advance;
    }
    // Draws text with its ink box's left/top (or centre) at the given point; records it.
    std::size_t text(const std::string& s, double x, double y, const std::string& role, double align = 0.0, bool top = true) {
        cairo_text_extents_t e;
        cairo_text_extents(cr_, s.c_str(), &e);
        const double left = x - align * e.width - e.x_bearing;
        const double baseline = top ? y - e.y_bearing : y;
        cairo_move_to(cr_, left, baseline);
        cairo_show_text(cr_, s.c_str());
        picture_.texts.push_back({s, {left + e.x_bearing, baseline + e.y_bearing, e.width, e.height}, role});
        return picture_.texts.size() - 1;
    }
    // Text shortened with "…" to fit `width` pixels.
    std::string fit(const std::string& s, double width) const {
        if (advance(s) <= width) return s;
        std::string cut = s;
        while (!cut.empty()) {
            do {
                cut.pop_back();
            } while (!cut.empty() && (static_cast<unsigned char>(cut.back()) & 0xc0) == 0x80);  // whole UTF-8 characters
            if (!cut.empty()) cut.pop_back();
            if (advance(cut + "…") <= width) return cut + "…";
        }
        return "…";
    }
    // Text turned a quarter left (reading upwards), its ink centred on (x_left, y_centre) horizontally at x_left.
    void vertical_text(const std::string& s, double x_left, double y_centre, const std::string& role) {
        cairo_text_extents_t e;
        cairo_text_extents(cr_, s.c_str(), &e);
        cairo_save(cr_);
        cairo_translate(cr_, x_left - e.y_bearing, y_centre + e.width / 2 + e.x_bearing);
        cairo_rotate(cr_, -M_PI / 2);
        cairo_move_to(cr_, 0, 0);
        cairo_show_text(cr_, s.c_str());
        cairo_restore(cr_);
        picture_.texts.push_back({s, {x_left, y_centre - e.width / 2, e.height, e.width}, role});
    }
    // Splits text into lines of at most `width` pixels at spaces; the last line shortened with "…".
    std::vector<std::string> wrap(const std::string& s, double width, std::size_t max_lines) const {
        std::vector<std::string> lines;
        std::string rest = s;
        while (!rest.empty() && lines.size() + 1 < max_lines && advance(rest) > width) {
            std::size_t cut = std::string::npos;
            for (std::size_t p = rest.find(' '); p != std::string::npos; p = rest.find(' ', p + 1)) {
                if (advance(rest.substr(0, p)) > width) break;
                cut = p;
            }
            if (cut == std::string::npos) break;
            lines.push_back(rest.substr(0, cut));
            rest = rest.substr(cut + 1);
        }
        if (!rest.empty()) lines.push_back(fit(rest, width));
        return lines;
    }
    void line(double x0, double y0, double x1, double y1, double width) {
        cairo_set_line_width(cr_, width);
        cairo_move_to(cr_, x0, y0);
        cairo_line_to(cr_, x1, y1);
        cairo_stroke(cr_);
    }
    void rect(const Rect& r) { cairo_rectangle(cr_, r.x, r.y, r.w, r.h); }
    void fill_rect(const Rect& r) {
        rect(r);
        cairo_fill(cr_);
    }
    void stroke_rect(const Rect& r, double width) {
        cairo_set_line_width(cr_, width);
        rect(r);
        cairo_stroke(cr_);
    }
    void dash(double on, double off) {
        const double d[2] = {on, off};
        cairo_set_dash(cr_, d, 2, 0.0);
    }
    void solid() { cairo_set_dash(cr_, nullptr, 0, 0.0); }

private:
    cairo_t* cr_;
    Picture& picture_;
};

// A repeating diagonal hatch on light grey: "not observed".
Pattern hatch_pattern() {
    Surface tile = make_surface(CAIRO_FORMAT_RGB24, 8, 8);
    {
        Context c(cairo_create(tile.get()));
        cairo_set_source_rgb(c.get(), 0.93, 0.93, 0.93);
        cairo_paint(c.get());
        cairo_set_source_rgb(c.get(), 0.72, 0.72, 0.72);
        cairo_set_line_width(c.get(), 1.2);
        cairo_move_to(c.get(), -1, 9);
        cairo_line_to(c.get(), 9, -1);
        cairo_move_to(c.get(), 7, 9);
        cairo_line_to(c.get(), 9, 7);
        cairo_move_to(c.get(), -1, 1);
        cairo_line_to(c.get(), 1, -1);
        cairo_stroke(c.get());
    }
    Pattern p(cairo_pattern_create_for_surface(tile.get()));
    cairo_pattern_set_extend(p.get(), CAIRO_EXTEND_REPEAT);
    return p;
}

// Which of the five staggered rows a channel's bracket sits in: 1/6/11 nearest the waterfall.
int bracket_row(int channel) { return (channel - 1) % 5; }

}  // namespace

std::string emitter_name(const report::Emitter& e) {
    std::string name(display_name(e.emitter_class));
    if (is_wifi(e.emitter_class))
        if (const auto channel = report::get(e, report::fields::wifi_channel)) name += format(" ch %d", static_cast<int>(std::lround(*channel)));
    if (e.evidence.basis == report::EvidenceBasis::shape) name += "?";  // named by its shape alone: a likely class, no more
    return name;
}

double Picture::x_of(double mhz) const { return waterfall.x + (mhz - low_mhz) / (high_mhz - low_mhz) * waterfall.w; }

double Picture::y_of(double seconds) const {
    return waterfall.y + (end_s > start_s ? (seconds - start_s) / (end_s - start_s) : 0.0) * waterfall.h;
}

std::pair<double, double> default_band_mhz(const std::string& domain, const std::vector<std::pair<double, double>>& coverage) {
    const auto parsed = parse_reg_domain(domain).value_or(RegDomain::eu);
    const auto channels = wifi_channels(parsed);
    double low = ism_low_mhz - 2.0;
    double high = std::max(ism_high_mhz + 2.5, channels.back().center_mhz + 12.0);
    double seen_low = 1e12, seen_high = -1e12;
    for (const auto& [lo, hi] : coverage) {
        seen_low = std::min(seen_low, lo);
        seen_high = std::max(seen_high, hi);
    }
    if (seen_low < seen_high) {
        if (seen_high < low - 20.0 || seen_low > high + 20.0) return {seen_low - 1.0, seen_high + 1.0};  // another band
        low = std::min(low, seen_low - 1.0);
        high = std::max(high, seen_high + 1.0);
    }
    return {low, high};
}

Picture draw_picture(const report::Report& report, const Waterfall* waterfall, const PictureOptions& options) {
    if (options.width < 800 || options.width > 4000) throw ConfigError("picture width must be 800…4000 pixels");
    if (options.waterfall_height < 120 || options.waterfall_height > 3000)
        throw ConfigError("waterfall height must be 120…3000 pixels");
    if (waterfall && waterfall->frames() == 0) waterfall = nullptr;

    Picture pic;
    const auto band = options.band_mhz ? *options.band_mhz : default_band_mhz(report.settings.domain, report.capture.coverage_mhz);
    if (!(band.second > band.first)) throw ConfigError("picture band must have low < high");
    pic.low_mhz = band.first;
    pic.high_mhz = band.second;
    pic.start_s = waterfall ? waterfall->start_s() : 0.0;
    pic.end_s = pic.start_s + (report.capture.duration_s > 0.0 ? report.capture.duration_s : waterfall ? waterfall->end_s() - pic.start_s : 1.0);
    const RegDomain domain = parse_reg_domain(report.settings.domain).value_or(RegDomain::eu);
    const int recommended = report.recommendation ? report.recommendation->channel.value_or(0) : 0;  // 0: none

    // ---- layout ----
    const double left = 84, right_margin = 150;
    const double title_h = 50, bracket_row_h = 17, brackets_h = 5 * bracket_row_h, bt_h = 24;
    // the networks heard on each channel get a line under the channel numbers, when there are any
    const bool networks_heard =
        std::any_of(report.wifi.begin(), report.wifi.end(), [](const report::WifiChannelRow& row) { return !row.networks.empty(); });
    const double network_line_h = networks_heard ? 15 : 0;
    const double axis_h = 40, gap = 20, occ_title_h = 24, occ_h = 150, occ_labels_h = 24 + network_line_h, rec_line_h = 19;
    const int rec_lines = 2 + std::min<int>(3, report.recommendation ? static_cast<int>(report.recommendation->reasons.size()) : 1);
    pic.width = options.width;
    const double plot_w = std::floor(pic.width - left - right_margin);
    double y = title_h;
    const double brackets_top = y + 4;
    y += brackets_h + 6;
    const double bt_top = y;
    y += bt_h + 6;
    pic.waterfall = {left, y, plot_w, static_cast<double>(options.waterfall_height)};
    y = pic.waterfall.bottom() + axis_h + gap;
    const double occ_title_y = y;
    y += occ_title_h;
    pic.occupancy = {left, y, plot_w, occ_h};
    y = pic.occupancy.bottom() + occ_labels_h + 10;
    const double rec_top = y;
    pic.height = static_cast<int>(std::ceil(rec_top + rec_lines * rec_line_h + 14));

    Surface surface = make_surface(CAIRO_FORMAT_RGB24, pic.width, pic.height);
    Context context(cairo_create(surface.get()));
    cairo_t* cr = context.get();
    Canvas cv(cr, pic);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    const Pattern hatch = hatch_pattern();

    // ---- title ----
    cv.colour(kInk);
    cv.font(17, true);
    cv.text("coex · " + detail::file_name(report.capture.path), left, 10, "title");
    {
        std::string rates;
        for (const double hz : report.capture.sample_rates_hz) rates += (rates.empty() ? "" : ", ") + rate_text(hz);
        std::string covers;
        for (const auto& [lo, hi] : report.capture.coverage_mhz) covers += (covers.empty() ? "" : ", ") + format("%.0f–%.0f", lo, hi);
        std::string line = format("%.3f s in %zu segment%s at %s", report.capture.duration_s, report.capture.segments,
                                  report.capture.segments == 1 ? "" : "s", rates.c_str());
        if (!covers.empty()) line += " · observed " + covers + " MHz";
        line += " · Wi-Fi channels of " + report.settings.domain;
        if (report.noise_floor_dbfs_per_mhz) line += format(" · floor %.0f dBFS/MHz", *report.noise_floor_dbfs_per_mhz);
        cv.font(12.5);
        cv.colour(kMuted);
        cv.text(cv.fit(line, pic.width - left - 20), left, 32, "title");
    }

    // ---- waterfall raster ----
    const Rect& wf = pic.waterfall;
    cairo_set_source(cr, hatch.get());
    cv.fill_rect(wf);
    if (waterfall) {
        // Colour scale from the observed cells: from just under the floor to the strongest signal.
        std::vector<float> levels;
        levels.reserve(waterfall->rows() * waterfall->columns());
        for (std::size_t r = 0; r < waterfall->rows(); ++r)
            for (std::size_t c = 0; c < waterfall->columns(); ++c)
                if (const auto m = waterfall->mean(r, c); m && *m > 0.0) levels.push_back(static_cast<float>(10.0 * std::log10(*m)));
        if (!levels.empty()) {
            // Bottom: a little under the quiet 5 %; top: the strongest cell, so a narrow strong signal is never clipped.
            const double top = *std::max_element(levels.begin(), levels.end());
            const auto p05 = levels.begin() + static_cast<std::ptrdiff_t>(levels.size() / 20);
            std::nth_element(levels.begin(), p05, levels.end());
            pic.colour_low_dbfs = std::floor((*p05 - 3.0) / 5.0) * 5.0;
            pic.colour_high_dbfs = std::max(pic.colour_low_dbfs + 20.0, std::ceil(top / 5.0) * 5.0);
        }
        const int pw = static_cast<int>(wf.w), ph = static_cast<int>(wf.h);
        Surface raster = make_surface(CAIRO_FORMAT_ARGB32, pw, ph);
        cairo_surface_flush(raster.get());
        unsigned char* data = cairo_image_surface_get_data(raster.get());
        const int stride = cairo_image_surface_get_stride(raster.get());
        const double col_hz = waterfall->column_hz(), f0 = waterfall->low_hz();
        const double mhz_per_px = (pic.high_mhz - pic.low_mhz) / pw, s_per_px = (pic.end_s - pic.start_s) / ph;
        std::vector<std::pair<std::size_t, std::size_t>> columns_of(static_cast<std::size_t>(pw));
        for (int x = 0; x < pw; ++x) {
            const double lo = ((pic.low_mhz + x * mhz_per_px) * 1e6 - f0) / col_hz;
            const double hi = ((pic.low_mhz + (x + 1) * mhz_per_px) * 1e6 - f0) / col_hz;
            // Pixels partition the columns (rounded edges): several columns averaged when they are narrower
            // than a pixel, the one under the pixel's centre when wider.
            auto c0 = std::llround(lo), c1 = std::max(c0 + 1, std::llround(hi));
            c0 = std::clamp<long long>(c0, 0, static_cast<long long>(waterfall->columns()));
            c1 = std::clamp<long long>(c1, 0, static_cast<long long>(waterfall->columns()));
            columns_of[static_cast<std::size_t>(x)] = {static_cast<std::size_t>(c0), static_cast<std::size_t>(c1)};
        }
        const double span_db = pic.colour_high_dbfs - pic.colour_low_dbfs;
        for (int yy = 0; yy < ph; ++yy) {
            const double t0 = (pic.start_s + yy * s_per_px - waterfall->start_s()) / waterfall->row_seconds();
            const double t1 = (pic.start_s + (yy + 1) * s_per_px - waterfall->start_s()) / waterfall->row_seconds();
            auto r0 = std::llround(t0), r1 = std::max(r0 + 1, std::llround(t1));
            r0 = std::clamp<long long>(r0, 0, static_cast<long long>(waterfall->rows()));
            r1 = std::clamp<long long>(r1, 0, static_cast<long long>(waterfall->rows()));
            auto* pixel = reinterpret_cast<std::uint32_t*>(data + static_cast<std::ptrdiff_t>(yy) * stride);
            for (int x = 0; x < pw; ++x) {
                const auto [c0, c1] = columns_of[static_cast<std::size_t>(x)];
                double sum = 0.0;
                std::uint64_t count = 0;
                for (auto r = static_cast<std::size_t>(r0); r < static_cast<std::size_t>(r1); ++r)
                    for (std::size_t c = c0; c < c1; ++c) {
                        sum += waterfall->sum(r, c);
                        count += waterfall->count(r, c);
                    }
                if (count == 0) {
                    pixel[x] = 0;  // transparent: the hatch shows through
                    continue;
                }
                const double db = 10.0 * std::log10(std::max(sum / static_cast<double>(count), 1e-30));
                // 64 steps of colour: finer than the eye tells apart in noise, and the PNG compresses well.
                const Rgb c = viridis(std::round((db - pic.colour_low_dbfs) / span_db * 63.0) / 63.0);
                pixel[x] = 0xff000000u | (static_cast<std::uint32_t>(std::lround(c.r * 255)) << 16) |
                           (static_cast<std::uint32_t>(std::lround(c.g * 255)) << 8) | static_cast<std::uint32_t>(std::lround(c.b * 255));
            }
        }
        cairo_surface_mark_dirty(raster.get());
        cairo_set_source_surface(cr, raster.get(), wf.x, wf.y);
        cairo_paint(cr);
    }
    cv.colour(kInk);
    cv.stroke_rect({wf.x - 0.5, wf.y - 0.5, wf.w + 1.0, wf.h + 1.0}, 1.0);  // on the pixels just outside the plot, crisp

    // ---- Wi-Fi channel brackets ----
    const auto channels = wifi_channels(domain);
    cv.font(11);
    cv.text("Wi-Fi", 10, brackets_top + 1.5 * bracket_row_h, "axis");
    cv.text("channels", 10, brackets_top + 2.5 * bracket_row_h, "axis");
    for (const auto& ch : channels) {
        const int row = bracket_row(ch.number);
        const double line_y = brackets_top + (4 - row) * bracket_row_h + bracket_row_h - 4;
        const double x0 = pic.x_of(ch.center_mhz - 10.0), x1 = pic.x_of(ch.center_mhz + 10.0);
        const auto in_rows = std::find_if(report.wifi.begin(), report.wifi.end(), [&](const auto& r) { return r.channel == ch.number; });
        const bool observed = in_rows != report.wifi.end() && in_rows->observed;
        const bool is_rec = recommended == ch.number;
        if (x1 < wf.x || x0 > wf.right()) continue;
        const double a = std::max(x0, wf.x), b = std::min(x1, wf.right());
        cv.colour(is_rec ? kRecommended : observed ? kInk : kFaint);
        if (!observed && !is_rec) cv.dash(3, 2);
        const double lw = is_rec ? 2.6 : 1.3;
        cv.line(a, line_y, b, line_y, lw);
        cv.solid();
        if (x0 >= wf.x) cv.line(x0, line_y - 4, x0, line_y + 4, lw);
        if (x1 <= wf.right()) cv.line(x1, line_y - 4, x1, line_y + 4, lw);
        const std::string label = is_rec ? format("%d ★", ch.number) : std::to_string(ch.number);
        cv.font(11, is_rec || observed);
        const Rect ink = cv.measure(label, 0, 0);
        const double cx = std::clamp(pic.x_of(ch.center_mhz), a + ink.w / 2 + 3, b - ink.w / 2 - 3);
        cairo_set_source_rgb(cr, 1, 1, 1);
        cv.fill_rect({cx - ink.w / 2 - 3, line_y - bracket_row_h / 2 - 1, ink.w + 6, bracket_row_h - 2});
        cv.colour(is_rec ? kRecommended : observed ? kInk : kMuted);
        const std::size_t t = cv.text(label, cx, line_y - ink.h / 2, "channel", 0.5);
        pic.brackets.push_back({ch.number, {x0, pic.texts[t].box.y, x1 - x0, line_y + 4 - pic.texts[t].box.y}, observed, is_rec});
    }

    // ---- Bluetooth band and BLE advertising channels ----
    {
        const double x0 = std::max(wf.x, pic.x_of(bt_classic_first_mhz - 0.5));
        const double x1 = std::min(wf.right(), pic.x_of(bt_classic_first_mhz + bt_classic_channels - 1 + 0.5));
        const Rect bar{x0, bt_top + 2, x1 - x0, bt_h - 4};
        if (x1 > x0) {
            cv.colour(kBluetoothFill);
            cv.fill_rect(bar);
            cv.colour(kBluetooth);
            cv.stroke_rect(bar, 1.0);
            cv.font(11, true);
            const std::string text = format("Bluetooth %.0f–%.0f MHz", bt_classic_first_mhz, bt_classic_first_mhz + bt_classic_channels - 1);
            const double width = cv.advance(text);
            // Centred on the part of the band between advertising channels 38 and 39, away from their labels.
            const double cx = std::clamp(pic.x_of(2453.0), x0 + width / 2 + 4, x1 - width / 2 - 4);
            if (x1 - x0 > width + 8) cv.text(text, cx, bar.y + bar.h / 2 - 4, "bluetooth", 0.5);
        }
        cv.font(10.5);
        for (int k = 0; k < 3; ++k) {
            const double f = ble_adv_channel_mhz[k];
            const double x = pic.x_of(f);
            if (x < wf.x || x > wf.right()) continue;
            cv.colour(kBluetooth);
            cv.fill_rect({pic.x_of(f - 1.0), bt_top + 2, std::max(2.0, pic.x_of(f + 1.0) - pic.x_of(f - 1.0)), bt_h - 4});
            // a small mark on the waterfall's top edge
            cairo_move_to(cr, x - 4, wf.y);
            cairo_line_to(cr, x + 4, wf.y);
            cairo_line_to(cr, x, wf.y + 6);
            cairo_close_path(cr);
            cairo_fill(cr);
            const std::string label = format("BLE %d", 37 + k);
            const double w = cv.advance(label);
            const double marker_right = pic.x_of(f + 1.0) + 4, marker_left = pic.x_of(f - 1.0) - 4;
            const bool to_left = marker_right + w > wf.right();
            cv.colour(kBluetooth);
            cv.text(label, to_left ? marker_left - w : marker_right, bt_top + bt_h / 2 - 4, "bluetooth");
        }
        cv.colour(kInk);
        cv.font(11);
        cv.text("Bluetooth", 10, bt_top + 6, "axis");
    }

    // ---- axes ----
    cv.font(11);
    cv.colour(kInk);
    {
        const double span = pic.high_mhz - pic.low_mhz;
        const double step = nice_step(span, static_cast<int>(wf.w / 90));
        for (double f = std::ceil(pic.low_mhz / step) * step; f <= pic.high_mhz + 1e-9; f += step) {
            const double x = pic.x_of(f);
            cv.colour(kInk);
            cv.line(x, wf.bottom(), x, wf.bottom() + 5, 1.0);
            cv.text(format("%g", f), x, wf.bottom() + 8, "axis", 0.5);
        }
        cv.text("frequency (MHz)", wf.x + wf.w / 2, wf.bottom() + 24, "axis", 0.5);
        const double duration = pic.end_s - pic.start_s;
        const bool ms = duration < 2.0;
        const double unit = ms ? 1e3 : 1.0;
        const double tstep = nice_step(duration * unit, static_cast<int>(wf.h / 60)) / unit;
        for (double t = std::ceil(pic.start_s / tstep) * tstep; t <= pic.end_s + 1e-12; t += tstep) {
            const double yy = pic.y_of(t);
            cv.line(wf.x - 5, yy, wf.x, yy, 1.0);
            const std::string label = ms ? format("%g ms", std::round(t * 1e3 * 1000) / 1000) : format("%g s", std::round(t * 1000) / 1000);
            cv.text(label, wf.x - 8 - cv.advance(label), yy - 4, "axis");
        }
        cv.vertical_text("time ↓", 14, wf.y + wf.h / 2, "axis");
    }

    // ---- colour legend ----
    {
        const double lx = wf.right() + 30, lw = 16;
        const Rect bar{lx, wf.y + 34, lw, std::max(60.0, wf.h - 110)};
        cv.font(11);
        cv.colour(kInk);
        cv.text("dBFS", lx, wf.y, "legend");
        const std::string per = waterfall ? format("per %.0f kHz bin", waterfall->bin_hz() / 1e3) : "per bin";
        cv.text(per, lx, wf.y + 15, "legend");
        if (waterfall) {
            Pattern gradient(cairo_pattern_create_linear(0, bar.bottom(), 0, bar.y));
            for (int i = 0; i <= 16; ++i) {
                const Rgb c = viridis(i / 16.0);
                cairo_pattern_add_color_stop_rgb(gradient.get(), i / 16.0, c.r, c.g, c.b);
            }
            cairo_set_source(cr, gradient.get());
            cv.fill_rect(bar);
            const double span_db = pic.colour_high_dbfs - pic.colour_low_dbfs;
            const double step = nice_step(span_db, 6);
            cv.colour(kInk);
            for (double db = std::ceil(pic.colour_low_dbfs / step) * step; db <= pic.colour_high_dbfs + 1e-9; db += step) {
                const double yy = bar.bottom() - (db - pic.colour_low_dbfs) / span_db * bar.h;
                cv.line(bar.right(), yy, bar.right() + 4, yy, 1.0);
                cv.text(format("%g", db), bar.right() + 7, yy - 4, "legend");
            }
        }
        cv.colour(kInk);
        cv.stroke_rect(bar, 1.0);
        const Rect swatch{lx, bar.bottom() + 18, lw, 16};
        cairo_set_source(cr, hatch.get());
        cv.fill_rect(swatch);
        cv.colour(kInk);
        cv.stroke_rect(swatch, 1.0);
        cv.text("not", swatch.right() + 6, swatch.y - 2, "legend");
        cv.text("observed", swatch.right() + 6, swatch.y + 11, "legend");
    }

    // ---- emitters: boxes, then labels placed where they overlap nothing ----
    {
        std::vector<std::size_t> order(report.emitters.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::vector<Rect> boxes(order.size());
        for (const std::size_t i : order) {
            const auto& e = report.emitters[i];
            double x0 = std::clamp(pic.x_of(e.low_mhz), wf.x, wf.right()), x1 = std::clamp(pic.x_of(e.high_mhz), wf.x, wf.right());
            double y0 = std::clamp(pic.y_of(e.first_s), wf.y, wf.bottom()), y1 = std::clamp(pic.y_of(e.last_s), wf.y, wf.bottom());
            if (x1 - x0 < 4) {
                const double c = (x0 + x1) / 2;
                x0 = c - 2;
                x1 = c + 2;
            }
            if (y1 - y0 < 4) {
                const double c = std::clamp((y0 + y1) / 2, wf.y + 2, wf.bottom() - 2);
                y0 = c - 2;
                y1 = c + 2;
            }
            boxes[i] = {x0, y0, x1 - x0, y1 - y0};
            const Rgb colour = class_colour(e.emitter_class);
            cairo_set_source_rgba(cr, 0, 0, 0, 0.8);
            cv.stroke_rect(boxes[i], 3.4);
            cv.colour(colour);
            if (is_wifi(e.emitter_class)) cv.dash(7, 3);
            cv.stroke_rect(boxes[i], 1.6);
            cv.solid();
            pic.emitter_boxes.push_back({i, boxes[i], std::nullopt});
        }
        // Small boxes first: they have the fewest good places for a label.
        std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return boxes[a].w * boxes[a].h < boxes[b].w * boxes[b].h; });
        std::vector<Rect> taken;
        cv.font(11.5, true);
        for (const std::size_t i : order) {
            const auto& e = report.emitters[i];
            const std::string label = emitter_name(e);
            const Rect ink = cv.measure(label, 0, 0);
            const double pad = 3, lw = ink.w + 2 * pad, lh = ink.h + 2 * pad;
            const Rect& b = boxes[i];
            // Inside the box when it is roomy; else beside it, so the label never hides a small box.
            const bool roomy = b.w > lw + 8 && b.h > lh + 8;
            std::vector<std::pair<double, double>> candidates;
            if (roomy) candidates = {{b.x + 3, b.y + 3}, {b.right() - lw - 3, b.y + 3}, {b.x + 3, b.bottom() - lh - 3}};
            for (const auto& c : std::vector<std::pair<double, double>>{{b.x, b.y - lh - 3}, {b.x, b.bottom() + 3}, {b.right() + 4, b.y + b.h / 2 - lh / 2},
                                                                        {b.x - lw - 4, b.y + b.h / 2 - lh / 2}})
                candidates.push_back(c);
            if (roomy)
                for (double dy = lh + 2; dy < b.h - lh; dy += lh + 2) candidates.emplace_back(b.x + 3, b.y + 3 + dy);
            for (double dy = lh + 2; dy < wf.h; dy += lh + 2) {
                candidates.emplace_back(b.x, b.bottom() + 2 + dy);
                candidates.emplace_back(b.x, b.y - lh - 2 - dy);
            }
            std::optional<Rect> chosen;
            for (auto [cx, cy] : candidates) {
                cx = std::clamp(cx, wf.x + 1, wf.right() - lw - 1);
                if (cy < wf.y + 1 || cy + lh > wf.bottom() - 1) continue;
                const Rect r{cx, cy, lw, lh};
                if (std::none_of(taken.begin(), taken.end(), [&](const Rect& t) { return t.overlaps(r); })) {
                    chosen = r;
                    break;
                }
            }
            if (!chosen) continue;  // the table and the HTML still list it
            taken.push_back(*chosen);
            const Rgb colour = class_colour(e.emitter_class);
            cv.colour(colour);
            cv.fill_rect(*chosen);
            cairo_set_source_rgb(cr, 0, 0, 0);
            cv.stroke_rect(*chosen, 1.0);
            // a short leader when the label sits outside its box
            if (!chosen->overlaps(b)) {
                cv.colour(colour);
                const double bx = std::clamp(chosen->x + chosen->w / 2, b.x, b.right());
                const double by = std::clamp(chosen->y + chosen->h / 2, b.y, b.bottom());
                cv.line(std::clamp(bx, chosen->x, chosen->right()), std::clamp(by, chosen->y, chosen->bottom()), bx, by, 1.4);
            }
            if (luminance(colour) > 0.5) cairo_set_source_rgb(cr, 0.05, 0.05, 0.05);
            else cairo_set_source_rgb(cr, 1, 1, 1);
            const std::size_t t = cv.text(label, chosen->x + pad, chosen->y + pad, "emitter");
            for (auto& box : pic.emitter_boxes)
                if (box.emitter == i) box.label = t;
        }
    }

    // ---- Wi-Fi airtime per channel ----
    {
        const Rect& oc = pic.occupancy;
        cv.font(12.5, true);
        cv.colour(kInk);
        const std::size_t title = cv.text("Wi-Fi airtime per channel", oc.x, occ_title_y, "occupancy");
        cv.font(11.5);
        cv.colour(kMuted);
        const double sub_x = pic.texts[title].box.right() + 14;
        cv.text(cv.fit("share of the observed time a transmission was on the air · hatched: channel not observed, no claim made",
                       pic.width - sub_x - 10),
                sub_x, occ_title_y + 1.5, "occupancy");
        cv.font(10.5);
        for (const double level : {0.0, 0.25, 0.5, 0.75, 1.0}) {
            const double yy = oc.bottom() - level * oc.h;
            cv.colour(level == 0.0 ? kInk : hex(0xe4e4e4));
            cv.line(oc.x, yy, oc.right(), yy, 1.0);
            cv.colour(kMuted);
            const std::string label = format("%.0f %%", level * 100);
            cv.text(label, oc.x - 8 - cv.advance(label), yy - 4, "axis");
        }
        const double half = std::min(1.9, 0.38 * 5.0);
        for (const auto& row : report.wifi) {
            // Only channels whose centre is on the axis; their bars cut at the panel's edges.
            const double xc = pic.x_of(row.center_mhz);
            if (xc < oc.x || xc > oc.right()) continue;
            const double x0 = std::max(oc.x, pic.x_of(row.center_mhz - half)), x1 = std::min(oc.right(), pic.x_of(row.center_mhz + half));
            const bool is_rec = recommended == row.channel;
            const Rect full{x0, oc.y, x1 - x0, oc.h};
            if (!row.observed) {
                cairo_set_source(cr, hatch.get());
                cv.fill_rect(full);
                cv.colour(kFaint);
                cv.stroke_rect(full, 1.0);
            } else {
                const double h = std::max(1.0, std::clamp(row.occupancy, 0.0, 1.0) * oc.h);
                cv.colour(is_rec ? kRecommended : kBar);
                cv.fill_rect({x0, oc.bottom() - h, x1 - x0, h});
                cv.font(10.5, is_rec);
                cv.colour(kInk);
                const std::string pct = format("%.0f%%", row.occupancy * 100);
                cv.text(pct, xc, std::max(oc.y + 2, oc.bottom() - h - 14), "occupancy", 0.5);
            }
            if (is_rec) {
                cv.colour(kRecommended);
                cv.stroke_rect(full, 2.2);
            }
            cv.font(11, is_rec || row.observed);
            cv.colour(is_rec ? kRecommended : row.observed ? kInk : kMuted);
            cv.text(is_rec ? format("%d ★", row.channel) : std::to_string(row.channel), xc, oc.bottom() + 6, "occupancy", 0.5);
            if (!row.networks.empty()) {
                // the busiest network's name, and how many more: fitted to the 5 MHz between channels
                const auto& first = row.networks.front();
                std::string names = first.ssid.empty() ? "(hidden)" : first.ssid;
                if (row.networks.size() > 1) names += format(" +%zu", row.networks.size() - 1);
                bool mine = false;
                for (const auto& n : row.networks) mine = mine || n.mine;
                cv.font(9.5, mine);
                cv.colour(mine ? kRecommended : kMuted);
                const double room = pic.x_of(row.center_mhz + 2.4) - pic.x_of(row.center_mhz - 2.4);
                cv.text(cv.fit(names, room), xc, oc.bottom() + 6 + 15, "occupancy", 0.5);
            }
        }
    }

    // ---- the recommendation ----
    {
        double yy = rec_top;
        const double width = pic.width - left - 20;
        if (report.recommendation) {
            const auto& rec = *report.recommendation;
            cv.font(13.5, true);
            cv.colour(rec.channel ? kRecommended : kInk);
            const std::string head = rec.channel ? "Recommendation: " + rec.headline : "No recommendation: " + rec.capture_advice.value_or(rec.headline);
            for (const auto& line : cv.wrap(head, width, 2)) {
                cv.text(line, left, yy, "recommendation");
                yy += rec_line_h;
            }
            cv.font(11.5);
            cv.colour(kInk);
            for (std::size_t i = 0; i < rec.reasons.size() && i < 3; ++i) {
                cv.text(cv.fit("• " + rec.reasons[i], width), left, yy, "recommendation");
                yy += rec_line_h;
            }
        } else {
            cv.font(12.5);
            cv.colour(kMuted);
            cv.text("No recommendation was made for this capture.", left, yy, "recommendation");
        }
    }

    cairo_surface_flush(surface.get());
    pic.png = detail::encode_png(surface.get());
    return pic;
}

}  // namespace coex::render
