// The scene timeline: when each emitter transmits, where, how strongly (docs/scenes.md).
#include "timeline.hpp"

#include "coex/sim/esb.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <numbers>

#include "coex/core/bands.hpp"
#include "coex/core/emitter_class.hpp"
#include "coex/core/error.hpp"
#include "coex/sim/bluetooth.hpp"
#include "coex/sim/interferers.hpp"
#include "coex/sim/lookalike.hpp"
#include "coex/sim/scene.hpp"
#include "coex/sim/wifi.hpp"
#include "coex/sim/wifi_mac.hpp"
#include "coex/sim/zigbee.hpp"
#include "coex/core/format.hpp"
#include "dsp.hpp"

namespace coex::sim::detail {

std::uint64_t mix_seed(std::uint64_t a, std::uint64_t b, std::uint64_t c) {
    auto sm = [](std::uint64_t x) {
        x += 0x9E3779B97F4A7C15ull;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
        return x ^ (x >> 31);
    };
    return sm(sm(sm(a) ^ b) ^ c);
}

namespace {

constexpr double us = 1e-6;

// Portable uniform in [0, 1) from 53 random bits.
double uniform(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }
double uniform(std::mt19937_64& rng, double lo, double hi) { return lo + (hi - lo) * uniform(rng); }
double exponential(std::mt19937_64& rng, double mean) { return -mean * std::log(1.0 - uniform(rng)); }
double gauss(std::mt19937_64& rng) {
    const double u = 1.0 - uniform(rng), a = uniform(rng);
    return std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * std::numbers::pi * a);
}

double db_to_lin(double db) { return std::pow(10.0, db / 10.0); }

// The scene-wide bits every builder needs.
struct Builder {
    const TimelineContext& ctx;
    const EmitterSpec& spec;
    std::size_t index;
    std::mt19937_64 rng;  // timeline decisions of this emitter
    double lo, hi;        // transmissions must lie within [lo, hi]
    std::uint64_t counter = 0;

    Builder(const TimelineContext& c, std::size_t i)
        : ctx(c), spec(c.scene->emitters[i]), index(i), rng(mix_seed(c.scene->seed, i + 1, 0x7131E11Eull)) {
        lo = spec.start_s > 0.0 ? spec.start_s : -0.02;  // traffic already in progress at t = 0
        hi = spec.stop_s ? std::min(*spec.stop_s, c.scene->duration_s) : c.scene->duration_s + 0.02;
    }

    // Level of the main device: from snr_db over the floor in `snr_bw`, or level_dbfs.
    double level(double snr_bw_hz) const {
        if (spec.level.level_dbfs) return *spec.level.level_dbfs;
        return *ctx.floor_dbfs_per_mhz + 10.0 * std::log10(snr_bw_hz / 1e6) + *spec.level.snr_db;
    }
    double cfo_hz(double center_hz, double default_ppm) {
        const double draw = uniform(rng, -default_ppm, default_ppm);  // drawn even when given: stable streams
        return (spec.cfo_ppm ? *spec.cfo_ppm : draw) * 1e-6 * center_hz;
    }
    double ramp(double fallback) const { return spec.ramp_s.value_or(fallback); }
    std::uint64_t next_seed() { return mix_seed(ctx.scene->seed, index + 1, ++counter); }
    // Draws for who the emitter is (addresses): a stream of their own, so naming a device moves no
    // transmission of the scene.
    std::mt19937_64 identity_rng() const { return std::mt19937_64(mix_seed(ctx.scene->seed, index + 1, 0x1DE171F1ull)); }

    EmitterTimeline start(double center_hz, double bw_hz, double snr_bw_hz) const {
        EmitterTimeline e;
        e.spec_index = index;
        e.type = spec.type;
        e.label_class = label_class(spec);
        e.name = spec.name;
        e.center_hz = center_hz;
        e.bandwidth_hz = bw_hz;
        e.snr_bandwidth_hz = snr_bw_hz;
        e.level_dbfs = level(snr_bw_hz);
        return e;
    }

