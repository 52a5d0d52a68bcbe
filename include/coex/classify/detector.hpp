#pragma once
// The classifier's plug-in shape: one detector per file, each with a descriptor (stable key, name,
// what it emits) in an explicit, ordered registry (registry.cpp). The framework (Classifier) feeds
// detectors, counts their outcomes, and collects the emitters they report.
#include "coex/classify/frame.hpp"
#include "coex/report/report.hpp"

#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace coex::classify {

// What the framework measured of a narrowband or wideband burst: a blob of 1 MHz cells above the
// floor, followed from frame to frame while it stays put.
struct BurstFeatures {
    double start_s = 0.0, end_s = 0.0;
    double low_mhz = 0.0, high_mhz = 0.0;  // cells the burst lit, edge to edge
    double center_mhz = 0.0;               // power-weighted centre
    double bandwidth_mhz = 0.0;            // width holding 90 % of its power (cell resolution, interpolated)
    double power_dbfs = 0.0;               // mean signal power while on
    double above_floor_db = 0.0;           // over the noise in the same cells
    double drift_mhz = 0.0;                // spread of the per-frame centre (a magnetron wanders; a radio does not)
    std::size_t frames = 0;
    // From the burst's own samples, brought to baseband around center_mhz (absent when the samples
    // were no longer held or the burst is too wide to channelise):
    bool has_time_domain = false;
    double deviation_khz = 0.0;            // FSK peak deviation estimate (calibrated for GFSK BT 0.5)
    double frequency_offset_khz = 0.0;     // mean instantaneous frequency against center_mhz
    double constant_envelope = 0.0;        // 1 − (std/mean) of |x|: ≈1 for FSK/MSK, lower for OFDM or noise
    double preamble_periodicity = 0.0;     // coherent autocorrelation at 16 µs over the first 128 µs: ≈1 for an 802.15.4 SHR
    double symbol_rate_hz = 0.0;           // 1e6 or 1.152e6: the FSK symbol clock the discriminator shows (0: none judged)
    [[nodiscard]] double duration_s() const { return end_s - start_s; }
};

// The result of a detector judging a candidate: accepted, or rejected for a named reason.
class Outcome {
public:
    static Outcome accepted() { return Outcome(""); }
    static Outcome rejected(std::string_view reason) { return Outcome(reason.empty() ? "unspecified" : reason); }
    [[nodiscard]] bool is_accepted() const { return reason_.empty(); }
    [[nodiscard]] std::string_view reason() const { return reason_; }

private:
    explicit Outcome(std::string_view reason) : reason_(reason) {}
    std::string_view reason_;  // points at a string literal of the detector
};

// What a tuning looked like once its samples were all seen: the floors, for detectors of continuous
// emitters (spurs, broadband noise) that live in the floor rather than in bursts.
struct ViewSummary {
    const ViewGeometry* geometry = nullptr;
    double observed_s = 0.0;
    std::span<const float> cell_floor;  // per 1 MHz cell of geometry->grid
    std::span<const float> bin_floor;   // per spectrogram bin, −fs/2 … +fs/2
    double bin_enbw = 1.5;
    std::uint64_t bin_floor_observations = 0;  // frames behind each bin's floor
    std::span<const float> cell_wifi_share{};  // per cell: share of the view's frames Wi-Fi claimed it (set by the classifier)
};

// Time spent observing each whole MHz of the band, for duty cycles of emitters.
struct Observation {
    // seconds each 1 MHz cell (by MHz) was observed
    std::vector<std::pair<int, double>> cell_seconds;
    [[nodiscard]] double seconds_at(double mhz) const;
    [[nodiscard]] double seconds_over(double low_mhz, double high_mhz) const;  // mean over the cells
};

class Detector {
public:
    virtual ~Detector() = default;
    virtual void begin_view(const ViewGeometry& /*view*/) {}
    // Every frame, after Wi-Fi has claimed its cells (frame-stream detectors, e.g. periodicity).
    virtual void on_frame(const Frame& /*frame*/) {}
    // A closed burst nobody before this detector in the registry accepted.
    virtual Outcome judge(const BurstFeatures& /*burst*/) { return Outcome::rejected("not a burst detector"); }
    virtual void end_view(const ViewSummary& /*summary*/) {}
    virtual void gap() {}
    // Some emitters are recognised from the frame stream only after a while (an oven by its mains
    // rhythm over several cycles), and then explain bursts that looked like something else (the
    // pieces of its flickering carrier). A closed burst waits until every detector has settled the
    // time it ended in; a detector that explains it then takes it before the registry judges it.
    [[nodiscard]] virtual double settled_until_s() const { return std::numeric_limits<double>::infinity(); }
    virtual bool explains(const BurstFeatures& /*burst*/) { return false; }
    // Seconds during which this detector's emitters drowned [low_mhz, high_mhz] (an oven's on-periods
    // over a Wi-Fi channel: frames there cannot be told), taken out of that channel's observed time.
    [[nodiscard]] virtual double blanked_s(double /*low_mhz*/, double /*high_mhz*/) const { return 0.0; }
    // Emitters found over the whole capture.
    virtual void finish(const Observation& observation, std::vector<report::Emitter>& out) = 0;
};

struct DetectorDescriptor {
    EmitterClass primary;             // what it is for; its key is the detector's key in stats ("detector.<key>.accepted")
    std::string_view name;            // for people
    std::vector<EmitterClass> emits;  // every class its emitters may have (the framework holds it to this)
    std::unique_ptr<Detector> (*make)();
    [[nodiscard]] std::string_view key() const { return coex::key(primary); }
};

// The detectors in the order they get to judge a burst.
std::span<const DetectorDescriptor> detector_registry();

}  // namespace coex::classify
