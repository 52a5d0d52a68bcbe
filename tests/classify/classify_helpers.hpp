#pragma once
// Scenes built from the simulator's standard PHYs, analysed end to end.
#include "../support/memory_source.hpp"
#include "coex/sim/scenario.hpp"
#include "coex/sim/sim.hpp"
#include "coex/sim/synth.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>
#include <string>

namespace coex::testing {

struct Scene {
    sim::Segment view;
    std::vector<sim::Burst> bursts;
    double noise_dbfs_per_mhz = -100.0;
    std::uint64_t seed = 1;
};

inline std::vector<cf32> render(const Scene& s) {
    std::vector<cf32> x(s.view.samples);
    std::mt19937_64 rng(s.seed);
    sim::add_awgn(x, s.noise_dbfs_per_mhz + 10.0 * std::log10(s.view.sample_rate_hz / 1e6), rng);
    sim::add_bursts(s.view, s.bursts, x);
    return x;
}

inline report::Report analyze(const std::vector<cf32>& x, double center_hz, double rate_hz) {
    return analyze_in_memory(x, SegmentInfo{center_hz, rate_hz, 0.0, std::nullopt, std::nullopt});
}

inline report::Report analyze(const Scene& s) { return analyze(render(s), s.view.center_hz, s.view.sample_rate_hz); }

inline std::vector<const report::Emitter*> of_class(const report::Report& r, const std::string& c) {
    std::vector<const report::Emitter*> out;
    for (const auto& e : r.emitters)
        if (key(e.emitter_class) == c) out.push_back(&e);
    return out;
}

inline std::string classes(const report::Report& r) {
    std::string s;
    for (const auto& e : r.emitters) s += std::string(key(e.emitter_class)) + "(" + e.summary + ") ";
    return s;
}

inline std::string counters(const report::Report& r) {
    std::string s;
    for (const auto& [k, v] : r.stats.counters)
        if (v && (k.rfind("detector.", 0) == 0 || k.rfind("bursts.", 0) == 0)) s += k + "=" + std::to_string(v) + " ";
    return s;
}

inline const report::Value* field(const report::Emitter& e, const std::string& name) {
    for (const auto& [k, v] : e.fields)
        if (k == name) return &v;
    return nullptr;
}

// SNR over the emitter's bandwidth → burst power for the scene's floor
inline double power_for_snr(double snr_db, double bandwidth_mhz, double floor_dbfs_per_mhz = -100.0) {
    return floor_dbfs_per_mhz + 10.0 * std::log10(bandwidth_mhz) + snr_db;
}

// A scene file of captures/scenes synthesised (behind a receiver model; "" = as written) and analysed.
inline report::Report corpus_scene_behind(const std::string& scene_name, const std::string& model) {
    const auto scene = sim::load_scene(std::filesystem::path(COEX_SOURCE_DIR) / "captures/scenes" / (scene_name + ".json"), model);
    sim::Synthesizer synth(scene);
    std::vector<MemorySource::Segment> segments;
    for (std::size_t k = 0; k < synth.segments().size(); ++k) segments.push_back({synth.segments()[k].info, synth.render(k)});
    MemorySource source(std::move(segments));
    return analysis::run(source, {test_analysis_config(), std::nullopt, {}});
}

}  // namespace coex::testing
