// The scene simulator checked from its own output: occupied bandwidths, hop rate, duty cycles,
// mains periodicity, USB 3.0 rise, comb spacing, receiver views, labels against the samples, bad
// scene files, determinism.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>
#include <set>

#include "coex/core/error.hpp"
#include "coex/sim/sim.hpp"
#include "sim_test_util.hpp"

using namespace coex;
using namespace coex::sim;
using json = nlohmann::json;

namespace {

// A scene around one emitter (JSON object text), single view at `center` MHz.
Scene scene_with(const std::string& emitter, double center_mhz = 2437, double rate_msps = 20, double duration = 0.1,
                 const std::string& receiver_extra = "") {
    const std::string text = R"({"seed": 7, "duration_s": )" + std::to_string(duration) + R"(, "receiver": {"view": "single", "center_mhz": )" +
                             std::to_string(center_mhz) + R"(, "sample_rate_msps": )" + std::to_string(rate_msps) + receiver_extra +
                             R"(}, "emitters": [)" + emitter + "]}";
    return parse_scene(text, "test.json");
}

// Noise-free float view: only the emitter (and no receiver impairments).
constexpr const char* kClean = R"(, "noise": false, "dc_spike": false, "iq_gain_imbalance_db": 0, "iq_phase_imbalance_deg": 0, "sample_type": "float32")";

std::vector<cf32> render_all(Synthesizer& s) {
    std::vector<cf32> all;
    for (std::size_t i = 0; i < s.segments().size(); ++i) {
        auto x = s.render(i);
        all.insert(all.end(), x.begin(), x.end());
    }
    return all;
}

// Samples of [t0, t1) of a single-segment scene.
std::span<const cf32> slice(const std::vector<cf32>& x, double fs, double t0, double t1) {
    const auto a = static_cast<std::size_t>(std::max(0.0, t0 * fs));
    const auto b = std::min(x.size(), static_cast<std::size_t>(t1 * fs));
    return std::span<const cf32>(x).subspan(a, b > a ? b - a : 0);
}

// Share of `window`-long blocks whose mean power exceeds `threshold` (linear).
double on_fraction(std::span<const cf32> x, std::size_t window, double threshold) {
    std::size_t on = 0, n = 0;
    for (std::size_t i = 0; i + window <= x.size(); i += window, ++n)
        if (mean_power(x.subspan(i, window)) > threshold) ++on;
    return n ? static_cast<double>(on) / static_cast<double>(n) : 0.0;
}

double occupied_bw_of_bursts(const std::vector<cf32>& x, double fs, const std::vector<Synthesizer::LabelBurst>& bursts, std::size_t nfft) {
    // Concatenate the bursts that lie inside the view, then a Welch PSD.
    std::vector<cf32> on;
    for (const auto& b : bursts) {
        auto s = slice(x, fs, b.t_start, b.t_end);
        on.insert(on.end(), s.begin(), s.end());
    }
    return test::occupied_bandwidth(test::welch(on, fs, nfft), 0.99);
}

}  // namespace

// ---- occupied bandwidth --------------------------------------------------------------------------

