#pragma once
// A guard for calls into a library that can loop forever on a damaged file and cannot be interrupted:
// Debian 12's HDF5 1.10.8 spins without end decoding a corrupt global heap collection (where variable-
// length strings live; HDF5 fixed it in 1.14.2). A thread watches the guarded thread's CPU time; past
// the limit it prints one line naming the file and ends the process with exit code 2 (bad input), the
// only way out of a call that never returns. Reading a healthy file's metadata costs milliseconds.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace coex::io {

class LibraryWatchdog {
public:
    LibraryWatchdog(std::string message, std::chrono::milliseconds cpu_limit);
    ~LibraryWatchdog();
    LibraryWatchdog(const LibraryWatchdog&) = delete;
    LibraryWatchdog& operator=(const LibraryWatchdog&) = delete;

private:
    std::mutex mutex_;
    std::condition_variable wake_;
    bool done_ = false;
    std::thread watcher_;
};

// The CPU time the capture reader's metadata reading may take before the file is declared damaged.
inline constexpr std::chrono::milliseconds kMetadataCpuLimit{10'000};

}  // namespace coex::io
