// Channelizer::measure, Channelizer::wifi_phy and fsk_symbol_rate on signals built here from their
// definitions (not with src/sim, so the features are checked against the physics, not against the
// simulator they were tuned on): GFSK of known deviation, offset and symbol rate; a CW tone; white
// Gaussian noise; OFDM symbols with a cyclic prefix; Barker-11-spread DBPSK.
#include "channelizer.hpp"
#include "coex/sim/bluetooth.hpp"
#include "coex/sim/interferers.hpp"
#include "coex/sim/wifi.hpp"
#include "coex/sim/zigbee.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <numbers>
#include <random>
#include <vector>

namespace coex::classify {
namespace {

constexpr double kPi = std::numbers::pi;

// ---- signals ------------------------------------------------------------------------------------

// ±1 symbols, as many of each (so the mean frequency of the burst is its carrier), shuffled.
std::vector<int> balanced_symbols(std::size_t n, std::uint64_t seed) {
    std::vector<int> s(n);
    for (std::size_t i = 0; i < n; ++i) s[i] = i % 2 ? 1 : -1;
    std::mt19937_64 rng(seed);
    std::shuffle(s.begin(), s.end(), rng);
    return s;
}

// Frequency pulse of GFSK: a rectangle one symbol long convolved with a Gaussian of bandwidth-time
// product bt (σ = √ln2 / (2π·B), B = bt/T), so a long run of one symbol sits at the full deviation.
double gfsk_pulse(double tau, double symbol_s, double bt) {
    const double sigma = std::sqrt(std::log(2.0)) / (2.0 * kPi * bt / symbol_s);
    const double k = 1.0 / (std::sqrt(2.0) * sigma);
    return 0.5 * (std::erf((tau + symbol_s / 2.0) * k) - std::erf((tau - symbol_s / 2.0) * k));
}

// Instantaneous frequency (Hz) of GFSK at `rate`: deviation · Σ a_k · pulse(t − (k + ½)T).
std::vector<double> gfsk_frequency(const std::vector<int>& symbols, double symbol_rate, double deviation_hz, double bt,
                                   double rate) {
    const double T = 1.0 / symbol_rate;
    const auto n = static_cast<std::size_t>(static_cast<double>(symbols.size()) * T * rate);
    std::vector<double> f(n, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
        const double t = static_cast<double>(i) / rate;
        const auto centre = static_cast<long>(t / T);
        for (long k = std::max(0L, centre - 3); k <= std::min<long>(static_cast<long>(symbols.size()) - 1, centre + 3); ++k)
            f[i] += deviation_hz * symbols[static_cast<std::size_t>(k)] * gfsk_pulse(t - (static_cast<double>(k) + 0.5) * T, T, bt);
    }
    return f;
}

// Unit-amplitude complex signal whose frequency is carrier + f[n] (phase integrated sample by sample).
std::vector<cf32> fm(const std::vector<double>& f, double carrier_hz, double rate, double phase0 = 0.3) {
    std::vector<cf32> x(f.size());
    double phase = phase0;
    for (std::size_t i = 0; i < f.size(); ++i) {
        x[i] = cf32(static_cast<float>(std::cos(phase)), static_cast<float>(std::sin(phase)));
        phase = std::fmod(phase + 2.0 * kPi * (carrier_hz + f[i]) / rate, 2.0 * kPi);
    }
    return x;
}

// Complex white Gaussian noise of total power `power` added to x (fixed seed).
void add_noise(std::vector<cf32>& x, double power, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> g(0.0f, static_cast<float>(std::sqrt(power / 2.0)));
    for (auto& v : x) v += cf32(g(rng), g(rng));
}

std::vector<cf32> noise(std::size_t n, double power, std::uint64_t seed) {
    std::vector<cf32> x(n);
    add_noise(x, power, seed);
    return x;
}

// 802.11a/g-like OFDM at n_fft samples per useful symbol: QPSK on subcarriers −26…26 (DC empty), the
// last `cp` samples of each symbol repeated before it. At 20 MS/s with n_fft = 64 this is 802.11 OFDM.
std::vector<cf32> ofdm(std::size_t symbols, std::size_t n_fft, std::size_t cp, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::bernoulli_distribution bit(0.5);
    std::vector<cf32> x;
    std::vector<std::complex<double>> sym(n_fft);
    for (std::size_t s = 0; s < symbols; ++s) {
        std::fill(sym.begin(), sym.end(), 0.0);
        for (int k = -26; k <= 26; ++k) {
            if (k == 0) continue;
            const std::complex<double> qpsk(bit(rng) ? 1.0 : -1.0, bit(rng) ? 1.0 : -1.0);
            for (std::size_t n = 0; n < n_fft; ++n)
                sym[n] += qpsk * std::polar(1.0, 2.0 * kPi * k * static_cast<double>(n) / static_cast<double>(n_fft));
        }
        for (std::size_t n = n_fft - cp; n < n_fft; ++n) x.emplace_back(sym[n] / std::sqrt(104.0));
        for (std::size_t n = 0; n < n_fft; ++n) x.emplace_back(sym[n] / std::sqrt(104.0));
    }
    return x;
}

// 802.11b-like DSSS: each 1 µs DBPSK symbol spread by the 11-chip Barker code (11 Mchip/s), rectangular
// chips sampled at `rate`.
std::vector<cf32> barker_dsss(std::size_t symbols, std::uint64_t seed, double rate = 20e6) {
    static constexpr std::array<int, 11> kBarker{+1, -1, +1, +1, -1, +1, +1, +1, -1, -1, -1};
    std::mt19937_64 rng(seed);
    std::bernoulli_distribution bit(0.5);
    std::vector<cf32> x(static_cast<std::size_t>(static_cast<double>(symbols) * 1e-6 * rate));
    double phase = 0.7;
    std::size_t symbol = 0;
    for (std::size_t n = 0; n < x.size(); ++n) {
        const double t = static_cast<double>(n) / rate;
        const auto m = static_cast<std::size_t>(t * 1e6);
        if (m != symbol) {
            symbol = m;
            if (bit(rng)) phase += kPi;  // differential: a 1 turns the phase by π
        }
        const auto chip = std::min<std::size_t>(10, static_cast<std::size_t>(t * 11e6) - 11 * m);
        x[n] = std::polar(static_cast<float>(kBarker[chip]), static_cast<float>(phase));
    }
    return x;
}

std::vector<cf32> mix(std::vector<cf32> x, double hz, double rate) {
    for (std::size_t i = 0; i < x.size(); ++i)
        x[i] *= std::polar(1.0f, static_cast<float>(std::fmod(2.0 * kPi * hz * static_cast<double>(i) / rate, 2.0 * kPi)));
    return x;
}

constexpr double kRate = 20e6;  // the analysis' usual view
constexpr std::size_t kBurst = 8000;  // 400 µs: what the classifier hands over of a burst

// A 400 µs GFSK burst (BT 0.5) at `offset` from the view's centre, 25 dB over white noise in the view.
std::vector<cf32> gfsk_burst(double symbol_rate, double deviation_hz, double offset_hz, std::uint64_t seed) {
    const auto symbols = static_cast<std::size_t>(400e-6 * symbol_rate);
    auto x = fm(gfsk_frequency(balanced_symbols(symbols, seed), symbol_rate, deviation_hz, 0.5, kRate), offset_hz, kRate);
    add_noise(x, std::pow(10.0, -2.5) * (kRate / 1e6), seed + 100);  // 25 dB over the noise in 1 MHz
    return x;
}

// ---- measure --------------------------------------------------------------------------------------

TEST(Channelizer, GfskDeviationOffsetAndEnvelope) {
    Channelizer ch;
    struct Case { double deviation_hz, carrier_error_hz; };
    for (const Case c : {Case{160e3, 0.0}, Case{250e3, 40e3}, Case{250e3, -60e3}, Case{320e3, 25e3}}) {
        const double view_offset = 3e6;  // where the burst sits in the view (what the classifier passes)
        const auto x = gfsk_burst(1e6, c.deviation_hz, view_offset + c.carrier_error_hz, 7);
        const auto f = ch.measure(x, kRate, view_offset, 1.2e6);
        ASSERT_TRUE(f.valid);
        EXPECT_NEAR(f.deviation_hz, c.deviation_hz, 0.1 * c.deviation_hz) << "deviation " << c.deviation_hz;
        EXPECT_NEAR(f.offset_hz, c.carrier_error_hz, 10e3) << "carrier error " << c.carrier_error_hz;
        EXPECT_GT(f.constant_envelope, 0.9);
        EXPECT_LT(f.preamble_periodicity, 0.5);  // random data does not repeat every 16 µs
    }
}

TEST(Channelizer, DeviationSeparatesBluetoothClassicFromBle) {
    // BR (h ≈ 0.32, 160 kHz) and BLE 1M (h = 0.5, 250 kHz): the detectors' ranges meet at 205 kHz
    Channelizer ch;
    for (std::uint64_t seed = 1; seed <= 4; ++seed) {
        EXPECT_LT(ch.measure(gfsk_burst(1e6, 160e3, -2e6, seed), kRate, -2e6, 1e6).deviation_hz, 205e3);
        EXPECT_GT(ch.measure(gfsk_burst(1e6, 250e3, -2e6, seed), kRate, -2e6, 1e6).deviation_hz, 205e3);
    }
}

TEST(Channelizer, CwToneHasNoDeviationAndAConstantEnvelope) {
    Channelizer ch;
    auto x = fm(std::vector<double>(kBurst, 0.0), 1.5e6 + 70e3, kRate);  // 70 kHz off the offset given
    add_noise(x, std::pow(10.0, -3.0) * (kRate / 1e6), 3);                // 30 dB over the noise in 1 MHz
    const auto f = ch.measure(x, kRate, 1.5e6, 1e6);
    ASSERT_TRUE(f.valid);
    EXPECT_LT(f.deviation_hz, 15e3);
    EXPECT_NEAR(f.offset_hz, 70e3, 3e3);
    EXPECT_GT(f.constant_envelope, 0.95);
    EXPECT_GT(f.preamble_periodicity, 0.95);  // a tone repeats at every lag, up to a phase turn
    EXPECT_EQ(f.symbol_rate_hz, 0.0);         // not judged below BLE-like deviations
}

TEST(Channelizer, WhiteNoiseHasAVaryingEnvelopeNoPeriodicityAndNoSymbolClock) {
    Channelizer ch;
    for (std::uint64_t seed = 11; seed <= 14; ++seed) {
        const auto f = ch.measure(noise(kBurst, 1.0, seed), kRate, 0.5e6, 1e6);
        ASSERT_TRUE(f.valid);
        EXPECT_LT(f.constant_envelope, 0.7) << seed;  // Rayleigh: std/mean ≈ 0.52 (less once the deepest fades are cut)
        EXPECT_LT(f.preamble_periodicity, 0.3) << seed;
        EXPECT_EQ(f.symbol_rate_hz, 0.0) << seed;
    }
}

TEST(Channelizer, SymbolClockOfGfskBursts) {
    // 1 Msym/s (BLE 1M, h = 0.5) and 1.152 Msym/s at the same modulation index (a DECT-like phone)
    Channelizer ch;
    for (std::uint64_t seed = 21; seed <= 23; ++seed) {
        const auto ble = ch.measure(gfsk_burst(1e6, 250e3, 4e6, seed), kRate, 4e6, 1.2e6);
        EXPECT_EQ(ble.symbol_rate_hz, 1e6) << seed;
        const auto dect = ch.measure(gfsk_burst(1.152e6, 288e3, 4e6, seed), kRate, 4e6, 1.4e6);
        EXPECT_EQ(dect.symbol_rate_hz, 1.152e6) << seed;
    }
}

TEST(Channelizer, PreambleRepeatingEvery16MicrosecondsIsPeriodic) {
    // The 802.15.4 SHR repeats one 16 µs symbol eight times: here a 16-symbol GFSK pattern at 1 Msym/s
    // repeated eight times (the phase turns by a constant each period), then random data.
    auto pattern = balanced_symbols(16, 5);
    std::vector<int> symbols;
    for (int r = 0; r < 8; ++r) symbols.insert(symbols.end(), pattern.begin(), pattern.end());
    const auto tail = balanced_symbols(272, 6);
    symbols.insert(symbols.end(), tail.begin(), tail.end());
    auto x = fm(gfsk_frequency(symbols, 1e6, 500e3, 0.5, kRate), -1e6, kRate);
    add_noise(x, std::pow(10.0, -2.0) * (kRate / 1e6), 8);
    Channelizer ch;
    const auto f = ch.measure(x, kRate, -1e6, 2e6);
    ASSERT_TRUE(f.valid);
    EXPECT_GT(f.preamble_periodicity, 0.8);

    // the same burst without the repeated start
    const auto data = balanced_symbols(400, 6);
    auto y = fm(gfsk_frequency(data, 1e6, 500e3, 0.5, kRate), -1e6, kRate);
    add_noise(y, std::pow(10.0, -2.0) * (kRate / 1e6), 8);
    EXPECT_LT(ch.measure(y, kRate, -1e6, 2e6).preamble_periodicity, 0.5);
}

TEST(Channelizer, TooFewSamplesAreNotMeasured) {
    Channelizer ch;
    EXPECT_FALSE(ch.measure(gfsk_burst(1e6, 250e3, 0.0, 1), 0.0, 0.0, 1e6).valid);
    const auto x = gfsk_burst(1e6, 250e3, 0.0, 1);
    EXPECT_FALSE(ch.measure(std::span<const cf32>(x).first(40), kRate, 0.0, 1e6).valid);
    EXPECT_TRUE(ch.measure(std::span<const cf32>(x).first(2000), kRate, 0.0, 1e6).valid);  // 100 µs is plenty
}

TEST(Channelizer, OtherSampleRatesGiveTheSameFeatures) {
    // an 8 MS/s view and a 2.4 MS/s one (RTL-SDR): the burst's features do not depend on the rate
    for (const double rate : {8e6, 2.4e6}) {
        const auto symbols = balanced_symbols(400, 31);
        auto x = fm(gfsk_frequency(symbols, 1e6, 250e3, 0.5, rate), 0.4e6 + 30e3, rate);
        add_noise(x, std::pow(10.0, -2.5) * (rate / 1e6), 32);
        Channelizer ch;
        const auto f = ch.measure(x, rate, 0.4e6, 1e6);
        ASSERT_TRUE(f.valid) << rate;
        EXPECT_NEAR(f.deviation_hz, 250e3, 25e3) << rate;
        EXPECT_NEAR(f.offset_hz, 30e3, 10e3) << rate;
        EXPECT_GT(f.constant_envelope, 0.9) << rate;
    }
}

// ---- fsk_symbol_rate ----------------------------------------------------------------------------

TEST(FskSymbolRate, FindsTheClockOfADiscriminatorOutput) {
    constexpr double rate = 4e6;  // the channelizer's output rate
    for (std::uint64_t seed = 41; seed <= 45; ++seed) {
        EXPECT_EQ(fsk_symbol_rate(
                      [&] {
                          auto f = gfsk_frequency(balanced_symbols(400, seed), 1e6, 250e3, 0.5, rate);
                          return std::vector<float>(f.begin(), f.end());
                      }(),
                      rate),
                  1e6);
        EXPECT_EQ(fsk_symbol_rate(
                      [&] {
                          auto f = gfsk_frequency(balanced_symbols(460, seed), 1.152e6, 288e3, 0.5, rate);
                          return std::vector<float>(f.begin(), f.end());
                      }(),
                      rate),
                  1.152e6);
    }
}

TEST(FskSymbolRate, NoVerdictWhenBothClocksShowAlike) {
    // half the burst at 1 Msym/s, half at 1.152 Msym/s: each line is strong, neither twice the other
    constexpr double rate = 4e6;
    for (std::uint64_t seed = 46; seed <= 48; ++seed) {
        auto a = gfsk_frequency(balanced_symbols(200, seed), 1e6, 250e3, 0.5, rate);
        const auto b = gfsk_frequency(balanced_symbols(230, seed + 10), 1.152e6, 250e3, 0.5, rate);
        a.insert(a.end(), b.begin(), b.end());
        EXPECT_EQ(fsk_symbol_rate(std::vector<float>(a.begin(), a.end()), rate), 0.0) << seed;
    }
}

TEST(FskSymbolRate, NoVerdictForNoiseOrTooLittle) {
    constexpr double rate = 4e6;
    std::mt19937_64 rng(51);
    std::normal_distribution<float> g(0.0f, 300e3f);
    for (int trial = 0; trial < 5; ++trial) {
        std::vector<float> f(1600);
        for (auto& v : f) v = g(rng);
        EXPECT_EQ(fsk_symbol_rate(f, rate), 0.0) << trial;
    }
    // a constant frequency (a tone): no steps at all
    EXPECT_EQ(fsk_symbol_rate(std::vector<float>(1600, 100e3f), rate), 0.0);
    // too short, or sampled too slowly to show 1.152 Msym/s
    auto f = gfsk_frequency(balanced_symbols(400, 52), 1e6, 250e3, 0.5, rate);
    std::vector<float> ff(f.begin(), f.end());
    EXPECT_EQ(fsk_symbol_rate(std::span<const float>(ff).first(40), rate), 0.0);
    EXPECT_EQ(fsk_symbol_rate(ff, 2.2e6), 0.0);
}

// ---- wifi_phy -------------------------------------------------------------------------------------

// 96 µs at 20 MS/s, the span the classifier looks at, 20 dB over white noise of the same band.
constexpr std::size_t kWifiSnippet = 1920;

TEST(WifiPhy, OfdmShowsItsCyclicPrefixNotABarkerPeriod) {
    Channelizer ch;
    for (std::uint64_t seed = 61; seed <= 63; ++seed) {
        auto x = ofdm(25, 64, 16, seed);  // 0.8 µs guard interval (802.11a/g)
        x.erase(x.begin(), x.begin() + 37);  // not aligned on a symbol
        x.resize(kWifiSnippet);
        add_noise(x, 0.01, seed);
        const auto m = ch.wifi_phy(x, 20e6, 0.0);
        ASSERT_TRUE(m.valid);
        EXPECT_GT(m.cyclic_prefix, 0.85) << seed;
        EXPECT_LT(m.barker, 0.35) << seed;
    }
}

TEST(WifiPhy, ShortGuardIntervalIsSeenToo) {
    Channelizer ch;
    auto x = ofdm(28, 64, 8, 64);  // 0.4 µs guard interval (802.11n short GI)
    x.resize(kWifiSnippet);
    add_noise(x, 0.01, 65);
    const auto m = ch.wifi_phy(x, 20e6, 0.0);
    ASSERT_TRUE(m.valid);
    EXPECT_GT(m.cyclic_prefix, 0.85);
    EXPECT_LT(m.barker, 0.35);
}

TEST(WifiPhy, BarkerSpreadDsssShowsItsCodePeriodNotACyclicPrefix) {
    Channelizer ch;
    // wherever the snippet starts within a symbol, at 10 dB over the noise: over the classifier's
    // DSSS threshold (0.35), above the guard-interval mark, and that mark under its OFDM threshold (0.5)
    for (std::size_t start = 0; start < 20; ++start) {
        for (std::uint64_t seed = 71; seed <= 73; ++seed) {
            auto x = barker_dsss(97, seed);
            x.erase(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(start));
            x.resize(kWifiSnippet);
            add_noise(x, 0.1, seed);
            const auto m = ch.wifi_phy(x, 20e6, 0.0);
            ASSERT_TRUE(m.valid);
            EXPECT_GT(m.barker, 0.35) << "start " << start << " seed " << seed;
            EXPECT_GT(m.barker, m.cyclic_prefix) << "start " << start << " seed " << seed;
            EXPECT_LT(m.cyclic_prefix, 0.35) << "start " << start << " seed " << seed;
            // and half a period on, no better than chance: a code, not a carrier
            EXPECT_LT(m.off_period, 0.5 * m.barker) << "start " << start << " seed " << seed;
        }
    }
    // aligned on the symbols, the code period repeats almost exactly
    auto x = barker_dsss(96, 74);
    add_noise(x, 0.01, 74);
    EXPECT_GT(ch.wifi_phy(x, 20e6, 0.0).barker, 0.9);
}

TEST(WifiPhy, AnOvensCarrierOverOfdmIsNoBarkerCode) {
    // An 802.11 OFDM frame under a magnetron's carrier 3 MHz off its centre, 15 dB stronger (the oven
    // beside channel 9): the carrier keeps one phase over 1 µs, like DSSS's code period, but just as
    // well over 0.5 µs, where the Barker code matches itself no better than chance.
    Channelizer ch;
    for (std::uint64_t seed = 111; seed <= 115; ++seed) {
        auto x = ofdm(25, 64, 16, seed);
        x.resize(kWifiSnippet);
        std::mt19937_64 rng(seed);
        const auto oven = sim::microwave_on_period(2e-3, 0.0, 300e3, rng, 20e6);
        for (std::size_t i = 0; i < x.size(); ++i)
            x[i] += std::pow(10.0f, 15.0f / 20.0f) * oven.samples[4000 + i] *
                    std::polar(1.0f, static_cast<float>(std::fmod(2.0 * kPi * 3e6 * static_cast<double>(i) / 20e6, 2.0 * kPi)));
        add_noise(x, 0.01, seed);
        const auto m = ch.wifi_phy(x, 20e6, 0.0);
        ASSERT_TRUE(m.valid);
        // what passes for a code period (and beats the guard interval: it would read as DSSS) is a carrier's
        EXPECT_GT(m.barker, 0.35) << seed;
        EXPECT_GT(m.barker, m.cyclic_prefix) << seed;
        EXPECT_GT(m.off_period, 0.5 * m.barker) << seed;
    }
}

TEST(WifiPhy, NoiseShowsNeither) {
    Channelizer ch;
    for (std::uint64_t seed = 81; seed <= 83; ++seed) {
        const auto m = ch.wifi_phy(noise(kWifiSnippet, 1.0, seed), 20e6, 0.0);
        ASSERT_TRUE(m.valid);
        EXPECT_LT(m.cyclic_prefix, 0.35) << seed;
        EXPECT_LT(m.barker, 0.35) << seed;
    }
}

TEST(WifiPhy, ChannelOffCentreInAFasterView) {
    // a 40 MS/s view with OFDM 5 MHz above its centre: mixed down and resampled to 20 MS/s first
    // (the same OFDM at 40 MS/s: 128-point symbols with the same 312.5 kHz subcarriers, 32-sample guard)
    auto x = mix(ofdm(25, 128, 32, 91), 5e6, 40e6);
    x.resize(2 * kWifiSnippet);
    add_noise(x, 0.02, 92);
    Channelizer ch;
    const auto m = ch.wifi_phy(x, 40e6, 5e6);
    ASSERT_TRUE(m.valid);
    EXPECT_GT(m.cyclic_prefix, 0.8);
    EXPECT_LT(m.barker, 0.35);

    // and DSSS 3 MHz below the centre of the same view
    auto y = mix(barker_dsss(96, 93, 40e6), -3e6, 40e6);
    add_noise(y, 0.02, 94);
    const auto d = ch.wifi_phy(y, 40e6, -3e6);
    ASSERT_TRUE(d.valid);
    EXPECT_GT(d.barker, 0.35);
    EXPECT_GT(d.barker, d.cyclic_prefix);
    EXPECT_LT(d.cyclic_prefix, 0.35);
}

TEST(WifiPhy, ANeighbour20MhzAwayIsLeftOut) {
    // a 40 MS/s view holding two channels: OFDM at +10 MHz, and at −10 MHz a 10 dB stronger OFDM-like
    // signal with no guard interval. The channel at +10 MHz is judged on its own 20 MHz.
    auto x = mix(ofdm(25, 128, 32, 96), 10e6, 40e6);
    auto other = mix(ofdm(30, 128, 0, 97), -10e6, 40e6);
    other.resize(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) x[i] += std::sqrt(10.0f) * other[i];
    x.resize(2 * kWifiSnippet);
    add_noise(x, 0.02, 98);
    Channelizer ch;
    const auto m = ch.wifi_phy(x, 40e6, 10e6);
    ASSERT_TRUE(m.valid);
    EXPECT_GT(m.cyclic_prefix, 0.8);
}

TEST(WifiPhy, TooShortOrTooSlowIsNotJudged) {
    Channelizer ch;
    auto x = ofdm(25, 64, 16, 95);
    EXPECT_FALSE(ch.wifi_phy(std::span<const cf32>(x).first(150), 20e6, 0.0).valid);
    EXPECT_FALSE(ch.wifi_phy(x, 10e6, 0.0).valid);  // a 10 MS/s view cannot hold a 20 MHz channel
    EXPECT_TRUE(ch.wifi_phy(x, 20e6, 0.0).valid);
}

// ---- DSSS under a stronger narrowband frame -------------------------------------------------------

// `what` (a simulator waveform at 20 MS/s) moved to `offset_hz` with a carrier offset inside its
// standard's tolerance, scaled to `gain_db` (its power 1.0 before).
void add_at(std::vector<cf32>& x, const std::vector<cf32>& what, std::size_t from, double offset_hz, double gain_db) {
    const auto shifted = mix(what, offset_hz, 20e6);
    const float g = std::pow(10.0f, static_cast<float>(gain_db) / 20.0f);
    for (std::size_t i = 0; i < x.size() && from + i < shifted.size(); ++i) x[i] += g * shifted[from + i];
}

// An 802.11b ACK (14 octets, 1 Mb/s long preamble, 304 µs) from the simulator at 20 MS/s (its 22 MS/s
// chips brought to 20 MS/s as the classifier does with any view) with a 25 ppm carrier offset.
std::vector<cf32> dsss_ack(std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    const auto w = sim::wifi_dsss_ppdu(14, rng);
    std::vector<cf32> out(w.samples.size() * 20 / 22 + 64);
    unsigned written = 0;
    // linear interpolation is enough here: the chips are 1.8 samples long either way
    for (std::size_t i = 0; i + 1 < out.size(); ++i) {
        const double t = static_cast<double>(i) * 22.0 / 20.0;
        const auto k = static_cast<std::size_t>(t);
        if (k + 1 >= w.samples.size()) break;
        const auto a = static_cast<float>(t - static_cast<double>(k));
        out[i] = (1.0f - a) * w.samples[k] + a * w.samples[k + 1];
        written = static_cast<unsigned>(i + 1);
    }
    out.resize(written);
    return mix(out, 60e3, 20e6);
}

TEST(WifiPhy, DsssUnderAStrongerZigbeeFrameIsDespreadByItsCode) {
    // ble-zigbee-dsss behind a real receiver: an ACK on channel 3 under an 802.15.4 frame on channel 14
    // (2 MHz below its centre, 40 kHz off), 5 dB stronger over the channel, 20 dB over the noise. The
    // O-QPSK signal keeps its phase over 0.5 µs as a carrier does, so the code period (≈ 0.58) is matched
    // half a period on (≈ 0.63) and the carrier guard alone would refuse it; the Barker code still
    // despreads the ACK, and takes nothing from the frame alone.
    Channelizer ch;
    for (std::uint64_t seed = 121; seed <= 126; ++seed) {
        std::mt19937_64 rng(seed);
        const auto zigbee = sim::zigbee_packet(40, rng, 10.0).samples;  // 20 MS/s
        const auto ack = dsss_ack(seed);
        for (const std::size_t at : {std::size_t{200}, std::size_t{2400}, std::size_t{4000}}) {
            std::vector<cf32> x(kWifiSnippet), z(kWifiSnippet);
            add_at(x, ack, at, 0.0, 0.0);
            add_at(x, zigbee, 3000 + at, -2e6 + 40e3, 5.0);
            add_at(z, zigbee, 3000 + at, -2e6 + 40e3, 5.0);
            add_noise(x, 0.01, seed + at);
            add_noise(z, 0.01, seed + at);
            remove_dc(x);
            remove_dc(z);
            const auto both = ch.wifi_phy(x, 20e6, 0.0);
            ASSERT_TRUE(both.valid);
            EXPECT_GT(both.off_period, 0.5 * both.barker) << seed << " " << at;  // the case: the guard alone refuses
            EXPECT_GE(both.despread, WifiPhyMetrics::kDespreadShowsCode) << seed << " " << at;
            EXPECT_TRUE(both.shows_dsss()) << seed << " " << at;
            EXPECT_FALSE(both.shows_ofdm()) << seed << " " << at;
            const auto frame = ch.wifi_phy(z, 20e6, 0.0);
            ASSERT_TRUE(frame.valid);
            EXPECT_LT(frame.despread, 1.3) << seed << " " << at;
            EXPECT_FALSE(frame.shows_dsss()) << seed << " " << at;
        }
    }
}

TEST(WifiPhy, GfskAndCarriersAreNotDespreadByTheBarkerCode) {
    // What else keeps its phase over 0.5 µs inside a channel, 20 dB over the noise: BLE 1M and BR
    // packets (1 µs symbols, the code's period), an oven's carrier over OFDM, each at a few offsets.
    Channelizer ch;
    for (const double offset : {-7e6, -2e6, 0.5e6, 3e6}) {
        for (std::uint64_t seed = 131; seed <= 133; ++seed) {
            std::mt19937_64 rng(seed);
            const auto ble = sim::ble_packet(37, sim::BlePhy::le1m, 10, rng, 20.0).samples;
            const auto br = sim::bt_br_packet(sim::BtPacket::dh1, rng, 20.0).samples;
            const auto oven = sim::microwave_on_period(2e-3, 0.0, 300e3, rng, 20e6).samples;
            for (const auto* signal : {&ble, &br, &oven}) {
                const char* name = signal == &ble ? "ble" : signal == &br ? "br" : "oven";
                std::vector<cf32> x(kWifiSnippet);
                add_at(x, *signal, 400, offset, 0.0);
                if (signal == &oven) {
                    const auto o = ofdm(25, 64, 16, seed);
                    for (std::size_t i = 0; i < x.size() && i < o.size(); ++i) x[i] += 0.18f * o[i];
                }
                add_noise(x, 0.01, seed);
                remove_dc(x);
                const auto m = ch.wifi_phy(x, 20e6, 0.0);
                ASSERT_TRUE(m.valid);
                EXPECT_LT(m.despread, 1.3) << offset << " " << seed << " " << name;
                EXPECT_FALSE(m.shows_dsss()) << offset << " " << seed << " " << name;
            }
        }
    }
}

}  // namespace
}  // namespace coex::classify
