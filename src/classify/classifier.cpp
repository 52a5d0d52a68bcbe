#include "coex/classify/classifier.hpp"
#include "coex/core/format.hpp"

#include "burst_tracker.hpp"
#include "channelizer.hpp"
#include "detectors.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdio>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string_view>

namespace coex::classify {
namespace {

// A burst's margins (its frames' edges are coarse) may hold the start or end of a stronger neighbour
// on the same frequency (a Wi-Fi transmission a few µs after a Bluetooth packet), and so may the
// burst's own tail when the neighbour's cells hid the seam from the tracker: the decoders would take
// it for the burst, whose level and carrier they measure on the loudest part. From the first 2 µs
// block 6 dB above the burst's median level after its first kStrongerHeadSeconds, the samples are
// dropped; before the burst, up to such a block, they are zeroed (so that packet times keep their origin).
constexpr double kStrongerHeadSeconds = 60e-6;  // a packet's start the decoders need whole (BR access code and header: 126 µs)
void quiet_stronger_margins(std::vector<cf32>& x, std::size_t burst_first, std::size_t burst_end, double rate) {
    const auto block = std::max<std::size_t>(8, static_cast<std::size_t>(2e-6 * rate));
    burst_end = std::min(burst_end, x.size());
    if (burst_end < burst_first + 2 * block) return;
    auto power = [&](std::size_t from) {
        float p = 0.0f;
        for (std::size_t i = from; i < from + block; ++i) p += std::norm(x[i]);
        return p;
    };
    static thread_local std::vector<float> inside;
    inside.clear();
    for (std::size_t i = burst_first; i + block <= burst_end; i += block) inside.push_back(power(i));
    std::nth_element(inside.begin(), inside.begin() + static_cast<std::ptrdiff_t>(inside.size() / 2), inside.end());
    const float loud = 4.0f * inside[inside.size() / 2];
    const auto head = burst_first + static_cast<std::size_t>(kStrongerHeadSeconds * rate);
    for (std::size_t i = std::min(head, burst_end); i + block <= x.size(); i += block)
        if (power(i) > loud) {
            x.resize(i);
            break;
        }
    for (std::size_t i = burst_first; i >= block; i -= block)
        if (power(i - block) > loud) {
            std::fill(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(i), cf32{});
            break;
        }
}

bool any_proven(const std::vector<decode::Packet>& packets) {
    return std::any_of(packets.begin(), packets.end(), [](const decode::Packet& p) { return p.checksum_ok; });
}
// A packet whose link's check value is learnt from later packets (a BLE connection's CRC init: the
// first packet of a connection) is held this long before it is judged: the same connection event's
// response (up to 2.3 ms later) or the next event at the shortest interval (7.5 ms) checks it.
constexpr double kLinkCheckHoldSeconds = 8e-3;
bool awaits_link_check(const BurstFeatures& f) {
    return std::any_of(f.packets.begin(), f.packets.end(), [](const decode::Packet& p) { return !p.checksum_ok && p.link_key_count > 1; });
}
constexpr double kHistorySeconds = 0.05;      // covers the analyzer's floor warm-up, its wait for the gain (≈ 4 ms) and the longest burst checked
constexpr double kMaxCheckedSeconds = 400e-6;  // time-domain checks look at a burst's first 400 µs (≥ 400 symbols)
constexpr double kMaxChannelisedMhz = 4.0;    // wider bursts are judged on their spectrum alone
constexpr double kShapeOnlyConfidence = 0.6;  // the most an emitter named by its shape alone may claim
constexpr double kMaxDecodedSeconds = 6e-3;    // longer than any packet of the narrowband protocols (802.15.4: 4.3 ms)
constexpr double kDecodeMarginSeconds = 50e-6; // around the burst: its frames' edges are coarse
constexpr double kDecodeRate = 8e6;            // narrowband decoders get the burst decimated toward this
constexpr double kDecodeBurst = 256.0;         // bursts decoded before the budget bites
constexpr double kMinConstantEnvelope = 0.64;  // below: noise-like, not a narrowband packet
constexpr double kMinWifiPieceMhz = 8.0;       // a burst this wide may be a Wi-Fi PPDU the shape test missed
constexpr double kMaxWifiPieceMhz = 24.0;
constexpr double kWifiPieceOffsetMhz = 4.0;    // its centre this near a channel's
constexpr double kDecodesPerSecond = 40.0;     // then this many a second of capture
// Two emitters joined in one burst (decode_beside): peak cells this far apart, each within this much of
// the burst's strongest cell, with a valley between them; bursts up to this wide are looked at.
constexpr int kBesideMinCells = 2;
constexpr float kBesidePeakShare = 0.25f;   // −6 dB
constexpr float kBesideValleyShare = 0.5f;  // the valley −3 dB under the lower peak
constexpr double kMaxBesideMhz = 6.0;
constexpr double kBesideDecodeRate = 4e6;   // ±2 MHz: a neighbour 3 MHz off falls in the decimator's stop band
constexpr std::size_t kMaxBesideStretches = 8;

}  // namespace

double Observation::seconds_at(double mhz) const {
    const int m = static_cast<int>(std::lround(mhz));
    for (const auto& [cell, s] : cell_seconds)
        if (cell == m) return s;
    return 0.0;
}

double Observation::seconds_over(double low_mhz, double high_mhz) const {
    const int lo = static_cast<int>(std::lround(low_mhz)), hi = static_cast<int>(std::lround(high_mhz));
    double sum = 0.0;
    int n = 0;
    for (int m = lo; m <= hi; ++m, ++n) sum += seconds_at(m);
    return n ? sum / n : 0.0;
}

Classifier::Classifier(std::vector<WifiChannel> channels, bool keep_bursts, std::span<const DetectorDescriptor> registry,
                       std::span<const decode::DecoderDescriptor> decoders)
    : tracker_(std::make_unique<BurstTracker>()),
      history_(std::make_unique<SampleHistory>()),
      channelizer_(std::make_unique<Channelizer>()),
      keep_bursts_(keep_bursts) {
    for (const auto& d : decoders)
        (d.wideband ? wideband_decoders_ : decoders_).push_back({&d, d.make(), false});
    wifi_channels_ = channels;
    const DetectorSetup setup{std::move(channels), history_.get(), decoders, keep_bursts_ ? &records_ : nullptr};
    detectors_.reserve(registry.size());
    for (const auto& d : registry) {
        Registered r{&d, d.make(setup)};
        // what each can do, asked once
        r.claims = dynamic_cast<ClaimsCells*>(r.detector.get());
        r.watches = dynamic_cast<WatchesFrames*>(r.detector.get());
        r.judges = dynamic_cast<JudgesBursts*>(r.detector.get());
        r.explains = dynamic_cast<ExplainsBursts*>(r.detector.get());
        r.owns_time = dynamic_cast<OwnsTime*>(r.detector.get());
        r.claims_pieces = dynamic_cast<ClaimsPieces*>(r.detector.get());
        r.takes_proven = dynamic_cast<TakesProvenBursts*>(r.detector.get());
        r.looks = dynamic_cast<LooksAtClosedBursts*>(r.detector.get());
        detectors_.push_back(std::move(r));
    }
    for (auto& r : detectors_) {
        if (r.claims) claimers_.push_back(r.claims);
        if (r.watches) watchers_.push_back(r.watches);
        if (r.judges) judges_.push_back(&r);
        if (r.explains) explainers_.push_back(&r);
        if (r.owns_time) time_owners_.push_back(r.owns_time);
        if (r.looks) lookers_.push_back(r.looks);
    }
}

Classifier::~Classifier() = default;

void Classifier::begin_tuning(const TuningGeometry& tuning) {
    tuning_ = tuning;
    ++tuning_serial_;
    tracker_->begin_tuning(tuning);
    history_->reset(static_cast<std::size_t>(kHistorySeconds * tuning.segment.sample_rate_hz));
    wifi_claimed_frames_.assign(tuning.grid->size(), 0);
    claimed_.assign(tuning.grid->size(), 0);
    tuning_frames_ = 0;
    tuning_cell_seconds_.clear();
    for (auto& r : detectors_) r.detector->begin_tuning(tuning);
}

void Classifier::on_samples(std::uint64_t first_sample, std::span<const cf32> samples) {
    history_->push(first_sample, samples);
}

void Classifier::adopt_samples(std::uint64_t first_sample, std::vector<cf32>& samples) {
    history_->adopt(first_sample, samples);
}

void Classifier::on_frame(const Frame& frame) {
    // The claims of this frame: one claimer's own (the usual case: Wi-Fi), or every claimer's together.
    std::span<const std::uint8_t> claimed;
    bool claimed_any = false;
    for (auto* c : claimers_) c->claim(frame);
    if (claimers_.size() == 1) {
        claimed = claimers_.front()->claimed();
        claimed_any = claimers_.front()->claimed_any();
    } else if (claimers_.empty()) {
        claimed = claimed_;  // all zero (begin_tuning): nothing claims, the tracker sees every cell
    } else {
        claimed_.assign(tuning_.grid->size(), 0);
        for (auto* c : claimers_) {
            if (!c->claimed_any()) continue;
            claimed_any = true;
            const auto own = c->claimed();
            for (std::size_t k = 0; k < own.size() && k < claimed_.size(); ++k) claimed_[k] |= own[k];
        }
        claimed = claimed_;
    }
    closed_.clear();
    tracker_->on_frame(frame, claimed, closed_);
    for (const auto& b : closed_) close(b);
    Frame seen = frame;
    seen.wifi_claimed = claimed;
    ++tuning_frames_;
    if (claimed_any)
        for (std::size_t c = 0; c < seen.wifi_claimed.size() && c < wifi_claimed_frames_.size(); ++c) wifi_claimed_frames_[c] += seen.wifi_claimed[c] != 0;
    for (auto* w : watchers_) w->on_frame(seen);
    if (!pending_.empty()) judge_settled(false, frame.time_s);
    // the outermost cells only see bursts cut by the edge (not judged), so they count as unobserved
    // (a narrow tuning judges bursts by a margin inside its band instead: all its cells count)
    if (tuning_cell_seconds_.empty()) {  // the tuning's first frame: find its inner cells' entries once (map entries stay put)
        const std::size_t cells = tuning_.grid->size(), edge = cells > 4 ? 1 : 0;
        for (std::size_t c = edge; c + edge < cells; ++c)
            tuning_cell_seconds_.push_back(&cell_seconds_[tuning_.grid->first_mhz() + static_cast<int>(c)]);
    }
    for (double* seconds : tuning_cell_seconds_) *seconds += tuning_.frame_seconds;
}

void Classifier::gap() {
    previous_.unproven = false;  // no packet spans missing samples
    closed_.clear();
    tracker_->close_all(closed_);
    for (const auto& b : closed_) close(b);
    for (auto& r : detectors_) r.detector->gap();
    judge_settled(true);
}

void Classifier::end_tuning(const TuningSummary& summary) {
    closed_.clear();
    tracker_->close_all(closed_);
    for (const auto& b : closed_) close(b);
    wifi_share_.assign(wifi_claimed_frames_.size(), 0.0f);
    for (std::size_t c = 0; c < wifi_share_.size() && tuning_frames_ > 0; ++c)
        wifi_share_[c] = static_cast<float>(static_cast<double>(wifi_claimed_frames_[c]) / static_cast<double>(tuning_frames_));
    TuningSummary with_wifi = summary;
    with_wifi.cell_wifi_share = wifi_share_;
    for (auto& r : detectors_) r.detector->end_tuning(with_wifi);
    judge_settled(true);
}

BurstFeatures Classifier::measure(const TrackedBurst& b) {
    BurstFeatures f;
    f.start_s = b.start_s;
    f.end_s = b.end_s;
    f.strong_end_s = b.strong_end_s;
    f.first_sample = b.first_sample;
    f.end_sample = b.end_sample;
    f.frames = b.frames;
    const double first_mhz = tuning_.grid->first_mhz() + b.lo_cell;
    double total = 0.0, weighted = 0.0;
    for (std::size_t k = 0; k < b.cell_signal.size(); ++k) {
        total += b.cell_signal[k];
        weighted += b.cell_signal[k] * static_cast<double>(k);
    }
    f.center_mhz = total > 0.0 ? first_mhz + weighted / total : first_mhz + 0.5 * (b.hi_cell - b.lo_cell);
    // The band holding 90 % of the burst's energy (interpolated within cells): the broadband click of
    // a switching transmitter lights many cells for a frame but holds little of the energy.
    auto edge = [&](double share) {
        double acc = 0.0;
        for (std::size_t k = 0; k < b.cell_signal.size(); ++k) {
            if (acc + b.cell_signal[k] >= share * total && b.cell_signal[k] > 0.0)
                return static_cast<double>(k) - 0.5 + (share * total - acc) / b.cell_signal[k];
            acc += b.cell_signal[k];
        }
        return static_cast<double>(b.cell_signal.size()) - 0.5;
    };
    if (total > 0.0) {
        f.low_mhz = first_mhz + edge(0.05);
        f.high_mhz = first_mhz + edge(0.95);
    } else {
        f.low_mhz = first_mhz - 0.5;
        f.high_mhz = first_mhz + static_cast<double>(b.hi_cell - b.lo_cell) + 0.5;
    }
    f.bandwidth_mhz = std::max(0.0, f.high_mhz - f.low_mhz);
    const double frames = static_cast<double>(std::max<std::size_t>(b.frames, 1));
    f.power_dbfs = 10.0 * std::log10(std::max(b.signal / frames, 1e-30));
    f.above_floor_db = b.noise > 0.0 ? 10.0 * std::log10(std::max(b.signal / b.noise, 1e-30)) : 99.0;
    const double centre_frames = static_cast<double>(std::max<std::size_t>(b.centre_frames, 1));
    const double mean_c = b.centre_sum / centre_frames;
    f.drift_mhz = std::sqrt(std::max(0.0, b.centre_sq_sum / centre_frames - mean_c * mean_c));
    const double grid_mhz = tuning_.grid->first_mhz();
    f.lit_runs.reserve(b.runs.size());
    for (const auto& r : b.runs) f.lit_runs.push_back({r.time_s, grid_mhz + r.lo_cell - 0.5, grid_mhz + r.hi_cell + 0.5});

    if (f.bandwidth_mhz <= kMaxChannelisedMhz) {
        const double rate = tuning_.segment.sample_rate_hz;
        const auto end = std::min<std::uint64_t>(b.end_sample, b.first_sample + static_cast<std::uint64_t>(kMaxCheckedSeconds * rate));
        static thread_local std::vector<cf32> snippet;
        history_->copy(b.first_sample, end, snippet);
        const double offset_hz = f.center_mhz * 1e6 - tuning_.segment.center_frequency_hz;
        // The receiver's DC (LO leakage) sits inside the channel filter of a burst near the tuning's
        // centre and drags the discriminator towards 0 Hz. The burst's own mean is ~0 (FSK, O-QPSK and
        // OFDM symbols turn their phase), so the snippet's mean is the DC.
        if (std::abs(offset_hz) < 1.5e6) remove_dc(snippet);
        const auto td = channelizer_->measure(snippet, rate, offset_hz, std::max(1e6, f.bandwidth_mhz * 1e6));
        if (td.valid) {
            f.has_time_domain = true;
            f.deviation_khz = td.deviation_hz / 1e3;
            f.frequency_offset_khz = td.offset_hz / 1e3;
            f.constant_envelope = td.constant_envelope;
            f.preamble_periodicity = td.preamble_periodicity;
            f.symbol_rate_hz = td.symbol_rate_hz;
        }
    }
    return f;
}

// The strongest evidence: packets whose checksum holds. Every narrowband decoder looks at every burst
// narrow and short enough to be a packet; each rejects fast where its preamble is not.
void Classifier::decode_burst(const TrackedBurst& b, BurstFeatures& f) {
    if (f.bandwidth_mhz >= kMinWifiPieceMhz) {
        decode_wifi_piece(b, f);
        return;
    }
    if (decoders_.empty() || f.bandwidth_mhz > kMaxChannelisedMhz || f.duration_s() > kMaxDecodedSeconds) return;
    // the decoders this burst's measured FM deviation allows, and how much of its start they need
    double needed_s = 0.0;
    bool any = false;
    for (auto& d : decoders_) {
        // Every narrowband PHY here (GFSK, MSK-like O-QPSK) has a constant envelope: noise and pieces of
        // wideband transmissions (≈0.5) are not worth a decoder's time; GFSK at 6 dB SNR still shows ≈0.65.
        d.selected = f.duration_s() <= d.descriptor->max_burst_s && f.duration_s() >= d.descriptor->min_burst_s &&
                     (!f.has_time_domain ||
                      (f.constant_envelope >= kMinConstantEnvelope && f.deviation_khz >= d.descriptor->min_deviation_khz &&
                       f.deviation_khz <= d.descriptor->max_deviation_khz));
        if (!d.selected) continue;
        any = true;
        needed_s = std::max(needed_s, d.descriptor->max_input_s > 0.0 ? std::min(d.descriptor->max_input_s, f.duration_s()) : f.duration_s());
    }
    if (!any) return;
    if (!spend_decode_budget(f.start_s)) return;
    const double rate = tuning_.segment.sample_rate_hz;
    const auto margin = static_cast<std::uint64_t>(kDecodeMarginSeconds * rate);
    const std::uint64_t burst_end = std::min(b.end_sample, b.first_sample + static_cast<std::uint64_t>(needed_s * rate));
    const std::uint64_t from = b.first_sample > margin ? b.first_sample - margin : 0;
    history_->copy(from, burst_end + margin, decode_snippet_);
    if (decode_snippet_.empty()) return;
    run_narrowband_decoders(f, decode_snippet_, b.first_sample - from, burst_end - from, kDecodeRate);
    // The burst tracker splits a packet whose level steps (a fade, the receiver's DC under it): a burst
    // that follows one at the same frequency within two frames, neither decoding, is tried joined to it.
    const bool proven = any_proven(f.packets);
    const auto gap = static_cast<std::uint64_t>(2.0 * tuning_.frame_seconds * rate);
    if (!proven && previous_.unproven && previous_.tuning == tuning_serial_ && std::abs(previous_.center_mhz - f.center_mhz) <= 0.3 &&
        b.first_sample <= previous_.end_sample + gap && b.first_sample >= previous_.end_sample &&
        b.end_sample - previous_.first_sample <= static_cast<std::uint64_t>(kMaxDecodedSeconds * rate) && spend_decode_budget(f.start_s)) {
        const std::uint64_t joined_from = previous_.first_sample > margin ? previous_.first_sample - margin : 0;
        history_->copy(joined_from, b.end_sample + margin, decode_snippet_);
        std::vector<decode::Packet> joined;
        std::swap(joined, f.packets);
        run_narrowband_decoders(f, decode_snippet_, previous_.first_sample - joined_from, b.end_sample - joined_from, kDecodeRate);
        if (any_proven(f.packets))
            ++split_bursts_joined_;
        else
            std::swap(joined, f.packets);
    }
    previous_ = {b.first_sample, b.end_sample, f.center_mhz, tuning_serial_,
                 !any_proven(f.packets)};
    f.decoders_ran = true;
    ++bursts_decoded_;
    count_packets(f.packets);
    check_held_link_packets(f.packets);
}

// A packet checked by a value its link's packets gave (Packet::link_keys: a BLE connection's learnt
// CRC init) checks the link's earlier packets, held unjudged (judge_settled), whose own checksum
// gives that value: a connection's first packet, which only its successors can check.
void Classifier::check_held_link_packets(std::vector<decode::Packet>& packets) {
    for (const auto& p : packets) {
        if (!p.checksum_ok || p.link_key_count != 1) continue;
        auto check = [&](decode::Packet& q) {
            const auto keys_end = q.link_keys.begin() + q.link_key_count;
            if (q.checksum_ok || q.link_key_count < 2 || q.protocol != p.protocol || q.access_address != p.access_address ||
                std::find(q.link_keys.begin(), keys_end, p.link_keys[0]) == keys_end)
                return;
            q.checksum_checked = q.checksum_ok = true;
            q.kind = p.kind;
            q.link_keys[0] = p.link_keys[0];
            q.link_key_count = 1;
            ++decode_counters_["decode." + std::string(decode::protocol_key(q.protocol)) + ".checksum_ok"];
            ++link_packets_checked_later_;
        };
        for (auto& held : pending_)
            for (auto& q : held.packets) check(q);
        for (auto& q : packets) check(q);
    }
}

void Classifier::count_packets(const std::vector<decode::Packet>& packets) {
    for (const auto& p : packets) {
        const std::string key = "decode." + std::string(decode::protocol_key(p.protocol));
        ++decode_counters_[key + ".packets"];
        if (p.checksum_ok) ++decode_counters_[key + ".checksum_ok"];
    }
}

// The selected narrowband decoders over `snippet` (a burst's samples with their margins).
void Classifier::run_narrowband_decoders(BurstFeatures& f, std::vector<cf32>& snippet, std::size_t burst_first, std::size_t burst_end,
                                         double target_rate_hz) {
    const double rate = tuning_.segment.sample_rate_hz;
    const double offset_hz = f.center_mhz * 1e6 - tuning_.segment.center_frequency_hz;
    if (std::abs(offset_hz) < 1.5e6) remove_dc(snippet);  // the receiver's LO leak, inside the burst's band (as for measure)
    const double decoded_rate = channelizer_->to_baseband(snippet, rate, offset_hz, target_rate_hz, decode_baseband_);
    const double factor = rate / decoded_rate;
    quiet_stronger_margins(decode_baseband_, static_cast<std::size_t>(static_cast<double>(burst_first) / factor),
                           static_cast<std::size_t>(static_cast<double>(burst_end) / factor), decoded_rate);
    for (auto& d : decoders_) {
        if (!d.selected || decoded_rate < d.descriptor->min_sample_rate_hz) continue;
        std::span<const cf32> samples(decode_baseband_);
        if (d.descriptor->max_input_s > 0.0)
            samples = samples.first(std::min(samples.size(), static_cast<std::size_t>((d.descriptor->max_input_s + 2.0 * kDecodeMarginSeconds) * decoded_rate)));
        d.decoder->decode({samples, decoded_rate, f.center_mhz * 1e6, f.has_time_domain ? f.deviation_khz * 1e3 : 0.0}, f.packets);
    }
}

// A burst the tracker joined from two narrow emitters side by side (a mouse's 68 µs ESB packets 2–3 MHz
// from a Bluetooth speaker's DH5, no 6 dB valley between them in the 1 MHz cells) shows two peaks in the
// most any one frame held per cell, a valley between them. At each peak not already proven by the
// burst's own decode, the decoders get a look of their own: the samples brought to that carrier, its
// stretches of time found from their level, each decoded at a rate whose filter leaves the other out.
// One whose checksum holds is judged on that proof; the others are left (the joined burst stands for them).
void Classifier::decode_beside(const TrackedBurst& b, const BurstFeatures& f) {
    const auto& peak = b.cell_peak;
    const int cells = static_cast<int>(peak.size());
    if (decoders_.empty() || cells < kBesideMinCells + 1 || f.bandwidth_mhz > kMaxBesideMhz || f.duration_s() > kMaxDecodedSeconds) return;
    const float strongest = *std::max_element(peak.begin(), peak.end());
    auto at = [&](int k) { return peak[static_cast<std::size_t>(k)]; };
    std::vector<int> peaks;
    for (int k = 0; k < cells; ++k)
        if ((k == 0 || at(k) >= at(k - 1)) && (k + 1 == cells || at(k) > at(k + 1)) && at(k) >= kBesidePeakShare * strongest && at(k) > 0.0f)
            peaks.push_back(k);
    if (peaks.size() < 2) return;
    const double first_mhz = tuning_.grid->first_mhz() + b.lo_cell;
    const double rate = tuning_.segment.sample_rate_hz;
    for (const int k : peaks) {
        // another peak kBesideMinCells or more away, with a valley between
        bool distinct = false;
        for (const int j : peaks) {
            if (std::abs(j - k) < kBesideMinCells) continue;
            float valley = std::min(at(j), at(k));
            for (int i = std::min(j, k) + 1; i < std::max(j, k); ++i) valley = std::min(valley, at(i));
            distinct = distinct || valley <= kBesideValleyShare * std::min(at(j), at(k));
        }
        if (!distinct) continue;
        double sum = 0.0, weighted = 0.0;  // power-weighted over the peak and its neighbours
        for (int j = std::max(0, k - 1); j <= std::min(cells - 1, k + 1); ++j) {
            sum += at(j);
            weighted += at(j) * j;
        }
        const double centre_mhz = first_mhz + weighted / sum;
        bool proven_there = false;  // by the burst's own decode
        for (const auto& pk : f.packets)
            proven_there = proven_there || (pk.checksum_ok && std::abs(f.center_mhz + pk.frequency_offset_hz / 1e6 - centre_mhz) < 1.0);
        if (!proven_there) decode_stretches_at(b, f, centre_mhz, rate);
    }
}

// The stretches of `b` where the carrier at `centre_mhz` is on, each decoded as a burst of its own.
void Classifier::decode_stretches_at(const TrackedBurst& b, const BurstFeatures& f, double centre_mhz, double rate) {
    const auto margin = static_cast<std::uint64_t>(kDecodeMarginSeconds * rate);
    const std::uint64_t from = b.first_sample > margin ? b.first_sample - margin : 0;
    history_->copy(from, b.end_sample + margin, decode_snippet_);
    if (decode_snippet_.empty()) return;
    const double offset_hz = centre_mhz * 1e6 - tuning_.segment.center_frequency_hz;
    if (std::abs(offset_hz) < 1.5e6) remove_dc(decode_snippet_);
    const double decoded_rate = channelizer_->to_baseband(decode_snippet_, rate, offset_hz, kDecodeRate, decode_baseband_);
    const auto sum_len = std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(decoded_rate / 1e6)));
    const auto block = std::max<std::size_t>(sum_len, static_cast<std::size_t>(2e-6 * decoded_rate));
    const std::size_t n = decode_baseband_.size();
    if (n < sum_len + 4 * block) return;
    static thread_local std::vector<float> power;
    power.assign((n - sum_len) / block, 0.0f);
    cf32 acc{};
    for (std::size_t i = 0; i < sum_len; ++i) acc += decode_baseband_[i];
    for (std::size_t i = 0; i / block < power.size(); ++i) {
        power[i / block] += std::norm(acc);
        acc += decode_baseband_[i + sum_len] - decode_baseband_[i];
    }
    const float loud = kBesidePeakShare * *std::max_element(power.begin(), power.end());
    const double factor = rate / decoded_rate;
    std::size_t stretches = 0;
    for (std::size_t i = 0; i < power.size() && stretches < kMaxBesideStretches;) {
        if (power[i] < loud) {
            ++i;
            continue;
        }
        std::size_t e = i;
        while (e + 1 < power.size() && (power[e + 1] >= loud || (e + 2 < power.size() && power[e + 2] >= loud))) ++e;
        const auto first = from + static_cast<std::uint64_t>(static_cast<double>(i * block) * factor);
        const auto end = std::min(b.end_sample, from + static_cast<std::uint64_t>(static_cast<double>((e + 1) * block + sum_len) * factor));
        i = e + 1;
        if (end <= first) continue;
        ++stretches;
        BurstFeatures g;
        g.first_sample = first;
        g.end_sample = end;
        g.start_s = f.start_s + (static_cast<double>(first) - static_cast<double>(b.first_sample)) / rate;
        g.end_s = f.start_s + (static_cast<double>(end) - static_cast<double>(b.first_sample)) / rate;
        g.center_mhz = centre_mhz;
        g.low_mhz = centre_mhz - 1.0;
        g.high_mhz = centre_mhz + 1.0;
        g.bandwidth_mhz = 2.0;
        g.power_dbfs = f.power_dbfs;
        g.above_floor_db = f.above_floor_db;
        g.frames = static_cast<std::size_t>(g.duration_s() / tuning_.frame_seconds + 0.5);
        bool any = false;
        for (auto& d : decoders_) {
            d.selected = g.duration_s() <= d.descriptor->max_burst_s && g.duration_s() >= d.descriptor->min_burst_s;
            any = any || d.selected;
        }
        if (!any || !spend_decode_budget(g.start_s)) continue;
        const std::uint64_t sub_from = first > margin ? first - margin : 0;
        history_->copy(sub_from, end + margin, beside_snippet_);
        if (beside_snippet_.empty()) continue;
        run_narrowband_decoders(g, beside_snippet_, first - sub_from, end - sub_from, kBesideDecodeRate);
        if (!any_proven(g.packets)) continue;
        g.decoders_ran = true;
        ++bursts_decoded_;
        ++beside_bursts_proven_;
        count_packets(g.packets);
        for (auto* l : lookers_) l->look(g);
        pending_.push_back(std::move(g));
    }
}

