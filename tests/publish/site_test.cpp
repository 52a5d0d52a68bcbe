// The site plan: APs that hear each other are put apart, each AP's own cost decides the rest; the
// heuristic agrees with the exhaustive search where both run; the tracker says who joins, goes stale and
// leaves and shrugs off malformed messages; and `coex site` does all of it through a real broker with
// three simulated sensors. Also the --mqtt / --metrics parsers.
#include "coex/publish/site.hpp"

#include "coex/core/error.hpp"

#include "commands.hpp"
#include "publish_options.hpp"

#include "../support/mosquitto_broker.hpp"
#include "publish_test_util.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace coex::publish {
namespace {

using namespace std::chrono_literals;

// Three sensors: hall and kitchen hear each other's AP (hall decoded kitchen's BSSID) and both find
// channel 6 cheapest; attic hears nobody and also likes 6.
std::vector<monitor::WindowState> three_sensors(double now) {
    return {test::window_for("hall", "02:00:00:00:00:0a", 1, {"02:00:00:00:00:0b"}, {{6, 0.10}, {1, 0.30}, {11, 0.32}}, now),
            test::window_for("kitchen", "02:00:00:00:00:0b", 11, {}, {{6, 0.12}, {1, 0.30}, {11, 0.30}}, now),
            test::window_for("attic", "02:00:00:00:00:0c", 6, {}, {{6, 0.10}, {1, 0.30}, {11, 0.30}}, now)};
}

const SiteAssignment& ap_of(const SitePlan& plan, const std::string& sensor) {
    for (const auto& a : plan.aps)
        if (a.sensor_id == sensor) return a;
    throw std::runtime_error("no AP for " + sensor);
}

TEST(SitePlan, ChannelOverlapFollowsTheTwentyMegahertzGrid) {
    EXPECT_DOUBLE_EQ(channel_overlap(6, 6), 1.0);
    EXPECT_DOUBLE_EQ(channel_overlap(1, 6), 0.0);    // 25 MHz apart
    EXPECT_DOUBLE_EQ(channel_overlap(1, 5), 0.2);    // 20 MHz apart: the skirts still touch
    EXPECT_DOUBLE_EQ(channel_overlap(3, 1), 0.6);
    EXPECT_NEAR(channel_overlap(13, 14), 1.0 - 12.0 / 25.0, 1e-12);  // 14 sits 12 MHz above 13
    EXPECT_DOUBLE_EQ(channel_overlap(36, 40), 0.0);  // 5 GHz: only the same channel
    EXPECT_DOUBLE_EQ(channel_overlap(36, 36), 1.0);
}

TEST(SitePlan, PutsApsThatHearEachOtherApartAndLetsTheOthersTakeTheirBest) {
    const auto plan = plan_site(three_sensors(1796000000.0), {});
    EXPECT_EQ(plan.method, "exhaustive");
    EXPECT_EQ(plan.combinations, 13u * 13u * 13u);
    ASSERT_EQ(plan.links.size(), 1u);
    EXPECT_EQ(plan.links[0].source, "heard");
    const auto& hall = ap_of(plan, "hall");
    const auto& kitchen = ap_of(plan, "kitchen");
    const auto& attic = ap_of(plan, "attic");
    EXPECT_EQ(channel_overlap(hall.channel, kitchen.channel), 0.0) << hall.channel << " vs " << kitchen.channel;
    // hall on 6 and kitchen on 11 (0.10 + 0.30) beats hall on 11 and kitchen on 6 (0.32 + 0.12)
    EXPECT_EQ(hall.channel, 6);
    EXPECT_EQ(kitchen.channel, 11);
    EXPECT_EQ(attic.channel, 6);  // attic hears nobody: sharing 6 with hall costs nothing
    EXPECT_NEAR(plan.total_cost, 0.10 + 0.30 + 0.10, 1e-9);
    EXPECT_EQ(hall.bssid, "02:00:00:00:00:0a");
    bool said = false;
    for (const auto& r : kitchen.reasons) said = said || r.find("alone it would take 6") != std::string::npos;
    EXPECT_TRUE(said);

    // Without the link, both take channel 6.
    auto deaf = three_sensors(1796000000.0);
    deaf[0].networks.resize(1);
    const auto apart = plan_site(deaf, {});
    EXPECT_TRUE(apart.links.empty());
    EXPECT_EQ(ap_of(apart, "kitchen").channel, 6);
}

TEST(SitePlan, DeclaredNeighboursAndBssidsCountWhenNothingWasDecoded) {
    auto sensors = three_sensors(1796000000.0);
    sensors[0].networks.resize(1);  // hall no longer hears kitchen
    SitePlanConfig config;
    config.declared_neighbours = {{"attic", "kitchen"}};
    const auto plan = plan_site(sensors, config);
    ASSERT_EQ(plan.links.size(), 1u);
    EXPECT_EQ(plan.links[0].source, "declared");
    EXPECT_EQ(channel_overlap(ap_of(plan, "attic").channel, ap_of(plan, "kitchen").channel), 0.0);

    // --ap: the hall's AP is declared as the BSSID the kitchen hears
    sensors[1].networks.push_back({"x", "02:00:00:00:00:99", 3, 5, std::nullopt, false});
    config.declared_neighbours.clear();
    config.declared_bssids = {{"hall", "02:00:00:00:00:99"}};
    const auto declared = plan_site(sensors, config);
    ASSERT_EQ(declared.links.size(), 1u);
    EXPECT_EQ(declared.links[0].detail, "kitchen hears hall's AP 02:00:00:00:00:99");
}

TEST(SitePlan, HeuristicFindsTheExhaustiveAnswerOnASmallSite) {
    // Six APs in a ring, each hearing the next; costs differ per AP so the answer is not symmetric.
    std::vector<monitor::WindowState> sensors;
    for (int i = 0; i < 6; ++i) {
        const std::string bssid = "02:00:00:00:00:1" + std::to_string(i);
        const std::string next = "02:00:00:00:00:1" + std::to_string((i + 1) % 6);
        std::map<int, double> costs;
        for (int ch = 1; ch <= 13; ++ch) costs[ch] = 0.2 + 0.03 * ((ch * (i + 3)) % 7);
        sensors.push_back(test::window_for("ap" + std::to_string(i), bssid, 1, {next}, costs, 1796000000.0));
        sensors.back().channels.resize(11);  // channels 1–11 (FCC), to keep the exhaustive search short
    }
    SitePlanConfig exhaustive;
    const auto best = plan_site(sensors, exhaustive);
    EXPECT_EQ(best.method, "exhaustive");
    SitePlanConfig heuristic;
    heuristic.exhaustive_limit = 0;
    const auto found = plan_site(sensors, heuristic);
    EXPECT_EQ(found.method, "greedy + local search");
    EXPECT_NEAR(found.total_cost, best.total_cost, 1e-9) << to_text(found) << to_text(best);
    EXPECT_EQ(found.links.size(), 6u);
}

TEST(SiteTracker, JoinsGoesStaleLeavesAndIgnoresMalformedMessages) {
    SiteTracker tracker("coex", 5.0);
    const double now = 1796000000.0;
    const auto hall = three_sensors(now)[0];
    auto news = tracker.on_message("coex/hall/state", monitor::to_json(hall), false, now);
    ASSERT_EQ(news.size(), 1u);
    EXPECT_EQ(news[0].kind, SiteTracker::News::Kind::joined);
    EXPECT_EQ(tracker.live_states().size(), 1u);

    // malformed: not JSON, a missing field, the wrong sensor in the payload, a strange availability
    for (const auto& [topic, payload] : std::vector<std::pair<std::string, std::string>>{
             {"coex/hall/state", "{not json"},
             {"coex/hall/state", "{\"sensor\":\"hall\"}"},
             {"coex/attic/state", monitor::to_json(hall)},
             {"coex/hall/availability", "maybe"}}) {
        news = tracker.on_message(topic, payload, false, now);
        ASSERT_EQ(news.size(), 1u) << payload;
        EXPECT_EQ(news[0].kind, SiteTracker::News::Kind::malformed);
        EXPECT_EQ(news[0].text.find('\n'), std::string::npos);
    }
    EXPECT_EQ(tracker.known(), 1u);
    EXPECT_EQ(tracker.live_states().size(), 1u);

    EXPECT_TRUE(tracker.check_stale(now + 4.0).empty());
    news = tracker.check_stale(now + 6.0);
    ASSERT_EQ(news.size(), 1u);
    EXPECT_EQ(news[0].kind, SiteTracker::News::Kind::stale);
    EXPECT_TRUE(tracker.live_states().empty());
    news = tracker.on_message("coex/hall/state", monitor::to_json(hall), false, now + 7.0);
    EXPECT_EQ(news[0].kind, SiteTracker::News::Kind::returned);
    EXPECT_EQ(tracker.live_states().size(), 1u);

    news = tracker.on_message("coex/hall/availability", "offline", true, now + 8.0);
    ASSERT_EQ(news.size(), 1u);
    EXPECT_EQ(news[0].kind, SiteTracker::News::Kind::left);
    EXPECT_TRUE(tracker.live_states().empty());

    // A retained state from long ago is stale on arrival.
    const auto old = three_sensors(now - 3600.0)[2];
    news = tracker.on_message("coex/attic/state", monitor::to_json(old), true, now);
    ASSERT_EQ(news.size(), 2u);
    EXPECT_EQ(news[1].kind, SiteTracker::News::Kind::stale);
    EXPECT_TRUE(tracker.live_states().empty());
}

TEST(SiteOptions, MqttUrlsAndMetricsAddressesParseOrNameTheOption) {
    auto c = cli::parse_mqtt_url("--mqtt", "mqtt://broker.lan:1884");
    EXPECT_EQ(c.host, "broker.lan");
    EXPECT_EQ(c.port, 1884);
    EXPECT_FALSE(c.tls);
    c = cli::parse_mqtt_url("--mqtt", "mqtts://coex:p%40ss@[fd00::1]/");
    EXPECT_TRUE(c.tls);
    EXPECT_EQ(c.port, 8883);
    EXPECT_EQ(c.host, "fd00::1");
    EXPECT_EQ(c.username, "coex");
    EXPECT_EQ(c.password, "p@ss");
    ::setenv("COEX_MQTT_PASSWORD", "from-env", 1);
    EXPECT_EQ(cli::parse_mqtt_url("--mqtt", "mqtt://user@h").password, "from-env");
    ::unsetenv("COEX_MQTT_PASSWORD");
    for (const std::string bad : {"http://h", "mqtt://", "mqtt://h:0", "mqtt://h:99999", "mqtt://h/topic", "mqtt://@h", "mqtt://u:%zz@h"}) {
        try {
            (void)cli::parse_mqtt_url("--mqtt", bad);
            ADD_FAILURE() << bad << " was accepted";
        } catch (const cli::UsageError& e) {
            EXPECT_EQ(e.message.rfind("--mqtt: ", 0), 0u) << e.message;
        }
    }
    const auto m = cli::parse_metrics_address("--metrics", "0.0.0.0:9464");
    EXPECT_EQ(m.host, "0.0.0.0");
    EXPECT_EQ(m.port, 9464);
    EXPECT_THROW((void)cli::parse_metrics_address("--metrics", "9464"), cli::UsageError);
    EXPECT_THROW((void)cli::parse_metrics_address("--metrics", "localhost:http"), cli::UsageError);
    cli::MqttOptions o;
    o.url = "mqtt://h";
    o.ca_file = "/etc/hostname";
    EXPECT_THROW((void)cli::mqtt_config_from(o), cli::UsageError);  // a CA for a plain connection
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

TEST(SiteCommand, PlansThreeSensorsThroughARealBroker) {
    COEX_REQUIRE_MOSQUITTO();
    if (test::find_program("mosquitto_pub").empty()) GTEST_SKIP() << "mosquitto_pub is not installed (mosquitto-clients)";
    test::MosquittoBroker broker("site");
    ASSERT_TRUE(broker.start());
    const std::string pub = "mosquitto_pub -h 127.0.0.1 -p " + std::to_string(broker.port());
    const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    // The sensors' states, retained as a monitor leaves them, and a broken sensor's malformed one.
    for (const auto& s : three_sensors(now)) {
        const std::string json = monitor::to_json(s);
        ASSERT_EQ(std::system((pub + " -r -t coex/" + s.sensor_id + "/state -m '" + json + "'").c_str()), 0);
    }
    ASSERT_EQ(std::system((pub + " -r -t coex/broken/state -m '{\"sensor\": \"broken\", \"channels\": 7}'").c_str()), 0);

    const auto dir = broker.dir();
    const std::string out = (dir / "site.out").string(), err = (dir / "site.err").string(), json = (dir / "plan.json").string();
    // The attic goes offline while the site listens.
    std::thread leave([&] {
        std::this_thread::sleep_for(1500ms);
        (void)std::system((pub + " -t coex/attic/availability -m offline").c_str());
    });
    const std::string command = std::string(COEX_BINARY_DIR) + "/coex site --mqtt " + broker.url() + " --duration 3s --json " + json +
                                " > " + out + " 2> " + err;
    const int rc = std::system(command.c_str());
    leave.join();
    const std::string said = read_file(out), complaints = read_file(err);
    ASSERT_EQ(WEXITSTATUS(rc), 0) << said << complaints;

    for (const char* who : {"hall joined", "kitchen joined", "attic joined", "attic left"})
        EXPECT_NE(said.find(who), std::string::npos) << who << " missing from:\n" << said;
    // one line about the malformed state, naming its topic; no crash
    EXPECT_NE(complaints.find("coex/broken/state"), std::string::npos) << complaints;
    EXPECT_NE(complaints.find("ignored"), std::string::npos);

    // The plan written with --json: hall and kitchen (they hear each other) apart; the attic, gone, out.
    const auto plan = nlohmann::json::parse(read_file(json));
    std::map<std::string, int> channel;
    for (const auto& ap : plan.at("aps")) channel[ap.at("sensor")] = ap.at("channel");
    ASSERT_EQ(channel.size(), 2u) << plan.dump();
    EXPECT_EQ(channel_overlap(channel.at("hall"), channel.at("kitchen")), 0.0);
    EXPECT_EQ(plan.at("links").at(0).at("source"), "heard");

    // The plan is retained on coex/site/plan for whoever asks later.
    if (!test::find_program("mosquitto_sub").empty()) {
        const auto retained = test::run_capture("mosquitto_sub -h 127.0.0.1 -p " + std::to_string(broker.port()) +
                                                " -t coex/site/plan -C 1 -W 3 2>/dev/null");
        ASSERT_FALSE(retained.empty());
        EXPECT_EQ(nlohmann::json::parse(retained).at("aps").size(), 2u);
    }
}

TEST(SiteCommand, ABrokerThatIsNotThereIsExitCodeTwo) {
    const std::string command = std::string(COEX_BINARY_DIR) + "/coex site --mqtt mqtt://127.0.0.1:" +
                                std::to_string(test::free_tcp_port()) + " --duration 1s > /dev/null 2>&1";
    EXPECT_EQ(WEXITSTATUS(std::system(command.c_str())), 2);
    const std::string bad = std::string(COEX_BINARY_DIR) + "/coex site --mqtt http://x > /dev/null 2>&1";
    EXPECT_EQ(WEXITSTATUS(std::system(bad.c_str())), 2);
}

}  // namespace
}  // namespace coex::publish

