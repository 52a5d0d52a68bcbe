// Receiver models and real-radio impairments (coex/sim/receiver.hpp), each measured from samples
// against its model's figure: passband droop and tilt, the IQ image, AGC steps, ADC resolution,
// multipath delay spread, carrier drift within the standard's tolerance, and the scene keys' checks.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <numbers>
#include <optional>

#include "coex/core/error.hpp"
#include "coex/sim/receiver.hpp"
#include "coex/sim/sim.hpp"
#include "sim_test_util.hpp"

using namespace coex;
using namespace coex::sim;

namespace {

// Mean PSD (dB) over [f - half, f + half].
double psd_db_around(const test::Psd& psd, double f, double half) {
    double acc = 0.0;
    int n = 0;
    for (std::size_t i = 0; i < psd.nfft; ++i)
        if (std::abs(psd.freq(i) - f) <= half) {
            acc += psd.p[i];
            ++n;
        }
    return test::db10(acc / n);
}

std::vector<cf32> white_noise(std::size_t n, std::uint64_t seed) {
    std::vector<cf32> x(n);
    std::mt19937_64 rng(seed);
    add_awgn(x, -20.0, rng);
    return x;
}

}  // namespace

TEST(SimReceiver, PassbandDroopAtTheEdgeIsTheModelsFigure) {
    const double fs = 20e6;
    for (const auto& [droop, tilt] : std::vector<std::pair<double, double>>{{3.0, 0.0}, {4.0, 6.0}, {2.0, -3.0}}) {
        auto x = white_noise(1 << 21, 11);
        apply_passband(x, fs, droop, tilt);
        const auto psd = test::welch(x, fs, 512);
        const double mid = psd_db_around(psd, 0.0, 0.3e6);
        const double up = psd_db_around(psd, 0.45 * fs, 0.1e6) - mid, down = psd_db_around(psd, -0.45 * fs, 0.1e6) - mid;
        std::printf("droop %.1f tilt %+.1f dB: measured %+.2f dB at +0.45 rate (model %+.2f), %+.2f dB at -0.45 rate (model %+.2f)\n", droop,
                    tilt, up, passband_gain_db(0.45 * fs, fs, droop, tilt), down, passband_gain_db(-0.45 * fs, fs, droop, tilt));
        EXPECT_NEAR(up, -droop + 0.5 * tilt, 0.5);
        EXPECT_NEAR(down, -droop - 0.5 * tilt, 0.5);
        // and flat (±0.3 dB) within ±0.2 x rate when there is no tilt
        if (tilt == 0.0) {
            EXPECT_NEAR(psd_db_around(psd, 0.2 * fs, 0.1e6) - mid, passband_gain_db(0.2 * fs, fs, droop, tilt), 0.3);
        }
    }
}

TEST(SimReceiver, UsrpModelSceneShowsItsOneSidedDroopInTheNoiseFloor) {
    // The whole chain: a noise-only scene behind the usrp model (droop 4 dB, tilt 6 dB).
    Synthesizer s(parse_scene(R"({"seed": 4, "duration_s": 0.05, "receiver": {"view": "single", "model": "usrp", "dc_spike": false}})", "t"));
    const auto x = s.render(0);
    const auto psd = test::welch(x, 20e6, 512);
    const double mid = psd_db_around(psd, 0.0, 0.5e6);
    const double up = psd_db_around(psd, 9e6, 0.1e6) - mid, down = psd_db_around(psd, -9e6, 0.1e6) - mid;
    std::printf("usrp model noise floor: %+.2f dB at +9 MHz, %+.2f dB at -9 MHz (model -1, -7)\n", up, down);
    EXPECT_NEAR(up, -1.0, 0.5);
    EXPECT_NEAR(down, -7.0, 0.5);
    EXPECT_EQ(s.scene().receiver.hardware, "USRP-class receiver (simulated: model usrp)");
}

