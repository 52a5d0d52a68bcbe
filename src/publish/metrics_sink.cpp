// The monitor's numbers as Prometheus metrics: the latest window (airtime per channel, floors, the
// interferers present by class, the recommendation), the counters the monitor keeps, the events seen,
// and the MQTT client's counters when MQTT is on.
#include "coex/publish/metrics.hpp"

#include "coex/core/emitter_class.hpp"
#include "coex/publish/mqtt.hpp"

#include <algorithm>
#include <deque>
#include <iterator>

namespace coex::publish {

MetricsSink::MetricsSink(const MetricsConfig& config, const MqttClient* mqtt) : mqtt_(mqtt) {
    server_ = std::make_unique<MetricsServer>(config, [this] { return text(); });
}

MetricsSink::~MetricsSink() { server_.reset(); }  // the server's thread calls text(): stop it first

void MetricsSink::window(const monitor::WindowState& state) {
    const std::lock_guard lock(mutex_);
    last_ = state;
    sensor_id_ = state.sensor_id;
}

void MetricsSink::event(const monitor::Event& event) {
    const std::lock_guard lock(mutex_);
    ++events_[{std::string(monitor::to_string(event.kind)), event.class_key}];
    if (sensor_id_.empty()) sensor_id_ = event.sensor_id;
}

void MetricsSink::stopping(std::string_view) {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
}

std::vector<MetricFamily> MetricsSink::families() const {
    const std::lock_guard lock(mutex_);
    using L = std::vector<std::pair<std::string, std::string>>;
    const std::string sensor = sensor_id_;
    std::deque<MetricFamily> out;  // references to its elements survive push_back (a vector's would not)
    auto family = [&](std::string name, std::string help, MetricType type) -> MetricFamily& {
        out.push_back({std::move(name), std::move(help), type, {}});
        return out.back();
    };
    auto one = [&](std::string name, std::string help, MetricType type, double value) {
        family(std::move(name), std::move(help), type).samples.push_back({L{{"sensor", sensor}}, value});
    };

    one("coex_up", "1 while the monitor runs, 0 once it is stopping", MetricType::gauge, stopping_ ? 0.0 : 1.0);
    if (last_) {
        const auto& s = *last_;
        auto& airtime = family("coex_channel_airtime_ratio", "Share of the last window the Wi-Fi channel was busy (0-1)",
                               MetricType::gauge);
        auto& channel_floor = family("coex_channel_noise_floor_dbfs_per_mhz",
                                     "Noise floor in the Wi-Fi channel over the last window", MetricType::gauge);
        auto& cost = family("coex_channel_cost", "The recommendation's cost of putting an access point on the channel (lower is better)",
                            MetricType::gauge);
        for (const auto& c : s.channels) {
            const L labels{{"sensor", sensor}, {"channel", std::to_string(c.channel)}};
            airtime.samples.push_back({labels, c.airtime});
            if (c.noise_floor_dbfs_per_mhz) channel_floor.samples.push_back({labels, *c.noise_floor_dbfs_per_mhz});
            if (c.cost) cost.samples.push_back({labels, *c.cost});
        }
        if (s.noise_floor_dbfs_per_mhz)
            one("coex_noise_floor_dbfs_per_mhz", "Noise floor of the band over the last window", MetricType::gauge,
                *s.noise_floor_dbfs_per_mhz);
        // Every class gets a sample (0 when absent), so a dashboard's series do not come and go.
        auto& active = family("coex_interferers_active", "Emitters of the class present in the last window", MetricType::gauge);
        for (const auto& cls : emitter_classes()) {
            const auto n = std::count_if(s.emitters.begin(), s.emitters.end(),
                                         [&](const monitor::InterfererState& e) { return e.class_key == cls.key; });
            active.samples.push_back({L{{"sensor", sensor}, {"class", std::string(cls.key)}}, static_cast<double>(n)});
        }
        if (s.recommended_channel)
            one("coex_recommended_channel", "The channel the sensor recommends now (after hysteresis)", MetricType::gauge,
                *s.recommended_channel);
        if (s.current_channel)
            one("coex_current_channel", "The access point's channel now, as the sensor knows it", MetricType::gauge,
                *s.current_channel);
        one("coex_window_end_timestamp_seconds", "End of the last window (Unix time)", MetricType::gauge, s.end_unix_s);
        one("coex_samples_in_total", "Samples the monitor took in", MetricType::counter, static_cast<double>(s.samples_in));
        one("coex_samples_dropped_total", "Samples dropped because the analysis fell behind (ring full)", MetricType::counter,
            static_cast<double>(s.samples_dropped));
        one("coex_samples_lost_total", "Samples the radio driver lost (overflow)", MetricType::counter,
            static_cast<double>(s.samples_lost));
        one("coex_packets_decoded_total", "Packets decoded", MetricType::counter, static_cast<double>(s.packets_decoded));
        one("coex_windows_total", "Windows summarised", MetricType::counter, static_cast<double>(s.windows));
    }
    if (!events_.empty()) {
        auto& events = family("coex_events_total", "Emitter events (appeared, changed, disappeared) by class", MetricType::counter);
        for (const auto& [key, n] : events_)
            events.samples.push_back({L{{"sensor", sensor}, {"kind", key.first}, {"class", key.second}}, static_cast<double>(n)});
    }
    if (mqtt_ != nullptr) {
        const auto c = mqtt_->counters();
        one("coex_mqtt_connected", "1 while connected to the MQTT broker", MetricType::gauge, c.connected ? 1.0 : 0.0);
        one("coex_mqtt_offered_total", "MQTT messages the monitor made (each is published, queued, in flight or dropped)",
            MetricType::counter, static_cast<double>(c.offered));
        one("coex_mqtt_published_total", "MQTT messages the broker took", MetricType::counter, static_cast<double>(c.published));
        one("coex_mqtt_in_flight", "MQTT messages handed to the client library, not yet acknowledged", MetricType::gauge,
            static_cast<double>(c.in_flight));
        one("coex_mqtt_queued", "MQTT messages waiting for the broker to come back", MetricType::gauge, static_cast<double>(c.queued));
        one("coex_mqtt_dropped_total", "MQTT messages dropped (queue full while the broker was away, or unacknowledged at stop)",
            MetricType::counter, static_cast<double>(c.dropped));
        one("coex_mqtt_reconnects_total", "Reconnections to the MQTT broker", MetricType::counter, static_cast<double>(c.reconnects));
    }
    return {std::make_move_iterator(out.begin()), std::make_move_iterator(out.end())};
}

}  // namespace coex::publish
