#pragma once
// Small text helpers every module's messages share.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace coex {

[[nodiscard]] std::string lower_case(std::string_view text);
// A sample rate as people write it: "20 MS/s", "2.4 MS/s", "250 kS/s".
[[nodiscard]] std::string rate_text(double hz);

// "1 packet", "3 packets": a count with its noun (plural with an s).
[[nodiscard]] std::string count_text(std::size_t n, std::string_view noun);

// Whole numbers grouped into runs, "1–5, 7, 9–13" (sorted, each once).
[[nodiscard]] std::string runs_text(std::vector<int> values);

}  // namespace coex
