#pragma once
// The analysis report: one data model, rendered as text for people and as JSON (docs/report-format.md)
// for programs. Rendering returns strings; printing is the CLI's business.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace coex::report {

inline constexpr const char* kSchema = "coex-report/1";

struct CaptureFacts {
    std::string path;
    double duration_s = 0.0;  // from the first segment's start to the last one's end
    double observed_s = 0.0;  // sum of segment lengths (less than duration in a sweep with retune gaps)
    std::size_t segments = 0;
    std::vector<double> sample_rates_hz;                 // distinct, ascending
    std::vector<std::pair<double, double>> coverage_mhz;  // merged usable bands, ascending
    std::string hardware, datetime, description;
};

struct WifiChannelRow {
    int channel = 0;
    double center_mhz = 0.0;
    bool observed = false;
    double observed_s = 0.0;
    double occupancy = 0.0;
    std::optional<double> mean_power_dbfs;
    std::uint64_t bursts = 0;
};

struct AnalysisSettings {
    std::string domain;  // "US", "EU", "JP"
    std::vector<std::size_t> fft_sizes;
    std::string window;
    double overlap = 0.0;
};

struct Stats {
    std::uint64_t samples_in = 0, samples_dropped = 0, samples_lost = 0, frames = 0;
    std::map<std::string, std::uint64_t> counters;  // per stage: "wifi.frames_on", …
};

struct Report {
    CaptureFacts capture;
    AnalysisSettings settings;
    std::optional<double> noise_floor_dbfs_per_mhz;  // unset when the capture held no signal at all
    std::vector<WifiChannelRow> wifi;
    Stats stats;
};

[[nodiscard]] std::string to_json(const Report& report);
[[nodiscard]] std::string to_text(const Report& report);

}  // namespace coex::report
