#include "coex/analysis/pipeline.hpp"

namespace coex::analysis {

Pipeline::Pipeline(RunConfig config, SampleSource* lender) : config_(std::move(config)) {
    if (lender && lender->has_spare_thread()) {
        // The source's thread replays the detectors' backlog while it is ahead: on two cores, two busy
        // threads (reading + detectors, spectrogram) instead of three taking turns.
        lender_ = lender;
        config_.analysis.detector_threading = AnalysisConfig::DetectorThreading::shared;
        config_.analysis.detector_work_queued = [lender] { lender->wake_lent_thread(); };
    }
    analyzer_ = std::make_unique<Analyzer>(config_.analysis);
    if (lender_) lender_->lend_thread([analyzer = analyzer_.get()] { return analyzer->help(); });
}

Pipeline::~Pipeline() {
    // The thread must be given back (a piece in progress waited out) before the analyzer goes, also
    // when an error unwinds the stack.
    if (lender_) lender_->lend_thread({});
}

report::Report Pipeline::finish(const SourceStats& stats) {
    auto report = analyzer_->finish(stats);
    report.capture.path = config_.capture.path;
    report.capture.hardware = config_.capture.hardware;
    report.capture.datetime = config_.capture.datetime;
    report.capture.description = config_.capture.description;
    if (config_.recommendation) {
        report::mark_my_networks(report.wifi, config_.recommendation->my_networks);
        report.recommendation = recommend::recommend(report, *config_.recommendation);
    }
    return report;
}

report::Report run(SampleSource& source, RunConfig config, const BlockObserver& on_block) {
    Pipeline pipeline(std::move(config), &source);
    SampleBlock block;
    while (source.next(block)) {
        const std::size_t samples = block.samples.size();
        pipeline.consume(std::move(block));  // keeps the buffer; next() refills the spare one it leaves
        if (on_block) on_block(samples);
    }
    return pipeline.finish(source.stats());
}

}  // namespace coex::analysis