TEST(SimReceiver, IqImageLevelFollowsTheImbalanceFormula) {
    // A tone at +3 MHz behind the hackrf model (0.3 dB, 2°): the image at -3 MHz sits at
    // (1 - 2 g cos φ + g²) / (1 + 2 g cos φ + g²) below it.
    Synthesizer s(parse_scene(R"({"seed": 2, "duration_s": 0.02, "receiver": {"view": "single", "center_mhz": 2437, "model": "hackrf",
        "sample_type": "float32"}, "emitters": [{"type": "cw", "freq_mhz": 2440, "level_dbfs": -10}]})", "t"));
    const auto x = s.render(0);
    const auto psd = test::welch(x, 20e6, 4096);
    const double lo = s.scene().receiver.lo_offset_hz;  // the tone sits at +3 MHz - LO error
    const double tone = test::db10(psd.band(3e6 - lo - 30e3, 3e6 - lo + 30e3));
    const double image = test::db10(psd.band(-3e6 + lo - 30e3, -3e6 + lo + 30e3));
    const double g = std::pow(10.0, 0.3 / 20.0), phi = 2.0 * std::numbers::pi / 180.0;
    const double expected = test::db10((1 - 2 * g * std::cos(phi) + g * g) / (1 + 2 * g * std::cos(phi) + g * g));
    std::printf("IQ image: %.2f dBc measured, %.2f dBc from the formula; LO error %.1f kHz\n", image - tone, expected, lo / 1e3);
    EXPECT_NEAR(image - tone, expected, 0.5);
    EXPECT_NEAR(lo, 10e-6 * 2437e6, 1.0);  // the model's 10 ppm
}

TEST(SimReceiver, AgcStepsChangeTheWholeSignalByTheStep) {
    Synthesizer s(parse_scene(R"({"seed": 9, "duration_s": 0.2, "receiver": {"view": "single", "sample_type": "float32", "dc_spike": false,
        "agc_step_db": 6, "agc_steps_per_s": 20}})", "t"));
    const auto x = s.render(0);
    const auto& steps = s.stats(0).gain_steps;
    ASSERT_GE(steps.size(), 2u);
    double previous_gain = 0.0;
    std::uint64_t previous_at = 0;
    for (std::size_t k = 0; k < steps.size(); ++k) {
        const std::uint64_t at = steps[k].sample, end = k + 1 < steps.size() ? steps[k + 1].sample : x.size();
        if (at - previous_at < 20000 || end - at < 20000) {
            previous_gain = steps[k].gain_db;
            previous_at = at;
            continue;
        }
        const double before = mean_power(std::span<const cf32>(x).subspan(at - 20000, 20000));
        const double after = mean_power(std::span<const cf32>(x).subspan(at, 20000));
        const double measured = test::db10(after / before);
        std::printf("AGC step at sample %llu: %+.2f dB measured, %+.1f dB set\n", static_cast<unsigned long long>(at), measured,
                    steps[k].gain_db - previous_gain);
        EXPECT_NEAR(measured, steps[k].gain_db - previous_gain, 0.5);
        EXPECT_NEAR(std::abs(steps[k].gain_db - previous_gain), 6.0, 1e-9);
        EXPECT_LE(std::abs(steps[k].gain_db), 12.0 + 1e-9);
        previous_gain = steps[k].gain_db;
        previous_at = at;
    }
    const std::string labels = s.labels_json("x.h5");
    EXPECT_NE(labels.find("\"agc_steps\""), std::string::npos);
}

TEST(SimReceiver, AdcBitsQuantiseToTheirGrid) {
    std::vector<cf32> x = white_noise(10000, 3);
    quantize(x, 7);
    for (const cf32& v : x) {
        EXPECT_FLOAT_EQ(v.real() * 64.0f, std::round(v.real() * 64.0f));
        EXPECT_FLOAT_EQ(v.imag() * 64.0f, std::round(v.imag() * 64.0f));
    }
    // The rtlsdr model's gain keeps the thermal noise at 1 LSB rms per component (-36.9 dBFS/MHz at
    // 2.4 MS/s, over the scene's -55), and its floor adds the 7-bit quantisation noise (-47.6 dBFS/MHz).
    const auto scene = parse_scene(R"({"receiver": {"view": "narrow", "model": "rtlsdr"}})", "t");
    ASSERT_TRUE(scene.receiver.adc_bits);
    EXPECT_EQ(*scene.receiver.adc_bits, 7);
    const double thermal = 10.0 * std::log10(2.0 * std::pow(2.0, -12) / 2.4);
    EXPECT_NEAR(*scene.receiver.noise_floor_dbfs_per_mhz, thermal, 0.01);
    const double q = 10.0 * std::log10(std::pow(2.0, -12) / 6.0 / 2.4);
    const double expected = 10.0 * std::log10(std::pow(10.0, thermal / 10.0) + std::pow(10.0, q / 10.0));
    EXPECT_NEAR(*effective_floor_dbfs_per_mhz(scene.receiver), expected, 0.01);
    // A scene naming the model and its own floor keeps it; a 12-bit model leaves -55 alone.
    EXPECT_DOUBLE_EQ(*parse_scene(R"({"receiver": {"view": "narrow", "model": "rtlsdr", "noise_floor_dbfs_per_mhz": -50}})", "t")
                          .receiver.noise_floor_dbfs_per_mhz, -50.0);
    EXPECT_DOUBLE_EQ(*parse_scene(R"({"receiver": {"view": "single"}})", "t", "usrp").receiver.noise_floor_dbfs_per_mhz, -55.0);
}

