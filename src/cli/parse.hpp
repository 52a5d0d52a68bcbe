#pragma once
// The argument parsing every sub-command shares: its options, positional arguments bound in order to
// hidden options, and --help.
#include <boost/program_options.hpp>

#include <initializer_list>
#include <string>
#include <vector>

namespace coex::cli {

struct Positional {
    const char* option;  // the hidden option it fills
    int count;           // how many arguments it takes; −1: all that are left
};

// Parses `args` into `vm`. Returns false when --help was asked: the options (and `epilogue`) were
// printed and the command should end with exit code 0. Parse errors throw (exit 2 in main).
bool parse_command_line(const std::vector<std::string>& args, const boost::program_options::options_description& visible,
                        const boost::program_options::options_description& hidden, std::initializer_list<Positional> positionals,
                        boost::program_options::variables_map& vm, const char* epilogue = "");

// The option that sets a library parameter (`fft_size` → `--fft`), for errors the library raises
// naming the parameter (ConfigError); the parameter's own name when no option sets it.
[[nodiscard]] std::string option_for(const std::string& parameter);

}  // namespace coex::cli
