#pragma once
// The bit-level half of the Bluetooth BR decoder (src/decode/bluetooth_br.cpp), which works through
// libbtbb: exposed so tests can feed it bit streams directly (the Core specification's sample access
// codes, packets built bit by bit from the standard) as well as waveforms through the decoder.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace coex::decode {

// Most bit errors a received 64-bit sync word may have and still be reported checksum_ok (the
// false-match argument is in bluetooth_br.cpp). The search itself tolerates one more, so a near miss
// is reported with checksum_ok = false.
inline constexpr int bt_br_max_sync_errors = 2;

struct BtSyncMatch {
    std::size_t offset = 0;  // index of the sync word's first bit (the preamble starts 4 bits earlier)
    std::uint32_t lap = 0;   // the LAP libbtbb reads from the corrected sync word
    int bit_errors = 0;      // Hamming distance between the received 64 bits and that LAP's sync word
};

// Every sync word of any LAP that libbtbb finds in `bits` (0/1, air order) with at most
// bt_br_max_sync_errors + 1 bit errors, in order; the search resumes after each match's header.
std::vector<BtSyncMatch> find_bt_sync_words(std::span<const std::uint8_t> bits);

struct BtPacketType {
    int code = 0;            // TYPE field of the packet header
    std::string name;        // "DH1", "DM3", "FHS", ...
    double duration_s = 0.0;  // the whole packet on air, from the access code to the payload CRC
};

// The packet type of the BR packet whose bits (0/1, air order) start at its sync word's first bit.
// Unwhitening the header needs CLK1-6 and checking its HEC needs the UAP, neither of which is on the
// air: libbtbb tries the 64 clock values (each gives the one UAP its HEC accepts) and the type counts
// only where exactly one hypothesis also makes the payload CRC-16 hold (FHS, DM1/3/5, DH1/3/5).
// nullopt otherwise (POLL, NULL, SCO/eSCO, EDR payloads, encrypted or damaged packets).
std::optional<BtPacketType> recover_bt_packet_type(std::span<const std::uint8_t> bits_from_sync);

}  // namespace coex::decode