TEST(SimSynth, OccupiedBandwidthPerClass) {
    struct C {
        const char* what;
        std::string emitter;
        double center;
        double lo, hi;  // expected 99 % occupied bandwidth, MHz
    };
    const std::vector<C> cases = {
        {"802.11g OFDM", R"({"type": "wifi_ofdm", "channel": 6, "level_dbfs": -20, "airtime": 0.5, "cfo_ppm": 0})", 2437, 15.5, 17.5},
        {"802.11b DSSS", R"({"type": "wifi_dsss", "channel": 6, "level_dbfs": -20, "airtime": 0.5, "cfo_ppm": 0})", 2437, 11.0, 19.0},
        {"Bluetooth BR", R"({"type": "bluetooth_classic", "channels": [35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54], "level_dbfs": -20, "cfo_ppm": 0, "slot_usage": 1})", 2446.5, 0.0, 0.0},
        {"802.15.4", R"({"type": "zigbee", "channel": 17, "level_dbfs": -20, "interval_ms": 2, "cfo_ppm": 0})", 2435, 2.0, 3.2},
    };
    for (const auto& c : cases) {
        Synthesizer s(scene_with(c.emitter, c.center, 20, 0.05, kClean));
        const auto x = render_all(s);
        if (std::string(c.what) == "Bluetooth BR") {
            // Per hop: 99 % bandwidth of single bursts (each one frequency).
            double worst = 0.0;
            int n = 0;
            for (const auto& b : s.bursts_of(0)) {
                if (b.t_end - b.t_start < 1e-3 || b.t_start < 0.001) continue;
                const auto bw = test::occupied_bandwidth(test::welch(slice(x, 20e6, b.t_start, b.t_end), 20e6, 1024), 0.99);
                worst = std::max(worst, bw);
                ++n;
            }
            std::printf("%-14s 99 %% bandwidth of one hop: worst %.3f MHz over %d packets\n", c.what, worst / 1e6, n);
            EXPECT_GT(n, 3);
            EXPECT_GT(worst, 0.7e6);
            EXPECT_LT(worst, 1.3e6);
            continue;
        }
        const double bw = occupied_bw_of_bursts(x, 20e6, s.bursts_of(0), 1024);
        std::printf("%-14s 99 %% occupied bandwidth %.2f MHz (expected %.1f–%.1f)\n", c.what, bw / 1e6, c.lo, c.hi);
        EXPECT_GT(bw, c.lo * 1e6);
        EXPECT_LT(bw, c.hi * 1e6);
    }
}

// ---- hop rate -------------------------------------------------------------------------------------

TEST(SimSynth, BluetoothHops1600PerSecondMeasuredFromTheSamples) {
    // Every slot used (DH1 + DH1 reply): a new frequency every 625 us. A 100 MS/s view sees all 79.
    const auto scene = scene_with(R"({"type": "bluetooth_classic", "packet": "DH1", "slot_usage": 1, "reply": "dh1", "level_dbfs": -20, "cfo_ppm": 0})",
                                  2441, 100, 0.05, kClean);
    Synthesizer s(scene);
    const auto x = render_all(s);
    const double fs = 100e6;
    // Measure each packet's carrier from the samples: mean instantaneous frequency over its middle.
    std::vector<double> measured;
    int agree = 0, packets = 0;
    double first = -1.0, last = 0.0;
    for (const auto& b : s.bursts_of(0)) {
        if (b.t_start < 1e-4 || b.t_end > 0.0499) continue;
        if (first < 0) first = b.t_start;
        last = b.t_start;
        const auto mid = slice(x, fs, b.t_start + 20e-6, b.t_end - 20e-6);
        const auto f = test::fm_discriminator(mid, fs);
        const double mean = std::accumulate(f.begin(), f.end(), 0.0) / static_cast<double>(f.size());
        const double rf = 2441e6 + mean;
        measured.push_back(rf);
        ++packets;
        agree += std::abs(rf - 0.5 * (b.f_lo_hz + b.f_hi_hz)) < 100e3 ? 1 : 0;
    }
    int hops = 0;
    for (std::size_t i = 1; i < measured.size(); ++i) hops += std::abs(measured[i] - measured[i - 1]) > 0.5e6 ? 1 : 0;
    const double slots_per_s = static_cast<double>(packets - 1) / (last - first);
    std::printf("BT DH1 every slot: %d packets, carrier from the samples agrees with the label in %d; %.0f packets/s, %d frequency changes\n",
                packets, agree, slots_per_s, hops);
    EXPECT_EQ(agree, packets);
    EXPECT_NEAR(slots_per_s, 1600.0, 1.0);
    // Random hops over 79 channels repeat the frequency 1 time in 79.
    EXPECT_GT(hops, static_cast<int>(0.95 * (packets - 1)));
}

// ---- duty cycle -----------------------------------------------------------------------------------

