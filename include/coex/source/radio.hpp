#pragma once
// A receiver the live source reads from, and the SoapySDR factory behind it (src/source/soapy_radio.cpp
// is the only place SoapySDR is used). Setup calls throw (InputError: the device or a setting the user
// asked for is wrong); streaming calls never throw, they return a status.
#include "coex/core/types.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace coex::source {

struct Range {
    double min = 0.0, max = 0.0;
};

struct GainElement {
    std::string name;
    Range range;
};

// What a radio says about itself.
struct RadioInfo {
    std::string driver;    // "hackrf", "rtlsdr", "coexsim", "remote", …
    std::string family;    // the driver that talks to the hardware (behind SoapyRemote: the remote one)
    std::string label;     // as enumerated
    std::string serial;
    std::string hardware;  // hardware key (e.g. "HackRF One")
    std::string args;      // device arguments that open this radio again
    std::vector<Range> frequency_ranges_hz;
    std::vector<Range> sample_rate_ranges_hz;  // listed rates appear as min == max
    std::vector<Range> bandwidth_ranges_hz;    // analog filter choices; empty: not settable
    Range gain_range_db;
    std::vector<GainElement> gain_elements;
    std::vector<std::string> antennas;
    // Type of the samples as the radio delivers them ("int8", "int16", "float32"): read() scales
    // them to full scale 1.0 exactly as the capture format does, so a recording in this type holds
    // exactly the samples the pipeline saw.
    std::string sample_type = "float32";
    // One step of those samples as read (1 / the native full scale: 1/128 for an 8-bit radio); 0 for
    // float32. Segments carry it, so the analysis reads no floor under its rounding noise.
    double quantisation_step = 0.0;

    [[nodiscard]] double max_sample_rate_hz() const;
    [[nodiscard]] bool can_tune(double low_hz, double high_hz) const;  // one range holds both
};

// A gain request: one overall value the driver distributes, and/or named elements ("LNA=24").
struct GainSetting {
    std::optional<double> overall_db;
    std::vector<std::pair<std::string, double>> elements;
};

struct ReadResult {
    enum class Status { samples, timeout, overflow, error };
    Status status = Status::timeout;
    std::size_t count = 0;               // samples written (Status::samples)
    std::optional<std::int64_t> time_ns; // device time of the first sample, when the radio gives it
    std::string error;                   // Status::error: what the driver said
};

class Radio {
public:
    virtual ~Radio() = default;
    [[nodiscard]] virtual const RadioInfo& info() const = 0;

    // Setup (throws): each returns what the radio really set.
    virtual double set_sample_rate(double hz) = 0;
    virtual double set_bandwidth(double hz) = 0;  // 0 when the radio has no settable filter
    virtual double set_gain(const GainSetting& gain) = 0;  // returns the overall gain
    virtual void set_antenna(const std::string& name) = 0;
    virtual double tune(double hz) = 0;
    virtual void start() = 0;  // activates the stream
    virtual void stop() = 0;

    // Streaming (never throws): up to out.size() samples, full scale 1.0; waits up to timeout_us.
    [[nodiscard]] virtual ReadResult read(std::span<cf32> out, long timeout_us) = 0;
};

// Per-driver starting points, used when the user gives none.
struct DriverDefaults {
    std::string name;                  // for messages: "HackRF", "RTL-SDR", "the coexsim simulator"
    GainSetting gain;
    double settle_s = 0.01;            // samples discarded after each retune
    std::optional<double> max_rate_hz; // highest rate that streams without loss (RTL-SDR: 2.4 MS/s)
};
[[nodiscard]] DriverDefaults driver_defaults(const std::string& driver);

// ---- SoapySDR -------------------------------------------------------------------------------------

// Opens a radio from SoapySDR device arguments ("driver=hackrf", "driver=rtlsdr,serial=…",
// "driver=remote,remote=tcp://host:55132,remote:driver=…"). Throws InputError with one line when no
// such radio is attached ("no HackRF found (driver=hackrf)…") or its driver is not installed.
[[nodiscard]] std::unique_ptr<Radio> open_radio(const std::string& args);

// Every radio SoapySDR finds (filtered by `args` when not empty), each opened briefly to read its
// ranges. A radio that cannot be opened (busy) is listed with `problem` set.
struct ListedRadio {
    RadioInfo info;
    std::string problem;
};
[[nodiscard]] std::vector<ListedRadio> list_radios(const std::string& args);

// Driver log lines (SoapySDR's own logger, warnings and worse) go here instead of stderr; the
// default drops them. The handler may be called from any thread.
void set_driver_log(std::function<void(const std::string& line)> handler);

}  // namespace coex::source