// A budget, in capture time so that the report does not depend on the machine: every burst of a short
// capture, then a steady number a second (a burst's decoders cost as much as the spectrum of about
// 100 µs of samples). What a detector reports of its emitters' decodes is then a sample.
bool Classifier::spend_decode_budget(double now_s) {
    decode_tokens_ = std::min(kDecodeBurst, decode_tokens_ + std::max(0.0, now_s - decode_refilled_s_) * kDecodesPerSecond);
    decode_refilled_s_ = std::max(decode_refilled_s_, now_s);
    if (decode_tokens_ < 1.0) {
        ++bursts_over_decode_budget_;
        return false;
    }
    decode_tokens_ -= 1.0;
    return true;
}

// A wide burst centred on a Wi-Fi channel that the Wi-Fi detector's frame-by-frame shape test left
// (cut by other emitters, or too short for it): the 802.11 decoders say whether it is a PPDU.
void Classifier::decode_wifi_piece(const TrackedBurst& b, BurstFeatures& f) {
    if (wideband_decoders_.empty() || f.bandwidth_mhz > kMaxWifiPieceMhz || f.duration_s() > kMaxDecodedSeconds) return;
    const WifiChannel* nearest = nullptr;
    for (const auto& c : wifi_channels_)
        if (std::abs(c.center_mhz - f.center_mhz) <= kWifiPieceOffsetMhz && (!nearest || std::abs(c.center_mhz - f.center_mhz) < std::abs(nearest->center_mhz - f.center_mhz)))
            nearest = &c;
    if (!nearest) return;
    const double rate = tuning_.segment.sample_rate_hz;
    const double offset_hz = nearest->center_mhz * 1e6 - tuning_.segment.center_frequency_hz;
    if (std::abs(offset_hz) + 8.5e6 > 0.5 * tuning_.segment.usable_bandwidth_hz()) return;  // the channel is not in view whole
    if (!spend_decode_budget(f.start_s)) return;
    const auto lead = static_cast<std::uint64_t>((tuning_.frame_seconds + 4e-6) * rate), trail = static_cast<std::uint64_t>(4e-6 * rate);
    history_->copy(b.first_sample > lead ? b.first_sample - lead : 0, b.end_sample + trail, decode_snippet_);
    if (decode_snippet_.empty()) return;
    const double decoded_rate = channelizer_->to_baseband(decode_snippet_, rate, offset_hz, 20e6, decode_baseband_);
    for (auto& d : wideband_decoders_)
        if (decoded_rate >= d.descriptor->min_sample_rate_hz) d.decoder->decode({decode_baseband_, decoded_rate, nearest->center_mhz * 1e6}, f.packets);
    f.decoders_ran = true;
    count_packets(f.packets);
}

