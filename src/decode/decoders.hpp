#pragma once
// The descriptors the decoder files define, for the registry.
#include "coex/decode/packet.hpp"

namespace coex::decode {

extern const DecoderDescriptor kWifiDsssDecoder;
extern const DecoderDescriptor kBluetoothBrDecoder;
extern const DecoderDescriptor kIeee802154Decoder;
extern const DecoderDescriptor kWifiOfdmDecoder;
extern const DecoderDescriptor kBleDecoder;
extern const DecoderDescriptor kEsbDecoder;
}  // namespace coex::decode