TEST(SimReceiver, MultipathDelaySpreadIsTheRequestedRms) {
    for (double rms_ns : {20.0, 50.0, 100.0}) {
        std::mt19937_64 rng(17);
        const auto one = indoor_channel(rms_ns * 1e-9, rng);
        EXPECT_NEAR(rms_delay_spread(one, true) * 1e9, rms_ns, 0.02 * rms_ns);
        double total_profile = 0.0;
        for (const auto& t : one) total_profile += t.mean_power;
        EXPECT_NEAR(total_profile, 1.0, 1e-9);
        // Averaged over draws, the taps' powers follow the profile: rms of the mean power-delay profile.
        std::vector<MultipathTap> mean = one;
        for (auto& t : mean) t.mean_power = 0.0;
        for (int d = 0; d < 4000; ++d) {
            const auto draw = indoor_channel(rms_ns * 1e-9, rng);
            for (std::size_t k = 0; k < draw.size(); ++k) mean[k].mean_power += std::norm(draw[k].gain) / 4000.0;
        }
        double total = 0.0;
        for (const auto& t : mean) total += t.mean_power;
        const double measured = rms_delay_spread(mean, true) * 1e9;
        std::printf("multipath %.0f ns: mean profile over 4000 draws %.1f ns, mean power %.3f\n", rms_ns, measured, total);
        EXPECT_NEAR(measured, rms_ns, 0.05 * rms_ns);
        EXPECT_NEAR(total, 1.0, 0.05);
        // The FIR made from one draw, fed an impulse at 1 GS/s, has the draw's delay spread.
        std::vector<cf32> impulse(2000, cf32{0.0f, 0.0f});
        impulse[100] = cf32{1.0f, 0.0f};
        apply_multipath(impulse, 1e9, one);
        double p = 0.0, m1 = 0.0, m2 = 0.0;
        for (std::size_t i = 0; i < impulse.size(); ++i) {
            const double w = std::norm(impulse[i]), t = static_cast<double>(i) * 1e-9;
            p += w;
            m1 += w * t;
            m2 += w * t * t;
        }
        const double from_samples = std::sqrt(m2 / p - (m1 / p) * (m1 / p)) * 1e9;
        EXPECT_NEAR(from_samples, rms_delay_spread(one, false) * 1e9, 0.1 * rms_ns) << rms_ns;
    }
}

TEST(SimReceiver, LabelsGiveTheFadeTheViewSaw) {
    // A BLE advertiser on channel 37 only, behind 50 ns of indoor multipath: every advert sees the same
    // static channel, so the labels' "as seen" level (above the floor plus the channel's gain over the
    // advert's band) must match the fade measured from the samples: the same scene rendered without
    // multipath, packet power with / without. Over seeds the fades differ (a fade is not always 0 dB).
    double deepest = 0.0;
    for (std::uint64_t seed : {3u, 4u, 5u, 6u}) {
        auto scene = [&](int rms_ns) {
            return R"({"seed": )" + std::to_string(seed) + R"(, "duration_s": 0.1, "receiver": {"view": "narrow", "center_mhz": 2402,
            "sample_rate_msps": 4, "noise_floor_dbfs_per_mhz": -90, "dc_spike": false, "iq_gain_imbalance_db": 0, "iq_phase_imbalance_deg": 0,
            "sample_type": "float32", "tx_drift": false, "multipath_rms_ns": )" + std::to_string(rms_ns) +
                   R"(}, "emitters": [{"type": "ble", "adv_interval_ms": 20, "adv_channels": [37], "level_dbfs": -20}]})";
        };
        Synthesizer with(parse_scene(scene(50), "t")), without(parse_scene(scene(0), "t"));
        const auto x = with.render(0), y = without.render(0);
        double px = 0.0, py = 0.0;
        for (std::size_t i = 0; i < x.size(); ++i)
            if (std::norm(y[i]) > 1e-3) {  // inside a packet (-20 dBFS = 1e-2; the floor is 70 dB under)
                px += std::norm(x[i]);
                py += std::norm(y[i]);
            }
        ASSERT_GT(py, 0.0);
        const double measured_db = 10.0 * std::log10(px / py);
        const auto labels = nlohmann::json::parse(with.labels_json("t.h5"));
        const auto& e = labels["emitters"][0];
        ASSERT_TRUE(e.contains("seen_above_floor_db"));
        const double label_fade_db = e["seen_above_floor_db"].get<double>() - e["above_floor_db"].get<double>();
        std::printf("seed %d: fade from the samples %.2f dB, in the labels %.2f dB\n", static_cast<int>(seed), measured_db, label_fade_db);
        EXPECT_NEAR(label_fade_db, measured_db, 0.5) << seed;
        EXPECT_FALSE(nlohmann::json::parse(without.labels_json("t.h5"))["emitters"][0].contains("seen_above_floor_db"));
        deepest = std::min(deepest, measured_db);
    }
    EXPECT_LT(deepest, -2.0);
}

