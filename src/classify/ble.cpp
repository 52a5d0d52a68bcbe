// Bluetooth Low Energy: GFSK with h = 0.5 (±250 kHz on the 1M PHY, ±500 kHz on 2M), 2 MHz channels
// at 2402 + 2k MHz; advertising on 37/38/39 (2402/2426/2480 MHz) in events every advInterval, data
// on the other 37 channels in a connection. Deviation is the primary evidence (a raw BLE-PHY radio
// on an odd frequency is still BLE-class GFSK); the channel plan says what the traffic is.
#include "detectors.hpp"

#include "coex/core/text.hpp"

#include "coex/core/bands.hpp"

#include <cmath>
#include <map>
#include <set>

namespace coex::classify {
namespace {

int advertising_channel(double mhz) {
    for (int i = 0; i < 3; ++i)
        if (std::abs(mhz - ble_adv_channel_mhz[i]) <= 0.4) return 37 + i;
    return 0;
}

class BleDetector final : public Detector, public JudgesBursts {
public:
    Outcome judge(const BurstFeatures& b) override {
        if (const auto* p = b.proven(decode::Protocol::ble)) {  // its CRC held: nothing of its shape needs checking
            const int adv = p->access_address == kAdvertisingAccessAddress ? advertising_channel(b.center_mhz) : 0;
            packets_.push_back({b.center_mhz, b.start_s, b.end_s, b.power_dbfs, b.above_floor_db, b.bandwidth_mhz, b.deviation_khz, adv,
                                p->rate_mbps > 1.5, shows_le1m_clock(b), burst_decode(b, decode::Protocol::ble)});
            return Outcome::accepted();
        }
        if (b.bandwidth_mhz > 2.6) return Outcome::rejected(Rejection::wrong_width, "wider than 2 MHz");
        if (b.duration_s() < 60e-6 || b.duration_s() > 2.3e-3) {
            hold_if_faint(b);  // (a faint packet is often tracked in fragments)
            return Outcome::rejected(Rejection::wrong_duration, "duration");
        }
        if (b.center_mhz < 2399.5 || b.center_mhz > 2482.5) return Outcome::rejected(Rejection::outside_band, "outside the band");
        if (b.above_floor_db < kMinAboveFloorDb) {
            hold_if_faint(b);
            return Outcome::rejected(Rejection::too_weak, "too weak to judge");
        }
        if (b.drift_mhz > kMaxRadioDriftMhz) return Outcome::rejected(Rejection::carrier_drifts, "carrier wanders");
        if (!b.has_time_domain) return Outcome::rejected(Rejection::no_time_domain_look, "no time-domain look");
        const bool le1m = b.deviation_khz >= 205.0 && b.deviation_khz <= 340.0;
        // The 2M PHY shares 802.15.4's ±500 kHz at 2 Msym/s; it is told apart by the channel plan it
        // keeps (2402 + 2k MHz) — a 2 MHz MSK burst on Zigbee's odd-MHz grid is not BLE 2M.
        const double k = (b.center_mhz - 2402.0) / 2.0;
        const bool on_plan = std::abs(k - std::round(k)) * 2.0 <= kGridToleranceMhz;
        const bool le2m = b.deviation_khz >= 380.0 && b.deviation_khz <= 640.0 && on_plan;
        if (!le1m && !le2m) return Outcome::rejected(Rejection::wrong_deviation, "deviation not ±250/500 kHz");
        // DECT-like cordless phones share BLE's modulation index, not its 1 Msym/s clock
        if (b.symbol_rate_hz > 1.1e6) return Outcome::rejected(Rejection::wrong_symbol_clock, "1.152 Msym/s clock");
        packets_.push_back({b.center_mhz, b.start_s, b.end_s, b.power_dbfs, b.above_floor_db, b.bandwidth_mhz, b.deviation_khz,
                            advertising_channel(b.center_mhz), le2m, shows_le1m_clock(b), burst_decode(b, decode::Protocol::ble)});
        return Outcome::accepted();
    }

