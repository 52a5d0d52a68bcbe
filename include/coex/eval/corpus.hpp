#pragma once
// A corpus of labelled captures: synthesising scenes to capture + labels files, finding the
// captures that have labels beside them, and running the real analysis over one.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "coex/analysis/analyzer.hpp"
#include "coex/sim/scenario.hpp"

namespace coex::eval {

// x.h5 -> x.labels.json (beside it).
std::filesystem::path labels_path_for(const std::filesystem::path& capture);

struct SynthResult {
    std::filesystem::path capture, labels;
    std::uint64_t samples = 0;
    std::uint64_t clipped_samples = 0;
    std::size_t segments = 0;
    double seconds = 0.0;  // wall-clock time to render and write
};

// Renders the scene into `capture` (the receiver's sample type) and writes its labels beside it
// (or to `labels` when given). Both are written to temporary names first and renamed at the end,
// so a failure leaves neither half-written.
SynthResult synthesize(const sim::Scene& scene, const std::filesystem::path& capture,
                       const std::optional<std::filesystem::path>& labels = std::nullopt);

// Files named *.h5 in `dir` (not recursive) with *.labels.json beside them, sorted by name.
std::vector<std::filesystem::path> labelled_captures(const std::filesystem::path& dir);
// Scene files (*.json, not *.labels.json) in `dir`, sorted by name.
std::vector<std::filesystem::path> scene_files(const std::filesystem::path& dir);

// Replays the capture through the analyzer and returns the report as JSON (report::to_json).
std::string analyze_to_json(const std::filesystem::path& capture, const analysis::AnalysisConfig& config);

}  // namespace coex::eval
