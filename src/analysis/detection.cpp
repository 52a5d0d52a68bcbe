#include "detection.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>

namespace coex::analysis {
namespace {
constexpr std::size_t kBlocksPerJob = 2;  // blocks recorded before the detector thread is woken
constexpr std::size_t kJobsAhead = 2;     // jobs recorded but not yet replayed, at most
constexpr std::size_t kSpareBuffers = 8;  // sample buffers kept for reuse
}  // namespace

// The calls of one block, in order.
struct Detection::Job {
    enum class Op : std::uint8_t { begin_tuning, samples, frame, gap, end_tuning };
    std::vector<Op> ops;
    std::vector<classify::TuningGeometry> tunings;
    struct Samples {
        std::uint64_t first = 0;
        std::vector<cf32> buffer;
    };
    std::vector<Samples> samples;
    struct FrameAt {
        double time_s;
        std::uint64_t first_sample;
        std::size_t at, floor_at, cells;  // cells at values[at …], floor at values[floor_at …]
    };
    std::vector<FrameAt> frames;
    std::vector<float> values;
    // where the last frame's floor is in values (the floor changes every 1024 frames: frames share it)
    static constexpr std::size_t kNoFloor = ~std::size_t{0};
    std::size_t last_floor_at = kNoFloor;
    struct Summary {
        double observed_s;
        std::vector<float> cell_floor, bin_floor;
        double bin_enbw;
        std::uint64_t bin_floor_observations;
    };
    std::vector<Summary> summaries;

    std::size_t blocks = 0;
    [[nodiscard]] bool empty() const { return ops.empty(); }
    void clear() {  // keeps the capacity
        blocks = 0;
        ops.clear();
        tunings.clear();
        samples.clear();
        frames.clear();
        values.clear();
        last_floor_at = kNoFloor;
        summaries.clear();
    }
};

struct Detection::Worker {
    Worker(classify::Classifier& c, bool own_thread) : classifier(c) {
        if (own_thread) thread = std::thread([this] { run(); });
    }
    ~Worker() {
        {
            std::lock_guard lock(mutex);
            stopping = true;
        }
        changed.notify_all();
        if (thread.joinable()) thread.join();
        std::lock_guard wait_for_replay(replaying);  // (a helper may still be replaying a batch)
    }

    classify::Classifier& classifier;
    std::mutex mutex;
    std::condition_variable changed;
    std::deque<std::unique_ptr<Job>> queued;
    std::vector<std::unique_ptr<Job>> done;      // replayed, for reuse
    std::vector<std::vector<cf32>> buffers;      // spare sample buffers, for reuse
    std::size_t busy = 0;                        // jobs taken but not yet replayed
    bool stopping = false;
    std::exception_ptr error;
    std::deque<classify::TuningGeometry> tunings;    // every tuning begun (detectors may keep a pointer)
    std::mutex replaying;                        // held while a batch is replayed: one at a time, in order
    std::thread thread;

    void run() {
        for (;;) {
            {
                std::unique_lock lock(mutex);
                changed.wait(lock, [&] { return stopping || !queued.empty(); });
                if (stopping) return;
            }
            replay_next(true);
        }
    }

    // Replays the oldest queued batch; false when there is none, or (wait false) when another thread
    // is replaying one. Never throws: what the classifier throws is kept for the analysing thread.
    bool replay_next(bool wait) {
        std::unique_lock turn(replaying, std::defer_lock);
        if (wait)
            turn.lock();
        else if (!turn.try_lock())
            return false;
        std::unique_ptr<Job> job;
        {
            std::lock_guard lock(mutex);
            if (queued.empty() || stopping) return false;
            job = std::move(queued.front());
            queued.pop_front();
            busy = 1;
        }
        std::vector<std::vector<cf32>> spare;
        if (!error) {
            try {
                replay(*job, spare);
            } catch (...) {
                std::lock_guard lock(mutex);
                error = std::current_exception();
            }
        }
        job->clear();
        std::lock_guard lock(mutex);
        done.push_back(std::move(job));
        for (auto& b : spare)
            if (buffers.size() < kSpareBuffers) buffers.push_back(std::move(b));
        busy = 0;
        changed.notify_all();
        return true;
    }

    void replay(Job& job, std::vector<std::vector<cf32>>& spare) {
        std::size_t tuning = 0, samples = 0, frame = 0, summary = 0;
        for (const Job::Op op : job.ops) {
            switch (op) {
                case Job::Op::begin_tuning:
                    tunings.push_back(job.tunings[tuning++]);
                    classifier.begin_tuning(tunings.back());
                    break;
                case Job::Op::samples: {
                    auto& s = job.samples[samples++];
                    classifier.adopt_samples(s.first, s.buffer);
                    spare.push_back(std::move(s.buffer));
                    break;
                }
                case Job::Op::frame: {
                    const auto& f = job.frames[frame++];
                    const std::span<const float> values(job.values);
                    classifier.on_frame(classify::Frame{f.time_s, f.first_sample, {}, values.subspan(f.at, f.cells),
                                                        values.subspan(f.floor_at, f.cells)});
                    break;
                }
                case Job::Op::gap: classifier.gap(); break;
                case Job::Op::end_tuning: {
                    const auto& s = job.summaries[summary++];
                    classifier.end_tuning(classify::TuningSummary{&tunings.back(), s.observed_s, s.cell_floor, s.bin_floor,
                                                              s.bin_enbw, s.bin_floor_observations});
                    break;
                }
            }
        }
    }

