// Bluetooth Classic (BR): GFSK with h ≈ 0.32 (±160 kHz), 1 MHz channels at 2402 + k MHz, packets of
// 1, 3 or 5 slots (≤ 366 µs, ≤ 1622 µs, ≤ 2870 µs) starting on the 625 µs slot grid, hopping.
// All accepted hops form one device: its channels, per-channel occupancy and the AFH map they imply.
// Bluetooth's modulation is not proof of Bluetooth: nRF24-style links (mice, keyboards, game pads, toy
// remotes) send the same 1 Mb/s GFSK on one channel. A channel carrying more packets per second than
// any hopper can put there is such a link, and its packets are reported as one (proprietary_gfsk).
#include "detectors.hpp"

#include "coex/core/text.hpp"

#include "coex/core/bands.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>
#include <set>

namespace coex::classify {
namespace {

constexpr std::size_t kSteadyPackets = 100;  // packets behind an airtime extrapolation that holds to ~10 %
constexpr double kMostPiconetAirtime = 2.0 * 2870e-6 / (10.0 * 625e-6);  // DH5 both ways: 0.918

constexpr double kSlotSeconds = 625e-6;

// A piconet hops 1600 times a second over at least 20 channels (AFH's minimum, Core spec Vol 2 Part B
// 2.3.1; 79 without AFH), one packet per hop at most: ≤ 80 packets/s on any one channel. Five piconets
// landing on the same channel at that rate give 400/s; more on one channel is a fixed-frequency link.
constexpr double kMaxHopperPacketsPerChannelS = 400.0;
// …judged from enough packets that a short look cannot fake the rate (8 on one channel where a
// hopper at 80/s would be expected to leave 1–2 in a 20 ms dwell: Poisson P(≥ 8) < 10⁻⁴).
constexpr std::size_t kMinFixedLinkPackets = 8;
// A view of this many Bluetooth channels or more sees a hopper spread out; 5 packets that stay on one
// or two of them are a fixed link.
constexpr std::size_t kWideViewChannels = 10;
constexpr std::size_t kMinStayingPackets = 5;
// One piconet puts ≤ 80 packets/s on a channel; a channel with more, and 4× the rate of the typical
// channel in use, carries a fixed link beside the hopper.
constexpr double kMaxOneHopperPerChannelS = 80.0;
constexpr double kBusierThanHopsRatio = 4.0;
constexpr double kSteadyGapShare = 0.6;   // of its gaps one interval (±20 %)…
constexpr double kSteadySpanShare = 0.5;  // …over half the time the channel was watched, or more

class BluetoothClassicDetector final : public Detector, public JudgesBursts, public ClaimsPieces {
public:
    Outcome judge(const BurstFeatures& b) override {
        // A checksum that held settles the class: an ESB packet is a proprietary link wherever it sits
        // (nRF24 channels run 2400–2525 MHz); a BR access code is Bluetooth on its 1 MHz grid.
        if (b.proven(decode::Protocol::esb)) {
            hops_.push_back({static_cast<int>(std::lround(b.center_mhz - bt_classic_first_mhz)), b.start_s, b.end_s, b.power_dbfs,
                             b.above_floor_db, b.deviation_khz, burst_decode(b, decode::Protocol::esb), true});
            return Outcome::accepted();
        }
        if (b.proven(decode::Protocol::bt_br)) {
            const int k = static_cast<int>(std::lround(b.center_mhz - bt_classic_first_mhz));
            if (k < 0 || k >= bt_classic_channels) return Outcome::rejected(Rejection::outside_band, "outside 2402–2480 MHz");
            hops_.push_back({k, b.start_s, b.end_s, b.power_dbfs, b.above_floor_db, b.deviation_khz, burst_decode(b, decode::Protocol::bt_br), false});
            return Outcome::accepted();
        }
        if (b.bandwidth_mhz > 1.6) return Outcome::rejected(Rejection::wrong_width, "wider than 1 MHz");
        if (b.duration_s() < 50e-6 || b.duration_s() > 3.2e-3) return Outcome::rejected(Rejection::wrong_duration, "duration");
        const int k = static_cast<int>(std::lround(b.center_mhz - bt_classic_first_mhz));
        if (k < 0 || k >= bt_classic_channels) return Outcome::rejected(Rejection::outside_band, "outside 2402–2480 MHz");
        if (std::abs(b.center_mhz - (bt_classic_first_mhz + k)) > 0.35) return Outcome::rejected(Rejection::off_grid, "off the 1 MHz grid");
        if (b.above_floor_db < kMinAboveFloorDb) return Outcome::rejected(Rejection::too_weak, "too weak to judge");
        if (b.drift_mhz > kMaxRadioDriftMhz) return Outcome::rejected(Rejection::carrier_drifts, "carrier wanders");
        if (!b.has_time_domain) return Outcome::rejected(Rejection::no_time_domain_look, "no time-domain look");
        // h = 0.32 → 160 kHz; BLE's h = 0.5 → 250 kHz. The boundary sits between them.
        if (b.deviation_khz < 100.0 || b.deviation_khz > 205.0) return Outcome::rejected(Rejection::wrong_deviation, "deviation not ±160 kHz");
        // an ESB packet whose CRC-8 alone held (too weak to prove it) still names its address
        const bool esb_framed = b.framed(decode::Protocol::esb) != nullptr && !b.framed(decode::Protocol::bt_br);
        hops_.push_back({k, b.start_s, b.end_s, b.power_dbfs, b.above_floor_db, b.deviation_khz,
                         burst_decode(b, esb_framed ? decode::Protocol::esb : decode::Protocol::bt_br), esb_framed});
        return Outcome::accepted();
    }

