// The command line: picks the sub-command and turns every error into its exit code (docs/architecture.md).
// main() is only this; the command-line fuzz target calls it too.
#include "commands.hpp"
#include "parse.hpp"

#include "coex/core/error.hpp"

#include <boost/program_options/errors.hpp>

#include <algorithm>
#include <exception>
#include <iostream>
#include <new>

namespace coex::cli {
namespace {

constexpr const char* kUsage = R"(usage: coex <command> [options]

commands:
  analyze FILE    replay a capture and report what is on the air at 2.4 GHz
  synth SCENE     simulate a labelled capture from a scene file (docs/scenes.md)
  eval DIR        score the analysis against labelled captures (docs/accuracy.md)
  devices         list the radios SoapySDR sees and whether each reaches 2.4 GHz
  scan            sweep a live radio over the band and report (docs/hardware.md)
  record FILE     record a live radio to a capture
  convert IN OUT  convert between coex HDF5, SigMF and raw I/Q files (docs/formats.md)
  monitor         watch a room for days: event log, period reports, day picture (docs/monitor.md)
  site            one channel plan for the access points of every sensor on an MQTT broker (docs/publish.md)

'coex <command> --help' describes a command's options.
)";

bool holds_boost_placeholder(const std::vector<std::string>& words) {
    return std::any_of(words.begin(), words.end(), [](const std::string& w) {
        for (const char* token : {"%value%", "%canonical_option%", "%prefix_option%", "%option%", "%original_token%"})
            if (w.find(token) != std::string::npos) return true;
        return false;
    });
}

}  // namespace

int run_command_line(const std::vector<std::string>& words) {
    const std::string command = words.empty() ? "" : words.front();
    const std::vector<std::string> args(words.begin() + (words.empty() ? 0 : 1), words.end());
    try {
        if (command == "analyze") return run_analyze(args);
        if (command == "synth") return run_synth(args);
        if (command == "eval") return run_eval(args);
        if (command == "devices") return run_devices(args);
        if (command == "scan") return run_scan(args);
        if (command == "record") return run_record(args);
        if (command == "convert") return run_convert(args);
        if (command == "monitor") return run_monitor(args);
        if (command == "site") return run_site(args);
        if (command == "--help" || command == "-h" || command == "help") {
            std::cout << kUsage;
            return 0;
        }
        if (command == "--version") {
            std::cout << "coex " << COEX_VERSION << "\n";
            return 0;
        }
        std::cerr << "coex: " << (command.empty() ? std::string("no command given") : "unknown command '" + command + "'")
                  << "; try 'coex --help'\n";
        return 2;
    } catch (const UsageError& e) {
        std::cerr << "coex " << command << ": " << e.message << "\n";
        return 2;
    } catch (const boost::program_options::error_with_option_name& e) {
        // Boost 1.74 fills its message by replacing "%value%" and its kin until none is left, so a value
        // that holds such a token itself never ends (found by the cli fuzz target): name the option only.
        if (holds_boost_placeholder(words)) {
            std::cerr << "coex " << command << ": the value given to " << e.get_option_name() << " is not valid\n";
            return 2;
        }
        std::cerr << "coex " << command << ": " << e.what() << "\n";
        return 2;
    } catch (const boost::program_options::error& e) {
        std::cerr << "coex " << command << ": " << e.what() << "\n";
        return 2;
    } catch (const ConfigError& e) {
        std::cerr << "coex " << command << ": " << e.render(option_for(e.parameter())) << "\n";
        return 2;
    } catch (const InputError& e) {
        std::cerr << "coex " << command << ": " << e.what() << "\n";
        return 2;
    } catch (const std::bad_alloc&) {
        std::cerr << "coex " << command << ": out of memory\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "coex " << command << ": internal error: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace coex::cli
