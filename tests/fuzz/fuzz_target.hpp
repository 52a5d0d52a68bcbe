#pragma once
// Shared by the fuzz targets (tests/fuzz/*_fuzz.cpp): each defines LLVMFuzzerTestOneInput. Built with
// clang's libFuzzer by bench/fuzz.sh (COEX_FUZZ=ON), and without it as fuzz_regression_test, which
// replays every seed and every input a fuzzer ever found (tests/fuzz/corpus/<target>/) through the same
// entry points under GoogleTest, so a fixed crash stays fixed on every build.
#include "coex/core/error.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <unistd.h>

namespace coex::fuzz {

// A file holding the input, removed when done: the readers under test open paths, as the tool does.
class TempFile {
public:
    TempFile(const std::uint8_t* data, std::size_t size, const std::string& name) {
        const auto dir = std::filesystem::temp_directory_path() / ("coex-fuzz-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir);
        path_ = dir / name;
        std::ofstream(path_, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    }
    ~TempFile() {
        std::error_code ec;
        std::filesystem::remove(path_, ec);
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    [[nodiscard]] const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// Runs `f`, accepting exactly the errors a reader promises for bad input; anything else (another
// exception, a crash, a sanitizer report) is a finding.
template <typename F>
void expect_clean_rejection(F&& f) {
    try {
        f();
    } catch (const InputError&) {  // ConfigError is one too
    }
}

// Splits the input at the first occurrence of a separator line, for targets that take two documents.
inline std::pair<std::string_view, std::string_view> split_two(const std::uint8_t* data, std::size_t size) {
    const std::string_view all(reinterpret_cast<const char*>(data), size);
    const auto at = all.find("\n--8<--\n");
    if (at == std::string_view::npos) return {all, {}};
    return {all.substr(0, at), all.substr(at + 8)};
}

}  // namespace coex::fuzz
