// Fuzz target: what `coex eval` reads: a JSON report and a labels file (separated by "\n--8<--\n"),
// scored against each other.
#include "fuzz_target.hpp"

#include "coex/eval/score.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto [report, labels] = coex::fuzz::split_two(data, size);
    coex::fuzz::expect_clean_rejection([&] { (void)coex::eval::score_capture(std::string(report), std::string(labels), "fuzz"); });
    return 0;
}
