#pragma once
// What `coex monitor` tells the world about a room, window by window, and what `coex site` reads back:
// one window's summary (published retained as coex/<sensor>/state, shown by the metrics endpoint), and an
// event (an emitter appearing, changing or going, appended to events.jsonl and published on
// coex/<sensor>/events). The wire format (JSON) is documented in docs/monitor.md; readers of another
// sensor's messages get InputError for anything malformed, never a crash.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coex::monitor {

// A Wi-Fi network decoded in the window (beacons, data frames with their BSSID).
struct HeardNetwork {
    std::string ssid;   // "" for a hidden network
    std::string bssid;  // "aa:bb:cc:dd:ee:ff"
    int channel = 0;
    std::uint64_t frames = 0;
    std::optional<double> level_dbfs;  // the channel's mean power while on, when known
    bool mine = false;                 // one of --my-network
};

struct ChannelState {
    int channel = 0;
    double center_mhz = 0.0;
    double airtime = 0.0;                          // share of the observed time the channel was busy (0…1)
    double observed_s = 0.0;                       // how long the window saw it
    std::optional<double> noise_floor_dbfs_per_mhz;
    std::optional<double> cost;                    // the recommendation's cost of putting an AP here (lower is better)
};

// One emitter present in the window (every class, Wi-Fi included).
struct InterfererState {
    std::string class_key;  // the emitter class key (core/emitter_class.hpp: key())
    double low_mhz = 0.0, high_mhz = 0.0;
    double level_dbfs = 0.0, above_floor_db = 0.0;
    double duty_cycle = 0.0;
    double confidence = 0.0;
    std::string evidence;   // "decoded", "behaviour", "shape"
    std::string summary;
};

struct WindowState {
    std::string sensor_id;
    double start_unix_s = 0.0, end_unix_s = 0.0;  // UTC seconds; the window's span of stream time
    double observed_s = 0.0;                      // sample time analysed in the window
    std::optional<double> noise_floor_dbfs_per_mhz;
    std::vector<ChannelState> channels;           // ascending channel number
    std::vector<InterfererState> emitters;
    std::vector<HeardNetwork> networks;           // most frames first
    // The recommendation after hysteresis (what the sensor tells people now), and this window's own.
    std::optional<int> recommended_channel, current_channel, window_best_channel;
    std::string headline;
    std::vector<std::string> reasons;
    // Accounting, cumulative since the monitor started.
    std::uint64_t samples_in = 0, samples_dropped = 0, samples_lost = 0;
    std::uint64_t packets_decoded = 0;
    std::uint64_t windows = 0;
};

enum class EventKind : std::uint8_t { appeared, changed, disappeared };
[[nodiscard]] std::string_view to_string(EventKind kind);  // "appeared", "changed", "disappeared"

// An emitter's life as the monitor saw it: "appeared" opens it (end unset), "changed" says what moved
// (level, channel, duty), "disappeared" closes it with its end time.
struct Event {
    std::string sensor_id;
    EventKind kind = EventKind::appeared;
    std::string id;         // stable for one emitter's life: "<class>@<centre MHz>#<n>"
    std::string class_key;
    double start_unix_s = 0.0;
    std::optional<double> end_unix_s;
    double low_mhz = 0.0, high_mhz = 0.0;
    double level_dbfs = 0.0, above_floor_db = 0.0, duty_cycle = 0.0;
    std::string evidence;   // "decoded", "behaviour", "shape"
    std::string detail;     // what changed, for people
};

}  // namespace coex::monitor

namespace coex::monitor {

// The wire format (docs/monitor.md): one JSON object per message. The readers throw InputError naming
// `what` (the topic or file) and the field for anything malformed.
[[nodiscard]] std::string to_json(const WindowState& state);
[[nodiscard]] std::string to_json(const Event& event);
[[nodiscard]] WindowState window_state_from_json(std::string_view text, std::string_view what);
[[nodiscard]] Event event_from_json(std::string_view text, std::string_view what);

// Where the monitor's windows and events go (the event log, MQTT, the metrics endpoint). Called from the
// monitor's thread, in order; a sink that blocks holds up the monitor, so sinks queue their own I/O.
class Sink {
public:
    virtual ~Sink() = default;
    virtual void window(const WindowState& state) = 0;
    virtual void event(const Event& event) = 0;
    // The monitor is ending (stopped, duration reached, or the radio gone: `reason` says which).
    virtual void stopping(std::string_view reason) = 0;
};

}  // namespace coex::monitor
