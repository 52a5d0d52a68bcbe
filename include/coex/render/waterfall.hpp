#pragma once
// A waterfall (time × frequency grid of mean power) gathered from spectrogram frames of any number of
// tunings, stitched on one frequency axis. Memory is bounded: the frequency axis is fixed when it is
// made; the time axis starts fine and merges pairs of rows whenever it would exceed max_rows, so a
// capture of any length ends with between max_rows/2 and max_rows rows. Cells no frame reached stay
// "not observed" — a sweep's other dwells, gaps, the band outside a receiver's passband.
#include "coex/core/types.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <tuple>
#include <vector>

namespace coex::render {

struct WaterfallConfig {
    double low_hz = 0.0, high_hz = 0.0;  // frequency axis; high > low
    double column_hz = 0.0;              // 0: the first frame's bin width (at least (high − low) / max_columns)
    std::size_t max_columns = 2000;
    std::size_t max_rows = 1000;          // ≥ 2
    double start_s = 0.0;                 // time axis origin; frames before it are ignored
    double expected_duration_s = 0.0;     // when known, rows start at duration / max_rows (no merging later)
};

class Waterfall {
public:
    explicit Waterfall(const WaterfallConfig& config);

    // One frame of a tuning: bins from −fs/2 to +fs/2, `bin_hz` apart, per-bin power (a tone of amplitude A
    // reads A²). Only bins inside the tuning's usable band are kept.
    void add(const SegmentInfo& tuning, double time_s, double duration_s, double bin_hz, std::span<const float> bins);

    [[nodiscard]] std::size_t rows() const { return rows_; }
    [[nodiscard]] std::size_t columns() const { return columns_; }
    [[nodiscard]] double start_s() const { return config_.start_s; }
    [[nodiscard]] double row_seconds() const { return row_s_; }  // 0 until the first frame
    [[nodiscard]] double end_s() const { return config_.start_s + static_cast<double>(rows_) * row_s_; }
    [[nodiscard]] double low_hz() const { return config_.low_hz; }
    [[nodiscard]] double high_hz() const { return config_.high_hz; }
    [[nodiscard]] double column_hz() const { return column_hz_; }
    [[nodiscard]] double bin_hz() const { return bin_hz_; }  // of the first frame (for the legend)
    [[nodiscard]] std::uint64_t frames() const { return frames_; }
    // Power summed over the cell's observations and how many there were (0: not observed).
    [[nodiscard]] double sum(std::size_t row, std::size_t column) const { return cells_[row * columns_ + column].sum; }
    [[nodiscard]] std::uint32_t count(std::size_t row, std::size_t column) const { return cells_[row * columns_ + column].count; }
    // Mean power per bin, or nullopt when nothing was observed there.
    [[nodiscard]] std::optional<double> mean(std::size_t row, std::size_t column) const;

private:
    struct Cell {
        float sum = 0.0f;
        std::uint32_t count = 0;
    };
    struct BinMap {  // for one tuning: the bins kept and the columns each one feeds
        std::size_t first_bin = 0;
        std::vector<std::uint32_t> column_begin, column_end;
    };
    const BinMap& map_for(const SegmentInfo& tuning, double bin_hz, std::size_t bins);
    void merge_rows();

    WaterfallConfig config_;
    double column_hz_ = 0.0, row_s_ = 0.0, bin_hz_ = 0.0;
    std::size_t columns_ = 0, rows_ = 0;
    std::vector<Cell> cells_;
    std::map<std::tuple<long long, long long, std::size_t>, BinMap> maps_;
    std::uint64_t frames_ = 0;
};

}  // namespace coex::render
