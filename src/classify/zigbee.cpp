// IEEE 802.15.4 (Zigbee, Thread): O-QPSK with half-sine chips at 2 Mchip/s — an MSK signal whose
// instantaneous frequency sits at ±500 kHz, constant envelope, main lobe ±1.5 MHz — on channels
// 11–26 at 2405 + 5(k − 11) MHz, frames up to 4.3 ms, each opening with eight repetitions of the
// 16 µs spreading sequence of symbol 0 (which tells it from BLE 2M, the same deviation and rate).
// One emitter per channel.
#include "detectors.hpp"

#include "coex/core/text.hpp"

#include <cmath>
#include <map>

namespace coex::classify {
namespace {

class ZigbeeDetector final : public Detector, public JudgesBursts, public ClaimsPieces {
public:
    Outcome judge(const BurstFeatures& b) override {
        const int k = 11 + static_cast<int>(std::lround((b.center_mhz - 2405.0) / 5.0));
        if (k < 11 || k > 26) return Outcome::rejected(Rejection::off_grid, "outside channels 11–26");
        if (b.proven(decode::Protocol::ieee802154)) {  // its FCS held: nothing of its shape needs checking
            channels_[k].packets.push_back({b.start_s, b.end_s, b.power_dbfs, b.above_floor_db, burst_decode(b, decode::Protocol::ieee802154)});
            return Outcome::accepted();
        }
        if (std::abs(b.center_mhz - (2405.0 + 5.0 * (k - 11))) > 0.5) return Outcome::rejected(Rejection::off_grid, "off the 5 MHz grid");
        if (b.bandwidth_mhz < 1.1 || b.bandwidth_mhz > 3.8) return Outcome::rejected(Rejection::wrong_width, "not 2 MHz wide");
        if (b.duration_s() < 100e-6 || b.duration_s() > 4.6e-3) return Outcome::rejected(Rejection::wrong_duration, "duration");
        if (b.above_floor_db < kMinAboveFloorDb) return Outcome::rejected(Rejection::too_weak, "too weak to judge");
        if (!b.has_time_domain) return Outcome::rejected(Rejection::no_time_domain_look, "no time-domain look");
        if (b.deviation_khz < 380.0 || b.deviation_khz > 800.0) return Outcome::rejected(Rejection::wrong_deviation, "deviation not ±500 kHz");
        if (b.preamble_periodicity < 0.5) return Outcome::rejected(Rejection::no_preamble, "no 802.15.4 preamble");
        auto& c = channels_[k];
        c.packets.push_back({b.start_s, b.end_s, b.power_dbfs, b.above_floor_db, burst_decode(b, decode::Protocol::ieee802154)});
        return Outcome::accepted();
    }

    // Frames of the same width on the same channel whose preamble or deviation did not show through
    // the noise.
    [[nodiscard]] bool owns_piece(const report::Emitter& e, const report::Emitter& piece) const override {
        if (e.emitter_class != EmitterClass::zigbee) return false;
        const bool inside = piece.low_mhz >= e.low_mhz - 1.0 && piece.high_mhz <= e.high_mhz + 1.0;
        const double width = report::get(piece, report::fields::bandwidth_mhz).value_or(0.0);
        return inside && std::abs(piece.center_mhz - e.center_mhz) <= 0.5 && width > 0.0 && width <= 3.0;
    }

    void finish(const Observation& observation, Findings& findings) override {
        auto& out = findings.emitters;
        for (const auto& [k, c] : channels_) {
            const double centre = 2405.0 + 5.0 * (k - 11);
            std::vector<BurstSpan> spans;
            std::vector<BurstDecode> decodes;
            for (const auto& p : c.packets) {
                spans.push_back({p.start, p.end, centre - 1.0, centre + 1.0, p.level, p.above});
                decodes.push_back(p.decode);
            }
            report::Emitter e = util::emitter_from_bursts(EmitterClass::zigbee, spans, observation, 1.0);
            e.confidence = std::min(0.99, 0.7 + 0.1 * static_cast<double>(c.packets.size()));
            e.evidence = {report::EvidenceBasis::behaviour, "2 MHz wide on the 802.15.4 channel grid, with its preamble's 16 µs period"};
            e.evidence.decode = util::decode_counts(decodes);
            std::string names;
            if (e.evidence.decode->checksum_ok > 0) {
                e.evidence.basis = report::EvidenceBasis::decoded;
                e.evidence.detail = util::format("%s decoded with a valid FCS (CRC-16)", count_text(e.evidence.decode->checksum_ok, "frame").c_str());
                e.confidence = 0.99;
                auto pans = util::identities(decodes, "PAN", true);
                auto nodes = util::identities(decodes, "node");
                if (!pans.empty()) names += ", " + count_text(pans.size(), "PAN");
                if (!nodes.empty()) names += ", " + count_text(nodes.size(), "node");
                e.identities = std::move(pans);
                e.identities.insert(e.identities.end(), nodes.begin(), nodes.end());
            }
            e.fields = {{"channel", k}};
            e.summary = util::format("802.15.4 on channel %d: %s%s, %.1f %% airtime", k, count_text(c.packets.size(), "frame").c_str(),
                                     names.c_str(), 100.0 * e.duty_cycle);
            out.push_back(std::move(e));
        }
    }

private:
    struct Packet {
        double start, end, level, above;
        BurstDecode decode;
    };
    struct Channel {
        std::vector<Packet> packets;
    };
    std::map<int, Channel> channels_;
};

}  // namespace

const DetectorDescriptor kZigbeeDetector{EmitterClass::zigbee, "IEEE 802.15.4 / Zigbee", {EmitterClass::zigbee}, {decode::Protocol::ieee802154},
                                         [](const DetectorSetup&) { return std::unique_ptr<Detector>(std::make_unique<ZigbeeDetector>()); }};

}  // namespace coex::classify