TEST(SimSynth, WifiAirtimeFromSamplesMatchesLabels) {
    for (double target : {0.05, 0.3, 0.6, 0.9}) {
        const auto scene = scene_with(R"({"type": "wifi_ofdm", "channel": 6, "level_dbfs": -20, "airtime": )" + std::to_string(target) + "}",
                                      2437, 20, 0.2, kClean);
        Synthesizer s(scene);
        const auto x = render_all(s);
        const auto labels = json::parse(s.labels_json("x.h5"));
        const double airtime = labels["wifi"]["channels"][5]["airtime"].get<double>();
        double sum = 0.0;
        for (const auto& b : s.bursts_of(0)) sum += b.t_end - b.t_start;
        // 2 us blocks: on when above -40 dBFS (the frames are at -20, there is no noise).
        const double measured = on_fraction(x, 40, 1e-4);
        std::printf("Wi-Fi target %.2f: labelled %.4f, sum of bursts %.4f, measured from samples %.4f\n", target, airtime, sum / 0.2, measured);
        EXPECT_NEAR(airtime, sum / 0.2, 1e-5);
        EXPECT_NEAR(measured, airtime, 0.01);
        EXPECT_NEAR(airtime, target, 0.06 + 0.1 * target);
    }
}

// ---- mains periodicity ----------------------------------------------------------------------------

TEST(SimSynth, MicrowaveOvenFollowsTheMains) {
    for (double mains : {50.0, 60.0}) {
        const auto scene = scene_with(R"({"type": "microwave_oven", "mains_hz": )" + std::to_string(mains) +
                                          R"(, "center_mhz": 2455, "level_dbfs": -20})",
                                      2452, 20, 0.2, kClean);
        Synthesizer s(scene);
        const auto x = render_all(s);
        // Envelope in 0.1 ms bins, then the autocorrelation peak between 10 and 30 ms.
        const std::size_t bin = 2000;
        std::vector<double> env;
        for (std::size_t i = 0; i + bin <= x.size(); i += bin) env.push_back(mean_power(std::span<const cf32>(x).subspan(i, bin)));
        const double m = std::accumulate(env.begin(), env.end(), 0.0) / static_cast<double>(env.size());
        double best = -1e300;
        std::size_t best_lag = 0;
        for (std::size_t lag = 100; lag <= 300; ++lag) {
            double acc = 0.0;
            for (std::size_t i = 0; i + lag < env.size(); ++i) acc += (env[i] - m) * (env[i + lag] - m);
            acc /= static_cast<double>(env.size() - lag);
            if (acc > best) {
                best = acc;
                best_lag = lag;
            }
        }
        const double period = static_cast<double>(best_lag) * 1e-4;
        const double on = on_fraction(x, bin, 1e-4);
        std::printf("microwave %.0f Hz: envelope period %.2f ms (1/mains %.2f ms), on %.3f of the time\n", mains, period * 1e3, 1e3 / mains, on);
        EXPECT_NEAR(period, 1.0 / mains, 0.2e-3);
        EXPECT_NEAR(on, 0.45, 0.03);
        // Its carrier stays within centre +- (sweep/2 + drift + 1 MHz).
        const auto psd = test::welch(x, 20e6, 1024);
        const double inside = psd.band(2455e6 - 2452e6 - 4e6, 2455e6 - 2452e6 + 4e6);
        EXPECT_GT(inside / psd.total(), 0.99);
    }
}

// ---- USB 3.0 rise ---------------------------------------------------------------------------------

TEST(SimSynth, Usb3NoiseRisesTheFloorByTheGivenDb) {
    for (double rise : {6.0, 14.0}) {
        // Noise over 2400–2428 MHz seen from 2426: 2417–2426 raised, 2430–2435 clean.
        const auto scene = scene_with(R"({"type": "usb3_noise", "low_mhz": 2400, "high_mhz": 2428, "ripple_db": 0.5, "rise_db": )" +
                                          std::to_string(rise) + "}",
                                      2426, 20, 0.05, R"(, "sample_type": "float32", "dc_spike": false)");
        Synthesizer s(scene);
        const auto x = render_all(s);
        const auto psd = test::welch(x, 20e6, 2048);
        const double in = psd.band(-8e6, -1e6) / 7e6, out = psd.band(4e6, 8e6) / 4e6;
        const double measured = test::db10(in / out);
        std::printf("USB 3.0 rise %.1f dB: measured %.2f dB (in-band vs clean part of the view)\n", rise, measured);
        EXPECT_NEAR(measured, rise, 0.5);
        const auto labels = json::parse(s.labels_json("x.h5"));
        EXPECT_EQ(labels["emitters"][0]["class"], "usb3_noise");
        EXPECT_NEAR(labels["emitters"][0]["above_floor_db"].get<double>(), 10 * std::log10(std::pow(10.0, rise / 10) - 1), 0.02);
    }
}

