// Every state a kill can leave, replayed: CaptureWriter records while the ordered driver's observer
// logs each write it makes, in order; the test then applies the writes one by one to an empty file and,
// after each one and at every 4 KiB page boundary inside it (a SIGKILL can cut a write there:
// docs/reliability.md, "Recordings after a crash"), opens that state with coex's reader. Every state
// from the moment the file has its name must open and hold at least the samples the writer had
// committed before that write, each equal to the finished recording's sample at the same place.
#include "fixtures.hpp"
#include "ordered_file.hpp"

#include "coex/core/error.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

namespace coex::io {
namespace {

using test::read_all;
using test::TempDir;
using test::tuning;
namespace fs = std::filesystem;

constexpr std::size_t chunk = 65536;  // CaptureWriter's samples per chunk
constexpr std::uint64_t page = 4096;

struct Event {
    std::uint64_t offset = 0;
    std::vector<unsigned char> bytes;  // empty: a mark
    std::uint64_t committed = 0;       // for a mark: samples_committed() at that moment
};

// Logs the ordered driver's writes for as long as it lives.
class WriteLog {
public:
    WriteLog() {
        h5::set_write_observer([this](std::uint64_t offset, const unsigned char* bytes, std::size_t size) {
            events.push_back({offset, std::vector<unsigned char>(bytes, bytes + size), 0});
        });
    }
    ~WriteLog() { h5::set_write_observer({}); }
    WriteLog(const WriteLog&) = delete;
    WriteLog& operator=(const WriteLog&) = delete;

    void mark(std::uint64_t committed) { events.push_back({0, {}, committed}); }

    std::vector<Event> events;
};

// Sample k of the stream: different in every chunk of a segment, so a chunk read from the wrong place shows.
cf32 sample(std::uint64_t k) {
    return cf32(static_cast<float>(static_cast<int>(k % 251) - 125) / 128.0f,
                static_cast<float>(static_cast<int>((k / 251) % 251) - 125) / 128.0f);
}

struct Judge {
    fs::path state;
    std::vector<std::vector<cf32>> finished;  // every segment of the finished recording
    std::size_t states = 0;