    void rethrow_error() {  // with the mutex held
        if (error) std::rethrow_exception(error);
    }
};

Detection::Detection(Mode mode, std::vector<WifiChannel> channels, bool keep_bursts, bool decode, std::function<void()> work_queued)
    : mode_(mode),
      classifier_(std::move(channels), keep_bursts, classify::detector_registry(),
                  decode ? decode::decoder_registry() : std::span<const decode::DecoderDescriptor>{}),
      work_queued_(std::move(work_queued)) {
    if (recorded()) {
        job_ = std::make_unique<Job>();
        worker_ = std::make_unique<Worker>(classifier_, mode_ == Mode::thread);
    }
}

Detection::~Detection() = default;

void Detection::begin_tuning(const classify::TuningGeometry& tuning) {
    if (mode_ == Mode::inline_calls) classifier_.begin_tuning(tuning);
    if (!recorded()) return;
    job_->ops.push_back(Job::Op::begin_tuning);
    job_->tunings.push_back(tuning);
}

void Detection::samples(std::uint64_t first_sample, std::span<const cf32> samples, std::vector<cf32>* adopt) {
    if (mode_ == Mode::inline_calls) {
        if (adopt)
            classifier_.adopt_samples(first_sample, *adopt);
        else
            classifier_.on_samples(first_sample, samples);
    }
    if (!recorded()) return;
    std::vector<cf32> spare;
    {
        std::lock_guard lock(worker_->mutex);
        if (!worker_->buffers.empty()) {
            spare = std::move(worker_->buffers.back());
            worker_->buffers.pop_back();
        }
    }
    Job::Samples s{first_sample, {}};
    if (adopt) {
        s.buffer = std::move(*adopt);
        *adopt = std::move(spare);
    } else {
        s.buffer = std::move(spare);
        s.buffer.assign(samples.begin(), samples.end());
    }
    job_->ops.push_back(Job::Op::samples);
    job_->samples.push_back(std::move(s));
}

void Detection::frame(const classify::Frame& frame) {
    if (mode_ == Mode::inline_calls) classifier_.on_frame(frame);
    if (!recorded()) return;
    const std::size_t n = std::min(frame.cells.size(), frame.cell_floor.size());
    auto& values = job_->values;
    const std::size_t at = values.size();
    values.insert(values.end(), frame.cells.begin(), frame.cells.begin() + static_cast<std::ptrdiff_t>(n));
    // the floor is stored again only when it changed (bit for bit) since the job's last frame (compared
    // with a copy of it here: the job's own lies a job's frames back, out of the cache)
    std::size_t& floor_at = job_->last_floor_at;
    if (floor_at == Job::kNoFloor || last_floor_.size() != n || std::memcmp(last_floor_.data(), frame.cell_floor.data(), n * sizeof(float)) != 0) {
        floor_at = values.size();
        values.insert(values.end(), frame.cell_floor.begin(), frame.cell_floor.begin() + static_cast<std::ptrdiff_t>(n));
        last_floor_.assign(frame.cell_floor.begin(), frame.cell_floor.begin() + static_cast<std::ptrdiff_t>(n));
    }
    job_->ops.push_back(Job::Op::frame);
    job_->frames.push_back({frame.time_s, frame.first_sample, at, floor_at, n});
}

void Detection::gap() {
    if (mode_ == Mode::inline_calls) classifier_.gap();
    if (recorded()) job_->ops.push_back(Job::Op::gap);
}

void Detection::end_tuning(const classify::TuningSummary& summary) {
    if (mode_ == Mode::inline_calls) classifier_.end_tuning(summary);
    if (!recorded()) return;
    job_->ops.push_back(Job::Op::end_tuning);
    job_->summaries.push_back({summary.observed_s,
                               {summary.cell_floor.begin(), summary.cell_floor.end()},
                               {summary.bin_floor.begin(), summary.bin_floor.end()},
                               summary.bin_enbw,
                               summary.bin_floor_observations});
}

void Detection::flush() {
    if (!recorded() || job_->empty() || ++job_->blocks < kBlocksPerJob) return;
    hand_over();
}

void Detection::hand_over() {
    if (job_->empty()) return;
    Worker& w = *worker_;
    // Shared: a full backlog is worked off here rather than waited on.
    if (mode_ == Mode::shared)
        for (;;) {
            {
                std::lock_guard lock(w.mutex);
                if (w.queued.size() < kJobsAhead || w.error) break;
            }
            w.replay_next(true);
        }
    std::unique_lock lock(w.mutex);
    w.changed.wait(lock, [&] { return w.queued.size() + w.busy < kJobsAhead || w.error || mode_ == Mode::shared; });
    w.rethrow_error();
    w.queued.push_back(std::move(job_));
    if (!w.done.empty()) {
        job_ = std::move(w.done.back());
        w.done.pop_back();
    } else {
        job_ = std::make_unique<Job>();
    }
    lock.unlock();
    w.changed.notify_all();
    if (work_queued_) work_queued_();
}

bool Detection::help() { return mode_ == Mode::shared && worker_->replay_next(false); }

void Detection::finish(report::Report& report) {
    if (mode_ == Mode::off) return;
    if (recorded()) {
        hand_over();
        Worker& w = *worker_;
        if (mode_ == Mode::shared)
            while (w.replay_next(true)) {
            }
        std::unique_lock lock(w.mutex);
        w.changed.wait(lock, [&] { return (w.queued.empty() && w.busy == 0) || w.error; });
        w.rethrow_error();
    }
    classifier_.finish(report);
}

}  // namespace coex::analysis