    void finish(const Observation& observation, Findings& findings) override {
        auto& out = findings.emitters;
        admit_faint(findings);
        // A GFSK hopper whose packets land on three or more frequencies off the 2 MHz BLE channel plan
        // is some other radio (a DECT-like cordless phone hops on 1.728 MHz steps with the same
        // modulation index): report those packets as what they are, an unknown hopper.
        std::vector<Packet> off_plan;
        std::vector<int> off_mhz;
        for (const auto& p : packets_) {
            const double k = (p.center - 2402.0) / 2.0;
            if (std::abs(k - std::round(k)) * 2.0 > kGridToleranceMhz && !p.decode.checksum_ok) {  // a decoded packet is BLE wherever it is
                off_plan.push_back(p);
                off_mhz.push_back(static_cast<int>(std::lround(p.center)));
            }
        }
        std::sort(off_mhz.begin(), off_mhz.end());
        const auto distinct_off = static_cast<std::size_t>(std::unique(off_mhz.begin(), off_mhz.end()) - off_mhz.begin());
        off_mhz.resize(distinct_off);
        if (distinct_off >= 3) {
            report_off_plan(off_plan, off_mhz, observation, out);
            std::erase_if(packets_, [](const Packet& p) {
                const double k = (p.center - 2402.0) / 2.0;
                return std::abs(k - std::round(k)) * 2.0 > kGridToleranceMhz && !p.decode.checksum_ok;
            });
        }
        // Fewer sightings (a weak hopper, a short capture): with no advertising at all, packets on two
        // or more frequencies of which a third or more miss the plan are not a BLE connection either —
        // a connection hops over data channels and never leaves the plan — so the whole group is the hopper.
        if (distinct_off >= 1 && !packets_.empty()) {
            std::vector<int> all_mhz;
            bool advertising = false;
            for (const auto& p : packets_) {
                all_mhz.push_back(static_cast<int>(std::lround(p.center)));
                advertising = advertising || p.adv != 0;
            }
            std::sort(all_mhz.begin(), all_mhz.end());
            all_mhz.erase(std::unique(all_mhz.begin(), all_mhz.end()), all_mhz.end());
            bool decoded = false;
            for (const auto& p : packets_) decoded = decoded || p.decode.checksum_ok;
            if (!advertising && !decoded && all_mhz.size() >= 2 && 3 * off_plan.size() >= packets_.size()) {
                report_off_plan(packets_, all_mhz, observation, out);
                packets_.clear();
            }
        }
        // faint packets off the advertising channels were admitted only as a hopper's (admit_faint)
        std::erase_if(packets_, [](const Packet& p) { return p.faint && p.adv == 0; });
        if (packets_.empty()) return;
        if (stays_off_advertising(observation)) {
            report_few_frequency_link(observation, out);
            packets_.clear();
            return;
        }
        if (!shows_behaviour() && !shows_clock()) {
            findings.counters["ble.packets_without_behaviour"] += packets_.size();
            if (packets_.size() >= 2) report_without_behaviour(observation, out);  // (one stray burst is not an emitter)
            packets_.clear();
            return;
        }
        std::map<int, int> adv;
        std::vector<double> event_starts;
        std::vector<int> data_mhz;
        std::size_t data_packets = 0, le2m = 0;
        double last_adv = -1.0;
        for (const auto& p : packets_) {
            le2m += p.le2m;
            if (p.adv) {
                ++adv[p.adv];
                // an advertising event sends on 37, 38, 39 within a few ms; a new event starts after a pause
                if (last_adv < 0.0 || p.start - last_adv > 0.005) event_starts.push_back(p.start);
                last_adv = p.start;
            } else {
                ++data_packets;
                data_mhz.push_back(static_cast<int>(std::lround(p.center)));
            }
        }
        std::vector<double> intervals;
        for (std::size_t i = 1; i < event_starts.size(); ++i) intervals.push_back(event_starts[i] - event_starts[i - 1]);

        report::Emitter e = util::emitter_from_bursts(EmitterClass::ble, spans(packets_, 1.0), observation, 1.0);
        e.confidence = std::min(0.99, 0.6 + 0.1 * static_cast<double>(packets_.size())) * (adv.empty() && data_packets < 3 ? 0.8 : 1.0);
        e.evidence = !adv.empty()
                         ? report::Evidence{report::EvidenceBasis::behaviour,
                                            util::format("GFSK at ±250/500 kHz on %zu of the 3 advertising channels", adv.size())}
                         : report::Evidence{report::EvidenceBasis::shape,
                                            shows_behaviour() ? "GFSK at ±250/500 kHz hopping over data channels, off the advertising "
                                                                "channels; no packet decoded"
                                                              : "GFSK at ±250 kHz with BLE's 1 Msym/s clock on one frequency, off the "
                                                                "advertising channels; no packet decoded"};
        std::vector<BurstDecode> decodes;
        for (const auto& p : packets_) decodes.push_back(p.decode);
        e.evidence.decode = util::decode_counts(decodes);
        if (const std::size_t faint = faint_count(packets_); faint > 0) {
            e.confidence = std::min(e.confidence, 0.8);  // (a rhythm of faint packets, not one clear one)
            e.evidence.detail += util::format("; %s only %.1f–%.0f dB over the floor, kept by the advertising rhythm",
                                              count_text(faint, "packet").c_str(), kFaintAboveFloorDb, kMinAboveFloorDb);
        }
        auto advertisers = util::identities(decodes, "advertiser");
        std::erase_if(advertisers, [](const report::Identity& id) { return !id.verified; });  // an AdvA counts from a valid CRC only
        // connections: access addresses of data PDUs (checked by a CRC init learnt from the link, or
        // not) and of other packets framed without a valid CRC
        std::vector<BurstDecode> by_access_address;
        for (const auto& d : decodes)
            if (d.framed && (d.link_data || !d.checksum_ok)) by_access_address.push_back(d);
        auto connections = util::identities(by_access_address, "connection", true);
        std::erase_if(connections, [](const report::Identity& id) { return id.packets < 2; });  // one sighting is no connection
        std::size_t random_advertisers = 0;
        for (const auto& a : advertisers) random_advertisers += a.type == "random";
        if (e.evidence.decode->checksum_ok > 0) {
            e.evidence.basis = report::EvidenceBasis::decoded;
            e.evidence.detail = util::format("%s with a valid CRC-24", count_text(e.evidence.decode->checksum_ok, "packet").c_str());
            e.confidence = 0.99;
        }
        e.identities = advertisers;
        e.identities.insert(e.identities.end(), connections.begin(), connections.end());
        report::Value::Array active, observed_adv, data_list;
        for (const auto& [ch, n] : adv) active.emplace_back(ch);
        for (int i = 0; i < 3; ++i)
            if (observation.seconds_at(ble_adv_channel_mhz[i]) > 0.0) observed_adv.emplace_back(37 + i);
        std::sort(data_mhz.begin(), data_mhz.end());
        data_mhz.erase(std::unique(data_mhz.begin(), data_mhz.end()), data_mhz.end());
        for (int m : data_mhz) data_list.emplace_back(m);
        e.fields = {
            {"adv_channels_active", active},
            {"adv_channels_observed", observed_adv},
            {"adv_events", event_starts.size()},
            {"adv_interval_ms", intervals.empty() ? report::Value() : report::Value(1e3 * util::median(intervals))},
            {"connection_packets", data_packets},
            {"data_frequencies_mhz", data_list},
            {"phy", le2m * 2 > packets_.size() ? "2M" : "1M"},
        };
        std::string what;
        if (!adv.empty())
            what = util::format("advertising on %zu of 3 channels%s", adv.size(),
                                intervals.empty() ? "" : util::format(" every ~%.0f ms", 1e3 * util::median(intervals)).c_str());
        if (data_packets > 0)
            what += (what.empty() ? "" : "; ") + count_text(data_packets, "packet") + " off the advertising channels";
        if (!advertisers.empty())
            what += util::format("; %s (%zu random, %zu public)", count_text(advertisers.size(), "advertiser").c_str(), random_advertisers,
                                 advertisers.size() - random_advertisers);
        if (!connections.empty()) what += "; " + count_text(connections.size(), "connection") + " by access address";
        if (const std::size_t at_once = most_sending_at_once(); at_once >= 2) {
            // One radio sends on one frequency at a time: packets on the air together on different
            // channels come from as many transmitters, whatever address they share.
            e.fields.emplace_back("transmitters_at_once", at_once);
            what += util::format("; %zu transmitters (packets on the air together on %zu frequencies)", at_once, at_once);
        }
        e.summary = "BLE " + what;
        out.push_back(std::move(e));
    }

private:
    static constexpr double kGridToleranceMhz = 0.35;
    static constexpr std::size_t kMinStayingPackets = 12;
    static constexpr std::size_t kWideViewDataChannels = 6;  // a 20 MS/s receiver holds 7
    static constexpr std::uint32_t kAdvertisingAccessAddress = 0x8E89BED6u;
    struct Packet {
        double center, start, end, level, above, bandwidth, deviation;
        int adv;
        bool le2m;
        bool le1m_clock;  // the 1 Msym/s symbol clock stood out of its discriminator output
        BurstDecode decode;
        bool faint = false;  // under kMinAboveFloorDb: counted only by a rhythm (admit_faint)
    };