void Classifier::close(const TrackedBurst& b) {
    ++bursts_total_;
    BurstFeatures f = measure(b);
    // A burst whose energy reaches into the outermost cells is cut off by the edge of the tuning (and
    // the receiver's roll-off there): its width, level and shape cannot be trusted. A sweep sees it
    // whole from the next tuning. A narrow tuning of a few cells (an RTL-SDR parked on one BLE channel)
    // would judge nothing so: there, only a tenth of its usable band at each side is the edge.
    const auto& grid = *tuning_.grid;
    const bool narrow = grid.size() <= 4;
    const double margin = narrow ? std::max(0.1, 0.1 * (grid.usable_high_mhz() - grid.usable_low_mhz())) : 0.5;
    const double low_edge = narrow ? grid.usable_low_mhz() : grid.first_mhz();
    const double high_edge = narrow ? grid.usable_high_mhz() : grid.last_mhz();
    if (f.low_mhz < low_edge + margin || f.high_mhz > high_edge - margin) {
        // Its samples may still hold a packet whose checksum says what it is (the decoders find the
        // carrier themselves): such a burst is judged on that proof; the others are left.
        if (f.low_mhz >= grid.usable_low_mhz() && f.high_mhz <= grid.usable_high_mhz()) decode_burst(b, f);
        if (!any_proven(f.packets)) {
            ++bursts_at_edge_;
            return;
        }
        ++bursts_at_edge_proven_;
    } else {
        decode_burst(b, f);
        decode_beside(b, f);
    }
    for (auto* l : lookers_) l->look(f);
    pending_.push_back(std::move(f));
}

