// Fuzz target: what `coex eval` reads: a JSON report and a labels file (separated by "\n--8<--\n"),
// scored against each other.
#include "fuzz_target.hpp"

#include "coex/eval/score.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto parts = coex::fuzz::split_two(data, size);
    const std::string report(parts.first), labels(parts.second);
    coex::fuzz::expect_clean_rejection([&] { (void)coex::eval::score_capture(report, labels, "fuzz"); });
    return 0;
}