    // Faint packets: 2.5–6 dB over the floor, as a packet in a multipath fade or a phone's weaker
    // handset half reads behind a real receiver. Alone, such a burst's width and deviation are too
    // noisy to name it (it stays rejected as too weak); a group of them counts only when it keeps a
    // transmitter's rhythm that noise and other emitters' pieces do not: advertising events on an
    // advertising channel at one advInterval (plus its 0–10 ms advDelay), or a hopper's frame clock.
    static constexpr double kFaintAboveFloorDb = 2.5;
    static constexpr double kMinFragmentS = 25e-6;    // two frames: a one-frame blip carries no deviation
    static constexpr double kMaxFaintPacketS = 450e-6;  // the longest legacy advertising PDU (376 µs), as tracked (frames run over)
    static constexpr double kMinFaintDeviationKhz = 150.0, kMaxFaintDeviationKhz = 400.0;  // per fragment (noisy)

    void hold_if_faint(const BurstFeatures& b) {
        if (b.above_floor_db < kFaintAboveFloorDb || b.above_floor_db >= kMinAboveFloorDb) return;
        if (b.duration_s() < kMinFragmentS || b.duration_s() > kMaxFaintPacketS) return;
        if (b.center_mhz < 2399.5 || b.center_mhz > 2482.5 || !b.has_time_domain) return;
        if (b.deviation_khz < kMinFaintDeviationKhz || b.deviation_khz > kMaxFaintDeviationKhz) return;
        faint_.push_back({b.center_mhz, b.start_s, b.end_s, b.power_dbfs, b.above_floor_db, b.bandwidth_mhz, b.deviation_khz,
                          advertising_channel(b.center_mhz), false, shows_le1m_clock(b), burst_decode(b, decode::Protocol::ble), true});
    }

