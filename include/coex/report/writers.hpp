#pragma once
// The report's writers: JSON (docs/report-format.md) for programs and text for people. They return
// strings; where they go is the caller's business.
#include "coex/report/report.hpp"

#include <string>

namespace coex::report {

[[nodiscard]] std::string to_json(const Report& report);
[[nodiscard]] std::string to_text(const Report& report);

}  // namespace coex::report
