#pragma once
// How the pictures and the HTML page title a capture.
#include <string>

namespace coex::render::detail {

// The file's name without its folders; device arguments of a live scan ("driver=…,scene=/x/y.json") as they are.
inline std::string file_name(const std::string& path) {
    if (path.find('=') != std::string::npos) return path;
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace coex::render::detail
