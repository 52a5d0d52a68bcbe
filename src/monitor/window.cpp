// A window's report reduced to the monitor's summary, and the per-window spectrum summary.
#include "coex/monitor/window.hpp"

#include "coex/core/emitter_class.hpp"
#include "coex/dsp/cell_grid.hpp"

#include <algorithm>
#include <cmath>

namespace coex::monitor {

BandSpectrum::BandSpectrum(int first_mhz, int last_mhz, dsp::Window window)
    : first_mhz_(first_mhz), window_(window), cells_(static_cast<std::size_t>(std::max(1, last_mhz - first_mhz + 1))) {}
BandSpectrum::~BandSpectrum() = default;
BandSpectrum::BandSpectrum(BandSpectrum&&) noexcept = default;
BandSpectrum& BandSpectrum::operator=(BandSpectrum&&) noexcept = default;

const dsp::MhzCellGrid& BandSpectrum::grid_for(const analysis::FrameView& frame) {
    const auto key = std::make_tuple(std::llround(frame.tuning.center_frequency_hz), std::llround(frame.tuning.sample_rate_hz),
                                     frame.bins.size());
    auto& grid = grids_[key];
    if (!grid) {
        const double enbw = dsp::enbw_bins(dsp::make_window(window_, frame.bins.size()));
        grid = std::make_unique<dsp::MhzCellGrid>(frame.tuning.center_frequency_hz, frame.tuning.sample_rate_hz, frame.bins.size(), enbw,
                                                  frame.tuning.usable_bandwidth_hz() / 2.0);
    }
    return *grid;
}

void BandSpectrum::add(const analysis::FrameView& frame) {
    const auto& grid = grid_for(frame);
    if (grid.size() == 0) return;
    scratch_.resize(grid.size());
    grid.reduce(frame.bins, scratch_);
    for (std::size_t i = 0; i < grid.size(); ++i) {
        const int mhz = grid.first_mhz() + static_cast<int>(i);
        const int c = mhz - first_mhz_;
        if (c < 0 || c >= static_cast<int>(cells_.size())) continue;
        auto& cell = cells_[static_cast<std::size_t>(c)];
        const float p = scratch_[i];
        cell.sum += p;
        cell.max = cell.count == 0 ? p : std::max(cell.max, p);
        ++cell.count;
    }
    ++frames_;
}

void BandSpectrum::clear() {
    std::fill(cells_.begin(), cells_.end(), Cell{});
    frames_ = 0;
}

namespace {
std::optional<double> dbfs(double power) {
    if (!(power > 0.0)) return std::nullopt;
    return 10.0 * std::log10(power);
}
}  // namespace

std::optional<double> BandSpectrum::max_dbfs(std::size_t cell) const {
    const auto& c = cells_.at(cell);
    if (c.count == 0) return std::nullopt;
    return dbfs(c.max).value_or(-200.0);
}

std::optional<double> BandSpectrum::mean_dbfs(std::size_t cell) const {
    const auto& c = cells_.at(cell);
    if (c.count == 0) return std::nullopt;
    return dbfs(c.sum / c.count).value_or(-200.0);
}

std::uint64_t packets_decoded(const report::Report& report) {
    std::uint64_t n = 0;
    for (const auto& e : report.emitters)
        if (e.evidence.decode) n += e.evidence.decode->checksum_ok;
    for (const auto& row : report.wifi)
        if (row.decoded) n += row.decoded->ppdus;
    return n;
}

WindowSummary summarize(const report::Report& report, const WindowContext& context) {
    WindowSummary out;
    auto& s = out.state;
    s.sensor_id = context.sensor_id;
    s.start_unix_s = context.start_unix_s;
    s.end_unix_s = context.end_unix_s;
    s.observed_s = report.capture.observed_s;
    s.noise_floor_dbfs_per_mhz = report.noise_floor_dbfs_per_mhz;

    std::map<int, double> cost;
    if (report.recommendation) {
        for (const auto& r : report.recommendation->ranking) cost.emplace(r.channel, r.score);
        s.window_best_channel = report.recommendation->channel;
        s.current_channel = report.recommendation->current_channel;
    }
    for (const auto& row : report.wifi) {
        if (!row.observed) continue;
        ChannelState c;
        c.channel = row.channel;
        c.center_mhz = row.center_mhz;
        c.airtime = row.occupancy;
        c.observed_s = row.observed_s;
        c.noise_floor_dbfs_per_mhz = row.noise_floor_dbfs_per_mhz;
        if (const auto it = cost.find(row.channel); it != cost.end()) c.cost = it->second;
        s.channels.push_back(c);
        for (const auto& n : row.networks)
            s.networks.push_back({n.ssid, n.bssid, row.channel, n.frames, row.mean_power_dbfs, n.mine});
    }
    std::sort(s.channels.begin(), s.channels.end(), [](const auto& a, const auto& b) { return a.channel < b.channel; });
    std::stable_sort(s.networks.begin(), s.networks.end(), [](const auto& a, const auto& b) { return a.frames > b.frames; });

    for (const auto& e : report.emitters) {
        InterfererState i;
        i.class_key = std::string(key(e.emitter_class));
        i.low_mhz = e.low_mhz;
        i.high_mhz = e.high_mhz;
        i.level_dbfs = e.level_dbfs;
        i.above_floor_db = e.above_floor_db;
        i.duty_cycle = e.duty_cycle;
        i.confidence = e.confidence;
        i.evidence = std::string(report::evidence_key(e.evidence.basis));
        i.summary = e.summary;
        Sighting sighting;
        sighting.state = i;
        sighting.center_mhz = e.center_mhz;
        sighting.first_unix_s = context.origin_unix_s + e.first_s;
        sighting.last_unix_s = context.origin_unix_s + e.last_s;
        if (const auto ch = report::get(e, report::fields::wifi_channel); ch && info(e.emitter_class).is_wifi)
            sighting.wifi_channel = static_cast<int>(std::lround(*ch));
        out.sightings.push_back(std::move(sighting));
        s.emitters.push_back(std::move(i));
    }
    return out;
}

}  // namespace coex::monitor
