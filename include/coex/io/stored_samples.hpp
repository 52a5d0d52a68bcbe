#pragma once
// Samples as a file stores them (8- or 16-bit integers: coex captures' int8/int16, raw cs8/cs16), handed
// over before their conversion to cf32.
// io::ReadAheadSource reads them on its own thread and converts them on the thread that takes the
// block, which reads them next: converted on the reader's thread, a block reached the analysis from
// the other core's cache as four (int8) or two (int16) times the bytes of the integers it came from
// (bench/README.md: 8 % of the CPU of `coex analyze` on an int8 capture).
#include "coex/core/types.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace coex::io {

struct StoredSamples {
    enum class Type : std::uint8_t { converted, int8, int16 };
    Type type = Type::converted;     // converted: the block's samples are already cf32
    std::vector<std::int8_t> int8;   // I, Q interleaved
    std::vector<std::int16_t> int16;
};

// Fills `out` (out.size() samples) from `stored`, scaled to full scale 1.0 (/128, /32768): the same
// floats a reader converting as it reads gives. Nothing when they are converted already.
void convert(const StoredSamples& stored, std::span<cf32> out) noexcept;

// A source that can hand a block over unconverted: next_stored() is next(), except that when
// stored.type is not `converted`, block.samples has its size and its values are still to be made by
// convert(stored, block.samples).
class StoredSampleSource {
public:
    virtual ~StoredSampleSource() = default;
    [[nodiscard]] virtual bool next_stored(SampleBlock& block, StoredSamples& stored) = 0;
};

}  // namespace coex::io
