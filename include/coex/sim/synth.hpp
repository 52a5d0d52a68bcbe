#pragma once
// The scene simulator behind `coex synth`: builds every emitter's timeline from the scene (one
// timeline, continuous through sweep retune gaps), renders the receiver's segments from it and
// writes the ground truth from the same timeline (docs/scenes.md, "Labels").
//
// Deterministic: the timeline comes from the scene seed; every burst's waveform and every
// segment's noise from seeds derived from it, so a segment renders the same whichever others are
// rendered, and the same seed gives the same samples on every run.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "coex/core/types.hpp"
#include "coex/sim/receiver.hpp"
#include "coex/sim/scenario.hpp"

namespace coex::sim {

struct SegmentPlan {
    SegmentInfo info;          // what the capture's segment says (nominal centre, rate, start)
    std::uint64_t samples = 0;
};

struct RenderStats {
    std::uint64_t bursts_placed = 0;   // waveforms generated and added
    std::uint64_t bursts_skipped = 0;  // outside the segment in time or band (not generated)
    std::uint64_t clipped_samples = 0; // I or Q reached full scale
    std::vector<GainStep> gain_steps;  // the AGC's steps in this segment
};

class Synthesizer {
public:
    // Builds the timeline. Throws InputError for scenes that cannot be built.
    explicit Synthesizer(Scene scene);
    ~Synthesizer();
    Synthesizer(Synthesizer&&) noexcept;
    Synthesizer& operator=(Synthesizer&&) noexcept;

    [[nodiscard]] const Scene& scene() const;
    [[nodiscard]] const std::vector<SegmentPlan>& segments() const;
    // Samples of segment i at full scale 1.0, after the receiver (noise, gain, IQ imbalance, DC,
    // ADC clipping at +-1 per component). Quantisation is the capture writer's (int8/int16).
    [[nodiscard]] std::vector<cf32> render(std::size_t segment);
    [[nodiscard]] const RenderStats& stats(std::size_t segment) const;
    // The ground truth (schema coex-labels/1) as JSON text. Clipping counts are included for the
    // segments rendered so far.
    [[nodiscard]] std::string labels_json(const std::string& capture_name) const;

    // Label maths, exposed for tests.
    struct LabelBurst {
        double t_start, t_end, f_lo_hz, f_hi_hz;
        double level_db = 0.0;  // its own level against the emitter's (a Classic slave's replies, a peer's ACKs)
    };
    [[nodiscard]] std::vector<LabelBurst> bursts_of(std::size_t emitter) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Mean power of the noise floor per MHz as the capture will hold it: the thermal floor plus the
// quantisation noise of the sample type at that rate (dBFS per MHz); nullopt with no noise.
std::optional<double> effective_floor_dbfs_per_mhz(const ReceiverSpec& receiver);

}  // namespace coex::sim
