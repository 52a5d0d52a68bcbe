#pragma once
// A window summary as a sensor would publish it (channels 1–13 with costs, an oven and USB 3.0 noise,
// its own network and the networks it hears).
#include "coex/core/emitter_class.hpp"
#include "coex/monitor/state.hpp"

#include <map>
#include <string>
#include <vector>

namespace coex::test {

inline monitor::WindowState window_for(const std::string& sensor, const std::string& own_bssid, int own_channel,
                                       const std::vector<std::string>& heard_bssids, const std::map<int, double>& costs,
                                       double end_unix_s, double default_cost = 0.5) {
    monitor::WindowState s;
    s.sensor_id = sensor;
    s.start_unix_s = end_unix_s - 10.0;
    s.end_unix_s = end_unix_s;
    s.observed_s = 9.5;
    s.noise_floor_dbfs_per_mhz = -92.5;
    for (int ch = 1; ch <= 13; ++ch) {
        const auto it = costs.find(ch);
        s.channels.push_back({ch, 2407.0 + 5.0 * ch, 0.01 * ch, 9.5, -92.0 + 0.1 * ch, it == costs.end() ? default_cost : it->second});
    }
    s.emitters = {{std::string(key(EmitterClass::microwave_oven)), 2440.0, 2470.0, -30.0, 40.0, 0.5, 0.9, "behaviour", "an oven"},
                  {std::string(key(EmitterClass::usb3_noise)), 2400.0, 2430.0, -60.0, 8.0, 1.0, 0.7, "shape", "USB 3.0"}};
    s.networks.push_back({sensor + "-net", own_bssid, own_channel, 500, -35.0, true});
    for (const auto& b : heard_bssids) s.networks.push_back({"neighbour", b, 6, 40, -70.0, false});
    s.recommended_channel = 6;
    s.current_channel = own_channel;
    s.window_best_channel = 6;
    s.headline = "stay on channel " + std::to_string(own_channel);
    s.samples_in = 200'000'000;
    s.samples_dropped = 12;
    s.samples_lost = 3;
    s.packets_decoded = 321;
    s.windows = 4;
    return s;
}

}  // namespace coex::test
