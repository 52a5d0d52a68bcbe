#pragma once
// Internal: the scene's timeline — every transmission of every emitter, with the recipe of its
// waveform — built once from the scene and its seed (not installed).
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "coex/core/types.hpp"
#include "coex/sim/receiver.hpp"
#include "coex/sim/scenario.hpp"
#include "coex/sim/waveform.hpp"

namespace coex::sim::detail {

// SplitMix64 finaliser: seeds for independent streams derived from one scene seed.
std::uint64_t mix_seed(std::uint64_t a, std::uint64_t b, std::uint64_t c = 0);

// One transmission on the air.
struct Tx {
    double t0 = 0.0, t1 = 0.0;      // on the air [t0, t1) in timeline seconds
    double rf_hz = 0.0;             // actual carrier (nominal + carrier offset)
    double f_lo_hz = 0.0, f_hi_hz = 0.0;  // labelled band (nominal)
    double power_dbfs = 0.0;        // mean power while on
    std::uint64_t seed = 0;         // of its waveform
    std::function<Waveform(std::mt19937_64&)> make;  // the waveform at its native rate
};

// An emitter rendered straight at the view rate (continuous noise, CW): adds its samples for the
// view [t_start, t_start + out.size() / rate) with the view's true centre.
using DirectRender = std::function<void(std::span<cf32> out, double view_center_hz, double rate_hz, std::mt19937_64& rng)>;

// One labelled emitter (a comb yields one per tone).
struct EmitterTimeline {
    std::size_t spec_index = 0;     // in Scene::emitters
    std::string type, label_class, name;
    double center_hz = 0.0;         // nominal
    double bandwidth_hz = 0.0;      // occupied (hoppers: of one hop)
    double snr_bandwidth_hz = 0.0;  // the bandwidth its SNR is defined in
    double level_dbfs = 0.0;        // main device, while on
    double cfo_hz = 0.0;
    double ramp_s = 0.0;
    std::vector<Tx> txs;            // sorted by t0
    double max_tx_s = 0.0;          // longest transmission (for lookups)
    std::optional<DirectRender> direct;
    double direct_t0 = 0.0, direct_t1 = 0.0;  // when a direct emitter is on
    double direct_lo_hz = 0.0, direct_hi_hz = 0.0;
    std::vector<double> tones_hz;   // a comb: one labelled burst per tone
    std::vector<std::pair<std::string, double>> facts;  // class-specific label fields
    // who it is, as a decoder would name it: ("network", "SSID aa:bb:…"), ("piconet", "0x9e8b33"), ("advertiser", "c0:…")
    std::vector<std::pair<std::string, std::string>> identities;
    std::vector<int> wifi_channels;  // Wi-Fi channels whose airtime it counts towards
    // Transmitter and room realism (docs/scenes.md, "Receiver models"), applied to each burst as it is
    // rendered: a linear carrier drift of up to burst_drift_hz (peak-to-peak, random per burst) kept
    // within +-tolerance_hz of the nominal carrier, and a static multipath channel.
    double burst_drift_hz = 0.0;
    std::optional<double> tolerance_hz;
    std::vector<MultipathTap> multipath;
};

struct TimelineContext {
    const Scene* scene = nullptr;
    std::optional<double> floor_dbfs_per_mhz;  // effective floor (thermal + quantisation)
};

// Builds the labelled emitters of scene.emitters[index].
std::vector<EmitterTimeline> build_timeline(const TimelineContext& ctx, std::size_t index);

}  // namespace coex::sim::detail
