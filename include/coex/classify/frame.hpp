#pragma once
// What the analysis stages see of the spectrogram: one frame at a time, on one tuning (centre and rate).
#include "coex/core/types.hpp"
#include "coex/dsp/cell_grid.hpp"

#include <cstdint>
#include <span>

namespace coex::classify {

struct TuningGeometry {
    const dsp::MhzCellGrid* grid = nullptr;
    SegmentInfo segment;
    double frame_seconds = 0.0;  // time between frames
    double bin_hz = 0.0;
};

// A lit cell whose excess over its floor is under this share (−20 dB) of its mirror cell's is what the
// receiver's IQ imbalance puts there: the simulator's receiver models reject the image by 28 (rtlsdr),
// 32 (hackrf), 37 (pluto) and 51 dB (usrp), real ones by 25–40 dB (HackRF, RTL-SDR) and 40–50+ dB (Pluto,
// USRP); 20 dB leaves 5 dB for the worst of them and for the noise in a weak image's excess, and an
// image only 20 dB under its signal would be a receiver out of order.
inline constexpr double kIqImageUnderMirror = 0.01;

struct Frame {
    double time_s = 0.0;                // start of the frame, seconds since capture start
    std::uint64_t first_sample = 0;     // index of its first sample within the segment
    std::span<const float> bins;        // power per bin, −fs/2 … +fs/2
    std::span<const float> cells;       // power per 1 MHz cell of the tuning's grid
    std::span<const float> cell_floor;  // estimated mean noise power per cell
    std::span<const std::uint8_t> wifi_claimed{};  // per cell: explained by a Wi-Fi transmission (set by the classifier)
};

}  // namespace coex::classify
