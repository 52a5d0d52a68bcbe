#include "parse.hpp"

#include <map>

#include <iostream>

namespace po = boost::program_options;

namespace coex::cli {

bool parse_command_line(const std::vector<std::string>& args, const po::options_description& visible,
                        const po::options_description& hidden, std::initializer_list<Positional> positionals,
                        po::variables_map& vm, const char* epilogue) {
    po::options_description all;
    all.add(visible).add(hidden);
    po::positional_options_description positional;
    for (const auto& p : positionals) positional.add(p.option, p.count);
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
    po::notify(vm);
    if (vm.count("help")) {
        std::cout << visible << "\n" << epilogue;
        return false;
    }
    return true;
}

std::string option_for(const std::string& parameter) {
    static const std::map<std::string, std::string> options{
        {"fft_size", "--fft"},         {"overlap", "--overlap"},
        {"sample_rate_hz", "--rate"},  {"center_hz", "--center"},
        {"format", "--format"},        {"dwell_s", "--dwell"},
        {"rounds", "--rounds"},        {"duration_s", "--duration"},
        {"settle_s", "--settle"},      {"ring_seconds", "--ring"},
        {"stall_timeout_s", "--stall-timeout"}, {"band", "--band"},
        {"plan", "--plan"},            {"lo_offset_hz", "--lo-offset"},
        {"gain", "--gain"},            {"antenna", "--antenna"},
        {"bandwidth_hz", "--bandwidth"},
        {"window_s", "--window"},      {"period_s", "--period"},
        {"keep_days", "--keep-days"},  {"sensor_id", "--sensor-id"},
        {"time_constant_s", "--smoothing"}, {"hold_s", "--switch-hold"},
        {"switch_margin", "--switch-margin"}, {"metrics", "--metrics"},
        {"mqtt_host", "--mqtt"},       {"mqtt_port", "--mqtt"},
        {"mqtt_password", "--mqtt"},   {"mqtt_username", "--mqtt"},
        {"mqtt_ca_file", "--mqtt-ca"}, {"neighbour_penalty", "--neighbour-penalty"},
    };
    const auto it = options.find(parameter);
    return it == options.end() ? parameter : it->second;
}

}  // namespace coex::cli
