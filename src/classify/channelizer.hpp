#pragma once
// Time-domain looks at one burst: its samples brought to baseband around the burst, narrowed to its
// band, and run through an FM discriminator. liquid-dsp does the mixing, resampling and filtering.
#include "coex/core/types.hpp"
#include "coex/decode/wifi_dsss.hpp"

#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <vector>

namespace coex::classify {

struct TimeDomainFeatures {
    bool valid = false;
    double deviation_hz = 0.0;     // FSK peak deviation estimate (calibrated for GFSK BT 0.5)
    double offset_hz = 0.0;        // mean instantaneous frequency
    double constant_envelope = 0.0;
    double preamble_periodicity = 0.0;  // coherent autocorrelation at 16 µs over the first 128 µs (802.15.4 SHR)
    double symbol_rate_hz = 0.0;   // the standard FSK symbol rate whose clock the discriminator shows most (0: not judged)
};

// Takes the mean out of a snippet of samples: the receiver's DC (LO leakage). A burst's own mean is ~0
// (FSK, O-QPSK and OFDM symbols turn their phase), so a snippet's mean is the DC.
void remove_dc(std::vector<cf32>& x);

// Which of the band's standard FSK symbol rates (1 Msym/s Bluetooth/BLE 1M, 1.152 Msym/s DECT-like
// cordless phones) clocks an FM discriminator's output: the squared frequency step
// peaks at symbol boundaries, so it carries a spectral line at the symbol rate.
double fsk_symbol_rate(std::span<const float> frequency_hz, double sample_rate_hz);

// How well a channel's samples (brought to 20 MS/s at the channel centre) fit each 802.11 PHY.
struct WifiPhyMetrics {
    bool valid = false;
    double cyclic_prefix = 0.0;  // OFDM: the guard interval before each 64-sample symbol repeats its end (0…1)
    double barker = 0.0;         // DSSS: the 11-chip spreading code repeats every 1 µs (0…1)
    double off_period = 0.0;     // the same coherence 0.5 µs on: chance for DSSS, as high for a carrier (0…1)
    // DSSS: the peak over the mean lag energy of the samples despread by the Barker code itself
    // (decode::BarkerDespreader, the DSSS decoder's gate). Measured only when the code period shows but
    // so does the coherence half a period on (0 otherwise): a carrier's, or DSSS under a stronger
    // narrowband signal (an 802.15.4 frame keeps its phase over 0.5 µs too). The code takes nothing from
    // a carrier, noise or O-QPSK; DSSS puts its energy at its path's lag.
    double despread = 0.0;

    // 802.11 OFDM's guard interval, clearly: 0.93–0.99 from 10 dB up (DSSS reads 0.1–0.25).
    [[nodiscard]] bool shows_ofdm() const { return valid && cyclic_prefix >= 0.5 && cyclic_prefix > barker; }
    // DSSS's 1 µs code period (0.5–0.96), above the guard interval, and either at chance half a period on
    // or despread by the code: over ≥ 40 symbols noise, a carrier and O-QPSK spread their energy evenly
    // over the lags (1.0–1.2, 1.1 for an 802.15.4 frame), DSSS under a frame 5 dB stronger reads 2.0–2.4
    // (the decoder's gate asks 4 of its 8-symbol windows, whose noise spreads wider).
    static constexpr double kDespreadShowsCode = 1.6;
    [[nodiscard]] bool shows_dsss() const {
        return valid && barker >= 0.35 && barker > cyclic_prefix && (off_period < 0.5 * barker || despread >= kDespreadShowsCode);
    }
};

class Channelizer {
public:
    WifiPhyMetrics wifi_phy(std::span<const cf32> samples, double sample_rate_hz, double offset_hz);

    // Median |f − mean f| of GFSK (BT 0.5) over its peak deviation, measured on the simulator's
    // standard BLE/BR packets: the discriminator rarely sits at the full deviation between symbols.
    static constexpr double kGfskMedianOverPeak = 0.84;

    TimeDomainFeatures measure(std::span<const cf32> samples, double sample_rate_hz, double offset_hz, double bandwidth_hz);

    // A burst's samples for the packet decoders: brought to baseband around offset_hz and decimated by
    // the whole factor that comes closest to target_rate_hz from above (anti-aliased, ±0.4 of the new
    // rate kept). Returns the new rate.
    double to_baseband(std::span<const cf32> samples, double sample_rate_hz, double offset_hz, double target_rate_hz,
                       std::vector<cf32>& out);
    // to_baseband would give the samples back unchanged (no offset, no decimation): use them as they are.
    static bool passes_unchanged(double sample_rate_hz, double offset_hz, double target_rate_hz) {
        return offset_hz == 0.0 && decimation_factor(sample_rate_hz, target_rate_hz) == 1;
    }
    static unsigned decimation_factor(double sample_rate_hz, double target_rate_hz);

    Channelizer();
    ~Channelizer();
    Channelizer(const Channelizer&) = delete;
    Channelizer& operator=(const Channelizer&) = delete;

private:
    struct Filters;  // liquid objects, designed once per (rate, band) and reused: design costs more than use
    Filters& filters_for(double rate, double cutoff);
    struct WifiResampler;
    std::vector<std::unique_ptr<WifiResampler>> wifi_resamplers_;
    std::vector<cf32> wifi_;
    decode::BarkerDespreader despreader_{20e6};  // at the rate wifi_phy brings channels to
    std::vector<std::unique_ptr<Filters>> filters_;
    struct Decimator;
    std::vector<std::unique_ptr<Decimator>> decimators_;  // by factor, for to_baseband
    std::vector<cf32> mixed_, decimated_, narrow_;
    std::vector<float> freq_, magnitude_, spread_;
    void lag_products(std::span<const cf32> x, std::size_t lag);
    std::vector<float> lag_re_, lag_im_, lag_abs_;  // x[n]·x*[n+lag]: real, imaginary, magnitude
};

// The last few milliseconds of a tuning's samples, addressed by sample index within the segment. Kept
// as the blocks they came in: a block handed over with adopt() is held without copying a sample.
class SampleHistory {
public:
    void reset(std::size_t capacity);
    void push(std::uint64_t first_sample, std::span<const cf32> samples);  // copies the samples
    // Takes over `samples`' buffer (same as push, without the copy); leaves a spare buffer in its place.
    void adopt(std::uint64_t first_sample, std::vector<cf32>& samples);
    // Copies what is still held of [begin, end) into out; returns the first index copied.
    std::uint64_t copy(std::uint64_t begin, std::uint64_t end, std::vector<cf32>& out) const;
    // The same samples without the copy when one held block holds them all (the common case: a burst is
    // short beside a block); otherwise copied into `scratch`. Valid until the next push or adopt.
    std::span<const cf32> view(std::uint64_t begin, std::uint64_t end, std::vector<cf32>& scratch) const;

private:
    std::vector<cf32> take_spare();
    void append(std::uint64_t first_sample, std::vector<cf32>&& samples);

    struct Piece {
        std::uint64_t first = 0;  // sample index of samples[0]
        std::vector<cf32> samples;
    };
    std::deque<Piece> pieces_;  // contiguous, oldest first
    std::vector<std::vector<cf32>> spare_;  // buffers of dropped pieces, for reuse
    std::size_t capacity_ = 1;
    std::uint64_t next_ = 0;   // index one past the newest sample held
    std::uint64_t held_ = 0;   // the newest held_ samples (≤ capacity) are what copy() gives
};

}  // namespace coex::classify
