#pragma once
// The classifier's plug-in shape: one detector per file, each with a descriptor (its class, name, what
// it emits, how to make it) in an explicit, ordered registry (registry.cpp). The framework (Classifier)
// feeds each detector what its capabilities ask for, counts their outcomes, and collects what they find.
#include "coex/classify/frame.hpp"
#include "coex/core/bands.hpp"
#include "coex/decode/packet.hpp"
#include "coex/report/report.hpp"

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
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
    // The end of its last frame with a cell 6 dB over the floor. Over a low-percentile floor, noise
    // alone lights a 1 MHz cell 3 dB up often enough to carry a burst on for a few frames after
    // its emitter stopped: up to end_s, those frames hold noise.
    double strong_end_s = 0.0;
    std::uint64_t first_sample = 0, end_sample = 0;  // its span within the segment (for a look at its samples)
    double low_mhz = 0.0, high_mhz = 0.0;  // cells the burst lit, edge to edge
    double center_mhz = 0.0;               // power-weighted centre
    double bandwidth_mhz = 0.0;            // width holding 90 % of its power (cell resolution, interpolated)
    double power_dbfs = 0.0;               // mean signal power while on
    double above_floor_db = 0.0;           // over the noise in the same cells
    double drift_mhz = 0.0;                // spread of the per-frame centre (a magnetron wanders; a radio does not)
    std::size_t frames = 0;
    // What it was at each instant: per frame, each run of lit cells that carried it (cell edges, MHz).
    // The tracker follows a run that overlaps the burst's extent so far, so one burst may join things
    // side by side (a Bluetooth hop and the unclaimed edge of a Wi-Fi frame beside it).
    struct LitRun {
        double start_s = 0.0;  // the frame's start (it lasts TuningGeometry::frame_seconds)
        double low_mhz = 0.0, high_mhz = 0.0;
    };
    std::vector<LitRun> lit_runs;
    // From the burst's own samples, brought to baseband around center_mhz (absent when the samples
    // were no longer held or the burst is too wide to channelise):
    bool has_time_domain = false;
    double deviation_khz = 0.0;            // FSK peak deviation estimate (calibrated for GFSK BT 0.5)
    double frequency_offset_khz = 0.0;     // mean instantaneous frequency against center_mhz
    double constant_envelope = 0.0;        // 1 − (std/mean) of |x|: ≈1 for FSK/MSK, lower for OFDM or noise
    double preamble_periodicity = 0.0;     // coherent autocorrelation at 16 µs over the first 128 µs: ≈1 for an 802.15.4 SHR
    double symbol_rate_hz = 0.0;           // 1e6 or 1.152e6: the FSK symbol clock the discriminator shows (0: none judged)
    // What the packet decoders found in the burst's samples (decoders_ran: they were run on them).
    bool decoders_ran = false;
    std::vector<decode::Packet> packets;
    [[nodiscard]] double duration_s() const { return end_s - start_s; }
    // The first packet of protocol p whose checksum held (null: none).
    [[nodiscard]] const decode::Packet* proven(decode::Protocol p) const;
    [[nodiscard]] const decode::Packet* framed(decode::Protocol p) const;  // the first of p, checksum or not
};

// Why a detector turned a burst down: a closed set, so the stats count reasons rather than spellings.
enum class Rejection : std::uint8_t {
    too_weak,             // too little over the floor to read its width or modulation
    no_time_domain_look,  // its samples were not held or it was too wide to channelise
    outside_band,         // centre outside the frequencies the protocol uses
    off_grid,             // off the protocol's channel grid
    wrong_width,
    wrong_deviation,      // FSK deviation not the protocol's
    wrong_symbol_clock,   // a symbol rate other than the protocol's
    no_preamble,          // the preamble the protocol starts with is not there
    carrier_drifts,       // a radio's carrier holds still within a packet; this one wanders
    carrier_steady,       // a magnetron's carrier sweeps; this one holds still
    wrong_duration,       // no packet of the protocol lasts this long (or this short)
    no_cyclic_prefix,     // OFDM's cyclic prefix is not there at the numerology's symbol length
};
inline constexpr std::size_t kRejectionCount = static_cast<std::size_t>(Rejection::no_cyclic_prefix) + 1;
// The name a rejection is counted under in the stats ("detector.<key>.rejected.<name>").
[[nodiscard]] std::string_view rejection_key(Rejection why);

// The result of a detector judging a burst: accepted, or rejected with a reason from the closed set and
// a detail for people ("deviation not ±160 kHz").
class Outcome {
public:
    static Outcome accepted() { return Outcome(true, Rejection::too_weak, ""); }
    static Outcome rejected(Rejection why, std::string_view detail = "") { return Outcome(false, why, detail); }
    [[nodiscard]] bool is_accepted() const { return accepted_; }
    [[nodiscard]] Rejection reason() const { return reason_; }
    [[nodiscard]] std::string_view detail() const { return detail_; }

private:
    Outcome(bool accepted, Rejection why, std::string_view detail) : accepted_(accepted), reason_(why), detail_(detail) {}
    bool accepted_;
    Rejection reason_;
    std::string_view detail_;  // points at a string literal of the detector
};

// What a tuning looked like once its samples were all seen: the floors, for detectors of continuous
// emitters (spurs, broadband noise) that live in the floor rather than in bursts.
struct TuningSummary {
    const TuningGeometry* geometry = nullptr;
    double observed_s = 0.0;
    std::span<const float> cell_floor;  // per 1 MHz cell of geometry->grid
    std::span<const float> bin_floor;   // per spectrogram bin, −fs/2 … +fs/2
    double bin_enbw = 1.5;
    std::uint64_t bin_floor_observations = 0;  // frames behind each bin's floor
    std::span<const float> cell_wifi_share{};  // per cell: share of the tuning's frames Wi-Fi claimed it (set by the classifier)
};

