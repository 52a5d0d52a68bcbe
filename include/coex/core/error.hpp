#pragma once
// Error kinds. InputError: the user's file or argument is wrong (exit 2). Anything else is ours (exit 1).
#include <stdexcept>
#include <string>

namespace coex {

class InputError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A configuration value outside its allowed range; thrown where a configuration is validated. It names
// the parameter by its name in the library (`fft_size`, `dwell_s`); a front end that calls it something
// else (the CLI's `--fft`) says it with render(). A problem that must name the parameter inside its
// sentence writes {} wherever the name goes ("sample rate unknown: give {} or put it in the name");
// otherwise the name leads ("fft_size: must be a power of two …").
class ConfigError : public InputError {
public:
    explicit ConfigError(const std::string& message) : InputError(message) {}
    ConfigError(std::string parameter, std::string problem)
        : InputError(render_with(problem, parameter)), parameter_(std::move(parameter)), problem_(std::move(problem)) {}

    [[nodiscard]] const std::string& parameter() const { return parameter_; }  // empty: the message names no parameter
    // The message with the parameter called `name`.
    [[nodiscard]] std::string render(const std::string& name) const {
        return parameter_.empty() ? std::string(what()) : render_with(problem_, name);
    }

private:
    static std::string render_with(const std::string& problem, const std::string& name) {
        if (problem.find("{}") == std::string::npos) return name + ": " + problem;
        std::string out;
        std::size_t from = 0;
        for (auto at = problem.find("{}"); at != std::string::npos; from = at + 2, at = problem.find("{}", from))
            out += problem.substr(from, at - from) + name;
        return out + problem.substr(from);
    }
    std::string parameter_, problem_;
};

}  // namespace coex
