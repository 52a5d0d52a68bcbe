#pragma once
// IEEE 802.15.4 MAC frames (802.15.4-2020 clause 7.2): the FCS check and the parts of the MAC header
// a packet report names (frame type and version, sequence number, PAN IDs, addresses). Used by the
// 2.4 GHz O-QPSK decoder (src/decode/ieee802154.cpp) and its tests.
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace coex::decode::ieee802154 {

enum class AddressMode : std::uint8_t { none = 0, reserved = 1, short16 = 2, extended64 = 3 };

struct MacHeader {
    bool complete = false;  // every field the frame control announces lies before the FCS
    int frame_type = -1;    // 0 beacon, 1 data, 2 ack, 3 command, 4 reserved, 5 multipurpose, 6 fragment, 7 extended
    int frame_version = -1; // 0: 802.15.4-2003, 1: -2006, 2: -2015 and later
    bool security_enabled = false;
    bool frame_pending = false;
    bool ack_request = false;
    bool pan_id_compression = false;
    std::optional<std::uint8_t> sequence_number;  // absent when suppressed (2015 frames)
    AddressMode destination_mode = AddressMode::none;
    AddressMode source_mode = AddressMode::none;
    std::optional<std::uint16_t> destination_pan, source_pan;
    std::uint64_t destination_address = 0, source_address = 0;
};

// `mpdu` is the PSDU: MAC header, payload and the 2-octet FCS. Fields that do not fit before the FCS
// are left unset and `complete` is false. Multipurpose, fragment and extended frames (types 5–7) have
// other frame-control layouts: only their type is read.
[[nodiscard]] MacHeader parse_mac_header(std::span<const std::uint8_t> mpdu);

// Whether the last two octets of `psdu` (>= 2 octets) are the FCS (ITU-T CRC-16, init 0) of the rest.
[[nodiscard]] bool fcs_ok(std::span<const std::uint8_t> psdu);

// "beacon", "data", "ack", "command" ...; frames of version 2 (802.15.4-2015) get " (2015)" appended.
[[nodiscard]] std::string frame_kind(const MacHeader& h);
// "0x1234" (short) or "00:12:4b:00:01:02:03:04" (extended, most significant octet first as printed on
// devices; the air carries it least significant octet first). Empty for no address.
[[nodiscard]] std::string address_string(AddressMode mode, std::uint64_t address);
// "0xabcd".
[[nodiscard]] std::string pan_string(std::uint16_t pan);

}  // namespace coex::decode::ieee802154
