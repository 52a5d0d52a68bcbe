// The HTML report: base64 by RFC 4648's vectors, escaping, one self-contained file whose embedded image is
// the picture, byte for byte, and whose tables hold the report.
#include "coex/render/html.hpp"
#include "coex/render/picture.hpp"

#include <glib.h>
#include <gtest/gtest.h>

#include <memory>

namespace coex::render {
namespace {

TEST(Html, Base64KnownAnswers) {  // RFC 4648 section 10
    EXPECT_EQ(base64(""), "");
    EXPECT_EQ(base64("f"), "Zg==");
    EXPECT_EQ(base64("fo"), "Zm8=");
    EXPECT_EQ(base64("foo"), "Zm9v");
    EXPECT_EQ(base64("foob"), "Zm9vYg==");
    EXPECT_EQ(base64("fooba"), "Zm9vYmE=");
    EXPECT_EQ(base64("foobar"), "Zm9vYmFy");
    EXPECT_EQ(base64(std::string("\x00\xff\xfe", 3)), "AP/+");
    std::string long_input(1000, 'x');
    EXPECT_EQ(base64(long_input).find('\n'), std::string::npos) << "no line breaks";
}

TEST(Html, Escaping) {
    EXPECT_EQ(html_escape("a < b & c > \"d\" 'e'"), "a &lt; b &amp; c &gt; &quot;d&quot; &#39;e&#39;");
    EXPECT_EQ(html_escape("2402–2480 MHz ★"), "2402–2480 MHz ★");
}

report::Report small_report() {
    report::Report r;
    r.capture.path = "dir/<kitchen> & co.h5";
    r.capture.duration_s = 0.1;
    r.capture.segments = 1;
    r.capture.sample_rates_hz = {20e6};
    r.capture.coverage_mhz = {{2428.0, 2446.0}};
    r.capture.description = "microwave <on>";
    r.settings.domain = "EU";
    r.settings.fft_sizes = {256};
    r.settings.window = "hann";
    for (int ch = 1; ch <= 13; ++ch) {
        report::WifiChannelRow row;
        row.channel = ch;
        row.center_mhz = 2407.0 + 5.0 * ch;
        row.observed = ch == 6;
        row.occupancy = ch == 6 ? 0.31 : 0.0;
        row.mean_power_dbfs = -22.0;
        r.wifi.push_back(row);
    }
    report::Emitter e;
    e.emitter_class = EmitterClass::bluetooth_classic;
    e.evidence = {report::EvidenceBasis::behaviour, "hopping"};
    e.low_mhz = 2430.0;
    e.high_mhz = 2443.0;
    e.summary = "one Classic device hopping";
    r.emitters.push_back(e);
    report::Recommendation rec;
    rec.channel = 6;
    rec.headline = "stay on channel 6.";
    rec.reasons = {"channel 6: 31 % Wi-Fi airtime"};
    rec.remediation = {"move the speaker"};
    rec.ranking = {{6, 0, 0.31, 0.31, 0.0, 0.0, 0.0, 0.0}};
    r.recommendation = rec;
    return r;
}

TEST(Html, SelfContainedWithThePictureAndTheTables) {
    const auto r = small_report();
    const Picture picture = draw_picture(r, nullptr);
    const std::string html = render_html(r, &picture);
    EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
    EXPECT_NE(html.find("</html>"), std::string::npos);
    // Nothing is fetched: no scripts, no external references of any kind.
    for (const char* banned : {"<script", "http://", "https://", "<link", "@import", "url("})
        EXPECT_EQ(html.find(banned), std::string::npos) << banned;
    // The embedded image is the picture, byte for byte.
    const std::string marker = "src=\"data:image/png;base64,";
    const auto start = html.find(marker);
    ASSERT_NE(start, std::string::npos);
    const auto end = html.find('"', start + marker.size());
    const std::string encoded = html.substr(start + marker.size(), end - start - marker.size());
    gsize length = 0;
    const std::unique_ptr<guchar, decltype(&g_free)> decoded(g_base64_decode(encoded.c_str(), &length), &g_free);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(decoded.get()), length), picture.png);
    // The report's content, escaped.
    EXPECT_NE(html.find("&lt;kitchen&gt; &amp; co.h5"), std::string::npos);
    EXPECT_NE(html.find("microwave &lt;on&gt;"), std::string::npos);
    EXPECT_EQ(html.find("<kitchen>"), std::string::npos);
    EXPECT_NE(html.find("Recommendation: stay on channel 6."), std::string::npos);
    EXPECT_NE(html.find("<li>channel 6: 31 % Wi-Fi airtime</li>"), std::string::npos);
    EXPECT_NE(html.find("<li>move the speaker</li>"), std::string::npos);
    EXPECT_NE(html.find("<td>31.0 %</td>"), std::string::npos);
    EXPECT_NE(html.find("not observed"), std::string::npos);
    EXPECT_NE(html.find("Bluetooth</td><td>2430.0–2443.0 MHz"), std::string::npos);
    EXPECT_NE(html.find("one Classic device hopping"), std::string::npos);
    EXPECT_NE(html.find("Channel ranking"), std::string::npos);
}

TEST(Html, WithoutAPictureOrARecommendation) {
    auto r = small_report();
    r.recommendation.reset();
    r.emitters.clear();
    const std::string html = render_html(r, nullptr);
    EXPECT_EQ(html.find("<img"), std::string::npos);
    EXPECT_NE(html.find("None found."), std::string::npos);
}

// What decoding found: each channel's networks (the user's own marked, an SSID escaped), the decoded
// headers' rates and airtime, and each emitter's evidence counts and identities.
TEST(Html, NamesTheNetworksAndWhatWasDecoded) {
    auto r = small_report();
    auto& ch6 = r.wifi[5];
    ch6.networks = {{"Home<Net>", "02:11:22:33:44:55", 3, true}, {"", "02:66:77:88:99:aa", 1, false}};
    report::WifiDecoded d;
    d.ppdus = 40;
    d.rates_mbps = {{"24", 30}, {"6", 10}};
    d.occupancy = 0.29;
    d.transmissions_decoded = 40;
    d.transmissions = 40;
    ch6.decoded = d;
    auto& bt = r.emitters[0];
    bt.evidence.basis = report::EvidenceBasis::decoded;
    bt.evidence.decode = report::DecodeCounts{20, 14, 14, 20};
    bt.identities = {{"piconet", "0x9e8b33", "", "", 14, true}};
    const std::string html = render_html(r, nullptr);
    EXPECT_NE(html.find("<b>Home&lt;Net&gt; (yours)</b>"), std::string::npos);
    EXPECT_NE(html.find("(hidden)"), std::string::npos);
    EXPECT_NE(html.find("40 PPDUs (24 Mb/s ×30, 6 Mb/s ×10); airtime 29.0 %"), std::string::npos);
    EXPECT_NE(html.find("decoded: 14 of 20 bursts decoded, 14 checksum ok"), std::string::npos);
    EXPECT_NE(html.find("piconet 0x9e8b33"), std::string::npos);
}

}  // namespace
}  // namespace coex::render
