// The decoder registry: every protocol has its own key, none spelled like an emitter class (a protocol
// is evidence for a class, not the class), and every registered decoder can be made.
#include "coex/core/emitter_class.hpp"
#include "coex/decode/packet.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace cd = coex::decode;

TEST(DecoderRegistry, ProtocolKeysAreDistinctAndNotClassKeys) {
    std::set<std::string> keys;
    for (auto p : {cd::Protocol::ble, cd::Protocol::bt_br, cd::Protocol::ieee802154, cd::Protocol::esb, cd::Protocol::wifi_dsss,
                   cd::Protocol::wifi_ofdm}) {
        const std::string key(cd::protocol_key(p));
        EXPECT_TRUE(keys.insert(key).second) << key;
        EXPECT_FALSE(coex::emitter_class_from_key(key).has_value()) << key;
    }
}

TEST(DecoderRegistry, EveryDecoderCanBeMadeAndIsListedOnce) {
    std::set<cd::Protocol> seen;
    for (const auto& d : cd::decoder_registry()) {
        EXPECT_TRUE(seen.insert(d.protocol).second) << d.name;
        EXPECT_GT(d.min_sample_rate_hz, 0.0) << d.name;
        EXPECT_NE(d.make(), nullptr) << d.name;
    }
}
