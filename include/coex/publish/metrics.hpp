#pragma once
// The metrics endpoint: `--metrics HOST:PORT` serves GET /metrics in Prometheus' text exposition format
// 0.0.4 from a thread of its own. Debian 12 packages no Prometheus client library for C++, and the
// format is a few lines of text per metric, so coex writes it itself (exposition.cpp) and serves it with
// cpp-httplib (metrics_server.cpp). docs/publish.md lists the metrics.
#include "coex/monitor/state.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace coex::publish {

class MqttClient;

// ---- the text exposition format ----------------------------------------------------------------------
enum class MetricType : std::uint8_t { counter, gauge };

struct MetricSample {
    std::vector<std::pair<std::string, std::string>> labels;
    double value = 0.0;
};

struct MetricFamily {
    std::string name;  // [a-zA-Z_:][a-zA-Z0-9_:]*; counters end in _total
    std::string help;
    MetricType type = MetricType::gauge;
    std::vector<MetricSample> samples;
};

// The families as exposition text: # HELP and # TYPE lines, then one line per sample, label values and
// help text escaped as the format asks (\\, \" and \n). Throws std::invalid_argument for a bad metric or
// label name (a bug, not input).
[[nodiscard]] std::string exposition_text(const std::vector<MetricFamily>& families);
inline constexpr const char* kExpositionContentType = "text/plain; version=0.0.4; charset=utf-8";

// ---- the HTTP endpoint ---------------------------------------------------------------------------------
struct MetricsConfig {
    std::string host = "127.0.0.1";
    int port = 9464;  // 0: any free port (tests); port() says which
};

// Serves GET /metrics (anything else: 404) with the text `render` returns, on a thread of its own.
// The constructor binds (ConfigError `metrics` when the address cannot be had); the destructor stops it.
class MetricsServer {
public:
    MetricsServer(const MetricsConfig& config, std::function<std::string()> render);
    ~MetricsServer();
    MetricsServer(const MetricsServer&) = delete;
    MetricsServer& operator=(const MetricsServer&) = delete;
    [[nodiscard]] int port() const;
    [[nodiscard]] std::uint64_t scrapes() const;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

// ---- the sink ------------------------------------------------------------------------------------------
// Keeps the latest window and the event counts, and serves them as metrics (with the MQTT client's
// counters when one is given; it must outlive the sink).
class MetricsSink : public monitor::Sink {
public:
    explicit MetricsSink(const MetricsConfig& config, const MqttClient* mqtt = nullptr);
    ~MetricsSink() override;

    void window(const monitor::WindowState& state) override;
    void event(const monitor::Event& event) override;
    void stopping(std::string_view reason) override;

    [[nodiscard]] std::vector<MetricFamily> families() const;
    [[nodiscard]] std::string text() const { return exposition_text(families()); }
    [[nodiscard]] int port() const { return server_->port(); }

private:
    const MqttClient* mqtt_;
    mutable std::mutex mutex_;
    std::optional<monitor::WindowState> last_;
    std::map<std::pair<std::string, std::string>, std::uint64_t> events_;  // (kind, class) → count
    std::string sensor_id_;
    bool stopping_ = false;
    std::unique_ptr<MetricsServer> server_;
};

}  // namespace coex::publish
