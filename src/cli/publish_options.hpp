#pragma once
// The options that point coex at an MQTT broker and open the metrics endpoint, shared by `coex site`
// and `coex monitor`. Each parser throws UsageError naming the option.
#include "coex/publish/metrics.hpp"
#include "coex/publish/mqtt.hpp"

#include <boost/program_options.hpp>

#include <string>

namespace coex::cli {

// mqtt://[user[:password]@]host[:port][/] or mqtts://… (port 1883 or 8883 by default; %XX escapes in the
// user and password; [v6 address]). With a user and no password in the URL, the password is taken from
// the environment variable COEX_MQTT_PASSWORD when set (a password on a command line is visible to ps).
[[nodiscard]] publish::MqttConfig parse_mqtt_url(const std::string& option, const std::string& url);
// HOST:PORT ([v6]:PORT); PORT 1…65535.
[[nodiscard]] publish::MetricsConfig parse_metrics_address(const std::string& option, const std::string& text);

// --mqtt URL, --mqtt-ca FILE, --mqtt-queue N, as typed.
struct MqttOptions {
    std::string url, ca_file;
    std::size_t queue = 1000;
};
void add_mqtt_options(boost::program_options::options_description& options, MqttOptions& o);
// The client configuration the options describe (UsageError naming the option); call when url is set.
[[nodiscard]] publish::MqttConfig mqtt_config_from(const MqttOptions& o);

}  // namespace coex::cli
