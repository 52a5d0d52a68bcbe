// The metrics endpoint's HTTP server: cpp-httplib (Debian's libcpp-httplib-dev) on a thread of its own,
// answering GET /metrics. The only file that includes httplib.h.
#include "coex/publish/metrics.hpp"

#include "coex/core/error.hpp"

#include <httplib.h>

#include <sys/socket.h>

#include <atomic>
#include <thread>

namespace coex::publish {

struct MetricsServer::Impl {
    httplib::Server server;
    std::thread thread;
    int port = 0;
    std::atomic<std::uint64_t> scrapes{0};
};

MetricsServer::MetricsServer(const MetricsConfig& config, std::function<std::string()> render)
    : impl_(std::make_unique<Impl>()) {
    if (config.host.empty()) throw ConfigError("metrics", "needs HOST:PORT");
    if (config.port < 0 || config.port > 65535)
        throw ConfigError("metrics", std::to_string(config.port) + " is not a TCP port (1…65535)");
    auto& d = *impl_;
    d.server.Get("/metrics", [&d, render = std::move(render)](const httplib::Request&, httplib::Response& response) {
        d.scrapes.fetch_add(1);
        response.set_content(render(), kExpositionContentType);
    });
    // httplib's default also sets SO_REUSEPORT, which would let a second coex bind the same port
    // silently; keep SO_REUSEADDR only (a restart may rebind while old connections linger).
    d.server.set_socket_options([](socket_t sock) {
        int yes = 1;
        ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<const void*>(&yes), sizeof yes);
    });
    // Scrapers poll; a small pool is plenty and keeps the monitor's footprint small (httplib owns it).
    d.server.new_task_queue = [] { return new httplib::ThreadPool(2); };
    if (config.port == 0) {
        d.port = d.server.bind_to_any_port(config.host);
        if (d.port < 0) throw ConfigError("metrics", "cannot listen on " + config.host + " (any port)");
    } else {
        if (!d.server.bind_to_port(config.host, config.port))
            throw ConfigError("metrics", "cannot listen on " + config.host + ":" + std::to_string(config.port) +
                                             " (in use, or not an address of this machine)");
        d.port = config.port;
    }
    d.thread = std::thread([&d] { d.server.listen_after_bind(); });
    // stop() before the loop runs would be lost and the join would wait forever: wait for it to run.
    for (int i = 0; i < 2000 && !d.server.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

MetricsServer::~MetricsServer() {
    impl_->server.stop();
    if (impl_->thread.joinable()) impl_->thread.join();
}

int MetricsServer::port() const { return impl_->port; }
std::uint64_t MetricsServer::scrapes() const { return impl_->scrapes.load(); }

}  // namespace coex::publish