    // 1 MHz bursts on its 1 MHz grid that last one of its packet lengths (1, 3 or 5 slots) when the
    // deviation could not be read (under a raised floor, say). (A hopper seen on five channels or more
    // uses all 79: its band is the whole of 2402–2480 MHz.)
    [[nodiscard]] bool owns_piece(const report::Emitter& e, const report::Emitter& piece) const override {
        if (e.emitter_class != EmitterClass::bluetooth_classic) return false;
        const double width = report::get(piece, report::fields::bandwidth_mhz).value_or(0.0);
        const double burst_us = report::get(piece, report::fields::median_burst_us).value_or(0.0);
        const bool in_bt_band = piece.low_mhz >= bt_classic_first_mhz - 1.0 && piece.high_mhz <= bt_classic_first_mhz + bt_classic_channels;
        if (!in_bt_band || width <= 0.0 || width > 1.3 || burst_us <= 0.0) return false;
        // (a packet fills at most 366, 1622 or 2870 µs of its 1, 3 or 5 slots; the frames round it up)
        for (const double slot_us : {366.0, 1622.0, 2870.0})
            if (std::abs(burst_us - slot_us) <= 60.0) return true;
        return false;
    }

    // A packet is enough when its access code names a piconet: a sync word within 2 bit errors of
    // its LAP's BCH codeword comes from noise or another PHY with odds of about 2e-6 per burst
    // (src/decode/bluetooth_br.cpp). A weak piconet in a short or swept capture, or a hopper seen
    // through a narrow view, may leave only one or two packets over the floor.
    [[nodiscard]] bool a_packet_names_its_piconet() const {
        return std::any_of(hops_.begin(), hops_.end(), [](const Hop& h) { return !h.esb && h.decode.checksum_ok && !h.decode.network.empty(); });
    }

