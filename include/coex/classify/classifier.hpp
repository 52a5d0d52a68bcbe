#pragma once
// The classification framework: every frame goes to the detectors that claim cells (Wi-Fi), then the
// burst tracker follows what is left, and each closed burst goes to the registered detectors that judge
// bursts, in order. Counts every outcome.
#include "coex/classify/detector.hpp"
#include "coex/core/bands.hpp"
#include "coex/report/report.hpp"

#include <array>
#include <deque>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace coex::classify {

class Classifier {
public:
    // keep_bursts: record every judged burst for the report (debugging, burst-level scoring).
    // registry: the detectors, in judging order (another than the built-in one for tests of the framework).
    // decoders: the packet decoders run on each narrowband burst's samples (the Wi-Fi detector runs the
    // wideband ones on its transmissions); none: nothing is decoded.
    explicit Classifier(std::vector<WifiChannel> channels, bool keep_bursts = false,
                        std::span<const DetectorDescriptor> registry = detector_registry(),
                        std::span<const decode::DecoderDescriptor> decoders = decode::decoder_registry());
    ~Classifier();

    void begin_tuning(const TuningGeometry& tuning);
    // The raw samples of the tuning, in order; kept for a few ms so bursts can be checked in the time domain.
    void on_samples(std::uint64_t first_sample, std::span<const cf32> samples);
    // The same, taking over the buffer instead of copying it (a spare buffer is left in `samples`).
    void adopt_samples(std::uint64_t first_sample, std::vector<cf32>& samples);
    void on_frame(const Frame& frame);
    void gap();
    void end_tuning(const TuningSummary& summary);
    // Fills the report's Wi-Fi table, emitters and the classifier's counters.
    void finish(report::Report& report);

private:
    struct Registered;
    void close(const struct TrackedBurst& burst);  // measure now (the samples are held briefly), judge when settled
    // `now_s`: the frame's time (a burst whose packet waits for its link's check is held a while)
    void judge_settled(bool all, double now_s = std::numeric_limits<double>::infinity());
    void check_held_link_packets(std::vector<decode::Packet>& packets);
    void judge(const BurstFeatures& burst);
    void fold_pieces(std::vector<report::Emitter>& emitters, const std::vector<const Registered*>& found_by);
    BurstFeatures measure(const struct TrackedBurst& burst);
    void decode_burst(const struct TrackedBurst& burst, BurstFeatures& f);
    void decode_wifi_piece(const struct TrackedBurst& burst, BurstFeatures& f);
    void decode_beside(const struct TrackedBurst& burst, const BurstFeatures& f);
    void decode_stretches_at(const struct TrackedBurst& burst, const BurstFeatures& f, double centre_mhz, double rate);
    bool spend_decode_budget(double now_s);
    void count_packets(const std::vector<decode::Packet>& packets);
    // `burst_first`, `burst_end`: the tracked burst's samples within the snippet (the rest is margin)
    // `target_rate_hz`: the rate the burst is decimated toward (its filter passes about ±0.4 of it)
    void run_narrowband_decoders(BurstFeatures& f, std::vector<cf32>& snippet, std::size_t burst_first, std::size_t burst_end,
                                 double target_rate_hz);

    struct Registered {
        const DetectorDescriptor* descriptor;
        std::unique_ptr<Detector> detector;
        // its capabilities (null: it lacks that one)
        ClaimsCells* claims = nullptr;
        WatchesFrames* watches = nullptr;
        JudgesBursts* judges = nullptr;
        ExplainsBursts* explains = nullptr;
        OwnsTime* owns_time = nullptr;
        ClaimsPieces* claims_pieces = nullptr;
        TakesProvenBursts* takes_proven = nullptr;
        LooksAtClosedBursts* looks = nullptr;
        std::uint64_t accepted = 0;
        std::array<std::uint64_t, kRejectionCount> rejected{};
        std::uint64_t outcomes_outside_set = 0;  // a bug in the detector, counted apart
    };
    std::vector<Registered> detectors_;  // registry order
    std::vector<ClaimsCells*> claimers_;
    std::vector<WatchesFrames*> watchers_;
    std::vector<Registered*> judges_, explainers_;
    std::vector<LooksAtClosedBursts*> lookers_;
    std::vector<OwnsTime*> time_owners_;
    std::vector<std::uint8_t> claimed_;  // the claims of this frame, when more than one detector claims
    std::unique_ptr<class BurstTracker> tracker_;
    std::unique_ptr<class SampleHistory> history_;
    std::unique_ptr<class Channelizer> channelizer_;
    std::vector<struct TrackedBurst> closed_;
    std::deque<BurstFeatures> pending_;  // measured, waiting for the detectors to settle their time
    bool keep_bursts_ = false;
    TuningGeometry tuning_;
    std::map<int, double> cell_seconds_;
    std::vector<std::uint64_t> wifi_claimed_frames_;  // per cell of the current tuning
    std::uint64_t tuning_frames_ = 0;
    std::vector<float> wifi_share_;
    std::vector<double*> tuning_cell_seconds_;  // this tuning's inner cells in cell_seconds_
    std::uint64_t bursts_unclaimed_ = 0;  // no detector, not even 'unknown', took them
    std::uint64_t bursts_total_ = 0;
    std::uint64_t bursts_at_edge_ = 0;    // cut by the edge of the tuning: not judged
    std::uint64_t bursts_at_edge_proven_ = 0;  // at the edge, but a packet in it decoded with its checksum: judged
    std::map<std::string, std::uint64_t> pieces_folded_;  // unknown entries folded into a known emitter, by its class
    std::map<std::string, std::uint64_t> explained_;  // bursts taken by a detector's explanation, by detector
    struct Rejected {
        std::string_view detector;
        Outcome outcome;
    };
    std::vector<Rejected> rejections_;  // of the burst being judged, for its record
    std::vector<report::BurstRecord> records_;
    struct RegisteredDecoder {
        const decode::DecoderDescriptor* descriptor;
        std::unique_ptr<decode::Decoder> decoder;
        bool selected = false;  // for the narrowband burst in hand
    };
    std::vector<RegisteredDecoder> decoders_;
    std::vector<RegisteredDecoder> wideband_decoders_;  // for wide bursts on a Wi-Fi channel the Wi-Fi detector's shape test left
    std::vector<WifiChannel> wifi_channels_;
    std::vector<cf32> decode_snippet_, decode_baseband_, beside_snippet_;
    std::map<std::string, std::uint64_t> decode_counters_;  // "decode.<protocol>.packets" / ".checksum_ok"
    std::uint64_t bursts_decoded_ = 0, bursts_routed_by_decode_ = 0, bursts_over_decode_budget_ = 0;
    double decode_tokens_ = 256.0, decode_refilled_s_ = 0.0;  // the decode budget (classifier.cpp)
    struct DecodedBurst {
        std::uint64_t first_sample = 0, end_sample = 0;
        double center_mhz = 0.0;
        std::uint64_t tuning = 0;
        bool unproven = false;
    } previous_;  // the last burst the narrowband decoders saw, for a split packet's second half
    std::uint64_t tuning_serial_ = 0, split_bursts_joined_ = 0, beside_bursts_proven_ = 0, link_packets_checked_later_ = 0;
};

}  // namespace coex::classify
