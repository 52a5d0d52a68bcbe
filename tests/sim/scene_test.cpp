// add_bursts / add_awgn / add_tone, and determinism of every generator.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <numbers>

#include "coex/sim/sim.hpp"
#include "sim_test_util.hpp"

using namespace coex;
using namespace coex::sim;

namespace {

std::shared_ptr<const Waveform> share(Waveform w) { return std::make_shared<const Waveform>(std::move(w)); }

// A constant (a tone at the carrier) of the given length.
std::shared_ptr<const Waveform> carrier(double fs, std::size_t n) {
    Waveform w;
    w.sample_rate_hz = fs;
    w.samples.assign(n, cf32{1.0f, 0.0f});
    return share(std::move(w));
}

// A smooth, well band-limited pulse (Gaussian, sigma = 3 samples) centred on sample `at`.
std::shared_ptr<const Waveform> pulse(double fs, std::size_t n, std::size_t at) {
    Waveform w;
    w.sample_rate_hz = fs;
    w.samples.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        const double u = (static_cast<double>(i) - static_cast<double>(at)) / 3.0;
        w.samples[i] = cf32{static_cast<float>(std::exp(-0.5 * u * u)), 0.0f};
    }
    return share(std::move(w));
}

std::vector<cf32> render(const Segment& v, std::vector<Burst> bursts) {
    std::vector<cf32> out(v.samples);
    add_bursts(v, bursts, out);
    return out;
}

double power_db(std::span<const cf32> x) { return test::db10(mean_power(x)); }

}  // namespace

TEST(SimScene, BurstAtOffsetPeaksAtItsFrequency) {
    const Segment v{2440e6, 20e6, 1 << 16};
    // A carrier at +5 MHz: the PSD peak is the +5 MHz bin.
    auto out = render(v, {Burst{100e-6, 2445e6, -10.0, carrier(8e6, 20000)}});
    const auto psd = test::welch(out, v.sample_rate_hz, 1024);
    const auto peak = static_cast<std::size_t>(std::max_element(psd.p.begin(), psd.p.end()) - psd.p.begin());
    std::printf("carrier at +5 MHz: PSD peak at %.4f MHz (bin %.1f kHz)\n", psd.freq(peak) / 1e6, v.sample_rate_hz / 1024 / 1e3);
    EXPECT_LE(std::abs(static_cast<long>(peak) - static_cast<long>(psd.bin(5e6))), 1);
    // A BT packet at +5 MHz: its spectrum is centred there.
    std::mt19937_64 rng(41);
    out = render(v, {Burst{50e-6, 2445e6, -10.0, share(bt_br_packet(BtPacket::dh5, rng))}});
    const auto bt = test::welch(out, v.sample_rate_hz, 256);
    double num = 0.0, den = 0.0;
    for (std::size_t i = 0; i < bt.nfft; ++i) {
        num += bt.freq(i) * bt.p[i];
        den += bt.p[i];
    }
    const auto bt_peak = static_cast<std::size_t>(std::max_element(bt.p.begin(), bt.p.end()) - bt.p.begin());
    std::printf("BT at +5 MHz: spectral centroid %.4f MHz, peak bin %.4f MHz (bin %.1f kHz)\n", num / den / 1e6, bt.freq(bt_peak) / 1e6,
                v.sample_rate_hz / 256 / 1e3);
    EXPECT_NEAR(num / den, 5e6, v.sample_rate_hz / 256);
    EXPECT_LE(std::abs(static_cast<long>(bt_peak) - static_cast<long>(bt.bin(5e6))), 1);
}

