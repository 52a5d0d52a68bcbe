// Fuzz target: a capture file of any format the tool opens, as bytes. The target's name picks the
// format (one binary per format, so each fuzzer's corpus stays one kind): COEX_FUZZ_FORMAT is "h5",
// "sigmf" (metadata, then "\n--8<--\n", then the data file) or "cs16" (a raw file whose name carries the
// tuning). Every sample is read, as `coex analyze` would, so the data path is exercised too.
#include "fuzz_target.hpp"

#include "coex/io/open.hpp"

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
        fuzz::TempFile file(data, size, "fuzz.h5");
        fuzz::expect_clean_rejection([&] { read_everything(file.path(), options); });
    }
    return 0;
}
