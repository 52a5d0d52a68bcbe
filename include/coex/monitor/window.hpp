#pragma once
// One window of the monitor (default 10 s of stream time): the report the analysis made of it, reduced
// to what the monitor keeps — the WindowState it publishes, each emitter's times inside the window (for
// the event tracker), and a bounded spectrum summary (max and mean power per MHz, for the day picture).
#include "coex/analysis/analyzer.hpp"
#include "coex/dsp/window.hpp"
#include "coex/monitor/state.hpp"
#include "coex/report/report.hpp"

#include <map>
#include <memory>
#include <optional>
#include <tuple>
#include <vector>

namespace coex::dsp {
class MhzCellGrid;
}

namespace coex::monitor {

// Max and mean power per whole MHz over a window's spectrogram frames, from the frames the analysis
// computes anyway (AnalysisConfig::on_frame): per frame each 1 MHz cell's band power (the same cells and
// calibration as the noise floors, dsp::MhzCellGrid), then its maximum and mean over the frames. Memory
// is one row of cells, whatever the window's length.
class BandSpectrum {
public:
    // Cells centred on every whole MHz from first_mhz to last_mhz; `window`: the spectrogram's window
    // (its equivalent noise bandwidth calibrates band power).
    BandSpectrum(int first_mhz, int last_mhz, dsp::Window window);
    ~BandSpectrum();
    BandSpectrum(BandSpectrum&&) noexcept;
    BandSpectrum& operator=(BandSpectrum&&) noexcept;

    void add(const analysis::FrameView& frame);
    void clear();  // a new window; the cell maps of the tunings seen are kept

    [[nodiscard]] int first_mhz() const { return first_mhz_; }
    [[nodiscard]] int last_mhz() const { return first_mhz_ + static_cast<int>(cells_.size()) - 1; }
    [[nodiscard]] std::size_t cells() const { return cells_.size(); }
    // dBFS per MHz; nullopt where no frame reached the cell.
    [[nodiscard]] std::optional<double> max_dbfs(std::size_t cell) const;
    [[nodiscard]] std::optional<double> mean_dbfs(std::size_t cell) const;
    [[nodiscard]] std::uint64_t frames() const { return frames_; }

private:
    struct Cell {
        double sum = 0.0;
        float max = 0.0f;
        std::uint32_t count = 0;
    };
    const dsp::MhzCellGrid& grid_for(const analysis::FrameView& frame);

    int first_mhz_;
    dsp::Window window_;
    std::vector<Cell> cells_;
    std::vector<float> scratch_;
    std::map<std::tuple<long long, long long, std::size_t>, std::unique_ptr<dsp::MhzCellGrid>> grids_;
    std::uint64_t frames_ = 0;
};

// An emitter as one window saw it, with its times inside the window (UTC seconds).
struct Sighting {
    InterfererState state;
    double center_mhz = 0.0;
    double first_unix_s = 0.0, last_unix_s = 0.0;
    std::optional<int> wifi_channel;  // Wi-Fi emitters: the channel they sit on
};

struct WindowSummary {
    WindowState state;
    std::vector<Sighting> sightings;
};

// What the summary needs besides the report: who the sensor is, where the window lies in UTC, and the
// stream time the report's times count from (unix = origin_unix_s + stream time).
struct WindowContext {
    std::string sensor_id;
    double start_unix_s = 0.0, end_unix_s = 0.0;
    double origin_unix_s = 0.0;
};

// The window's report → its summary. Channels: the observed Wi-Fi channels (airtime = the measured
// occupancy, the floor under the channel, and the cost the recommendation's ranking gave it); every
// emitter; the decoded networks (`mine` as the pipeline marked them from --my-network). The
// recommendation fields are the window's own (window_best_channel, current_channel); the monitor's
// advisor sets recommended_channel, headline and reasons; the counters are the monitor's.
[[nodiscard]] WindowSummary summarize(const report::Report& report, const WindowContext& context);

// Packets whose checksum held in the report: per emitter (its decode counts) plus the Wi-Fi PPDUs.
[[nodiscard]] std::uint64_t packets_decoded(const report::Report& report);

}  // namespace coex::monitor
