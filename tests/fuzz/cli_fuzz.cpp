// Fuzz target: the command line of the offline commands (analyze, synth, convert, eval, monitor
// --capture), one argument per line of the input, run in-process as `coex` runs them. Bad words must
// end in exit 2 with one line; exit 1 ("internal error") or a crash is a finding.
//
// Kept to a scratch directory: the command line may name only files there (the seed files below,
// copied in at start: a small HDF5 capture, a SigMF pair, a scene), never a path with '/' at its start
// or "..", and nothing that reaches outside the process — a radio (--device), a broker (--mqtt, `site`),
// a port (--metrics) — or that waits on the clock (--pace). What a run writes is removed after it.
#include "fuzz_target.hpp"

#include "commands.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <set>
#include <sstream>
#include <vector>

namespace {

namespace fs = std::filesystem;

// A stream buffer that swallows everything: reports and errors of millions of runs are not wanted on
// the fuzzer's terminal (libFuzzer and the sanitizers write to file descriptor 2 directly).
class NullBuffer : public std::streambuf {
protected:
    int overflow(int c) override { return traits_type::not_eof(c); }
    std::streamsize xsputn(const char*, std::streamsize n) override { return n; }
};

struct Scratch {
    fs::path dir;
    std::set<fs::path> seeds;

    Scratch() {
        dir = fs::temp_directory_path() / ("coex-fuzz-cli-" + std::to_string(::getpid()));
        fs::remove_all(dir);
        fs::create_directories(dir / "scenes");
        const fs::path corpus = fs::path(COEX_FUZZ_CORPUS).parent_path();
        copy(corpus / "capture_h5" / "tiny-ble.h5", "tiny-ble.h5");
        copy(corpus / "capture_h5" / "sweep-two-dwells.h5", "sweep.h5");
        copy(corpus / "scene" / "tiny.json", "scenes/tiny.json");
        // The SigMF seed holds its metadata and data in one file, split at the fuzz targets' separator.
        std::ifstream in(corpus / "capture_sigmf" / "tiny-ble", std::ios::binary);
        const std::string both((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const auto [meta, data] = coex::fuzz::split_two(reinterpret_cast<const std::uint8_t*>(both.data()), both.size());
        write("tiny-ble.sigmf-meta", meta);
        write("tiny-ble.sigmf-data", data);
        fs::current_path(dir);
    }
    void copy(const fs::path& from, const fs::path& to) {
        fs::copy_file(from, dir / to, fs::copy_options::overwrite_existing);
        seeds.insert(dir / to);
    }
    void write(const fs::path& to, std::string_view bytes) {
        std::ofstream(dir / to, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        seeds.insert(dir / to);
    }
    // Removes everything a run wrote, keeping the seed files.
    void clean() const {
        std::vector<fs::path> written;
        for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it) {
            if (it->is_regular_file() && !seeds.count(it->path())) written.push_back(it->path());
            if (it->is_directory() && it->path() != dir / "scenes") {
                written.push_back(it->path());
                it.disable_recursion_pending();
            }
        }
        std::error_code ec;
        for (const auto& p : written) fs::remove_all(p, ec);
    }
};

bool allowed(const std::vector<std::string>& words) {
    static const std::set<std::string> commands = {"analyze", "synth", "convert", "eval", "monitor"};
    static const std::array<std::string_view, 4> outside = {"--device", "--mqtt", "--metrics", "--pace"};
    if (words.empty() || !commands.count(words.front())) return false;
    for (const auto& w : words) {
        if (w.empty() ? false : w.front() == '/' || w.find("..") != std::string::npos || w.front() == '~') return false;
        for (auto o : outside)
            if (w.rfind(o, 0) == 0) return false;
        if (w.size() > 200) return false;
    }
    if (words.front() == "monitor" && std::find(words.begin(), words.end(), std::string("--capture")) == words.end()) return false;
    return words.size() <= 24;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Scratch scratch;
    static NullBuffer null_buffer;
    std::vector<std::string> words;
    std::istringstream lines(std::string(reinterpret_cast<const char*>(data), size));
    for (std::string line; std::getline(lines, line);) words.push_back(line);
    if (!allowed(words)) return 0;

    // COEX_FUZZ_CLI_VERBOSE=1 keeps what the commands print (to see what an input does).
    static const bool verbose = std::getenv("COEX_FUZZ_CLI_VERBOSE") != nullptr;
    auto* const out = std::cout.rdbuf(&null_buffer);
    auto* const err = verbose ? std::cerr.rdbuf() : std::cerr.rdbuf(&null_buffer);
    if (verbose) std::cout.rdbuf(std::cerr.rdbuf());
    const int code = coex::cli::run_command_line(words);
    std::cout.rdbuf(out);
    std::cerr.rdbuf(err);
    scratch.clean();
    if (code != 0 && code != 2) {
        std::string line;
        for (const auto& w : words) line += " '" + w + "'";
        std::fprintf(stderr, "coex%s: exit %d (bad input must give 2)\n", line.c_str(), code);
        std::abort();
    }
    return 0;
}
