// What the packet decoders found, as detectors use it: a burst proven by its checksum, and an emitter's
// decode counts and identities.
#include "detectors.hpp"

#include <algorithm>
#include <map>
#include <tuple>

namespace coex::classify {

const decode::Packet* BurstFeatures::proven(decode::Protocol p) const {
    for (const auto& packet : packets)
        if (packet.protocol == p && packet.checksum_ok) return &packet;
    return nullptr;
}

const decode::Packet* BurstFeatures::framed(decode::Protocol p) const {
    if (const auto* ok = proven(p)) return ok;
    for (const auto& packet : packets)
        if (packet.protocol == p) return &packet;
    return nullptr;
}

BurstDecode burst_decode(const BurstFeatures& burst, decode::Protocol protocol) {
    BurstDecode d;
    d.tried = burst.decoders_ran;
    const auto* packet = burst.framed(protocol);
    if (!packet) return d;
    d.framed = true;
    d.checksum_ok = packet->checksum_ok;
    d.link_data = protocol == decode::Protocol::ble && packet->kind.starts_with("data");
    d.device = packet->device;
    d.device_type = packet->device_type;
    d.network = packet->network;
    return d;
}

namespace util {

report::DecodeCounts decode_counts(const std::vector<BurstDecode>& bursts) {
    report::DecodeCounts c;
    c.bursts = bursts.size();
    for (const auto& b : bursts) {
        c.tried += b.tried;
        c.decoded += b.framed;
        c.checksum_ok += b.checksum_ok;
    }
    return c;
}

std::vector<report::Identity> identities(const std::vector<BurstDecode>& bursts, std::string_view role, bool by_network) {
    std::map<std::pair<std::string, std::string>, report::Identity> by_id;
    for (const auto& b : bursts) {
        const std::string& id = by_network ? b.network : b.device;
        if (!b.framed || id.empty()) continue;
        auto& entry = by_id[{id, by_network ? std::string() : b.device_type}];
        entry.role = std::string(role);
        entry.id = id;
        entry.type = by_network ? std::string() : b.device_type;
        ++entry.packets;
        entry.verified = entry.verified || b.checksum_ok;
    }
    std::vector<report::Identity> out;
    for (auto& [key, identity] : by_id) out.push_back(std::move(identity));
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return std::tie(b.verified, b.packets) < std::tie(a.verified, a.packets);
    });
    return out;
}

}  // namespace util
}  // namespace coex::classify
