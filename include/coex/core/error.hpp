#pragma once
// Error kinds. InputError: the user's file or argument is wrong (exit 2). Anything else is ours (exit 1).
#include <stdexcept>
#include <string>

namespace coex {

class InputError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A configuration value outside its allowed range; thrown by constructors and factories.
class ConfigError : public InputError {
public:
    using InputError::InputError;
};

}  // namespace coex
