#pragma once
// An MQTT client for a sensor that runs for weeks: it connects in the background, announces itself on an
// availability topic (`online`, with `offline` as its retained last will), reconnects with back-off, and
// while the broker is away keeps a bounded queue of what it was asked to publish — flushed in order on
// reconnect, the oldest dropped and counted when it overflows, like the sample ring counts its drops.
// Built on libmosquitto (src/publish/mqtt_client.cpp); docs/publish.md.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace coex::publish {

struct MqttConfig {
    std::string host = "localhost";
    int port = 1883;
    bool tls = false;              // mqtts://
    std::string ca_file;           // with tls: the CA that signed the broker's certificate ("": the system's CAs)
    std::string username, password;
    std::string client_id;         // "": "coex-<pid>-<n>"
    // Where `online` is published on connect and `offline` is left as the last will (both retained);
    // "": the client announces nothing (coex site).
    std::string availability_topic;
    std::size_t queue_limit = 1000;  // messages kept while the broker is away; 0: none
    int keepalive_s = 30;
    int reconnect_min_s = 1, reconnect_max_s = 60;  // back-off: doubles from min to max
    int qos = 1;                                     // 0 or 1
};

// Cumulative since the client was made. Every message is accounted for: offered = published + dropped +
// queued + in flight (handed to libmosquitto, not yet acknowledged); after stop() none is queued or in
// flight, so offered = published + dropped.
struct MqttCounters {
    std::uint64_t offered = 0;     // publish() calls, plus what is sent on every connection (availability, discovery)
    std::uint64_t published = 0;   // messages the broker took (acknowledged at QoS 1, written at QoS 0)
    std::uint64_t queued = 0;      // waiting now for the broker to come back
    std::uint64_t dropped = 0;     // pushed out of the full queue (oldest first), refused, or unacknowledged at stop
    std::uint64_t in_flight = 0;   // handed to libmosquitto, not yet acknowledged by the broker
    std::uint64_t reconnects = 0;  // connections after the first
    bool connected = false;
};

struct MqttMessage {
    std::string topic, payload;
    bool retained = false;
};

class MqttClient {
public:
    // Validates the configuration (ConfigError naming the field); connects only on start().
    explicit MqttClient(MqttConfig config);
    ~MqttClient();  // stop()
    MqttClient(const MqttClient&) = delete;
    MqttClient& operator=(const MqttClient&) = delete;

    // Set before start(). Messages published first on every connection, before the queue is flushed
    // (Home Assistant discovery); called on the client's thread, so it must not call back into the client.
    void set_connect_messages(std::function<std::vector<MqttMessage>()> messages);
    // Topic filters subscribed on every connection, and where their messages go (the client's thread).
    void subscribe(std::string filter);
    void set_message_handler(std::function<void(const MqttMessage&)> handler);
    // Connection news for people ("connected to …", "connection lost: …", "refused: not authorised").
    void set_status_handler(std::function<void(const std::string&)> handler);

    // Starts connecting in the background; a broker that is not there yet is retried with back-off.
    void start();
    // Publishes now when connected, else queues (bounded). Never blocks on the network.
    void publish(const std::string& topic, const std::string& payload, bool retained);
    // Clean stop: `offline` on the availability topic, waits up to `timeout` for the broker to take what
    // is in flight, disconnects. What is still queued is counted as dropped. Safe to call twice.
    void stop(std::chrono::milliseconds timeout = std::chrono::milliseconds(3000));

    [[nodiscard]] MqttCounters counters() const;
    [[nodiscard]] bool connected() const;
    // Waits until connected (true) or the timeout passes (false).
    bool wait_connected(std::chrono::milliseconds timeout) const;
    [[nodiscard]] const MqttConfig& config() const;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

// "coex/<sensor>/availability" and friends: the sensor id as it goes into topics. Throws ConfigError
// (parameter `sensor_id`) for an empty id or one with MQTT's special characters (+ # /) or controls.
void validate_sensor_id(const std::string& sensor_id);

}  // namespace coex::publish
