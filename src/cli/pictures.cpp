#include "pictures.hpp"

#include "commands.hpp"

#include "coex/render/html.hpp"
#include "coex/render/picture.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace coex::cli {

PictureOutputs::PictureOutputs(std::string png_path, std::string html_path, const std::string& band)
    : png_("--png", std::move(png_path)), html_("--html", std::move(html_path)) {
    if (png_.is_stdout()) throw UsageError{"--png: give a file name (a PNG on stdout would garble the terminal)"};
    if (band.empty()) return;
    if (!active()) throw UsageError{"--png-band: only with --png or --html"};
    if (band == "observed") {
        band_ = Band::observed;
        return;
    }
    const auto colon = band.find(':');
    char* end = nullptr;
    const double low = std::strtod(band.c_str(), &end);
    const bool low_ok = colon != std::string::npos && end == band.c_str() + colon;
    const double high = low_ok ? std::strtod(band.c_str() + colon + 1, &end) : 0.0;
    if (!low_ok || *end != '\0' || !std::isfinite(low) || !std::isfinite(high) || !(high > low))
        throw UsageError{"--png-band: '" + band + "' is not 'observed' or LOW:HIGH in MHz with LOW < HIGH (e.g. 2400:2484)"};
    band_ = Band::given;
    given_mhz_ = {low, high};
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
    auto band = render::default_band_mhz(domain, coverage);
    if (band_ == Band::given) band = given_mhz_;
    if (band_ == Band::observed && !coverage.empty()) {
        band = {coverage.front().first, coverage.front().second};
        for (const auto& [lo, hi] : coverage) band = {std::min(band.first, lo), std::max(band.second, hi)};
    }
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
