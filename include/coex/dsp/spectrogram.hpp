#pragma once
// Streaming power spectrogram, calibrated in full-scale units.
#include "coex/core/types.hpp"
#include "coex/dsp/fft.hpp"
#include "coex/dsp/window.hpp"

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

namespace coex::dsp {

struct SpectrogramConfig {
    std::size_t fft_size = 0;  // 0: chosen from the sample rate (see default_fft_size)
    Window window = Window::hann;
    double overlap = 0.0;      // fraction of a frame shared with the next, [0, 0.9]
    FftPlanning planning = FftPlanning::measure;
};

// A power of two giving bins of about 78 kHz (256 at 20 MS/s, 1024 at 100 MS/s, 32 at 2.4 MS/s):
// fine enough to resolve a 1 MHz Bluetooth channel in ~13 bins, short enough (≈13 µs) to time a
// 44 µs Wi-Fi ACK.
std::size_t default_fft_size(double sample_rate_hz);

// Checks the settings (ConfigError naming fft_size or overlap); with a sample rate, also the rate and
// the FFT size chosen for it, which it returns.
void validate(const SpectrogramConfig& config);
std::size_t validate(const SpectrogramConfig& config, double sample_rate_hz);

// Cuts the sample stream into (overlapping) windowed frames and returns per-bin power, ordered from
// −fs/2 to +fs/2 (bin fft_size/2 is DC). Calibration: a complex tone of amplitude A centred on a bin
// reads A² there (0 dBFS for full scale); white noise of total power σ² reads σ²·enbw/fft_size per
// bin, so summing bins and dividing by enbw() gives band power.
class Spectrogram {
public:
    Spectrogram(const SpectrogramConfig& config, double sample_rate_hz);

    // Calls on_frame(std::span<const float> power) once per completed frame.
    template <class OnFrame>
    void push(std::span<const cf32> samples, OnFrame&& on_frame) {
        auto emit = [&](const cf32* frame) {
            transform(frame);
            frame_ = frame;
            on_frame(std::span<const float>(power_));
            ++frames_;
        };
        std::size_t pos = 0;
        // Without overlap, whole frames are transformed straight from the samples (no copy): once a
        // frame left partly filled by the last call is completed.
        if (hop_ == size_ && fill_ > 0 && samples.size() >= size_ - fill_) {
            pos = size_ - fill_;
            std::copy_n(samples.data(), pos, pending_.data() + fill_);
            fill_ = 0;
            emit(pending_.data());
        }
        if (hop_ == size_ && fill_ == 0)
            for (; samples.size() - pos >= size_; pos += size_) emit(samples.data() + pos);
        while (pos < samples.size()) {
            const std::size_t take = std::min(samples.size() - pos, size_ - fill_);
            std::copy_n(samples.data() + pos, take, pending_.data() + fill_);
            fill_ += take;
            pos += take;
            if (fill_ == size_) {
                emit(pending_.data());
                // keep the overlapping tail for the next frame
                std::copy(pending_.begin() + static_cast<std::ptrdiff_t>(hop_), pending_.end(), pending_.begin());
                fill_ = size_ - hop_;
            }
        }
    }
    // Forgets a partial frame: call at a gap in the sample stream so no frame straddles it.
    void reset() { fill_ = 0; }
    // The samples of the frame being handed to on_frame (valid only during that call).
    [[nodiscard]] std::span<const cf32> frame_samples() const { return {frame_, size_}; }
    // The samples pushed since the last frame that no frame has taken yet (the partial frame).
    [[nodiscard]] std::span<const cf32> pending_samples() const { return {pending_.data(), fill_}; }

    [[nodiscard]] std::size_t fft_size() const { return size_; }
    [[nodiscard]] std::size_t hop() const { return hop_; }
    [[nodiscard]] double sample_rate_hz() const { return rate_; }
    [[nodiscard]] double bin_hz() const { return rate_ / static_cast<double>(size_); }
    [[nodiscard]] double frame_seconds() const { return static_cast<double>(hop_) / rate_; }
    [[nodiscard]] double enbw() const { return enbw_; }
    [[nodiscard]] std::uint64_t frames() const { return frames_; }
    // Frequency offset from the centre of bin k (after the −fs/2…+fs/2 ordering).
    [[nodiscard]] double bin_offset_hz(std::size_t k) const {
        return (static_cast<double>(k) - static_cast<double>(size_ / 2)) * bin_hz();
    }

private:
    void transform(const cf32* frame);

    std::size_t size_;
    std::size_t hop_;
    double rate_;
    double enbw_;
    float scale_;
    std::vector<float> window_;
    std::vector<float> interleaved_window_;  // each window value twice: for the real and imaginary part
    std::vector<cf32> pending_;
    std::size_t fill_ = 0;
    std::vector<float> power_;
    const cf32* frame_ = nullptr;
    Fft fft_;
    std::uint64_t frames_ = 0;
};

// Plain O(N²) reference of one frame (windowed DFT, same ordering and calibration), for tests.
std::vector<float> reference_power_spectrum(std::span<const cf32> frame, Window window);

}  // namespace coex::dsp