// ---- comb -----------------------------------------------------------------------------------------

TEST(SimSynth, CombTonesSitAtHarmonicsOfF0) {
    const auto scene = scene_with(R"({"type": "comb", "f0_mhz": 16, "low_mhz": 2400, "high_mhz": 2487, "level_dbfs": -30})", 2442, 100, 0.01,
                                  kClean);
    Synthesizer s(scene);
    const auto x = render_all(s);
    const auto psd = test::welch(x, 100e6, 8192);  // 12.2 kHz bins
    std::vector<double> peaks;
    for (std::size_t i = 1; i + 1 < psd.nfft; ++i)
        if (psd.p[i] > psd.p[i - 1] && psd.p[i] >= psd.p[i + 1] && test::db10(psd.p[i]) > -45.0) peaks.push_back(2442e6 + psd.freq(i));
    std::printf("comb: %zu peaks:", peaks.size());
    for (double p : peaks) std::printf(" %.3f", p / 1e6);
    std::printf(" MHz\n");
    ASSERT_EQ(peaks.size(), 6u);  // 2400, 2416, 2432, 2448, 2464, 2480
    for (std::size_t i = 0; i < peaks.size(); ++i) EXPECT_NEAR(peaks[i], 2400e6 + 16e6 * static_cast<double>(i), 15e3);
    const auto labels = json::parse(s.labels_json("x.h5"));
    ASSERT_EQ(labels["emitters"].size(), 1u);
    EXPECT_EQ(labels["emitters"][0]["class"], "narrowband_spur");
    EXPECT_EQ(labels["emitters"][0]["bursts"].size(), 6u);
}

// ---- receiver -------------------------------------------------------------------------------------

TEST(SimSynth, EmittersOutsideTheViewAreFilteredNotAliased) {
    // Strong Wi-Fi on 10 (2448.7–2465.3 MHz, just past the 2427–2447 view) and a BT hopper
    // confined to 2448–2480 seen from 2437 at 20 MS/s: they go through the anti-alias filter.
    const auto scene = scene_with(R"({"type": "wifi_ofdm", "channel": 10, "level_dbfs": -3, "airtime": 0.5, "cfo_ppm": 0},
        {"type": "bluetooth_classic", "excluded_mhz": [[2400, 2447]], "level_dbfs": -3, "slot_usage": 1, "cfo_ppm": 0})",
                                  2437, 20, 0.05, kClean);
    Synthesizer s(scene);
    const auto x = render_all(s);
    const double p = mean_power(x);
    std::uint64_t placed = 0;
    for (std::size_t i = 0; i < s.segments().size(); ++i) placed += s.stats(i).bursts_placed;
    std::printf("out-of-view Wi-Fi and BT at -3 dBFS (%llu bursts through the filter): %.1f dBFS reached the view\n",
                static_cast<unsigned long long>(placed), p > 0 ? test::db10(p) : -999.0);
    EXPECT_GT(placed, 10u);
    EXPECT_LT(p, std::pow(10.0, -7.5));  // >= 72 dB down
}

TEST(SimSynth, ClippingWhenOverdriven) {
    Synthesizer s(scene_with(R"({"type": "cw", "freq_mhz": 2438, "level_dbfs": 6})", 2437, 20, 0.01));
    const auto x = s.render(0);
    float peak = 0.0f;
    for (const auto& v : x) peak = std::max({peak, std::abs(v.real()), std::abs(v.imag())});
    EXPECT_LE(peak, 1.0f);
    EXPECT_GT(s.stats(0).clipped_samples, x.size() / 4);
    const auto labels = json::parse(s.labels_json("x.h5"));
    EXPECT_EQ(labels["segments"][0]["clipped_samples"].get<std::uint64_t>(), s.stats(0).clipped_samples);
}