namespace coex::publish {
namespace {

TEST(SitePlan, ALargeSiteIsPlannedByTheHeuristicWithNoNeighboursOverlapping) {
    // 40 APs on a line, each hearing the next two: exhaustive is out of the question (13^40). With a
    // penalty far above the costs, a good plan leaves no two neighbours overlapping (three channels,
    // 1/6/11, are enough for a line where each hears the next two).
    std::vector<monitor::WindowState> sensors;
    auto bssid = [](int i) {
        char b[18];
        std::snprintf(b, sizeof b, "02:00:00:00:01:%02x", i);
        return std::string(b);
    };
    for (int i = 0; i < 40; ++i) {
        std::vector<std::string> heard;
        for (int d = 1; d <= 2; ++d)
            if (i + d < 40) heard.push_back(bssid(i + d));
        std::map<int, double> costs;
        for (int ch = 1; ch <= 13; ++ch) costs[ch] = 0.1 + 0.01 * ((ch * (i + 5)) % 11);
        sensors.push_back(test::window_for("ap" + std::to_string(100 + i), bssid(i), 1, heard, costs, 1796000000.0));
    }
    SitePlanConfig config;
    config.neighbour_penalty = 5.0;
    const auto t0 = std::chrono::steady_clock::now();
    const auto plan = plan_site(sensors, config);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_EQ(plan.method, "greedy + local search");
    EXPECT_EQ(plan.links.size(), 39u + 38u);
    std::map<std::string, int> channel;
    for (const auto& a : plan.aps) channel[a.sensor_id] = a.channel;
    for (const auto& l : plan.links) EXPECT_EQ(channel_overlap(channel.at(l.a), channel.at(l.b)), 0.0) << l.a << " " << l.b;
    RecordProperty("plan_seconds", std::to_string(seconds));
}

}  // namespace
}  // namespace coex::publish
