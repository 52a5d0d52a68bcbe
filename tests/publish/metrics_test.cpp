// The metrics endpoint: what curl scrapes from /metrics parses as Prometheus text exposition 0.0.4 by
// the format's grammar (checked here line by line, independently of the writer), carries the window's
// numbers, and escapes label values so a hostile one cannot break a line.
#include "coex/publish/metrics.hpp"
#include "coex/publish/mqtt.hpp"

#include "coex/core/emitter_class.hpp"
#include "coex/core/error.hpp"

#include "../support/mosquitto_broker.hpp"  // find_program, run_capture, free_tcp_port
#include "publish_test_util.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace coex::publish {
namespace {

// A sample as the parser read it.
struct Parsed {
    std::string name;
    std::map<std::string, std::string> labels;
    double value = 0.0;
};

// Parses exposition text per the format (https://prometheus.io/docs/instrumenting/exposition_formats/):
// lines end in \n; '# HELP name text' and '# TYPE name counter|gauge|…' (TYPE at most once per name,
// before its samples); other '#' lines are comments; a sample is name, optional {label="value",…} with
// \\ \" \n the only escapes, a space, a float (or NaN, +Inf, -Inf), an optional timestamp. Records a
// problem for anything else.
struct Exposition {
    std::vector<Parsed> samples;
    std::map<std::string, std::string> types, helps;
    std::vector<std::string> problems;

    explicit Exposition(const std::string& text) {
        if (!text.empty() && text.back() != '\n') problems.push_back("the text does not end in a newline");
        static const std::regex name_re("[a-zA-Z_:][a-zA-Z0-9_:]*");
        static const std::regex label_name_re("[a-zA-Z_][a-zA-Z0-9_]*");
        std::istringstream in(text);
        std::string line;
        std::set<std::string> sampled;
        int n = 0;
        while (std::getline(in, line)) {
            ++n;
            const std::string where = "line " + std::to_string(n) + " '" + line + "': ";
            if (line.empty()) continue;
            if (line[0] == '#') {
                std::smatch m;
                static const std::regex meta("# (HELP|TYPE) ([^ ]+) (.*)");
                if (std::regex_match(line, m, meta)) {
                    const std::string name = m[2];
                    if (!std::regex_match(name, name_re)) problems.push_back(where + "bad metric name");
                    if (m[1] == "TYPE") {
                        static const std::regex type_re("counter|gauge|histogram|summary|untyped");
                        if (!std::regex_match(std::string(m[3]), type_re)) problems.push_back(where + "bad type");
                        if (types.count(name)) problems.push_back(where + "second TYPE line");
                        if (sampled.count(name)) problems.push_back(where + "TYPE after samples");
                        types[name] = m[3];
                    } else {
                        const std::string help = m[3];
                        for (std::size_t i = 0; i < help.size(); ++i)
                            if (help[i] == '\\' && (i + 1 == help.size() || (help[i + 1] != '\\' && help[i + 1] != 'n')))
                                problems.push_back(where + "bad escape in HELP");
                            else if (help[i] == '\\') ++i;
                        helps[name] = help;
                    }
                }
                continue;
            }
            Parsed p;
            std::size_t i = 0;
            while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
            p.name = line.substr(0, i);
            if (!std::regex_match(p.name, name_re)) {
                problems.push_back(where + "bad metric name");
                continue;
            }
            if (i < line.size() && line[i] == '{') {
                ++i;
                while (i < line.size() && line[i] != '}') {
                    const auto eq = line.find('=', i);
                    if (eq == std::string::npos || eq + 1 >= line.size() || line[eq + 1] != '"') {
                        problems.push_back(where + "label without =\"");
                        break;
                    }
                    const std::string label = line.substr(i, eq - i);
                    if (!std::regex_match(label, label_name_re)) problems.push_back(where + "bad label name '" + label + "'");
                    std::string value;
                    std::size_t j = eq + 2;
                    bool closed = false;
                    for (; j < line.size(); ++j) {
                        if (line[j] == '\\') {
                            if (j + 1 >= line.size()) break;
                            const char e = line[++j];
                            if (e == '\\') value += '\\';
                            else if (e == '"') value += '"';
                            else if (e == 'n') value += '\n';
                            else problems.push_back(where + "bad escape in a label value");
                        } else if (line[j] == '"') {
                            closed = true;
                            break;
                        } else {
                            value += line[j];
                        }
                    }
                    if (!closed) {
                        problems.push_back(where + "unterminated label value");
                        break;
                    }
                    if (p.labels.count(label)) problems.push_back(where + "label twice");
                    p.labels[label] = value;
                    i = j + 1;
                    if (i < line.size() && line[i] == ',') ++i;
                }
                if (i >= line.size() || line[i] != '}') {
                    problems.push_back(where + "no closing }");
                    continue;
                }
                ++i;
            }
            if (i >= line.size() || line[i] != ' ') {
                problems.push_back(where + "no space before the value");
                continue;
            }
            std::istringstream rest(line.substr(i + 1));
            std::string value, timestamp, extra;
            rest >> value >> timestamp >> extra;
            static const std::regex float_re("[-+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+)?|NaN|[-+]Inf");
            if (!std::regex_match(value, float_re)) problems.push_back(where + "bad value '" + value + "'");
            else p.value = value == "NaN" ? std::nan("") : value == "+Inf" ? HUGE_VAL : value == "-Inf" ? -HUGE_VAL : std::stod(value);
            if (!timestamp.empty() && !std::regex_match(timestamp, std::regex("-?[0-9]+"))) problems.push_back(where + "bad timestamp");
            if (!extra.empty()) problems.push_back(where + "text after the timestamp");
            if (!types.count(p.name)) problems.push_back(where + "sample before (or without) its TYPE");
            sampled.insert(p.name);
            samples.push_back(std::move(p));
        }
    }