    // The fragments of one faint packet (the tracker loses it for a few frames where noise dips it under
    // the floor's +3 dB) as one packet: same frequency, within one packet's length.
    static std::vector<Packet> join_fragments(std::vector<Packet> fragments) {
        std::sort(fragments.begin(), fragments.end(), [](const Packet& a, const Packet& b) { return a.start < b.start; });
        std::vector<Packet> out;
        std::vector<double> weight;  // seconds of fragment in each joined packet
        for (const auto& f : fragments) {
            Packet* into = nullptr;
            for (std::size_t i = out.size(); i-- > 0;) {
                if (f.start - out[i].start > kMaxFaintPacketS) break;
                if (std::abs(f.center - out[i].center) <= 0.6 && f.end - out[i].start <= kMaxFaintPacketS) {
                    into = &out[i];
                    break;
                }
            }
            const double d = f.end - f.start;
            if (!into) {
                out.push_back(f);
                weight.push_back(d);
                continue;
            }
            double& w = weight[static_cast<std::size_t>(into - out.data())];
            into->center = (into->center * w + f.center * d) / (w + d);
            into->deviation = (into->deviation * w + f.deviation * d) / (w + d);
            w += d;
            into->end = std::max(into->end, f.end);
            into->level = std::max(into->level, f.level);
            into->above = std::max(into->above, f.above);
            into->bandwidth = std::max(into->bandwidth, f.bandwidth);
            into->le1m_clock = into->le1m_clock || f.le1m_clock;
            into->adv = advertising_channel(into->center);
        }
        std::erase_if(out, [](const Packet& p) { return p.end - p.start < 60e-6; });  // as short as no BLE packet
        return out;
    }

