#pragma once
// The FFT wrapper: FFTW3 (single precision) lives only behind this header.
// Plans are made once per object under one process-wide planner mutex; planning with FFTW_MEASURE is
// made cheap at start-up by a wisdom file that is loaded before the first plan and saved after a new one.
#include "coex/core/types.hpp"

#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>

namespace coex::dsp {

enum class FftPlanning {
    estimate,  // no measurement: instant, slightly slower transforms
    measure,   // measured plans, remembered in the wisdom file
};

// Where measured plans are remembered: $COEX_FFTW_WISDOM, else $XDG_CACHE_HOME/coex/fftwf.wisdom,
// else $HOME/.cache/coex/fftwf.wisdom. Empty when none of these can be formed.
std::filesystem::path default_wisdom_path();

// Forward complex DFT of a fixed size on buffers the object owns (aligned for SIMD).
class Fft {
public:
    explicit Fft(std::size_t size, FftPlanning planning = FftPlanning::measure);
    ~Fft();
    Fft(const Fft&) = delete;
    Fft& operator=(const Fft&) = delete;

    [[nodiscard]] std::size_t size() const { return size_; }
    [[nodiscard]] std::span<cf32> input() { return {in_, size_}; }
    [[nodiscard]] std::span<const cf32> output() const { return {out_, size_}; }
    void execute();  // output = DFT(input), unnormalised

private:
    struct Plan;
    std::size_t size_;
    cf32* in_;   // owned, fftwf_malloc'd; freed in the destructor
    cf32* out_;  // owned, fftwf_malloc'd
    std::unique_ptr<Plan> plan_;
};

}  // namespace coex::dsp