    std::optional<double> value(const std::string& name, const std::map<std::string, std::string>& labels) const {
        for (const auto& s : samples) {
            if (s.name != name) continue;
            bool all = true;
            for (const auto& [k, v] : labels) all = all && s.labels.count(k) && s.labels.at(k) == v;
            if (all) return s.value;
        }
        return std::nullopt;
    }
};

TEST(Exposition, EscapesLabelValuesAndHelpAndRoundTripsThroughTheGrammar) {
    const std::string hostile = "a \"quoted\" back\\slash\nnew line";
    const std::vector<MetricFamily> families = {
        {"test_gauge", "help with a back\\slash\nand a new line", MetricType::gauge,
         {{{{"sensor", hostile}, {"channel", "6"}}, 0.25}, {{{"sensor", "plain"}}, -1.5e-7}}},
        {"test_events_total", "a counter", MetricType::counter, {{{}, 42.0}, {{{"k", "inf"}}, HUGE_VAL}}},
    };
    const auto text = exposition_text(families);
    const Exposition e(text);
    EXPECT_TRUE(e.problems.empty()) << e.problems.front() << "\n" << text;
    ASSERT_EQ(e.samples.size(), 4u);
    EXPECT_EQ(e.samples[0].labels.at("sensor"), hostile);
    EXPECT_DOUBLE_EQ(e.samples[0].value, 0.25);
    EXPECT_DOUBLE_EQ(e.samples[1].value, -1.5e-7);
    EXPECT_EQ(e.types.at("test_events_total"), "counter");
    EXPECT_EQ(e.helps.at("test_gauge"), "help with a back\\\\slash\\nand a new line");
    EXPECT_TRUE(std::isinf(e.samples[3].value));
    EXPECT_NE(text.find("test_events_total 42\n"), std::string::npos);

    EXPECT_THROW((void)exposition_text({{"9starts_with_digit", "", MetricType::gauge, {}}}), std::invalid_argument);
    EXPECT_THROW((void)exposition_text({{"ok", "", MetricType::gauge, {{{{"bad-label", "x"}}, 1.0}}}}), std::invalid_argument);
}

TEST(MetricsEndpoint, CurlScrapesPrometheusTextWithTheWindowsNumbers) {
    if (test::find_program("curl").empty()) GTEST_SKIP() << "curl is not installed (tools/deps installs it)";
    MetricsSink sink(MetricsConfig{"127.0.0.1", 0});
    ASSERT_GT(sink.port(), 0);
    const auto state = test::window_for("living-room", "02:00:00:00:00:01", 6, {}, {{6, 0.125}}, 1796000010.0);
    sink.window(state);
    sink.event({"living-room", monitor::EventKind::appeared, "oven#1", std::string(key(EmitterClass::microwave_oven)), 1796000002.0,
                std::nullopt, 2440.0, 2470.0, -30.0, 40.0, 0.5, "behaviour", "on"});

    const std::string url = "http://127.0.0.1:" + std::to_string(sink.port());
    int status = -1;
    const auto response = test::run_capture("curl -sS -i --max-time 5 " + url + "/metrics", &status);
    ASSERT_EQ(status, 0) << response;
    const auto body_at = response.find("\r\n\r\n");
    ASSERT_NE(body_at, std::string::npos);
    const std::string headers = response.substr(0, body_at), body = response.substr(body_at + 4);
    EXPECT_NE(headers.find("HTTP/1.1 200"), std::string::npos) << headers;
    EXPECT_NE(headers.find("Content-Type: text/plain; version=0.0.4"), std::string::npos) << headers;

    const Exposition e(body);
    ASSERT_TRUE(e.problems.empty()) << e.problems.front() << "\n" << body;
    const std::map<std::string, std::string> room{{"sensor", "living-room"}};
    EXPECT_EQ(e.value("coex_up", room), 1.0);
    EXPECT_NEAR(*e.value("coex_channel_airtime_ratio", {{"sensor", "living-room"}, {"channel", "6"}}), 0.06, 1e-12);
    EXPECT_NEAR(*e.value("coex_channel_cost", {{"sensor", "living-room"}, {"channel", "6"}}), 0.125, 1e-12);
    EXPECT_NEAR(*e.value("coex_noise_floor_dbfs_per_mhz", room), -92.5, 1e-12);
    EXPECT_EQ(e.value("coex_interferers_active", {{"class", std::string(key(EmitterClass::microwave_oven))}}), 1.0);
    EXPECT_EQ(e.value("coex_interferers_active", {{"class", std::string(key(EmitterClass::usb3_noise))}}), 1.0);
    EXPECT_EQ(e.value("coex_interferers_active", {{"class", std::string(key(EmitterClass::zigbee))}}), 0.0);
    EXPECT_EQ(e.value("coex_recommended_channel", room), 6.0);
    EXPECT_EQ(e.value("coex_samples_in_total", room), 2e8);
    EXPECT_EQ(e.value("coex_samples_dropped_total", room), 12.0);
    EXPECT_EQ(e.value("coex_samples_lost_total", room), 3.0);
    EXPECT_EQ(e.value("coex_packets_decoded_total", room), 321.0);
    EXPECT_EQ(e.value("coex_windows_total", room), 4.0);
    EXPECT_EQ(e.value("coex_events_total", {{"kind", "appeared"}}), 1.0);
    EXPECT_FALSE(e.value("coex_mqtt_published_total", {}).has_value());  // no MQTT client given
    for (const auto& [name, type] : e.types)
        if (name.size() > 6 && name.substr(name.size() - 6) == "_total") {
            EXPECT_EQ(type, "counter") << name;
        }

    // Anything but /metrics is not found; the endpoint counts nothing it did not serve.
    const auto other = test::run_capture("curl -s -o /dev/null -w '%{http_code}' --max-time 5 " + url + "/other");
    EXPECT_EQ(other, "404");

    sink.stopping("test over");
    EXPECT_EQ(Exposition(sink.text()).value("coex_up", {}), 0.0);
}

TEST(MetricsEndpoint, AnAddressInUseIsAConfigErrorNamingTheOption) {
    MetricsSink first(MetricsConfig{"127.0.0.1", 0});
    try {
        MetricsSink second(MetricsConfig{"127.0.0.1", first.port()});
        FAIL() << "a second server bound the same port";
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.parameter(), "metrics");
        EXPECT_NE(std::string(e.what()).find(std::to_string(first.port())), std::string::npos);
    }
}

}  // namespace
}  // namespace coex::publish

