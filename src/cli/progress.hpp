#pragma once
// A progress bar on stderr for long replays and conversions: the bar, the share done, the rate and the
// time left, redrawn a few times a second on one line. It stays quiet when stderr is not a terminal, when
// asked (--quiet), and during the first half second (short runs never flicker; the environment variable
// COEX_PROGRESS_DELAY sets another delay in seconds).
#include <chrono>
#include <cstdint>
#include <string>

namespace coex::cli {

class Progress {
public:
    // total: samples expected (0: unknown, no bar or time left). enabled: false for --quiet.
    Progress(std::string label, std::uint64_t total, bool enabled);
    ~Progress();  // clears the line
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    void advance(std::uint64_t samples);
    void finish();  // clears the line; nothing more is drawn
    [[nodiscard]] bool drawing() const { return enabled_; }

    // The line drawn for `done` of `total` samples after `elapsed_s`, fitted to `columns` characters, e.g.
    // "analyze  [##########----------]  50%  40.1 MS/s  0:05 left".
    [[nodiscard]] static std::string line(const std::string& label, std::uint64_t done, std::uint64_t total, double elapsed_s,
                                          int columns);
    [[nodiscard]] static bool stderr_is_terminal();

private:
    void draw();

    std::string label_;
    std::uint64_t total_, done_ = 0;
    bool enabled_, drawn_ = false;
    std::chrono::steady_clock::duration quiet_start_;
    std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace coex::cli
