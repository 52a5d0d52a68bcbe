#pragma once
// LiveSource: a radio as a SampleSource. A reader thread walks the sweep plan (tune, discard the
// settling samples, read the dwell) and hands blocks to the pipeline through a preallocated ring.
//
// It never blocks on the pipeline: when the ring is full the block is dropped whole and counted
// (samples_dropped), the sample clock keeps running, and the next block carries the gap in
// `dropped_before`. Samples the radio never delivered (SOAPY_SDR_OVERFLOW, a jump in the device
// timestamps) are counted apart (samples_lost). A segment is one contiguous stretch of samples at one
// tuning — as in the capture format — so a gap of either kind starts a new segment whose start_time
// has moved on by the gap: a recording then holds exactly the segments the pipeline saw, and
// replaying it gives the same report.
//
// Losses are exact when the radio stamps its samples with device time (the simulator, RTL-SDR,
// SoapyRemote of either); otherwise (HackRF) they are estimated from the host clock after each
// overflow.
//
// With `reopen` set (coex monitor), a radio that fails or wedges does not end the stream: the reader
// closes it and opens it again through `reopen`, waiting reopen_backoff_s after the first failed
// attempt and twice as long after each further one (up to reopen_backoff_max_s), until it is back or
// a stop is asked for. The time it was away, from its last samples to the new stream, is counted on
// the sample clock as samples never received (samples_lost, and samples_unobserved apart), so that
// stream time keeps following the wall clock and windows after it fall where they belong.
#include "coex/core/source.hpp"
#include "coex/source/planner.hpp"
#include "coex/source/radio.hpp"
#include "coex/source/ring.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace coex::source {

struct LiveConfig {
    SweepPlan plan;
    double dwell_s = 0.1;               // per dwell when the plan has more than one
    std::optional<int> rounds;          // passes over the plan; with duration: whichever ends first
    std::optional<double> duration_s;   // stream time, settling included
    double settle_s = 0.005;            // discarded after every retune (and at the start)
    std::size_t block_samples = 0;      // 0: about 5 ms of samples (a power of two, 4096…65536)
    double ring_seconds = 0.5;          // ring capacity in seconds of samples (at least 8 blocks)
    double stall_timeout_s = 5.0;       // no samples for this long: the radio is wedged, end
    const std::atomic<bool>* stop = nullptr;  // set from elsewhere (SIGINT) to end early and cleanly
    std::optional<double> gain_db;      // recorded with every segment (the radio's overall gain)
    // Opens and configures the radio again (same rate, gain, antenna, filter; throws when it cannot).
    std::function<std::unique_ptr<Radio>()> reopen;
    double reopen_backoff_s = 1.0, reopen_backoff_max_s = 30.0;
};

// Checks every setting (ConfigError naming the parameter), before a radio is touched.
void validate(const LiveConfig& config);

enum class EndReason { running, completed, stopped, stalled, device_error };
std::string to_string(EndReason reason);

struct LiveCounters {
    std::uint64_t samples_in = 0;        // handed to the pipeline
    std::uint64_t samples_dropped = 0;   // ring full
    std::uint64_t samples_lost = 0;      // never received from the radio
    std::uint64_t samples_settling = 0;  // discarded after retunes (and drained stale ones)
    std::uint64_t stream_samples = 0;    // the sample clock: all of the above plus those in flight
    std::uint64_t blocks_dropped = 0;
    std::uint64_t drop_runs = 0;         // separate runs of dropped blocks
    std::uint64_t overflows = 0;         // SOAPY_SDR_OVERFLOW reports
    std::uint64_t timeouts = 0;          // reads that returned nothing in time
    std::uint64_t retunes = 0;
    std::uint64_t segments = 0;          // segments begun (dwells, and again after every gap)
    std::uint64_t rounds_done = 0;
    std::uint64_t outages = 0;           // the radio failed or wedged (with `reopen`: and was closed)
    std::uint64_t reopens = 0;           // … and was opened again
    std::uint64_t reopen_failures = 0;   // attempts to open it that failed (it was still away)
    std::uint64_t samples_unobserved = 0;  // part of samples_lost: the time the radio was away
    bool radio_present = true;           // false from a failure until the radio is back
    bool timestamps = false;             // the radio stamped its samples (losses are exact)
    std::size_t ring_blocks = 0, ring_queued = 0, ring_high_water = 0;
    double reader_cpu_s = 0.0;           // CPU time of the reader thread (driver included)
};

class LiveSource : public SampleSource {
public:
    // Validates the configuration (ConfigError naming the setting), sets the radio's sample rate and
    // preallocates the ring. Nothing streams until start().
    LiveSource(std::unique_ptr<Radio> radio, LiveConfig config);
    ~LiveSource() override;  // stops the reader thread and the radio
    LiveSource(const LiveSource&) = delete;
    LiveSource& operator=(const LiveSource&) = delete;

    void start();
    // Asks the reader to finish the block it is on and end (what the SIGINT flag does too).
    void request_stop();

    enum class Poll { block, waiting, ended };
    // The next block, or `waiting` after `timeout` without one, or `ended` once everything is handed over.
    [[nodiscard]] Poll poll(SampleBlock& block, std::chrono::milliseconds timeout);
    [[nodiscard]] bool next(SampleBlock& block) override;  // poll() until a block or the end
    [[nodiscard]] SourceStats stats() const override;

    [[nodiscard]] LiveCounters counters() const;  // thread-safe snapshot
    [[nodiscard]] EndReason end_reason() const;
    [[nodiscard]] std::string end_message() const;  // for stalled / device_error
    [[nodiscard]] std::string fault_message() const;  // the latest failure of the radio
    [[nodiscard]] const SweepPlan& plan() const { return config_.plan; }
    [[nodiscard]] const LiveConfig& config() const { return config_; }
    [[nodiscard]] const RadioInfo& radio_info() const { return radio_info_; }  // as first opened
    [[nodiscard]] double stream_seconds() const;  // the sample clock in seconds

private:
    class Reader;
    void run();
    void finish(EndReason reason, std::string message);
    void set_fault(std::string message);

    std::unique_ptr<Radio> radio_;  // the reader's once started (it replaces it when reopening)
    RadioInfo radio_info_;
    LiveConfig config_;
    BlockRing ring_;
    std::atomic<bool> stop_{false};
    std::atomic<int> end_{0};
    mutable std::mutex message_mutex_;
    std::string end_message_, fault_message_;
    std::uint64_t samples_in_ = 0;  // consumer only
    std::atomic<std::uint64_t> samples_in_shared_{0};
    struct Shared;
    std::unique_ptr<Shared> shared_;  // counters written by the reader
    std::thread thread_;
};

}  // namespace coex::source
