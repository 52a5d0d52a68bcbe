// Fuzz target: a capture file of any format the tool opens, as bytes. The target's name picks the
// format (one binary per format, so each fuzzer's corpus stays one kind): COEX_FUZZ_FORMAT is "h5",
// "sigmf" (metadata, then "\n--8<--\n", then the data file) or "cs16" (a raw file whose name carries the
// tuning). Every sample is read, as `coex analyze` would, so the data path is exercised too.
#include "fuzz_target.hpp"

#include "coex/io/open.hpp"

#include <cstring>
#include <string>

#ifndef COEX_FUZZ_FORMAT
#error "COEX_FUZZ_FORMAT must name the format"
#endif

namespace {

void read_everything(const std::filesystem::path& path, const coex::io::OpenOptions& options) {
    auto opened = coex::io::open_capture(path, options);
    coex::SampleBlock block;
    std::uint64_t seen = 0;
    // A header may claim more samples than the file holds: the reader must notice, not trust it.
    while (opened.source->next(block) && seen < (std::uint64_t{1} << 24)) seen += block.samples.size();
}

// True when a global heap collection in the bytes breaks the file format's rule that its objects tile
// it exactly, the last (object 0, free space, whose size counts its own header) ending where the
// collection ends. Debian 12's HDF5 1.10.8
// loops forever decoding such a collection (fixed in HDF5 1.14.2); the tool ends that with a clear
// error after 10 s of CPU (src/io/library_watchdog.hpp), which a fuzzer would report as a hang every
// time. Such inputs are skipped; tests/cli has the tool's own answer to one.
bool has_damaged_global_heap(const std::uint8_t* data, std::size_t size) {
    auto u64 = [&](std::size_t at) {
        std::uint64_t v = 0;
        std::memcpy(&v, data + at, 8);
        return v;  // little-endian, as every HDF5 file is written on the machines that write ours
    };
    for (std::size_t at = 0; at + 16 <= size; ++at) {
        if (std::memcmp(data + at, "GCOL", 4) != 0) continue;
        const std::uint64_t length = u64(at + 8);
        if (length < 16 || length > size - at) return true;
        std::uint64_t offset = 16;
        while (offset + 16 <= length) {
            std::uint16_t index = 0;
            std::memcpy(&index, data + at + offset, 2);
            const std::uint64_t object = u64(at + offset + 8);
            if (object > length) return true;
            if (index == 0) {  // free space, its size counting its own header: the remainder
                if (offset + object != length) return true;
                break;
            }
            const std::uint64_t next = offset + 16 + (object + 7) / 8 * 8;
            if (next > length) return true;
            offset = next;
        }
    }
    return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace coex;
    const std::string format = COEX_FUZZ_FORMAT;
    io::OpenOptions options;
    options.block_samples = 4096;
    if (format == "sigmf") {
        const auto [meta, samples] = fuzz::split_two(data, size);
        fuzz::TempFile meta_file(reinterpret_cast<const std::uint8_t*>(meta.data()), meta.size(), "fuzz.sigmf-meta");
        fuzz::TempFile data_file(reinterpret_cast<const std::uint8_t*>(samples.data()), samples.size(), "fuzz.sigmf-data");
        fuzz::expect_clean_rejection([&] { read_everything(meta_file.path(), options); });
    } else if (format == "cs16") {
        // The name is part of the input: its first line, the rest is the file's bytes.
        const std::string_view all(reinterpret_cast<const char*>(data), size);
        const auto eol = all.find('\n');
        const std::string_view first_line = eol == std::string_view::npos ? std::string_view{} : all.substr(0, std::min<std::size_t>(eol, 100));
        const bool usable = !first_line.empty() && first_line != "." && first_line != "..";
        std::string name(usable ? first_line : std::string_view("x"));
        for (char& c : name)
            if (c == '/' || c == '\0') c = '_';
        const std::string_view body = eol == std::string_view::npos ? all : all.substr(eol + 1);
        fuzz::TempFile file(reinterpret_cast<const std::uint8_t*>(body.data()), body.size(), name + ".cs16");
        fuzz::expect_clean_rejection([&] { read_everything(file.path(), options); });
    } else {
        if (has_damaged_global_heap(data, size)) return 0;
        fuzz::TempFile file(data, size, "fuzz.h5");
        fuzz::expect_clean_rejection([&] { read_everything(file.path(), options); });
    }
    return 0;
}
