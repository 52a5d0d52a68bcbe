#include "library_watchdog.hpp"

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <pthread.h>

namespace coex::io {

LibraryWatchdog::LibraryWatchdog(std::string message, std::chrono::milliseconds cpu_limit) {
    clockid_t guarded{};
    timespec start{};
    if (pthread_getcpuclockid(pthread_self(), &guarded) != 0 || clock_gettime(guarded, &start) != 0) {
        return;  // no per-thread clock: no guard
    }
    // The thread's CPU time counts from its start; the limit applies to what is spent from here on.
    const auto spent_before = std::chrono::seconds(start.tv_sec) + std::chrono::nanoseconds(start.tv_nsec);
    watcher_ = std::thread([this, guarded, cpu_limit, spent_before, message = std::move(message)] {
        std::unique_lock lock(mutex_);
        while (!wake_.wait_for(lock, std::chrono::milliseconds(100), [this] { return done_; })) {
            timespec used{};
            if (clock_gettime(guarded, &used) != 0) return;
            const auto cpu = std::chrono::seconds(used.tv_sec) + std::chrono::nanoseconds(used.tv_nsec);
            if (cpu - spent_before > cpu_limit) {
                std::fprintf(stderr, "coex: %s\n", message.c_str());
                std::fflush(stderr);
                std::_Exit(2);
            }
        }
    });
}

LibraryWatchdog::~LibraryWatchdog() {
    if (!watcher_.joinable()) return;
    {
        std::lock_guard lock(mutex_);
        done_ = true;
    }
    wake_.notify_one();
    watcher_.join();
}

}  // namespace coex::io