    static bool median_deviation_is_le1m(const std::vector<Packet>& packets) {
        std::vector<double> d;
        for (const auto& p : packets) d.push_back(p.deviation);
        const double m = util::median(d);
        return m >= 205.0 && m <= 340.0;
    }

    // Advertising events on the advertising channels (a new event after a 5 ms pause), three or more,
    // whose spacings all fit one advInterval A ≥ 20 ms plus the 0–10 ms advDelay drawn per event, or
    // two of them (an event missed in between).
    static bool keeps_advertising_rhythm(const std::vector<Packet>& packets) {
        std::vector<double> starts;
        for (const auto& p : packets)
            if (starts.empty() || p.start - starts.back() > 0.005) starts.push_back(p.start);
        if (starts.size() < 3 || !median_deviation_is_le1m(packets)) return false;
        std::vector<double> gaps;
        for (std::size_t i = 1; i < starts.size(); ++i) gaps.push_back(starts[i] - starts[i - 1]);
        const double shortest = *std::min_element(gaps.begin(), gaps.end());
        constexpr double min_interval = 0.020, max_delay = 0.010, slack = 0.0005;
        if (shortest < min_interval - slack) return false;
        for (double a = std::max(min_interval, shortest - max_delay - slack); a <= shortest + 1e-9; a += 0.00025) {
            const bool fits = std::all_of(gaps.begin(), gaps.end(), [&](double g) {
                for (int n = 1; n <= 2; ++n)
                    if (g >= n * a - slack && g <= n * (a + max_delay) + slack) return true;
                return false;
            });
            if (fits) return true;
        }
        return false;
    }

    // A hopper's frame clock: a run of packets whose starts lie on one grid of a frame period (2–50 ms),
    // each within min(0.2 ms, 4 % of the period) of it (a faint packet's start is found a frame late or
    // early), none more than two periods after the one before (a phone sends every half frame). The
    // grid is fitted from every pair of packets and 1–4 periods between them. Returns the run when it
    // holds four packets or more and three quarters of all: six bursts at random times in 100 ms pass
    // about 1 time in 300 (tabulated), an evenly spaced TDMA hopper every time.
    static std::vector<std::size_t> on_frame_clock(const std::vector<Packet>& packets) {
        constexpr std::size_t max_packets = 48;  // (cubic in the count; a phone in view sends a few per 10 ms)
        constexpr double min_period = 2e-3, max_period = 0.05;
        std::vector<std::size_t> best, fit, run;
        if (packets.size() < 4 || packets.size() > max_packets) return best;
        for (std::size_t i = 0; i < packets.size(); ++i)
            for (std::size_t j = i + 1; j < packets.size(); ++j)
                for (int n = 1; n <= 4; ++n) {
                    const double period = (packets[j].start - packets[i].start) / n;
                    if (period < min_period || period > max_period) continue;
                    const double tolerance = std::min(0.2e-3, 0.04 * period);
                    fit.clear();
                    for (std::size_t k = 0; k < packets.size(); ++k) {
                        const double d = packets[k].start - packets[i].start;
                        if (std::abs(d - std::round(d / period) * period) <= tolerance) fit.push_back(k);
                    }
                    run.clear();
                    for (std::size_t k : fit) {
                        if (!run.empty() && packets[k].start - packets[run.back()].start > 2.0 * period + tolerance) {
                            if (run.size() > best.size()) best = run;
                            run.clear();
                        }
                        run.push_back(k);
                    }
                    if (run.size() > best.size()) best = run;
                }
        if (best.size() < 4 || 4 * best.size() < 3 * packets.size()) best.clear();
        return best;
    }

