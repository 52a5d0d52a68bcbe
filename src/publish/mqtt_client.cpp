// The MQTT client on libmosquitto: its loop thread connects, reconnects with back-off and runs the
// callbacks; our bounded queue holds what is published while the broker is away (libmosquitto's own
// queue would grow without bound), so a sensor that loses its broker for a day keeps its memory flat
// and says how much it dropped.
#include "coex/publish/mqtt.hpp"

#include "coex/core/error.hpp"

#include <mosquitto.h>

#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <atomic>
#include <thread>

namespace coex::publish {

namespace {

void init_library_once() {
    static std::once_flag once;
    std::call_once(once, [] { mosquitto_lib_init(); });
}

std::string next_client_id() {
    static std::atomic<unsigned> n{0};
    return "coex-" + std::to_string(::getpid()) + "-" + std::to_string(n.fetch_add(1));
}

}  // namespace

void validate_sensor_id(const std::string& sensor_id) {
    if (sensor_id.empty()) throw ConfigError("sensor_id", "must not be empty");
    if (sensor_id.size() > 64) throw ConfigError("sensor_id", "'" + sensor_id + "' is longer than 64 characters");
    for (const char c : sensor_id) {
        if (c == '+' || c == '#' || c == '/' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            throw ConfigError("sensor_id", "'" + sensor_id + "' contains '" + std::string(1, c) +
                                               "' (no /, + or # in an MQTT topic level)");
    }
}

struct MqttClient::Impl {
    MqttConfig config;
    mosquitto* mosq = nullptr;

    std::function<std::vector<MqttMessage>()> connect_messages;
    std::vector<std::string> filters;
    std::function<void(const MqttMessage&)> on_message_handler;
    std::function<void(const std::string&)> on_status_handler;

    mutable std::mutex mutex;  // guards the fields below, and every mosquitto_publish (so order holds)
    mutable std::condition_variable changed;
    std::deque<MqttMessage> queue;
    bool connected = false, ever_connected = false, started = false, stopped = false;
    std::uint64_t offered = 0, dropped = 0, reconnects = 0;
    // Messages handed to libmosquitto, and those it says the broker took. The publish callback touches
    // only the atomic: it may run while libmosquitto holds its own locks, which a thread in publish()
    // holding `mutex` may be waiting for.
    std::uint64_t handed = 0;
    std::atomic<std::uint64_t> published{0};
    std::string last_status;

    // Hands one message to libmosquitto; false when it has no connection (the caller queues it).
    // Called with `mutex` held.
    bool send_locked(const MqttMessage& m) {
        const int rc = mosquitto_publish(mosq, nullptr, m.topic.c_str(), static_cast<int>(m.payload.size()), m.payload.data(),
                                         config.qos, m.retained);
        if (rc == MOSQ_ERR_SUCCESS) {
            ++handed;
            return true;
        }
        if (rc == MOSQ_ERR_NO_CONN || rc == MOSQ_ERR_CONN_LOST || rc == MOSQ_ERR_ERRNO) {
            connected = false;
            return false;
        }
        // The message itself is wrong (too large, a bad topic): it would never go; count it as dropped.
        ++dropped;
        last_status = std::string("message to ") + m.topic + " refused by the client library: " + mosquitto_strerror(rc);
        return true;
    }

    void enqueue_locked(MqttMessage m) {
        if (config.queue_limit == 0) {
            ++dropped;
            return;
        }
        while (queue.size() >= config.queue_limit) {
            queue.pop_front();
            ++dropped;
        }
        queue.push_back(std::move(m));
    }

    void status(const std::string& text) {
        std::function<void(const std::string&)> handler;
        {
            const std::lock_guard lock(mutex);
            if (text == last_status) return;
            last_status = text;
            handler = on_status_handler;
        }
        if (handler) handler(text);
    }

    std::string where() const { return (config.tls ? "mqtts://" : "mqtt://") + config.host + ":" + std::to_string(config.port); }

    static void on_connect(mosquitto*, void* self, int rc) { static_cast<Impl*>(self)->connected_cb(rc); }
    static void on_disconnect(mosquitto*, void* self, int rc) { static_cast<Impl*>(self)->disconnected_cb(rc); }
    static void on_publish(mosquitto*, void* self, int mid) { static_cast<Impl*>(self)->published_cb(mid); }
    static void on_message(mosquitto*, void* self, const mosquitto_message* m) { static_cast<Impl*>(self)->message_cb(m); }

    void connected_cb(int rc) {
        if (rc != 0) {
            status("broker " + where() + " refused the connection: " + mosquitto_connack_string(rc));
            return;
        }
        std::vector<MqttMessage> first;
        if (connect_messages) first = connect_messages();
        {
            const std::lock_guard lock(mutex);
            connected = true;
            if (ever_connected) ++reconnects;
            ever_connected = true;
            // Sent afresh on every connection, never queued: one that does not go is dropped (the next
            // connection sends it again).
            const auto send_fresh = [&](const MqttMessage& m) {
                ++offered;
                if (!send_locked(m)) ++dropped;
            };
            if (!config.availability_topic.empty()) send_fresh({config.availability_topic, "online", true});
            for (const auto& m : first) send_fresh(m);
            for (const auto& f : filters) mosquitto_subscribe(mosq, nullptr, f.c_str(), config.qos);
            while (!queue.empty() && connected) {
                if (!send_locked(queue.front())) break;
                queue.pop_front();
            }
        }
        changed.notify_all();
        status("connected to " + where());
    }

    void disconnected_cb(int rc) {
        bool was_stopping = false;
        {
            const std::lock_guard lock(mutex);
            connected = false;
            was_stopping = stopped;
        }
        changed.notify_all();
        if (rc != 0 && !was_stopping) status("connection to " + where() + " lost; reconnecting");
    }

    void published_cb(int) { published.fetch_add(1); }

    void message_cb(const mosquitto_message* m) {
        if (!on_message_handler || m == nullptr || m->topic == nullptr) return;
        MqttMessage msg;
        msg.topic = m->topic;
        if (m->payload != nullptr && m->payloadlen > 0)
            msg.payload.assign(static_cast<const char*>(m->payload), static_cast<std::size_t>(m->payloadlen));
        msg.retained = m->retain;
        on_message_handler(msg);
    }
};

MqttClient::MqttClient(MqttConfig config) : impl_(std::make_unique<Impl>()) {
    if (config.host.empty()) throw ConfigError("mqtt_host", "must not be empty");
    if (config.port < 1 || config.port > 65535)
        throw ConfigError("mqtt_port", std::to_string(config.port) + " is not a TCP port (1…65535)");
    if (config.qos != 0 && config.qos != 1) throw ConfigError("mqtt_qos", "must be 0 or 1");
    if (config.keepalive_s < 5 || config.keepalive_s > 3600) throw ConfigError("mqtt_keepalive_s", "must be 5…3600 s");
    if (config.reconnect_min_s < 1 || config.reconnect_max_s < config.reconnect_min_s)
        throw ConfigError("mqtt_reconnect_s", "needs 1 ≤ min ≤ max");
    if (!config.password.empty() && config.username.empty())
        throw ConfigError("mqtt_password", "a password needs a user name");
    if (!config.ca_file.empty() && !config.tls) throw ConfigError("mqtt_ca_file", "is for mqtts:// only");
    if (!config.ca_file.empty() && ::access(config.ca_file.c_str(), R_OK) != 0)
        throw ConfigError("mqtt_ca_file", "cannot read '" + config.ca_file + "'");
    if (config.client_id.empty()) config.client_id = next_client_id();

    init_library_once();
    impl_->config = std::move(config);
    const auto& c = impl_->config;
    impl_->mosq = mosquitto_new(c.client_id.c_str(), true, impl_.get());
    if (impl_->mosq == nullptr) throw std::runtime_error("mosquitto_new failed");
    mosquitto_connect_callback_set(impl_->mosq, &Impl::on_connect);
    mosquitto_disconnect_callback_set(impl_->mosq, &Impl::on_disconnect);
    mosquitto_publish_callback_set(impl_->mosq, &Impl::on_publish);
    mosquitto_message_callback_set(impl_->mosq, &Impl::on_message);
    mosquitto_reconnect_delay_set(impl_->mosq, static_cast<unsigned>(c.reconnect_min_s), static_cast<unsigned>(c.reconnect_max_s), true);
    if (!c.username.empty() &&
        mosquitto_username_pw_set(impl_->mosq, c.username.c_str(), c.password.empty() ? nullptr : c.password.c_str()) != MOSQ_ERR_SUCCESS)
        throw ConfigError("mqtt_username", "not accepted by the client library");
    if (!c.availability_topic.empty() &&
        mosquitto_will_set(impl_->mosq, c.availability_topic.c_str(), 7, "offline", 1, true) != MOSQ_ERR_SUCCESS)
        throw ConfigError("sensor_id", "'" + c.availability_topic + "' is not a valid topic for the last will");
    if (c.tls) {
        const int rc = c.ca_file.empty() ? mosquitto_int_option(impl_->mosq, MOSQ_OPT_TLS_USE_OS_CERTS, 1)
                                         : mosquitto_tls_set(impl_->mosq, c.ca_file.c_str(), nullptr, nullptr, nullptr, nullptr);
        if (rc != MOSQ_ERR_SUCCESS)
            throw ConfigError("mqtt_ca_file", std::string("TLS set-up failed: ") + mosquitto_strerror(rc));
    }
}

MqttClient::~MqttClient() {
    stop();
    mosquitto_destroy(impl_->mosq);
}

void MqttClient::set_connect_messages(std::function<std::vector<MqttMessage>()> messages) {
    impl_->connect_messages = std::move(messages);
}
void MqttClient::subscribe(std::string filter) { impl_->filters.push_back(std::move(filter)); }
void MqttClient::set_message_handler(std::function<void(const MqttMessage&)> handler) {
    impl_->on_message_handler = std::move(handler);
}
void MqttClient::set_status_handler(std::function<void(const std::string&)> handler) {
    impl_->on_status_handler = std::move(handler);
}

void MqttClient::start() {
    {
        const std::lock_guard lock(impl_->mutex);
        if (impl_->started) return;
        impl_->started = true;
    }
    const auto& c = impl_->config;
    // A broker that is not up yet is no error: the loop thread keeps trying with back-off.
    const int rc = mosquitto_connect_async(impl_->mosq, c.host.c_str(), c.port, c.keepalive_s);
    if (rc != MOSQ_ERR_SUCCESS)
        impl_->status("cannot reach " + impl_->where() + " yet (" + mosquitto_strerror(rc) + "); retrying");
    const int loop = mosquitto_loop_start(impl_->mosq);
    if (loop != MOSQ_ERR_SUCCESS) throw std::runtime_error(std::string("mosquitto_loop_start: ") + mosquitto_strerror(loop));
}

void MqttClient::publish(const std::string& topic, const std::string& payload, bool retained) {
    const std::lock_guard lock(impl_->mutex);
    MqttMessage m{topic, payload, retained};
    ++impl_->offered;
    if (impl_->stopped) {
        ++impl_->dropped;
        return;
    }
    // Queue behind what is waiting, so the broker sees the messages in the order they were made.
    if (impl_->connected && impl_->queue.empty() && impl_->send_locked(m)) return;
    impl_->enqueue_locked(std::move(m));
}

void MqttClient::stop(std::chrono::milliseconds timeout) {
    auto& d = *impl_;
    {
        std::unique_lock lock(d.mutex);
        if (d.stopped) return;
        d.stopped = true;
        if (!d.started) {
            d.dropped += d.queue.size();
            d.queue.clear();
            return;
        }
        if (d.connected && !d.config.availability_topic.empty()) {
            ++d.offered;
            if (!d.send_locked({d.config.availability_topic, "offline", true})) ++d.dropped;
        }
        // Wait (polling: the publish callback takes no lock) for the broker to take what is in flight.
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (d.connected && d.published.load() < d.handed && std::chrono::steady_clock::now() < deadline) {
            lock.unlock();
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
            lock.lock();
        }
        d.dropped += d.queue.size();
        d.queue.clear();
    }
    mosquitto_disconnect(d.mosq);
    mosquitto_loop_stop(d.mosq, false);
    // No callback runs any more: what the broker never acknowledged is dropped.
    const std::lock_guard lock(d.mutex);
    const std::uint64_t acked = d.published.load();
    if (d.handed > acked) d.dropped += d.handed - acked;
    d.handed = acked;
}

MqttCounters MqttClient::counters() const {
    const std::lock_guard lock(impl_->mutex);
    MqttCounters c;
    c.offered = impl_->offered;
    c.published = impl_->published.load();
    c.queued = impl_->queue.size();
    c.dropped = impl_->dropped;
    c.in_flight = impl_->handed > c.published ? impl_->handed - c.published : 0;
    c.reconnects = impl_->reconnects;
    c.connected = impl_->connected;
    return c;
}

bool MqttClient::connected() const {
    const std::lock_guard lock(impl_->mutex);
    return impl_->connected;
}

bool MqttClient::wait_connected(std::chrono::milliseconds timeout) const {
    std::unique_lock lock(impl_->mutex);
    return impl_->changed.wait_for(lock, timeout, [&] { return impl_->connected; });
}

const MqttConfig& MqttClient::config() const { return impl_->config; }

}  // namespace coex::publish
