// The self-contained HTML report. Base64 comes from GLib (a dependency of cairo already), kept here.
#include "coex/render/html.hpp"
#include "coex/core/text.hpp"
#include "coex/core/format.hpp"

#include "capture_name.hpp"

#include <glib.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace coex::render {

namespace {

std::string optional_db(const std::optional<double>& v, const char* unit) {
    return v ? format("%.1f %s", *v, unit) : std::string("–");
}

constexpr const char* kStyle = R"(
body { font-family: "DejaVu Sans", "Segoe UI", system-ui, sans-serif; color: #202020; max-width: 1460px; margin: 24px auto; padding: 0 16px; line-height: 1.4; }
h1 { font-size: 1.45em; margin-bottom: 0.2em; }
h2 { font-size: 1.15em; margin-top: 1.6em; border-bottom: 1px solid #ddd; padding-bottom: 3px; }
.muted { color: #666; }
.rec { border-left: 5px solid #e66100; background: #fff5ed; padding: 8px 18px 10px; margin: 14px 0; }
.rec .headline { font-size: 1.15em; font-weight: bold; color: #b84d00; }
.advice { border-left: 5px solid #888; background: #f4f4f4; padding: 8px 18px; }
figure { margin: 16px 0; }
img { max-width: 100%; height: auto; border: 1px solid #ccc; }
table { border-collapse: collapse; font-size: 0.93em; }
th, td { padding: 4px 10px; border-bottom: 1px solid #e3e3e3; text-align: right; vertical-align: top; }
th { background: #f3f3f3; }
.l { text-align: left; }
tr.rec-row td { background: #fff0e3; font-weight: bold; }
tr.unobserved td { color: #999; }
table.facts th { text-align: left; background: none; font-weight: normal; color: #666; }
table.facts td { text-align: left; }
)";

}  // namespace

std::string base64(std::string_view bytes) {
    const std::unique_ptr<gchar, decltype(&g_free)> text(
        g_base64_encode(reinterpret_cast<const guchar*>(bytes.data()), bytes.size()), &g_free);
    if (!text) throw std::bad_alloc();
    return text.get();
}

std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

std::string render_day_html(const DayPictureData& data, const DayPicture& picture) {
    const auto e = [](std::string_view t) { return html_escape(t); };
    std::ostringstream h;
    h << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      << "<title>" << e(data.title) << "</title>\n<style>" << kStyle << "</style>\n</head>\n<body>\n";
    h << "<h1>" << e(data.title) << "</h1>\n";
    for (const auto& line : data.legend_lines) h << "<p class=\"muted\">" << e(line) << "</p>\n";
    if (!picture.png.empty())
        h << "<figure>\n<img alt=\"The day: time of day down the page, the band across, each window's maximum and mean power, the events "
             "marked, and each Wi-Fi channel's airtime\" src=\"data:image/png;base64,"
          << base64(picture.png) << "\">\n</figure>\n";
    h << "<h2>Events</h2>\n";
    if (data.marks.empty()) {
        h << "<p>No emitter appeared, changed or went this day.</p>\n";
    } else {
        h << "<table>\n<thead><tr><th>time (UTC)</th><th>event</th><th>band</th></tr></thead>\n<tbody>\n";
        for (const auto& m : data.marks) {
            const long t = std::lround(m.time_s);
            h << "<tr><td>" << format("%02ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60) << "</td><td>" << e(m.label) << "</td><td>"
              << format("%.1f–%.1f MHz", m.low_mhz, m.high_mhz) << "</td></tr>\n";
        }
        h << "</tbody>\n</table>\n";
    }
    h << "</body>\n</html>\n";
    return h.str();
}

std::string render_html(const report::Report& r, const Picture* picture) {
    const auto e = [](std::string_view t) { return html_escape(t); };
    std::ostringstream h;
    const std::string name = detail::file_name(r.capture.path);
    h << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      << "<title>coex · " << e(name) << "</title>\n<style>" << kStyle << "</style>\n</head>\n<body>\n";
    h << "<h1>coex · " << e(name) << "</h1>\n";
    {
        std::string rates;
        for (const double hz : r.capture.sample_rates_hz) rates += (rates.empty() ? "" : ", ") + rate_text(hz);
        h << "<p class=\"muted\">" << format("%.3f s in %zu segment%s at ", r.capture.duration_s, r.capture.segments, r.capture.segments == 1 ? "" : "s")
          << e(rates) << " · Wi-Fi channels of " << e(r.settings.domain);
        if (r.noise_floor_dbfs_per_mhz) h << format(" · noise floor %.1f dBFS/MHz", *r.noise_floor_dbfs_per_mhz);
        h << "</p>\n";
    }

    // The recommendation first: it is what the reader came for.
    if (r.recommendation) {
        const auto& rec = *r.recommendation;
        h << "<section class=\"" << (rec.channel ? "rec" : "advice") << "\">\n";
        h << "<p class=\"headline\">" << e(rec.channel ? "Recommendation: " + rec.headline : "No recommendation: " + rec.headline) << "</p>\n";
        if (!rec.reasons.empty()) {
            h << "<ul>\n";
            for (const auto& reason : rec.reasons) h << "<li>" << e(reason) << "</li>\n";
            h << "</ul>\n";
        }
        if (!rec.remediation.empty()) {
            h << "<p><strong>What to do</strong></p>\n<ul>\n";
            for (const auto& step : rec.remediation) h << "<li>" << e(step) << "</li>\n";
            h << "</ul>\n";
        }
        if (rec.capture_advice) h << "<p><strong>Capture next:</strong> " << e(*rec.capture_advice) << "</p>\n";
        if (rec.baseline_channel)
            h << "<p class=\"muted\">For comparison, hostapd's automatic channel selection would pick channel " << *rec.baseline_channel
              << " from the same measurements.</p>\n";
        h << "</section>\n";
    }

    if (picture && !picture->png.empty()) {
        h << "<figure>\n<img alt=\"Waterfall of " << e(name)
          << " with the Wi-Fi channels, the Bluetooth band, the emitters found and the airtime of each channel\" width=\""
          << picture->width << "\" height=\"" << picture->height << "\" src=\"data:image/png;base64," << base64(picture->png)
          << "\">\n<figcaption class=\"muted\">Time runs down, frequency across; colour is power in dBFS per FFT bin. Hatched: "
             "not observed (outside every receiver's passband, or between the dwells of a sweep). Boxes: the emitters below. "
             "Bars: Wi-Fi airtime per channel; ★ the recommended channel.</figcaption>\n</figure>\n";
    }

    h << "<h2>Wi-Fi channels</h2>\n<table>\n<tr><th>channel</th><th>centre</th><th>observed</th><th>airtime</th>"
         "<th>mean power</th><th>bursts</th><th>noise floor</th><th class=\"l\">networks</th><th class=\"l\">decoded headers</th></tr>\n";
    const int recommended = r.recommendation ? r.recommendation->channel.value_or(0) : 0;  // 0: none
    for (const auto& row : r.wifi) {
        const bool is_rec = recommended == row.channel;
        h << "<tr" << (is_rec ? " class=\"rec-row\"" : !row.observed ? " class=\"unobserved\"" : "") << "><td>" << row.channel
          << (is_rec ? " ★" : "") << "</td><td>" << format("%.0f MHz", row.center_mhz) << "</td>";
        if (!row.observed) {
            h << "<td>no</td><td colspan=\"6\" class=\"l\">not observed: no segment saw the channel whole, so no claim is made</td></tr>\n";
            continue;
        }
        h << "<td>" << format("%.3f s", row.observed_s) << "</td><td>" << format("%.1f %%", row.occupancy * 100) << "</td><td>"
          << optional_db(row.mean_power_dbfs, "dBFS") << "</td><td>" << row.bursts << "</td><td>"
          << optional_db(row.noise_floor_dbfs_per_mhz, "dBFS/MHz") << "</td><td class=\"l\">";
        for (std::size_t k = 0; k < row.networks.size(); ++k) {
            const auto& n = row.networks[k];
            h << (k ? ", " : "") << (n.mine ? "<b>" : "") << e(n.ssid.empty() ? "(hidden)" : n.ssid) << (n.mine ? " (yours)</b>" : "")
              << " <span class=\"muted\">" << e(n.bssid) << "</span>";
        }
        h << "</td><td class=\"l\">";
        if (row.decoded) {
            const auto& d = *row.decoded;
            h << d.ppdus << " PPDUs";
            std::string rates;
            for (const auto& [rate, n] : d.rates_mbps) rates += (rates.empty() ? "" : ", ") + rate + " Mb/s ×" + std::to_string(n);
            h << " (" << e(rates) << ")";
            if (d.occupancy) h << format("; airtime %.1f %%", 100.0 * *d.occupancy);
            if (d.transmissions > d.transmissions_decoded) h << format(" (%llu of %llu transmissions, scaled)",
                                                                       static_cast<unsigned long long>(d.transmissions_decoded),
                                                                       static_cast<unsigned long long>(d.transmissions));
            if (!d.note.empty()) h << " <span class=\"muted\">" << e(d.note) << "</span>";
        }
        h << "</td></tr>\n";
    }
    h << "</table>\n";

    if (r.recommendation && !r.recommendation->ranking.empty()) {
        h << "<h2>Channel ranking</h2>\n<p class=\"muted\">Cost of each observed channel (lower is better) and what it is made of.</p>\n"
             "<table>\n<tr><th>channel</th><th>cost</th><th>Wi-Fi on it</th><th>Wi-Fi beside it</th><th>non-Wi-Fi</th>"
             "<th>Bluetooth</th><th>raised floor</th></tr>\n";
        for (const auto& c : r.recommendation->ranking) {
            const bool is_rec = recommended == c.channel;
            h << "<tr" << (is_rec ? " class=\"rec-row\"" : "") << "><td>" << c.channel;
            if (c.secondary) h << "+" << c.secondary;
            h << "</td>" << format("<td>%.3f</td><td>%.3f</td><td>%.3f</td><td>%.3f</td><td>%.3f</td><td>%.3f</td>", c.score,
                                   c.wifi_cochannel, c.wifi_adjacent, c.non_wifi, c.bluetooth, c.noise_floor)
              << "</tr>\n";
        }
        h << "</table>\n";
    }

    h << "<h2>Emitters</h2>\n";
    if (r.emitters.empty()) {
        h << "<p>None found.</p>\n";
    } else {
        h << "<table>\n<tr><th class=\"l\">what</th><th>band</th><th>level</th><th>over floor</th><th>duty</th><th>bursts</th>"
             "<th>seen</th><th>confidence</th><th class=\"l\">evidence</th><th class=\"l\">summary</th></tr>\n";
        for (const auto& em : r.emitters) {
            h << "<tr><td class=\"l\">" << e(emitter_name(em)) << "</td><td>"
              << format("%.1f–%.1f MHz", em.low_mhz, em.high_mhz) << "</td><td>" << format("%.1f dBFS", em.level_dbfs) << "</td><td>"
              << format("%+.1f dB", em.above_floor_db) << "</td><td>" << format("%.1f %%", em.duty_cycle * 100) << "</td><td>"
              << em.bursts << "</td><td>" << format("%.3f–%.3f s", em.first_s, em.last_s) << "</td><td>"
              << format("%.2f", em.confidence) << "</td><td class=\"l\">" << e(std::string(report::evidence_key(em.evidence.basis)));
            if (const auto& d = em.evidence.decode; d && d->bursts > 0)
                h << format(": %llu of %llu bursts decoded, %llu checksum ok", static_cast<unsigned long long>(d->decoded),
                            static_cast<unsigned long long>(d->bursts), static_cast<unsigned long long>(d->checksum_ok));
            h << "</td><td class=\"l\">" << e(em.summary);
            for (const auto& id : em.identities)
                h << "<br><span class=\"muted\">" << e(id.role) << " " << e(id.name.empty() ? id.id : id.name + " " + id.id)
                  << (id.type.empty() ? "" : " (" + e(id.type) + ")") << (id.verified ? "" : " (unverified)") << "</span>";
            h << "</td></tr>\n";
        }
        h << "</table>\n";
    }

    h << "<h2>Capture</h2>\n<table class=\"facts\">\n";
    const auto fact = [&](const std::string& key, const std::string& value) {
        if (!value.empty()) h << "<tr><th>" << e(key) << "</th><td>" << e(value) << "</td></tr>\n";
    };
    fact("file", r.capture.path);
    fact("duration", format("%.6f s (%.6f s of samples)", r.capture.duration_s, r.capture.observed_s));
    fact("segments", std::to_string(r.capture.segments));
    {
        std::string rates, covers;
        for (const double hz : r.capture.sample_rates_hz) rates += (rates.empty() ? "" : ", ") + rate_text(hz);
        for (const auto& [lo, hi] : r.capture.coverage_mhz) covers += (covers.empty() ? "" : ", ") + format("%.1f–%.1f MHz", lo, hi);
        fact("sample rates", rates);
        fact("observed band", covers);
    }
    fact("hardware", r.capture.hardware);
    fact("recorded", r.capture.datetime);
    fact("description", r.capture.description);
    {
        std::string ffts;
        for (const auto n : r.settings.fft_sizes) ffts += (ffts.empty() ? "" : ", ") + std::to_string(n);
        fact("analysis", "FFT " + ffts + ", " + r.settings.window + " window, overlap " + format("%g", r.settings.overlap) +
                             ", domain " + r.settings.domain);
    }
    fact("samples", format("%llu in, %llu dropped, %llu lost; %llu frames", static_cast<unsigned long long>(r.stats.samples_in),
                           static_cast<unsigned long long>(r.stats.samples_dropped), static_cast<unsigned long long>(r.stats.samples_lost),
                           static_cast<unsigned long long>(r.stats.frames)));
    h << "</table>\n<p class=\"muted\">Made by coex. This page is self-contained: it loads nothing from the network.</p>\n</body>\n</html>\n";
    return h.str();
}

}  // namespace coex::render