    // The state on disk must hold at least `committed` samples, each the finished recording's. Samples
    // compared: the first and last 64 of every chunk (a chunk the index leads to wrongly differs there).
    void operator()(std::uint64_t committed, const std::string& moment) {
        ++states;
        std::optional<CaptureReader> reader;
        try {
            reader.emplace(state);
        } catch (const InputError& e) {
            ASSERT_EQ(committed, 0u) << moment << ": does not open: " << e.what();
            ASSERT_NE(std::string(e.what()).find("no segments"), std::string::npos) << moment << ": " << e.what();
            return;
        }
        const auto& segments = reader->segments();
        ASSERT_LE(segments.size(), finished.size()) << moment;
        std::uint64_t total = 0;
        std::vector<cf32> got(64);
        for (std::size_t s = 0; s < segments.size(); ++s) {
            const std::uint64_t length = segments[s].length;
            ASSERT_LE(length, finished[s].size()) << moment << ": segment " << s;
            total += length;
            for (std::uint64_t first = 0; first < length; first += chunk) {
                const std::uint64_t end = std::min<std::uint64_t>(first + chunk, length);
                for (const std::uint64_t at : {first, end - std::min<std::uint64_t>(64, end - first)}) {
                    const std::size_t n = reader->read(s, at, std::span(got.data(), std::min<std::uint64_t>(64, end - at)));
                    ASSERT_EQ(n, std::min<std::uint64_t>(64, end - at)) << moment;
                    ASSERT_TRUE(std::equal(got.begin(), got.begin() + static_cast<std::ptrdiff_t>(n),
                                           finished[s].begin() + static_cast<std::ptrdiff_t>(at)))
                        << moment << ": segment " << s << " samples from " << at << " differ from the recording's";
                }
            }
        }
        ASSERT_GE(total, committed) << moment << ": " << total << " samples in the file";
    }
};

// Applies the logged writes to an empty file one by one, judging the state after each and at every
// page boundary inside each; from `visible_from` (the event after which the file had its name) on, and
// while `judged(marks seen so far)` (to keep the test short where its states repeat one another).
void replay(const std::vector<Event>& events, std::size_t visible_from, Judge& judge,
            const std::function<bool(std::size_t)>& judged = [](std::size_t) { return true; }) {
    const int fd = ::open(judge.state.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
    ASSERT_GE(fd, 0);
    std::uint64_t committed = 0;
    std::size_t marks = 0;
    for (std::size_t e = 0; e < events.size(); ++e) {
        const Event& event = events[e];
        if (event.bytes.empty()) {
            committed = event.committed;
            ++marks;
            continue;
        }
        const bool visible = e >= visible_from && judged(marks);
        for (std::uint64_t cut = (event.offset / page + 1) * page; visible && cut < event.offset + event.bytes.size();
             cut += page) {
            ASSERT_EQ(::pwrite(fd, event.bytes.data(), cut - event.offset, static_cast<off_t>(event.offset)),
                      static_cast<ssize_t>(cut - event.offset));
            judge(committed, "write " + std::to_string(e) + " at " + std::to_string(event.offset) + " (" +
                                 std::to_string(event.bytes.size()) + " bytes) cut at " + std::to_string(cut));
            if (::testing::Test::HasFatalFailure()) break;
        }
        ASSERT_EQ(::pwrite(fd, event.bytes.data(), event.bytes.size(), static_cast<off_t>(event.offset)),
                  static_cast<ssize_t>(event.bytes.size()));
        if (visible) {
            judge(committed, "after write " + std::to_string(e) + " at " + std::to_string(event.offset) + " (" +
                                 std::to_string(event.bytes.size()) + " bytes)");
        }
        if (::testing::Test::HasFatalFailure()) break;
    }
    ::close(fd);
}

std::vector<std::vector<cf32>> read_segments(const fs::path& path) {
    CaptureReader reader(path);
    std::vector<std::vector<cf32>> all;
    for (std::size_t s = 0; s < reader.segments().size(); ++s) all.push_back(read_all(reader, s));
    return all;
}

// One segment of 70 chunks, a chunk at a time: every flush rewrites the chunk index's node in place,
// and at 64 chunks its root splits into two new nodes.
TEST(IoTornWrites, EveryCutOfALongSegmentsWritesKeepsWhatWasCommitted) {
    TempDir dir;
    const auto path = dir.file("long.h5");
    WriteLog log;
    std::size_t visible_from = 0;
    {
        CaptureWriter writer(path, {}, SampleType::int8);
        visible_from = log.events.size();
        writer.begin_segment(tuning(2437e6, 0.0));
        std::vector<cf32> block(chunk);
        std::uint64_t k = 0;
        for (int c = 0; c < 70; ++c) {
            for (auto& s : block) s = sample(k++);
            writer.append(block);
            log.mark(writer.samples_committed());
        }
        writer.close();
    }
    Judge judge{dir.file("state.h5"), read_segments(path)};
    ASSERT_EQ(judge.finished.size(), 1u);
    ASSERT_EQ(judge.finished[0].size(), 70 * chunk);
    replay(log.events, visible_from, judge);
    std::cout << log.events.size() << " writes and marks, " << judge.states << " states judged\n";
    EXPECT_GT(judge.states, 300u);
}

// 70 short segments: each is named in /segments in a flush of its own, and at 65 names /segments'
// symbol-table node splits. Judged while the first three and the last twelve are written (the states
// in between are like those of the first, and each takes longer to open).
TEST(IoTornWrites, EveryCutOfManySegmentsWritesKeepsWhatWasCommitted) {
    TempDir dir;
    const auto path = dir.file("many.h5");
    WriteLog log;
    std::size_t visible_from = 0;
    {
        CaptureWriter writer(path, {}, SampleType::int8);
        visible_from = log.events.size();
        std::vector<cf32> block(3000);
        std::uint64_t k = 0;
        for (int s = 0; s < 70; ++s) {
            writer.begin_segment(tuning(2437e6, static_cast<double>(k) / 20e6));
            for (auto& v : block) v = sample(k++);
            writer.append(block);
            writer.end_segment();
            log.mark(writer.samples_committed());
        }
        writer.close();
    }
    Judge judge{dir.file("state.h5"), read_segments(path)};
    ASSERT_EQ(judge.finished.size(), 70u);
    replay(log.events, visible_from, judge, [](std::size_t marks) { return marks < 3 || marks >= 58; });
    std::cout << log.events.size() << " writes and marks, " << judge.states << " states judged\n";
    EXPECT_GT(judge.states, 100u);
}

}  // namespace
}  // namespace coex::io
