#pragma once
// The report as one self-contained HTML file: the picture embedded as a data: URI, the capture facts,
// the recommendation with its reasons, the Wi-Fi channel table and the emitters. No script and no
// external resource: it opens the same offline, in any browser, years from now.
#include "coex/render/day_picture.hpp"
#include "coex/render/picture.hpp"
#include "coex/report/report.hpp"

#include <string>
#include <string_view>

namespace coex::render {

// `picture` may be null: the page then has no image.
[[nodiscard]] std::string render_html(const report::Report& report, const Picture* picture);

// A monitor's day as one self-contained HTML page: the day picture embedded, its legend, and the day's
// events in time order (the picture marks them; the table says them).
[[nodiscard]] std::string render_day_html(const DayPictureData& data, const DayPicture& picture);

// RFC 4648 base64 (standard alphabet, '=' padding, no line breaks).
[[nodiscard]] std::string base64(std::string_view bytes);
// Text made safe inside HTML elements and attribute values (& < > " ').
[[nodiscard]] std::string html_escape(std::string_view text);

}  // namespace coex::render
