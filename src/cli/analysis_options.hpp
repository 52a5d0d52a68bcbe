#pragma once
// The analysis and recommendation options `analyze` and `scan` share, and their checking.
#include "coex/analysis/analyzer.hpp"
#include "coex/recommend/recommend.hpp"

#include <boost/program_options.hpp>

#include <string>
#include <vector>

namespace coex::cli {

struct AnalysisOptions {
    std::size_t fft_size = 0;
    std::string window = "hann";
    double overlap = 0.0;
    bool estimate_plans = false;
    bool list_bursts = false;
    bool no_detect = false;
    int current_channel = 0;
    int width = 20;
    std::vector<std::string> my_networks;
    bool no_decode = false;
    bool redact = false;
};

void add_analysis_options(boost::program_options::options_description& options, AnalysisOptions& values);
// Only the spectrogram's: --fft, --window, --overlap, --fft-estimate (coex eval takes these alone).
void add_spectrogram_options(boost::program_options::options_description& options, AnalysisOptions& values);
// The spectrogram settings of `values`; UsageError naming --window when it is unknown (the rest is
// checked by the Analyzer's constructor).
dsp::SpectrogramConfig spectrogram_config(const AnalysisOptions& values);

struct AnalysisSetup {
    analysis::AnalysisConfig analysis;
    recommend::Config advice;
};

// Checks the values (UsageError naming the option) for the regulatory domain `country` (--country).
AnalysisSetup make_analysis_setup(const AnalysisOptions& values, const std::string& country,
                                  const boost::program_options::variables_map& vm);

}  // namespace coex::cli
