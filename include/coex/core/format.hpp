#pragma once
// printf-style formatting into a std::string: report lines, summaries and reasons across the stages.
// (GCC 12's library has no std::format yet.)
#include <cstdio>
#include <string>

namespace coex {

template <class... Args>
std::string format(const char* fmt, Args... args) {
    const int n = std::snprintf(nullptr, 0, fmt, args...);
    if (n <= 0) return {};
    std::string out(static_cast<std::size_t>(n), '\0');
    std::snprintf(out.data(), out.size() + 1, fmt, args...);
    return out;
}

}  // namespace coex