    static bool on_plan(double mhz) {
        const double k = (mhz - 2402.0) / 2.0;
        return std::abs(k - std::round(k)) * 2.0 <= kGridToleranceMhz;
    }

    // Faint packets join the 6 dB ones only by a rhythm: the advertising channels' when no stronger
    // packet advertised, or — with no advertising and no decode at all — a hopper's frame clock over
    // two or more frequencies, a third or more off the BLE plan (which the off-plan rule in finish()
    // then reports as the hopper it is; a BLE connection is never admitted from faint packets).
    void admit_faint(Findings& findings) {
        if (faint_.empty()) return;
        const std::vector<Packet> faint = join_fragments(std::move(faint_));
        faint_.clear();
        bool advertised = false, decoded = false;
        for (const auto& p : packets_) {
            advertised = advertised || p.adv != 0;
            decoded = decoded || p.decode.checksum_ok;
        }
        std::vector<Packet> adv, other;
        for (const auto& p : faint) (p.adv != 0 ? adv : other).push_back(p);
        std::size_t kept = 0;
        if (!advertised && keeps_advertising_rhythm(adv)) {
            packets_.insert(packets_.end(), adv.begin(), adv.end());
            kept += adv.size();
            advertised = true;
        }
        if (!advertised && !decoded && !other.empty()) {
            // a hopper's packets are of one length: a faint one much shorter than its longest packet is
            // a noise blip or a piece of something else (a tracked packet is found a little short, not this)
            double longest = 0.0;
            for (const auto& p : packets_) longest = std::max(longest, p.end - p.start);
            for (const auto& p : other) longest = std::max(longest, p.end - p.start);
            std::erase_if(other, [&](const Packet& p) { return p.end - p.start < 0.4 * longest; });
            std::vector<Packet> all = packets_;
            all.insert(all.end(), other.begin(), other.end());
            std::sort(all.begin(), all.end(), [](const Packet& a, const Packet& b) { return a.start < b.start; });
            std::vector<Packet> hopper = packets_;  // the 6 dB packets stay whatever the clock says
            for (std::size_t k : on_frame_clock(all))
                if (all[k].faint) hopper.push_back(all[k]);
            std::set<long> mhz;
            std::size_t off = 0;
            for (const auto& p : hopper) {
                mhz.insert(std::lround(p.center));
                off += !on_plan(p.center);
            }
            if (hopper.size() > packets_.size() && mhz.size() >= 2 && 3 * off >= hopper.size() && median_deviation_is_le1m(hopper)) {
                kept += hopper.size() - packets_.size();
                packets_ = std::move(hopper);
            }
        }
        if (kept == 0) return;
        std::sort(packets_.begin(), packets_.end(), [](const Packet& a, const Packet& b) { return a.start < b.start; });
        findings.counters["ble.faint_packets_kept"] += kept;
    }

    static bool shows_le1m_clock(const BurstFeatures& b) { return b.has_time_domain && std::abs(b.symbol_rate_hz - 1.0e6) < 1.0; }

    // BLE's behaviour (issue "Realism", rule 3): advertising on 37/38/39, or a connection hopping over
    // its data channels (both channel selection algorithms move on every connection event); a packet
    // whose CRC-24 holds needs neither.
    [[nodiscard]] bool shows_behaviour() const {
        std::vector<double> centres;
        for (const auto& p : packets_) {
            if (p.adv != 0 || p.decode.checksum_ok) return true;
            centres.push_back(p.center);
        }
        std::sort(centres.begin(), centres.end());
        return centres.back() - centres.front() > 1.0;  // (one channel's packets scatter by a few hundred kHz)
    }

