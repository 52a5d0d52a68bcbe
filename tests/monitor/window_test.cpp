// The per-window spectrum summary (max and mean per MHz from the analysis' own frames) reads physics
// right, and a window's report becomes the summary the monitor publishes.
#include "coex/monitor/window.hpp"

#include "coex/analysis/pipeline.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace coex::monitor {
namespace {

// 0.5 s at 20 MS/s on 2437 MHz: a tone of amplitude 0.1 (−20 dBFS) at 2440 MHz, switched on for the
// second half only, over white noise of −60 dBFS per MHz; 8-bit quantised like a HackRF.
std::vector<SampleBlock> tone_blocks() {
    const double rate = 20e6;
    std::mt19937 rng(7);
    const double sigma = std::sqrt(std::pow(10.0, -6.0) * 20.0 / 2.0);  // per component: −60 dBFS/MHz over 20 MHz
    std::normal_distribution<double> noise(0.0, sigma);
    std::vector<SampleBlock> blocks;
    const std::size_t n = 10'000'000, block = 1 << 16;
    for (std::size_t first = 0; first < n; first += block) {
        SampleBlock b;
        b.segment = {2437e6, rate, 0.0, std::nullopt, std::nullopt};
        b.first_sample = first;
        for (std::size_t k = first; k < std::min(n, first + block); ++k) {
            double i = noise(rng), q = noise(rng);
            if (k >= n / 2) {
                const double phase = 2.0 * M_PI * 3e6 * static_cast<double>(k) / rate;
                i += 0.1 * std::cos(phase);
                q += 0.1 * std::sin(phase);
            }
            const auto quantise = [](double x) { return static_cast<float>(std::round(std::clamp(x, -1.0, 1.0) * 127.0) / 127.0); };
            b.samples.emplace_back(quantise(i), quantise(q));
        }
        blocks.push_back(std::move(b));
    }
    return blocks;
}

TEST(BandSpectrum, ToneReadsItsPowerInItsMegahertzAndNoiseItsFloor) {
    BandSpectrum spectrum(2400, 2483, dsp::Window::hann);
    analysis::RunConfig config;
    config.analysis.spectrogram.planning = dsp::FftPlanning::estimate;
    config.analysis.on_frame = [&](const analysis::FrameView& f) { spectrum.add(f); };
    analysis::Pipeline pipeline(config);
    for (const auto& b : tone_blocks()) pipeline.consume(b);
    (void)pipeline.finish(SourceStats{});
    ASSERT_GT(spectrum.frames(), 1000u);
    ASSERT_EQ(spectrum.cells(), 84u);
    const auto cell = [](int mhz) { return static_cast<std::size_t>(mhz - 2400); };
    // The tone's MHz: on for half the frames, so the max is the tone and the mean half of it (−3 dB).
    ASSERT_TRUE(spectrum.max_dbfs(cell(2440)));
    EXPECT_NEAR(*spectrum.max_dbfs(cell(2440)), -20.0, 0.5);
    EXPECT_NEAR(*spectrum.mean_dbfs(cell(2440)), -23.0, 0.5);
    // A MHz of noise alone: the floor in the mean (−60 dBFS/MHz thermal plus the 8-bit quantisation's
    // 2·(1/127)²/12 spread over 20 MHz, −62.8), the max a few dB over it (one frame's fluctuation).
    const double floor = 10.0 * std::log10(1e-6 + 2.0 * std::pow(1.0 / 127.0, 2) / 12.0 / 20.0);
    ASSERT_TRUE(spectrum.mean_dbfs(cell(2432)));
    EXPECT_NEAR(*spectrum.mean_dbfs(cell(2432)), floor, 0.5);
    EXPECT_GT(*spectrum.max_dbfs(cell(2432)), floor + 1.0);
    EXPECT_LT(*spectrum.max_dbfs(cell(2432)), floor + 10.0);
    // Outside the usable band (2437 ± 9 MHz): not observed.
    EXPECT_FALSE(spectrum.mean_dbfs(cell(2420)));
    EXPECT_FALSE(spectrum.max_dbfs(cell(2450)));
    spectrum.clear();
    EXPECT_FALSE(spectrum.mean_dbfs(cell(2440)));
    EXPECT_EQ(spectrum.frames(), 0u);
}

TEST(Summarize, ReportBecomesWindowState) {
    report::Report r;
    r.capture.observed_s = 9.5;
    r.noise_floor_dbfs_per_mhz = -61.0;
    report::WifiChannelRow ch6;
    ch6.channel = 6;
    ch6.center_mhz = 2437;
    ch6.observed = true;
    ch6.observed_s = 9.5;
    ch6.occupancy = 0.3;
    ch6.mean_power_dbfs = -40;
    ch6.networks = {{"Home", "02:00:00:00:00:01", 40, true}};
    report::WifiChannelRow ch1;
    ch1.channel = 1;
    ch1.observed = false;
    r.wifi = {ch6, ch1};
    report::Emitter oven;
    oven.emitter_class = EmitterClass::microwave_oven;
    oven.low_mhz = 2452;
    oven.high_mhz = 2458;
    oven.center_mhz = 2455;
    oven.first_s = 12.25;
    oven.last_s = 19.5;
    oven.evidence = {report::EvidenceBasis::behaviour, "mains"};
    r.emitters = {oven};
    report::Recommendation rec;
    rec.channel = 6;
    rec.ranking = {{6, 0, 0.3}};
    r.recommendation = rec;
    const auto s = summarize(r, {"den", 1796000010.0, 1796000020.0, 1796000000.0});
    EXPECT_EQ(s.state.sensor_id, "den");
    EXPECT_DOUBLE_EQ(s.state.observed_s, 9.5);
    ASSERT_EQ(s.state.channels.size(), 1u);  // the unobserved channel is left out
    EXPECT_EQ(s.state.channels[0].channel, 6);
    EXPECT_DOUBLE_EQ(*s.state.channels[0].cost, 0.3);
    ASSERT_EQ(s.state.networks.size(), 1u);
    EXPECT_TRUE(s.state.networks[0].mine);
    EXPECT_EQ(s.state.networks[0].channel, 6);
    ASSERT_EQ(s.state.emitters.size(), 1u);
    EXPECT_EQ(s.state.emitters[0].class_key, "microwave_oven");
    EXPECT_EQ(s.state.emitters[0].evidence, "behaviour");
    ASSERT_EQ(s.sightings.size(), 1u);
    EXPECT_DOUBLE_EQ(s.sightings[0].first_unix_s, 1796000012.25);
    EXPECT_DOUBLE_EQ(s.sightings[0].last_unix_s, 1796000019.5);
    EXPECT_EQ(s.state.window_best_channel, 6);
}

}  // namespace
}  // namespace coex::monitor
