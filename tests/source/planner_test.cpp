// The sweep planner: dwells from the radio's real rate and bandwidth, Wi-Fi channel dwells when a
// channel fits, tiles otherwise, and the tuning through a downconverter.
#include "coex/core/error.hpp"
#include "coex/source/planner.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace coex {
namespace {

using source::PlanKind;
using source::PlanRequest;

PlanRequest hackrf() {
    PlanRequest rq;
    rq.sample_rate_hz = 20e6;
    rq.tunable_hz = {{1e6, 6000e6}};
    rq.radio_name = "HackRF";
    return rq;
}

PlanRequest rtlsdr() {
    PlanRequest rq;
    rq.sample_rate_hz = 2.4e6;
    rq.tunable_hz = {{24e6, 1766e6}};
    rq.radio_name = "RTL-SDR";
    return rq;
}

// Every frequency of the band's whole cells lies in some dwell's usable band.
void expect_covers(const source::SweepPlan& p, double lo, double hi) {
    for (double f = std::ceil(lo / 1e6 + 0.5) * 1e6 - 0.5e6; f <= hi; f += 0.25e6) {
        bool in = false;
        for (const auto& d : p.dwells) in = in || std::abs(f - d.rf_center_hz) <= p.usable_hz / 2 + 1.0;
        EXPECT_TRUE(in) << f / 1e6 << " MHz is in no dwell";
    }
}

TEST(Planner, AHackRfSweepsOneDwellPerWifiChannelPlusTheBandEdges) {
    const auto p = source::plan_sweep(hackrf());
    EXPECT_EQ(p.kind, PlanKind::wifi);
    EXPECT_DOUBLE_EQ(p.usable_hz, 18e6);
    ASSERT_EQ(p.dwells.size(), 15u);  // channels 1–13 (EU) and the two edges
    EXPECT_DOUBLE_EQ(p.dwells[1].rf_center_hz, 2412e6);
    EXPECT_DOUBLE_EQ(p.dwells[13].rf_center_hz, 2472e6);
    EXPECT_DOUBLE_EQ(p.dwells.front().rf_center_hz, 2409e6) << "cells 2401–2417: inside the band, over BLE channel 37";
    EXPECT_DOUBLE_EQ(p.dwells.back().rf_center_hz, 2475e6);
    expect_covers(p, 2400e6, 2483.5e6);
    for (const auto& d : p.dwells) EXPECT_DOUBLE_EQ(d.tune_hz, d.rf_center_hz);
}

TEST(Planner, CoverTakesAHandfulOfDwellsAtTwentyMegasamples) {
    auto rq = hackrf();
    rq.kind = PlanKind::cover;
    const auto p = source::plan_sweep(rq);
    EXPECT_EQ(p.dwells.size(), 5u);
    expect_covers(p, 2400e6, 2483.5e6);
}

TEST(Planner, TheUsDomainHasElevenChannelDwells) {
    auto rq = hackrf();
    rq.domain = RegDomain::us;
    const auto p = source::plan_sweep(rq);
    int on_channels = 0;
    for (const auto& d : p.dwells)
        for (const auto& ch : wifi_channels(RegDomain::us)) on_channels += d.rf_center_hz == ch.center_mhz * 1e6;
    EXPECT_EQ(on_channels, 11);
    expect_covers(p, 2400e6, 2483.5e6);
}

TEST(Planner, ABandHoldingOneChannelIsOneDwell) {
    auto rq = hackrf();
    rq.band_low_hz = 2428e6;  // cells 2429…2445: the channel's ± 8
    rq.band_high_hz = 2446e6;
    const auto p = source::plan_sweep(rq);
    ASSERT_EQ(p.dwells.size(), 1u);
    EXPECT_DOUBLE_EQ(p.dwells[0].rf_center_hz, 2437e6);
}

TEST(Planner, AnRtlSdrCannotReachTheBandWithoutADownconverter) {
    try {
        (void)source::plan_sweep(rtlsdr());
        FAIL() << "planned an unreachable band";
    } catch (const ConfigError& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("RTL-SDR tunes 24–1766 MHz"), std::string::npos) << m;
        EXPECT_EQ(e.parameter(), "lo_offset_hz") << m;
        EXPECT_NE(e.render("--lo-offset").find("give --lo-offset (RF = tuned + offset"), std::string::npos) << e.render("--lo-offset");
    }
}

