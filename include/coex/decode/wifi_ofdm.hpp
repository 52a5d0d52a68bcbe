#pragma once
// The 802.11 OFDM decoder (src/decode/wifi_ofdm.cpp) with its payload policy chosen: the registry's
// decodes short PPDUs' DATA (FCS, MAC header) at the 6 Mb/s basic rate only; tests ask for every rate.
#include "coex/decode/packet.hpp"

#include <memory>

namespace coex::decode {

std::unique_ptr<Decoder> make_wifi_ofdm_decoder(bool payloads_at_every_rate);

}  // namespace coex::decode