    void finish(const Observation& observation, Findings& findings) override {
        auto& out = findings.emitters;
        report_fixed_links(observation, out);
        // Too little to call a hopping device — unless the receiver saw only a channel or two of the
        // 79 (a narrow tuning), where a hopper shows up only now and then, or a packet names its piconet.
        std::size_t channels_observed = 0;
        for (int k = 0; k < bt_classic_channels; ++k) channels_observed += observation.seconds_at(bt_classic_first_mhz + k) > 0.0;
        if (hops_.size() < (channels_observed <= 3 ? 2u : 3u) && !a_packet_names_its_piconet()) return;
        {
            // Classic rests on hopping or an access code: a few packets on one or two channels of a wide
            // view, none decoded, show neither (too few to call a fixed link either)
            std::set<int> channels;
            bool br = false;
            for (const auto& h : hops_) {
                channels.insert(h.channel);
                br = br || (!h.esb && h.decode.checksum_ok);
            }
            if (!br && channels.size() <= 2 && channels_observed >= kWideViewChannels) {
                report_unsettled(observation, out);
                return;
            }
        }
        std::map<int, int> count;
        std::map<int, double> on_time;
        std::vector<double> levels, above, deviations, phases;
        double first = hops_.front().start, last = hops_.front().end;
        std::map<int, int> slots;
        for (const auto& h : hops_) {
            ++count[h.channel];
            on_time[h.channel] += h.end - h.start;
            levels.push_back(h.level);
            above.push_back(h.above);
            deviations.push_back(h.deviation);
            first = std::min(first, h.start);
            last = std::max(last, h.end);
            const double d = h.end - h.start;
            ++slots[d <= 1.2 * kSlotSeconds ? 1 : d <= 3.2 * kSlotSeconds ? 3 : 5];
            phases.push_back(std::fmod(h.start, kSlotSeconds));
        }
        // Channels the capture saw, and for how long.
        std::vector<int> observed;
        double observed_seconds = 0.0;
        for (int k = 0; k < bt_classic_channels; ++k) {
            const double s = observation.seconds_at(bt_classic_first_mhz + k);
            if (s <= 0.0) continue;
            observed.push_back(k);
            observed_seconds += s;
        }
        if (observed.empty()) return;
        const double mean_seconds = observed_seconds / static_cast<double>(observed.size());
        // Packets per second per observed channel, and the channels a packet would be expected on.
        const double packets = static_cast<double>(hops_.size());
        double used_seconds = 0.0;
        for (int k : observed)
            if (count.count(k)) used_seconds += observation.seconds_at(bt_classic_first_mhz + k);
        // Only a device seen on several channels shows its hopping; a map from fewer would be a guess.
        const bool hopping_seen = count.size() >= 5;
        // AFH: an observed channel with no packet where Poisson would expect ≥ 5 (P = 0.7 %) at the
        // rate seen on the channels in use is being avoided.
        const double rate_on_used = packets / used_seconds;
        std::vector<int> avoided, used;
        double kept_seconds = 0.0;
        for (int k : observed) {
            const double seconds = observation.seconds_at(bt_classic_first_mhz + k);
            if (count.count(k)) used.push_back(k);
            if (!count.count(k) && hopping_seen && rate_on_used * seconds >= 5.0) avoided.push_back(k);
            else kept_seconds += seconds;
        }
        // Packets per second on one channel the device may use, and over all channels it uses.
        const double per_channel_rate = packets / kept_seconds;
        const double channels_in_use =
            std::clamp(bt_classic_channels * (1.0 - static_cast<double>(avoided.size()) / static_cast<double>(observed.size())), 20.0, 79.0);
        const double packet_rate = per_channel_rate * channels_in_use;
        double airtime = 0.0;
        for (const auto& [k, t] : on_time) airtime += t / observation.seconds_at(bt_classic_first_mhz + k);
        // The device's airtime: mean occupancy of the observed channels it uses, times the channels it uses.
        const double observed_in_use = static_cast<double>(std::max<std::size_t>(1, observed.size() - avoided.size()));
        const double duty = airtime / observed_in_use * channels_in_use;

        // Slot grid: start times modulo 625 µs cluster when packets follow the piconet clock.
        double sx = 0.0, sy = 0.0;
        for (double p : phases) {
            sx += std::cos(2.0 * std::numbers::pi * p / kSlotSeconds);
            sy += std::sin(2.0 * std::numbers::pi * p / kSlotSeconds);
        }
        const double slot_alignment = std::hypot(sx, sy) / static_cast<double>(phases.size());

        report::Emitter e;
        e.emitter_class = EmitterClass::bluetooth_classic;
        std::vector<int> seen_mhz;
        for (const auto& [k, n] : count) seen_mhz.push_back(static_cast<int>(bt_classic_first_mhz) + k);
        e.low_mhz = seen_mhz.front() - 0.5;
        e.high_mhz = seen_mhz.back() + 0.5;
        e.center_mhz = 0.5 * (e.low_mhz + e.high_mhz);
        e.level_dbfs = util::mean_dbfs(levels);
        e.above_floor_db = util::median(above);
        e.duty_cycle = std::clamp(duty, 0.0, 1.0);
        e.bursts = hops_.size();
        e.first_s = first;
        e.last_s = last;
        e.confidence = std::min(0.99, 0.5 + 0.05 * static_cast<double>(hops_.size())) * (count.size() >= 3 ? 1.0 : 0.7);
        e.evidence = hopping_seen
                         ? report::Evidence{report::EvidenceBasis::behaviour,
                                            util::format("hopping: 1 MHz GFSK at ±160 kHz on %zu channels of its grid, none busier than "
                                                         "a hopper makes one; slot alignment %.2f",
                                                         count.size(), slot_alignment)}
                         : report::Evidence{report::EvidenceBasis::shape,
                                            util::format("1 MHz GFSK at ±160 kHz on the 1 MHz grid, on %s: too few to show hopping",
                                                         count_text(count.size(), "channel").c_str())};

        std::vector<BurstDecode> decodes;
        for (const auto& h : hops_) decodes.push_back(h.esb ? tried_only(h.decode) : h.decode);
        e.evidence.decode = util::decode_counts(decodes);
        e.identities = util::identities(decodes, "piconet", true);
        if (e.evidence.decode->checksum_ok > 0) {
            e.evidence.basis = report::EvidenceBasis::decoded;
            e.evidence.detail = util::format("%s with a valid BR access code (sync word within its BCH code's tolerance)%s",
                                             count_text(e.evidence.decode->checksum_ok, "packet").c_str(),
                                             hopping_seen ? util::format("; hopping on %zu channels", count.size()).c_str() : "");
            e.confidence = 0.99;
        }
        report::Value::Array channels, occupancy, avoided_list;
        for (const auto& [k, n] : count) {
            channels.emplace_back(k);
            occupancy.emplace_back(report::Value::Object{
                {"channel", k}, {"packets", n}, {"occupancy", on_time[k] / observation.seconds_at(bt_classic_first_mhz + k)}});
        }
        for (int k : avoided) avoided_list.emplace_back(k);
        std::vector<int> avoided_mhz;
        for (int k : avoided) avoided_mhz.push_back(static_cast<int>(bt_classic_first_mhz) + k);
        const std::string afh_note =
            !hopping_seen ? util::format("seen on %zu channel%s only: too few to infer hopping or an AFH map", count.size(),
                                         count.size() == 1 ? "" : "s")
            : avoided.empty()
                ? util::format("no channel avoided among the %zu observed (%.0f packets, %.2f s per channel)", observed.size(),
                               packets, mean_seconds)
                : util::format("%zu of %zu observed channels carried no packet where ≥ 5 were expected (%.0f packets, %.2f s per channel)",
                               avoided.size(), observed.size(), packets, mean_seconds);
        e.fields = {
            {"hop_rate_hz", hopping_seen ? report::Value(packet_rate) : report::Value()},
            {"packets", hops_.size()},
            {"channels_observed", observed.size()},
            {"channels_seen", channels},
            {"channel_occupancy", occupancy},
            {"afh_avoided_channels", avoided_list},
            {"afh_note", afh_note},
            {"slot_alignment", slot_alignment},
            {"slots", report::Value::Object{{"1", slots[1]}, {"3", slots[3]}, {"5", slots[5]}}},
            {"deviation_khz", util::median(deviations)},
        };
        e.summary = hopping_seen ? util::format("one Classic device hopping: %zu packets on %zu channels, ~%.0f packets/s%s",
                                                hops_.size(), count.size(), packet_rate,
                                                avoided.empty() ? "" : (", AFH avoids " + util::mhz_ranges(avoided_mhz)).c_str())
                                 : util::format("Classic packets on %s (%s)", count_text(count.size(), "channel").c_str(),
                                                count_text(hops_.size(), "packet").c_str());
        // Airtime and packet rate are extrapolated from the channels seen to all the device uses: from
        // a few dozen packets through a fraction of the band, one lucky run of hops can double them.
        if (!e.identities.empty()) e.summary += "; " + count_text(e.identities.size(), "piconet") + " by LAP";
        // No piconet's slots hold more than DH5 packets both ways (2 x 2.87 ms in 10 slots): an estimate
        // over that is the extrapolation's luck, not the air.
        const double most_airtime = std::min(1.0, kMostPiconetAirtime * static_cast<double>(std::max<std::size_t>(1, e.identities.size())));
        e.duty_cycle = std::min(e.duty_cycle, most_airtime);
        if (hops_.size() < kSteadyPackets && observed.size() < bt_classic_channels) {
            const std::string seen = count_text(hops_.size(), "packet");
            e.fields.emplace_back("estimate_note", util::format("rough: %s seen through %zu of %d channels", seen.c_str(), observed.size(),
                                                                bt_classic_channels));
            // The packet count is a Poisson draw: its 99 % interval (Wilson-Hilferty) scales the estimate (missed
            // packets and partly seen channels add to the draw, so the wider one).
            const double n = static_cast<double>(hops_.size());
            auto cube = [](double v) { return v * v * v; };
            const double low_count = n * cube(std::max(0.0, 1.0 - 1.0 / (9.0 * n) - 2.576 / (3.0 * std::sqrt(n))));
            const double high_count = (n + 1.0) * cube(1.0 - 1.0 / (9.0 * (n + 1.0)) + 2.576 / (3.0 * std::sqrt(n + 1.0)));
            const double low = std::min(std::clamp(duty, 0.0, 1.0) * low_count / n, most_airtime);
            const double high = std::min(std::clamp(duty, 0.0, 1.0) * high_count / n, most_airtime);
            e.fields.emplace_back("duty_cycle_range", report::Value::Array{low, high});
            e.summary += util::format(" (airtime %.0f–%.0f %%, rate rough: %s seen through %zu of %d channels)", 100.0 * low, 100.0 * high,
                                      seen.c_str(), observed.size(), bt_classic_channels);
        }
        out.push_back(std::move(e));
    }

private:
    struct Hop {
        int channel;
        double start, end, level, above, deviation;
        BurstDecode decode;  // of BR, or of ESB when esb
        bool esb = false;
    };

