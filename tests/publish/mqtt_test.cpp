// The MQTT side against a real Mosquitto broker started by the test: discovery configs, state and events
// arrive where rtl_433's and Home Assistant's conventions put them and parse; the last will says offline
// when a sensor dies; a broker killed and restarted mid-run loses nothing beyond the bounded queue, and
// what it lost is counted.
#include "coex/publish/mqtt.hpp"
#include "coex/publish/mqtt_sink.hpp"

#include "coex/core/emitter_class.hpp"
#include "coex/core/error.hpp"

#include "../support/mosquitto_broker.hpp"
#include "publish_test_util.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>

namespace coex::publish {
namespace {

using namespace std::chrono_literals;
using test::MosquittoBroker;
using test::TestSubscriber;

MqttConfig local(const MosquittoBroker& broker) {
    MqttConfig c;
    c.host = "127.0.0.1";
    c.port = broker.port();
    c.reconnect_min_s = 1;
    c.reconnect_max_s = 2;
    return c;
}

TEST(MqttClient, RejectsBadConfiguration) {
    MqttConfig c;
    c.port = 0;
    EXPECT_THROW(MqttClient{c}, ConfigError);
    c = {};
    c.password = "secret";  // without a user
    EXPECT_THROW(MqttClient{c}, ConfigError);
    c = {};
    c.ca_file = "/etc/hostname";  // a CA without TLS
    EXPECT_THROW(MqttClient{c}, ConfigError);
    EXPECT_THROW(validate_sensor_id("a/b"), ConfigError);
    EXPECT_THROW(validate_sensor_id("room+1"), ConfigError);
    EXPECT_THROW(validate_sensor_id(""), ConfigError);
    EXPECT_NO_THROW(validate_sensor_id("living-room_2"));
}

TEST(MqttDiscovery, OneEntityPerChannelAndPerInterfererClass) {
    MqttSinkConfig c;
    c.sensor_id = "Living Room";
    c.sw_version = "0.1.0";
    const auto messages = discovery_messages(c, {1, 6, 11});
    std::size_t interferer_classes = 0;
    for (const auto& cls : emitter_classes()) interferer_classes += cls.is_wifi ? 0 : 1;
    ASSERT_EQ(messages.size(), 3 + 3 + interferer_classes);  // airtime ×3, floor, recommended, current
    std::set<std::string> unique_ids;
    for (const auto& m : messages) {
        EXPECT_TRUE(m.retained);
        const auto j = nlohmann::json::parse(m.payload);
        const std::string id = j.at("unique_id");
        EXPECT_TRUE(unique_ids.insert(id).second) << id;
        // homeassistant/<component>/<object_id>/config with an object id HA accepts
        EXPECT_EQ(m.topic, "homeassistant/" + std::string(m.topic.find("/binary_sensor/") != std::string::npos ? "binary_sensor" : "sensor") +
                               "/" + id + "/config");
        EXPECT_EQ(id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_"), std::string::npos) << id;
        EXPECT_EQ(j.at("state_topic"), "coex/Living Room/state");
        EXPECT_EQ(j.at("availability_topic"), "coex/Living Room/availability");
        EXPECT_EQ(j.at("device").at("manufacturer"), "coex");
        EXPECT_EQ(j.at("device").at("identifiers").at(0), "coex_living_room");
        EXPECT_EQ(j.at("device").at("sw_version"), "0.1.0");
        EXPECT_FALSE(j.at("value_template").get<std::string>().empty());
    }
    EXPECT_TRUE(unique_ids.count("coex_living_room_airtime_ch6"));
    EXPECT_TRUE(unique_ids.count("coex_living_room_noise_floor"));
    EXPECT_TRUE(unique_ids.count("coex_living_room_recommended_channel"));
    EXPECT_TRUE(unique_ids.count("coex_living_room_" + std::string(key(EmitterClass::microwave_oven))));
    EXPECT_TRUE(unique_ids.count("coex_living_room_" + std::string(key(EmitterClass::usb3_noise))));
    EXPECT_FALSE(unique_ids.count("coex_living_room_" + std::string(key(EmitterClass::wifi_ofdm))));
    c.discovery_prefix.clear();
    EXPECT_TRUE(discovery_messages(c, {1}).empty());
}

TEST(MqttSink, DiscoveryStateAndEventsArriveAndParse) {
    COEX_REQUIRE_MOSQUITTO();
    MosquittoBroker broker("sink");
    ASSERT_TRUE(broker.start());
    TestSubscriber sub(broker.port(), {"coex/#", "homeassistant/#"});
    ASSERT_TRUE(sub.wait_subscribed());

    MqttSinkConfig config;
    config.mqtt = local(broker);
    config.sensor_id = "living-room";
    config.sw_version = "test";
    const auto state = test::window_for("living-room", "02:00:00:00:00:01", 6, {"02:00:00:00:00:99"}, {{6, 0.1}}, 1796000010.0);
    monitor::Event event{"living-room", monitor::EventKind::appeared, "oven@2455#1", std::string(key(EmitterClass::microwave_oven)),
                         1796000002.0, std::nullopt, 2440.0, 2470.0, -30.0, 40.0, 0.5, "behaviour", "switched on"};
    std::size_t expected_configs = 0;
    {
        MqttSink sink(config);
        ASSERT_TRUE(sink.client().wait_connected(5000ms));
        sink.window(state);
        sink.event(event);
        expected_configs = discovery_messages(config, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}).size();
        sink.stopping("test over");
        const auto c = sink.counters();
        EXPECT_EQ(c.dropped, 0u);
        EXPECT_EQ(c.queued, 0u);
        // online, the discovery of the connection (no channels yet) and of the first window, state, event, offline
        EXPECT_GE(c.published, 1 + expected_configs + 1 + 1 + 1);
    }
    ASSERT_TRUE(sub.wait_for([](const auto& ms) {
        return !ms.empty() && ms.back().topic == "coex/living-room/availability" && ms.back().payload == "offline";
    }));

    const auto availability = sub.on("coex/living-room/availability");
    ASSERT_GE(availability.size(), 2u);
    EXPECT_EQ(availability.front().payload, "online");
    EXPECT_EQ(availability.back().payload, "offline");

    const auto states = sub.on("coex/living-room/state");
    ASSERT_EQ(states.size(), 1u);
    const auto back = monitor::window_state_from_json(states[0].payload, "coex/living-room/state");
    EXPECT_EQ(back.sensor_id, "living-room");
    EXPECT_EQ(back.channels.size(), 13u);
    EXPECT_EQ(monitor::to_json(back), monitor::to_json(state));

    const auto events = sub.on("coex/living-room/events");
    ASSERT_EQ(events.size(), 1u);
    const auto e = monitor::event_from_json(events[0].payload, "coex/living-room/events");
    EXPECT_EQ(e.id, "oven@2455#1");
    EXPECT_EQ(e.kind, monitor::EventKind::appeared);

    std::set<std::string> config_topics;
    for (const auto& m : sub.messages())
        if (m.topic.rfind("homeassistant/", 0) == 0) {
            config_topics.insert(m.topic);
            const auto j = nlohmann::json::parse(m.payload);
            EXPECT_EQ(j.at("state_topic"), "coex/living-room/state");
        }
    EXPECT_EQ(config_topics.size(), expected_configs);
    EXPECT_TRUE(config_topics.count("homeassistant/sensor/coex_living_room_airtime_ch13/config"));

    // What the broker retained: a client that comes later (Home Assistant after a restart) gets the
    // configs, the last state and offline. Read with Mosquitto's own command-line client.
    if (!test::find_program("mosquitto_sub").empty()) {
        const auto out = test::run_capture("mosquitto_sub -h 127.0.0.1 -p " + std::to_string(broker.port()) +
                                           " -t 'coex/#' -t 'homeassistant/#' -v --retained-only -W 2 2>/dev/null");
        EXPECT_NE(out.find("coex/living-room/availability offline"), std::string::npos) << out;
        EXPECT_NE(out.find("coex/living-room/state {"), std::string::npos);
        EXPECT_NE(out.find("homeassistant/binary_sensor/coex_living_room_" + std::string(key(EmitterClass::microwave_oven)) + "/config {"),
                  std::string::npos);
        EXPECT_EQ(out.find("coex/living-room/events"), std::string::npos);  // events are not retained
    }
}

TEST(MqttClient, LastWillSaysOfflineWhenTheSensorDies) {
    COEX_REQUIRE_MOSQUITTO();
    MosquittoBroker broker("will");
    ASSERT_TRUE(broker.start());
    // Fork before this process starts any thread (the subscriber's), then let the child go.
    int go[2];
    ASSERT_EQ(::pipe(go), 0);
    const pid_t child = ::fork();
    if (child == 0) {
        ::close(go[1]);
        char byte = 0;
        if (::read(go[0], &byte, 1) != 1) ::_exit(4);
        // A sensor that connects and then dies without a word: the broker must publish its will.
        MqttConfig c = local(broker);
        c.availability_topic = "coex/dying/availability";
        MqttClient client(c);
        client.start();
        const bool up = client.wait_connected(5000ms);
        std::this_thread::sleep_for(300ms);
        ::_exit(up ? 0 : 3);
    }
    ::close(go[0]);
    TestSubscriber sub(broker.port(), {"coex/dying/availability"});
    ASSERT_TRUE(sub.wait_subscribed());
    ASSERT_EQ(::write(go[1], "g", 1), 1);
    ::close(go[1]);
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ASSERT_TRUE(sub.wait_for([](const auto& ms) { return ms.size() >= 2; }, 5000ms));
    const auto ms = sub.messages();
    EXPECT_EQ(ms[0].payload, "online");
    EXPECT_EQ(ms[1].payload, "offline");
}

TEST(MqttClient, BrokerRestartLosesOnlyWhatTheBoundedQueueDropsAndCountsIt) {
    COEX_REQUIRE_MOSQUITTO();
    // The broker keeps the subscriber's session across its restart (persistence), so everything the
    // client delivers reaches the subscriber whichever of the two reconnects first.
    MosquittoBroker broker("outage", true);
    ASSERT_TRUE(broker.start());
    auto sub = std::make_unique<TestSubscriber>(broker.port(), std::vector<std::string>{"test/seq"}, false, "coex-outage-sub");
    ASSERT_TRUE(sub->wait_subscribed());

    constexpr int before = 30, during = 50, after = 20, queue = 20;
    constexpr int total = before + during + after;
    MqttConfig c = local(broker);
    c.queue_limit = queue;
    c.availability_topic = "test/availability";
    MqttClient client(c);
    client.start();
    ASSERT_TRUE(client.wait_connected(5000ms));

    int next = 0;
    for (; next < before; ++next) client.publish("test/seq", std::to_string(next), false);
    ASSERT_TRUE(sub->wait_for([&](const auto& ms) { return ms.size() >= before; }));

    broker.stop();  // the broker goes away mid-run
    for (int i = 0; i < 500 && client.connected(); ++i) std::this_thread::sleep_for(10ms);
    ASSERT_FALSE(client.connected());
    for (; next < before + during; ++next) client.publish("test/seq", std::to_string(next), false);
    auto c1 = client.counters();
    EXPECT_EQ(c1.queued, static_cast<std::uint64_t>(queue));
    EXPECT_EQ(c1.dropped, static_cast<std::uint64_t>(during - queue));

    ASSERT_TRUE(broker.start());  // back on the same port, with the subscriber's session
    ASSERT_TRUE(client.wait_connected(10000ms));
    for (; next < total; ++next) client.publish("test/seq", std::to_string(next), false);

    const auto counted = client.counters();
    const auto expected = static_cast<std::size_t>(total) - counted.dropped;
    // QoS 1 is at-least-once: the broker may deliver again what it had not seen acknowledged when it went
    // down, so the count is of distinct messages, in the order each first arrived.
    auto distinct = [](const std::vector<TestSubscriber::Message>& ms) {
        std::vector<std::string> out;
        std::set<std::string> seen;
        for (const auto& m : ms)
            if (seen.insert(m.payload).second) out.push_back(m.payload);
        return out;
    };
    ASSERT_TRUE(sub->wait_for([&](const auto& ms) { return distinct(ms).size() >= expected; }, 15000ms))
        << "received " << distinct(sub->messages()).size() << " of " << expected;
    std::this_thread::sleep_for(300ms);  // nothing more may come
    const auto have = distinct(sub->messages());
    EXPECT_EQ(have.size(), expected);
    EXPECT_EQ(counted.dropped, static_cast<std::uint64_t>(during - queue));
    EXPECT_EQ(counted.reconnects, 1u);
    EXPECT_EQ(counted.queued, 0u);
    // Exactly the first messages, then the newest `queue` of the outage in order, then the rest: the
    // oldest of the outage are the ones dropped.
    std::vector<std::string> want;
    for (int i = 0; i < total; ++i)
        if (i < before || i >= before + during - queue) want.push_back(std::to_string(i));
    EXPECT_EQ(have, want);

    client.stop();
    const auto end = client.counters();
    EXPECT_EQ(end.dropped, counted.dropped);  // nothing was waiting at the clean stop
    // Every message accounted for: ours, and "online" on each of the two connections and "offline" at stop.
    EXPECT_EQ(end.offered, static_cast<std::uint64_t>(total) + 3u);
    EXPECT_EQ(end.offered, end.published + end.dropped);
    EXPECT_EQ(end.in_flight, 0u);
}

TEST(MqttClient, StopWithTheBrokerAwayCountsTheQueueAsDroppedAndReturns) {
    COEX_REQUIRE_MOSQUITTO();
    MqttConfig c;
    c.host = "127.0.0.1";
    c.port = test::free_tcp_port();  // nobody listens
    c.queue_limit = 5;
    MqttClient client(c);
    client.start();
    for (int i = 0; i < 8; ++i) client.publish("test/x", "m", false);
    EXPECT_EQ(client.counters().queued, 5u);
    EXPECT_EQ(client.counters().dropped, 3u);
    const auto t0 = std::chrono::steady_clock::now();
    client.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 3000ms);
    EXPECT_EQ(client.counters().dropped, 8u);
    EXPECT_EQ(client.counters().queued, 0u);
    EXPECT_EQ(client.counters().offered, 8u);
    EXPECT_EQ(client.counters().published, 0u);
}

}  // namespace
}  // namespace coex::publish

