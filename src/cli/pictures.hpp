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
    // band: the picture's frequency axis, "" (the 2.4 GHz band and what was observed beyond it),
    // "observed" (only what the receivers saw) or "LOW:HIGH" in MHz. UsageError naming --png-band.
    PictureOutputs(std::string png_path, std::string html_path, const std::string& band = "");
    [[nodiscard]] bool active() const { return png_.active() || html_.active(); }

    // Installs the frame observer in `config` (before the Analyzer is made). Frames reach the waterfall
    // once prepare() has made it.
    void observe(analysis::AnalysisConfig& config);
    // Makes the waterfall for the tunings the capture (or the sweep plan) visits. duration_s: 0 when unknown
    // (a live scan until Ctrl-C).
    void prepare(const std::vector<SegmentInfo>& tunings, const std::string& domain, double start_s, double duration_s);
    // Draws and writes what was asked for.
    void write(const report::Report& report) const;

private:
    OutputFile png_, html_;
    enum class Band { automatic, observed, given } band_ = Band::automatic;
    std::pair<double, double> given_mhz_{0.0, 0.0};
    std::shared_ptr<std::optional<render::Waterfall>> waterfall_ = std::make_shared<std::optional<render::Waterfall>>();
};

}  // namespace coex::cli