TEST(SimScene, PowerIsHonoured) {
    std::mt19937_64 rng(42);
    struct C {
        const char* what;
        std::shared_ptr<const Waveform> w;
        Segment v;
        double df;
    };
    const std::vector<C> cases = {
        {"BT DH5 8->20 MS/s at +5 MHz", share(bt_br_packet(BtPacket::dh5, rng)), Segment{2440e6, 20e6, 0}, 5e6},
        {"OFDM 20->20 MS/s at 0", share(wifi_ofdm_ppdu(1000, WifiRate::mbps24, rng)), Segment{2437e6, 20e6, 0}, 0.0},
        {"OFDM 20->40 MS/s at +5 MHz", share(wifi_ofdm_ppdu(1000, WifiRate::mbps54, rng)), Segment{2437e6, 40e6, 0}, 5e6},
        {"OFDM 20->100 MS/s at -30 MHz", share(wifi_ofdm_ppdu(500, WifiRate::mbps12, rng)), Segment{2440e6, 100e6, 0}, -30e6},
        {"DSSS 22->44 MS/s at 0", share(wifi_dsss_ppdu(100, rng)), Segment{2412e6, 44e6, 0}, 0.0},
        {"BLE 2M 16->20 MS/s at -6 MHz", share(ble_packet(100, BlePhy::le2m, 38, rng)), Segment{2432e6, 20e6, 0}, -6e6},
        {"802.15.4 8->10 MS/s at -2 MHz", share(zigbee_packet(100, rng)), Segment{2450e6, 10e6, 0}, -2e6},
        {"BT DH3 8->40->20 MS/s at +7 MHz (K=2)", share(bt_br_packet(BtPacket::dh3, rng)), Segment{2440e6, 20e6, 0}, 7e6},
        {"OFDM 20->30 MS/s at +1 MHz", share(wifi_ofdm_ppdu(1000, WifiRate::mbps6, rng)), Segment{2437e6, 30e6, 0}, 1e6},
    };
    for (const C& c : cases) {
        Segment v = c.v;
        const double start = 20e-6;
        v.samples = static_cast<std::uint64_t>((c.w->duration_s() + 2 * start) * v.sample_rate_hz);
        const double p_dbfs = -17.0;
        auto out = render(v, {Burst{start, v.center_hz + c.df, p_dbfs, c.w}});
        const auto a = static_cast<std::size_t>(start * v.sample_rate_hz);
        const auto n = static_cast<std::size_t>(c.w->duration_s() * v.sample_rate_hz);
        const double got = power_db(std::span(out).subspan(a, n));
        std::printf("%-40s power %.3f dBFS (asked %.1f)\n", c.what, got, p_dbfs);
        EXPECT_NEAR(got, p_dbfs, 0.3) << c.what;
        // Nothing outside the burst's time span (beyond the filter tails).
        const double before = power_db(std::span(out).first(a - 40));
        EXPECT_LT(before, p_dbfs - 60) << c.what;
    }
}

TEST(SimScene, NoAliasingFromOutsideTheView) {
    std::mt19937_64 rng(43);
    const Segment v{2440e6, 20e6, 100000};
    // BT (1 MHz wide) at +12 and +15 MHz: outside the +-10 MHz view. At +12 MHz its 8 MS/s band
    // (8..16 MHz) overlaps the view, so it goes through resampling, shift and the anti-alias
    // decimator; at +15 MHz it is skipped.
    const auto bt = share(bt_br_packet(BtPacket::dh5, rng));
    for (double df : {12e6, 15e6}) {
        const auto out = render(v, {Burst{100e-6, 2440e6 + df, 0.0, bt}});
        const double leak = mean_power(out) * static_cast<double>(out.size()) / (v.sample_rate_hz * bt->duration_s());
        std::printf("BT at +%.0f MHz in a 20 MS/s view: %.1f dB of its power gets in\n", df / 1e6, test::db10(leak));
        EXPECT_LT(leak, 1e-5);
    }
    // OFDM at +15 MHz: its lower edge (6.9..10 MHz, and its skirt down to ~4.5 MHz) is really in
    // view; nothing may fold into -9.5..+3.5 MHz (where images of 10..23 MHz would land).
    const auto ofdm = share(wifi_ofdm_ppdu(1500, WifiRate::mbps6, rng));
    auto out = render(v, {Burst{50e-6, 2455e6, 0.0, ofdm}});
    const auto psd = test::welch(std::span(out).subspan(1000, 40000), v.sample_rate_hz, 512);
    double in_band = 0.0, folded = 0.0;
    int ni = 0, nf = 0;
    for (std::size_t i = 0; i < psd.nfft; ++i) {
        const double f = psd.freq(i);
        if (f >= 7.2e6 && f <= 8.0e6) in_band += psd.p[i], ++ni;
        if (f >= -9.5e6 && f <= 3.5e6) folded = std::max(folded, psd.p[i]), ++nf;
    }
    std::printf("OFDM at +15 MHz: worst PSD in -9.5..3.5 MHz %.1f dB below its in-view part\n", -test::db10(folded / (in_band / ni)));
    EXPECT_LT(test::db10(folded / (in_band / ni)), -50.0);
    // Entirely outside: adds exactly nothing.
    for (double rf : {2465e6, 2400e6, 2490e6}) {
        out = render(v, {Burst{0.0, rf, 0.0, ofdm}});
        EXPECT_EQ(mean_power(out), 0.0) << rf;
    }
}

