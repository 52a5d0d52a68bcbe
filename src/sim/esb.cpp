#include "coex/sim/esb.hpp"

#include "coex/core/error.hpp"
#include "coex/sim/bluetooth.hpp"

namespace coex::sim {
namespace {

void append_msb_first(coding::Bits& out, std::uint32_t value, int bits) {
    for (int i = bits - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>((value >> i) & 1u));
}

}  // namespace

std::uint16_t esb_crc16(std::span<const std::uint8_t> bits) {
    std::uint16_t crc = 0xFFFF;
    for (const std::uint8_t b : bits) {
        const bool top = ((crc >> 15) & 1u) != (b & 1u);
        crc = static_cast<std::uint16_t>(crc << 1);
        if (top) crc ^= 0x1021;
    }
    return crc;
}

std::uint8_t esb_crc8(std::span<const std::uint8_t> bits) {
    std::uint8_t crc = 0xFF;
    for (const std::uint8_t b : bits) {
        const bool top = ((crc >> 7) & 1u) != (b & 1u);
        crc = static_cast<std::uint8_t>(crc << 1);
        if (top) crc ^= 0x07;
    }
    return crc;
}

coding::Bits esb_frame_bits(std::span<const std::uint8_t> address, std::span<const std::uint8_t> payload, int pid, bool no_ack,
                    int crc_bytes) {
    if (address.size() < 3 || address.size() > 5) throw ConfigError("ESB address must be 3..5 bytes");
    if (payload.size() > esb_max_payload_bytes) throw ConfigError("ESB payload must be 0..32 bytes");
    if (pid < 0 || pid > 3) throw ConfigError("ESB PID must be 0..3");
    if (crc_bytes != 1 && crc_bytes != 2) throw ConfigError("ESB CRC must be 1 or 2 bytes");
    coding::Bits covered;  // address, PCF, payload: what the CRC covers
    for (const std::uint8_t byte : address) append_msb_first(covered, byte, 8);
    append_msb_first(covered, static_cast<std::uint32_t>(payload.size()), 6);
    append_msb_first(covered, static_cast<std::uint32_t>(pid), 2);
    covered.push_back(no_ack ? 1 : 0);
    for (const std::uint8_t byte : payload) append_msb_first(covered, byte, 8);
    coding::Bits out;
    append_msb_first(out, (address[0] & 0x80u) ? 0xAAu : 0x55u, 8);
    out.insert(out.end(), covered.begin(), covered.end());
    if (crc_bytes == 2)
        append_msb_first(out, esb_crc16(covered), 16);
    else
        append_msb_first(out, esb_crc8(covered), 8);
    return out;
}

double esb_packet_duration_s(std::size_t address_bytes, std::size_t payload_bytes, int crc_bytes) {
    const double bits = 8.0 + 8.0 * static_cast<double>(address_bytes) + 9.0 + 8.0 * static_cast<double>(payload_bytes) + 8.0 * crc_bytes;
    return bits / esb_symbol_rate_hz;
}

Waveform esb_packet(std::span<const std::uint8_t> address, std::size_t payload_bytes, int pid, std::mt19937_64& rng,
                    double samples_per_symbol) {
    if (payload_bytes > esb_max_payload_bytes) throw ConfigError("ESB payload must be 0..32 bytes");
    std::vector<std::uint8_t> payload(payload_bytes);
    std::uniform_int_distribution<int> byte(0, 255);
    for (auto& b : payload) b = static_cast<std::uint8_t>(byte(rng));
    return gfsk_modulate(esb_frame_bits(address, payload, pid, false), esb_symbol_rate_hz, 0.5, esb_mod_index, samples_per_symbol);
}

}  // namespace coex::sim
