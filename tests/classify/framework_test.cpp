// The classification framework on hand-built frames and a registry of test detectors: each capability
// gets what it asks for (claims keep bursts from the judges, judges go in registry order), outcomes
// outside the closed set are counted as bugs, a detector is held to the classes it declares, and pieces
// a detector claims are folded into its emitter.
#include "coex/classify/classifier.hpp"

#include "coex/dsp/cell_grid.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

namespace coex::classify {
namespace {

constexpr double kRate = 20e6;
constexpr std::size_t kFft = 256;
constexpr double kFrameS = static_cast<double>(kFft) / kRate;

// What the test detectors saw, shared with the test body (the registry makes them itself).
struct Seen {
    std::vector<double> judged_centres_mhz;
    std::vector<int> judged_by;  // 1: the first judge, 2: the second
};
Seen seen;

// Claims cells 2…5 (2433–2436 MHz) of every frame.
class ClaimsLowCells final : public Detector, public ClaimsCells {
public:
    void begin_tuning(const TuningGeometry& view) override { claimed_.assign(view.grid->size(), 0); }
    void claim(const Frame&) override {
        for (std::size_t c = 2; c <= 5 && c < claimed_.size(); ++c) claimed_[c] = 1;
    }
    [[nodiscard]] std::span<const std::uint8_t> claimed() const override { return claimed_; }
    [[nodiscard]] bool claimed_any() const override { return true; }
    void finish(const Observation&, Findings&) override {}

private:
    std::vector<std::uint8_t> claimed_;
};

// Turns every burst down with a reason no detector may give.
class RejectsOutsideTheSet final : public Detector, public JudgesBursts {
public:
    Outcome judge(const BurstFeatures& b) override {
        seen.judged_centres_mhz.push_back(b.center_mhz);
        seen.judged_by.push_back(1);
        return Outcome::rejected(static_cast<Rejection>(200), "a bug");
    }
    void finish(const Observation&, Findings&) override {}
};

// Takes every burst; reports a zigbee emitter at 2440 MHz and an 'unknown' piece beside it, which it
// claims as its own.
class TakesAll final : public Detector, public JudgesBursts, public ClaimsPieces {
public:
    explicit TakesAll(EmitterClass reported) : reported_(reported) {}
    Outcome judge(const BurstFeatures& b) override {
        seen.judged_by.push_back(2);
        (void)b;
        return Outcome::accepted();
    }
    [[nodiscard]] bool owns_piece(const report::Emitter& e, const report::Emitter& piece) const override {
        return e.emitter_class != EmitterClass::unknown && std::abs(piece.center_mhz - e.center_mhz) < 2.0;
    }
    void finish(const Observation&, Findings& out) override {
        report::Emitter e;
        e.emitter_class = reported_;
        e.low_mhz = 2439, e.high_mhz = 2441, e.center_mhz = 2440, e.bursts = 3;
        out.emitters.push_back(e);
        report::Emitter piece;
        piece.emitter_class = EmitterClass::unknown;
        piece.low_mhz = 2440.5, piece.high_mhz = 2441.5, piece.center_mhz = 2441, piece.bursts = 2;
        out.emitters.push_back(piece);
        out.counters["test.finished"] = 1;
    }

private:
    EmitterClass reported_;
};

const DetectorDescriptor kClaimer{EmitterClass::wifi_ofdm, "claims low cells", {}, {},
                                  [](const DetectorSetup&) { return std::unique_ptr<Detector>(std::make_unique<ClaimsLowCells>()); }};
const DetectorDescriptor kBuggyJudge{EmitterClass::ble, "rejects outside the set", {}, {},
                                     [](const DetectorSetup&) { return std::unique_ptr<Detector>(std::make_unique<RejectsOutsideTheSet>()); }};
const DetectorDescriptor kTaker{EmitterClass::zigbee, "takes all", {EmitterClass::zigbee, EmitterClass::unknown}, {}, [](const DetectorSetup&) {
                                    return std::unique_ptr<Detector>(std::make_unique<TakesAll>(EmitterClass::zigbee));
                                }};
// declares zigbee but reports an oven
const DetectorDescriptor kLiar{EmitterClass::zigbee, "reports what it does not declare", {EmitterClass::zigbee, EmitterClass::unknown}, {},
                               [](const DetectorSetup&) {
                                   return std::unique_ptr<Detector>(std::make_unique<TakesAll>(EmitterClass::microwave_oven));
                               }};

// A 20 MS/s view at 2440 MHz whose cells sit on a floor of 1, with two 8-frame bursts at +10 dB: one in
// the claimed cells (2434 MHz), one free (2444 MHz).
report::Report classify(std::span<const DetectorDescriptor> registry) {
    seen = {};
    dsp::MhzCellGrid grid(2440e6, kRate, kFft, 1.5, 9.5e6);
    Classifier classifier({}, true, registry);
    TuningGeometry view;
    view.grid = &grid;
    view.segment.center_frequency_hz = 2440e6;
    view.segment.sample_rate_hz = kRate;
    view.frame_seconds = kFrameS;
    view.bin_hz = kRate / static_cast<double>(kFft);
    classifier.begin_tuning(view);
    const std::vector<float> floor(grid.size(), 1.0f);
    for (std::uint64_t i = 0; i < 40; ++i) {
        std::vector<float> cells(grid.size(), 1.0f);
        if (i >= 10 && i < 18) {
            cells[static_cast<std::size_t>(2434 - grid.first_mhz())] = 10.0f;
            cells[static_cast<std::size_t>(2444 - grid.first_mhz())] = 10.0f;
        }
        Frame f;
        f.time_s = static_cast<double>(i) * kFrameS;
        f.first_sample = i * kFft;
        f.cells = cells;
        f.cell_floor = floor;
        classifier.on_frame(f);
    }
    TuningSummary summary;
    summary.geometry = &view;
    summary.cell_floor = floor;
    classifier.end_tuning(summary);
    report::Report r;
    classifier.finish(r);
    return r;
}

TEST(ClassifierFramework, ClaimedCellsNeverReachTheJudgesWhichGoInRegistryOrder) {
    const DetectorDescriptor registry[] = {kClaimer, kBuggyJudge, kTaker};
    const auto r = classify(registry);
    ASSERT_EQ(seen.judged_centres_mhz.size(), 1u) << "only the free burst is judged";
    EXPECT_NEAR(seen.judged_centres_mhz[0], 2444.0, 0.5);
    EXPECT_EQ(seen.judged_by, (std::vector<int>{1, 2}));  // the first judge turned it down, the second took it
    EXPECT_EQ(r.stats.counters.at("detector.zigbee.accepted"), 1u);
    EXPECT_EQ(r.stats.counters.at("test.finished"), 1u);
    ASSERT_TRUE(r.bursts);
    ASSERT_EQ(r.bursts->size(), 1u);
    EXPECT_EQ(r.bursts->front().emitter_class, EmitterClass::zigbee);
}

TEST(ClassifierFramework, AnOutcomeOutsideTheClosedSetIsCountedAsABugNotAReason) {
    const DetectorDescriptor registry[] = {kClaimer, kBuggyJudge, kTaker};
    const auto r = classify(registry);
    EXPECT_EQ(r.stats.counters.at("detector.ble.outcomes_outside_set"), 1u);
    for (const auto& [name, n] : r.stats.counters) EXPECT_EQ(name.find("detector.ble.rejected."), std::string::npos) << name;
    EXPECT_EQ(r.stats.counters.count("detector.wifi_ofdm.accepted"), 0u) << "a detector that judges nothing has no judging counts";
}

TEST(ClassifierFramework, PiecesADetectorClaimsAreFoldedIntoItsEmitter) {
    const DetectorDescriptor registry[] = {kClaimer, kBuggyJudge, kTaker};
    const auto r = classify(registry);
    ASSERT_EQ(r.emitters.size(), 1u);
    EXPECT_EQ(r.emitters[0].emitter_class, EmitterClass::zigbee);
    EXPECT_EQ(r.emitters[0].bursts, 5u);
    EXPECT_EQ(r.stats.counters.at("emitters.pieces_folded_into.zigbee"), 1u);
}

TEST(ClassifierFramework, ADetectorIsHeldToTheClassesItDeclares) {
    const DetectorDescriptor registry[] = {kLiar};
    EXPECT_THROW((void)classify(registry), std::logic_error);
}

TEST(ClassifierFramework, TheBuiltInRegistryPutsTheCellClaimerFirstAndUnknownLastOfTheJudges) {
    const auto registry = detector_registry();
    ASSERT_FALSE(registry.empty());
    EXPECT_EQ(registry.front().primary, EmitterClass::wifi_ofdm);
    for (const auto& d : registry) {
        EXPECT_FALSE(d.emits.empty()) << d.key();
        EXPECT_FALSE(d.name.empty()) << d.key();
        EXPECT_NE(std::find(d.emits.begin(), d.emits.end(), d.primary), d.emits.end()) << d.key() << " does not emit its own class";
    }
}

}  // namespace
}  // namespace coex::classify