TEST(SimReceiver, LabelsGiveTheStrongestTransmissionTheViewSawWhole) {
    // A Classic link in a 2.4 MS/s view at 2441 MHz behind 50 ns of multipath, its slave replying 12 dB
    // under its master: the view's one whole channel sees master and slave packets, each in the fade of
    // 2441 MHz, and the half-seen neighbours 2440 and 2442 in theirs. "As seen" is the strongest packet on
    // 2441 at its own level: measured from the samples (no noise), it must match the label. Over seeds,
    // some views hold only slave packets whole, where the emitter's level would overstate it by 12 dB.
    int slave_only_views = 0;
    for (std::uint64_t seed : {21u, 22u, 23u, 24u, 25u, 26u}) {
        const std::string scene = R"({"seed": )" + std::to_string(seed) + R"(, "duration_s": 0.04, "receiver": {"view": "narrow",
            "center_mhz": 2441, "sample_rate_msps": 2.4, "noise_floor_dbfs_per_mhz": -130, "dc_spike": false, "iq_gain_imbalance_db": 0,
            "iq_phase_imbalance_deg": 0, "sample_type": "float32", "tx_drift": false, "multipath_rms_ns": 50},
            "emitters": [{"type": "bluetooth_classic", "packet": "DH1", "slot_usage": 0.5, "level_dbfs": -20, "slave_level_db": -12}]})";
        Synthesizer s(parse_scene(scene, "t"));
        const auto x = s.render(0);
        const double fs = 2.4e6;
        std::optional<double> strongest_db;
        bool master_whole = false;
        for (const auto& b : s.bursts_of(0)) {
            if (std::abs(0.5 * (b.f_lo_hz + b.f_hi_hz) - 2441e6) > 1e3) continue;  // on 2441: seen whole
            const auto i0 = static_cast<std::size_t>(std::ceil(b.t_start * fs)) + 24, i1 = static_cast<std::size_t>(b.t_end * fs) - 24;
            if (i1 <= i0 + 100 || i1 > x.size()) continue;  // (10 µs of ramp left out at each end)
            double p = 0.0;
            for (std::size_t i = i0; i < i1; ++i) p += std::norm(x[i]);
            const double db = 10.0 * std::log10(p / static_cast<double>(i1 - i0)) + 20.0;  // against the emitter's -20 dBFS
            strongest_db = std::max(strongest_db.value_or(db), db);
            master_whole = master_whole || b.level_db == 0.0;
        }
        if (!strongest_db) continue;
        slave_only_views += master_whole ? 0 : 1;
        const auto labels = nlohmann::json::parse(s.labels_json("t.h5"));
        const auto& e = labels["emitters"][0];
        ASSERT_TRUE(e.contains("seen_above_floor_db")) << seed;
        const double label_db = e["seen_above_floor_db"].get<double>() - e["above_floor_db"].get<double>();
        std::printf("seed %d: strongest packet on 2441 %.2f dB, in the labels %.2f dB (%s)\n", static_cast<int>(seed), *strongest_db,
                    label_db, master_whole ? "master and slave" : "slave only");
        EXPECT_NEAR(label_db, *strongest_db, 0.7) << seed;
    }
    EXPECT_GE(slave_only_views, 1);
}