namespace coex::publish {
namespace {

using namespace std::chrono_literals;

// A CA and a server certificate for 127.0.0.1, made with the openssl command-line tool.
bool make_certificates(const std::filesystem::path& dir, const std::string& ca_name) {
    const std::string d = dir.string();
    {
        std::ofstream ext(dir / "san.ext");
        ext << "subjectAltName=IP:127.0.0.1\n";
    }
    const std::string quiet = " > /dev/null 2>&1";
    return std::system(("openssl req -x509 -newkey rsa:2048 -nodes -keyout " + d + "/" + ca_name + ".key -out " + d + "/" + ca_name +
                        ".crt -days 2 -subj '/CN=coex test " + ca_name + "'" + quiet).c_str()) == 0 &&
           std::system(("openssl req -newkey rsa:2048 -nodes -keyout " + d + "/server.key -out " + d +
                        "/server.csr -subj '/CN=127.0.0.1'" + quiet).c_str()) == 0 &&
           std::system(("openssl x509 -req -in " + d + "/server.csr -CA " + d + "/" + ca_name + ".crt -CAkey " + d + "/" + ca_name +
                        ".key -CAcreateserial -out " + d + "/server.crt -days 2 -extfile " + d + "/san.ext" + quiet).c_str()) == 0;
}

TEST(MqttClient, TlsWithACaFileConnectsAndAWrongCaDoesNot) {
    COEX_REQUIRE_MOSQUITTO();
    if (test::find_program("openssl").empty()) GTEST_SKIP() << "the openssl tool is not installed (it makes the test certificates)";
    const auto certs = std::filesystem::temp_directory_path() / ("coex-tls-" + std::to_string(::getpid()));
    std::filesystem::create_directories(certs);
    ASSERT_TRUE(make_certificates(certs, "ca"));
    ASSERT_EQ(std::system(("openssl req -x509 -newkey rsa:2048 -nodes -keyout " + certs.string() + "/other.key -out " +
                           certs.string() + "/other.crt -days 2 -subj '/CN=another CA' > /dev/null 2>&1").c_str()), 0);
    // The first listener (the fixture's port) speaks TLS; a second, plain one is for the test's subscriber.
    const int plain_port = test::free_tcp_port();
    test::MosquittoBroker broker("tls", false,
                                 "cafile " + (certs / "ca.crt").string() + "\ncertfile " + (certs / "server.crt").string() +
                                     "\nkeyfile " + (certs / "server.key").string() + "\nlistener " + std::to_string(plain_port) +
                                     " 127.0.0.1\n");
    ASSERT_TRUE(broker.start());
    test::TestSubscriber sub(plain_port, {"test/tls"});
    ASSERT_TRUE(sub.wait_subscribed());

    MqttConfig c;
    c.host = "127.0.0.1";
    c.port = broker.port();
    c.tls = true;
    c.ca_file = (certs / "ca.crt").string();
    {
        MqttClient client(c);
        client.start();
        ASSERT_TRUE(client.wait_connected(5000ms));
        client.publish("test/tls", "over TLS", false);
        ASSERT_TRUE(sub.wait_for([](const auto& ms) { return !ms.empty(); }, 5000ms));
        EXPECT_EQ(sub.messages()[0].payload, "over TLS");
    }
    // A certificate signed by another CA is refused: no connection, the message stays queued.
    c.ca_file = (certs / "other.crt").string();
    MqttClient wrong(c);
    wrong.start();
    EXPECT_FALSE(wrong.wait_connected(1500ms));
    wrong.publish("test/tls", "must not arrive", false);
    EXPECT_EQ(wrong.counters().queued, 1u);
    wrong.stop();
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(sub.messages().size(), 1u);
    std::error_code ec;
    std::filesystem::remove_all(certs, ec);
}

TEST(MqttClient, UserAndPasswordAreSentAndARefusalIsSaid) {
    COEX_REQUIRE_MOSQUITTO();
    if (test::find_program("mosquitto_passwd", {"/usr/bin/mosquitto_passwd"}).empty())
        GTEST_SKIP() << "mosquitto_passwd is not installed";
    const auto dir = std::filesystem::temp_directory_path() / ("coex-auth-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string passwords = (dir / "passwords").string();
    ASSERT_EQ(std::system(("mosquitto_passwd -b -c " + passwords + " sensor 's3cret p@ss' > /dev/null 2>&1").c_str()), 0);
    test::MosquittoBroker broker("auth", false, "allow_anonymous false\npassword_file " + passwords + "\n");
    ASSERT_TRUE(broker.start());

    MqttConfig c;
    c.host = "127.0.0.1";
    c.port = broker.port();
    c.username = "sensor";
    c.password = "s3cret p@ss";
    {
        MqttClient client(c);
        client.start();
        EXPECT_TRUE(client.wait_connected(5000ms));
    }
    c.password = "wrong";
    MqttClient refused(c);
    std::mutex m;
    std::vector<std::string> said;
    refused.set_status_handler([&](const std::string& s) {
        const std::lock_guard lock(m);
        said.push_back(s);
    });
    refused.start();
    EXPECT_FALSE(refused.wait_connected(1500ms));
    refused.stop();
    const std::lock_guard lock(m);
    bool told = false;
    for (const auto& s : said) told = told || s.find("refused") != std::string::npos;
    EXPECT_TRUE(told) << (said.empty() ? std::string("nothing said") : said.back());
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
}

}  // namespace
}  // namespace coex::publish
