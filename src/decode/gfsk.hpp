#pragma once
// GFSK burst demodulator shared by the BLE and ESB decoders (internal to src/decode).
//
// One burst, one symbol rate: DC removed, resampled to kSamplesPerSymbol per symbol (liquid-dsp
// msresamp, designed once per (input rate, symbol rate)), mixed down by the burst's power-weighted
// mean frequency, channel filtered, FM-discriminated (Hz) and smoothed over the symbol's centre.
// Preambles are found as stretches where 8-symbol windows of the discriminator alternate around
// their own mean (independent of the carrier offset); the offset of each packet comes from its preamble's mean
// frequency (an alternating pattern has none of its own); every sampling phase is tried. The
// packet's bits come from coherent sequence detection (detect()), which gains several dB over
// slicing the discriminator.
#include "coex/coding/coding.hpp"
#include "coex/core/types.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace coex::decode::gfsk {

inline constexpr int kSamplesPerSymbol = 4;

// A run of alternating symbols at one sampling phase: a preamble candidate.
struct Run {
    std::size_t first_sample = 0;  // working-rate index of the first alternating symbol's centre
    std::size_t symbols = 0;       // length of the run in symbols (>= 8)
};

// A preamble start with the carrier offset and swing measured on it.
struct Sync {
    std::size_t sample = 0;  // working-rate index of the first preamble symbol's centre
    float offset_hz = 0.0f;  // residual carrier offset (after the coarse one)
    float eye_hz = 0.0f;     // mean |symbol - offset| over the preamble
};

class Demodulator {
public:
    Demodulator();
    ~Demodulator();
    Demodulator(const Demodulator&) = delete;
    Demodulator& operator=(const Demodulator&) = delete;

    // Demodulates the whole input at `symbol_rate_hz`. False when the input is too short or the
    // rate unusable (then nothing else may be asked).
    bool run(std::span<const cf32> samples, double sample_rate_hz, double symbol_rate_hz);

    // Preamble candidates at every sampling phase, in time order: stretches of symbols where each
    // 8-symbol window alternates around its own mean (at most one symbol on the wrong side) with a
    // mean swing of at least min_eye_hz. A soft test on the discriminator: no symbol-to-symbol step
    // has to clear a threshold, and it does not depend on the carrier offset.
    const std::vector<Run>& find_alternating_runs(float min_eye_hz);

    // Offset and eye over `count` symbols from `sample` (treated as an alternating preamble).
    [[nodiscard]] Sync measure_preamble(std::size_t sample, std::size_t count) const;
    // Refines a sync's offset with known bits (decision-directed: mean of symbol - bit * eye).
    void refine(Sync& sync, std::span<const std::uint8_t> known_bits) const;

    // Hard bits of `count` symbols starting `first_symbol` symbols after the sync's first one;
    // false when the burst ends before them.
    bool slice(const Sync& sync, std::size_t first_symbol, std::size_t count, coding::Bits& out) const;
    [[nodiscard]] std::size_t symbols_available(const Sync& sync) const;

    // Coherent sequence detection of `count` symbols from the sync's first one: a Viterbi search
    // over (previous, current) bit with each survivor carrying its own carrier phase and frequency
    // (per-survivor processing: works for any modulation index), matching the channel samples to
    // GFSK (BT 0.5) phase trajectories. The first known_bits.size() symbols are forced and train
    // the carrier phase. Some 4-6 dB better than slicing the discriminator at the same error rate.
    // `training_bits` (default: the known ones; may be longer, e.g. a first pass's decisions) give
    // the carrier phase and frequency the search starts from.
    bool detect(const Sync& sync, double mod_index, std::span<const std::uint8_t> known_bits, std::size_t count,
                coding::Bits& out, std::span<const std::uint8_t> training_bits = {});

    [[nodiscard]] double coarse_offset_hz() const { return coarse_offset_hz_; }
    // Residual RMS of the symbols around offset +- eye for known bits, relative to the eye (0: clean).
    [[nodiscard]] float misfit(const Sync& sync, std::span<const std::uint8_t> known_bits) const;
    // Seconds after the first input sample of the start of the symbol centred at working sample `sample`.
    [[nodiscard]] double symbol_start_s(double sample) const;
    // The last working-rate sample where the burst's envelope is above a quarter of its peak.
    [[nodiscard]] std::size_t active_last() const { return active_last_; }
    [[nodiscard]] std::size_t samples() const { return freq_.size(); }
    // (mean |y|)^2 / mean |y|^2 of the channel-filtered samples in [first, last): 1 for a constant
    // envelope (GFSK), about 0.95 at 10 dB SNR, pi/4 for Gaussian noise.
    [[nodiscard]] float envelope_constancy(std::size_t first, std::size_t last) const;
    // Whether the envelope rises into `sample` (a transmission's start): somewhere in the `symbols`
    // before it the power was below a quarter of the power over the 16 symbols from it (or the
    // input starts there). Rejects preamble-like patterns inside a packet cheaply.
    [[nodiscard]] bool rises_before(std::size_t sample, std::size_t symbols) const;
    // The run without its leading symbols where the envelope is under half of its level over the
    // run's last 8 symbols (noise before a packet alternates by chance and joins its preamble's run).
    [[nodiscard]] Run trim_to_signal(const Run& run) const;

private:
    struct Resampler;
    Resampler& resampler_for(double sample_rate_hz, double symbol_rate_hz);

    std::vector<std::unique_ptr<Resampler>> resamplers_;
    Resampler* current_ = nullptr;
    double symbol_rate_hz_ = 0.0;
    double work_rate_hz_ = 0.0;
    double coarse_offset_hz_ = 0.0;
    double delay_samples_ = 0.0;  // working samples from an input instant to its discriminator output
    std::size_t active_last_ = 0;

    // scratch, kept between bursts
    std::vector<cf32> centred_;
    std::vector<cf32> work_;
    std::vector<cf32> filtered_;
    std::vector<float> power_;
    std::vector<float> raw_freq_;
    std::vector<float> freq_;
    std::vector<Run> runs_;
    std::vector<Run> phase_runs_;

    // detect(): phase increments within a symbol slot for (previous, own, next) bit, per sample
    struct Trellis {
        double mod_index = -1.0;
        std::array<std::array<cf32, kSamplesPerSymbol>, 8> conj_phase{};  // exp(-j psi_m)
        std::array<float, 8> slot_increment{};                            // psi over the whole slot
    };
    void design_trellis(double mod_index);
    Trellis trellis_;
    std::vector<std::uint8_t> choices_;  // per slot and state: the predecessor's state
    std::vector<cf32> slot_corr_;
    std::vector<cf32> rotated_;
};

}  // namespace coex::decode::gfsk
