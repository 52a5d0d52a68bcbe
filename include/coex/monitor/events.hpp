#pragma once
// Follows emitters from window to window and says when one appears, changes or goes (docs/monitor.md,
// "Events"). An emitter of a window is the same as one already followed when the class is the same and
// the bands overlap or the centres lie close; each followed emitter takes at most one of the window's.
// Times come from the emitter's own first and last moments inside the windows, so an event is as exact
// as the analysis, not as coarse as a window: an oven on at 20 s appears at ≈ 20 s; off at 40 s, it
// disappears at its last burst, ≈ 40 s, even though that is said only after it has been missing for
// `absent_windows` windows (the hysteresis that keeps one missed detection from ending it).
#include "coex/monitor/state.hpp"
#include "coex/monitor/window.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace coex::monitor {

struct EventRules {
    double level_change_db = 6.0;       // "changed" when the level moves this much from the last one said
    double centre_move_mhz = 3.0;       // … or the centre moves this far (Wi-Fi: the channel changes)
    double duty_change = 0.2;           // … or the duty cycle moves this much (absolute) and
    double duty_ratio = 2.0;            //     by this factor (0.05 → 0.25 counts; 0.6 → 0.8 does not)
    int absent_windows = 2;             // observed windows without it before it is said to be gone
    double match_distance_mhz = 5.0;    // centres this close match even when the bands do not overlap
};

// Checks the rules (ConfigError naming the field).
void validate(const EventRules& rules);

class EventTracker {
public:
    EventTracker(std::string sensor_id, EventRules rules = {});

    // One window, in order. `observed`: the window analysed samples (a window that saw nothing, all
    // dropped, is no evidence of absence). Returns the events, in time order.
    [[nodiscard]] std::vector<Event> update(const WindowSummary& window, bool observed = true);
    // The monitor is ending: an emitter already missing from the last window is said to be gone (at its
    // last moment seen) without waiting for more windows; one still present stays open (it did not go;
    // the monitor stopped looking).
    [[nodiscard]] std::vector<Event> finish();

    [[nodiscard]] std::size_t followed() const { return tracks_.size(); }

private:
    struct Track {
        std::string id;
        Sighting now;      // latest
        Sighting said;     // as last reported (appeared or changed)
        double first_unix_s = 0.0, last_unix_s = 0.0;
        int missed = 0;
    };
    [[nodiscard]] Event make_event(EventKind kind, const Track& t, double start, std::optional<double> end, std::string detail) const;
    [[nodiscard]] std::string change_of(const Track& t) const;

    std::string sensor_id_;
    EventRules rules_;
    std::vector<Track> tracks_;
    std::uint64_t next_number_ = 1;
};

}  // namespace coex::monitor