TEST(SimScene, StartTimeWithinOneSample) {
    struct C {
        double fs_n, fs_v, df;
    };
    for (const C& c : {C{20e6, 20e6, 0.0}, C{20e6, 20e6, 3e6}, C{20e6, 22e6, 0.0}, C{8e6, 20e6, 4e6}, C{20e6, 100e6, -20e6},
                       C{22e6, 20e6, 0.0}, C{8e6, 10e6, 0.0}, C{2e6, 61.44e6, 10e6}, C{16e6, 5e6, 1e6}}) {
        for (double start : {123.4e-6, 0.0, -10.05e-6}) {
            const Segment v{2440e6, c.fs_v, static_cast<std::uint64_t>(c.fs_v * 400e-6)};
            const std::size_t at = 300;
            const auto out = render(v, {Burst{start, 2440e6 + c.df, 0.0, pulse(c.fs_n, 1000, at)}});
            const auto peak = static_cast<double>(std::max_element(out.begin(), out.end(), [](cf32 a, cf32 b) { return std::abs(a) < std::abs(b); }) - out.begin());
            const double expected = (start + static_cast<double>(at) / c.fs_n) * c.fs_v;
            EXPECT_NEAR(peak, expected, 1.0) << c.fs_n << " -> " << c.fs_v << " df " << c.df << " start " << start;
        }
    }
}

TEST(SimScene, SplitViewsAgree) {
    // Rendering a later stretch of time as its own view gives the same samples (the trimmed
    // computation keeps the filter grids of the full one).
    std::mt19937_64 rng(44);
    const auto ofdm = share(wifi_ofdm_ppdu(800, WifiRate::mbps36, rng));
    struct C {
        double fs_v, df;
    };
    for (const C& c : {C{22e6, 0.0}, C{22e6, 3e6}, C{20e6, 0.0}, C{56e6, -7e6}}) {
        const std::uint64_t n = static_cast<std::uint64_t>(c.fs_v * 400e-6), shift = static_cast<std::uint64_t>(c.fs_v * 150e-6) + 7;
        const Segment full{2437e6, c.fs_v, n};
        const Segment later{2437e6, c.fs_v, n - shift};
        const double start = 30e-6;
        const auto a = render(full, {Burst{start, 2437e6 + c.df, 0.0, ofdm}});
        const auto b = render(later, {Burst{start - static_cast<double>(shift) / c.fs_v, 2437e6 + c.df, 0.0, ofdm}});
        double worst = 0.0;
        for (std::size_t i = 0; i < b.size(); ++i) worst = std::max(worst, static_cast<double>(std::abs(a[i + shift] - b[i])));
        std::printf("split view %.2f MS/s, df %+.0f MHz: worst difference %.2e, later view power %.3f\n", c.fs_v / 1e6, c.df / 1e6, worst, mean_power(b));
        EXPECT_LT(worst, 1e-3) << c.fs_v << " df " << c.df;
    }
}

TEST(SimScene, AwgnPowerAndStatistics) {
    std::mt19937_64 rng(45);
    std::vector<cf32> x(1 << 20);
    add_awgn(x, -10.0, rng);
    const double p = power_db(x);
    double pi = 0.0, pq = 0.0, m4 = 0.0, mean_i = 0.0;
    std::size_t beyond3 = 0;
    for (const cf32& v : x) {
        pi += v.real() * v.real();
        pq += v.imag() * v.imag();
        mean_i += v.real();
    }
    pi /= static_cast<double>(x.size());
    pq /= static_cast<double>(x.size());
    mean_i /= static_cast<double>(x.size());
    for (const cf32& v : x) {
        m4 += std::pow(v.real(), 4);
        if (std::abs(v.real()) > 3.0 * std::sqrt(pi)) ++beyond3;
    }
    const double kurt = m4 / static_cast<double>(x.size()) / (pi * pi);
    const double tail = static_cast<double>(beyond3) / static_cast<double>(x.size());
    std::printf("AWGN: total %.4f dBFS (asked -10), I/Q power ratio %.4f, kurtosis(I) %.3f, P(|I|>3 sigma) %.5f (Gaussian 0.00270)\n", p,
                pi / pq, kurt, tail);
    EXPECT_NEAR(p, -10.0, 0.1);
    EXPECT_NEAR(pi / pq, 1.0, 0.01);
    EXPECT_NEAR(mean_i, 0.0, 0.002);
    EXPECT_NEAR(kurt, 3.0, 0.05);
    EXPECT_NEAR(tail, 0.0027, 0.0003);
    // White: the spectrum is flat.
    const auto psd = test::welch(x, 1.0, 256);
    double mn = 1e9, mx = 0.0;
    for (double v : psd.p) mn = std::min(mn, v), mx = std::max(mx, v);
    EXPECT_LT(test::db10(mx / mn), 1.0);
}

