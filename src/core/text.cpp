#include "coex/core/text.hpp"
#include "coex/core/cpu_time.hpp"
#include "coex/core/format.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>

namespace coex {

std::string lower_case(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string rate_text(double hz) { return hz >= 1e6 ? format("%g MS/s", hz / 1e6) : format("%g kS/s", hz / 1e3); }

std::string count_text(std::size_t n, std::string_view noun) {
    return std::to_string(n) + " " + std::string(noun) + (n == 1 ? "" : "s");
}

std::string runs_text(std::vector<int> v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    std::string out;
    for (std::size_t i = 0; i < v.size();) {
        std::size_t j = i;
        while (j + 1 < v.size() && v[j + 1] == v[j] + 1) ++j;
        out += (out.empty() ? "" : ", ") + std::to_string(v[i]) + (j > i ? "–" + std::to_string(v[j]) : "");
        i = j + 1;
    }
    return out;
}

double thread_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace coex
