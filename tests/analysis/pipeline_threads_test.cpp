// The pipeline's threads change when work is done, not what is found: the detector thread (fed the
// same calls a few blocks behind), the read-ahead source, and the read-ahead thread replaying the
// detectors' backlog while it is ahead give the same report, burst by burst, as the analysis on one
// thread; and with detection off the spectrogram side still runs and reports no emitters.
#include "coex/report/writers.hpp"
#include "coex/analysis/pipeline.hpp"
#include "coex/io/open.hpp"
#include "coex/io/read_ahead.hpp"
#include "coex/report/report.hpp"

#include <gtest/gtest.h>

#include <string>

namespace coex::analysis {
namespace {

struct Run {
    bool detector_thread = false;
    std::size_t read_ahead = 0;
    bool adopt = false;  // hand blocks over with consume(SampleBlock&&)
    bool detect = true;
    bool shared = false;  // the read-ahead thread replays the detectors' backlog, as `coex analyze` runs
};

report::Report analyze(const std::string& name, const Run& run) {
    io::OpenOptions open;
    open.read_ahead_blocks = run.read_ahead;
    auto capture = io::open_capture(std::string(COEX_SOURCE_DIR) + "/captures/" + name, open);
    AnalysisConfig config;
    config.keep_bursts = true;
    using Threading = AnalysisConfig::DetectorThreading;
    config.detector_threading = run.shared ? Threading::shared : run.detector_thread ? Threading::own_thread : Threading::inline_calls;
    config.detect = run.detect;
    // The runner lends a read-ahead source's thread to the detectors by itself.
    if (run.shared) return analysis::run(*capture.source, {config, std::nullopt, {}});
    Analyzer analyzer(config);
    SampleBlock block;
    while (capture.source->next(block)) {
        if (run.adopt)
            analyzer.consume(std::move(block));
        else
            analyzer.consume(block);
    }
    return analyzer.finish(capture.source->stats());
}

class PipelineThreads : public ::testing::TestWithParam<std::string> {};

TEST_P(PipelineThreads, SameReportOnOneThreadAndOnThree) {
    const auto one = report::to_json(analyze(GetParam(), {}));
    const auto three = report::to_json(analyze(GetParam(), {true, 3, true, true}));
    EXPECT_EQ(one, three);
    const auto adopted = report::to_json(analyze(GetParam(), {false, 0, true, true}));
    EXPECT_EQ(one, adopted);
}

TEST_P(PipelineThreads, SameReportWhenTheReaderThreadRunsTheDetectors) {
    const auto one = report::to_json(analyze(GetParam(), {}));
    for (const std::size_t depth : {1, 4}) {
        const auto shared = report::to_json(analyze(GetParam(), {true, depth, true, true, true}));
        EXPECT_EQ(one, shared) << "read-ahead depth " << depth;
    }
}

TEST_P(PipelineThreads, DetectionOffFindsNothingButCountsEveryFrame) {
    const auto full = analyze(GetParam(), {});
    const auto bare = analyze(GetParam(), {true, 2, true, false});
    EXPECT_TRUE(bare.emitters.empty());
    EXPECT_TRUE(!bare.bursts || bare.bursts->empty());
    EXPECT_EQ(bare.stats.frames, full.stats.frames);
    EXPECT_EQ(bare.stats.samples_in, full.stats.samples_in);
    EXPECT_EQ(bare.noise_floor_dbfs_per_mhz, full.noise_floor_dbfs_per_mhz);
}

// The runner fills what the source knows of the capture, and the recommendation when asked for one.
TEST(PipelineRun, FillsTheCaptureFactsAndTheRecommendation) {
    io::OpenOptions open;
    open.read_ahead_blocks = 2;
    auto capture = io::open_capture(std::string(COEX_SOURCE_DIR) + "/captures/seed-story-sweep.h5", open);
    ASSERT_TRUE(capture.source->has_spare_thread());
    recommend::Config advice;
    advice.current_channel = 1;
    const auto r = analysis::run(*capture.source, {AnalysisConfig{}, advice, {"the-sweep", "HackRF One", "2026-01-01T00:00:00Z", "a test"}});
    EXPECT_EQ(r.capture.path, "the-sweep");
    EXPECT_EQ(r.capture.hardware, "HackRF One");
    EXPECT_EQ(r.capture.description, "a test");
    EXPECT_GT(r.capture.observed_s, 0.0);
    ASSERT_TRUE(r.recommendation);
    EXPECT_EQ(r.recommendation->current_channel, 1);
    EXPECT_EQ(r.recommendation->channel, 11);  // the founding story: away from the USB 3.0 noise on 1
    EXPECT_FALSE(r.live);

    auto again = io::open_capture(std::string(COEX_SOURCE_DIR) + "/captures/seed-story-sweep.h5", {});
    EXPECT_FALSE(analysis::run(*again.source, {AnalysisConfig{}, std::nullopt, {}}).recommendation);
}

INSTANTIATE_TEST_SUITE_P(Captures, PipelineThreads, ::testing::Values("living-room-ch6.h5", "seed-story-sweep.h5"),
                         [](const auto& info) { return std::string(info.param == "living-room-ch6.h5" ? "LivingRoom" : "Sweep"); });

}  // namespace
}  // namespace coex::analysis