void Classifier::judge_settled(bool all, double now_s) {
    double settled = std::numeric_limits<double>::infinity();
    if (!all && !pending_.empty())
        for (const auto* r : explainers_) {
            settled = std::min(settled, r->explains->settled_until_s());
            if (settled < pending_.front().end_s) return;  // the oldest must wait: nothing is judged (asked every frame)
        }
    auto held = [&](const BurstFeatures& f) { return f.end_s + kLinkCheckHoldSeconds > now_s && awaits_link_check(f); };
    while (!pending_.empty() && (all || (pending_.front().end_s <= settled && !held(pending_.front())))) {
        judge(pending_.front());
        pending_.pop_front();
    }
}

void Classifier::judge(const BurstFeatures& f) {
    std::optional<EmitterClass> accepted_by;
    rejections_.clear();
    // A packet whose checksum held says whose the burst is, before any explanation or shape.
    for (const auto& packet : f.packets) {
        if (!packet.checksum_ok || accepted_by) continue;
        for (auto& r : detectors_) {
            const auto& proven_by = r.descriptor->proven_by;
            if (std::find(proven_by.begin(), proven_by.end(), packet.protocol) == proven_by.end()) continue;
            // The burst's record names the class the packet proves, not the detector's own.
            if (r.takes_proven) {
                r.takes_proven->take(f);
                accepted_by = decode::proven_class(packet.protocol);
            } else if (r.judges && r.judges->judge(f).is_accepted()) {
                ++r.accepted;
                accepted_by = decode::proven_class(packet.protocol);
            }
            if (accepted_by) ++bursts_routed_by_decode_;
            break;
        }
    }
    for (auto* r : explainers_) {
        if (accepted_by) break;
        if (r->explains->explains(f)) {
            ++explained_[std::string(r->descriptor->key())];
            accepted_by = r->descriptor->primary;
            break;
        }
    }
    for (auto* r : judges_) {
        if (accepted_by) break;
        const Outcome outcome = r->judges->judge(f);
        if (outcome.is_accepted()) {
            ++r->accepted;
            accepted_by = r->descriptor->primary;
            break;
        }
        const auto reason = static_cast<std::size_t>(outcome.reason());
        if (reason < kRejectionCount)
            ++r->rejected[reason];
        else
            ++r->outcomes_outside_set;
        if (keep_bursts_) rejections_.push_back({r->descriptor->key(), outcome});
    }
    if (!accepted_by) ++bursts_unclaimed_;
    if (!keep_bursts_) return;
    report::BurstRecord record{f.start_s, f.end_s, f.low_mhz, f.high_mhz, f.center_mhz, f.power_dbfs, f.above_floor_db, accepted_by, {}};
    record.features = {{"bandwidth_mhz", f.bandwidth_mhz}, {"drift_mhz", f.drift_mhz}, {"frames", f.frames}};
    if (f.has_time_domain) {
        record.features.emplace_back("deviation_khz", f.deviation_khz);
        record.features.emplace_back("frequency_offset_khz", f.frequency_offset_khz);
        record.features.emplace_back("constant_envelope", f.constant_envelope);
        record.features.emplace_back("preamble_periodicity", f.preamble_periodicity);
        if (f.symbol_rate_hz > 0.0) record.features.emplace_back("symbol_rate_hz", f.symbol_rate_hz);
    }
    if (f.decoders_ran) record.features.emplace_back("decoders_ran", true);
    if (!f.packets.empty()) {
        report::Value::Array packets;
        for (const auto& p : f.packets) {
            report::Value::Object o{{"protocol", std::string(decode::protocol_key(p.protocol))},
                                    {"checksum_ok", p.checksum_ok},
                                    {"duration_us", 1e6 * p.duration_s}};
            if (!p.kind.empty()) o.emplace_back("kind", p.kind);
            if (!p.device.empty()) o.emplace_back("device", p.device);
            if (!p.network.empty()) o.emplace_back("network", p.network);
            packets.emplace_back(std::move(o));
        }
        record.features.emplace_back("packets", std::move(packets));
    }
    // why the detectors before the one that took it (or all of them) turned it down
    report::Value::Array rejected;
    for (const auto& [detector, outcome] : rejections_)
        rejected.emplace_back(report::Value::Object{{"detector", std::string(detector)},
                                                    {"reason", std::string(rejection_key(outcome.reason()))},
                                                    {"detail", std::string(outcome.detail())}});
    record.features.emplace_back("rejected_by", std::move(rejected));
    records_.push_back(std::move(record));
}