    // Appends a transmission if it lies within [lo, hi].
    bool add(EmitterTimeline& e, double t0, double dur, double nominal_hz, double half_bw_hz, double power_dbfs,
             std::function<Waveform(std::mt19937_64&)> make) {
        const std::uint64_t seed = next_seed();  // consumed whether kept or not: stable streams
        if (t0 < lo || t0 + dur > hi) return false;
        Tx tx;
        tx.t0 = t0;
        tx.t1 = t0 + dur;
        tx.rf_hz = nominal_hz + e.cfo_hz;
        tx.f_lo_hz = nominal_hz - half_bw_hz;
        tx.f_hi_hz = nominal_hz + half_bw_hz;
        tx.power_dbfs = power_dbfs;
        tx.seed = seed;
        tx.make = std::move(make);
        e.max_tx_s = std::max(e.max_tx_s, dur);
        e.txs.push_back(std::move(tx));
        return true;
    }
};

// ---- who the emitters are ---------------------------------------------------------------------------
// A random locally administered unicast MAC address (what a simulated AP's BSSID or a BLE random
// static address looks like).
MacAddress locally_administered_address(std::mt19937_64& rng) {
    MacAddress a{};
    for (auto& octet : a) octet = static_cast<std::uint8_t>(draw_uint(rng, 0, 255));
    a[0] = static_cast<std::uint8_t>((a[0] & 0xFC) | 0x02);
    return a;
}

// "aa:bb:cc:dd:ee:ff", first octet first.
std::string mac_text(const MacAddress& a) {
    return format("%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4], a[5]);
}

// ---- 802.11 OFDM ---------------------------------------------------------------------------------
// A network that names itself (ssid set): its BSSID drawn once, and its identity on the label.
BeaconFields name_network(Builder& b, const std::string& ssid, int channel, EmitterTimeline& e) {
    BeaconFields fields;
    if (ssid.empty()) return fields;
    auto id = b.identity_rng();
    fields.bssid = locally_administered_address(id);
    fields.ssid = ssid;
    fields.channel = channel;
    e.identities.emplace_back("network", ssid + " " + mac_text(fields.bssid));
    return fields;
}

// The network's next beacon frame, sent at t0 (its timestamp); counts the sequence number on.
std::shared_ptr<const std::vector<std::uint8_t>> next_beacon(BeaconFields& fields, double t0) {
    fields.timestamp_us = static_cast<std::uint64_t>(std::max(0.0, t0) * 1e6);
    auto psdu = std::make_shared<const std::vector<std::uint8_t>>(wifi_beacon_frame(fields));
    fields.sequence = static_cast<std::uint16_t>((fields.sequence + 1) & 0x0FFF);
    return psdu;
}

constexpr double ofdm_half_bw = 8.3e6;  // 52 subcarriers x 312.5 kHz plus the spectral skirt

constexpr double ht20_half_bw = 8.9e6;   // 56 subcarriers
constexpr double ht40_half_bw = 18.3e6;  // 114 subcarriers around the 40 MHz centre

std::vector<EmitterTimeline> wifi_ofdm(Builder& b, const WifiOfdmSpec& p) {
    const double fc = wifi_channel_center_mhz(p.channel) * 1e6;
    const bool ht = p.standard == "n", ht40 = ht && p.width_mhz == 40;
    const double f_data = ht40 ? fc + 10e6 * p.secondary : fc;  // centre of the data frames
    const double data_half_bw = ht40 ? ht40_half_bw : ht ? ht20_half_bw : ofdm_half_bw;
    auto e = b.start(f_data, 2 * data_half_bw, 2 * data_half_bw);
    e.cfo_hz = b.cfo_hz(fc, 10.0);
    e.ramp_s = b.ramp(1.0 * us);
    e.wifi_channels = {p.channel};
    if (ht40) e.wifi_channels.push_back(p.channel + 4 * p.secondary);
    const double slot = 9 * us, sifs = 16 * us, difs = sifs + 2 * slot;
    const double level = e.level_dbfs, peer = e.level_dbfs + p.peer_level_db;
    // Non-HT frames on the primary channel (beacons, ACKs of a g network).
    auto frame = [&](double t0, std::size_t bytes, WifiRate rate, double power) {
        const double dur = wifi_ofdm_ppdu_duration_s(bytes, rate);
        b.add(e, t0, dur, fc, ofdm_half_bw, power,
              [bytes, rate](std::mt19937_64& rng) { return wifi_ofdm_ppdu(bytes, rate, rng); });
        return dur;
    };
    // HT frames over the whole width.
    const HtWidth width = ht40 ? HtWidth::ht40 : HtWidth::ht20;
    auto ht_frame = [&](double t0, std::size_t bytes, int mcs, double power) {
        const double dur = wifi_ht_ppdu_duration_s(bytes, mcs, width);
        b.add(e, t0, dur, f_data, data_half_bw, power,
              [bytes, mcs, width](std::mt19937_64& rng) { return wifi_ht_ppdu(bytes, mcs, width, rng, bytes > 1600); });
        return dur;
    };
    auto draw_data = [&]() -> std::pair<std::size_t, WifiRate> {
        if (p.psdu_bytes) return {*p.psdu_bytes, p.rate};
        const double u = uniform(b.rng);
        const std::string& mix = p.frames;
        const bool is_short = mix == "short" || (mix == "mixed" && u < 0.5);
        const bool is_long = mix == "long" || (mix == "mixed" && u >= 0.85);
        if (ht) {
            // Bytes for a duration at the MCS; long ones are A-MPDUs of 2.5–5 ms.
            const double mbps = wifi_ht_mcs_info(p.mcs, width).mbps;
            double dur = 0.0;
            if (is_short) return {static_cast<std::size_t>(uniform(b.rng, 40, 300)), p.rate};
            if (is_long) dur = uniform(b.rng, 2.5e-3, 5.0e-3);
            else return {1500, p.rate};
            return {static_cast<std::size_t>(std::clamp((dur - 40e-6) * mbps * 1e6 / 8.0, 1.0, 65535.0)), p.rate};
        }
        if (is_short) return {static_cast<std::size_t>(uniform(b.rng, 40, 300)), p.rate};
        if (is_long) return {static_cast<std::size_t>(uniform(b.rng, 2000, 3700)), WifiRate::mbps6};  // ~2.7–5 ms, as an A-MPDU
        return {1500, p.rate};
    };
    // A named network's beacons are beacon frames (at 6 Mb/s, as a 2.4 GHz g/n AP without 802.11b sends them).
    BeaconFields fields = name_network(b, p.ssid, p.channel, e);
    auto beacon_frame = [&](double t0) {
        if (p.ssid.empty()) return frame(t0, 250, WifiRate::mbps6, level);
        const auto psdu = next_beacon(fields, t0);
        const double dur = wifi_ofdm_ppdu_duration_s(psdu->size(), WifiRate::mbps6);
        b.add(e, t0, dur, fc, ofdm_half_bw, level, [psdu](std::mt19937_64& rng) {
            return wifi_ofdm_ppdu(*psdu, WifiRate::mbps6, static_cast<std::uint8_t>(draw_uint(rng, 1, 127)));
        });
        return dur;
    };
    const double t_begin = b.lo < 0 ? -uniform(b.rng, 0.0, 0.006) : b.lo;
    double t = t_begin, busy = 0.0;
    double beacon = t_begin + uniform(b.rng, 0.0, 0.1024);
    if (p.airtime <= 0.0) {
        // beacons only
        for (; beacon < b.hi; beacon += 0.1024) beacon_frame(beacon);
        return {std::move(e)};
    }
    while (t < b.hi) {
        if (p.beacons && t >= beacon) {
            t += difs + slot * static_cast<double>(draw_uint(b.rng, 0, 15));
            const double d = beacon_frame(t);
            t += d;
            busy += d;
            beacon += 0.1024;
            continue;
        }
        t += difs + slot * static_cast<double>(draw_uint(b.rng, 0, 15));
        const auto [bytes, rate] = draw_data();
        double d = ht ? ht_frame(t, bytes, p.mcs, level) : frame(t, bytes, rate, level);
        t += d;
        busy += d;
        if (p.ack) {
            t += sifs;
            // g: ACK (14 bytes, 6 Mb/s, 44 us); n: BlockAck (32 bytes) at 24 Mb/s, or at 40 MHz as
            // an HT40 MCS 0 PPDU over the whole width.
            d = !ht ? frame(t, 14, WifiRate::mbps6, peer) : ht40 ? ht_frame(t, 32, 0, peer) : frame(t, 32, WifiRate::mbps24, peer);
            t += d;
            busy += d;
        }
        // Idle so that the running airtime tracks the target, with some randomness.
        const double behind = busy / p.airtime - (t - t_begin);
        if (behind > 0.0) t += behind * uniform(b.rng, 0.6, 1.4);
    }
    return {std::move(e)};
}

// ---- 802.11b DSSS --------------------------------------------------------------------------------
constexpr double dsss_half_bw = 11e6;

std::vector<EmitterTimeline> wifi_dsss(Builder& b, const WifiDsssSpec& p) {
    const double fc = wifi_channel_center_mhz(p.channel) * 1e6;
    auto e = b.start(fc, 2 * dsss_half_bw, 2 * dsss_half_bw);
    e.cfo_hz = b.cfo_hz(fc, 10.0);
    e.ramp_s = b.ramp(2.0 * us);
    e.wifi_channels = {p.channel};
    const double slot = 20 * us, sifs = 10 * us, difs = sifs + 2 * slot;
    const double level = e.level_dbfs, peer = e.level_dbfs + p.peer_level_db;
    auto frame = [&](double t0, std::size_t bytes, double power) {
        const double dur = wifi_dsss_ppdu_duration_s(bytes);
        b.add(e, t0, dur, fc, dsss_half_bw, power, [bytes](std::mt19937_64& rng) { return wifi_dsss_ppdu(bytes, rng); });
        return dur;
    };
    // A named network's beacons are beacon frames (1 Mb/s, long preamble); otherwise random octets.
    BeaconFields fields = name_network(b, p.ssid, p.channel, e);
    auto beacon_frame = [&](double t0) {
        if (p.ssid.empty()) return frame(t0, p.beacon_bytes, level);
        const auto psdu = next_beacon(fields, t0);
        const double dur = wifi_dsss_ppdu_duration_s(psdu->size());
        b.add(e, t0, dur, fc, dsss_half_bw, level, [psdu](std::mt19937_64&) { return wifi_dsss_ppdu(*psdu, WifiDsssOptions{}); });
        return dur;
    };
    const double t_begin = b.lo < 0 ? -uniform(b.rng, 0.0, 0.006) : b.lo;
    const double first = uniform(b.rng, 0.0, p.beacon_interval_s);
    double beacon = p.first_beacon_s ? *p.first_beacon_s : std::max(b.lo, 0.0) + first;
    // Beacons go out at their target times (TBTT), data in between.
    double t = t_begin, busy = 0.0;
    // Sends the beacons due by `until` (a beacon delayed by a frame in progress goes right after it).
    auto beacon_due = [&](double until) {
        while (beacon <= until && beacon < b.hi) {
            const double start = std::max(beacon, t);
            const double d = beacon_frame(start);
            t = start + d + difs;
            busy += d;
            beacon += p.beacon_interval_s;
        }
    };
    if (p.airtime <= 0.0) {
        beacon_due(b.hi);
        return {std::move(e)};
    }
    while (t < b.hi) {
        t += difs + slot * static_cast<double>(draw_uint(b.rng, 0, 31));
        const auto bytes = static_cast<std::size_t>(uniform(b.rng, 50, 500));
        const double need = wifi_dsss_ppdu_duration_s(bytes) + sifs + wifi_dsss_ppdu_duration_s(14);
        if (beacon <= t + need) {
            beacon_due(t + need);
            continue;
        }
        double d = frame(t, bytes, level);
        t += d;
        busy += d;
        t += sifs;
        d = frame(t, 14, peer);
        t += d;
        busy += d;
        const double behind = busy / p.airtime - (t - t_begin);
        if (behind > 0.0) t += behind * uniform(b.rng, 0.6, 1.4);
        if (beacon < t) beacon_due(t);
    }
    std::sort(e.txs.begin(), e.txs.end(), [](const Tx& x, const Tx& y) { return x.t0 < y.t0; });
    return {std::move(e)};
}

// ---- Bluetooth BR ---------------------------------------------------------------------------------
constexpr double bt_sps = 4.0;

std::vector<EmitterTimeline> bt_classic(Builder& b, const BtClassicSpec& p) {
    std::vector<int> used = p.used_channels;
    if (used.empty())
        for (int k = 0; k < bt_classic_channels; ++k) used.push_back(k);
    const double f_first = (bt_classic_first_mhz + used.front()) * 1e6, f_last = (bt_classic_first_mhz + used.back()) * 1e6;
    auto e = b.start(0.5 * (f_first + f_last), 1e6, 1e6);
    e.cfo_hz = b.cfo_hz(2441e6, 20.0);
    e.ramp_s = b.ramp(4.0 * us);
    const double level = e.level_dbfs, slave = e.level_dbfs + p.slave_level_db;
    const double slot = 625 * us;
    const int n_slots = p.packet == BtPacket::dh1 ? 1 : p.packet == BtPacket::dh3 ? 3 : 5;
    auto hop = [&]() { return (bt_classic_first_mhz + used[draw_uint(b.rng, 0, used.size() - 1)]) * 1e6; };
    // A piconet: every packet, master's and slave's, carries the master's access code (its LAP).
    auto id = b.identity_rng();
    const BtBrAddress master{static_cast<std::uint32_t>(draw_uint(id, 0, 0xFFFFFF)), static_cast<std::uint8_t>(draw_uint(id, 0, 255))};
    e.identities.emplace_back("piconet", format("0x%06x", master.lap));
    auto packet = [&](double t0, BtPacket type, std::size_t bytes, double power) {
        const double f = hop();
        b.add(e, t0, bt_br_packet_duration_s(type, bytes), f, 0.5e6, power,
              [type, bytes, master](std::mt19937_64& rng) { return bt_br_packet(type, bytes, master, rng, bt_sps); });
    };
    const double t_begin = b.lo < 0 ? -uniform(b.rng, 0.0, 2 * slot) : b.lo;
    for (double t = t_begin; t < b.hi;) {
        if (uniform(b.rng) < p.slot_usage) {
            packet(t, p.packet, bt_max_payload_bytes(p.packet), level);
            t += n_slots * slot;
            if (p.reply == "null") packet(t, BtPacket::dh1, 0, slave);  // NULL/POLL-sized reply (DH1, no payload: 150 us)
            else if (p.reply == "dh1") packet(t, BtPacket::dh1, bt_max_payload_bytes(BtPacket::dh1), slave);
            t += slot;
        } else {
            t += 2 * slot;
        }
    }
    e.facts = {{"hop_bandwidth_mhz", 1.0}, {"afh_channels", static_cast<double>(used.size())}, {"slot_s", slot}};
    return {std::move(e)};
}

// ---- nRF24-style Enhanced ShockBurst, on one frequency or hopping over a list -------------------------
std::vector<EmitterTimeline> esb(Builder& b, const EsbSpec& p) {
    const bool hops = !p.hop_hz.empty();
    const double width = p.symbol_rate_hz > 1.5e6 ? 2e6 : 1e6;
    double f_min = p.freq_hz, f_max = p.freq_hz;
    for (double f : p.hop_hz) {
        f_min = std::min(f_min, f);
        f_max = std::max(f_max, f);
    }
    auto e = b.start(hops ? 0.5 * (f_min + f_max) : p.freq_hz, width, width);
    e.cfo_hz = b.cfo_hz(p.freq_hz, 20.0);  // the radio's crystal (±20 ppm)
    // the nRF24's PA settles in its 130 µs TX settling time, before the preamble's first bit: only the
    // edges of the carrier itself are shaped, not the one-octet preamble
    e.ramp_s = b.ramp(0.5 * us);
    std::vector<std::uint8_t> address(p.address_bytes);
    for (auto& a : address) a = static_cast<std::uint8_t>(draw_uint(b.rng, 0, 255));
    std::string address_hex;
    for (auto a : address) address_hex += format("%02x", a);
    e.identities.emplace_back("address", address_hex);
    const double rate = p.symbol_rate_hz;
    const double duration = esb_packet_duration_s(p.address_bytes, p.payload_bytes, 2, rate);
    const std::size_t payload = p.payload_bytes;
    int pid = 0;
    std::size_t hop = 0;
    double next_hop = hops && p.hop_every_s ? *p.hop_every_s : 0.0;
    const double t_first = b.lo < 0 ? -uniform(b.rng, 0.0, p.interval_s) : b.lo;
    for (double t = t_first; t < b.hi; t += p.interval_s * uniform(b.rng, 0.95, 1.05)) {
        if (hops && p.hop_every_s && t - t_first >= next_hop) {  // a dongle that changes channel on a schedule
            hop = (hop + 1) % p.hop_hz.size();
            next_hop += *p.hop_every_s;
        }
        const double f = hops ? p.hop_hz[hop] : p.freq_hz;
        const int this_pid = pid;
        b.add(e, t, duration, f, 0.5 * width, e.level_dbfs,
              [address, payload, this_pid, rate](std::mt19937_64& rng) { return esb_packet(address, payload, this_pid, rng, 4.0, rate); });
        pid = (pid + 1) % 4;  // a new packet each time: the PID counts
        // a packet the dongle did not acknowledge: the mouse moves on to the next channel of its list
        if (hops && !p.hop_every_s && uniform(b.rng) < p.lost_share) hop = (hop + 1) % p.hop_hz.size();
    }
    e.facts = {{"interval_s", p.interval_s}, {"packet_s", duration}, {"rate_mbps", rate / 1e6}};
    if (hops) e.facts.emplace_back("hop_frequencies", static_cast<double>(p.hop_hz.size()));
    return {std::move(e)};
}

// ---- a toy remote's fixed-frequency 2-FSK ------------------------------------------------------------
std::vector<EmitterTimeline> toy_fsk(Builder& b, const ToyFskSpec& p) {
    auto e = b.start(p.freq_hz, 1e6, 1e6);
    e.cfo_hz = b.cfo_hz(p.freq_hz, 20.0);
    e.ramp_s = b.ramp(1.0 * us);
    auto id = b.identity_rng();
    const auto sync = static_cast<std::uint32_t>(draw_uint(id, 0, 0xFFFFFFFFu));
    const double duration = toy_fsk_packet_duration_s(p.payload_bytes);
    const std::size_t payload = p.payload_bytes;
    const double deviation = p.deviation_hz;
    for (double t = b.lo < 0 ? -uniform(b.rng, 0.0, p.interval_s) : b.lo; t < b.hi; t += p.interval_s * uniform(b.rng, 0.95, 1.05))
        b.add(e, t, duration, p.freq_hz, 0.5e6, e.level_dbfs,
              [sync, payload, deviation](std::mt19937_64& rng) { return toy_fsk_packet(sync, payload, deviation, rng, 4.0); });
    e.facts = {{"interval_s", p.interval_s}, {"packet_s", duration}, {"deviation_khz", p.deviation_hz / 1e3}};
    return {std::move(e)};
}

// ---- a drone's LTE-numerology OFDM downlink -------------------------------------------------------------
std::vector<EmitterTimeline> drone_ofdm(Builder& b, const DroneOfdmSpec& p) {
    const LteNumerology num = lte_numerology(p.channel_mhz);
    const double occupied = num.occupied_hz();
    auto e = b.start(p.center_hz, occupied, occupied);
    e.cfo_hz = b.cfo_hz(p.center_hz, 10.0);
    e.ramp_s = b.ramp(p.duty < 1.0 ? 2.0 * us : 0.0);  // a continuous link's frames follow each other without a gap
    const double on = p.frame_s * p.duty;
    const int bits = p.bits_per_symbol;
    const double start = b.lo < 0 ? (p.duty < 1.0 ? -uniform(b.rng, 0.0, p.frame_s) : b.lo) : b.lo;
    for (double t = start; t < b.hi; t += p.frame_s)
        b.add(e, t, on, p.center_hz, 0.5 * occupied, e.level_dbfs, [num, on, bits](std::mt19937_64& rng) { return lte_ofdm(num, on, bits, rng); });
    e.facts = {{"channel_mhz", static_cast<double>(p.channel_mhz)}, {"subcarrier_spacing_khz", 15.0}, {"duty", p.duty}};
    return {std::move(e)};
}

// ---- an analog FM video sender ------------------------------------------------------------------------
std::vector<EmitterTimeline> fm_video(Builder& b, const FmVideoSpec& p) {
    const double occupied = 2.0 * (p.peak_deviation_hz + 5e6);  // Carson's rule over the 5 MHz video
    auto e = b.start(p.center_hz, occupied, occupied);
    e.cfo_hz = b.cfo_hz(p.center_hz, 20.0);
    e.ramp_s = 0.0;  // one carrier, cut into pieces only to be made
    constexpr double piece = 0.01;
    const double deviation = p.peak_deviation_hz;
    for (double t = b.lo; t < b.hi; t += piece)
        b.add(e, t, piece, p.center_hz, 0.5 * occupied, e.level_dbfs, [deviation](std::mt19937_64& rng) { return sim::fm_video(piece, deviation, rng); });
    e.facts = {{"peak_deviation_mhz", p.peak_deviation_hz / 1e6}};
    return {std::move(e)};
}

// ---- Bluetooth LE ----------------------------------------------------------------------------------
double ble_channel_hz(int ch) {
    if (ch == 37) return 2402e6;
    if (ch == 38) return 2426e6;
    if (ch == 39) return 2480e6;
    return (ch <= 10 ? 2404.0 + 2.0 * ch : 2428.0 + 2.0 * (ch - 11)) * 1e6;
}

std::vector<EmitterTimeline> ble(Builder& b, const BleSpec& p) {
    const double bw = p.phy == BlePhy::le2m ? 2e6 : 1e6;
    const bool adv = p.mode == "advertising";
    std::vector<int> chans = adv ? p.adv_channels : p.data_channels;
    if (chans.empty())
        for (int k = 0; k <= 36; ++k) chans.push_back(k);
    double f_min = 1e12, f_max = 0;
    for (int c : chans) {
        f_min = std::min(f_min, ble_channel_hz(c));
        f_max = std::max(f_max, ble_channel_hz(c));
    }
    auto e = b.start(0.5 * (f_min + f_max), bw, bw);
    e.cfo_hz = b.cfo_hz(2440e6, 20.0);
    e.ramp_s = b.ramp(4.0 * us);
    const BlePhy phy = p.phy;
    const double level = e.level_dbfs;
    // An advertiser sends its own random static address in every advert; a connection keeps its
    // access address and CRC init.
    BleIdentity identity;
    auto id = b.identity_rng();
    if (adv) {
        auto address = locally_administered_address(id);
        address[0] |= 0xC0;  // random static: the two most significant bits of the address set
        std::array<std::uint8_t, 6> sent{};
        std::reverse_copy(address.begin(), address.end(), sent.begin());  // on air least significant octet first
        identity.adv_address = sent;
        if (p.pdu_bytes >= 6) e.identities.emplace_back("advertiser", mac_text(address));
    } else {
        std::uint32_t aa = 0;
        do aa = static_cast<std::uint32_t>(draw_uint(id, 0, 0xFFFFFFFF));
        while (aa == 0x8E89BED6u);
        identity.access_address = aa;
        identity.crc_init = static_cast<std::uint32_t>(draw_uint(id, 0, 0xFFFFFF));
        e.identities.emplace_back("connection", format("0x%08x", aa));
    }
    auto packet = [&](double t0, int ch, std::size_t bytes, double power) {
        const double dur = ble_packet_duration_s(bytes, phy);
        b.add(e, t0, dur, ble_channel_hz(ch), 0.5 * bw, power,
              [bytes, phy, ch, identity](std::mt19937_64& rng) { return ble_packet(bytes, phy, ch, identity, rng, 4.0); });
        return dur;
    };
    if (adv) {
        double t = b.lo < 0 ? -uniform(b.rng, 0.0, p.adv_interval_s) : b.lo;
        while (t < b.hi) {
            double u = t;
            for (int ch : chans) u += packet(u, ch, p.pdu_bytes, level) + 150 * us + uniform(b.rng, 0.0, 100 * us);
            t += p.adv_interval_s + uniform(b.rng, 0.0, 0.010);  // advInterval + advDelay (0–10 ms)
        }
        e.facts = {{"adv_interval_s", p.adv_interval_s}};
    } else {
        const int hop = p.hop ? *p.hop : static_cast<int>(draw_uint(b.rng, 5, 16));
        std::vector<bool> used(37, false);
        for (int c : chans) used[static_cast<std::size_t>(c)] = true;
        int unmapped = 0;
        double t = b.lo < 0 ? -uniform(b.rng, 0.0, p.conn_interval_s) : b.lo;
        while (t < b.hi) {
            unmapped = (unmapped + hop) % 37;  // channel selection algorithm #1
            const int ch = used[static_cast<std::size_t>(unmapped)] ? unmapped : chans[static_cast<std::size_t>(unmapped) % chans.size()];
            const double d = packet(t, ch, p.pdu_bytes, level);
            packet(t + d + 150 * us, ch, 0, level + p.peripheral_level_db);
            t += p.conn_interval_s;
        }
        e.facts = {{"conn_interval_s", p.conn_interval_s}, {"hop_increment", static_cast<double>(hop)}};
    }
    return {std::move(e)};
}

// ---- IEEE 802.15.4 ----------------------------------------------------------------------------------
std::vector<EmitterTimeline> zigbee(Builder& b, const ZigbeeSpec& p) {
    const double fc = (2405.0 + 5.0 * (p.channel - 11)) * 1e6;
    auto e = b.start(fc, 2e6, 2e6);
    e.cfo_hz = b.cfo_hz(fc, 20.0);
    e.ramp_s = b.ramp(2.0 * us);
    const double level = e.level_dbfs;
    auto packet = [&](double t0, std::size_t bytes) {
        const double dur = zigbee_packet_duration_s(bytes);
        b.add(e, t0, dur, fc, 1e6, level, [bytes](std::mt19937_64& rng) { return zigbee_packet(bytes, rng, 4.0); });
        return dur;
    };
    double t = b.lo < 0 ? -uniform(b.rng, 0.0, p.interval_s) : b.lo;
    while (t < b.hi) {
        t += packet(t, p.psdu_bytes);
        if (p.ack) t += 192 * us + packet(t + 192 * us, 5);  // aTurnaroundTime, then a 5-byte ACK
        t += exponential(b.rng, p.interval_s);
    }
    e.facts = {{"channel", static_cast<double>(p.channel)}};
    return {std::move(e)};
}

// ---- USB 3.0 broadband noise -------------------------------------------------------------------------
std::vector<EmitterTimeline> usb3(Builder& b, const Usb3Spec& p) {
    const double rise = db_to_lin(*b.spec.rise_db);
    const double floor_per_hz = db_to_lin(*b.ctx.floor_dbfs_per_mhz) / 1e6;
    const double psd = floor_per_hz * (rise - 1.0);
    const double bw = p.high_hz - p.low_hz;
    EmitterTimeline e;
    e.spec_index = b.index;
    e.type = b.spec.type;
    e.label_class = label_class(b.spec);
    e.name = b.spec.name;
    e.center_hz = 0.5 * (p.low_hz + p.high_hz);
    e.bandwidth_hz = bw;
    e.snr_bandwidth_hz = bw;
    e.level_dbfs = 10.0 * std::log10(psd * bw);
    e.direct_t0 = std::max(0.0, b.spec.start_s);
    e.direct_t1 = b.spec.stop_s ? std::min(*b.spec.stop_s, b.ctx.scene->duration_s) : b.ctx.scene->duration_s;
    e.direct_lo_hz = p.low_hz;
    e.direct_hi_hz = p.high_hz;
    const double lo = p.low_hz, hi = p.high_hz, ripple = p.ripple_db, period = p.ripple_period_hz;
    e.direct = [psd, lo, hi, ripple, period](std::span<cf32> out, double vc, double rate, std::mt19937_64& rng) {
        auto shape = [=](double f) {
            const double fa = vc + f;
            constexpr double edge = 1e6;  // raised-cosine band edges, 2 MHz wide
            double w = 1.0;
            if (fa < lo - edge || fa > hi + edge) return 0.0;
            if (fa < lo + edge) w = 0.5 - 0.5 * std::cos(std::numbers::pi * (fa - lo + edge) / (2 * edge));
            if (fa > hi - edge) w = std::min(w, 0.5 - 0.5 * std::cos(std::numbers::pi * (hi + edge - fa) / (2 * edge)));
            return psd * w * db_to_lin(ripple * std::cos(2.0 * std::numbers::pi * (fa - lo) / period));
        };
        add_shaped_noise(out, rate, shape, rng);
    };
    e.facts = {{"rise_db", *b.spec.rise_db}};
    return {std::move(e)};
}

// ---- CW tones and combs ----------------------------------------------------------------------------
EmitterTimeline tone(Builder& b, double f_hz, double level_dbfs) {
    EmitterTimeline e;
    e.spec_index = b.index;
    e.type = b.spec.type;
    e.label_class = label_class(b.spec);
    e.name = b.spec.name;
    e.center_hz = f_hz;
    e.bandwidth_hz = 0.0;
    e.snr_bandwidth_hz = 1e6;
    e.level_dbfs = level_dbfs;
    e.direct_t0 = std::max(0.0, b.spec.start_s);
    e.direct_t1 = b.spec.stop_s ? std::min(*b.spec.stop_s, b.ctx.scene->duration_s) : b.ctx.scene->duration_s;
    e.direct_lo_hz = e.direct_hi_hz = f_hz;
    const double phase = uniform(b.rng, 0.0, 2.0 * std::numbers::pi);
    e.direct = [f_hz, level_dbfs, phase](std::span<cf32> out, double vc, double rate, std::mt19937_64&) {
        const double r = receiver_response(f_hz - vc, rate);
        if (r <= 0.0) return;
        add_tone(out, rate, f_hz - vc, level_dbfs + 20.0 * std::log10(r), phase);
    };
    return e;
}

std::vector<EmitterTimeline> cw(Builder& b, const ToneSpec& p) { return {tone(b, p.freq_hz, b.level(1e6))}; }

// One labelled emitter (one clock) whose tones k f0 are its bursts.
std::vector<EmitterTimeline> comb(Builder& b, const CombSpec& p) {
    const auto k0 = static_cast<long long>(std::ceil(p.low_hz / p.f0_hz - 1e-9));
    const auto k1 = static_cast<long long>(std::floor(p.high_hz / p.f0_hz + 1e-9));
    std::vector<EmitterTimeline> tones;
    for (long long k = k0; k <= k1; ++k)
        tones.push_back(tone(b, static_cast<double>(k) * p.f0_hz, b.level(1e6) + p.slope_db * static_cast<double>(k - k0)));
    EmitterTimeline e = tones.front();
    e.direct_hi_hz = tones.back().center_hz;
    e.center_hz = 0.5 * (e.direct_lo_hz + e.direct_hi_hz);
    e.bandwidth_hz = e.direct_hi_hz - e.direct_lo_hz;
    std::vector<DirectRender> parts;
    for (auto& t : tones) {
        e.tones_hz.push_back(t.center_hz);
        parts.push_back(*t.direct);
    }
    e.direct = [parts](std::span<cf32> out, double vc, double rate, std::mt19937_64& rng) {
        for (const auto& part : parts) part(out, vc, rate, rng);
    };
    e.facts = {{"f0_mhz", p.f0_hz / 1e6}, {"tones", static_cast<double>(tones.size())},
               {"first_harmonic", static_cast<double>(k0)}};
    return {std::move(e)};
}

// ---- microwave oven -----------------------------------------------------------------------------------
std::vector<EmitterTimeline> microwave(Builder& b, const MicrowaveSpec& p) {
    const double snr_bw = p.sweep_hz + 1e6;
    auto e = b.start(p.center_hz, snr_bw, snr_bw);
    e.ramp_s = 0.0;  // the on-period has its own envelope
    const double period = 1.0 / p.mains_hz, on = p.on_fraction * period;
    const double fs_n = std::ceil((p.sweep_hz + 4e6) / 0.8 / 1e6) * 1e6;
    const double sweep = p.sweep_hz;
    double drift = 0.0;
    const double t_begin = (b.lo < 0 ? -period : b.lo) + uniform(b.rng, 0.0, period);
    for (double tc = t_begin; tc < b.hi; tc += period) {
        drift = std::clamp(drift + gauss(b.rng) * p.drift_hz / 3.0, -p.drift_hz, p.drift_hz);
        const double t_on = tc + 0.5 * (0.5 * period - on);
        b.add(e, t_on, on, p.center_hz + drift, 0.5 * sweep + 0.5e6, e.level_dbfs, [on, sweep, fs_n](std::mt19937_64& rng) {
            return microwave_on_period(on, sweep, 300e3, rng, fs_n);
        });
    }
    e.facts = {{"mains_hz", p.mains_hz}, {"on_fraction", p.on_fraction}};
    return {std::move(e)};
}

// ---- FHSS cordless phone (DECT-like) ---------------------------------------------------------------------
std::vector<EmitterTimeline> fhss_phone(Builder& b, const FhssPhoneSpec& p) {
    constexpr double spacing = 1.728e6, first = 2401.728e6;
    constexpr int channels = 46;  // 2401.7 … 2479.5 MHz
    auto e = b.start(first + 0.5 * spacing * (channels - 1), 1.2e6, 1.2e6);
    e.cfo_hz = b.cfo_hz(2440e6, 20.0);
    e.ramp_s = b.ramp(4.0 * us);
    constexpr std::size_t symbols = 420;
    const double dur = symbols / fhss_phone_symbol_rate_hz;
    for (double t = (b.lo < 0 ? -uniform(b.rng, 0.0, p.frame_s) : b.lo); t < b.hi; t += p.frame_s) {
        const double f = first + spacing * static_cast<double>(draw_uint(b.rng, 0, channels - 1));
        auto make = [](std::mt19937_64& rng) { return fhss_phone_burst(symbols, rng, 4.0); };
        b.add(e, t, dur, f, 0.6e6, e.level_dbfs, make);
        b.add(e, t + 0.5 * p.frame_s, dur, f, 0.6e6, e.level_dbfs - 3.0, make);
    }
    e.facts = {{"frame_s", p.frame_s}};
    return {std::move(e)};
}

}  // namespace

std::vector<EmitterTimeline> build_timeline(const TimelineContext& ctx, std::size_t index) {
    Builder b(ctx, index);
    std::vector<EmitterTimeline> out = std::visit(
        [&](const auto& p) -> std::vector<EmitterTimeline> {
            using T = std::decay_t<decltype(p)>;
            if constexpr (std::is_same_v<T, WifiOfdmSpec>) return wifi_ofdm(b, p);
            else if constexpr (std::is_same_v<T, WifiDsssSpec>) return wifi_dsss(b, p);
            else if constexpr (std::is_same_v<T, BtClassicSpec>) return bt_classic(b, p);
            else if constexpr (std::is_same_v<T, BleSpec>) return ble(b, p);
            else if constexpr (std::is_same_v<T, ZigbeeSpec>) return zigbee(b, p);
            else if constexpr (std::is_same_v<T, Usb3Spec>) return usb3(b, p);
            else if constexpr (std::is_same_v<T, ToneSpec>) return cw(b, p);
            else if constexpr (std::is_same_v<T, CombSpec>) return comb(b, p);
            else if constexpr (std::is_same_v<T, MicrowaveSpec>) return microwave(b, p);
            else if constexpr (std::is_same_v<T, EsbSpec>) return esb(b, p);
            else if constexpr (std::is_same_v<T, ToyFskSpec>) return toy_fsk(b, p);
            else if constexpr (std::is_same_v<T, DroneOfdmSpec>) return drone_ofdm(b, p);
            else if constexpr (std::is_same_v<T, FmVideoSpec>) return fm_video(b, p);
            else return fhss_phone(b, p);
        },
        b.spec.params);
    for (auto& e : out) std::stable_sort(e.txs.begin(), e.txs.end(), [](const Tx& x, const Tx& y) { return x.t0 < y.t0; });
    // Realism: drawn from streams of their own, so that turning them on moves no transmission.
    const ReceiverSpec& rx = ctx.scene->receiver;
    const EmitterClass cls = *emitter_class_of_scene_type(b.spec.type);
    const double rms = b.spec.multipath_rms_s.value_or(rx.multipath_rms_s);
    for (std::size_t k = 0; k < out.size(); ++k) {
        auto& e = out[k];
        e.tolerance_hz = carrier_tolerance_hz(cls, e.center_hz);
        e.burst_drift_hz = b.spec.cfo_drift_hz.value_or(rx.tx_drift ? default_burst_drift_hz(cls) : 0.0);
        if (rms > 0.0 && !e.txs.empty()) {
            std::mt19937_64 rng(mix_seed(ctx.scene->seed, index + 1, 0x3017A7ull + k));
            e.multipath = indoor_channel(rms, rng);
        }
    }
    return out;
}

}  // namespace coex::sim::detail
