#pragma once
// `coex site`: one channel plan for the access points of many sensors, from the window summaries they
// publish (coex/<sensor>/state). One AP per sensor — its BSSID the sensor's own network (`mine`), or as
// declared — each with its own cost per channel (ChannelState.cost), plus a penalty when two APs that hear
// each other share or overlap a channel. docs/publish.md describes the cost and the search.
#include "coex/monitor/state.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace coex::publish {

struct SitePlanConfig {
    // Cost units (docs/recommendation.md: 1.0 ≈ a channel busy all the time) for two APs that hear each
    // other on the same channel; overlapping channels pay it in proportion to their overlap.
    double neighbour_penalty = 0.5;
    std::map<std::string, std::string> declared_bssids;                   // sensor → its AP's BSSID (--ap)
    std::vector<std::pair<std::string, std::string>> declared_neighbours;  // APs that hear each other (--neighbours)
    std::uint64_t exhaustive_limit = 2'000'000;                           // channel combinations searched exhaustively
};

// How much two 20 MHz channels overlap (0…1): at 2.4 GHz 1 − Δf/25 MHz (channels 5 apart, 25 MHz, do not
// overlap; 4 apart overlap 0.2), elsewhere only the same channel.
[[nodiscard]] double channel_overlap(int a, int b);

struct SiteLink {
    std::string a, b;    // sensor ids
    std::string source;  // "heard" (a sensor decoded the other's BSSID) or "declared"
    std::string detail;  // who heard whom
};

struct SiteAssignment {
    std::string sensor_id, bssid;  // bssid "" when unknown
    int channel = 0;
    std::optional<int> current_channel;
    double own_cost = 0.0;   // the sensor's cost of the channel
    double penalty = 0.0;    // its share of the neighbour penalties (half of each link's)
    std::vector<std::string> reasons;
};

struct SitePlan {
    std::vector<SiteAssignment> aps;  // in sensor id order
    std::vector<SiteLink> links;
    std::vector<std::string> left_out;  // sensors with nothing to plan on, and why
    double total_cost = 0.0;            // Σ own costs + Σ link penalties
    std::string method;                 // "exhaustive" or "greedy + local search"
    std::uint64_t combinations = 0;     // channel combinations the search space holds
};

// The plan for the given sensors' latest windows. Deterministic: ties go to fewer moves from the current
// channels, then to lower channel numbers.
[[nodiscard]] SitePlan plan_site(const std::vector<monitor::WindowState>& sensors, const SitePlanConfig& config);
[[nodiscard]] std::string to_json(const SitePlan& plan, double generated_unix_s);
[[nodiscard]] std::string to_text(const SitePlan& plan);

// What the site knows of each sensor, from the messages on coex/+/state and coex/+/availability.
class SiteTracker {
public:
    struct News {
        enum class Kind : std::uint8_t { joined, updated, stale, returned, left, malformed };
        Kind kind;
        std::string sensor_id;
        std::string text;  // one line for people
    };

    // stale_s: a sensor with no state for this long is left out of the plan; 0: three of its windows.
    explicit SiteTracker(std::string base_topic = "coex", double stale_s = 0.0);

    // A message from the broker, received at `now` (Unix seconds). A retained state (the broker's copy)
    // counts as heard at the window's end, so a sensor long gone is stale on arrival.
    std::vector<News> on_message(const std::string& topic, const std::string& payload, bool retained, double now);
    // Sensors that have gone quiet since the last call.
    std::vector<News> check_stale(double now);
    // The latest window of every sensor that is online and not stale, in sensor id order.
    [[nodiscard]] std::vector<monitor::WindowState> live_states() const;
    [[nodiscard]] std::size_t known() const { return sensors_.size(); }

private:
    struct Sensor {
        std::optional<monitor::WindowState> state;
        double last_heard = 0.0;
        bool stale = false, offline = false;
    };
    [[nodiscard]] double stale_after(const Sensor& s) const;
    std::string base_;
    double stale_s_;
    std::map<std::string, Sensor> sensors_;
};

}  // namespace coex::publish
