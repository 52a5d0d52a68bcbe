// coex devices: what SoapySDR sees, and whether each radio can look at 2.4 GHz by itself.
#include "commands.hpp"
#include "parse.hpp"

#include "coex/core/bands.hpp"
#include "coex/core/error.hpp"
#include "coex/source/planner.hpp"
#include "coex/source/radio.hpp"

#include <boost/program_options.hpp>

#include <cstdio>
#include <iostream>
#include <sstream>

namespace po = boost::program_options;

namespace coex::cli {
namespace {

std::string num(double v) {
    char t[32];
    std::snprintf(t, sizeof t, "%.6g", v);
    return t;
}

std::string ranges(const std::vector<source::Range>& list, double unit, const std::string& suffix) {
    if (list.empty()) return "—";
    std::string out;
    for (const auto& r : list) {
        if (!out.empty()) out += ", ";
        out += r.min == r.max ? num(r.min / unit) : num(r.min / unit) + "–" + num(r.max / unit);
    }
    return out + " " + suffix;
}

void describe(std::ostream& out, const source::ListedRadio& item) {
    const auto& info = item.info;
    const auto defaults = source::driver_defaults(info.family);
    out << info.driver << "  " << (info.label.empty() ? info.hardware : info.label);
    if (!info.serial.empty()) out << "  (serial " << info.serial << ")";
    out << "\n  args        " << info.args << "\n";
    if (!item.problem.empty()) {
        out << "  problem     " << item.problem << "\n";
        return;
    }
    out << "  hardware    " << info.hardware << "\n";
    out << "  tunes       " << ranges(info.frequency_ranges_hz, 1e6, "MHz") << "\n";
    out << "  rates       " << ranges(info.sample_rate_ranges_hz, 1e6, "MS/s") << "\n";
    out << "  bandwidths  " << ranges(info.bandwidth_ranges_hz, 1e6, "MHz") << "\n";
    out << "  gain        " << num(info.gain_range_db.min) << "–" << num(info.gain_range_db.max) << " dB";
    for (std::size_t i = 0; i < info.gain_elements.size(); ++i) {
        const auto& e = info.gain_elements[i];
        out << (i == 0 ? ": " : ", ") << e.name << " " << num(e.range.min) << "–" << num(e.range.max);
    }
    out << "\n  antennas    ";
    for (std::size_t i = 0; i < info.antennas.size(); ++i) out << (i ? ", " : "") << info.antennas[i];
    out << "\n  samples     " << info.sample_type << "\n";
    const bool reach = info.can_tune(ism_low_mhz * 1e6, ism_high_mhz * 1e6);
    if (reach) {
        std::string how;
        try {
            source::PlanRequest rq;
            rq.sample_rate_hz = source::choose_sample_rate(info, std::nullopt, defaults.max_rate_hz);
            rq.tunable_hz = info.frequency_ranges_hz;
            rq.radio_name = defaults.name;
            const auto plan = source::plan_sweep(rq);
            how = " — at " + num(rq.sample_rate_hz / 1e6) + " MS/s a sweep of 2400–2483.5 MHz takes " + std::to_string(plan.dwells.size()) +
                  " dwell" + (plan.dwells.size() == 1 ? "" : "s") + " (" + source::to_string(plan.kind) + " plan)";
        } catch (const InputError&) {
        }
        out << "  2.4 GHz     yes" << how << "\n";
    } else {
        double top = 0.0;
        for (const auto& r : info.frequency_ranges_hz) top = std::max(top, r.max);
        out << "  2.4 GHz     no: it tunes up to " << num(top / 1e6)
            << " MHz. Put a 2.4 GHz downconverter in front and tell coex its LO: --lo-offset HZ (RF = tuned + offset), with --invert "
               "for a high-side LO (docs/hardware.md)\n";
    }
}

}  // namespace

int run_devices(const std::vector<std::string>& args) {
    std::string filter;
    po::options_description options("coex devices [--device ARGS]");
    options.add_options()
        ("help,h", "describe the options")
        ("device", po::value(&filter)->value_name("ARGS"), "only radios matching these SoapySDR arguments (driver=hackrf; the simulator: driver=coexsim,scene=FILE.json)");
    po::variables_map vm;
    if (!parse_command_line(args, options, {}, {}, vm)) return 0;
    const auto radios = source::list_radios(filter);
    if (radios.empty()) {
        if (!filter.empty()) throw InputError("no radio matches '" + filter + "' (is it plugged in? 'coex devices' lists every radio SoapySDR sees)");
        std::cout << "no radios found. Plug in a HackRF or an RTL-SDR (and install soapysdr-module-hackrf / soapysdr-module-rtlsdr); "
                     "the simulator is listed when asked for: coex devices --device driver=coexsim\n";
        return 0;
    }
    std::ostringstream out;
    for (std::size_t i = 0; i < radios.size(); ++i) {
        if (i) out << "\n";
        describe(out, radios[i]);
    }
    std::cout << out.str();
    return 0;
}

}  // namespace coex::cli
