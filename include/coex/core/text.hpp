#pragma once
// Small text helpers every module's messages share.
#include <string>
#include <string_view>
#include <vector>

namespace coex {

[[nodiscard]] std::string lower_case(std::string_view text);
// A sample rate as people write it: "20 MS/s", "2.4 MS/s", "250 kS/s".
[[nodiscard]] std::string rate_text(double hz);

// Whole numbers grouped into runs, "1–5, 7, 9–13" (sorted, each once).
[[nodiscard]] std::string runs_text(std::vector<int> values);

}  // namespace coex
