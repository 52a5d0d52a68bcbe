// Fuzz target: the messages `coex site` consumes from other sensors through the broker: a window
// state and an event (the same bytes tried as both).
#include "fuzz_target.hpp"

#include "coex/monitor/state.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    coex::fuzz::expect_clean_rejection([&] { (void)coex::monitor::to_json(coex::monitor::window_state_from_json(text, "coex/x/state")); });
    coex::fuzz::expect_clean_rejection([&] { (void)coex::monitor::to_json(coex::monitor::event_from_json(text, "coex/x/events")); });
    return 0;
}