    // Takes the packets of every channel busier than a hopper can make it out of hops_ and reports
    // each such channel as a fixed-frequency link.
    void report_fixed_links(const Observation& observation, std::vector<report::Emitter>& out) {
        std::map<int, std::size_t> count;
        for (const auto& h : hops_) ++count[h.channel];
        std::vector<int> fixed;
        std::map<int, std::size_t> esb_proven, br_proven;
        for (const auto& h : hops_) {
            if (h.esb && h.decode.checksum_ok) ++esb_proven[h.channel];
            if (!h.esb && h.decode.checksum_ok) ++br_proven[h.channel];
        }
        // Where the receiver watched many channels, a hopper spreads its packets over them: packets
        // that stay on one or two channels are a fixed-frequency link (a hopper over ≥ 20 channels
        // puts 5 packets on 2 of them with probability < 0.3 %), and so is one channel far busier than
        // the others a hopper uses (a toy remote beside a Bluetooth speaker).
        std::size_t channels_observed = 0;
        for (int k = 0; k < bt_classic_channels; ++k) channels_observed += observation.seconds_at(bt_classic_first_mhz + k) > 0.0;
        const bool wide_view = channels_observed >= kWideViewChannels;
        std::vector<double> rates;
        for (const auto& [k, n] : count)
            if (const double seconds = observation.seconds_at(bt_classic_first_mhz + k); seconds > 0.0) rates.push_back(static_cast<double>(n) / seconds);
        const double typical_rate = rates.empty() ? 0.0 : util::median(rates);
        for (const auto& [k, n] : count) {
            const double seconds = observation.seconds_at(bt_classic_first_mhz + k);
            const double rate = seconds > 0.0 ? static_cast<double>(n) / seconds : 0.0;
            const bool too_busy_for_a_hopper =
                n >= kMinFixedLinkPackets && seconds > 0.0 && rate > kMaxHopperPacketsPerChannelS;
            const bool stays_put = wide_view && br_proven.empty() && count.size() <= 2 && n >= kMinStayingPackets;
            const bool busiest_by_far = wide_view && count.size() >= 3 && n >= kMinFixedLinkPackets && rate > kMaxOneHopperPerChannelS &&
                                        rate > kBusierThanHopsRatio * typical_rate && sends_steadily(k, seconds);
            // decoded packets outweigh the rate: ESB's say link, BR access codes say hopper — though a
            // hopper passing through now and then does not make a steady link beside it one
            const bool hopper_passes = br_proven.count(k) && kBusierThanHopsRatio * static_cast<double>(br_proven[k]) < static_cast<double>(n);
            if (esb_proven.count(k) || (too_busy_for_a_hopper && !br_proven.count(k)) ||
                ((stays_put || busiest_by_far) && (!br_proven.count(k) || (busiest_by_far && hopper_passes))))
                fixed.push_back(k);
            if (!esb_proven.count(k) && !too_busy_for_a_hopper && (stays_put || busiest_by_far) && (!br_proven.count(k) || hopper_passes))
                stayed_.push_back(k);
        }
        for (int k : fixed) {
            std::vector<BurstSpan> spans;
            std::vector<double> deviations;
            std::vector<BurstDecode> decodes;
            for (const auto& h : hops_)
                if (h.channel == k && !is_br_proven(h)) {
                    const double mhz = bt_classic_first_mhz + k;
                    spans.push_back({h.start, h.end, mhz - 0.5, mhz + 0.5, h.level, h.above});
                    deviations.push_back(h.deviation);
                    decodes.push_back(h.esb ? h.decode : tried_only(h.decode));
                }
            report::Emitter e = util::emitter_from_bursts(EmitterClass::proprietary_gfsk, spans, observation, 0.5);
            const double seconds = observation.seconds_at(bt_classic_first_mhz + k);
            const double rate = seconds > 0.0 ? static_cast<double>(spans.size()) / seconds : 0.0;
            // Behaviour, not a decoded packet: the rate rules Bluetooth out; what the link is, its
            // modulation only suggests.
            e.confidence = std::min(0.8, 0.5 + 0.01 * static_cast<double>(spans.size()));
            const bool stayed = std::find(stayed_.begin(), stayed_.end(), k) != stayed_.end();
            e.evidence = {report::EvidenceBasis::behaviour,
                          stayed ? util::format("1 MHz GFSK like Bluetooth's, but its packets stayed on this channel while the receiver "
                                                "watched %zu; a Bluetooth hopper spreads over 20 or more",
                                                channels_observed)
                                 : std::string("1 MHz GFSK like Bluetooth's, but more packets per second on one channel than a "
                                               "Bluetooth hopper can put there")};
            e.evidence.decode = util::decode_counts(decodes);
            e.identities = util::identities(decodes, "address");
            if (esb_proven.count(k)) {
                e.evidence.basis = report::EvidenceBasis::decoded;
                e.evidence.detail = util::format("%s decoded as Enhanced ShockBurst (nRF24-style) with a valid CRC",
                                                 count_text(esb_proven[k], "packet").c_str());
                e.confidence = 0.99;
            }
            e.fields = {{"channel_mhz", bt_classic_first_mhz + k}, {"packets_per_s", rate}, {"deviation_khz", util::median(deviations)}};
            if (esb_proven.count(k))
                e.summary = util::format("Enhanced ShockBurst link at %.0f MHz (%s): %.0f packets/s, %.1f %% airtime — a wireless "
                                         "mouse, keyboard, game pad or remote",
                                         bt_classic_first_mhz + k, count_text(e.identities.size(), "address").c_str(), rate,
                                         100.0 * e.duty_cycle);
            else
                e.summary = util::format("fixed-frequency GFSK link at %.0f MHz: %.0f packets/s on one channel, %.1f %% airtime — "
                                         "Bluetooth's modulation without its hopping (a hopper puts ≤ 80/s on a channel): a wireless "
                                         "mouse, keyboard, game pad or remote",
                                         bt_classic_first_mhz + k, rate, 100.0 * e.duty_cycle);
            out.push_back(std::move(e));
        }
        if (fixed.empty()) return;
        // (a BR packet proven on such a channel stays the hopper's)
        std::erase_if(hops_, [&](const Hop& h) { return !is_br_proven(h) && std::find(fixed.begin(), fixed.end(), h.channel) != fixed.end(); });
    }

