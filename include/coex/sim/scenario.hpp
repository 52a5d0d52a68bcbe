#pragma once
// A scene file (docs/scenes.md): the receiver that looks at the band and the emitters on the air.
// parse_scene() validates everything once and throws coex::InputError naming the file and the
// JSON path of the offending value ("scene.json: emitters[2].channel: 15 is not a Wi-Fi channel
// (1–14)").
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "coex/sim/bluetooth.hpp"
#include "coex/sim/wifi.hpp"

namespace coex::sim {

enum class ViewKind { single, wideband, sweep, narrow };
std::string to_string(ViewKind kind);

struct ReceiverSpec {
    ViewKind view = ViewKind::single;
    double sample_rate_hz = 20e6;
    double center_hz = 2437e6;                // single, wideband, narrow
    std::optional<double> bandwidth_hz;       // usable passband (unset: 90 % of the rate)
    // sweep: one dwell per centre, in order, `rounds` times, with a retune gap after each dwell
    std::vector<double> sweep_centers_hz;
    double dwell_s = 0.05;
    int rounds = 1;
    double retune_gap_s = 1e-3;
    // realism
    std::optional<double> noise_floor_dbfs_per_mhz = -55.0;  // thermal floor; unset = no noise at all
    std::string sample_type = "int8";                        // int8, int16, float32
    std::optional<double> dc_offset_dbfs = -45.0;            // LO leakage (DC spike); unset = none
    double iq_gain_imbalance_db = 0.1;
    double iq_phase_imbalance_deg = 0.5;
    double lo_offset_hz = 0.0;   // true tuning minus nominal tuning (a downconverter's LO error)
    std::string hardware;
    // receiver models and what real radios add (docs/scenes.md, "Receiver models"; coex/sim/receiver.hpp)
    std::string model;                 // hackrf, rtlsdr, usrp, pluto; empty: none
    std::optional<int> adc_bits;       // effective ADC resolution; unset: the sample type's
    double passband_droop_db = 0.0;    // baseband filter loss at +-0.45 x rate
    double passband_tilt_db = 0.0;     // gain at +0.45 x rate minus gain at -0.45 x rate
    double agc_step_db = 0.0;          // AGC gain steps (0: none) ...
    double agc_steps_per_s = 0.0;      // ... at this mean rate
    double multipath_rms_s = 0.0;      // default indoor delay spread of every emitter (0: none)
    bool tx_drift = false;             // default: transmitters drift within a burst (their standard's limit)
    // A model given from outside (coex eval) that cannot have this view (its rate is beyond the model):
    // why, for people; the scene is then not synthesised behind that model.
    std::string beyond_model;
};

// Level of an emitter at the receiver: an SNR over the noise floor in the emitter's bandwidth, or
// an absolute mean power while on (dBFS).
struct LevelSpec {
    std::optional<double> snr_db;
    std::optional<double> level_dbfs;
};

struct WifiOfdmSpec {
    int channel = 6;               // the primary channel
    std::string standard = "g";    // g: non-HT 802.11a/g frames; n: HT-mixed 802.11n frames
    int width_mhz = 20;            // n only: 20 or 40 (HT40, with the secondary channel)
    int secondary = +1;            // HT40: +1 above (primary 1–9), -1 below (primary 5–13)
    int mcs = 7;                   // n only: 0..7
    double airtime = 0.3;          // target share of the time on the air (frames + ACKs + beacons)
    WifiRate rate = WifiRate::mbps24;
    std::string frames = "mixed";  // mixed, short, long
    std::optional<std::size_t> psdu_bytes;  // fixed data-frame length instead of the mix
    bool ack = true;
    bool beacons = true;
    double peer_level_db = -6.0;   // ACKs come from the other station, this much weaker
    std::string ssid;              // set: the beacons are 802.11 beacon frames naming this network (6 Mb/s)
};

struct WifiDsssSpec {
    int channel = 1;
    double beacon_interval_s = 0.1024;
    std::optional<double> first_beacon_s;  // unset: random within the first interval
    std::size_t beacon_bytes = 120;
    double airtime = 0.0;  // data frames (1 Mb/s) + ACKs on top of the beacons
    double peer_level_db = -6.0;
    std::string ssid;      // set: the beacons are 802.11 beacon frames naming this network (1 Mb/s)
};

struct BtClassicSpec {
    BtPacket packet = BtPacket::dh5;
    double slot_usage = 0.6;            // share of master transmit opportunities used
    std::vector<int> used_channels;     // AFH map (channel numbers 0..78); >= 20
    std::string reply = "null";         // slave reply: null (short packet), none, dh1
    double slave_level_db = -6.0;
};

struct BleSpec {
    std::string mode = "advertising";  // advertising, connection
    BlePhy phy = BlePhy::le1m;
    double adv_interval_s = 0.1;
    std::vector<int> adv_channels = {37, 38, 39};
    std::size_t pdu_bytes = 31;        // advertising payload (AdvA + AdvData) or data payload
    double conn_interval_s = 0.03;
    std::optional<int> hop;            // channel selection algorithm #1 hop increment 5..16
    std::vector<int> data_channels;    // used data channels (0..36); empty = all
    double peripheral_level_db = -3.0;
};

struct ZigbeeSpec {
    int channel = 15;
    double interval_s = 0.03;  // mean time between frames (exponential)
    std::size_t psdu_bytes = 50;
    bool ack = true;
};

struct Usb3Spec {
    double low_hz = 2400e6, high_hz = 2500e6;
    double ripple_db = 1.0;        // peak spectral ripple
    double ripple_period_hz = 4e6;
};

struct ToneSpec {
    double freq_hz = 2450e6;
};

struct CombSpec {
    double f0_hz = 16e6;             // tones at k f0 ...
    double low_hz = 2400e6, high_hz = 2500e6;  // ... that fall in this range
    double slope_db = 0.0;           // level change per harmonic step (from the lowest)
};

struct MicrowaveSpec {
    double mains_hz = 50.0;
    double center_hz = 2455e6;
    double sweep_hz = 4e6;        // carrier swing within an on-period
    double on_fraction = 0.45;    // of each mains cycle (the magnetron runs in one half-cycle)
    double drift_hz = 1e6;        // slow random drift of the centre from cycle to cycle
};

// An nRF24-style proprietary link (Enhanced ShockBurst, 1 Mb/s GFSK) parked on one frequency: a
// wireless mouse or a toy remote sending a packet every interval.
// With hop_hz, it hops like a gaming mouse's or keyboard's dongle: over that list, in order, every
// hop_every_s, or (hop_every_s unset) when a packet goes unacknowledged (lost_share of them).
struct EsbSpec {
    double freq_hz = 2440e6;
    double interval_s = 1e-3;        // packet to packet (±5 % jitter)
    std::size_t payload_bytes = 8;
    std::size_t address_bytes = 5;   // the address itself is drawn from the scene's seed
    double symbol_rate_hz = 1e6;     // 1e6 or 2e6 (the nRF24L01+'s 2 Mb/s mode, ±320 kHz)
    std::vector<double> hop_hz;      // empty: fixed on freq_hz
    std::optional<double> hop_every_s;
    double lost_share = 0.05;
};

// An OFDM video/control downlink with LTE's numerology (a drone's video link): 10 or 20 MHz,
// continuous, or in frames of frame_s sent with the given duty.
struct DroneOfdmSpec {
    double center_hz = 2444.5e6;  // off the Wi-Fi grid, where DJI-style links sit
    int channel_mhz = 10;
    int bits_per_symbol = 2;         // 2 QPSK, 4 16-QAM
    double frame_s = 0.01;
    double duty = 1.0;               // 1: continuous
};

// An analog FM video sender (AV sender, baby camera): a continuous carrier.
struct FmVideoSpec {
    double center_hz = 2432e6;
    double peak_deviation_hz = 4e6;
};

// A toy remote's fixed-frequency 1 Mb/s 2-FSK, a packet every interval.
struct ToyFskSpec {
    double freq_hz = 2460e6;
    double interval_s = 5e-3;        // ±5 % jitter
    std::size_t payload_bytes = 10;
    double deviation_hz = 160e3;
};

struct FhssPhoneSpec {
    double frame_s = 0.01;  // one hop per frame, a base and a handset burst in each
};

using EmitterParams = std::variant<WifiOfdmSpec, WifiDsssSpec, BtClassicSpec, BleSpec, ZigbeeSpec, Usb3Spec,
                                   ToneSpec, CombSpec, MicrowaveSpec, FhssPhoneSpec, EsbSpec, DroneOfdmSpec, FmVideoSpec,
                                   ToyFskSpec>;

struct EmitterSpec {
    std::string type;   // the scene file's "type": wifi_ofdm, wifi_dsss, bluetooth_classic, ble,
                        // zigbee, usb3_noise, cw, comb, microwave_oven, fhss_phone, esb,
                        // drone_ofdm, fm_video, toy_fsk
    std::string name;   // optional, for people
    LevelSpec level;    // usb3_noise: rise over the floor, see Usb3Spec / docs
    std::optional<double> rise_db;   // usb3_noise only
    std::optional<double> cfo_ppm;   // carrier offset; unset: drawn from the seed
    std::optional<double> cfo_drift_hz;     // carrier change within a burst (peak); unset: the receiver's tx_drift
    std::optional<double> multipath_rms_s;  // indoor delay spread; unset: the receiver's multipath_rms_s
    std::optional<double> ramp_s;    // power ramp; unset: the class default
    double start_s = 0.0;            // silent before
    std::optional<double> stop_s;    // silent after
    EmitterParams params;
};

// The label class an emitter type is scored as (the report's class names).
std::string label_class(const EmitterSpec& emitter);

struct RecommendationExpect {
    int channel = 0;
    std::optional<int> current_channel;
};

struct Scene {
    std::string name;
    std::string description;
    std::uint64_t seed = 1;
    double duration_s = 0.1;  // sweep: derived from the plan
    ReceiverSpec receiver;
    std::vector<EmitterSpec> emitters;
    std::optional<RecommendationExpect> expect;
    std::vector<std::pair<std::string, std::string>> tags;  // free-form, copied to the labels
};

// Parses and validates a scene; `origin` prefixes every message (normally the file name).
// `receiver_model` (coex eval --receiver-model) puts the scene behind that receiver model instead of its
// own: the model's imperfections replace the scene's (the view, centre and rate stay; when the rate is
// beyond the model, receiver.beyond_model says so and the scene is not to be synthesised behind it).
Scene parse_scene(const std::string& json_text, const std::string& origin, const std::string& receiver_model = "");
// Reads and parses a scene file (InputError when unreadable).
Scene load_scene(const std::filesystem::path& path, const std::string& receiver_model = "");

}  // namespace coex::sim
