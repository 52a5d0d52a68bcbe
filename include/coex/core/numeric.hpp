#pragma once
// Statistics the stages share.
#include <algorithm>
#include <cstddef>
#include <vector>

namespace coex {

// The middle value (the upper of the two middle ones for an even count); 0 for none. Takes a copy: it
// reorders it.
template <class T>
[[nodiscard]] double median(std::vector<T> values) {
    if (values.empty()) return 0.0;
    auto mid = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
    std::nth_element(values.begin(), mid, values.end());
    return static_cast<double>(*mid);
}

}  // namespace coex
