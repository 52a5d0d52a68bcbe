#include "coex/render/waterfall.hpp"

#include "coex/core/error.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace coex::render {

Waterfall::Waterfall(const WaterfallConfig& config) : config_(config) {
    if (!(std::isfinite(config.low_hz) && std::isfinite(config.high_hz) && config.high_hz > config.low_hz))
        throw ConfigError("waterfall: the frequency axis needs finite low < high (got " + std::to_string(config.low_hz) + " … " +
                          std::to_string(config.high_hz) + " Hz)");
    if (!(config.column_hz >= 0.0 && std::isfinite(config.column_hz))) throw ConfigError("waterfall: column_hz must be ≥ 0");
    if (config.max_columns < 2 || config.max_columns > 100000) throw ConfigError("waterfall: max_columns must be in 2…100000");
    if (config.max_rows < 2 || config.max_rows > 100000) throw ConfigError("waterfall: max_rows must be in 2…100000");
    if (!std::isfinite(config.start_s)) throw ConfigError("waterfall: start_s must be finite");
    if (!(config.expected_duration_s >= 0.0 && std::isfinite(config.expected_duration_s)))
        throw ConfigError("waterfall: expected_duration_s must be ≥ 0");
}

std::optional<double> Waterfall::mean(std::size_t row, std::size_t column) const {
    const Cell& c = cells_[row * columns_ + column];
    if (c.count == 0) return std::nullopt;
    return static_cast<double>(c.sum) / c.count;
}

const Waterfall::BinMap& Waterfall::map_for(const SegmentInfo& tuning, double bin_hz, std::size_t bins) {
    const auto key = std::make_tuple(std::llround(tuning.center_frequency_hz), std::llround(tuning.sample_rate_hz), bins);
    auto [it, inserted] = maps_.try_emplace(key);
    if (!inserted) return it->second;
    BinMap& map = it->second;
    const double half = tuning.usable_bandwidth_hz() / 2.0;
    const auto n = static_cast<long long>(bins);
    long long first = n, last = -1;
    for (long long k = 0; k < n; ++k) {
        const double offset = static_cast<double>(k - n / 2) * bin_hz;
        if (std::abs(offset) <= half) {
            first = std::min(first, k);
            last = std::max(last, k);
        }
    }
    map.first_bin = static_cast<std::size_t>(std::max(0LL, first));
    const double width = static_cast<double>(columns_);
    for (long long k = first; k <= last; ++k) {
        const double f = tuning.center_frequency_hz + static_cast<double>(k - n / 2) * bin_hz;
        // Columns whose centres lie in (f − bin/2, f + bin/2]; at least the column holding the bin's centre.
        const double lo = (f - bin_hz / 2 - config_.low_hz) / column_hz_ - 0.5;
        const double hi = (f + bin_hz / 2 - config_.low_hz) / column_hz_ - 0.5;
        double begin = std::floor(lo) + 1, end = std::floor(hi) + 1;
        if (end <= begin) {
            begin = std::floor((f - config_.low_hz) / column_hz_);
            end = begin + 1;
        }
        begin = std::clamp(begin, 0.0, width);
        end = std::clamp(end, 0.0, width);
        map.column_begin.push_back(static_cast<std::uint32_t>(begin));
        map.column_end.push_back(static_cast<std::uint32_t>(end));
    }
    return map;
}

void Waterfall::merge_rows() {
    const std::size_t merged = (rows_ + 1) / 2;
    for (std::size_t r = 0; r < merged; ++r) {
        for (std::size_t c = 0; c < columns_; ++c) {
            Cell cell = cells_[2 * r * columns_ + c];
            if (2 * r + 1 < rows_) {
                const Cell& other = cells_[(2 * r + 1) * columns_ + c];
                cell.sum += other.sum;
                cell.count += other.count;
            }
            cells_[r * columns_ + c] = cell;
        }
    }
    rows_ = merged;
    cells_.resize(rows_ * columns_);
    row_s_ *= 2.0;
}

void Waterfall::add(const SegmentInfo& tuning, double time_s, double duration_s, double bin_hz, std::span<const float> bins) {
    if (bins.empty() || !(bin_hz > 0.0) || !(duration_s > 0.0) || time_s < config_.start_s) return;
    if (frames_ == 0) {
        bin_hz_ = bin_hz;
        const double span = config_.high_hz - config_.low_hz;
        column_hz_ = std::max(config_.column_hz > 0.0 ? config_.column_hz : bin_hz, span / static_cast<double>(config_.max_columns));
        columns_ = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(span / column_hz_ - 1e-9)));
        row_s_ = std::max(duration_s, config_.expected_duration_s / static_cast<double>(config_.max_rows));
    }
    ++frames_;
    auto row = static_cast<std::size_t>((time_s - config_.start_s) / row_s_);
    while (row >= config_.max_rows) {
        if (rows_ == 0) {
            row_s_ *= 2.0;
        } else {
            merge_rows();
        }
        row = static_cast<std::size_t>((time_s - config_.start_s) / row_s_);
    }
    if (row >= rows_) {
        rows_ = row + 1;
        cells_.resize(rows_ * columns_);
    }
    const BinMap& map = map_for(tuning, bin_hz, bins.size());
    Cell* line = cells_.data() + row * columns_;
    for (std::size_t i = 0; i < map.column_begin.size(); ++i) {
        const float p = bins[map.first_bin + i];
        for (std::uint32_t c = map.column_begin[i]; c < map.column_end[i]; ++c) {
            line[c].sum += p;
            ++line[c].count;
        }
    }
}

}  // namespace coex::render
