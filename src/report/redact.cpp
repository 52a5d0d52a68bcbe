// --redact: a report that can be shared without naming anyone's network or device.
#include "coex/report/report.hpp"

#include <glib.h>

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace coex::report {
namespace {

class Redactor {
public:
    Redactor() {
        std::random_device entropy;
        for (auto& byte : salt_) byte = static_cast<std::uint8_t>(entropy());
    }

    // The digest that stands for `value` in this report ("" stays "": a hidden network has no name).
    const std::string& replace(const std::string& value, const char* label) {
        static const std::string empty;
        if (value.empty()) return empty;
        auto [it, fresh] = digests_.try_emplace(value);
        if (fresh) {
            std::unique_ptr<GChecksum, decltype(&g_checksum_free)> sum(g_checksum_new(G_CHECKSUM_SHA256), &g_checksum_free);
            g_checksum_update(sum.get(), salt_.data(), static_cast<gssize>(salt_.size()));
            g_checksum_update(sum.get(), reinterpret_cast<const guchar*>(value.data()), static_cast<gssize>(value.size()));
            it->second = std::string(label) + ":" + std::string(g_checksum_get_string(sum.get())).substr(0, 12);
        }
        return it->second;
    }
    void in_place(std::string& value, const char* label) { value = replace(value, label); }

    // Sentences that quote a replaced value: longest values first, so a value inside another is not cut.
    void scrub(std::string& text) const {
        if (order_.empty()) {
            for (const auto& [value, digest] : digests_) order_.push_back(&value);
            std::sort(order_.begin(), order_.end(), [](const std::string* a, const std::string* b) { return a->size() > b->size(); });
        }
        for (const auto* value : order_)
            for (std::size_t at = text.find(*value); at != std::string::npos; at = text.find(*value, at + 1))
                text.replace(at, value->size(), digests_.at(*value));
    }

private:
    std::array<std::uint8_t, 16> salt_{};
    std::map<std::string, std::string> digests_;
    mutable std::vector<const std::string*> order_;
};

void redact_object(Value::Object& object, Redactor& r) {
    for (auto& [key, value] : object) {
        if (auto* text = std::get_if<std::string>(&value.data)) {
            if (key == "device") r.in_place(*text, "device");
            if (key == "network") r.in_place(*text, "network");
        } else if (auto* list = std::get_if<Value::Array>(&value.data)) {
            for (auto& item : *list)
                if (auto* inner = std::get_if<Value::Object>(&item.data)) redact_object(*inner, r);
        } else if (auto* inner = std::get_if<Value::Object>(&value.data)) {
            redact_object(*inner, r);
        }
    }
}

}  // namespace

void redact(Report& report) {
    Redactor r;
    for (auto& row : report.wifi)
        for (auto& n : row.networks) {
            r.in_place(n.ssid, "ssid");
            r.in_place(n.bssid, "bssid");
        }
    for (auto& e : report.emitters)
        for (auto& id : e.identities) {
            r.in_place(id.id, "id");
            r.in_place(id.name, "ssid");
        }
    if (report.bursts)
        for (auto& b : *report.bursts) redact_object(b.features, r);
    // then every sentence that might quote one
    for (auto& e : report.emitters) {
        r.scrub(e.summary);
        r.scrub(e.evidence.detail);
    }
    if (report.recommendation) {
        auto& rec = *report.recommendation;
        r.scrub(rec.headline);
        for (auto& reason : rec.reasons) r.scrub(reason);
    }
    report.capture.path = report.capture.path.empty() ? "" : "(redacted)";
}

}  // namespace coex::report