    // Without behaviour, packets on one frequency stand on their shape alone; BLE's is its ±250 kHz
    // deviation AND its 1 Msym/s clock, which a raw BLE-PHY radio shows in most packets even when a
    // collision spoils the CRC. A 2 MHz piece of a Wi-Fi channel's edge or of an oven's flicker can
    // read ±250 kHz off an FM discriminator, but has no clock; a mouse's 2 Mb/s GFSK has another.
    [[nodiscard]] bool shows_clock() const {
        std::size_t clocked = 0;
        for (const auto& p : packets_) clocked += p.le1m_clock;
        return 2 * clocked >= packets_.size() && clocked > 0;
    }

    // Packets BLE's shape alone claimed, with neither its behaviour nor its clock: energy that fits no
    // class, said so (and, as an 'unknown' entry, a piece a stronger emitter around it may claim).
    void report_without_behaviour(const Observation& observation, std::vector<report::Emitter>& out) const {
        std::vector<double> widths, deviations, durations;
        for (const auto& p : packets_) {
            widths.push_back(p.bandwidth);
            deviations.push_back(p.deviation);
            durations.push_back(p.end - p.start);
        }
        report::Emitter e = util::emitter_from_bursts(EmitterClass::unknown, spans(packets_, 1.0), observation, 1.0);
        e.confidence = 0.5;
        e.evidence = {report::EvidenceBasis::shape, "GFSK-like deviation on one frequency: no BLE advertising, hopping, clock or decode"};
        std::vector<BurstDecode> decodes;
        for (const auto& p : packets_) decodes.push_back(tried_only(p.decode));
        e.evidence.decode = util::decode_counts(decodes);
        const int mhz = static_cast<int>(std::lround(e.center_mhz));
        e.fields = {{"bandwidth_mhz", util::median(widths)},
                    {"median_burst_us", 1e6 * util::median(durations)},
                    {"deviation_khz", util::median(deviations)},
                    {"frequencies", std::size_t{1}},
                    {"why_unknown", "BLE's deviation on one frequency, but none of BLE's behaviour (advertising channels, a connection's "
                                    "hopping), no 1 Msym/s clock and no valid CRC"}};
        e.summary = util::format("%zu bursts at %d MHz with BLE-like deviation but no BLE behaviour, clock or decode: fits no known class",
                                 packets_.size(), mhz);
        out.push_back(std::move(e));
    }

    // The most packets overlapping one another in time by at least half the shorter, each on its own
    // frequency (1 MHz apart or more).
    std::size_t most_sending_at_once() const {
        std::vector<const Packet*> by_start;
        for (const auto& p : packets_) by_start.push_back(&p);
        std::sort(by_start.begin(), by_start.end(), [](const Packet* x, const Packet* y) { return x->start < y->start; });
        std::size_t most = 0;
        for (std::size_t i = 0; i < by_start.size(); ++i) {
            std::vector<double> freqs{by_start[i]->center};
            for (std::size_t j = i + 1; j < by_start.size() && by_start[j]->start < by_start[i]->end; ++j) {
                const Packet &a = *by_start[i], &b = *by_start[j];
                const double shared = std::min(a.end, b.end) - std::max(a.start, b.start);
                if (shared < 0.5 * std::min(a.end - a.start, b.end - b.start)) continue;
                if (std::all_of(freqs.begin(), freqs.end(), [&](double f) { return std::abs(f - b.center) >= 1.0; })) freqs.push_back(b.center);
            }
            most = std::max(most, freqs.size());
        }
        return most;
    }

    static std::size_t faint_count(const std::vector<Packet>& packets) {
        return static_cast<std::size_t>(std::count_if(packets.begin(), packets.end(), [](const Packet& p) { return p.faint; }));
    }

    static std::vector<BurstSpan> spans(const std::vector<Packet>& packets, double half_width_mhz) {
        std::vector<BurstSpan> out;
        for (const auto& p : packets)
            out.push_back({p.start, p.end, p.center - half_width_mhz, p.center + half_width_mhz, p.level, p.above});
        return out;
    }