    static bool is_br_proven(const Hop& h) { return !h.esb && h.decode.checksum_ok; }

    // A fixed link sends on a clock (a remote every few ms), all the time the channel is watched: most
    // gaps between its packets on the channel are one interval, and they span most of the watching. A
    // hopper's visits come at random; the pieces of one packet split under a raised floor come in a
    // cluster a few ms long.
    [[nodiscard]] bool sends_steadily(int channel, double observed_s) const {
        std::vector<double> starts;
        for (const auto& h : hops_)
            if (h.channel == channel) starts.push_back(h.start);
        std::sort(starts.begin(), starts.end());
        std::vector<double> gaps;
        for (std::size_t i = 1; i < starts.size(); ++i) gaps.push_back(starts[i] - starts[i - 1]);
        if (gaps.size() < kMinFixedLinkPackets - 1 || starts.back() - starts.front() < kSteadySpanShare * observed_s) return false;
        const double typical = util::median(gaps);
        const auto steady = std::count_if(gaps.begin(), gaps.end(), [&](double g) { return std::abs(g - typical) <= 0.2 * typical; });
        return static_cast<double>(steady) >= kSteadyGapShare * static_cast<double>(gaps.size());
    }

    // Packets with Bluetooth's modulation too few to show hopping or a fixed link: reported as what
    // they are, not as a class.
    void report_unsettled(const Observation& observation, std::vector<report::Emitter>& out) const {
        std::vector<BurstSpan> spans;
        std::vector<int> mhz;
        for (const auto& h : hops_) {
            const double f = bt_classic_first_mhz + h.channel;
            spans.push_back({h.start, h.end, f - 0.5, f + 0.5, h.level, h.above});
            mhz.push_back(static_cast<int>(f));
        }
        std::sort(mhz.begin(), mhz.end());
        mhz.erase(std::unique(mhz.begin(), mhz.end()), mhz.end());
        report::Emitter e = util::emitter_from_bursts(EmitterClass::unknown, spans, observation, 0.5);
        e.confidence = 0.5;
        e.evidence = {report::EvidenceBasis::shape, "1 MHz GFSK like Bluetooth's, on too few channels to show hopping and too few packets "
                                                    "to show a fixed link; none decoded"};
        e.fields = {{"bandwidth_mhz", 1.0}, {"frequencies", mhz.size()}, {"why_unknown", "Bluetooth's modulation without its hopping or an access code"}};
        e.summary = util::format("%zu GFSK packets at %s: Bluetooth's modulation, but neither hopping nor decoded — fits no known class",
                                 hops_.size(), util::mhz_ranges(mhz).c_str());
        out.push_back(std::move(e));
    }

    std::vector<Hop> hops_;
    std::vector<int> stayed_;  // fixed links told by their staying put (or by being far the busiest channel)
};

}  // namespace

const DetectorDescriptor kBluetoothClassicDetector{
    EmitterClass::bluetooth_classic, "Bluetooth Classic (BR) hopping, and fixed-frequency links with its modulation",
    {EmitterClass::bluetooth_classic, EmitterClass::proprietary_gfsk, EmitterClass::unknown}, {decode::Protocol::bt_br, decode::Protocol::esb},
    [](const DetectorSetup&) { return std::unique_ptr<Detector>(std::make_unique<BluetoothClassicDetector>()); }};

}  // namespace coex::classify