namespace coex::publish {
namespace {

TEST(MetricsEndpoint, CarriesTheMqttCountersWhenMqttIsOn) {
    MqttConfig c;
    c.host = "127.0.0.1";
    c.port = test::free_tcp_port();  // nobody there: everything queues, the overflow is dropped
    c.queue_limit = 2;
    MqttClient client(c);
    client.start();
    for (int i = 0; i < 5; ++i) client.publish("test/x", "m", false);
    MetricsSink sink(MetricsConfig{"127.0.0.1", 0}, &client);
    const Exposition e(sink.text());
    ASSERT_TRUE(e.problems.empty()) << e.problems.front();
    EXPECT_EQ(e.value("coex_mqtt_connected", {}), 0.0);
    EXPECT_EQ(e.value("coex_mqtt_published_total", {}), 0.0);
    EXPECT_EQ(e.value("coex_mqtt_queued", {}), 2.0);
    EXPECT_EQ(e.value("coex_mqtt_dropped_total", {}), 3.0);
    EXPECT_EQ(e.value("coex_mqtt_reconnects_total", {}), 0.0);
    EXPECT_EQ(e.types.at("coex_mqtt_dropped_total"), "counter");
    EXPECT_FALSE(e.value("coex_channel_airtime_ratio", {}).has_value());  // no window yet
}

}  // namespace
}  // namespace coex::publish