    // A BLE connection hops over its data channels (both channel selection algorithms visit every used
    // one, and a connection that keeps only a few is rare): many undecoded packets, none on an
    // advertising channel, that stay on three frequencies or fewer of a view holding six data
    // channels or more are a proprietary link with BLE's modulation (a 2 Mb/s nRF24-style mouse, ±320 kHz).
    [[nodiscard]] bool stays_off_advertising(const Observation& observation) const {
        std::vector<double> centres;
        for (const auto& p : packets_) {
            if (p.adv != 0 || p.decode.checksum_ok) return false;
            centres.push_back(p.center);
        }
        // frequencies: centres more than 1 MHz apart (one channel's packets scatter by a few hundred kHz)
        std::sort(centres.begin(), centres.end());
        std::size_t frequencies = 1;
        for (std::size_t i = 1; i < centres.size(); ++i) frequencies += centres[i] - centres[i - 1] > 1.0;
        std::size_t data_channels_observed = 0;
        for (int m = 2404; m <= 2478; m += 2)
            if (m != 2426) data_channels_observed += observation.seconds_at(m) > 0.0;
        return packets_.size() >= kMinStayingPackets && frequencies <= 3 && data_channels_observed >= kWideViewDataChannels;
    }

    void report_few_frequency_link(const Observation& observation, std::vector<report::Emitter>& out) const {
        std::set<int> mhz;
        for (const auto& p : packets_) mhz.insert(static_cast<int>(std::lround(p.center)));
        report::Emitter e = util::emitter_from_bursts(EmitterClass::proprietary_gfsk, spans(packets_, 1.0), observation, 1.0);
        e.confidence = std::min(0.8, 0.5 + 0.01 * static_cast<double>(packets_.size()));
        e.evidence = {report::EvidenceBasis::behaviour,
                      util::format("GFSK at BLE's ±250/500 kHz, but %zu packets stayed on %zu frequencies, none on an advertising "
                                   "channel and none decoded; a BLE connection hops over its data channels",
                                   packets_.size(), mhz.size())};
        std::vector<BurstDecode> decodes;
        for (const auto& p : packets_) decodes.push_back(tried_only(p.decode));
        e.evidence.decode = util::decode_counts(decodes);
        e.fields = {{"frequencies", mhz.size()}};
        e.summary = util::format("a GFSK link on %s (%zu packets): BLE's modulation without its channel hopping — a wireless mouse, "
                                 "keyboard or game pad (2 Mb/s)",
                                 util::mhz_ranges(std::vector<int>(mhz.begin(), mhz.end())).c_str(), packets_.size());
        out.push_back(std::move(e));
    }

    static void report_off_plan(const std::vector<Packet>& packets, const std::vector<int>& mhz, const Observation& observation,
                                std::vector<report::Emitter>& out) {
        report::Emitter e = util::emitter_from_bursts(EmitterClass::unknown, spans(packets, 0.6), observation, 0.6);
        e.confidence = 0.6;
        e.evidence = {report::EvidenceBasis::shape, "GFSK hopping off the BLE channel plan"};
        e.fields = {{"why_unknown", "GFSK like BLE, but hopping off the BLE channel plan (a cordless phone or video sender?)"},
                    {"frequencies", mhz.size()}};
        e.summary = util::format("%zu GFSK packets hopping over %s, off the BLE channel plan: fits no known class", packets.size(),
                                 util::mhz_ranges(mhz).c_str());
        if (const std::size_t faint = faint_count(packets); faint > 0) {
            e.fields.emplace_back("faint_packets", faint);
            e.summary += util::format(" (%s under %.0f dB over the floor, kept by its frame clock)", count_text(faint, "packet").c_str(),
                                      kMinAboveFloorDb);
        }
        out.push_back(std::move(e));
    }

    std::vector<Packet> packets_;
    std::vector<Packet> faint_;  // held by hold_if_faint, judged together in admit_faint
};

}  // namespace

const DetectorDescriptor kBleDetector{EmitterClass::ble, "Bluetooth Low Energy", {EmitterClass::ble, EmitterClass::unknown, EmitterClass::proprietary_gfsk}, {decode::Protocol::ble},
                                      [](const DetectorSetup&) { return std::unique_ptr<Detector>(std::make_unique<BleDetector>()); }};

}  // namespace coex::classify
