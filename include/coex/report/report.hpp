#pragma once
// The analysis report's data model. Its writers (JSON for programs, text for people) are in
// coex/report/writers.hpp; printing is the CLI's business.
#include "coex/core/emitter_class.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace coex::report {

inline constexpr const char* kSchema = "coex-report/1";

struct CaptureFacts {
    std::string path;
    double duration_s = 0.0;  // from the first segment's start to the last one's end
    double observed_s = 0.0;  // sum of segment lengths (less than duration in a sweep with retune gaps)
    std::size_t segments = 0;
    std::vector<double> sample_rates_hz;                 // distinct, ascending
    std::vector<std::pair<double, double>> coverage_mhz;  // merged usable bands, ascending
    std::string hardware, datetime, description;
};

// A network heard on a Wi-Fi channel: from beacons (or probe responses) whose FCS held.
struct WifiNetwork {
    std::string ssid;   // as sent; "" for a hidden network
    std::string bssid;  // "aa:bb:cc:dd:ee:ff"
    std::uint64_t frames = 0;
    bool mine = false;  // the user named it (--my-network)
};

// What the PPDUs decoded on a channel said (their PLCP/L-SIG/HT-SIG checks held).
struct WifiDecoded {
    std::uint64_t ppdus = 0;                      // with a valid header check
    std::map<std::string, std::uint64_t> rates_mbps;  // "24" → PPDUs at 24 Mb/s ("6.5", "72.2" for HT MCS)
    double airtime_s = 0.0;                       // Σ of their durations from the headers
    // A busy channel's transmissions are decoded up to a budget: these many of these many were tried,
    // and the occupancy is scaled by the share (docs/report-format.md).
    std::uint64_t transmissions_decoded = 0, transmissions = 0;
    std::optional<double> occupancy;              // airtime_s over the observed time, scaled by the share tried
    std::string note;                             // why it differs from the energy-based occupancy, when it does
};

struct WifiChannelRow {
    int channel = 0;
    double center_mhz = 0.0;
    bool observed = false;
    double observed_s = 0.0;
    double occupancy = 0.0;
    std::optional<double> mean_power_dbfs;
    std::uint64_t bursts = 0;
    std::optional<double> noise_floor_dbfs_per_mhz;  // the floor under the channel (median over its MHz)
    std::vector<WifiNetwork> networks;               // most frames first
    std::optional<WifiDecoded> decoded;              // unset when no PPDU on the channel was decoded
};

// A JSON-like value for the class-specific fields of an emitter (kept free of any JSON library so
// the stages that fill it need none).
struct Value {
    using Array = std::vector<Value>;
    using Object = std::vector<std::pair<std::string, Value>>;
    std::variant<std::nullptr_t, bool, double, std::string, Array, Object> data;

    Value() : data(nullptr) {}
    Value(bool b) : data(b) {}
    Value(double d) : data(d) {}
    Value(int i) : data(static_cast<double>(i)) {}
    Value(std::size_t n) : data(static_cast<double>(n)) {}
    Value(const char* s) : data(std::string(s)) {}
    Value(std::string s) : data(std::move(s)) {}
    Value(Array a) : data(std::move(a)) {}
    Value(Object o) : data(std::move(o)) {}
};

// What an emitter's class rests on, strongest first: a decoded packet whose checksum holds; the
// protocol's behaviour (its channel grid, hopping, advertising channels, preamble, mains rhythm); or
// the signal's shape alone (then its confidence is capped: docs/classifier.md).
enum class EvidenceBasis : std::uint8_t { decoded, behaviour, shape };
// For packet classes: how many bursts the emitter is made of, how many of them the decoders looked at
// (a budget spares busy captures: docs/report-format.md), how many were framed as packets of its
// protocol, and how many had their checksum hold.
struct DecodeCounts {
    std::uint64_t bursts = 0, decoded = 0, checksum_ok = 0;
    std::uint64_t tried = 0;
};
struct Evidence {
    Evidence() = default;
    Evidence(EvidenceBasis b, std::string d) : basis(b), detail(std::move(d)) {}
    EvidenceBasis basis = EvidenceBasis::shape;
    std::string detail;  // what was seen, for people
    std::optional<DecodeCounts> decode;  // set for packet classes
};

