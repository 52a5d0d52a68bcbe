#include "coex/analysis/analyzer.hpp"

#include "cell_floor.hpp"
#include "detection.hpp"
#include "gain_steps.hpp"

#include "coex/core/error.hpp"
#include "coex/core/format.hpp"
#include "coex/dsp/cell_grid.hpp"
#include "coex/dsp/noise_floor.hpp"

#include <algorithm>
#include <cmath>

namespace coex::analysis {
namespace {
constexpr double kFloorPercentile = 0.01;  // lands on noise-only frames up to ~99 % airtime
constexpr std::uint64_t kFloorRefreshFrames = 1024;
// The per-bin floor (for spurs) needs fewer looks than the cells: every 4th frame until it has this
// many, every 16th after (a second of 20 MS/s holds 78 000 frames of 256 bins).
constexpr std::uint64_t kBinFloorDenseLooks = 4096;
constexpr std::uint64_t kBinFloorDecimation = 4, kBinFloorSparseDecimation = 16;
Detection::Mode detection_mode(const AnalysisConfig& config) {
    if (!config.detect) return Detection::Mode::off;
    switch (config.detector_threading) {
        case AnalysisConfig::DetectorThreading::own_thread: return Detection::Mode::thread;
        case AnalysisConfig::DetectorThreading::shared: return Detection::Mode::shared;
        case AnalysisConfig::DetectorThreading::inline_calls: break;
    }
    return Detection::Mode::inline_calls;
}
}  // namespace

// Everything that belongs to one tuning (centre, rate). A sweep revisits tunings: what was learnt
// about the floor there is kept.
struct Analyzer::Tuning {
    Tuning(const SegmentInfo& info, const dsp::SpectrogramConfig& config)
        : segment(info),
          spectrogram(config, info.sample_rate_hz),
          grid(info.center_frequency_hz, info.sample_rate_hz, spectrogram.fft_size(), spectrogram.enbw(),
               info.usable_bandwidth_hz() / 2.0),
          cell_floor(info, config, spectrogram, grid, kFloorPercentile),
          bin_floor(spectrogram.fft_size(), kFloorPercentile, 2.0),
          cells(std::max<std::size_t>(grid.size(), 1)),
          floor_now(cells.size()),
          gains(spectrogram.fft_size(), spectrogram.frame_seconds(), grid.size()) {}

