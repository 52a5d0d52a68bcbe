#pragma once
// The picture of an analysis (a PNG drawn with cairo): a waterfall over the band (time down, frequency
// across, dBFS colour scale with its legend) under the Wi-Fi channels of the domain drawn as labelled
// brackets and the Bluetooth band with the BLE advertising channels; every emitter boxed and labelled
// with its class; cells no receiver saw hatched as "not observed". Below it, on the same frequency axis,
// the Wi-Fi airtime of each channel and the recommended one. cairo lives in src/render only.
#include "coex/render/waterfall.hpp"
#include "coex/report/report.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace coex::render {

struct PictureOptions {
    int width = 1400;           // pixels, 800…4000; the height follows from the layout
    int waterfall_height = 480;  // pixels, 120…3000
    // Frequency axis in MHz. Unset: the 2.4 GHz band of the domain plus whatever the capture observed
    // beyond it (or only what it observed, when that lies outside 2.4 GHz).
    std::optional<std::pair<double, double>> band_mhz;
};

struct Rect {
    double x = 0.0, y = 0.0, w = 0.0, h = 0.0;
    [[nodiscard]] double right() const { return x + w; }
    [[nodiscard]] double bottom() const { return y + h; }
    [[nodiscard]] bool overlaps(const Rect& o) const {
        return x < o.right() && o.x < right() && y < o.bottom() && o.y < bottom();
    }
};

struct PlacedText {
    std::string text;
    Rect box;  // the ink's extent, pixels
    std::string role;  // "title", "axis", "channel", "bluetooth", "emitter", "legend", "occupancy", "recommendation"
};

// What was drawn where, for people (the HTML) and for tests that check the picture's structure.
struct Picture {
    std::string png;  // the encoded image
    int width = 0, height = 0;
    Rect waterfall;   // the waterfall's plot area
    Rect occupancy;   // the airtime panel's plot area
    double low_mhz = 0.0, high_mhz = 0.0;   // x axis of both panels
    double start_s = 0.0, end_s = 0.0;      // y axis of the waterfall
    double colour_low_dbfs = 0.0, colour_high_dbfs = 0.0;
    struct Bracket {
        int channel = 0;
        Rect box;  // from the channel's low to high edge (±10 MHz), the label above it
        bool observed = false, recommended = false;
    };
    std::vector<Bracket> brackets;
    struct Box {
        std::size_t emitter = 0;  // index into report.emitters
        Rect box;
        std::optional<std::size_t> label;  // index into texts, when labelled
    };
    std::vector<Box> emitter_boxes;
    std::vector<PlacedText> texts;

    [[nodiscard]] double x_of(double mhz) const;
    [[nodiscard]] double y_of(double seconds) const;
};

// The default frequency axis (MHz) for a domain ("US", "EU", "JP") and what the receivers covered: the
// 2.4 GHz band and every channel of the domain, widened to what was observed beyond it; only what was
// observed when that lies away from 2.4 GHz.
[[nodiscard]] std::pair<double, double> default_band_mhz(const std::string& domain,
                                                         const std::vector<std::pair<double, double>>& coverage_mhz);

// What an emitter is called in the picture and the page: its class, and a Wi-Fi emitter's channel
// ("Wi-Fi OFDM ch 6"); a "?" when its class rests on its shape alone ("USB 3.0 noise?").
[[nodiscard]] std::string emitter_name(const report::Emitter& emitter);

// Draws the picture. `waterfall` may be null (or empty): the plot is then drawn as not observed.
[[nodiscard]] Picture draw_picture(const report::Report& report, const Waterfall* waterfall, const PictureOptions& options = {});

}  // namespace coex::render
