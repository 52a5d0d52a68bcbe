// Zero false decodes, across the registry: every decoder is run on the bursts of every other class the
// simulator makes — the other PHYs, a microwave oven's on-period, broadband noise, CW tones, a DECT-like
// FHSS phone — and may report a checksum-valid packet only of the burst's own protocol. Each PHY's own
// burst is decoded by its own decoder (so the test cannot pass by a decoder seeing nothing).
#include "coex/decode/packet.hpp"
#include "coex/sim/bluetooth.hpp"
#include "coex/sim/esb.hpp"
#include "coex/sim/interferers.hpp"
#include "coex/sim/wifi.hpp"
#include "coex/sim/zigbee.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <numbers>
#include <optional>
#include <random>
#include <string>

namespace coex {
namespace {

namespace cd = decode;

struct Burst {
    std::string name;
    std::optional<cd::Protocol> protocol;  // what it is (none: not a packet)
    sim::Waveform wave;
    double center_hz = 2440e6;             // where it is (BLE's whitening follows its channel)
};

// The waveform with 60 µs of noise 25 dB below it on either side, and the noise under it too.
std::vector<cf32> embedded(const sim::Waveform& w, std::mt19937_64& rng) {
    const auto margin = static_cast<std::size_t>(60e-6 * w.sample_rate_hz);
    std::vector<cf32> out(w.samples.size() + 2 * margin);
    std::normal_distribution<float> n(0.0f, static_cast<float>(std::sqrt(0.5 * std::pow(10.0, -2.5))));
    for (auto& x : out) x = {n(rng), n(rng)};
    for (std::size_t i = 0; i < w.samples.size(); ++i) out[margin + i] += w.samples[i];
    return out;
}

sim::Waveform tone(double offset_hz, double rate, double seconds) {
    sim::Waveform w{std::vector<cf32>(static_cast<std::size_t>(seconds * rate)), rate};
    for (std::size_t i = 0; i < w.samples.size(); ++i)
        w.samples[i] = std::polar(1.0f, static_cast<float>(2.0 * std::numbers::pi * offset_hz * static_cast<double>(i) / rate));
    return w;
}

sim::Waveform broadband_noise(double rate, double seconds, std::mt19937_64& rng) {
    sim::Waveform w{std::vector<cf32>(static_cast<std::size_t>(seconds * rate)), rate};
    sim::add_shaped_noise(w.samples, rate, [](double) { return 1.0; }, rng);
    return w;
}

// Every class's bursts at `rate` (narrowband PHYs at an integer number of samples per symbol close to
// it; 802.11 at their native 20 and 22 MS/s, which both kinds of decoder accept).
std::vector<Burst> bursts(double rate, std::mt19937_64& rng) {
    const double sps = rate / 1e6;
    const std::vector<std::uint8_t> esb_address = {0xE7, 0xE7, 0xE7, 0xE7, 0xE7};
    std::vector<Burst> out;
    out.push_back({"BLE 1M advertising", cd::Protocol::ble, sim::ble_packet(31, sim::BlePhy::le1m, 37, rng, sps), 2402e6});
    out.push_back({"BLE 2M advertising", cd::Protocol::ble, sim::ble_packet(60, sim::BlePhy::le2m, 38, rng, sps / 2), 2426e6});
    out.push_back({"BLE 1M data (CRC init unknown)", std::nullopt, sim::ble_packet(40, sim::BlePhy::le1m, 12, rng, sps), 2430e6});
    out.push_back({"BR DH1", cd::Protocol::bt_br, sim::bt_br_packet(sim::BtPacket::dh1, rng, sps)});
    out.push_back({"BR DH5", cd::Protocol::bt_br, sim::bt_br_packet(sim::BtPacket::dh5, rng, sps)});
    out.push_back({"ESB", cd::Protocol::esb, sim::esb_packet(esb_address, 32, 2, rng, sps)});
    out.push_back({"802.15.4", cd::Protocol::ieee802154, sim::zigbee_packet(40, rng, sps / 2)});
    out.push_back({"802.11 OFDM 24 Mb/s", cd::Protocol::wifi_ofdm, sim::wifi_ofdm_ppdu(300, sim::WifiRate::mbps24, rng)});
    out.push_back({"802.11n MCS 3", cd::Protocol::wifi_ofdm, sim::wifi_ht_ppdu(300, 3, sim::HtWidth::ht20, rng)});
    out.push_back({"802.11b 1 Mb/s", cd::Protocol::wifi_dsss, sim::wifi_dsss_ppdu(60, rng)});
    out.push_back({"microwave oven", std::nullopt, sim::microwave_on_period(2e-3, 4e6, 0.4e6, rng, rate)});
    out.push_back({"DECT-like phone", std::nullopt, sim::fhss_phone_burst(400, rng, sps / 1.152)});
    out.push_back({"broadband noise (USB 3.0-like)", std::nullopt, broadband_noise(rate, 2e-3, rng)});
    out.push_back({"CW at +0.2 MHz", std::nullopt, tone(0.2e6, rate, 1e-3)});
    out.push_back({"CW at 0 Hz", std::nullopt, tone(0.0, rate, 1e-3)});
    return out;
}

TEST(FalseDecodes, NoDecoderProvesAnotherClassesBurst) {
    std::map<std::string, int> own_decoded;
    int cross_checked = 0;
    for (const double rate : {10e6, 20e6}) {
        for (int seed = 0; seed < 4; ++seed) {
            std::mt19937_64 rng(100 + static_cast<unsigned>(seed));
            for (const auto& b : bursts(rate, rng)) {
                const auto samples = embedded(b.wave, rng);
                const cd::Input in{samples, b.wave.sample_rate_hz, b.center_hz};
                for (const auto& d : cd::decoder_registry()) {
                    if (in.sample_rate_hz < d.min_sample_rate_hz) continue;
                    std::vector<cd::Packet> packets;
                    d.make()->decode(in, packets);
                    for (const auto& p : packets) {
                        if (!p.checksum_ok) continue;
                        // (a BLE data packet may be proven only as BLE: its CRC init is unknown, so it never is)
                        if (b.protocol && p.protocol == *b.protocol) {
                            ++own_decoded[b.name];
                            continue;
                        }
                        ADD_FAILURE() << d.name << " proved a " << cd::protocol_key(p.protocol) << " packet (" << p.kind << ") in a "
                                      << b.name << " burst at " << in.sample_rate_hz / 1e6 << " MS/s";
                    }
                    ++cross_checked;
                }
            }
        }
    }
    std::printf("%d decoder runs over the bursts; own decodes:", cross_checked);
    for (const auto& [name, n] : own_decoded) std::printf(" %s %d;", name.c_str(), n);
    std::printf("\n");
    // every packet burst whose decoder is registered is decoded by it, at every rate and seed
    for (const auto& b : bursts(10e6, *std::make_unique<std::mt19937_64>(1))) {
        if (!b.protocol) continue;
        bool registered = false;
        for (const auto& d : cd::decoder_registry()) registered = registered || d.protocol == *b.protocol;
        if (registered) {
            EXPECT_GE(own_decoded[b.name], 6) << b.name;
        }
    }
}

}  // namespace
}  // namespace coex
