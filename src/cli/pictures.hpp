#pragma once
// --png and --html, for every command that analyses (analyze, scan): the files are checked for
// writability before any sample is read; a waterfall is gathered from the analyzer's frames (only when
// a picture is asked for); at the end the picture and the page are drawn and written whole.
#include "output.hpp"

#include "coex/analysis/analyzer.hpp"
#include "coex/core/types.hpp"
#include "coex/render/waterfall.hpp"
#include "coex/report/report.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace coex::cli {

class PictureOutputs {
public:
    PictureOutputs(std::string png_path, std::string html_path);
    [[nodiscard]] bool active() const { return png_.active() || html_.active(); }

    // Prepares the waterfall for the tunings the capture (or the sweep plan) will visit and installs the
    // frame observer in `config`. duration_s: 0 when unknown (a live scan until Ctrl-C).
    void attach(analysis::AnalysisConfig& config, const std::vector<SegmentInfo>& tunings, const std::string& domain,
                double start_s, double duration_s);
    // Draws and writes what was asked for.
    void write(const report::Report& report) const;

private:
    OutputFile png_, html_;
    std::shared_ptr<render::Waterfall> waterfall_;
};

}  // namespace coex::cli