TEST(SimReceiver, BurstDriftStaysWithinTheStandardsTolerance) {
    // A BLE advertiser on channel 37 only, seen at 4 MS/s with no noise and no receiver imperfection,
    // rendered twice: with drifting transmitters and without. Their ratio is the drift alone; a line
    // fitted to its instantaneous frequency over each packet gives the packet's drift.
    for (double cfo_ppm : {0.0, 55.0}) {
        auto scene = [&](bool drift) {
            return R"({"seed": 12, "duration_s": 0.2, "receiver": {"view": "narrow", "center_mhz": 2402, "sample_rate_msps": 4,
            "noise": false, "dc_spike": false, "iq_gain_imbalance_db": 0, "iq_phase_imbalance_deg": 0, "sample_type": "float32", "tx_drift": )" +
                   std::string(drift ? "true" : "false") + R"(}, "emitters": [{"type": "ble", "adv_interval_ms": 20, "adv_channels": [37],
            "level_dbfs": -10, "cfo_ppm": )" + std::to_string(cfo_ppm) + "}]}";
        };
        Synthesizer with(parse_scene(scene(true), "t")), without(parse_scene(scene(false), "t"));
        const auto x = with.render(0), y = without.render(0);
        const double fs = 4e6, cfo = cfo_ppm * 1e-6 * 2402e6;
        int packets = 0;
        double largest_drift = 0.0;
        for (std::size_t i = 0; i + 1 < x.size();) {
            if (std::norm(y[i]) < 0.05) {
                ++i;
                continue;
            }
            std::size_t j = i;
            while (j + 1 < x.size() && std::norm(y[j]) > 0.05) ++j;
            if (j - i > 800) {  // a whole packet (≥ 200 µs); 20 µs at each end left out (ramps)
                double sx = 0, sy = 0, sxx = 0, sxy = 0, n = 0;
                for (std::size_t k = i + 80; k < j - 80; ++k) {
                    const auto r1 = std::complex<double>(x[k + 1]) * std::conj(std::complex<double>(y[k + 1]));
                    const auto r0 = std::complex<double>(x[k]) * std::conj(std::complex<double>(y[k]));
                    const double f = std::arg(r1 * std::conj(r0)) * fs / (2.0 * std::numbers::pi);
                    const double t = static_cast<double>(k - i);
                    sx += t;
                    sy += f;
                    sxx += t * t;
                    sxy += t * f;
                    n += 1;
                }
                const double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
                const double drift = slope * static_cast<double>(j - i);  // over the whole packet
                largest_drift = std::max(largest_drift, std::abs(drift));
                EXPECT_LE(std::abs(cfo) + 0.5 * std::abs(drift), 150e3 + 2e3) << "packet at sample " << i;
                ++packets;
            }
            i = j + 1;
        }
        std::printf("BLE carrier offset %.0f kHz: %d packets, largest drift in a packet %.1f kHz (tolerance ±150 kHz incl. drift)\n",
                    cfo / 1e3, packets, largest_drift / 1e3);
        ASSERT_GE(packets, 5);
        if (cfo_ppm == 0.0) {
            EXPECT_GT(largest_drift, 10e3);        // the drift is there ...
            EXPECT_LE(largest_drift, 50e3 + 2e3);  // ... and no larger than the in-packet limit
        } else {
            EXPECT_LE(largest_drift, 2.0 * (150e3 - cfo) + 2e3);  // clamped: the carrier stays within ±150 kHz
        }
    }
}

TEST(SimReceiver, ImpairmentsOffLeaveTheSamplesAsBefore) {
    // The same scene with and without keys that are all zero / off: identical samples (the
    // unimpaired corpus does not move).
    const std::string base = R"({"seed": 5, "duration_s": 0.01, "receiver": {"view": "single"%s},
        "emitters": [{"type": "ble", "adv_interval_ms": 20}, {"type": "wifi_ofdm"}]})";
    char a[512], b[512];
    std::snprintf(a, sizeof a, base.c_str(), "");
    std::snprintf(b, sizeof b, base.c_str(), R"(, "passband_droop_db": 0, "agc_step_db": 0, "multipath_rms_ns": 0, "tx_drift": false)");
    Synthesizer sa(parse_scene(a, "a")), sb(parse_scene(b, "b"));
    EXPECT_EQ(sa.render(0), sb.render(0));
}