// Who an emitter's decoded packets came from: a BLE advertiser, a BR piconet, an 802.15.4 PAN or node,
// a proprietary link's address, a BLE connection.
struct Identity {
    std::string role;  // "advertiser", "piconet", "pan", "node", "address", "connection"
    std::string id;    // the address, LAP, PAN ID or access address, as people write it
    std::string type;  // BLE address type ("public", "random"); empty otherwise
    std::string name;  // a Wi-Fi network's SSID (its id is the BSSID)
    std::uint64_t packets = 0;
    bool verified = false;  // seen in a packet whose checksum held
};
[[nodiscard]] std::string_view evidence_key(EvidenceBasis basis);  // "decoded", "behaviour", "shape"

// One physical emitter found in the band (docs/report-format.md, "emitters").
struct Emitter {
    EmitterClass emitter_class = EmitterClass::unknown;
    double low_mhz = 0.0, high_mhz = 0.0, center_mhz = 0.0;
    double level_dbfs = 0.0;      // mean power while on, over its bandwidth
    double above_floor_db = 0.0;  // level over the noise floor in the same bandwidth
    double duty_cycle = 0.0;      // share of the time it was observed during which it was on
    std::uint64_t bursts = 0;
    double first_s = 0.0, last_s = 0.0;
    double confidence = 0.0;      // 0…1
    Evidence evidence;            // what the class rests on
    std::vector<Identity> identities;  // from decoded packets, most packets first
    std::string summary;          // one line a person can read
    Value::Object fields;         // class-specific fields (read them through a FieldKey)

    [[nodiscard]] EmitterExtent extent() const { return {low_mhz, high_mhz, center_mhz, above_floor_db, duty_cycle}; }
};

// A class-specific field of an emitter, typed: the name it has in the report and the type it holds.
// Stages that read another stage's fields use these, never the field's spelling.
template <class T>
struct FieldKey {
    std::string_view name;
};

namespace fields {
inline constexpr FieldKey<double> wifi_channel{"channel"};                           // wifi_ofdm, wifi_dsss
inline constexpr FieldKey<std::vector<int>> afh_avoided_channels{"afh_avoided_channels"};  // bluetooth_classic
inline constexpr FieldKey<double> bandwidth_mhz{"bandwidth_mhz"};                    // unknown
inline constexpr FieldKey<double> median_burst_us{"median_burst_us"};                // unknown
}  // namespace fields

[[nodiscard]] const Value* find_field(const Emitter& e, std::string_view name);

// Marks the networks whose SSID the user named as theirs (--my-network); returns the channels they
// were heard on.
std::vector<int> mark_my_networks(std::vector<WifiChannelRow>& channels, const std::vector<std::string>& ssids);

struct Report;
// For sharing a report: every SSID, BSSID and device or network identity is replaced by a salted
// SHA-256 digest ("ssid:3fa2c1d09abc"), the same value by the same digest within this report (so
// counts and links survive) and unlinkable across reports (a new random salt each call); where the
// report's sentences quote one, the digest replaces it there too.
void redact(Report& report);
[[nodiscard]] std::optional<double> get(const Emitter& e, FieldKey<double> key);
[[nodiscard]] std::optional<std::vector<int>> get(const Emitter& e, FieldKey<std::vector<int>> key);

// One burst the classifier judged (only kept when asked for: long captures hold very many).
struct BurstRecord {
    double start_s = 0.0, end_s = 0.0, low_mhz = 0.0, high_mhz = 0.0, center_mhz = 0.0;
    // level; unset for a Wi-Fi transmission's record (its level is its channel's, in the Wi-Fi table)
    std::optional<double> power_dbfs, above_floor_db;
    std::optional<EmitterClass> emitter_class;  // what its checksum-valid packet proves, else what the detector that accepted it is for; unset when none did
    Value::Object features;     // what it was judged on
};

