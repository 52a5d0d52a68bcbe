#include "publish_options.hpp"

#include "commands.hpp"

#include <cctype>
#include <cstdlib>
#include <fstream>

namespace po = boost::program_options;

namespace coex::cli {

namespace {

int parse_port(const std::string& option, const std::string& text, const std::string& whole) {
    if (text.empty() || text.size() > 5 || text.find_first_not_of("0123456789") != std::string::npos)
        throw UsageError{option + ": '" + whole + "': the port must be a number 1…65535"};
    const int port = std::stoi(text);
    if (port < 1 || port > 65535) throw UsageError{option + ": '" + whole + "': the port must be 1…65535"};
    return port;
}

std::string percent_decoded(const std::string& option, const std::string& text, const std::string& whole) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        if (i + 2 >= text.size() || !std::isxdigit(static_cast<unsigned char>(text[i + 1])) ||
            !std::isxdigit(static_cast<unsigned char>(text[i + 2])))
            throw UsageError{option + ": '" + whole + "': a % must be followed by two hex digits"};
        out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
        i += 2;
    }
    return out;
}

// "host:port" or "[v6]:port" → (host, port text); the port part is empty when absent.
std::pair<std::string, std::string> split_host_port(const std::string& option, const std::string& text, const std::string& whole) {
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string::npos) throw UsageError{option + ": '" + whole + "': '[' without ']'"};
        const std::string host = text.substr(1, close - 1);
        const std::string rest = text.substr(close + 1);
        if (!rest.empty() && rest.front() != ':') throw UsageError{option + ": '" + whole + "': expected ':PORT' after ']'"};
        return {host, rest.empty() ? "" : rest.substr(1)};
    }
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) return {text, ""};
    if (text.find(':') != colon) throw UsageError{option + ": '" + whole + "': write an IPv6 address as [address]:port"};
    return {text.substr(0, colon), text.substr(colon + 1)};
}

}  // namespace

publish::MqttConfig parse_mqtt_url(const std::string& option, const std::string& url) {
    publish::MqttConfig c;
    std::string rest;
    if (url.rfind("mqtt://", 0) == 0) {
        rest = url.substr(7);
    } else if (url.rfind("mqtts://", 0) == 0) {
        rest = url.substr(8);
        c.tls = true;
        c.port = 8883;
    } else {
        throw UsageError{option + ": '" + url + "' is not an MQTT URL (mqtt://host:port or mqtts://host:port)"};
    }
    if (!rest.empty() && rest.back() == '/') rest.pop_back();
    if (rest.find('/') != std::string::npos)
        throw UsageError{option + ": '" + url + "': a path is not part of an MQTT URL (the topics are fixed: docs/publish.md)"};
    if (const auto at = rest.rfind('@'); at != std::string::npos) {
        const std::string user_info = rest.substr(0, at);
        rest = rest.substr(at + 1);
        const auto colon = user_info.find(':');
        c.username = percent_decoded(option, user_info.substr(0, colon), url);
        if (colon != std::string::npos) c.password = percent_decoded(option, user_info.substr(colon + 1), url);
        if (c.username.empty()) throw UsageError{option + ": '" + url + "': empty user name before '@'"};
        if (colon == std::string::npos)
            if (const char* env = std::getenv("COEX_MQTT_PASSWORD"); env != nullptr) c.password = env;
    }
    const auto [host, port] = split_host_port(option, rest, url);
    if (host.empty()) throw UsageError{option + ": '" + url + "': no host"};
    c.host = host;
    if (!port.empty()) c.port = parse_port(option, port, url);
    return c;
}

publish::MetricsConfig parse_metrics_address(const std::string& option, const std::string& text) {
    const auto [host, port] = split_host_port(option, text, text);
    if (host.empty() || port.empty())
        throw UsageError{option + ": '" + text + "': expected HOST:PORT (127.0.0.1:9464, or 0.0.0.0:9464 for every address)"};
    return {host, parse_port(option, port, text)};
}

void add_mqtt_options(po::options_description& options, MqttOptions& o) {
    options.add_options()
        ("mqtt", po::value(&o.url)->value_name("URL"), "the MQTT broker: mqtt://[user[:password]@]host[:port], mqtts://… for TLS")
        ("mqtt-ca", po::value(&o.ca_file)->value_name("FILE"), "with mqtts://: the CA certificate that signed the broker's (default: the system's CAs)")
        ("mqtt-queue", po::value(&o.queue)->value_name("N"), "messages kept while the broker is away; the oldest beyond are dropped and counted (default 1000)");
}

publish::MqttConfig mqtt_config_from(const MqttOptions& o) {
    auto c = parse_mqtt_url("--mqtt", o.url);
    if (!o.ca_file.empty()) {
        if (!c.tls) throw UsageError{"--mqtt-ca: only with an mqtts:// broker"};
        if (!std::ifstream(o.ca_file)) throw UsageError{"--mqtt-ca: cannot read '" + o.ca_file + "'"};
        c.ca_file = o.ca_file;
    }
    if (o.queue > 10'000'000) throw UsageError{"--mqtt-queue: at most 10000000 messages"};
    c.queue_limit = o.queue;
    return c;
}

}  // namespace coex::cli
