// Real 802.11a/n OFDM recordings (openofdm, USRP N210, 20 MS/s int16; 5 GHz, but the 20 MHz OFDM
// baseband is the 2.4 GHz one): analysed as if centred on channel 6, their frames must be Wi-Fi there.
// Reads ../shared/captures/real; skips when it is absent.
#include "analysis_helpers.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace coex {
namespace {

namespace fs = std::filesystem;
const fs::path kFolder = fs::path(COEX_REAL_CAPTURES) / "openofdm_wifi_ofdm";

std::vector<cf32> read_ci16(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<std::int16_t> raw(fs::file_size(path) / sizeof(std::int16_t));
    in.read(reinterpret_cast<char*>(raw.data()), static_cast<std::streamsize>(raw.size() * sizeof(std::int16_t)));
    std::vector<cf32> x(raw.size() / 2);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = cf32(raw[2 * i] / 32768.0f, raw[2 * i + 1] / 32768.0f);
    return x;
}

// A plain time-domain reference that knows nothing of spectra: the share of samples whose 1 µs mean
// power is 10 dB above the quietest 2 % of such means.
double time_domain_duty(const std::vector<cf32>& x) {
    const std::size_t k = 20;
    std::vector<double> mean(x.size() - k);
    double acc = 0.0;
    for (std::size_t i = 0; i < k; ++i) acc += std::norm(x[i]);
    for (std::size_t i = 0; i + k < x.size(); ++i) {
        mean[i] = acc / k;
        acc += std::norm(x[i + k]) - std::norm(x[i]);
    }
    std::vector<double> sorted(mean);
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 50), sorted.end());
    const double quiet = sorted[sorted.size() / 50];
    return static_cast<double>(std::count_if(mean.begin(), mean.end(), [&](double m) { return m > 10.0 * quiet; })) /
           static_cast<double>(mean.size());
}

TEST(RealRecordings, OpenofdmFramesAreWifiOnTheChannel) {
    if (!fs::is_directory(kFolder)) GTEST_SKIP() << kFolder << " is absent";
    int files = 0;
    for (const auto& entry : fs::recursive_directory_iterator(kFolder)) {
        if (entry.path().extension() != ".dat") continue;
        ++files;
        const auto x = read_ci16(entry.path());
        const auto r = testing::analyze_samples(x, SegmentInfo{2437e6, 20e6, 0.0, std::nullopt, std::nullopt});
        const auto& ch6 = testing::channel(r, 6);
        const double reference = time_domain_duty(x);
        SCOPED_TRACE(entry.path().filename().string() + " time-domain duty " + std::to_string(reference));
        EXPECT_TRUE(ch6.observed);
        EXPECT_GE(ch6.bursts, 1u);
        EXPECT_GE(ch6.occupancy, 0.7);
        // Frames 12.8 µs long cannot split 16 µs SIFS gaps, so back-to-back exchanges read as one burst:
        // up to ~15 % above the sample-exact reference on these packet-dense recordings.
        EXPECT_NEAR(ch6.occupancy, reference, 0.16);
        ASSERT_TRUE(r.noise_floor_dbfs_per_mhz.has_value());
        EXPECT_LT(*r.noise_floor_dbfs_per_mhz, -75.0);  // the receiver's floor, not the frames' level
    }
    EXPECT_EQ(files, 20);
}

}  // namespace
}  // namespace coex
