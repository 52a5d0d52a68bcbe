#include "decoders.hpp"

#include <array>

namespace coex::decode {

std::string_view protocol_key(Protocol p) {
    switch (p) {
        case Protocol::ble: return "bluetooth_le";
        case Protocol::bt_br: return "bluetooth_br";
        case Protocol::ieee802154: return "ieee802154";
        case Protocol::esb: return "esb";
        case Protocol::wifi_dsss: return "ieee80211_dsss";
        case Protocol::wifi_ofdm: return "ieee80211_ofdm";
    }
    return "unknown";
}

EmitterClass proven_class(Protocol p) {
    switch (p) {
        case Protocol::ble: return EmitterClass::ble;
        case Protocol::bt_br: return EmitterClass::bluetooth_classic;
        case Protocol::ieee802154: return EmitterClass::zigbee;
        case Protocol::esb: return EmitterClass::proprietary_gfsk;
        case Protocol::wifi_dsss: return EmitterClass::wifi_dsss;
        case Protocol::wifi_ofdm: return EmitterClass::wifi_ofdm;
    }
    return EmitterClass::unknown;
}

std::span<const DecoderDescriptor> decoder_registry() {
    static const std::array<DecoderDescriptor, 6> registry{kBleDecoder, kEsbDecoder, kBluetoothBrDecoder, kIeee802154Decoder,
                                                           kWifiOfdmDecoder, kWifiDsssDecoder};
    return registry;
}

}  // namespace coex::decode
