#include "coex/dsp/window.hpp"

#include <cmath>
#include <numbers>
#include <numeric>

namespace coex::dsp {

std::optional<Window> parse_window(std::string_view name) {
    if (name == "rect" || name == "rectangular") return Window::rectangular;
    if (name == "hann") return Window::hann;
    if (name == "hamming") return Window::hamming;
    if (name == "blackman-harris" || name == "blackmanharris") return Window::blackman_harris;
    return std::nullopt;
}

std::string to_string(Window window) {
    switch (window) {
        case Window::rectangular: return "rectangular";
        case Window::hann: return "hann";
        case Window::hamming: return "hamming";
        case Window::blackman_harris: return "blackman-harris";
    }
    return "?";
}

std::vector<float> make_window(Window window, std::size_t n) {
    std::vector<float> w(n);
    const double two_pi = 2.0 * std::numbers::pi;
    for (std::size_t i = 0; i < n; ++i) {
        const double x = two_pi * static_cast<double>(i) / static_cast<double>(n);
        double v = 1.0;
        switch (window) {
            case Window::rectangular: v = 1.0; break;
            case Window::hann: v = 0.5 - 0.5 * std::cos(x); break;
            case Window::hamming: v = 0.54 - 0.46 * std::cos(x); break;
            case Window::blackman_harris:
                v = 0.35875 - 0.48829 * std::cos(x) + 0.14128 * std::cos(2 * x) - 0.01168 * std::cos(3 * x);
                break;
        }
        w[i] = static_cast<float>(v);
    }
    return w;
}

double enbw_bins(const std::vector<float>& window) {
    double sum = 0.0, sum_sq = 0.0;
    for (float v : window) {
        sum += v;
        sum_sq += static_cast<double>(v) * v;
    }
    return static_cast<double>(window.size()) * sum_sq / (sum * sum);
}

}  // namespace coex::dsp