TEST(SimReceiver, ModelsAndTheirKeysAreChecked) {
    struct C {
        std::string text, message;
    };
    const std::vector<C> cases = {
        {R"({"receiver": {"model": "sdrplay"}})", "scene.json: receiver.model: 'sdrplay' is not one of hackrf, rtlsdr, usrp, pluto"},
        {R"({"receiver": {"model": "rtlsdr", "sample_rate_msps": 20}})", "scene.json: receiver.sample_rate_msps: 20 MS/s is beyond a rtlsdr"},
        {R"({"receiver": {"model": "hackrf", "adc_bits": 12}})", "scene.json: receiver.adc_bits: 12 bits do not fit int8 samples"},
        {R"({"receiver": {"passband_droop_db": 30}})", "scene.json: receiver.passband_droop_db: 30 is outside 0–20 dB"},
        {R"({"receiver": {"multipath_rms_ns": 2}})", "scene.json: receiver.multipath_rms_ns: 2 is below 5 ns"},
        {R"({"receiver": {"agc_step_db": -1}})", "scene.json: receiver.agc_step_db: -1 is outside 0–20 dB"},
        {R"({"receiver": {"tx_drift": 1}})", "scene.json: receiver.tx_drift: expected true or false"},
        {R"({"receiver": {}, "emitters": [{"type": "bluetooth_classic", "cfo_drift_khz": 200}]})",
         "scene.json: emitters[0].cfo_drift_khz: 200 kHz is more than the standard's ±75 kHz tolerance allows"},
        {R"({"receiver": {}, "emitters": [{"type": "cw", "freq_mhz": 2440, "cfo_drift_khz": 5}]})",
         "scene.json: emitters[0].cfo_drift_khz: this emitter type has no carrier tolerance"},
        {R"({"receiver": {}, "emitters": [{"type": "ble", "multipath_rms_ns": 900}]})", "scene.json: emitters[0].multipath_rms_ns: 900 is outside 0–500 ns"},
    };
    for (const auto& c : cases) {
        try {
            (void)parse_scene(c.text, "scene.json");
            ADD_FAILURE() << "accepted: " << c.text;
        } catch (const InputError& e) {
            EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos) << "got: " << e.what() << "\nexpected: " << c.message;
        }
    }
    // A model named in the scene sets its defaults; the scene's own keys override them.
    const auto own = parse_scene(R"({"receiver": {"model": "hackrf", "dc_offset_dbfs": -50, "passband_droop_db": 1}})", "t");
    EXPECT_EQ(own.receiver.sample_type, "int8");
    EXPECT_DOUBLE_EQ(*own.receiver.dc_offset_dbfs, -50.0);
    EXPECT_DOUBLE_EQ(own.receiver.passband_droop_db, 1.0);
    EXPECT_DOUBLE_EQ(own.receiver.iq_phase_imbalance_deg, 2.0);
    // A model given from outside (coex eval --receiver-model) replaces the scene's imperfections and
    // keeps its view, centre and rate; a view the model cannot have is marked.
    const auto outside = parse_scene(R"({"receiver": {"view": "single", "dc_offset_dbfs": -70}})", "t", "pluto");
    EXPECT_EQ(outside.receiver.view, ViewKind::single);
    EXPECT_DOUBLE_EQ(outside.receiver.center_hz, 2437e6);
    EXPECT_DOUBLE_EQ(outside.receiver.sample_rate_hz, 20e6);
    EXPECT_DOUBLE_EQ(*outside.receiver.dc_offset_dbfs, -50.0);  // pluto's own figure, not the scene's -70
    EXPECT_DOUBLE_EQ(outside.receiver.iq_phase_imbalance_deg, 1.0);
    EXPECT_EQ(outside.receiver.sample_type, "int16");
    EXPECT_TRUE(outside.receiver.beyond_model.empty());
    const auto beyond = parse_scene(R"({"receiver": {"view": "wideband"}})", "t", "rtlsdr");
    EXPECT_EQ(beyond.receiver.beyond_model, "100 MS/s wideband view: beyond a rtlsdr (at most 2.4 MS/s)");
    // A scene naming a model without a rate gets the view's default rate, capped to the model's.
    EXPECT_DOUBLE_EQ(parse_scene(R"({"receiver": {"view": "single", "model": "rtlsdr"}})", "t").receiver.sample_rate_hz, 2.4e6);
    EXPECT_THROW((void)parse_scene(R"({"receiver": {}})", "t", "sdrplay"), InputError);
}