TEST(SimSynth, FloorAndDcSpike) {
    // Noise only: the floor per MHz is the thermal floor plus int8 quantisation; the DC spike is
    // the configured offset.
    Synthesizer s(scene_with("", 2437, 20, 0.02, R"(, "noise_floor_dbfs_per_mhz": -50, "dc_offset_dbfs": -30, "sample_type": "float32")"));
    const auto x = s.render(0);
    cf32 mean{0, 0};
    for (const auto& v : x) mean += v;
    mean /= static_cast<float>(x.size());
    const double total = mean_power(x) - std::norm(mean);
    std::printf("noise only: %.2f dBFS per MHz (asked -50), DC %.2f dBFS (asked -30)\n", test::db10(total / 20.0), test::db10(std::norm(mean)));
    EXPECT_NEAR(test::db10(total / 20.0), -50.0, 0.1);
    EXPECT_NEAR(test::db10(std::norm(mean)), -30.0, 0.2);
    ASSERT_TRUE(effective_floor_dbfs_per_mhz(s.scene().receiver));
    EXPECT_NEAR(*effective_floor_dbfs_per_mhz(s.scene().receiver), -50.0, 1e-9);  // float32: no quantisation
    auto rx = s.scene().receiver;
    rx.sample_type = "int8";
    // int8 at 20 MS/s adds (1/128)^2 / 6 / 20 per MHz: -63.0 dBFS/MHz, so -50 becomes -49.79.
    EXPECT_NEAR(*effective_floor_dbfs_per_mhz(rx), 10 * std::log10(1e-5 + std::pow(1.0 / 128, 2) / 6 / 20), 1e-9);
}

TEST(SimSynth, SweepSegmentsAndObservedOnlyLabels) {
    const auto scene = parse_scene(R"({"seed": 3, "receiver": {"view": "sweep", "centers_mhz": [2412, 2437, 2450], "dwell_ms": 10,
        "rounds": 2, "retune_gap_ms": 2},
        "emitters": [{"type": "wifi_ofdm", "channel": 6, "snr_db": 20, "airtime": 0.4}]})",
                                   "sweep.json");
    Synthesizer s(scene);
    ASSERT_EQ(s.segments().size(), 6u);
    for (std::size_t i = 0; i < 6; ++i) {
        EXPECT_NEAR(s.segments()[i].info.start_time_s, 0.012 * static_cast<double>(i), 1e-12);
        EXPECT_EQ(s.segments()[i].samples, 200000u);
    }
    EXPECT_NEAR(scene.duration_s, 6 * 0.012 - 0.002, 1e-12);
    const auto labels = json::parse(s.labels_json("x.h5"));
    // Channel 6 is seen whole in the 2437 dwells only (2450 sees 2441–2459: not whole).
    const auto& ch6 = labels["wifi"]["channels"][5];
    EXPECT_TRUE(ch6["observed"].get<bool>());
    EXPECT_NEAR(ch6["observed_s"].get<double>(), 0.02, 1e-9);
    // Airtime recomputed from the bursts and the ch 6 dwells only.
    double busy = 0.0;
    for (const auto& b : s.bursts_of(0))
        for (const double t0 : {0.012, 0.048}) busy += std::max(0.0, std::min(b.t_end, t0 + 0.01) - std::max(b.t_start, t0));
    EXPECT_NEAR(ch6["airtime"].get<double>(), busy / 0.02, 1e-6);
    // ... which differs from the airtime over the whole timeline, gaps included.
    EXPECT_TRUE(labels["wifi"]["channels"][0]["observed"].get<bool>());
    EXPECT_NEAR(labels["wifi"]["channels"][0]["airtime"].get<double>(), 0.0, 1e-12);
    EXPECT_FALSE(labels["wifi"]["channels"][8]["observed"].get<bool>());  // 2452 ± 8.5 not inside 2441–2459
    EXPECT_TRUE(labels["wifi"]["channels"][8]["airtime"].is_null());
    // The timeline continues through the gaps: bursts exist there, unobserved.
    bool in_gap = false;
    for (const auto& b : s.bursts_of(0)) in_gap = in_gap || (b.t_start >= 0.0101 && b.t_end <= 0.0119);
    EXPECT_TRUE(in_gap || s.bursts_of(0).size() > 10);
}