// Time spent observing each whole MHz of the band, for duty cycles of emitters.
struct Observation {
    // seconds each 1 MHz cell (by MHz) was observed
    std::vector<std::pair<int, double>> cell_seconds;
    [[nodiscard]] double seconds_at(double mhz) const;
    [[nodiscard]] double seconds_over(double low_mhz, double high_mhz) const;  // mean over the cells
};

class SampleHistory;

// What a detector hands back at the end of the capture.
struct Findings {
    std::vector<report::Emitter>& emitters;
    std::vector<report::WifiChannelRow>& wifi_channels;  // the Wi-Fi table (its detector fills it)
    std::map<std::string, std::uint64_t>& counters;      // the report's stats counters
    // Σ over the detectors that own time of the seconds [low_mhz, high_mhz] was drowned.
    std::function<double(double low_mhz, double high_mhz)> blanked_s;
};

// Every detector lives through the tunings of a capture and reports its emitters at the end.
// What else it does is a capability it adds (the small interfaces below); the framework asks each
// registered detector once, when it is made, which it has.
class Detector {
public:
    virtual ~Detector() = default;
    virtual void begin_tuning(const TuningGeometry& /*tuning*/) {}
    // A tuning seen whole: the floors, for emitters that live in the floor rather than in bursts.
    virtual void end_tuning(const TuningSummary& /*summary*/) {}
    virtual void gap() {}  // samples missing: whatever was open ends here
    virtual void finish(const Observation& observation, Findings& out) = 0;
};

// Sees every frame first and claims the cells its transmissions cover (Wi-Fi): the burst tracker and
// the frame watchers see what is left.
class ClaimsCells {
public:
    virtual ~ClaimsCells() = default;
    virtual void claim(const Frame& frame) = 0;  // then claimed() holds this frame's claims
    [[nodiscard]] virtual std::span<const std::uint8_t> claimed() const = 0;  // per cell of the tuning
    [[nodiscard]] virtual bool claimed_any() const = 0;
};

// Every frame, after the claims (a detector of rhythms in the frame stream: the oven's mains cycle).
class WatchesFrames {
public:
    virtual ~WatchesFrames() = default;
    virtual void on_frame(const Frame& frame) = 0;
};

// Closed bursts that no detector before it in the registry accepted.
class JudgesBursts {
public:
    virtual ~JudgesBursts() = default;
    virtual Outcome judge(const BurstFeatures& burst) = 0;
};

// Bursts a packet of one of its protocols proved to be its own, though its frame-by-frame look missed
// them (a Wi-Fi PPDU whose spectrum failed the channel-shape test): only such bursts reach it.
class TakesProvenBursts {
public:
    virtual ~TakesProvenBursts() = default;
    virtual void take(const BurstFeatures& burst) = 0;
};

// Some emitters are recognised from the frame stream only after a while (an oven by its mains rhythm
// over several cycles), and then explain bursts that looked like something else (the pieces of its
// flickering carrier). A closed burst waits until every such detector has settled the time it ended
// in; a detector that explains it then takes it before the registry judges it.
class ExplainsBursts {
public:
    virtual ~ExplainsBursts() = default;
    [[nodiscard]] virtual double settled_until_s() const = 0;
    virtual bool explains(const BurstFeatures& burst) = 0;
};

// Sees each closed burst at once, while its samples are still held: judging waits until every
// explainer has settled (an oven's, several mains cycles), by when a long tuning's samples are gone.
// A detector that needs its own look at a burst's samples takes it here and judges by it later.
class LooksAtClosedBursts {
public:
    virtual ~LooksAtClosedBursts() = default;
    virtual void look(const BurstFeatures& burst) = 0;
};

// Time during which its emitters drowned [low_mhz, high_mhz] (an oven's on-periods over a Wi-Fi
// channel: frames there cannot be told), taken out of that channel's observed time.
class OwnsTime {
public:
    virtual ~OwnsTime() = default;
    [[nodiscard]] virtual double blanked_s(double low_mhz, double high_mhz) const = 0;
};

// Pieces of its emitters that failed its own checks land in 'unknown' entries; where a piece says
// plainly it is one of this detector's emitters, it is folded into that emitter (and counted).
class ClaimsPieces {
public:
    virtual ~ClaimsPieces() = default;
    [[nodiscard]] virtual bool owns_piece(const report::Emitter& emitter, const report::Emitter& piece) const = 0;
};

// What a detector is made with.
struct DetectorSetup {
    std::vector<WifiChannel> wifi_channels;  // of the regulatory domain
    const SampleHistory* history = nullptr;  // the tuning's last few ms of samples, for looks at a burst's own samples
    std::span<const decode::DecoderDescriptor> decoders{};  // the packet decoders in use (a detector makes its own)
    // With --bursts: the report's burst list, where a detector that decodes on its own (Wi-Fi) lists
    // what it tried; null otherwise.
    std::vector<report::BurstRecord>* burst_records = nullptr;
};

struct DetectorDescriptor {
    EmitterClass primary;             // what it is for; its key is the detector's key in stats ("detector.<key>.accepted")
    std::string_view name;            // for people
    std::vector<EmitterClass> emits;  // every class its emitters may have (the framework holds it to this)
    // Protocols whose checksum-valid packets prove a burst is its business: such a burst goes to it
    // first, before any explanation or shape judgement by another detector.
    std::vector<decode::Protocol> proven_by;
    std::unique_ptr<Detector> (*make)(const DetectorSetup& setup);
    [[nodiscard]] std::string_view key() const { return coex::key(primary); }
};

// The detectors in the order they get to judge a burst.
std::span<const DetectorDescriptor> detector_registry();

}  // namespace coex::classify
