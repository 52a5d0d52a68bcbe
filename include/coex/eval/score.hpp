#pragma once
// Scoring an analysis report against the ground truth of its capture (docs/accuracy.md).
// Both come in as JSON text (report: coex-report/1, labels: coex-labels/1), so the scorer reads
// exactly what a user would get, including fields later versions add (bursts, recommendation).
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace coex::eval {

// The emitter classes of the report, in table order.
const std::vector<std::string>& emitter_classes();

struct MatchRules {
    // A reported band [low, high] widened by this much on each side must overlap the labelled band.
    double band_tolerance_mhz = 1.0;
    // Reported occupancy at or above this on a channel without labelled Wi-Fi is a false Wi-Fi channel.
    double wifi_false_occupancy = 0.01;
    // A labelled Wi-Fi airtime below this counts as "no Wi-Fi" on the channel.
    double wifi_idle_airtime = 0.001;
};

// Labels at least this far over the floor are the ones the per-class accuracy bar is about.
inline constexpr double kStrongSnrDb = 10.0;

struct ClassCounts {
    int tp = 0, fp = 0, fn = 0;
    int duplicates = 0;      // extra reports of an already matched emitter (not counted as false)
    int matched_hidden = 0;  // reports matching an emitter the view could not see (not counted)
    [[nodiscard]] std::optional<double> precision() const;
    [[nodiscard]] std::optional<double> recall() const;
    [[nodiscard]] std::optional<double> f1() const;
    ClassCounts& operator+=(const ClassCounts& o);
};

struct OccupancyError {
    int channel = 0;
    double truth = 0.0, reported = 0.0;
    std::optional<double> snr_db;  // of the labelled Wi-Fi emitter on the channel, if any
};

// A labelled emitter the view could see, and whether the report found it.
struct LabelOutcome {
    std::string label_class;
    std::optional<double> snr_db;  // above_floor_db of the label
    bool detected = false;
};

struct BurstCounts {
    int labelled = 0, detected = 0, reported = 0, reported_true = 0;
};

// Decoding, per packet class, over the emitters matched to labels ≥ kDecodeSnrDb over the floor: their
// bursts, those framed and those whose checksum held (the report's evidence counts), and the labelled
// identities (AdvA, LAP, PAN, ESB address, "SSID BSSID") the report named.
inline constexpr double kDecodeSnrDb = 12.0;
struct DecodeCounts {
    std::uint64_t bursts = 0, tried = 0, decoded = 0, checksum_ok = 0;
    int identities_labelled = 0, identities_found = 0, identities_extra = 0;
    DecodeCounts& operator+=(const DecodeCounts& o);
};

// Decoding per labelled packet, per packet class: the packets of emitters labelled ≥ kDecodeSnrDb
// over the floor that the view saw (docs/accuracy.md "Decoding"). Those another emitter overlapped in
// time and frequency at a level within kCollisionDb of theirs (collided) and those the capture's or a
// dwell's edge cut, in time or by the view's band edge (less than the middle 80 % of the labelled
// band in the usable band: cut), are counted apart and not in `counted`;
// `decoded`: counted packets a checksum-valid packet of the class's PHY covers in the report's burst
// list (emitters' burst records, which the analysis gives when asked: --bursts).
inline constexpr double kCollisionDb = 12.0;
struct PacketCounts {
    int collided = 0, cut = 0, counted = 0, decoded = 0;
    PacketCounts& operator+=(const PacketCounts& o);
};

struct CaptureScore {
    std::string name, scene, view;
    bool false_positive_scene = false;  // no labelled emitters except narrowband spurs (noise, CW, zeros, clipped CW)
    double analysis_s = 0.0;            // filled by the caller
    double synth_s = 0.0;               // filled by the caller when it synthesised the capture
    std::vector<OccupancyError> occupancy;
    int wifi_observed_mismatch = 0;  // channels whose "observed" differs between report and labels
    int wifi_false_channels = 0;
    std::map<std::string, ClassCounts> classes;
    // The same, for the acceptance bar "SNR ≥ 10 dB": labels under kStrongSnrDb are not scored, and
    // unmatched reports lying on such a label (of any class) are not counted as false.
    std::map<std::string, ClassCounts> classes_strong;
    std::map<std::pair<std::string, std::string>, int> confusion;  // (truth or "none", reported or "missed")
    std::vector<LabelOutcome> outcomes;
    // Reported emitters of a class the scene does not hold + false Wi-Fi channels.
    int false_detections = 0;
    // What a receiver's own response or a look-alike turns into (the Realism issue's acceptance):
    int false_usb3 = 0;                // USB 3.0 noise reported in a scene that holds none
    int classic_from_fixed_gfsk = 0;   // Classic reports lying on a fixed-frequency GFSK link (proprietary_gfsk label)
    bool recommendation_expected = false;
    std::optional<int> recommendation_expected_channel, recommendation_reported_channel;
    bool bursts_in_report = false;
    BurstCounts bursts;
    std::map<std::string, DecodeCounts> decoding;  // packet classes, labels ≥ kDecodeSnrDb matched
    bool packets_scored = false;                    // the report lists its bursts
    std::map<std::string, PacketCounts> packets;    // packet classes, labels ≥ kDecodeSnrDb
};

// Throws InputError("<name>: ...") when either document is not what it should be.
CaptureScore score_capture(const std::string& report_json, const std::string& labels_json, const std::string& name,
                           const MatchRules& rules = {});

struct ErrorStats {
    int n = 0;
    double sum = 0.0, max = 0.0;
    void add(double e);
    [[nodiscard]] std::optional<double> mean() const;
};

struct Summary {
    int captures = 0, false_positive_scenes = 0;
    double analysis_s = 0.0, synth_s = 0.0;
    ErrorStats occupancy;
    std::map<std::string, ErrorStats> occupancy_by_view, occupancy_by_snr;
    int wifi_observed_mismatch = 0, wifi_false_channels = 0, wifi_false_channels_fp_scenes = 0;
    std::map<std::string, ClassCounts> classes;
    std::map<std::string, ClassCounts> by_view;  // all classes pooled
    std::map<std::string, ClassCounts> classes_strong, by_view_strong;  // labels ≥ kStrongSnrDb only
    std::map<std::string, std::map<std::string, std::pair<int, int>>> recall_by_snr;  // class -> bucket -> (detected, visible)
    std::map<std::pair<std::string, std::string>, int> confusion;
    int false_detections = 0, false_detections_fp_scenes = 0;
    int false_usb3 = 0, classic_from_fixed_gfsk = 0;
    int recommendation_scenes = 0, recommendation_reported = 0, recommendation_agree = 0;
    bool bursts_in_report = false;
    BurstCounts bursts;
    std::map<std::string, DecodeCounts> decoding;
    bool packets_scored = false;
    std::map<std::string, PacketCounts> packets;
};

Summary summarize(const std::vector<CaptureScore>& scores);
// SNR bucket name for the breakdown: the nearest multiple of 5 dB ("≈10 dB"), "none" when unknown.
std::string snr_bucket(std::optional<double> snr_db);

std::string to_text(const Summary& summary, const std::vector<CaptureScore>& scores);
std::string to_json(const Summary& summary, const std::vector<CaptureScore>& scores);

struct Thresholds {
    std::optional<double> max_occupancy_error;       // largest |error| over all observed channels
    std::optional<double> max_mean_occupancy_error;  // mean |error|
    std::optional<int> max_false_detections;         // on the false-positive scenes (emitters + Wi-Fi channels)
    std::optional<int> max_wifi_false_channels;      // over all scenes
    std::optional<int> max_false_usb3;               // USB 3.0 reports in scenes without USB 3.0 noise, all scenes
    std::optional<double> min_f1_all;                // every class that has labelled emitters
    std::map<std::string, double> min_f1, min_precision, min_recall;  // per class
    std::map<std::string, double> min_f1_strong;  // per class ("all" = every class with labels), labels ≥ kStrongSnrDb
    std::optional<double> min_recommendation_agreement;
};

// The thresholds missed, one line each ("wifi_ofdm F1 0.41 < 0.60"); empty when all hold.
std::vector<std::string> check(const Summary& summary, const Thresholds& thresholds);

}  // namespace coex::eval
