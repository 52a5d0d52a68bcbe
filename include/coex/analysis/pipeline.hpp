#pragma once
// The one way from samples to a report, for every command (analyze, scan, eval) and the tests:
// the Analyzer's stages, the capture facts the source knows, and the recommendation. Replay sources are
// drained by run(); a live loop that is handed blocks pushes them into a Pipeline. Both go through the
// same stages, so a recording of a live scan replays to the same report.
#include "coex/analysis/analyzer.hpp"
#include "coex/core/source.hpp"
#include "coex/recommend/recommend.hpp"
#include "coex/report/report.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace coex::analysis {

// What the source knows of the capture, copied into the report's capture facts.
struct CaptureDescription {
    std::string path;  // the file, or the device for a live source
    std::string hardware, datetime, description;
};

struct RunConfig {
    AnalysisConfig analysis;
    std::optional<recommend::Config> recommendation;  // unset: the report carries no recommendation
    CaptureDescription capture;
};

class Pipeline {
public:
    // `lender`: a source whose spare thread the detectors may borrow (see SampleSource::lend_thread);
    // null, or one without a spare thread, and the detectors get the threading the config asks for.
    explicit Pipeline(RunConfig config, SampleSource* lender = nullptr);
    ~Pipeline();
    Pipeline(const Pipeline&) = delete;
    Pipeline& operator=(const Pipeline&) = delete;

    // What the source knows of the capture, when it is known only once the source is open.
    void describe_capture(CaptureDescription capture) { config_.capture = std::move(capture); }

    void consume(const SampleBlock& block) { analyzer_->consume(block); }
    // Keeps the block's sample buffer; `block` is left with a spare one to read into again.
    void consume(SampleBlock&& block) { analyzer_->consume(std::move(block)); }
    // Ends the stream: the report with its capture facts and, when asked for, the recommendation.
    [[nodiscard]] report::Report finish(const SourceStats& stats);

private:
    RunConfig config_;
    SampleSource* lender_ = nullptr;
    std::unique_ptr<Analyzer> analyzer_;
};

// Called after each block with its number of samples (a progress bar).
using BlockObserver = std::function<void(std::size_t samples)>;

// Drains a replay source through a Pipeline to its end.
[[nodiscard]] report::Report run(SampleSource& source, RunConfig config, const BlockObserver& on_block = {});

}  // namespace coex::analysis
