#include "coex/sim/esb.hpp"

#include "coex/core/error.hpp"
#include "coex/sim/bluetooth.hpp"

namespace coex::sim {
namespace {

// The CRC as the nRF24L01+ computes it: the register shifts towards its top bit, each input bit
// (most significant first) against the bit shifted out (no reflection, no final xor).
std::uint32_t msb_first_crc(std::span<const std::uint8_t> bits, std::uint32_t poly, std::uint32_t init, int width) {
    const std::uint32_t top = 1u << (width - 1), mask = (width == 32) ? ~0u : (1u << width) - 1u;
    std::uint32_t crc = init;
    for (const std::uint8_t b : bits) {
        const bool feedback = ((crc & top) != 0) != ((b & 1u) != 0);
        crc = (crc << 1) & mask;
        if (feedback) crc ^= poly;
    }
    return crc;
}

}  // namespace

std::uint16_t esb_crc16(std::span<const std::uint8_t> bits) { return static_cast<std::uint16_t>(msb_first_crc(bits, 0x1021, 0xFFFF, 16)); }

std::uint8_t esb_crc8(std::span<const std::uint8_t> bits) { return static_cast<std::uint8_t>(msb_first_crc(bits, 0x07, 0xFF, 8)); }

coding::Bits esb_frame_bits(std::span<const std::uint8_t> address, std::span<const std::uint8_t> payload, int pid, bool no_ack,
                    int crc_bytes) {
    if (address.size() < 3 || address.size() > 5) throw ConfigError("ESB address must be 3..5 bytes");
    if (payload.size() > esb_max_payload_bytes) throw ConfigError("ESB payload must be 0..32 bytes");
    if (pid < 0 || pid > 3) throw ConfigError("ESB PID must be 0..3");
    if (crc_bytes != 1 && crc_bytes != 2) throw ConfigError("ESB CRC must be 1 or 2 bytes");
    coding::Bits covered;  // address, PCF, payload: what the CRC covers
    for (const std::uint8_t byte : address) coding::append_crc_msb_first(covered, byte, 8);
    coding::append_crc_msb_first(covered, static_cast<std::uint32_t>(payload.size()), 6);
    coding::append_crc_msb_first(covered, static_cast<std::uint32_t>(pid), 2);
    covered.push_back(no_ack ? 1 : 0);
    for (const std::uint8_t byte : payload) coding::append_crc_msb_first(covered, byte, 8);
    coding::Bits out;
    coding::append_crc_msb_first(out, (address[0] & 0x80u) ? 0xAAu : 0x55u, 8);
    out.insert(out.end(), covered.begin(), covered.end());
    if (crc_bytes == 2)
        coding::append_crc_msb_first(out, esb_crc16(covered), 16);
    else
        coding::append_crc_msb_first(out, esb_crc8(covered), 8);
    return out;
}

double esb_packet_duration_s(std::size_t address_bytes, std::size_t payload_bytes, int crc_bytes, double symbol_rate_hz) {
    const double bits = 8.0 + 8.0 * static_cast<double>(address_bytes) + 9.0 + 8.0 * static_cast<double>(payload_bytes) + 8.0 * crc_bytes;
    return bits / symbol_rate_hz;
}

Waveform esb_packet(std::span<const std::uint8_t> address, std::size_t payload_bytes, int pid, std::mt19937_64& rng,
                    double samples_per_symbol, double symbol_rate_hz) {
    if (payload_bytes > esb_max_payload_bytes) throw ConfigError("ESB payload must be 0..32 bytes");
    if (symbol_rate_hz != 1e6 && symbol_rate_hz != 2e6) throw ConfigError("ESB symbol rate must be 1e6 or 2e6");
    std::vector<std::uint8_t> payload(payload_bytes);
    std::uniform_int_distribution<int> byte(0, 255);
    for (auto& b : payload) b = static_cast<std::uint8_t>(byte(rng));
    return gfsk_modulate(esb_frame_bits(address, payload, pid, false), symbol_rate_hz, 0.5, esb_mod_index, samples_per_symbol);
}

}  // namespace coex::sim
