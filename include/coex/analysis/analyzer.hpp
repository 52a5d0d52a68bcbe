#pragma once
// The analysis pipeline after the source: spectrogram → 1 MHz cells and noise floors → detectors →
// report. Live and replay sources feed it the same way, block by block; memory stays flat.
#include "coex/classify/classifier.hpp"
#include "coex/core/bands.hpp"
#include "coex/core/source.hpp"
#include "coex/core/types.hpp"
#include "coex/dsp/spectrogram.hpp"
#include "coex/report/report.hpp"

#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <utility>

namespace coex::analysis {

// One spectrogram frame as the pipeline saw it, for observers such as the waterfall picture. Bins run
// from −fs/2 to +fs/2, calibrated per bin (a tone of amplitude A reads A²).
struct FrameView {
    const SegmentInfo& tuning;  // centre, rate and usable band of the frame's tuning
    double time_s;              // capture time of the frame's first sample
    double duration_s;          // the time one frame stands for (the hop)
    double bin_hz;
    std::span<const float> bins;
};

struct AnalysisConfig {
    dsp::SpectrogramConfig spectrogram;
    RegDomain domain = RegDomain::eu;
    // The floor is learnt from this much signal of a tuning before detection starts on it (the
    // frames are held back meanwhile, so none is judged against an unknown floor).
    double floor_warmup_s = 0.03;
    bool keep_bursts = false;  // list every judged burst in the report
    // Called with every frame when set (pictures); unset, it costs nothing.
    std::function<void(const FrameView&)> on_frame;
    // false: the spectrogram, floors and cells only, no detectors and no emitters (what those stages
    // cost alone, for benchmarks)
    bool detect = true;
    // false: no packet decoding; classes rest on behaviour and shape alone
    bool decode = true;
    // Where the detectors run; the report is the same either way.
    //  inline_calls: on the analysing thread, call by call;
    //  own_thread:   on a second thread, a few blocks behind the spectrogram;
    //  shared:       no thread of their own: their recorded calls are replayed by whichever thread has
    //                time, help() from another thread (a read-ahead thread that is ahead of the
    //                analysis, woken by detector_work_queued) and the analysing thread when the backlog
    //                is full and at the end. On two cores: two busy threads instead of three taking turns.
    enum class DetectorThreading { inline_calls, own_thread, shared };
    DetectorThreading detector_threading = DetectorThreading::inline_calls;
    std::function<void()> detector_work_queued;
    // Names the samples' origin in errors (a NaN or infinite sample: InputError "<source_name>: …").
    std::string source_name = "samples";
};

// Checks every setting (ConfigError naming the parameter), before anything is built.
void validate(const AnalysisConfig& config);

class Detection;

class Analyzer {
public:
    explicit Analyzer(const AnalysisConfig& config);
    ~Analyzer();

    void consume(const SampleBlock& block);
    // The same, keeping the block's sample buffer instead of copying it (the time-domain checks look
    // back a few ms); `block` is left with a spare buffer of unspecified contents, to read into again.
    void consume(SampleBlock&& block);
    // Ends the stream and returns the report (capture path and metadata left for the caller).
    [[nodiscard]] report::Report finish(const SourceStats& source_stats);
    // DetectorThreading::shared: replays one batch of the detectors' backlog if there is one and no other
    // thread is replaying one; says whether it did. Safe from any thread while the analyzer lives.
    bool help();

private:
    struct Tuning;
    Tuning& tuning_for(const SegmentInfo& segment);
    void end_stretch(Tuning& t);
    void release_decided(Tuning& t);
    void take_frame(Tuning& t, std::span<const float> cells, double time_s, std::uint64_t first_sample);
    void begin_segment(const SampleBlock& block);
    void consume(const SampleBlock& block, std::vector<cf32>* adopt);
    void end_segment();
    void process_frame(Tuning& tuning, std::span<const float> bins, double time_s, std::uint64_t first_sample);
    void release_warmup(Tuning& tuning);
    [[nodiscard]] std::uint64_t warmup_end_sample(const Tuning& tuning) const;
    // Throws InputError naming the first NaN or infinite sample of `samples` (or, if none, their size).
    [[noreturn]] void reject_frame(std::span<const cf32> samples, std::uint64_t first_sample) const;
    void check_pending(const Tuning& tuning) const;

    AnalysisConfig config_;
    std::unique_ptr<Detection> detection_;
    std::map<std::pair<long long, long long>, std::unique_ptr<Tuning>> tunings_;
    Tuning* current_ = nullptr;
    std::size_t current_segment_ = static_cast<std::size_t>(-1);
    std::uint64_t next_sample_ = 0;  // expected first_sample of the next block in this segment
    double segment_start_s_ = 0.0;
    std::uint64_t segment_first_sample_ = 0;  // the segment's first sample this analyser saw
    std::uint64_t frames_ = 0;
    std::uint64_t tuning_frames_ = 0;
    std::uint64_t frame_origin_ = 0;      // sample where the spectrogram's current run of frames began
    std::uint64_t frame_in_segment_ = 0;  // frames since then
    // capture facts gathered on the way
    std::size_t segments_seen_ = 0;
    double first_start_s_ = 0.0, last_end_s_ = 0.0, observed_s_ = 0.0;
    std::vector<double> rates_;
    std::vector<std::pair<double, double>> coverage_;
    dsp::QuietestFloor floor_density_;  // per whole MHz: the lowest floor any tuning saw, per MHz
};

}  // namespace coex::analysis
