#include "output.hpp"

#include "commands.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <unistd.h>

namespace coex::cli {

OutputFile::OutputFile(std::string option, std::string path) : option_(std::move(option)), path_(std::move(path)) {
    if (!active() || is_stdout()) return;
    const std::filesystem::path p(path_);
    if (std::filesystem::is_directory(p)) throw UsageError{option_ + ": '" + path_ + "' is a directory"};
    const auto dir = p.has_parent_path() ? p.parent_path() : std::filesystem::path(".");
    if (!std::filesystem::is_directory(dir)) throw UsageError{option_ + ": folder '" + dir.string() + "' does not exist"};
    if (::access(dir.c_str(), W_OK) != 0) throw UsageError{option_ + ": cannot write in '" + dir.string() + "': " + std::strerror(errno)};
}

void OutputFile::write(const std::string& text) const {
    if (is_stdout()) {
        std::cout << text << std::flush;
        return;
    }
    const std::string temp = path_ + ".partial";
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        out << text;
        out.flush();
        if (!out) throw UsageError{option_ + ": could not write '" + path_ + "': " + std::strerror(errno)};
    }
    std::error_code ec;
    std::filesystem::rename(temp, path_, ec);
    if (ec) throw UsageError{option_ + ": could not write '" + path_ + "': " + ec.message()};
}

}  // namespace coex::cli
