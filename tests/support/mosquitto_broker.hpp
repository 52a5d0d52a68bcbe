#pragma once
// A real Mosquitto broker for tests: writes a config in a fresh folder, starts `mosquitto -c` on
// 127.0.0.1 on a free port, waits until it accepts connections, and stops it at the end. It can be
// stopped and started again on the same port (the outage test). Also a plain libmosquitto subscriber
// that records what arrives, so the tests check our client with the library's own.
#include <gtest/gtest.h>

#include <mosquitto.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace coex::test {

inline std::string find_program(const std::string& name, const std::vector<std::string>& also = {}) {
    for (const auto& p : also)
        if (::access(p.c_str(), X_OK) == 0) return p;
    const char* path = std::getenv("PATH");
    std::string dirs = path ? path : "/usr/bin:/bin";
    std::size_t from = 0;
    while (from <= dirs.size()) {
        const auto to = dirs.find(':', from);
        const std::string dir = dirs.substr(from, to == std::string::npos ? std::string::npos : to - from);
        const std::string candidate = dir + "/" + name;
        if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate;
        if (to == std::string::npos) break;
        from = to + 1;
    }
    return "";
}

inline std::string mosquitto_binary() { return find_program("mosquitto", {"/usr/sbin/mosquitto"}); }

#define COEX_REQUIRE_MOSQUITTO()                                                                        \
    do {                                                                                               \
        if (coex::test::mosquitto_binary().empty())                                                   \
            GTEST_SKIP() << "the mosquitto broker is not installed (tools/deps installs it)";          \
    } while (0)

inline int free_tcp_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    int port = -1;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
        port = ntohs(a.sin_port);
    ::close(fd);
    return port;
}

inline bool accepts_connections(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
}

class MosquittoBroker {
public:
    // `persistence`: keep sessions and queued messages in the folder across a stop and start.
    explicit MosquittoBroker(const std::string& name, bool persistence = false, std::string extra_config = "")
        : dir_(std::filesystem::temp_directory_path() / ("coex-mosquitto-" + name + "-" + std::to_string(::getpid()))),
          port_(free_tcp_port()) {
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
        std::ofstream conf(dir_ / "mosquitto.conf");
        // Run as root (containers, CI), mosquitto would drop to the user 'mosquitto', who cannot write
        // this folder: keep the user the test runs as.
        const passwd* me = ::getpwuid(::getuid());
        if (me != nullptr) conf << "user " << me->pw_name << "\n";
        conf << "listener " << port_ << " 127.0.0.1\n"
             << "allow_anonymous true\n"
             << "log_dest file " << (dir_ / "mosquitto.log").string() << "\n";
        if (persistence)
            conf << "persistence true\npersistence_location " << dir_.string() << "/\nautosave_interval 1\n"
                 << "max_queued_messages 100000\n";
        else
            conf << "persistence false\n";
        conf << extra_config;
    }
    ~MosquittoBroker() {
        stop();
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    // Starts the broker and waits (up to 5 s) until it accepts connections; false if it did not.
    bool start() {
        if (pid_ > 0) return true;
        const std::string program = mosquitto_binary();
        const std::string conf = (dir_ / "mosquitto.conf").string();
        pid_ = ::fork();
        if (pid_ == 0) {
            const std::string out = (dir_ / "mosquitto.out").string();
            const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
            if (fd >= 0) ::dup2(fd, 1), ::dup2(fd, 2);
            ::execl(program.c_str(), program.c_str(), "-c", conf.c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        }
        for (int i = 0; i < 500; ++i) {
            if (accepts_connections(port_)) return true;
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                return false;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return false;
    }
    // SIGTERM (the broker saves its persistence file and exits), and waits for it.
    void stop() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGTERM);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
    }
    [[nodiscard]] int port() const { return port_; }
    [[nodiscard]] std::string url() const { return "mqtt://127.0.0.1:" + std::to_string(port_); }
    [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }

private:
    std::filesystem::path dir_;
    int port_;
    pid_t pid_ = -1;
};

// A subscriber on libmosquitto itself: records every message (topic, payload, retained) in arrival order.
class TestSubscriber {
public:
    struct Message {
        std::string topic, payload;
        bool retained;
    };

    // clean_session false + a fixed id: the broker keeps the subscription and queues QoS 1 messages for
    // it while it is away (with persistence, across a broker restart too).
    TestSubscriber(int port, std::vector<std::string> filters, bool clean_session = true, const std::string& id = "")
        : filters_(std::move(filters)) {
        mosquitto_lib_init();
        const std::string client_id = id.empty() ? "coex-test-sub-" + std::to_string(::getpid()) : id;
        mosq_ = mosquitto_new(client_id.c_str(), clean_session, this);
        mosquitto_connect_callback_set(mosq_, [](mosquitto* m, void* self, int rc) {
            if (rc != 0) return;
            for (const auto& f : static_cast<TestSubscriber*>(self)->filters_) mosquitto_subscribe(m, nullptr, f.c_str(), 1);
        });
        mosquitto_subscribe_callback_set(mosq_, [](mosquitto*, void* self, int, int, const int*) {
            auto* s = static_cast<TestSubscriber*>(self);
            const std::lock_guard lock(s->mutex_);
            ++s->subscribed_;
            s->changed_.notify_all();
        });
        mosquitto_message_callback_set(mosq_, [](mosquitto*, void* self, const mosquitto_message* m) {
            auto* s = static_cast<TestSubscriber*>(self);
            const std::lock_guard lock(s->mutex_);
            s->messages_.push_back({m->topic, std::string(static_cast<const char*>(m->payload), static_cast<std::size_t>(m->payloadlen)),
                                    m->retain});
            s->changed_.notify_all();
        });
        mosquitto_reconnect_delay_set(mosq_, 1, 1, false);
        mosquitto_connect(mosq_, "127.0.0.1", port, 30);
        mosquitto_loop_start(mosq_);
    }
    ~TestSubscriber() {
        mosquitto_disconnect(mosq_);
        mosquitto_loop_stop(mosq_, false);
        mosquitto_destroy(mosq_);
    }
    // Waits until every filter has been subscribed (once).
    bool wait_subscribed(std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout, [&] { return subscribed_ >= static_cast<int>(filters_.size()); });
    }
    // Waits until `done(messages)` holds.
    bool wait_for(const std::function<bool(const std::vector<Message>&)>& done,
                  std::chrono::milliseconds timeout = std::chrono::milliseconds(10000)) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout, [&] { return done(messages_); });
    }
    std::vector<Message> messages() {
        const std::lock_guard lock(mutex_);
        return messages_;
    }
    std::vector<Message> on(const std::string& topic) {
        std::vector<Message> out;
        for (const auto& m : messages())
            if (m.topic == topic) out.push_back(m);
        return out;
    }

private:
    std::vector<std::string> filters_;
    mosquitto* mosq_ = nullptr;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<Message> messages_;
    int subscribed_ = 0;
};

// Runs a command, returns its standard output (and its exit status through `status`).
inline std::string run_capture(const std::string& command, int* status = nullptr) {
    std::string out;
    FILE* p = ::popen(command.c_str(), "r");
    if (p == nullptr) return out;
    char buf[4096];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    const int rc = ::pclose(p);
    if (status) *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    return out;
}

}  // namespace coex::test