TEST(Planner, AnRtlSdrBehindALowSideDownconverterTilesTheBandInManyDwells) {
    auto rq = rtlsdr();
    rq.lo_offset_hz = 2000e6;
    const auto p = source::plan_sweep(rq);
    EXPECT_EQ(p.kind, PlanKind::cover) << "2.16 MHz cannot hold a Wi-Fi channel";
    EXPECT_EQ(p.dwells.size(), 42u) << "two whole 1 MHz cells per 2.16 MHz dwell, 83 cells";
    expect_covers(p, 2400e6, 2483.5e6);
    for (const auto& d : p.dwells) {
        EXPECT_DOUBLE_EQ(d.tune_hz, d.rf_center_hz - 2000e6);
        EXPECT_GE(d.tune_hz, 399e6);
        EXPECT_LE(d.tune_hz, 484e6);
        EXPECT_DOUBLE_EQ(std::fmod(d.rf_center_hz / 1e6, 1.0), 0.5) << "between its two cells";
    }
}

TEST(Planner, AHighSideLoTunesBelowTheLoAndMirrors) {
    auto rq = rtlsdr();
    rq.lo_offset_hz = 2900e6;
    rq.invert = true;
    const auto p = source::plan_sweep(rq);
    for (const auto& d : p.dwells) {
        EXPECT_DOUBLE_EQ(d.tune_hz, 2900e6 - d.rf_center_hz);
        EXPECT_DOUBLE_EQ(source::rf_for_tune(d.tune_hz, 2900e6, true), d.rf_center_hz);
    }
}

TEST(Planner, AnOffsetThatLandsOutsideTheTunerIsRefused) {
    auto rq = rtlsdr();
    rq.lo_offset_hz = 100e6;
    EXPECT_THROW((void)source::plan_sweep(rq), ConfigError);
}

TEST(Planner, WifiPlanNeedsSeventeenMegahertz) {
    auto rq = rtlsdr();
    rq.lo_offset_hz = 2000e6;
    rq.kind = PlanKind::wifi;
    EXPECT_THROW((void)source::plan_sweep(rq), ConfigError);
}

TEST(Planner, DwellsSitOnTheOneMegahertzCellGrid) {
    // 2 MS/s: 1.8 MHz usable holds one whole cell, so each dwell is centred on a whole MHz.
    PlanRequest rq = hackrf();
    rq.sample_rate_hz = 2e6;
    rq.band_low_hz = 2449.5e6;
    rq.band_high_hz = 2451.5e6;
    const auto p = source::plan_sweep(rq);
    ASSERT_EQ(p.dwells.size(), 2u);
    EXPECT_DOUBLE_EQ(p.dwells[0].rf_center_hz, 2450e6);
    EXPECT_DOUBLE_EQ(p.dwells[1].rf_center_hz, 2451e6);
    // every cell of the band, at any rate, in some dwell's usable band whole
    for (double rate : {2e6, 2.4e6, 3.2e6, 8e6, 10e6, 20e6}) {
        rq = hackrf();
        rq.sample_rate_hz = rate;
        const auto plan = source::plan_sweep(rq);
        for (int k = 2401; k <= 2483; ++k) {
            bool held = false;
            for (const auto& d : plan.dwells)
                held = held || (k - 0.5 >= (d.rf_center_hz - plan.usable_hz / 2) / 1e6 && k + 0.5 <= (d.rf_center_hz + plan.usable_hz / 2) / 1e6);
            EXPECT_TRUE(held) << "cell " << k << " at " << rate / 1e6 << " MS/s";
        }
    }
}

TEST(Planner, ARateTooLowToHoldACellIsRefused) {
    auto rq = hackrf();
    rq.sample_rate_hz = 1e6;  // 0.9 MHz usable
    EXPECT_THROW((void)source::plan_sweep(rq), ConfigError);
}

TEST(Planner, RejectsAnEmptyBand) {
    auto rq = hackrf();
    rq.band_low_hz = 2450e6;
    rq.band_high_hz = 2440e6;
    EXPECT_THROW((void)source::plan_sweep(rq), ConfigError);
}

TEST(Planner, TheRateIsTheRadiosHighestUnderTheDriversCap) {
    source::RadioInfo info;
    info.sample_rate_ranges_hz = {{0.25e6, 3.2e6}};
    EXPECT_DOUBLE_EQ(source::choose_sample_rate(info, std::nullopt, 2.4e6), 2.4e6);
    EXPECT_DOUBLE_EQ(source::choose_sample_rate(info, std::nullopt, std::nullopt), 3.2e6);
    EXPECT_DOUBLE_EQ(source::choose_sample_rate(info, 1e6, 2.4e6), 1e6);
    EXPECT_THROW((void)source::choose_sample_rate(info, 10e6, std::nullopt), ConfigError);
}

}  // namespace
}  // namespace coex