TEST(SimSynth, LabelsAreComplete) {
    Synthesizer s(parse_scene(R"({"seed": 5, "duration_s": 0.05, "receiver": {"view": "single", "center_mhz": 2437},
        "emitters": [{"type": "wifi_ofdm", "channel": 6, "snr_db": 20},
                     {"type": "bluetooth_classic", "snr_db": 15},
                     {"type": "fhss_phone", "snr_db": 15},
                     {"type": "ble", "adv_channels": [38], "snr_db": 15}],
        "expect": {"recommendation": {"channel": 11, "current_channel": 6}}})",
                              "x.json"));
    (void)s.render(0);
    const auto j = json::parse(s.labels_json("x.h5"));
    EXPECT_EQ(j["schema"], "coex-labels/1");
    EXPECT_EQ(j["expect"]["recommendation"]["channel"], 11);
    ASSERT_EQ(j["emitters"].size(), 4u);
    const std::vector<std::string> classes = {"wifi_ofdm", "bluetooth_classic", "unknown", "ble"};
    for (std::size_t i = 0; i < 4; ++i) {
        const auto& e = j["emitters"][i];
        EXPECT_EQ(e["class"], classes[i]);
        for (const char* key : {"center_mhz", "bandwidth_mhz", "low_mhz", "high_mhz", "level_dbfs", "above_floor_db", "duty", "bursts",
                                "bursts_total", "visible"})
            EXPECT_TRUE(e.contains(key)) << key;
        EXPECT_EQ(e["bursts"].size(), e["bursts_total"].get<std::size_t>());
        EXPECT_NEAR(e["above_floor_db"].get<double>(), i == 0 ? 20.0 : 15.0, 0.01);
        double on = 0.0;
        for (const auto& b : e["bursts"]) on += b[1].get<double>() - b[0].get<double>();
        EXPECT_NEAR(e["duty"].get<double>(), on / 0.05, 1e-4);
        EXPECT_TRUE(j["classes"].contains(classes[i]));
    }
    // BLE on 38 (2426) is outside the 2428–2446 usable band: labelled, but not visible.
    EXPECT_FALSE(j["emitters"][3]["visible"].get<bool>());
    EXPECT_TRUE(j["emitters"][0]["visible"].get<bool>());
}

TEST(SimSynth, SameSeedSameSamplesOtherSeedOtherSamples) {
    const std::string text = R"({"seed": 11, "duration_s": 0.02, "receiver": {"view": "single", "center_mhz": 2437},
        "emitters": [{"type": "wifi_ofdm", "channel": 6, "snr_db": 20}, {"type": "bluetooth_classic", "snr_db": 20},
                     {"type": "usb3_noise", "low_mhz": 2430, "high_mhz": 2440, "rise_db": 5}, {"type": "microwave_oven"}]})";
    Synthesizer a(parse_scene(text, "a")), b(parse_scene(text, "b"));
    const auto xa = a.render(0), xb = b.render(0);
    EXPECT_TRUE(std::equal(xa.begin(), xa.end(), xb.begin()));
    EXPECT_EQ(a.labels_json("x"), b.labels_json("x"));
    auto other = parse_scene(text, "c");
    other.seed = 12;
    Synthesizer c(std::move(other));
    const auto xc = c.render(0);
    EXPECT_FALSE(std::equal(xa.begin(), xa.end(), xc.begin()));
}

