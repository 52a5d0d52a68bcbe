#include "parse.hpp"

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

}  // namespace coex::cli
