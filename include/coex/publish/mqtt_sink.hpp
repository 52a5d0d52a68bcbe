#pragma once
// The monitor's windows and events on MQTT, in rtl_433's layout, with Home Assistant MQTT discovery:
//   coex/<sensor>/state          retained: the window summary (monitor wire format, docs/monitor.md)
//   coex/<sensor>/events         each event (appeared, changed, disappeared)
//   coex/<sensor>/availability   retained: online, and offline as the last will and on a clean stop
//   homeassistant/<component>/<object_id>/config   retained: one device per sensor and its entities,
//                                                   (re)published on every connection
// docs/publish.md lists the topics, payloads and entities.
#include "coex/monitor/state.hpp"
#include "coex/publish/mqtt.hpp"

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace coex::publish {

struct MqttSinkConfig {
    MqttConfig mqtt;             // its availability_topic is set from the sensor id
    std::string sensor_id;       // the <sensor> topic level (validate_sensor_id)
    std::string base_topic = "coex";
    std::string discovery_prefix = "homeassistant";  // "": no Home Assistant discovery
    std::string model = "coex monitor";
    std::string sw_version;      // the coex version
};

// The topics of one sensor.
struct SensorTopics {
    std::string state, events, availability;
};
[[nodiscard]] SensorTopics sensor_topics(const std::string& base_topic, const std::string& sensor_id);

// Home Assistant discovery configs for a sensor whose windows cover `channels` (one airtime entity per
// channel; the noise floor, the recommended and current channel, and one binary sensor per non-Wi-Fi
// emitter class regardless). Retained messages on <prefix>/<component>/<object_id>/config.
[[nodiscard]] std::vector<MqttMessage> discovery_messages(const MqttSinkConfig& config, const std::vector<int>& channels);

class MqttSink : public monitor::Sink {
public:
    // Validates the configuration and starts connecting in the background.
    explicit MqttSink(MqttSinkConfig config);
    ~MqttSink() override;

    void window(const monitor::WindowState& state) override;
    void event(const monitor::Event& event) override;
    void stopping(std::string_view reason) override;  // offline, disconnect

    [[nodiscard]] MqttCounters counters() const { return client_->counters(); }
    [[nodiscard]] const MqttClient& client() const { return *client_; }
    [[nodiscard]] const SensorTopics& topics() const { return topics_; }

private:
    MqttSinkConfig config_;
    SensorTopics topics_;
    mutable std::mutex mutex_;
    std::vector<int> channels_;  // the channels discovery has announced
    std::unique_ptr<MqttClient> client_;
};

}  // namespace coex::publish
