// Prometheus' text exposition format 0.0.4, written by hand (docs/publish.md says why): per family a
// # HELP line (\\ and \n escaped), a # TYPE line, then `name{label="value",…} value` per sample with
// label values escaped (\\, \" and \n) and values in Go's float syntax (NaN, +Inf, -Inf).
#include "coex/publish/metrics.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace coex::publish {

namespace {

bool valid_name(const std::string& name, bool colons_allowed) {
    if (name.empty()) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colons_allowed && c == ':');
        const bool digit = c >= '0' && c <= '9';
        if (!(letter || (i > 0 && digit))) return false;
    }
    return true;
}

std::string escaped(const std::string& s, bool quotes) {
    std::string out;
    out.reserve(s.size());
    for (const char c : s) {
        if (c == '\\') out += "\\\\";
        else if (c == '\n') out += "\\n";
        else if (quotes && c == '"') out += "\\\"";
        else out += c;
    }
    return out;
}

std::string number(double x) {
    if (std::isnan(x)) return "NaN";
    if (std::isinf(x)) return x > 0 ? "+Inf" : "-Inf";
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, x);
    return std::string(buf, r.ptr);
}

}  // namespace

std::string exposition_text(const std::vector<MetricFamily>& families) {
    std::string out;
    for (const auto& f : families) {
        if (!valid_name(f.name, true)) throw std::invalid_argument("metric name '" + f.name + "'");
        out += "# HELP " + f.name + " " + escaped(f.help, false) + "\n";
        out += "# TYPE " + f.name + " " + (f.type == MetricType::counter ? "counter" : "gauge") + "\n";
        for (const auto& s : f.samples) {
            out += f.name;
            if (!s.labels.empty()) {
                out += "{";
                for (std::size_t i = 0; i < s.labels.size(); ++i) {
                    const auto& [name, value] = s.labels[i];
                    if (!valid_name(name, false) || name.rfind("__", 0) == 0)
                        throw std::invalid_argument("label name '" + name + "' of " + f.name);
                    if (i > 0) out += ',';
                    out += name;
                    out += "=\"";
                    out += escaped(value, true);
                    out += '"';
                }
                out += "}";
            }
            out += ' ';
            out += number(s.value);
            out += '\n';
        }
    }
    return out;
}

}  // namespace coex::publish
