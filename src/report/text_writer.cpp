// The report as text: what people read.
#include "coex/report/writers.hpp"
#include "coex/core/format.hpp"
#include "coex/core/text.hpp"

#include <algorithm>
#include <map>
#include <sstream>

namespace coex::report {
namespace {

std::string live_text(const LiveSection& l) {
    std::ostringstream out;
    out << "\nLive scan (" << l.device << ")\n";
    out << "  radio    " << l.radio.hardware << " (driver " << l.radio.driver << (l.radio.serial.empty() ? "" : ", serial " + l.radio.serial)
        << "), gain " << format("%.1f dB", l.radio.gain_db) << "\n";
    const std::size_t dwells = l.plan.dwells_mhz.size();
    out << "  plan     " << l.plan.kind << ": " << dwells << " dwell" << (dwells == 1 ? "" : "s");
    if (dwells > 1) out << " × " << format("%g ms", l.plan.dwell_s * 1e3);
    out << " at " << rate_text(l.plan.sample_rate_hz) << " (usable " << format("%g MHz", l.plan.usable_hz / 1e6)
        << "), settle " << format("%g ms", l.plan.settle_s * 1e3);
    if (l.plan.lo_offset_hz != 0.0)
        out << ", LO offset " << format("%g MHz", l.plan.lo_offset_hz / 1e6) << (l.plan.invert ? " inverted" : "");
    out << "\n";
    const auto& c = l.counters;
    out << "  ended    " << l.end << " after " << format("%.2f s", l.stream_s) << " of stream";
    if (dwells > 1) out << " (" << c.rounds << " full round" << (c.rounds == 1 ? "" : "s") << ")";
    out << "\n";
    out << "  samples  " << c.samples_in << " in, " << c.samples_dropped << " dropped (ring full; " << c.blocks_dropped << " blocks in "
        << c.drop_runs << " runs), " << c.samples_lost << " lost (" << c.overflows << " overflows; "
        << (c.lost_exact ? "exact from device timestamps" : "estimated from the host clock") << "), " << c.samples_settling
        << " discarded settling; ring peak " << c.ring_high_water << "/" << c.ring_blocks << " blocks\n";
    out << "  coverage channel  in view   looks  longest blind (a burst shorter than this can go unseen)\n";
    for (const auto& r : l.coverage)
        out << "           " << r.channel << std::string(r.channel.size() < 8 ? 8 - r.channel.size() : 0, ' ')
            << format("%7.2f s", r.observed_s) << format("%7.0f", static_cast<double>(r.looks)) << format("   %.3f s", r.longest_blind_s)
            << "\n";
    out << "  cpu      reader " << format("%.2f s", l.cpu_s.reader) << " (radio driver included), analysis "
        << format("%.2f s", l.cpu_s.analysis) << ", recording " << format("%.2f s", l.cpu_s.recording) << "; "
        << format("%.2f s", l.cpu_s.wall) << " wall\n";
    if (const auto& rec = l.recording)
        out << "  recorded " << rec->path << ": " << rec->samples << " samples in " << rec->segments << " segment"
            << (rec->segments == 1 ? "" : "s") << format(" (%.1f MB)", static_cast<double>(rec->bytes) / 1e6)
            << (rec->stopped_at_max_size ? "; stopped at its maximum size" : "") << "\n";
    return out.str();
}

std::string networks_text(const std::vector<WifiNetwork>& networks) {
    std::string out;
    for (const auto& n : networks) {
        if (!out.empty()) out += ", ";
        out += n.ssid.empty() ? "(hidden " + n.bssid + ")" : n.ssid;
        if (n.mine) out += " (yours)";
    }
    return out;
}

std::string decoded_text(const WifiDecoded& d) {
    std::vector<std::pair<std::uint64_t, std::string>> by_count;
    for (const auto& [rate, n] : d.rates_mbps) by_count.emplace_back(n, rate);
    std::sort(by_count.begin(), by_count.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    std::string rates;
    for (const auto& [n, rate] : by_count) rates += (rates.empty() ? "" : ", ") + rate + " Mb/s ×" + std::to_string(n);
    std::string out = "decoded: " + count_text(d.ppdus, "PPDU") + " (" + rates + ")";
    if (d.occupancy) out += format("; airtime from their headers %.1f %%", 100.0 * *d.occupancy);
    if (d.transmissions > d.transmissions_decoded)
        out += format(" (%llu of %llu transmissions decoded, scaled)", static_cast<unsigned long long>(d.transmissions_decoded),
                      static_cast<unsigned long long>(d.transmissions));
    if (!d.note.empty()) out += " — " + d.note;
    return out;
}

std::string decode_counts_text(const Evidence& e) {
    if (!e.decode || e.decode->bursts == 0) return "";
    const auto n = [](std::uint64_t v) { return static_cast<unsigned long long>(v); };
    if (e.decode->tried < e.decode->bursts)
        return format(" (%llu of %llu bursts tried, %llu decoded, %llu checksum ok)", n(e.decode->tried), n(e.decode->bursts), n(e.decode->decoded),
                      n(e.decode->checksum_ok));
    return format(" (decoded %llu of %llu, %llu checksum ok)", n(e.decode->decoded), n(e.decode->bursts), n(e.decode->checksum_ok));
}

std::string identities_text(const std::vector<Identity>& ids) {
    if (ids.empty()) return "";
    std::map<std::string, std::vector<const Identity*>> by_role;
    for (const auto& id : ids) by_role[id.role].push_back(&id);
    std::string out;
    for (const auto& [role, list] : by_role) {
        out += "      " + count_text(list.size(), role) + ": ";
        constexpr std::size_t kShown = 6;
        for (std::size_t k = 0; k < list.size() && k < kShown; ++k) {
            out += (k ? ", " : "") + (list[k]->name.empty() ? list[k]->id : list[k]->name + " (" + list[k]->id + ")");
            if (!list[k]->type.empty()) out += " (" + list[k]->type + ")";
            if (!list[k]->verified) out += " (unverified)";
        }
        if (list.size() > kShown) out += format(" and %zu more", list.size() - kShown);
        out += "\n";
    }
    return out;
}

}  // namespace

std::string to_text(const Report& r) {
    std::ostringstream out;
    out << "coex analyze: " << r.capture.path << "\n";
    std::string rates;
    for (double hz : r.capture.sample_rates_hz) rates += (rates.empty() ? "" : ", ") + rate_text(hz);
    out << format("  capture  %.3f s in %zu segment%s at %s", r.capture.duration_s, r.capture.segments,
                  r.capture.segments == 1 ? "" : "s", rates.c_str());
    if (r.capture.observed_s + 1e-9 < r.capture.duration_s) out << format(" (%.3f s of samples)", r.capture.observed_s);
    out << "\n  covers  ";
    for (std::size_t i = 0; i < r.capture.coverage_mhz.size(); ++i)
        out << (i ? ", " : " ") << format("%.1f–%.1f MHz", r.capture.coverage_mhz[i].first, r.capture.coverage_mhz[i].second);
    out << "\n";
    if (!r.capture.hardware.empty()) out << "  hardware " << r.capture.hardware << "\n";
    if (r.noise_floor_dbfs_per_mhz)
        out << format("  floor    %.1f dBFS/MHz\n", *r.noise_floor_dbfs_per_mhz);
    else
        out << "  floor    none (the capture holds no signal at all)\n";

    int first = 0, last = 0;
    if (!r.wifi.empty()) first = r.wifi.front().channel, last = r.wifi.back().channel;
    out << format("\nWi-Fi channels (%s, %d–%d): share of observed time a transmission was on the air\n",
                  r.settings.domain.c_str(), first, last);
    out << "  ch  centre    observed  occupancy  mean power\n";
    std::vector<int> unseen;
    for (const auto& c : r.wifi) {
        if (!c.observed) {
            unseen.push_back(c.channel);
            continue;
        }
        const std::string power = c.mean_power_dbfs ? format("%6.1f dBFS", *c.mean_power_dbfs) : std::string("     –");
        out << format("  %2d  %4.0f MHz  %7.3f s   %5.1f %%  %s\n", c.channel, c.center_mhz, c.observed_s,
                      100.0 * c.occupancy, power.c_str());
        if (!c.networks.empty()) out << "      networks: " << networks_text(c.networks) << "\n";
        if (c.decoded) out << "      " << decoded_text(*c.decoded) << "\n";
    }
    if (!unseen.empty()) {
        const std::string list = runs_text(unseen);  // "1–5, 7–13"
        out << format("  not observed: channel%s %s (no segment saw %s whole; no claim is made)\n",
                      unseen.size() == 1 ? "" : "s", list.c_str(), unseen.size() == 1 ? "it" : "them");
    }
    if (!r.emitters.empty()) {
        out << "\nEmitters\n";
        for (const auto& e : r.emitters)
            out << format("  %-18s %7.1f–%-7.1f MHz  %6.1f dBFS  %+5.1f dB  duty %5.1f %%  ", std::string(key(e.emitter_class)).c_str(),
                          e.low_mhz, e.high_mhz, e.level_dbfs, e.above_floor_db, 100.0 * e.duty_cycle)
                << e.summary << (e.evidence.basis == EvidenceBasis::shape ? " [shape only]" : " [" + std::string(evidence_key(e.evidence.basis)) + "]")
                << decode_counts_text(e.evidence) << "\n" << identities_text(e.identities);
    }
    if (r.recommendation) {
        const auto& rec = *r.recommendation;
        out << "\nRecommendation: " << rec.headline << "\n";
        for (const auto& reason : rec.reasons) out << "  " << reason << "\n";
        for (const auto& fix : rec.remediation) out << "  To do: " << fix << "\n";
        if (rec.least_observed_s && rec.channel)
            out << format("  (this rests on %.0f ms of the least-seen channel)\n", 1e3 * *rec.least_observed_s);
        if (rec.capture_advice) out << "  Next capture: " << *rec.capture_advice << "\n";
        if (rec.baseline_channel && rec.channel && *rec.baseline_channel != *rec.channel)
            out << format("  (hostapd's automatic channel selection would pick %d from the same data: it sees only Wi-Fi airtime)\n",
                          *rec.baseline_channel);
    }
    out << format("\n  %llu samples, %llu frames; dropped %llu, lost %llu\n",
                  static_cast<unsigned long long>(r.stats.samples_in), static_cast<unsigned long long>(r.stats.frames),
                  static_cast<unsigned long long>(r.stats.samples_dropped),
                  static_cast<unsigned long long>(r.stats.samples_lost));
    if (r.live) out << live_text(*r.live);
    return out.str();
}

}  // namespace coex::report
