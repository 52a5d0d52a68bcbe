#pragma once
// Packet decoders: the strongest evidence a burst can give is a packet whose checksum holds. Each
// decoder lives in its own file (src/decode/<protocol>.cpp) and is listed in the registry
// (src/decode/registry.cpp); the classifier runs them on the samples of the bursts it closes.
//
// What a decoder is handed (Input): complex baseband of one burst or transmission, brought to
// `center_hz` (the burst's estimated centre, or a Wi-Fi channel's centre), at `sample_rate_hz`. The
// centre is only an estimate (the burst's 1 MHz cells, a transmitter's frequency offset): a decoder
// finds the carrier itself. It filters and resamples to what it needs; it never assumes the samples
// start at the packet.
#include "coex/core/emitter_class.hpp"
#include "coex/core/types.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace coex::decode {

enum class Protocol : std::uint8_t {
    ble,         // Bluetooth LE 1M / 2M (Core Vol 6 Part B)
    bt_br,       // Bluetooth BR (Core Vol 2 Part B), via libbtbb
    ieee802154,  // IEEE 802.15.4 2.4 GHz O-QPSK (Zigbee, Thread)
    esb,         // Nordic Enhanced ShockBurst (nRF24L01+-style links)
    wifi_dsss,   // IEEE 802.11b DSSS (clauses 16/17)
    wifi_ofdm,   // IEEE 802.11a/g OFDM and 802.11n HT-mixed (clauses 17/19)
};
[[nodiscard]] std::string_view protocol_key(Protocol p);
// The class a packet of this protocol whose checksum holds proves its burst is (an ESB packet proves a
// proprietary link, not the Classic detector that takes such bursts).
[[nodiscard]] EmitterClass proven_class(Protocol p);

struct Input {
    std::span<const cf32> samples;
    double sample_rate_hz = 0.0;
    double center_hz = 0.0;  // RF frequency the samples are centred on
    // The burst's FM peak deviation as the framework measured it (0: not measured): a hint that lets a
    // decoder of two symbol rates skip the one the burst cannot be (it never decides a packet).
    double measured_deviation_hz = 0.0;
};

// One packet found in the samples.
struct Packet {
    Protocol protocol = Protocol::ble;
    double start_s = 0.0;     // first preamble symbol, seconds after the first sample handed in
    double duration_s = 0.0;  // time on air, from the decoded header and length
    // Whether the packet's checksum (CRC, FCS, HEC) was computed and held. A packet is evidence of its
    // protocol only when checksum_ok; `checksum_checked` is false where the protocol's check cannot be
    // computed from the air alone (a BLE connection's CRC init, a BR payload without its UAP).
    bool checksum_checked = false;
    bool checksum_ok = false;
    double frequency_offset_hz = 0.0;  // carrier against center_hz
    double rate_mbps = 0.0;            // PHY data rate of the payload, where the header says it
    int mcs = -1;                      // 802.11n HT-SIG MCS (-1: not HT)
    std::string kind;         // frame or PDU type: "ADV_IND", "beacon", "ack", "data", "DH1", ...
    std::string device;       // the sender's identity: AdvA, BR LAP, ESB address, transmitter MAC, 802.15.4 source
    std::string device_type;  // "public" / "random" (BLE AdvA)
    std::string network;      // SSID, 802.15.4 PAN ID, BLE connection access address
    std::string bssid;        // 802.11 BSSID where the frame carries one
    std::uint32_t access_address = 0;  // BLE access address (also custom ones of raw BLE-PHY links)
    // A link whose check value is not on the air (a BLE connection's CRC init) is learnt from its packets.
    // A packet not yet checked carries the values its own checksum gives (one per hypothesis on its last
    // bits); a packet checked by a learnt value carries that value alone. The classifier then checks an
    // earlier packet of the link (same protocol and access address) whose values hold the learnt one.
    std::array<std::uint32_t, 4> link_keys{};
    std::uint8_t link_key_count = 0;
};

class Decoder {
public:
    virtual ~Decoder() = default;
    // Appends every packet found in `in`; keeps nothing of it.
    virtual void decode(const Input& in, std::vector<Packet>& out) = 0;
};

struct DecoderDescriptor {
    Protocol protocol;
    std::string_view name;       // for people
    double min_sample_rate_hz;   // below this the decoder cannot work (it is not run)
    bool wideband;               // run on Wi-Fi transmissions (true) or on narrowband bursts (false)
    std::unique_ptr<Decoder> (*make)();
    // What the framework may spare it (narrowband decoders): the most of a burst's start it needs
    // (0: all of it), and the FM deviation its PHY can show on the framework's measure (a burst
    // measured outside it is not handed over; one not measured always is).
    double max_input_s = 0.0;
    double min_deviation_khz = 0.0, max_deviation_khz = 1e9;
    double max_burst_s = 1e9;  // longer than its longest packet: a burst longer is not one of its packets
    double min_burst_s = 0.0;  // shorter than its shortest (less a frame or two of the framework's)
};

// The decoders, in the order they are tried.
std::span<const DecoderDescriptor> decoder_registry();

}  // namespace coex::decode
