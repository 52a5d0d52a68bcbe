// Streaming: block reads equal whole reads; ReplaySource delivers every sample once, in order.
#include "coex/core/error.hpp"
#include "coex/io/capture.hpp"
#include "coex/io/read_ahead.hpp"
#include "fixtures.hpp"

#include <gtest/gtest.h>

namespace coex::io {
namespace {

using test::TempDir;

// Lengths straddle the writer's 65536-sample chunks; the 1-sample segment is an edge case.
const std::vector<std::size_t> segment_lengths = {70000, 1, 131073};

cf32 sample_value(std::size_t segment, std::size_t k) {
    return cf32(static_cast<float>((k * 7 + segment) % 32768) / 32768.0f,
                -static_cast<float>((k * 13 + 5 * segment) % 32768) / 32768.0f);
}

std::shared_ptr<CaptureReader> write_capture(const std::filesystem::path& path, SampleType type) {
    CaptureWriter writer(path, {}, type);
    for (std::size_t s = 0; s < segment_lengths.size(); ++s) {
        SegmentInfo info;
        info.center_frequency_hz = 2.41e9 + 25e6 * static_cast<double>(s);
        info.sample_rate_hz = 20e6;
        info.start_time_s = 0.01 * static_cast<double>(s);
        writer.begin_segment(info);
        // Appended in uneven pieces, as a live source would.
        std::vector<cf32> piece;
        for (std::size_t k = 0; k < segment_lengths[s]; ++k) {
            piece.push_back(sample_value(s, k));
            if (piece.size() == 40001 || k + 1 == segment_lengths[s]) {
                writer.append(piece);
                piece.clear();
            }
        }
        writer.end_segment();
    }
    writer.close();
    return std::make_shared<CaptureReader>(path);
}

class IoStreaming : public ::testing::TestWithParam<SampleType> {};

TEST_P(IoStreaming, SmallBlocksEqualOneWholeRead) {
    TempDir dir;
    auto reader = write_capture(dir.file("stream.h5"), GetParam());
    ASSERT_EQ(reader->segments().size(), segment_lengths.size());
    for (std::size_t s = 0; s < segment_lengths.size(); ++s) {
        std::vector<cf32> whole(segment_lengths[s]);
        ASSERT_EQ(reader->read(s, 0, whole), whole.size());
        std::vector<cf32> pieces;
        std::vector<cf32> block(997);
        for (std::uint64_t offset = 0;;) {
            const std::size_t got = reader->read(s, offset, block);
            if (got == 0) {
                break;
            }
            pieces.insert(pieces.end(), block.begin(), block.begin() + static_cast<std::ptrdiff_t>(got));
            offset += got;
        }
        EXPECT_EQ(pieces, whole) << "segment " << s;
        if (GetParam() == SampleType::float32) {  // no quantisation: the values themselves
            for (std::size_t k = 0; k < whole.size(); ++k) {
                ASSERT_EQ(whole[k], sample_value(s, k)) << "segment " << s << " sample " << k;
            }
        }
    }
}

TEST_P(IoStreaming, ReplayDeliversEverySampleOnce) {
    TempDir dir;
    auto reader = write_capture(dir.file("replay.h5"), GetParam());
    std::vector<std::vector<cf32>> expected;
    for (std::size_t s = 0; s < segment_lengths.size(); ++s) {
        expected.emplace_back(segment_lengths[s]);
        ASSERT_EQ(reader->read(s, 0, expected.back()), segment_lengths[s]);
    }

    ReplaySource source(reader, 4096);
    SampleBlock block;
    std::vector<std::uint64_t> seen(segment_lengths.size(), 0);
    std::size_t blocks = 0;
    std::size_t last_segment = 0;
    while (source.next(block)) {
        ++blocks;
        ASSERT_LT(block.segment_index, segment_lengths.size());
        ASSERT_GE(block.segment_index, last_segment) << "segments go forward only";
        last_segment = block.segment_index;
        const auto& description = reader->segments()[block.segment_index];
        EXPECT_EQ(block.segment.center_frequency_hz, description.info.center_frequency_hz);
        EXPECT_EQ(block.segment.start_time_s, description.info.start_time_s);
        EXPECT_EQ(block.first_sample, seen[block.segment_index]) << "contiguous within the segment";
        EXPECT_EQ(block.dropped_before, 0u);
        ASSERT_FALSE(block.samples.empty());
        ASSERT_LE(block.samples.size(), 4096u);
        for (std::size_t k = 0; k < block.samples.size(); ++k) {
            ASSERT_EQ(block.samples[k], expected[block.segment_index][block.first_sample + k]);
        }
        seen[block.segment_index] += block.samples.size();
    }
    for (std::size_t s = 0; s < segment_lengths.size(); ++s) {
        EXPECT_EQ(seen[s], segment_lengths[s]) << "segment " << s;
    }
    // 70000 → 18 blocks, 1 → 1, 131073 → 33.
    EXPECT_EQ(blocks, 18u + 1u + 33u);
    const SourceStats stats = source.stats();
    EXPECT_EQ(stats.samples_in, 70000u + 1u + 131073u);
    EXPECT_EQ(stats.samples_dropped, 0u);
    EXPECT_EQ(stats.samples_lost, 0u);
    EXPECT_FALSE(source.next(block)) << "stays at the end";
}

// Through a read-ahead thread, 8- and 16-bit samples travel unconverted and are converted by next() on
// the taking thread (coex/io/stored_samples.hpp): every block must hold what a whole read gives, bit
// for bit (int16 and float32: the values written), whatever the consumer left in the buffers it hands
// back, across segments and blocks cut short at a segment's end.
TEST_P(IoStreaming, ReadAheadDeliversWhatAWholeReadGives) {
    TempDir dir;
    auto reader = write_capture(dir.file("ahead.h5"), GetParam());
    std::vector<std::vector<cf32>> expected;
    for (std::size_t s = 0; s < segment_lengths.size(); ++s) {
        expected.emplace_back(segment_lengths[s]);
        ASSERT_EQ(reader->read(s, 0, expected.back()), segment_lengths[s]);
    }
    for (const std::size_t depth : {1, 4}) {
        ReadAheadSource source(std::make_unique<ReplaySource>(std::make_shared<CaptureReader>(reader->path()), 4096), depth);
        SampleBlock block;
        std::size_t blocks = 0;
        while (source.next(block)) {
            ++blocks;
            ASSERT_LT(block.segment_index, segment_lengths.size());
            const auto& want = expected[block.segment_index];
            ASSERT_LE(block.first_sample + block.samples.size(), want.size());
            for (std::size_t k = 0; k < block.samples.size(); ++k) {
                ASSERT_EQ(block.samples[k], want[block.first_sample + k]) << "block " << blocks << " sample " << k;
                if (GetParam() != SampleType::int8) {
                    ASSERT_EQ(block.samples[k], sample_value(block.segment_index, block.first_sample + k));
                }
            }
            block.samples.assign(block.samples.size() + 3, cf32(9.0f, -9.0f));  // anything in the buffer handed back
        }
        EXPECT_EQ(blocks, 18u + 1u + 33u) << "depth " << depth;
        EXPECT_EQ(source.stats().samples_in, 70000u + 1u + 131073u);
    }
}

INSTANTIATE_TEST_SUITE_P(AllTypes, IoStreaming,
                         ::testing::Values(SampleType::int8, SampleType::int16, SampleType::float32),
                         [](const auto& param) { return to_string(param.param); });

TEST(IoReplay, RejectsBadConfiguration) {
    EXPECT_THROW(ReplaySource(nullptr), std::invalid_argument);
    TempDir dir;
    auto reader = write_capture(dir.file("config.h5"), SampleType::int8);
    EXPECT_THROW(ReplaySource(reader, 0), ConfigError);
}

}  // namespace
}  // namespace coex::io