TEST(SimSynth, RampsSoftenBurstEdges) {
    // The first microsecond of a ramped burst carries far less power than the burst.
    Synthesizer s(scene_with(R"({"type": "zigbee", "channel": 17, "level_dbfs": -20, "ramp_us": 4, "cfo_ppm": 0, "interval_ms": 4})", 2435, 20, 0.05, kClean));
    const auto x = s.render(0);
    int checked = 0;
    for (const auto& b : s.bursts_of(0)) {
        if (b.t_start < 1e-4 || b.t_end > 0.0499) continue;
        const double edge = mean_power(slice(x, 20e6, b.t_start, b.t_start + 1e-6));
        const double body = mean_power(slice(x, 20e6, b.t_start + 10e-6, b.t_end - 10e-6));
        EXPECT_LT(edge, 0.2 * body);
        ++checked;
    }
    EXPECT_GT(checked, 3);
}

// ---- bad scene files -----------------------------------------------------------------------------

TEST(SimSynth, BadScenesNameTheFileAndTheValue) {
    struct C {
        std::string text, message;
    };
    const std::string rx = R"("receiver": {"view": "single"})";
    const std::vector<C> cases = {
        {"{" + rx + R"(, "emitters": [{"type": "ble"}, {"type": "ble"}, {"type": "wifi_ofdm", "channel": 15}]})",
         "scene.json: emitters[2].channel: 15 is not a Wi-Fi channel (1–14)"},
        {"{" + rx + R"(, "emitters": [{"type": "zigbee", "channel": 27}]})", "scene.json: emitters[0].channel: 27 is not an 802.15.4 2.4 GHz channel (11–26)"},
        {"{" + rx + R"(, "emitters": [{"type": "wifi_ofdm", "chanel": 6}]})", "scene.json: emitters[0].chanel: unknown key"},
        {"{" + rx + R"(, "emitters": [{"type": "laser"}]})", "scene.json: emitters[0].type: 'laser' is not one of"},
        {"{" + rx + R"(, "emitters": [{"channel": 6}]})", "scene.json: emitters[0].type: is required"},
        {R"({"emitters": []})", "scene.json: receiver: is required"},
        {R"({"receiver": {"view": "fisheye"}})", "scene.json: receiver.view: 'fisheye' is not one of single, wideband, sweep, narrow"},
        {R"({"receiver": {"view": "sweep"}})", "scene.json: receiver.centers_mhz: a sweep needs centers_mhz or plan"},
        {R"({"receiver": {"view": "sweep", "plan": "channels"}, "duration_s": 1})", "scene.json: duration_s: a sweep's duration follows from its plan"},
        {"{" + rx + R"(, "emitters": [{"type": "bluetooth_classic", "channels": [1,2,3]}]})", "keeps 3 channels; Bluetooth needs at least 20"},
        {"{" + rx + R"(, "emitters": [{"type": "wifi_ofdm", "airtime": 1.5}]})", "scene.json: emitters[0].airtime: 1.5 is outside 0–0.9"},
        {R"({"receiver": {"view": "single", "noise": false}, "emitters": [{"type": "cw", "freq_mhz": 2440, "snr_db": 10}]})",
         "scene.json: emitters[0].snr_db: needs a noise floor"},
        {"{" + rx + R"(, "emitters": [{"type": "cw"}]})", "scene.json: emitters[0].freq_mhz: is required"},
        {"{" + rx + R"(, "emitters": [{"type": "wifi_ofdm", "snr_db": 10, "level_dbfs": -20}]})", "give snr_db or level_dbfs, not both"},
        {"{" + rx + R"(, "emitters": [{"type": "microwave_oven", "mains_hz": 55}]})", "scene.json: emitters[0].mains_hz: 55 is not 50 or 60"},
        {"{" + rx + R"(, "emitters": [{"type": "wifi_ofdm", "rate_mbps": 11}]})", "11 is not an 802.11a/g rate"},
        {"{" + rx + R"(, "expect": {"recommendation": {"channel": 0}}})", "scene.json: expect.recommendation.channel: must be a Wi-Fi channel"},
        {"{" + rx + R"(, "duration_s": 100})", "scene.json: duration_s: 100 is outside"},
        {"{" + rx, "scene.json: not valid JSON"},
        {"[1, 2]", "scene.json: expected an object"},
    };
    for (const auto& c : cases) {
        try {
            (void)parse_scene(c.text, "scene.json");
            ADD_FAILURE() << "accepted: " << c.text;
        } catch (const InputError& e) {
            const std::string what = e.what();
            EXPECT_NE(what.find(c.message), std::string::npos) << "got: " << what << "\nexpected: " << c.message;
            EXPECT_EQ(what.find('\n'), std::string::npos) << what;
        }
    }
}

