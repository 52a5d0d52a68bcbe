// Windows and events to MQTT, and the Home Assistant discovery configs that turn a sensor into a device
// with entities. The entities read the retained state topic through value templates, so the sensor sends
// one message per window however many entities there are.
#include "coex/publish/mqtt_sink.hpp"

#include "coex/core/emitter_class.hpp"
#include "coex/core/error.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

namespace coex::publish {

namespace {

using nlohmann::ordered_json;

// Home Assistant's object ids and unique ids: [a-z0-9_] only.
std::string object_id_part(std::string_view s) {
    std::string out;
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        out += std::isalnum(u) ? static_cast<char>(std::tolower(u)) : '_';
    }
    return out;
}

struct Entity {
    std::string component;  // "sensor", "binary_sensor"
    std::string what;       // the object id's last part
    std::string name;
    std::string value_template;
    std::string unit;       // "" for none
    std::string icon;
};

ordered_json device_of(const MqttSinkConfig& c) {
    ordered_json device = {{"identifiers", ordered_json::array({"coex_" + object_id_part(c.sensor_id)})},
                           {"name", "coex " + c.sensor_id},
                           {"manufacturer", "coex"},
                           {"model", c.model}};
    if (!c.sw_version.empty()) device["sw_version"] = c.sw_version;
    return device;
}

}  // namespace

SensorTopics sensor_topics(const std::string& base_topic, const std::string& sensor_id) {
    const std::string root = base_topic + "/" + sensor_id + "/";
    return {root + "state", root + "events", root + "availability"};
}

std::vector<MqttMessage> discovery_messages(const MqttSinkConfig& config, const std::vector<int>& channels) {
    std::vector<MqttMessage> out;
    if (config.discovery_prefix.empty()) return out;
    const auto topics = sensor_topics(config.base_topic, config.sensor_id);

    std::vector<Entity> entities;
    for (const int ch : channels) {
        // The channel's airtime in percent; the for loop picks the channel's row out of the array.
        entities.push_back({"sensor", "airtime_ch" + std::to_string(ch), "Channel " + std::to_string(ch) + " airtime",
                            "{% for c in value_json.channels %}{% if c.channel == " + std::to_string(ch) +
                                " %}{{ (c.airtime * 100) | round(1) }}{% endif %}{% endfor %}",
                            "%", "mdi:wifi"});
    }
    // null (no floor measured yet) renders as None, which Home Assistant shows as unknown.
    entities.push_back({"sensor", "noise_floor", "Noise floor", "{{ value_json.noise_floor_dbfs_per_mhz }}", "dBFS/MHz",
                        "mdi:waveform"});
    entities.push_back({"sensor", "recommended_channel", "Recommended channel", "{{ value_json.recommended_channel }}", "",
                        "mdi:router-wireless"});
    entities.push_back({"sensor", "current_channel", "Current channel", "{{ value_json.current_channel }}", "",
                        "mdi:router-wireless"});
    for (const auto& cls : emitter_classes()) {
        if (cls.is_wifi) continue;  // networks are not interferers: their airtime is on the channels
        const std::string k(cls.key);
        entities.push_back({"binary_sensor", k, std::string(cls.display_name) + " present",
                            "{{ 'ON' if value_json.emitters | selectattr('class', 'equalto', '" + k +
                                "') | list | count > 0 else 'OFF' }}",
                            "", ""});
    }

    const std::string sensor_part = object_id_part(config.sensor_id);
    for (const auto& e : entities) {
        const std::string object_id = "coex_" + sensor_part + "_" + e.what;
        ordered_json payload = {{"name", e.name},
                                {"unique_id", object_id},
                                {"object_id", object_id},
                                {"state_topic", topics.state},
                                {"value_template", e.value_template},
                                {"availability_topic", topics.availability},
                                {"payload_available", "online"},
                                {"payload_not_available", "offline"},
                                {"device", device_of(config)}};
        if (!e.unit.empty()) {
            payload["unit_of_measurement"] = e.unit;
            payload["state_class"] = "measurement";
        }
        if (e.component == "binary_sensor") {
            payload["payload_on"] = "ON";
            payload["payload_off"] = "OFF";
        }
        if (!e.icon.empty()) payload["icon"] = e.icon;
        out.push_back({config.discovery_prefix + "/" + e.component + "/" + object_id + "/config", payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), true});
    }
    return out;
}

MqttSink::MqttSink(MqttSinkConfig config) : config_(std::move(config)) {
    validate_sensor_id(config_.sensor_id);
    if (config_.base_topic.empty() || config_.base_topic.find_first_of("+#") != std::string::npos)
        throw ConfigError("mqtt_base_topic", "'" + config_.base_topic + "' is not a topic prefix");
    topics_ = sensor_topics(config_.base_topic, config_.sensor_id);
    config_.mqtt.availability_topic = topics_.availability;
    client_ = std::make_unique<MqttClient>(config_.mqtt);
    client_->set_connect_messages([this] {
        const std::lock_guard lock(mutex_);
        return discovery_messages(config_, channels_);
    });
    client_->start();
}

MqttSink::~MqttSink() { client_->stop(); }

void MqttSink::window(const monitor::WindowState& state) {
    std::vector<int> channels;
    for (const auto& c : state.channels) channels.push_back(c.channel);
    std::vector<MqttMessage> discovery;
    {
        const std::lock_guard lock(mutex_);
        // A new set of channels (the first window, or a changed band plan) gets its airtime entities.
        if (channels != channels_) {
            channels_ = channels;
            discovery = discovery_messages(config_, channels_);
        }
    }
    for (const auto& m : discovery) client_->publish(m.topic, m.payload, m.retained);
    client_->publish(topics_.state, monitor::to_json(state), true);
}

void MqttSink::event(const monitor::Event& event) { client_->publish(topics_.events, monitor::to_json(event), false); }

void MqttSink::stopping(std::string_view) { client_->stop(); }

}  // namespace coex::publish
