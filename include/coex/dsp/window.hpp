#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coex::dsp {

enum class Window { rectangular, hann, hamming, blackman_harris };

std::optional<Window> parse_window(std::string_view name);
std::string to_string(Window window);
// Periodic (DFT-even) window of length n, as used for spectral analysis.
std::vector<float> make_window(Window window, std::size_t n);
// Equivalent noise bandwidth in bins: n·Σw² / (Σw)². Hann → 1.5.
double enbw_bins(const std::vector<float>& window);

}  // namespace coex::dsp