// One physical emitter is one entry. Pieces of a known emitter that failed its own checks land in
// 'unknown' entries; where a piece says plainly whose it is (the detector that found that emitter
// claims it: ClaimsPieces), it is folded into it, and counted.
void Classifier::fold_pieces(std::vector<report::Emitter>& emitters, const std::vector<const Registered*>& found_by) {
    auto owner = [&](const report::Emitter& piece) -> std::ptrdiff_t {
        for (std::size_t o = 0; o < emitters.size(); ++o) {
            // (an oven entry is looked at only as a link's piece: see is_piece_of_ofdm_link)
            if (piece.emitter_class == EmitterClass::microwave_oven && emitters[o].emitter_class != EmitterClass::ofdm_not_wifi) continue;
            const auto* claims = found_by[o]->claims_pieces;
            if (claims && claims->owns_piece(emitters[o], piece)) return static_cast<std::ptrdiff_t>(o);
        }
        return -1;
    };
    // A fixed-frequency link proven by decoding owns the odd undecoded packet on its own channel that a
    // packet class took by its shape alone, or that fit no class (one cut by the capture's edge, or whose
    // decode failed): a lone "BLE packet" in the middle of an ESB mouse's 1000 packets a second is the
    // mouse's. Odd: two, or a quarter of the packets the link decoded there.
    auto link_owner = [&](const report::Emitter& piece) -> std::ptrdiff_t {
        if (piece.evidence.basis != report::EvidenceBasis::shape || is_wifi(piece.emitter_class)) return -1;
        for (std::size_t o = 0; o < emitters.size(); ++o) {
            const auto& link = emitters[o];
            if (link.emitter_class == EmitterClass::proprietary_gfsk && link.evidence.basis == report::EvidenceBasis::decoded &&
                std::abs(link.center_mhz - piece.center_mhz) <= 0.5 && piece.bursts <= std::max<std::uint64_t>(2, link.bursts / 4))
                return static_cast<std::ptrdiff_t>(o);
        }
        return -1;
    };
    std::vector<bool> absorbed(emitters.size(), false);
    for (std::size_t i = 0; i < emitters.size(); ++i) {
        const auto cls = emitters[i].emitter_class;
        auto o = cls == EmitterClass::unknown || cls == EmitterClass::microwave_oven ? owner(emitters[i]) : -1;
        if (o < 0 && cls != EmitterClass::proprietary_gfsk) o = link_owner(emitters[i]);
        if (o < 0) continue;
        auto& into = emitters[static_cast<std::size_t>(o)];
        into.bursts += emitters[i].bursts;
        into.first_s = std::min(into.first_s, emitters[i].first_s);
        into.last_s = std::max(into.last_s, emitters[i].last_s);
        absorbed[i] = true;
        ++pieces_folded_[std::string(key(into.emitter_class))];
    }
    std::vector<report::Emitter> kept;
    for (std::size_t i = 0; i < emitters.size(); ++i)
        if (!absorbed[i]) kept.push_back(std::move(emitters[i]));
    emitters = std::move(kept);
}