TEST(SimScene, ToneIsExact) {
    std::vector<cf32> x(3'000'001);
    const double fs = 20e6, f = 1.2345678e6, p = -3.0, ph = 0.7;
    add_tone(x, fs, f, p, ph);
    const double a = std::sqrt(std::pow(10.0, p / 10.0));
    double worst = 0.0;
    for (std::size_t n : {0ul, 1ul, 1023ul, 1024ul, 1025ul, 999'999ul, 3'000'000ul}) {
        const double cyc = std::fmod(f * static_cast<double>(n) / fs, 1.0);
        const std::complex<double> ref = std::polar(a, 2.0 * std::numbers::pi * cyc + ph);
        worst = std::max(worst, std::abs(std::complex<double>(x[n]) - ref));
    }
    EXPECT_LT(worst, 1e-6);
    EXPECT_NEAR(mean_power(x), std::pow(10.0, p / 10.0), 1e-6);
    // Adds to what is there.
    std::vector<cf32> y(100, cf32{1.0f, 0.0f});
    add_tone(y, fs, 0.0, 0.0);
    EXPECT_FLOAT_EQ(y[50].real(), 2.0f);
}

TEST(SimScene, Determinism) {
    auto all = [](std::uint64_t seed) {
        std::mt19937_64 rng(seed);
        std::vector<std::vector<cf32>> out;
        out.push_back(wifi_ofdm_ppdu(100, WifiRate::mbps54, rng).samples);
        out.push_back(wifi_dsss_ppdu(30, rng).samples);
        out.push_back(bt_br_packet(BtPacket::dh1, rng).samples);
        out.push_back(ble_packet(20, BlePhy::le1m, 12, rng).samples);
        out.push_back(zigbee_packet(20, rng).samples);
        std::vector<cf32> noise(1000);
        add_awgn(noise, 0.0, rng);
        out.push_back(noise);
        return out;
    };
    const auto a = all(7), b = all(7), c = all(8);
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i], b[i]) << "generator " << i;
        EXPECT_NE(a[i], c[i]) << "generator " << i;
    }
}

TEST(SimScene, SceneBookkeeping) {
    std::mt19937_64 rng(46);
    const Segment v{2440e6, 40e6, 40000};
    const auto bt = share(bt_br_packet(BtPacket::dh1, rng));
    // Two bursts add; a burst after the view or without a waveform adds nothing.
    const auto one = render(v, {Burst{10e-6, 2441e6, -6.0, bt}});
    const auto two = render(v, {Burst{10e-6, 2441e6, -6.0, bt}, Burst{10e-6, 2441e6, -6.0, bt}, Burst{2e-3, 2441e6, 0.0, bt},
                                Burst{0.0, 2441e6, 0.0, nullptr}});
    for (std::size_t i = 0; i < one.size(); i += 97) {
        EXPECT_NEAR(two[i].real(), 2.0f * one[i].real(), 1e-5f);
        EXPECT_NEAR(two[i].imag(), 2.0f * one[i].imag(), 1e-5f);
    }
    std::vector<cf32> wrong(10);
    const Burst b{0.0, 2440e6, 0.0, bt};
    EXPECT_THROW(add_bursts(v, std::span(&b, 1), wrong), std::exception);
}

TEST(SimScene, BusySceneThroughput) {
    // 20 ms at 100 MS/s with a mix of 60 bursts; reports the time taken.
    std::mt19937_64 rng(47);
    const Segment v{2440e6, 100e6, 2'000'000};
    std::vector<Burst> bursts;
    for (int i = 0; i < 60; ++i) {
        std::shared_ptr<const Waveform> w;
        switch (i % 4) {
            case 0: w = share(wifi_ofdm_ppdu(1000, WifiRate::mbps24, rng)); break;
            case 1: w = share(bt_br_packet(BtPacket::dh3, rng)); break;
            case 2: w = share(ble_packet(30, BlePhy::le1m, 37, rng)); break;
            default: w = share(zigbee_packet(60, rng)); break;
        }
        bursts.push_back(Burst{static_cast<double>(i) * 0.33e-3, 2440e6 + static_cast<double>((i * 7) % 80 - 40) * 1e6, -20.0, w});
    }
    std::vector<cf32> out(v.samples);
    const auto t0 = std::chrono::steady_clock::now();
    add_bursts(v, bursts, out);
    add_awgn(out, -60.0, rng);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("busy scene: 20 ms at 100 MS/s, 60 bursts + noise in %.3f s\n", secs);
    EXPECT_GT(mean_power(out), 0.0);
}