    SegmentInfo segment;
    dsp::Spectrogram spectrogram;
    dsp::MhzCellGrid grid;
    CellFloor cell_floor;
    dsp::PercentileFloor bin_floor;  // per bin, for emitters that live in the floor (spurs)
    std::vector<float> cells, floor_now;
    bool warmed = false;
    std::vector<float> warm_cells;   // held-back frames (cells) while the floor is learnt
    std::vector<double> warm_times;
    std::vector<std::uint64_t> warm_samples;
    classify::TuningGeometry geometry;
    std::uint64_t frames = 0;
    GainSteps gains;               // the receiver's gain steps: frames wait here until the gain over them is decided
    std::uint64_t released = 0;    // frames past the gain steps
};

void validate(const AnalysisConfig& config) {
    dsp::validate(config.spectrogram);
    if (!(config.floor_warmup_s >= 0.0 && config.floor_warmup_s <= 10.0))
        throw ConfigError("floor_warmup_s", "must be in 0…10 s, got " + std::to_string(config.floor_warmup_s));
}

namespace {
const AnalysisConfig& validated(const AnalysisConfig& config) {
    validate(config);
    return config;
}
}  // namespace

Analyzer::Analyzer(const AnalysisConfig& config)
    : config_(validated(config)),
      detection_(std::make_unique<Detection>(detection_mode(config), wifi_channels(config.domain), config.keep_bursts, config.decode,
                                             config.detector_work_queued)) {
}

Analyzer::~Analyzer() = default;

Analyzer::Tuning& Analyzer::tuning_for(const SegmentInfo& segment) {
    const auto key = std::make_pair(std::llround(segment.center_frequency_hz), std::llround(segment.sample_rate_hz));
    auto& slot = tunings_[key];
    if (!slot) slot = std::make_unique<Tuning>(segment, config_.spectrogram);
    return *slot;
}

void Analyzer::begin_segment(const SampleBlock& block) {
    end_segment();
    const auto& seg = block.segment;
    if (!(seg.sample_rate_hz > 0.0) || !std::isfinite(seg.sample_rate_hz) || !std::isfinite(seg.center_frequency_hz))
        throw InputError("segment " + std::to_string(block.segment_index) + ": bad tuning");
    current_ = &tuning_for(seg);
    current_segment_ = block.segment_index;
    segment_start_s_ = seg.start_time_s;
    next_sample_ = block.first_sample;
    frame_in_segment_ = 0;
    frame_origin_ = block.first_sample;
    current_->spectrogram.reset();
    current_->cell_floor.restart_probe();
    current_->geometry = classify::TuningGeometry{&current_->grid, seg, current_->spectrogram.frame_seconds(), current_->spectrogram.bin_hz()};
    detection_->begin_tuning(current_->geometry);
    tuning_frames_ = 0;

    // A pipeline may join a segment part-way (the monitor's windows): its time starts at its first sample.
    segment_first_sample_ = block.first_sample;
    const double first_s = seg.start_time_s + static_cast<double>(block.first_sample) / seg.sample_rate_hz;
    if (segments_seen_ == 0) first_start_s_ = first_s;
    first_start_s_ = std::min(first_start_s_, first_s);
    ++segments_seen_;
    if (std::find(rates_.begin(), rates_.end(), seg.sample_rate_hz) == rates_.end()) rates_.push_back(seg.sample_rate_hz);
    const double half = seg.usable_bandwidth_hz() / 2.0;
    coverage_.emplace_back((seg.center_frequency_hz - half) / 1e6, (seg.center_frequency_hz + half) / 1e6);
}

void Analyzer::end_segment() {
    if (!current_) return;
    check_pending(*current_);
    end_stretch(*current_);
    if (!current_->warmed) release_warmup(*current_);
    current_->cell_floor.estimate(current_->floor_now);
    floor_density_.add(current_->grid, current_->floor_now, current_->spectrogram.bin_hz());
    auto bin_floor = current_->bin_floor.estimate();
    // Not under the samples' rounding noise (cell_floor.hpp): a bin reads noise of power q per sample as
    // q · enbw / fft_size. A bin whose every look was digital zero (0) stays unknown.
    if (const double q = current_->segment.quantisation_noise_power(); q > 0.0) {
        const auto resolved = static_cast<float>(q * current_->spectrogram.enbw() / static_cast<double>(current_->spectrogram.fft_size()));
        for (float& b : bin_floor)
            if (b > 0.0f) b = std::max(b, resolved);
    }
    classify::TuningSummary summary{&current_->geometry, static_cast<double>(tuning_frames_) * current_->spectrogram.frame_seconds(),
                                  current_->floor_now, bin_floor, current_->spectrogram.enbw(),
                                  current_->bin_floor.observations()};
    detection_->end_tuning(summary);
    const double rate = current_->segment.sample_rate_hz;
    observed_s_ += static_cast<double>(next_sample_ - segment_first_sample_) / rate;  // includes dropped samples: time kept running
    last_end_s_ = std::max(last_end_s_, segment_start_s_ + static_cast<double>(next_sample_) / rate);
    current_ = nullptr;
}

bool Analyzer::help() { return detection_->help(); }

void Analyzer::consume(const SampleBlock& block) { consume(block, nullptr); }

void Analyzer::consume(SampleBlock&& block) { consume(block, &block.samples); }

void Analyzer::consume(const SampleBlock& block, std::vector<cf32>* adopt) {
    if (!current_ || block.segment_index != current_segment_) begin_segment(block);
    Tuning& t = *current_;
    const double rate = t.segment.sample_rate_hz;
    if (block.dropped_before > 0 || block.first_sample != next_sample_) {
        // A gap: no frame may straddle it and no burst may run across it.
        check_pending(t);
        end_stretch(t);
        t.spectrogram.reset();
        t.cell_floor.restart_probe();
        detection_->gap();
        frame_in_segment_ = 0;
        frame_origin_ = block.first_sample;
    }
    if (t.grid.size() > 0) t.cell_floor.probe(block.first_sample, block.samples, warmup_end_sample(t));
    const std::span<const cf32> samples = block.samples;  // an adopted buffer moves on, its samples stay put
    if (detection_->on()) detection_->samples(block.first_sample, samples, adopt);
    const std::size_t hop = t.spectrogram.hop();
    t.spectrogram.push(samples, [&](std::span<const float> bins) {
        const std::uint64_t first = frame_origin_ + frame_in_segment_ * hop;
        ++frame_in_segment_;
        process_frame(t, bins, segment_start_s_ + static_cast<double>(first) / rate, first);
    });
    next_sample_ = block.first_sample + samples.size();
    detection_->flush();
}

// Where in the segment the floor's warm-up ends: after the last sample of the frame that completes it
// (0 once it has ended). From the frames still held back and the frame grid, not from block boundaries.
std::uint64_t Analyzer::warmup_end_sample(const Tuning& t) const {
    if (t.warmed) return 0;
    // frames still held by the gain steps are frames of the warm-up already
    const std::size_t seen = t.warm_times.size() + t.gains.held();
    const double frame_s = t.spectrogram.frame_seconds();
    if (seen > 0 && static_cast<double>(seen) * frame_s >= config_.floor_warmup_s) return 0;
    std::uint64_t more = 1;  // frames still to come, the one that ends the warm-up included
    while (static_cast<double>(seen + more) * frame_s < config_.floor_warmup_s) ++more;
    return frame_origin_ + (frame_in_segment_ + more - 1) * t.spectrogram.hop() + t.spectrogram.fft_size();
}

void Analyzer::process_frame(Tuning& t, std::span<const float> bins, double time_s, std::uint64_t first_sample) {
    // A NaN or infinite sample makes every bin of its frame NaN or infinite (the FFT spreads it over
    // all of them), so one bin tells, at no cost: the samples need no scan of their own.
    if (!std::isfinite(bins[bins.size() / 2])) reject_frame(t.spectrogram.frame_samples(), first_sample);
    ++frames_;
    ++t.frames;
    ++tuning_frames_;
    if (config_.on_frame) config_.on_frame(FrameView{t.segment, time_s, t.spectrogram.frame_seconds(), t.spectrogram.bin_hz(), bins});
    const std::uint64_t decimation = t.bin_floor.observations() < kBinFloorDenseLooks ? kBinFloorDecimation : kBinFloorSparseDecimation;
    if (t.frames % decimation == 0) t.bin_floor.add(bins);
    if (t.grid.size() == 0) return;  // a tuning narrower than a MHz cell: nothing to detect on
    t.grid.reduce(bins, t.cells);
    t.gains.push(time_s, first_sample, 0, bins, t.cells);
    release_decided(t);
}

void Analyzer::end_stretch(Tuning& t) {
    if (t.grid.size() == 0) return;
    t.gains.end_stretch();
    release_decided(t);
}

// The frames (and the probe's looks) whose gain is decided go on to the floor and the detectors.
void Analyzer::release_decided(Tuning& t) {
    t.cell_floor.commit_probe(t.gains, false);
    GainSteps::Released f;
    while (t.gains.pop(f)) {
        if (f.gain != 1.0) [[unlikely]] t.cell_floor.saw_gain(f.gain);  // (its rounding noise is finer there)
        take_frame(t, f.cells, f.time_s, f.first_sample);
    }
}

void Analyzer::take_frame(Tuning& t, std::span<const float> cells, double time_s, std::uint64_t first_sample) {
    ++t.released;
    t.cell_floor.add_cells(cells);
    if (!t.warmed) {
        t.warm_cells.insert(t.warm_cells.end(), cells.begin(), cells.end());
        t.warm_times.push_back(time_s);
        t.warm_samples.push_back(first_sample);
        const double held_s = static_cast<double>(t.warm_times.size()) * t.spectrogram.frame_seconds();
        if (held_s >= config_.floor_warmup_s) release_warmup(t);
        return;
    }
    if (t.released % kFloorRefreshFrames == 0) t.cell_floor.estimate(t.floor_now);
    detection_->frame(classify::Frame{time_s, first_sample, {}, cells, t.floor_now});
}

namespace {
std::size_t first_non_finite(std::span<const cf32> samples) {
    std::size_t k = 0;
    while (k < samples.size() && std::isfinite(samples[k].real()) && std::isfinite(samples[k].imag())) ++k;
    return k;
}
}  // namespace

void Analyzer::reject_frame(std::span<const cf32> samples, std::uint64_t first_sample) const {
    const std::string where = config_.source_name + ": segment " + std::to_string(current_segment_) + ": ";
    if (const std::size_t k = first_non_finite(samples); k < samples.size())
        throw InputError(where + "sample " + std::to_string(first_sample + k) + " is NaN or infinite");
    float largest = 0.0f;
    for (const cf32& x : samples) largest = std::max({largest, std::abs(x.real()), std::abs(x.imag())});
    throw InputError(where + "samples " + std::to_string(first_sample) + " to " + std::to_string(first_sample + samples.size() - 1) +
                     " are too large to analyse (up to " + format("%.3g", static_cast<double>(largest)) + "; full scale is 1.0)");
}

// The samples of a partial frame (a segment's last, or before a gap) are in no frame: looked at here.
void Analyzer::check_pending(const Tuning& t) const {
    const auto pending = t.spectrogram.pending_samples();
    if (first_non_finite(pending) < pending.size()) reject_frame(pending, next_sample_ - pending.size());
}

void Analyzer::release_warmup(Tuning& t) {
    t.warmed = true;
    if (t.grid.size() == 0) return;
    t.cell_floor.estimate(t.floor_now);
    const std::size_t n = t.grid.size();
    for (std::size_t i = 0; i < t.warm_times.size(); ++i) {
        const std::span<const float> cells(t.warm_cells.data() + i * n, n);
        detection_->frame(classify::Frame{t.warm_times[i], t.warm_samples[i], {}, cells, t.floor_now});
    }
    t.warm_cells = {};
    t.warm_times = {};
    t.warm_samples = {};
}

report::Report Analyzer::finish(const SourceStats& source_stats) {
    end_segment();
    report::Report r;
    r.capture.segments = segments_seen_;
    r.capture.duration_s = std::max(0.0, last_end_s_ - first_start_s_);
    r.capture.observed_s = observed_s_;
    std::sort(rates_.begin(), rates_.end());
    r.capture.sample_rates_hz = rates_;
    std::sort(coverage_.begin(), coverage_.end());
    for (const auto& band : coverage_) {
        if (!r.capture.coverage_mhz.empty() && band.first <= r.capture.coverage_mhz.back().second + 1e-6)
            r.capture.coverage_mhz.back().second = std::max(r.capture.coverage_mhz.back().second, band.second);
        else
            r.capture.coverage_mhz.push_back(band);
    }

    r.settings.domain = to_string(config_.domain);
    r.settings.window = dsp::to_string(config_.spectrogram.window);
    r.settings.overlap = config_.spectrogram.overlap;

    // Noise floor density: the median over every 1 MHz cell of every tuning.
    std::vector<double> densities;
    for (const auto& [key, t] : tunings_) {
        if (std::find(r.settings.fft_sizes.begin(), r.settings.fft_sizes.end(), t->spectrogram.fft_size()) ==
            r.settings.fft_sizes.end())
            r.settings.fft_sizes.push_back(t->spectrogram.fft_size());
        if (t->frames == 0 || t->grid.size() == 0) continue;
        t->cell_floor.estimate(t->floor_now);
        for (std::size_t c = 0; c < t->grid.size(); ++c)
            densities.push_back(t->floor_now[c] * 1e6 / (static_cast<double>(t->grid.bins_in(c)) * t->spectrogram.bin_hz()));
    }
    if (!densities.empty()) {
        auto mid = densities.begin() + static_cast<std::ptrdiff_t>(densities.size() / 2);
        std::nth_element(densities.begin(), mid, densities.end());
        if (*mid > 0.0) r.noise_floor_dbfs_per_mhz = 10.0 * std::log10(*mid);
    }

    r.stats.samples_in = source_stats.samples_in;
    r.stats.samples_dropped = source_stats.samples_dropped;
    r.stats.samples_lost = source_stats.samples_lost;
    r.stats.frames = frames_;
    std::uint64_t gain_steps = 0;
    for (const auto& [key, t] : tunings_) gain_steps += t->gains.steps();
    if (gain_steps > 0) r.stats.counters["receiver.gain_steps"] = gain_steps;
    detection_->finish(r);
    for (auto& row : r.wifi) {
        if (!row.observed) continue;
        std::vector<double> under;
        const int centre = static_cast<int>(std::lround(row.center_mhz));
        for (int m = centre - 8; m <= centre + 8; ++m)
            if (auto it = floor_density_.per_mhz().find(m); it != floor_density_.per_mhz().end()) under.push_back(it->second);
        if (under.empty()) continue;
        std::nth_element(under.begin(), under.begin() + static_cast<std::ptrdiff_t>(under.size() / 2), under.end());
        row.noise_floor_dbfs_per_mhz = 10.0 * std::log10(under[under.size() / 2]);
    }
    return r;
}

}  // namespace coex::analysis
