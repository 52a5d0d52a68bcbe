#pragma once
// Sub-commands of the coex executable. Each parses its own options and returns the process exit code:
// 0 ok, 2 bad input or usage, 1 internal error (exceptions are mapped in main).
#include <string>
#include <vector>

namespace coex::cli {

// The whole command line after the program's name (the command, then its options): runs it and
// returns the exit code, every exception mapped to its code and one line on stderr.
int run_command_line(const std::vector<std::string>& words);

int run_analyze(const std::vector<std::string>& args);
int run_synth(const std::vector<std::string>& args);
int run_eval(const std::vector<std::string>& args);
int run_devices(const std::vector<std::string>& args);
int run_scan(const std::vector<std::string>& args);
int run_record(const std::vector<std::string>& args);
int run_convert(const std::vector<std::string>& args);
int run_monitor(const std::vector<std::string>& args);
int run_site(const std::vector<std::string>& args);

// Thrown for a usage problem: the message names the option and what is wrong.
struct UsageError {
    std::string message;
};

}  // namespace coex::cli
