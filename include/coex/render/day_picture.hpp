#pragma once
// The monitor's day at a glance (a PNG drawn with cairo): time of day down the page in minutes, the band
// across; two panels of the windows' power per MHz — the maximum (what came and went) and the mean (what
// stayed) — with the events marked where and when they happened, and beside them each Wi-Fi channel's
// airtime, window by window, and its mean over the day. cairo lives in src/render only.
#include "coex/render/picture.hpp"

#include <limits>
#include <string>
#include <vector>

namespace coex::render {

struct DayPictureData {
    std::string title;     // "coex monitor · living-room · 2026-12-06 (UTC)"
    int first_mhz = 2400;  // the cells of every row: one per whole MHz from first_mhz
    std::vector<int> channels;            // Wi-Fi channel numbers, ascending
    std::vector<double> channel_mhz;      // their centres
    std::vector<std::string> legend_lines;  // under the title (the recommendation, counts)
    struct Row {
        double start_s = 0.0, end_s = 0.0;  // seconds since the day's midnight (UTC)
        std::vector<float> max_dbfs, mean_dbfs;  // per cell; NaN where nothing was observed
        std::vector<float> airtime;              // per channel (0…1); NaN where the channel was not observed
    };
    std::vector<Row> rows;  // in time order
    struct Mark {
        double time_s = 0.0;  // seconds since midnight
        double low_mhz = 0.0, high_mhz = 0.0;
        int kind = 0;  // 0 appeared, 1 changed, 2 disappeared
        EmitterClass emitter_class = EmitterClass::unknown;
        std::string label;
    };
    std::vector<Mark> marks;
};

struct DayPicture {
    std::string png;
    int width = 0, height = 0;
    Rect max_panel, mean_panel, airtime_panel;
    double start_s = 0.0, end_s = 0.0;  // the time axis, seconds since midnight
    double colour_low_dbfs = 0.0, colour_high_dbfs = 0.0;
    std::size_t marks_drawn = 0;
};

// Draws the day. Rows may be few (the first minutes of a day) or many (a whole day of 10 s windows):
// each pixel row shows the maximum of the maxima and the mean of the means of the windows in it.
[[nodiscard]] DayPicture draw_day(const DayPictureData& data);

}  // namespace coex::render
