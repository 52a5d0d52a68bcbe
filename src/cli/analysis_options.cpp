#include "analysis_options.hpp"

#include "commands.hpp"

#include "coex/core/bands.hpp"

namespace po = boost::program_options;

namespace coex::cli {

void add_spectrogram_options(po::options_description& options, AnalysisOptions& v) {
    options.add_options()
        ("fft", po::value(&v.fft_size)->value_name("N"), "FFT size, a power of two (default: ~78 kHz bins for the sample rate)")
        ("window", po::value(&v.window)->value_name("NAME"), "hann (default), hamming, blackman-harris, rect")
        ("overlap", po::value(&v.overlap)->value_name("F"), "overlap between frames, 0…0.9 (default 0)")
        ("fft-estimate", po::bool_switch(&v.estimate_plans), "plan FFTs without measuring (faster start, slower transforms)");
}

dsp::SpectrogramConfig spectrogram_config(const AnalysisOptions& v) {
    const auto window = dsp::parse_window(v.window);
    if (!window) throw UsageError{"--window: '" + v.window + "' is not one of hann, hamming, blackman-harris, rect"};
    dsp::SpectrogramConfig c;
    c.window = *window;
    c.fft_size = v.fft_size;
    c.overlap = v.overlap;
    c.planning = v.estimate_plans ? dsp::FftPlanning::estimate : dsp::FftPlanning::measure;
    return c;
}

void add_analysis_options(po::options_description& options, AnalysisOptions& v) {
    add_spectrogram_options(options, v);
    options.add_options()
        ("current-channel", po::value(&v.current_channel)->value_name("N"), "the router's channel now (the recommendation weighs moving against staying)")
        ("width", po::value(&v.width)->value_name("MHz"), "channel width to recommend for: 20 (default) or 40")
        ("my-network", po::value(&v.my_networks)->value_name("SSID")->composing(), "your own network's name (repeat for several): where its beacons are decoded is your router's channel now")
        ("redact", po::bool_switch(&v.redact), "replace SSIDs, BSSIDs and device addresses by salted digests in every output, to share the report")
        ("no-decode", po::bool_switch(&v.no_decode), "do not decode packets: classes rest on behaviour and shape alone (faster; to compare)")
        ("bursts", po::bool_switch(&v.list_bursts), "list every burst the classifier judged in the JSON report, with its features")
        ("no-detect", po::bool_switch(&v.no_detect), "spectrogram, noise floors and 1 MHz cells only: no detectors, no emitters (to measure what detection costs)");
}

AnalysisSetup make_analysis_setup(const AnalysisOptions& v, const std::string& country, const po::variables_map& vm) {
    AnalysisSetup s;
    const auto domain = parse_reg_domain(country);
    if (!domain) throw UsageError{"--country: '" + country + "' is not one of US, EU, JP"};
    s.analysis.domain = *domain;
    s.analysis.spectrogram = spectrogram_config(v);
    s.analysis.keep_bursts = v.list_bursts;
    s.analysis.detect = !v.no_detect;
    s.analysis.decode = !v.no_decode;
    for (const auto& ssid : v.my_networks)
        if (ssid.empty() || ssid.size() > 32) throw UsageError{"--my-network: '" + ssid + "' is not an SSID (1–32 octets)"};
    s.advice.my_networks = v.my_networks;
    s.advice.domain = *domain;
    if (v.width != 20 && v.width != 40) throw UsageError{"--width: " + std::to_string(v.width) + " MHz is not 20 or 40"};
    s.advice.width_mhz = v.width;
    if (vm.count("current-channel")) {
        const int last = wifi_channels(*domain).back().number;
        if (v.current_channel < 1 || v.current_channel > last)
            throw UsageError{"--current-channel: " + std::to_string(v.current_channel) + " is not a channel of " + country + " (1–" +
                             std::to_string(last) + ")"};
        s.advice.current_channel = v.current_channel;
    }
    return s;
}

}  // namespace coex::cli
