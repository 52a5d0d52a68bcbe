#include "progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace coex::cli {

namespace {

constexpr auto kRedraw = std::chrono::milliseconds(125);

// Nothing is drawn during the first half second; COEX_PROGRESS_DELAY (seconds) changes that, for scripts
// and tests that want the bar at once.
std::chrono::steady_clock::duration quiet_start() {
    double seconds = 0.5;
    if (const char* text = std::getenv("COEX_PROGRESS_DELAY")) {
        char* end = nullptr;
        const double value = std::strtod(text, &end);
        if (end != text && *end == '\0' && value >= 0.0 && value < 3600.0) seconds = value;
    }
    return std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(seconds));
}

int terminal_columns() {
    winsize size{};
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col >= 20) return size.ws_col;
    return 80;
}

std::string clock_text(double seconds) {
    const auto s = static_cast<long long>(std::llround(std::max(0.0, seconds)));
    char text[32];
    if (s >= 3600) std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
    else std::snprintf(text, sizeof text, "%lld:%02lld", s / 60, s % 60);
    return text;
}

std::string rate_text(double per_second) {
    char text[32];
    if (per_second >= 1e6) std::snprintf(text, sizeof text, "%.1f MS/s", per_second / 1e6);
    else std::snprintf(text, sizeof text, "%.0f kS/s", per_second / 1e3);
    return text;
}

}  // namespace

bool Progress::stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

Progress::Progress(std::string label, std::uint64_t total, bool enabled)
    : label_(std::move(label)), total_(total), enabled_(enabled && stderr_is_terminal()),
      quiet_start_(quiet_start()), start_(std::chrono::steady_clock::now()), last_draw_(start_ - kRedraw) {}

Progress::~Progress() { finish(); }

std::string Progress::line(const std::string& label, std::uint64_t done, std::uint64_t total, double elapsed_s, int columns) {
    const double rate = elapsed_s > 0.0 ? static_cast<double>(done) / elapsed_s : 0.0;
    std::string tail;
    if (total > 0) {
        const double share = std::min(1.0, static_cast<double>(done) / static_cast<double>(total));
        char pct[16];
        std::snprintf(pct, sizeof pct, "%3.0f%%", std::floor(share * 100.0));
        tail = std::string("  ") + pct;
    }
    if (rate > 0.0) tail += "  " + rate_text(rate);
    if (total > 0 && rate > 0.0 && done < total) tail += "  " + clock_text(static_cast<double>(total - done) / rate) + " left";
    if (total == 0) tail += "  " + clock_text(elapsed_s);
    std::string head = label + "  ";
    const int bar = columns - 1 - static_cast<int>(head.size() + tail.size()) - 2;
    if (total == 0 || bar < 10) return (head + tail.substr(2)).substr(0, static_cast<std::size_t>(std::max(0, columns - 1)));
    const double share = std::min(1.0, static_cast<double>(done) / static_cast<double>(total));
    const int filled = static_cast<int>(std::floor(share * bar));
    return head + "[" + std::string(static_cast<std::size_t>(filled), '#') + std::string(static_cast<std::size_t>(bar - filled), '-') + "]" + tail;
}

void Progress::advance(std::uint64_t samples) {
    done_ += samples;
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - start_ < quiet_start_ || now - last_draw_ < kRedraw) return;
    last_draw_ = now;
    draw();
}

void Progress::draw() {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    std::cerr << "\r" << line(label_, done_, total_, elapsed, terminal_columns()) << "\x1b[K" << std::flush;
    drawn_ = true;
}

void Progress::finish() {
    if (drawn_) std::cerr << "\r\x1b[K" << std::flush;
    drawn_ = false;
    enabled_ = false;
}

}  // namespace coex::cli
