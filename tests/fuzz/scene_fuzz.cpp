// Fuzz target: a scene file for `coex synth` (the simulator's strict JSON reader). Parsing only:
// synthesis of a valid scene is the simulator's job and is tested elsewhere.
#include "fuzz_target.hpp"

#include "coex/sim/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    coex::fuzz::expect_clean_rejection([&] { (void)coex::sim::parse_scene(text, "fuzz.json"); });
    return 0;
}
