// coex site --mqtt URL: one channel plan for the access points of every sensor heard through the broker.
// Listens on coex/+/state and coex/+/availability, says who joins, goes stale and leaves, prints the plan
// whenever it changes and publishes it retained on coex/site/plan (docs/publish.md).
#include "commands.hpp"
#include "live_session.hpp"
#include "output.hpp"
#include "parse.hpp"
#include "publish_options.hpp"

#include "coex/core/error.hpp"
#include "coex/publish/site.hpp"

#include <boost/program_options.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <iostream>
#include <map>
#include <mutex>

namespace po = boost::program_options;

namespace coex::cli {

namespace {

double unix_now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The channel each AP gets: what decides whether the plan changed.
std::map<std::string, int> channels_of(const publish::SitePlan& plan) {
    std::map<std::string, int> out;
    for (const auto& a : plan.aps) out[a.sensor_id] = a.channel;
    return out;
}

bool looks_like_bssid(const std::string& s) {
    if (s.size() != 17) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const bool colon = i % 3 == 2;
        if (colon ? s[i] != ':' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
    }
    return true;
}

}  // namespace

int run_site(const std::vector<std::string>& args) {
    MqttOptions mqtt;
    std::string duration, stale, json_path;
    std::vector<std::string> ap_options, neighbour_options;
    double penalty = publish::SitePlanConfig{}.neighbour_penalty;
    po::options_description options("coex site --mqtt URL [options]");
    options.add_options()
        ("help,h", "describe the options")
        ("duration", po::value(&duration)->value_name("TIME"), "listen this long, then print the final plan and end (default: until Ctrl-C)")
        ("stale", po::value(&stale)->value_name("TIME"), "a sensor silent this long is left out of the plan (default: three of its windows)")
        ("json", po::value(&json_path)->value_name("PATH"), "write the final plan as JSON ('-': stdout)")
        ("ap", po::value(&ap_options)->value_name("SENSOR=BSSID")->composing(), "the BSSID of a sensor's access point, when its own network is not decoded (repeatable)")
        ("neighbours", po::value(&neighbour_options)->value_name("A,B")->composing(), "two sensors whose APs hear each other (repeatable); decoded BSSIDs count without it")
        ("neighbour-penalty", po::value(&penalty)->value_name("COST"), "cost of two neighbouring APs on one channel, overlapping ones pro rata (default 0.5; 1.0 ≈ a channel busy all the time)");
    add_mqtt_options(options, mqtt);
    po::options_description hidden;
    po::variables_map vm;
    if (!parse_command_line(args, options, hidden, {}, vm,
                            "Sensors are coex monitors publishing to the same broker (--mqtt, --sensor-id).\n"))
        return 0;
    if (mqtt.url.empty()) throw UsageError{"--mqtt URL is required (the broker the sensors publish to)"};
    auto mqtt_config = mqtt_config_from(mqtt);
    std::optional<double> duration_s;
    if (!duration.empty()) duration_s = parse_seconds("--duration", duration);
    const double stale_s = stale.empty() ? 0.0 : parse_seconds("--stale", stale);
    if (!stale.empty() && stale_s <= 0.0) throw UsageError{"--stale: must be more than 0 s"};
    if (!(penalty >= 0.0 && penalty <= 100.0)) throw UsageError{"--neighbour-penalty: must be 0…100"};

    publish::SitePlanConfig plan_config;
    plan_config.neighbour_penalty = penalty;
    for (const auto& a : ap_options) {
        const auto eq = a.find('=');
        if (eq == std::string::npos || eq == 0 || !looks_like_bssid(a.substr(eq + 1)))
            throw UsageError{"--ap: '" + a + "' is not SENSOR=aa:bb:cc:dd:ee:ff"};
        try {
            publish::validate_sensor_id(a.substr(0, eq));
        } catch (const ConfigError& e) {
            throw UsageError{"--ap: " + e.render("the sensor id")};
        }
        plan_config.declared_bssids[a.substr(0, eq)] = a.substr(eq + 1);
    }
    for (const auto& n : neighbour_options) {
        const auto comma = n.find(',');
        if (comma == std::string::npos || comma == 0 || comma + 1 == n.size() || n.find(',', comma + 1) != std::string::npos)
            throw UsageError{"--neighbours: '" + n + "' is not A,B (two sensor ids)"};
        plan_config.declared_neighbours.emplace_back(n.substr(0, comma), n.substr(comma + 1));
    }
    const OutputFile json_out("--json", json_path);

    // Messages arrive on the client's thread; this thread plans.
    std::mutex mutex;
    std::condition_variable arrived;
    std::deque<publish::MqttMessage> inbox;
    mqtt_config.availability_topic.clear();  // the site is no sensor
    publish::MqttClient client(mqtt_config);
    client.subscribe("coex/+/state");
    client.subscribe("coex/+/availability");
    client.set_message_handler([&](const publish::MqttMessage& m) {
        {
            const std::lock_guard lock(mutex);
            inbox.push_back(m);
        }
        arrived.notify_one();
    });
    client.set_status_handler([](const std::string& s) { std::cerr << "coex site: mqtt: " << s << "\n"; });
    const auto& stop = install_stop_signals();
    client.start();

    publish::SiteTracker tracker("coex", stale_s);
    std::optional<std::map<std::string, int>> shown;
    publish::SitePlan plan;
    bool ever_connected = false;
    constexpr double kReplanEvery_s = 10.0;
    double last_plan_s = -kReplanEvery_s;
    const auto start = std::chrono::steady_clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
    while (!stop.load() && (!duration_s || elapsed() < *duration_s)) {
        std::deque<publish::MqttMessage> batch;
        {
            std::unique_lock lock(mutex);
            arrived.wait_for(lock, std::chrono::milliseconds(200), [&] { return !inbox.empty(); });
            batch.swap(inbox);
        }
        ever_connected = ever_connected || client.connected();
        bool joined_or_left = false, updated = false;
        const double now = unix_now();
        auto say = [&](const std::vector<publish::SiteTracker::News>& news) {
            for (const auto& n : news) {
                if (n.kind == publish::SiteTracker::News::Kind::malformed) {
                    std::cerr << "coex site: " << n.text << "\n";
                } else if (n.kind == publish::SiteTracker::News::Kind::updated) {
                    updated = true;
                } else {
                    joined_or_left = true;
                    std::cout << "coex site: " << n.text << "\n";
                }
            }
        };
        for (const auto& m : batch) say(tracker.on_message(m.topic, m.payload, m.retained, now));
        say(tracker.check_stale(now));
        // A sensor joining or leaving replans at once; new windows from the same sensors at most every
        // 10 s (a large site's heuristic search takes a fraction of a second).
        if (!joined_or_left && !(updated && elapsed() - last_plan_s >= kReplanEvery_s)) continue;
        last_plan_s = elapsed();
        plan = publish::plan_site(tracker.live_states(), plan_config);
        if (shown && *shown == channels_of(plan)) continue;
        shown = channels_of(plan);
        std::cout << publish::to_text(plan) << std::flush;
        client.publish("coex/site/plan", publish::to_json(plan, unix_now()), true);
    }

    plan = publish::plan_site(tracker.live_states(), plan_config);
    const std::string plan_json = publish::to_json(plan, unix_now());
    if (ever_connected || client.connected()) client.publish("coex/site/plan", plan_json, true);
    client.stop();
    if (!ever_connected) {
        std::cerr << "coex site: never reached the broker at " << mqtt.url << "\n";
        return 2;
    }
    std::cout << "coex site: final plan, " << tracker.known() << " sensor" << (tracker.known() == 1 ? "" : "s") << " heard\n"
              << publish::to_text(plan);
    if (json_out.active()) json_out.write(plan_json + "\n");
    return 0;
}

}  // namespace coex::cli