void Classifier::finish(report::Report& report) {
    Observation observation;
    for (const auto& [mhz, s] : cell_seconds_) observation.cell_seconds.emplace_back(mhz, s);
    auto& counters = report.stats.counters;
    Findings findings{report.emitters, report.wifi, counters, [this](double low_mhz, double high_mhz) {
                          double seconds = 0.0;
                          for (const auto* owner : time_owners_) seconds += owner->blanked_s(low_mhz, high_mhz);
                          return seconds;
                      }};
    std::vector<const Registered*> found_by;  // per emitter: the detector that found it
    for (const auto& r : detectors_) {
        const std::size_t first = report.emitters.size();
        r.detector->finish(observation, findings);
        const auto& emits = r.descriptor->emits;
        for (std::size_t i = first; i < report.emitters.size(); ++i) {
            if (std::find(emits.begin(), emits.end(), report.emitters[i].emitter_class) == emits.end())
                throw std::logic_error("detector " + std::string(r.descriptor->key()) + " reported a " +
                                       std::string(key(report.emitters[i].emitter_class)) + " emitter it does not declare");
            found_by.push_back(&r);
        }
    }
    fold_pieces(report.emitters, found_by);
    const auto residue = std::remove_if(report.emitters.begin(), report.emitters.end(),
                                        [](const report::Emitter& e) { return e.level_dbfs < kNumericalFloorDbfs; });
    if (residue != report.emitters.end()) counters["emitters.below_numerical_floor"] += static_cast<std::uint64_t>(report.emitters.end() - residue);
    report.emitters.erase(residue, report.emitters.end());
    // Shape alone is the weakest evidence: whatever a detector made of it, it says "likely", no more.
    for (auto& e : report.emitters)
        if (e.evidence.basis == report::EvidenceBasis::shape) e.confidence = std::min(e.confidence, kShapeOnlyConfidence);
    std::stable_sort(report.emitters.begin(), report.emitters.end(),
                     [](const report::Emitter& a, const report::Emitter& b) { return a.center_mhz < b.center_mhz; });

    if (keep_bursts_) report.bursts = std::move(records_);
    counters["bursts.total"] = bursts_total_;
    counters["bursts.unclaimed"] = bursts_unclaimed_;
    counters["bursts.at_tuning_edge"] = bursts_at_edge_;
    counters["bursts.receiver_iq_image"] = tracker_->image_bursts();
    if (!decoders_.empty()) counters["bursts.at_tuning_edge_proven"] = bursts_at_edge_proven_;
    if (!decoders_.empty()) {
        counters["decode.bursts_tried"] = bursts_decoded_;
        counters["decode.bursts_routed"] = bursts_routed_by_decode_;
        counters["decode.bursts_over_budget"] = bursts_over_decode_budget_;
        counters["decode.split_bursts_joined"] = split_bursts_joined_;
        counters["decode.bursts_beside_proven"] = beside_bursts_proven_;
        counters["decode.link_packets_checked_later"] = link_packets_checked_later_;
        for (const auto& [name, n] : decode_counters_) counters[name] = n;
    }
    for (const auto& [cls, n] : pieces_folded_) counters["emitters.pieces_folded_into." + cls] = n;
    for (const auto& [key, n] : explained_) counters["detector." + key + ".explained"] = n;
    for (const auto* r : judges_) {
        const std::string key = "detector." + std::string(r->descriptor->key());
        counters[key + ".accepted"] = r->accepted;
        for (std::size_t why = 0; why < kRejectionCount; ++why)
            if (r->rejected[why] > 0) counters[key + ".rejected." + std::string(rejection_key(static_cast<Rejection>(why)))] = r->rejected[why];
        if (r->outcomes_outside_set > 0) counters[key + ".outcomes_outside_set"] = r->outcomes_outside_set;
    }
}

}  // namespace coex::classify
