// coex: Bluetooth/Wi-Fi coexistence and RF interference analyzer.
#include "commands.hpp"

#include <algorithm>

int main(int argc, char** argv) {
    return coex::cli::run_command_line(std::vector<std::string>(argv + std::min(argc, 1), argv + argc));
}
