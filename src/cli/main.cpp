// coex: Bluetooth/Wi-Fi coexistence and RF interference analyzer.
#include "commands.hpp"
#include "parse.hpp"

#include "coex/core/error.hpp"

#include <boost/program_options/errors.hpp>

#include <cstring>
#include <exception>
#include <iostream>
#include <new>

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

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + std::min(argc, 2), argv + argc);
    const std::string command = argc >= 2 ? argv[1] : "";
    try {
        if (command == "analyze") return coex::cli::run_analyze(args);
        if (command == "synth") return coex::cli::run_synth(args);
        if (command == "eval") return coex::cli::run_eval(args);
        if (command == "devices") return coex::cli::run_devices(args);
        if (command == "scan") return coex::cli::run_scan(args);
        if (command == "record") return coex::cli::run_record(args);
        if (command == "convert") return coex::cli::run_convert(args);
        if (command == "monitor") return coex::cli::run_monitor(args);
        if (command == "site") return coex::cli::run_site(args);
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
    } catch (const coex::cli::UsageError& e) {
        std::cerr << "coex " << command << ": " << e.message << "\n";
        return 2;
    } catch (const boost::program_options::error& e) {
        std::cerr << "coex " << command << ": " << e.what() << "\n";
        return 2;
    } catch (const coex::ConfigError& e) {
        std::cerr << "coex " << command << ": " << e.render(coex::cli::option_for(e.parameter())) << "\n";
        return 2;
    } catch (const coex::InputError& e) {
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
