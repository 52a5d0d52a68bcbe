#pragma once
// The registered detectors (one file each) and small helpers they share.
#include "coex/classify/detector.hpp"
#include "coex/core/numeric.hpp"
#include "coex/core/format.hpp"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace coex::classify {

extern const DetectorDescriptor kWifiDetector;
extern const DetectorDescriptor kBluetoothClassicDetector;
extern const DetectorDescriptor kBleDetector;
extern const DetectorDescriptor kZigbeeDetector;
extern const DetectorDescriptor kMicrowaveOvenDetector;
extern const DetectorDescriptor kUnknownDetector;
extern const DetectorDescriptor kNarrowbandSpurDetector;
extern const DetectorDescriptor kUsb3NoiseDetector;
extern const DetectorDescriptor kOfdmNotWifiDetector;

// Below this, a burst's deviation and width are too noisy to name a modulation by (and noise
// fluctuating over a raised floor starts to look like bursts).
inline constexpr double kMinAboveFloorDb = 6.0;
// A radio's carrier holds still within a packet (crystal-locked, ±tens of kHz); the centre of a
// burst whose frame-to-frame centre spreads wider than this is not a radio packet.
inline constexpr double kMaxRadioDriftMhz = 0.3;
// Weaker than this is arithmetic, not RF (no receiver's quantisation reaches it): an all-zero or
// noiseless capture's rounding residue, never an emitter.
inline constexpr double kNumericalFloorDbfs = -150.0;

// A burst as the emitter built from it sees it.
struct BurstSpan {
    double start, end, low_mhz, high_mhz, level_dbfs, above_floor_db;
};

// What decoding made of one burst an emitter is built from, for its evidence and identities.
struct BurstDecode {
    bool tried = false, framed = false, checksum_ok = false;
    bool link_data = false;  // a BLE connection's data PDU (kind "data…"), its CRC checked or not
    std::string device, device_type, network;
};
[[nodiscard]] BurstDecode burst_decode(const BurstFeatures& burst, decode::Protocol protocol);
// The same burst as seen by an emitter its packets do not belong to: tried, nothing framed.
[[nodiscard]] inline BurstDecode tried_only(const BurstDecode& d) {
    BurstDecode out;
    out.tried = d.tried;
    return out;
}

// Whether `piece` (an 'unknown' entry) is a piece of the OFDM-not-Wi-Fi link `link`: energy inside its
// band that its own checks missed (the first piece of a transmission, a few frames only, a piece whose
// centre jitters like a magnetron's), or its filter's skirt in the MHz beside an edge. Both the link's
// detector and Wi-Fi's (which hands such links over) claim pieces by it.
[[nodiscard]] bool is_piece_of_ofdm_link(const report::Emitter& link, const report::Emitter& piece);

namespace util {

// {bursts, decoded, checksum_ok} over an emitter's bursts.
report::DecodeCounts decode_counts(const std::vector<BurstDecode>& bursts);
// The identities the bursts named (their device, or their network when by_network), most packets
// first; `role` says what they are ("advertiser", "piconet", …).
std::vector<report::Identity> identities(const std::vector<BurstDecode>& bursts, std::string_view role, bool by_network = false);

// The fields every emitter entry derives from the bursts it is made of: band, level (power mean),
// margin over the floor (median), duty over the time its band was observed (shrunk by `edge_mhz` at
// each side, where the bands are padded), count, first and last. Class-specific fields are the caller's.
report::Emitter emitter_from_bursts(EmitterClass emitter_class, const std::vector<BurstSpan>& bursts,
                                    const Observation& observation, double edge_mhz);

using coex::format;

using coex::median;

// "2402–2428 MHz, 2450 MHz": whole-MHz values grouped into runs.
std::string mhz_ranges(const std::vector<int>& mhz);

// Mean power of a set of levels in dBFS, averaged as power.
double mean_dbfs(const std::vector<double>& dbfs);

}  // namespace util
}  // namespace coex::classify