TEST(SimSynth, EveryCorpusSceneParses) {
    const std::filesystem::path dir = std::filesystem::path(COEX_SOURCE_DIR) / "captures" / "scenes";
    int n = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() != ".json") continue;
        EXPECT_NO_THROW((void)load_scene(entry.path())) << entry.path();
        ++n;
    }
    std::printf("%d corpus scene files parse\n", n);
    EXPECT_GE(n, 25);
}

TEST(SimSynth, Ht40CountsOnBothChannelsBeaconsOnThePrimary) {
    Synthesizer s(parse_scene(R"({"seed": 21, "duration_s": 0.12, "receiver": {"view": "wideband", "sample_type": "float32", "noise": false,
        "dc_spike": false}, "emitters": [{"type": "wifi_ofdm", "standard": "n", "width_mhz": 40, "channel": 1, "mcs": 5, "level_dbfs": -20,
        "airtime": 0.4}]})",
                              "ht40.json"));
    const auto labels = json::parse(s.labels_json("x.h5"));
    const auto& e = labels["emitters"][0];
    EXPECT_NEAR(e["center_mhz"].get<double>(), 2422.0, 1e-9);  // between channels 1 and 5
    EXPECT_NEAR(e["low_mhz"].get<double>(), 2422.0 - 18.3, 1e-6);
    const double a1 = labels["wifi"]["channels"][0]["airtime"].get<double>(), a5 = labels["wifi"]["channels"][4]["airtime"].get<double>();
    double data = 0.0, beacons = 0.0;
    for (const auto& b : s.bursts_of(0)) (b.f_hi_hz - b.f_lo_hz > 20e6 ? data : beacons) += b.t_end - b.t_start;
    std::printf("HT40 on 1+5: airtime ch1 %.4f, ch5 %.4f; 40 MHz frames %.4f s, 20 MHz beacons %.4f s\n", a1, a5, data, beacons);
    EXPECT_GT(beacons, 0.0);
    EXPECT_NEAR(a1, (data + beacons) / 0.12, 1e-5);
    EXPECT_NEAR(a5, data / 0.12, 1e-5);
    // Channel 3 lies under the 40 MHz frames but is neither primary nor secondary: not counted.
    EXPECT_NEAR(labels["wifi"]["channels"][2]["airtime"].get<double>(), 0.0, 1e-12);
    // The 40 MHz frames fill 36 MHz around 2422 MHz.
    const auto x = s.render(0);
    std::vector<cf32> on;
    for (const auto& b : s.bursts_of(0))
        if (b.f_hi_hz - b.f_lo_hz > 20e6) {
            auto sl = slice(x, 100e6, b.t_start, b.t_end);
            on.insert(on.end(), sl.begin(), sl.end());
        }
    const auto psd = test::welch(on, 100e6, 1024);
    const double bw = test::occupied_bandwidth(psd, 0.99);
    double num = 0.0, den = 0.0;
    for (std::size_t i = 0; i < psd.nfft; ++i) {
        num += psd.freq(i) * psd.p[i];
        den += psd.p[i];
    }
    std::printf("HT40 frames: 99 %% bandwidth %.2f MHz, centroid %+.2f MHz from 2442\n", bw / 1e6, num / den / 1e6);
    // 114 subcarriers span 36.25 MHz; the unwindowed symbols' sinc sidelobes hold part of the last 1 %
    // of the power, so the 99 % bandwidth reads up to ~2 MHz wider (a 20 MHz channel would read ~17).
    EXPECT_NEAR(bw, 37.0e6, 2.5e6);
    EXPECT_NEAR(num / den, -20e6, 0.5e6);
}