struct RankedChannel {
    int channel = 0;
    int secondary = 0;  // HT40 secondary channel, 0 for 20 MHz
    double score = 0.0;
    double wifi_cochannel = 0.0, wifi_adjacent = 0.0, non_wifi = 0.0, bluetooth = 0.0, noise_floor = 0.0;
};

struct Recommendation {
    std::optional<int> channel;          // unset when the capture saw too little to choose
    std::optional<int> current_channel;
    bool change = false;
    int width_mhz = 20;
    std::vector<RankedChannel> ranking;  // best first; observed channels only
    std::string headline;                // "move your router from channel 1 to channel 11."
    std::vector<std::string> reasons;    // per channel and per finding, with the numbers measured
    std::vector<std::string> remediation;
    std::optional<std::string> capture_advice;  // what to capture next when this one saw too little
    std::optional<double> least_observed_s;      // what it rests on: the seconds of the least-seen candidate channel
    std::optional<int> baseline_channel;        // what hostapd's ACS would pick from the same data
};

struct AnalysisSettings {
    std::string domain;  // "US", "EU", "JP"
    std::vector<std::size_t> fft_sizes;
    std::string window;
    double overlap = 0.0;
};

struct Stats {
    std::uint64_t samples_in = 0, samples_dropped = 0, samples_lost = 0, frames = 0;
    std::map<std::string, std::uint64_t> counters;  // per stage: "wifi.frames_on", …
};

// The part of a live scan's report that a replay cannot have: the radio, the plan, how the stream went
// and what it cost, and per channel what the sweep saw (docs/report-format.md, "live").
struct LiveSection {
    std::string device;  // the SoapySDR arguments given
    struct Radio {
        std::string driver, family, hardware, serial, sample_type;
        double gain_db = 0.0;
    } radio;
    struct Plan {
        std::string kind;
        double sample_rate_hz = 0.0, usable_hz = 0.0;
        double dwell_s = 0.0;  // one dwell's length in a sweep; the whole stream when parked
        double settle_s = 0.0, lo_offset_hz = 0.0;
        bool invert = false;
        std::vector<double> dwells_mhz;
    } plan;
    std::string end;  // why the stream ended
    std::string end_message;
    double stream_s = 0.0;
    struct Counters {
        std::uint64_t samples_in = 0, samples_dropped = 0, samples_lost = 0, samples_settling = 0, stream_samples = 0;
        std::uint64_t blocks_dropped = 0, drop_runs = 0, overflows = 0, timeouts = 0, retunes = 0, segments = 0, rounds = 0;
        std::uint64_t ring_blocks = 0, ring_high_water = 0;
        bool lost_exact = false;  // the radio stamped its samples, so losses are counted exactly
    } counters;
    struct ChannelCoverage {
        std::string channel;  // "wifi 6", "ble 37"
        double low_mhz = 0.0, high_mhz = 0.0, observed_s = 0.0, longest_blind_s = 0.0;
        std::uint64_t looks = 0;
    };
    std::vector<ChannelCoverage> coverage;
    struct Cpu {
        double reader = 0.0, analysis = 0.0, recording = 0.0, wall = 0.0;
    } cpu_s;
    struct Recording {
        std::string path;
        std::uint64_t samples = 0, segments = 0, bytes = 0;
        bool stopped_at_max_size = false;
    };
    std::optional<Recording> recording;
};

struct Report {
    CaptureFacts capture;
    AnalysisSettings settings;
    std::optional<double> noise_floor_dbfs_per_mhz;  // unset when the capture held no signal at all
    std::vector<WifiChannelRow> wifi;
    std::vector<Emitter> emitters;
    std::optional<std::vector<BurstRecord>> bursts;  // present when requested (--bursts)
    std::optional<Recommendation> recommendation;
    Stats stats;
    std::optional<LiveSection> live;  // live scans only
};

}  // namespace coex::report
