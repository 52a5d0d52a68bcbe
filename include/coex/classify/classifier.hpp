#pragma once
// The classification framework: Wi-Fi first (it claims the cells its transmissions cover), then the
// burst tracker over what is left, then every registered detector in order. Counts every outcome.
#include "coex/classify/detector.hpp"
#include "coex/classify/wifi_occupancy.hpp"
#include "coex/core/bands.hpp"
#include "coex/report/report.hpp"

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace coex::classify {

class Classifier {
public:
    // keep_bursts: record every judged burst for the report (debugging, burst-level scoring).
    explicit Classifier(std::vector<WifiChannel> channels, bool keep_bursts = false);
    ~Classifier();

    void begin_view(const ViewGeometry& view);
    // The raw samples of the view, in order; kept for a few ms so bursts can be checked in the time domain.
    void on_samples(std::uint64_t first_sample, std::span<const cf32> samples);
    // The same, taking over the buffer instead of copying it (a spare buffer is left in `samples`).
    void adopt_samples(std::uint64_t first_sample, std::vector<cf32>& samples);
    void on_frame(const Frame& frame);
    void gap();
    void end_view(const ViewSummary& summary);
    // Fills the report's Wi-Fi table, emitters and the classifier's counters.
    void finish(report::Report& report);

private:
    void close(const struct TrackedBurst& burst);  // measure now (the samples are held briefly), judge when settled
    void judge_settled(bool all);
    void judge(const BurstFeatures& burst);
    void fold_pieces(std::vector<report::Emitter>& emitters);
    BurstFeatures measure(const struct TrackedBurst& burst);

    WifiOccupancyDetector wifi_;
    struct Registered {
        const DetectorDescriptor* descriptor;
        std::unique_ptr<Detector> detector;
        std::uint64_t accepted = 0;
        std::map<std::string, std::uint64_t> rejected;
    };
    std::vector<Registered> detectors_;
    std::unique_ptr<class BurstTracker> tracker_;
    std::unique_ptr<class SampleHistory> history_;
    std::unique_ptr<class Channelizer> channelizer_;
    std::vector<struct TrackedBurst> closed_;
    std::deque<BurstFeatures> pending_;  // measured, waiting for the detectors to settle their time
    bool keep_bursts_ = false;
    ViewGeometry view_;
    std::map<int, double> cell_seconds_;
    std::vector<std::uint64_t> wifi_claimed_frames_;  // per cell of the current view
    std::uint64_t view_frames_ = 0;
    std::vector<float> wifi_share_;
    std::vector<double*> view_cell_seconds_;  // this view's inner cells in cell_seconds_
    std::uint64_t bursts_unclaimed_ = 0;  // no detector, not even 'unknown', took them
    std::uint64_t bursts_total_ = 0;
    std::uint64_t bursts_at_edge_ = 0;    // cut by the edge of the view: not judged
    std::uint64_t channels_blanked_ = 0;  // Wi-Fi channels whose observed time lost an oven's on-periods
    std::map<std::string, std::uint64_t> pieces_folded_;  // unknown entries folded into a known emitter, by its class
    std::map<std::string, std::uint64_t> explained_;  // bursts taken by a detector's explanation, by detector
    std::vector<report::BurstRecord> records_;
};

}  // namespace coex::classify
