// The report's data model: typed reads of an emitter's class-specific fields.
#include "coex/report/report.hpp"

namespace coex::report {

std::string_view evidence_key(EvidenceBasis basis) {
    switch (basis) {
        case EvidenceBasis::decoded: return "decoded";
        case EvidenceBasis::behaviour: return "behaviour";
        case EvidenceBasis::shape: return "shape";
    }
    return "shape";
}

std::vector<int> mark_my_networks(std::vector<WifiChannelRow>& channels, const std::vector<std::string>& ssids) {
    std::vector<int> found;
    for (auto& row : channels) {
        bool here = false;
        for (auto& n : row.networks)
            for (const auto& ssid : ssids)
                if (!ssid.empty() && n.ssid == ssid) n.mine = here = true;
        if (here) found.push_back(row.channel);
    }
    return found;
}

const Value* find_field(const Emitter& e, std::string_view name) {
    for (const auto& [k, v] : e.fields)
        if (k == name) return &v;
    return nullptr;
}

std::optional<double> get(const Emitter& e, FieldKey<double> key) {
    const Value* v = find_field(e, key.name);
    if (!v) return std::nullopt;
    if (const double* d = std::get_if<double>(&v->data)) return *d;
    return std::nullopt;
}

std::optional<std::vector<int>> get(const Emitter& e, FieldKey<std::vector<int>> key) {
    const Value* v = find_field(e, key.name);
    if (!v) return std::nullopt;
    const auto* array = std::get_if<Value::Array>(&v->data);
    if (!array) return std::nullopt;
    std::vector<int> out;
    for (const auto& item : *array)
        if (const double* d = std::get_if<double>(&item.data)) out.push_back(static_cast<int>(*d));
    return out;
}

}  // namespace coex::report
