#pragma once
// Text taken from a file, made safe for the one-line error messages of src/io.
#include <string>
#include <string_view>

namespace coex::io {

// Control characters become \xNN, so a newline in an attribute cannot break the message's line.
[[nodiscard]] std::string printable(std::string_view text);

}  // namespace coex::io
