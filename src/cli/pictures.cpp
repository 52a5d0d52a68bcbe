#include "pictures.hpp"

#include "commands.hpp"

#include "coex/render/html.hpp"
#include "coex/render/picture.hpp"

#include <algorithm>

namespace coex::cli {

PictureOutputs::PictureOutputs(std::string png_path, std::string html_path)
    : png_("--png", std::move(png_path)), html_("--html", std::move(html_path)) {
    if (png_.is_stdout()) throw UsageError{"--png: give a file name (a PNG on stdout would garble the terminal)"};
}

void PictureOutputs::observe(analysis::AnalysisConfig& config) {
    if (!active()) return;
    config.on_frame = [w = waterfall_](const analysis::FrameView& f) {
        if (*w) (*w)->add(f.tuning, f.time_s, f.duration_s, f.bin_hz, f.bins);
    };
}

void PictureOutputs::prepare(const std::vector<SegmentInfo>& tunings, const std::string& domain, double start_s, double duration_s) {
    if (!active()) return;
    std::vector<std::pair<double, double>> coverage;
    for (const auto& t : tunings) {
        const double half = t.usable_bandwidth_hz() / 2.0;
        coverage.emplace_back((t.center_frequency_hz - half) / 1e6, (t.center_frequency_hz + half) / 1e6);
    }
    const auto band = render::default_band_mhz(domain, coverage);
    render::WaterfallConfig wc;
    wc.low_hz = band.first * 1e6;
    wc.high_hz = band.second * 1e6;
    wc.start_s = start_s;
    wc.expected_duration_s = std::max(0.0, duration_s);
    waterfall_->emplace(wc);
}

void PictureOutputs::write(const report::Report& report) const {
    if (!active()) return;
    render::PictureOptions options;
    const render::Waterfall* waterfall = *waterfall_ ? &**waterfall_ : nullptr;
    if (waterfall) options.band_mhz = std::make_pair(waterfall->low_hz() / 1e6, waterfall->high_hz() / 1e6);
    const render::Picture picture = render::draw_picture(report, waterfall, options);
    if (png_.active()) png_.write(picture.png);
    if (html_.active()) html_.write(render::render_html(report, &picture));
}

}  // namespace coex::cli
