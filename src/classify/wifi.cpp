// Wi-Fi: 802.11 OFDM and DSSS transmissions on the domain's channel grid, found frame by frame by
// WifiOccupancyDetector (a transmission's power spread evenly over its channel, with quiet shoulders).
// It claims the cells its transmissions cover before the burst tracker looks, fills the report's
// Wi-Fi table, and reports one emitter per channel and PHY.
#include "channelizer.hpp"
#include "detectors.hpp"
#include "ofdm_numerology.hpp"

#include "coex/classify/wifi_occupancy.hpp"
#include "coex/core/bands.hpp"
#include "coex/core/text.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <optional>

namespace coex::classify {
namespace {

class WifiDetector final : public Detector, public ClaimsCells, public ClaimsPieces, public TakesProvenBursts, public ExplainsBursts,
                           public LooksAtClosedBursts {
public:
    explicit WifiDetector(const DetectorSetup& setup)
        : occupancy_(setup.wifi_channels), history_(setup.history), channels_(setup.wifi_channels), records_(setup.burst_records) {
        // OFDM or DSSS: the samples say it more surely than the spectrum, which fading can tilt.
        if (history_) occupancy_.set_kind_judge([this](const WifiBurstSpan& span) { return judge_kind(span); });
        for (const auto& d : setup.decoders)
            if (d.wideband) decoders_.push_back({&d, d.make()});
        if (history_)
            occupancy_.set_transmission_sink([this](const WifiBurstSpan& span) {
                keep_counted(span);
                if (!decoders_.empty()) {
                    // (a faded one was decoded for its proof already)
                    if (!(span.faded && attempted_ && attempted_->first_sample == span.first_sample)) attempt_decode(span);
                    book_decode(span);
                }
                look_for_lte_prefix(span, span.center_mhz);
            });
        // A transmission with faded frames is Wi-Fi when a PPDU decodes at its channel's centre.
        if (history_ && !decoders_.empty()) occupancy_.set_proof([this](const WifiBurstSpan& span) { return prove(span); });
        occupancy_.set_faded_sink([this](const WifiBurstSpan& span) { faded_.push_back(span); });
        // a channel seen in part: its visible part, centred on what the tuning holds of it
        if (history_)
            occupancy_.set_partial_transmission_sink([this](const WifiBurstSpan& span) {
                const double half = 0.5 * tuning_.segment.usable_bandwidth_hz() / 1e6, centre = tuning_.segment.center_frequency_hz / 1e6;
                const double low = std::max(span.center_mhz - 8.3, centre - half), high = std::min(span.center_mhz + 8.3, centre + half);
                if (high - low >= 5.0) look_for_lte_prefix(span, 0.5 * (low + high));
            });
    }

    void begin_tuning(const TuningGeometry& tuning) override {
        tuning_ = tuning;
        looked_.clear();  // (the last tuning's pieces were all judged at its end)
        occupancy_.begin_tuning(tuning);
    }
    void claim(const Frame& frame) override {
        last_frame_s_ = frame.time_s;
        occupancy_.on_frame(frame);
    }
    [[nodiscard]] std::span<const std::uint8_t> claimed() const override { return occupancy_.claimed(); }
    [[nodiscard]] bool claimed_any() const override { return occupancy_.claimed_any(); }
    void gap() override { occupancy_.gap(); }
    void end_tuning(const TuningSummary& /*summary*/) override { occupancy_.end_tuning(); }

    // Wideband (≥ 10 MHz) bursts centred on an OFDM channel, which its shape check left: an HT40 frame
    // spilling over two 20 MHz channels.
    [[nodiscard]] bool owns_piece(const report::Emitter& e, const report::Emitter& piece) const override {
        if (e.emitter_class == EmitterClass::ofdm_not_wifi) return is_piece_of_ofdm_link(e, piece);  // a link it handed over
        if (e.emitter_class != EmitterClass::wifi_ofdm) return false;
        // A sliver's edges are a cell coarse; and a frame joined to a Bluetooth hop on the channel's
        // shoulder reaches to the claim's outer edge (±11.5 MHz: the cell at ±11 MHz).
        const bool inside = piece.low_mhz >= std::min(e.low_mhz - 2.0, e.center_mhz - 11.5) &&
                            piece.high_mhz <= std::max(e.high_mhz + 2.0, e.center_mhz + 11.5);
        const double width = report::get(piece, report::fields::bandwidth_mhz).value_or(0.0);
        return inside && width >= 10.0 && std::abs(piece.center_mhz - e.center_mhz) <= 1.5;
    }

    // The burst tracker's pieces of a counted transmission's faded frames (which it did not claim): a
    // closed burst inside one's time and channel is that transmission's.
    // (a burst is judged once the transmissions it may be joined to have closed: one still open that
    // began under it; none open longer than the longest PPDU, so a merged stream holds nothing back)
    [[nodiscard]] double settled_until_s() const override {
        const double open = occupancy_.open_since_s();
        const double until = occupancy_.settled_until_s();
        return last_frame_s_ - open <= kLongestTransmissionSeconds ? std::min(until, open) : until;
    }
    bool explains(const BurstFeatures& b) override {
        if (inside_faded(b)) {
            ++pieces_of_faded_;
            return true;
        }
        if (const auto seen = inside_channel_traffic(b)) {
            ++(*seen == Seen::in_part ? pieces_of_partial_ : pieces_with_phy_);
            return true;
        }
        if (joined_to_transmissions(b)) {
            ++joined_to_transmissions_;
            return true;
        }
        return false;
    }

    void finish(const Observation& /*observation*/, Findings& out) override {
        std::uint64_t channels_blanked = 0;
        for (const auto& c : occupancy_.results()) {
            // Time a stronger emitter drowned the channel (an oven's on-periods) was not observed: the
            // frames sent then cannot be told, so they count neither as busy nor as idle.
            const double blanked = out.blanked_s(c.center_mhz - 8.3, c.center_mhz + 8.3);
            double observed_s = c.observed_s, occupancy = c.occupancy;
            if (c.observed && blanked > 0.0 && c.observed_s - blanked >= 0.2 * c.observed_s) {
                observed_s = c.observed_s - blanked;
                occupancy = std::clamp(c.airtime_s / observed_s, 0.0, 1.0);
                ++channels_blanked;
            }
            out.wifi_channels.push_back({c.channel, c.center_mhz, c.observed, observed_s, occupancy, c.mean_power_dbfs, c.bursts,
                                         std::nullopt, networks(c.channel), decoded_row(c.channel, observed_s, occupancy)});
        }
        const auto found = occupancy_.emitters();
        std::uint64_t leaks = 0, not_wifi = 0;
        for (const auto& w : found) {
            if (is_neighbours_leak(w, found)) {
                ++leaks;
                continue;
            }
            if (is_lte_numerology(w.channel)) {
                ++not_wifi;
                out.emitters.push_back(ofdm_not_wifi_emitter(w, tallies_.at(w.channel).lte_looks, tallies_.at(w.channel).lte_prefix));
                continue;
            }
            out.emitters.push_back(emitter(w, tallies_, !decoders_.empty()));
        }
        // what they claimed was not Wi-Fi: the channel's Wi-Fi occupancy is none of it; nor is
        // "airtime" under the numerical floor (a constant stream's FFT rounding, e.g. a DC leak alone)
        std::uint64_t residue_channels = 0;
        for (auto& row : out.wifi_channels) {
            const bool residue = row.bursts > 0 && row.mean_power_dbfs && *row.mean_power_dbfs < kNumericalFloorDbfs;
            if (is_lte_numerology(row.channel) || residue) {
                row.occupancy = 0.0;
                row.bursts = 0;
                residue_channels += residue ? 1 : 0;
            }
        }
        if (residue_channels > 0) out.counters["wifi.channels_below_numerical_floor"] = residue_channels;
        std::uint64_t lte_looks = 0, lte_prefix = 0;
        for (const auto& [channel, t] : tallies_) {
            lte_looks += t.lte_looks;
            lte_prefix += t.lte_prefix;
        }
        if (lte_looks > 0) {  // (only where some transmission was long enough to look at)
            out.counters["wifi.transmissions_looked_for_lte_prefix"] = lte_looks;
            out.counters["wifi.transmissions_with_lte_prefix"] = lte_prefix;
            out.counters["wifi.channels_handed_to_ofdm_not_wifi"] = not_wifi;
        }
        if (!decoders_.empty()) {
            out.counters["wifi.channels_dropped_as_neighbours_leak"] = leaks;
            out.counters["wifi.pieces_proven_by_decoding"] = pieces_proven_;
        }

        const auto& n = occupancy_.counters();
        out.counters["wifi.frames_tested"] = n.frames_tested;
        out.counters["wifi.frames_on"] = n.frames_on;
        out.counters["wifi.rejected_uneven"] = n.rejected_uneven;
        out.counters["wifi.rejected_shoulders"] = n.rejected_shoulders;
        out.counters["wifi.rejected_short"] = n.rejected_short;
        out.counters["wifi.frames_ht40"] = n.frames_bonded;
        if (n.rejected_bonded_gap > 0) out.counters["wifi.rejected_ht40_with_gap"] = n.rejected_bonded_gap;
        out.counters["wifi.kind_by_spectrum"] = n.kind_by_spectrum;
        out.counters["wifi.channels_blanked_by_oven"] = channels_blanked;
        if (n.frames_faded > 0) {
            out.counters["wifi.frames_faded"] = n.frames_faded;
            out.counters["wifi.faded_transmissions_proven"] = n.faded_proven;
            out.counters["wifi.faded_transmissions_by_channel"] = n.faded_by_channel;
            out.counters["wifi.faded_transmissions_mostly_flat"] = n.faded_mostly_flat;
            out.counters["wifi.faded_transmissions_rejected"] = n.faded_rejected;
            out.counters["wifi.pieces_of_faded_transmissions"] = pieces_of_faded_;
        }
        if (pieces_of_partial_ > 0) out.counters["wifi.pieces_of_channels_seen_in_part"] = pieces_of_partial_;
        if (pieces_with_phy_ > 0) out.counters["wifi.pieces_showing_the_channels_phy"] = pieces_with_phy_;
        if (joined_to_transmissions_ > 0) out.counters["wifi.bursts_joined_to_transmissions"] = joined_to_transmissions_;
        if (!decoders_.empty()) {
            out.counters["wifi.transmissions_decoded"] = transmissions_tried_;
            for (const auto& [name, n] : decode_counters_) out.counters[name] = n;
        }
    }

private:
    std::optional<bool> judge_kind(const WifiBurstSpan& span) {
        if (decoded_kind_ && decoded_span_ == span.first_sample) return decoded_kind_;  // its header said
        const double rate = tuning_.segment.sample_rate_hz;
        const std::uint64_t length = span.end_sample - span.first_sample;
        const auto skip = std::min<std::uint64_t>(static_cast<std::uint64_t>(24e-6 * rate), length / 3);  // past the preamble
        // 96 µs: 24 OFDM symbols or 96 DSSS symbols, plenty for either correlation (0.93 against 0.25 at 10 dB)
        const auto end = std::min<std::uint64_t>(span.end_sample, span.first_sample + skip + static_cast<std::uint64_t>(96e-6 * rate));
        history_->copy(span.first_sample + skip, end, snippet_);
        remove_dc(snippet_);  // a constant correlates with itself at every lag: it would fake a guard interval
        const auto m = channelizer_.wifi_phy(snippet_, rate, span.center_mhz * 1e6 - tuning_.segment.center_frequency_hz);
        // (a snippet under 40 µs — a burst's sliver cut by interference — holds too few symbols to say)
        if (!m.valid || static_cast<double>(snippet_.size()) < 40e-6 * rate) return std::nullopt;
        // OFDM's guard interval repeats its symbol's end almost exactly (0.93–0.99 from 10 dB up); DSSS
        // shows its 1 µs code period instead (0.5–0.96) and no guard interval (0.1–0.25). Neither
        // clearly: undecided (the channel's other transmissions, or the spectrum, decide).
        if (m.shows_ofdm()) return false;
        // (a carrier in the channel — an oven's — keeps its phase over 1 µs too, but as well over 0.5 µs,
        // where DSSS's code is at chance, and the Barker code does not despread it: undecided then, not DSSS)
        if (m.shows_dsss()) return true;
        return std::nullopt;
    }

    // A wide burst whose spectrum failed the channel-shape test but whose samples hold a valid 802.11
    // header: a PPDU of the channel nearest it (cut by another emitter, or too short for the test). Its
    // decoded facts join the channel's; its airtime is not in the energy-based occupancy.
    void take(const BurstFeatures& burst) override {
        if (inside_faded(burst)) return;  // its transmission's decode has it already
        int channel = 0;
        double best = 1e9;
        for (const auto& c : channels_)
            if (std::abs(c.center_mhz - burst.center_mhz) < best) {
                best = std::abs(c.center_mhz - burst.center_mhz);
                channel = c.number;
            }
        ++pieces_proven_;
        tally_packets(tallies_[channel], burst.packets);
    }

    // A long transmission's samples, looked at for LTE's cyclic prefix (66.7 µs symbols): OFDM that is
    // flat over a channel like Wi-Fi's but is a drone's video link (ofdm_not_wifi.cpp says more).
    // A transmission cut into pieces (its level steps) is looked at over six symbols up to a piece's end,
    // reaching back before its start if need be (what came before a short Wi-Fi frame does not
    // correlate with it at 66.7 µs; what comes after is not yet held).
    void look_for_lte_prefix(const WifiBurstSpan& span, double center_mhz) {
        const double rate = tuning_.segment.sample_rate_hz;
        const auto skip = static_cast<std::uint64_t>(24e-6 * rate);  // past an 802.11 preamble, if any
        auto& tally = tallies_[span.channel];
        // a channel that has shown an 802.11 preamble stays Wi-Fi: no more looks needed there
        if (tally.lte_looks >= kLteLooksPerChannel || tally.ppdus > 0 || tally.kind[0].framed + tally.kind[1].framed > 0) return;
        const auto least = static_cast<std::uint64_t>(kLteLookMinSeconds * rate), most = static_cast<std::uint64_t>(kLteLookSeconds * rate);
        const std::uint64_t end = span.end_sample;
        const std::uint64_t from = span.first_sample + skip < end ? span.first_sample + skip : span.first_sample;
        const std::uint64_t begin = std::max(end > most ? end - most : 0, std::min(from, end > least ? end - least : 0));
        history_->copy(begin, end, wide_);
        if (wide_.size() < static_cast<std::size_t>(0.9 * kLteLookMinSeconds * rate)) return;
        remove_dc(wide_);
        const double narrowed = channelizer_.to_baseband(wide_, rate, center_mhz * 1e6 - tuning_.segment.center_frequency_hz, kDecodeRate, baseband_);
        remove_dc(baseband_);
        ++tally.lte_looks;
        if (shows_lte_prefix(cyclic_prefix_look(baseband_, narrowed, kLteUsefulSymbolSeconds))) ++tally.lte_prefix;
    }

    // A channel whose long transmissions showed LTE's cyclic prefix, half of them or more, and none of
    // whose transmissions showed an 802.11 preamble to the decoders: not Wi-Fi.
    [[nodiscard]] bool is_lte_numerology(int channel) const {
        const auto it = tallies_.find(channel);
        if (it == tallies_.end()) return false;
        const auto& t = it->second;
        return t.lte_looks >= 1 && 2 * t.lte_prefix >= t.lte_looks && t.ppdus == 0 && t.kind[0].framed + t.kind[1].framed == 0;
    }

    static report::Emitter ofdm_not_wifi_emitter(const WifiEmitterStats& w, std::uint64_t looks, std::uint64_t with_prefix) {
        report::Emitter e;
        e.emitter_class = EmitterClass::ofdm_not_wifi;
        e.low_mhz = w.center_mhz - 8.3;
        e.high_mhz = w.center_mhz + 8.3;
        e.center_mhz = w.center_mhz;
        e.level_dbfs = w.mean_power_dbfs;
        e.above_floor_db = w.above_floor_db;
        e.duty_cycle = w.observed_s > 0.0 ? std::min(1.0, w.airtime_s / w.observed_s) : 0.0;
        e.bursts = w.bursts;
        e.first_s = w.first_s;
        e.last_s = w.last_s;
        e.confidence = std::min(0.9, 0.6 + 0.05 * static_cast<double>(with_prefix));
        e.evidence = {report::EvidenceBasis::behaviour,
                      util::format("flat over a Wi-Fi channel's width, but %llu of %llu long transmissions showed a cyclic prefix at "
                                   "66.7 µs (LTE's 15 kHz subcarriers) and none an 802.11 preamble",
                                   static_cast<unsigned long long>(with_prefix), static_cast<unsigned long long>(looks))};
        e.fields = {{"bandwidth_mhz", e.high_mhz - e.low_mhz}, {"continuous", false}, {"subcarrier_spacing_khz", 15.0}};
        e.summary = util::format("OFDM, not Wi-Fi, on Wi-Fi channel %d's band, %.0f %% of the time: a drone's video link or a video sender",
                                 w.channel, 100.0 * e.duty_cycle);
        return e;
    }

    // A faded transmission's proof: a PPDU whose header check held, its carrier within kMaxProofOffsetHz
    // of the channel's centre (the decoder is run there; a neighbour's PPDU 5 MHz off does not frame).
    // A stretch that starts inside a PPDU already decoded on the channel (its length from the header) is
    // the rest of that PPDU, cut off by a deeper fade.
    WifiProof prove(const WifiBurstSpan& span) {
        auto& tally = tallies_[span.channel];
        if (span.start_s < tally.proven_until_s + tuning_.frame_seconds) return WifiProof::proven;
        if (!attempt_decode(span)) return WifiProof::not_tried;
        const double snippet_t0 = tuning_.segment.start_time_s + attempted_->snippet_start_s;
        bool proven = false;
        for (const auto& p : packets_)
            if (p.checksum_ok && (p.protocol == decode::Protocol::wifi_ofdm || p.protocol == decode::Protocol::wifi_dsss) &&
                std::abs(p.frequency_offset_hz) <= kMaxProofOffsetHz) {
                proven = true;
                tally.proven_until_s = std::max(tally.proven_until_s, snippet_t0 + p.start_s + p.duration_s);
            }
        return proven ? WifiProof::proven : WifiProof::unproven;
    }

    // A channel the tuning sees only in part gets no preamble decode and, faded (the notch of a static
    // indoor channel sits in every frame of it), no claim: the burst tracker cuts its visible part at
    // the notch, and the piece away from the tuning's edge is left. A channel seen whole leaves pieces
    // of transmissions its shape test refused (the receiver's passband slope and a fade together
    // dimming one side; a long DSSS frame split where its level steps), which start past any preamble.
    // Such a piece is the channel's when it lies inside the channel's occupied band, a transmission has
    // counted on the channel before (seen whole, or in part), the piece is noise-like, and the samples
    // over the channel show, during the piece, 802.11 OFDM's guard interval (a copy of each 3.2 µs
    // symbol's end 0.8 µs before it: no other emitter here has that numerology) or DSSS's Barker period.
    enum class Seen { whole, in_part };
    [[nodiscard]] std::optional<Seen> inside_channel_traffic(const BurstFeatures& b) {
        // (its own samples noise-like, as a slice of OFDM subcarriers is: a constant-envelope packet
        // inside the channel — FSK, a phone's GFSK, FM — is another emitter, on the air with it)
        // (and wider than a packet of a 1 MHz channel — Bluetooth's, BLE 1M's, a 1 Mb/s ESB link's: its
        // envelope is no guide when the piece runs into a transmission's start, as one inside the channel
        // cut by a PPDU does)
        if (!is_piece_candidate(b)) return std::nullopt;
        // (its PHY looked for when it closed, while its samples were held: a piece is judged only once
        // the transmissions around it have settled, which may be after the history has moved on)
        std::vector<int> showing;
        const auto keep = static_cast<std::uint64_t>(kLookedKeepSeconds * tuning_.segment.sample_rate_hz);
        while (!looked_.empty() && looked_.front().first_sample + keep < b.first_sample) looked_.pop_front();
        const auto it = std::find_if(looked_.begin(), looked_.end(), [&](const LookedPiece& p) {
            return p.first_sample == b.first_sample && p.center_mhz == b.center_mhz;
        });
        if (it != looked_.end()) {
            showing = std::move(it->channels);
            looked_.erase(it);
        } else {
            showing = channels_showing_phy(b);
        }
        const double half = 0.5 * tuning_.segment.usable_bandwidth_hz() / 1e6, centre = tuning_.segment.center_frequency_hz / 1e6;
        for (const auto& c : channels_) {
            if (std::find(showing.begin(), showing.end(), c.number) == showing.end() || !occupancy_.carried_wifi(c.number)) continue;
            const bool whole = c.center_mhz - wifi_observed_half_width_mhz >= centre - half && c.center_mhz + wifi_observed_half_width_mhz <= centre + half;
            return whole ? Seen::whole : Seen::in_part;
        }
        return std::nullopt;
    }

    [[nodiscard]] bool is_piece_candidate(const BurstFeatures& b) const {
        return history_ && b.bandwidth_mhz >= kMinPieceMhz && !(b.has_time_domain && b.constant_envelope >= kMinPieceConstantEnvelope);
    }

    // The channels whose occupied band holds the piece and whose samples, while it is on, show 802.11
    // OFDM's guard interval or DSSS's Barker period: over its first 96 µs, and for a longer piece over
    // its last 96 µs too (the burst tracker joins a narrow packet inside the channel — a Bluetooth hop —
    // to the frame that starts under it: the piece's start is then the packet's, its band the frame's).
    std::vector<int> channels_showing_phy(const BurstFeatures& b) {
        std::vector<int> showing;
        const double rate = tuning_.segment.sample_rate_hz;
        const auto window = static_cast<std::uint64_t>(kPieceLookSeconds * rate);
        std::vector<std::uint64_t> starts{b.first_sample};
        if (b.end_sample > b.first_sample + 2 * window) starts.push_back(b.end_sample - window);
        for (const auto& c : channels_) {
            if (b.low_mhz < c.center_mhz - kPieceHalfMhz || b.high_mhz > c.center_mhz + kPieceHalfMhz) continue;
            for (const auto from : starts) {
                history_->copy(from, std::min(b.end_sample, from + window), snippet_);
                if (static_cast<double>(snippet_.size()) < 40e-6 * rate) continue;  // too few symbols to say
                remove_dc(snippet_);
                const auto m = channelizer_.wifi_phy(snippet_, rate, c.center_mhz * 1e6 - tuning_.segment.center_frequency_hz);
                if (m.shows_ofdm() || m.shows_dsss()) {
                    showing.push_back(c.number);
                    break;
                }
            }
        }
        return showing;
    }

public:
    void look(const BurstFeatures& b) override {
        if (history_ && may_be_joined(b)) look_for_phy_in_frames(b);
        if (!is_piece_candidate(b)) return;
        looked_.push_back({b.first_sample, b.center_mhz, channels_showing_phy(b)});
    }

private:

    void keep_counted(const WifiBurstSpan& span) {
        // (bursts wait for their judgement up to an oven fold's half second: keep a second of them)
        while (!counted_.empty() && counted_.front().end_s < span.start_s - kCountedKeepSeconds) counted_.pop_front();
        counted_.push_back(span);
    }

    // The burst tracker carries a burst on with any run of lit cells that overlaps its extent so far.
    // A Bluetooth hop on a channel's shoulder spoils the channel's shape test in the frames they share,
    // so the frame's cells there go unclaimed and join the hop; frames on two channels at once light
    // the gap between them with their skirts, and join across it. Such a burst drifts and is wide, as
    // a magnetron's sweep is, but it is pieces of the channels' transmissions and a packet beside them.
    // It is the channels' when, frame by frame, every run it lit lies inside the claim (centre
    // ± 11.5 MHz) of a channel on the air then, but for at most a 1 MHz packet's cells (3: its skirts
    // light the cells beside it), and some of it lies inside one. A channel is on the air during its
    // counted transmissions; on from their counted end, or back from their counted start, over the
    // burst's frames lighting half its band or more with a frame exchange's gaps
    // between them (the hop spoiled the start, or an ACK whole); and, within a DH5's length of a
    // counted transmission, over any stretch of frames whose samples showed 802.11's PHY on it (frames
    // of an exchange the hop spoiled throughout). (Bursts a packet detector may take — narrow and
    // steady, or an 802.15.4 frame's width with its preamble, and at least 50 µs long — are left to
    // them; a shorter one is a packet's piece the claim cut off, as the hop's tail after a frame.)
    [[nodiscard]] static bool may_be_joined(const BurstFeatures& b) {
        const bool packet_like = b.duration_s() >= kMinPacketSeconds &&
                                 ((b.bandwidth_mhz <= kMaxPacketMhz && b.drift_mhz <= kMaxRadioDriftMhz) ||
                                  (b.bandwidth_mhz <= kMaxPacketFrameMhz && b.preamble_periodicity >= 0.5));
        return !packet_like && !b.lit_runs.empty();
    }

    // The burst's frames: [first, end) ranges of its runs sharing a frame start.
    static std::vector<std::pair<std::size_t, std::size_t>> frames_of(const BurstFeatures& b) {
        std::vector<std::pair<std::size_t, std::size_t>> frames;
        const auto& runs = b.lit_runs;
        for (std::size_t i = 0; i < runs.size(); ++i)
            if (frames.empty() || runs[i].start_s != runs[frames.back().first].start_s) frames.emplace_back(i, i + 1);
            else frames.back().second = i + 1;
        return frames;
    }

    // How much of a channel's occupied band a frame of the burst lights, MHz.
    static double lit_of_channel(const BurstFeatures& b, const std::pair<std::size_t, std::size_t>& f, double centre_mhz) {
        double mhz = 0.0;
        for (std::size_t i = f.first; i < f.second; ++i) {
            const auto& r = b.lit_runs[i];
            mhz += std::max(0.0, std::min(r.high_mhz, centre_mhz + kOccupiedHalfMhz) - std::max(r.low_mhz, centre_mhz - kOccupiedHalfMhz));
        }
        return mhz;
    }
    // More of it than a packet's cells.
    static bool lights_channel(const BurstFeatures& b, const std::pair<std::size_t, std::size_t>& f, double centre_mhz) {
        return lit_of_channel(b, f, centre_mhz) > kMaxBesideMhz;
    }

    // Where the burst's frames light more than a packet's width of the band of a channel that has
    // carried Wi-Fi, their longest stretch is looked at (its first 96 µs, when the burst closes, while
    // its samples are held): when they show 802.11 OFDM's guard interval or DSSS's Barker period,
    // the channel was on the air over that stretch, whatever its shape test said.
    void look_for_phy_in_frames(const BurstFeatures& b) {
        const double rate = tuning_.segment.sample_rate_hz, frame = tuning_.frame_seconds;
        const auto frames = frames_of(b);
        auto sample_at = [&](double t) { return b.first_sample + static_cast<std::uint64_t>(std::max(0.0, t - b.start_s) * rate); };
        while (!phy_shown_.empty() && phy_shown_.front().end_s < b.start_s - kCountedKeepSeconds) phy_shown_.pop_front();
        for (const auto& c : channels_) {
            if (c.center_mhz + kOccupiedHalfMhz < b.low_mhz || c.center_mhz - kOccupiedHalfMhz > b.high_mhz || !occupancy_.carried_wifi(c.number)) continue;
            double best_start = 0.0, best_end = 0.0, start = -1.0, end = -1.0;
            for (const auto& f : frames) {
                if (!lights_channel(b, f, c.center_mhz)) continue;
                const double t = b.lit_runs[f.first].start_s;
                if (start < 0.0 || t > end + frame * 1.5) start = t;
                end = t + frame;
                if (end - start > best_end - best_start) {
                    best_start = start;
                    best_end = end;
                }
            }
            if (best_end - best_start < kMinPhyLookSeconds) continue;  // too few symbols to say
            const std::uint64_t from = sample_at(best_start);
            history_->copy(from, std::min({b.end_sample, sample_at(best_end), from + static_cast<std::uint64_t>(kPieceLookSeconds * rate)}), snippet_);
            if (static_cast<double>(snippet_.size()) < 0.9 * kMinPhyLookSeconds * rate) continue;
            remove_dc(snippet_);
            const auto m = channelizer_.wifi_phy(snippet_, rate, c.center_mhz * 1e6 - tuning_.segment.center_frequency_hz);
            if (m.shows_ofdm() || m.shows_dsss()) phy_shown_.push_back({c.center_mhz, best_start, best_end});
        }
    }

    [[nodiscard]] bool joined_to_transmissions(const BurstFeatures& b) {
        if (!may_be_joined(b) || counted_.empty()) return false;
        const double frame = tuning_.frame_seconds;
        const auto& runs = b.lit_runs;
        const auto frames = frames_of(b);
        struct OnAir {
            double start_s, end_s, low_mhz, high_mhz;
        };
        std::vector<OnAir> on_air;
        std::vector<double> near;  // centres of channels counted within a DH5's length: on the air where their PHY showed
        for (const auto& s : counted_) {
            if (s.start_s - kMaxSpoiledSeconds > b.end_s || s.end_s + kMaxSpoiledSeconds < b.start_s) continue;
            if (s.center_mhz + kFadedPieceHalfMhz < b.low_mhz - 1.0 || s.center_mhz - kFadedPieceHalfMhz > b.high_mhz + 1.0) continue;
            if (is_lte_numerology(s.channel)) continue;  // (a drone's link the channel's tests counted: not Wi-Fi)
            if (std::find(near.begin(), near.end(), s.center_mhz) == near.end()) near.push_back(s.center_mhz);
            double from = s.start_s, to = s.end_s;
            for (auto f = frames.rbegin(); f != frames.rend(); ++f) {  // back from its counted start
                const double t = runs[f->first].start_s;
                if (t >= from) continue;
                if (from - (t + frame) > kExchangeGapSeconds || s.start_s - t > kMaxSpoiledSeconds) break;
                if (lit_of_channel(b, *f, s.center_mhz) >= kMinFrameOfChannelMhz) from = t;
            }
            for (const auto& f : frames) {  // on from its counted end
                const double t = runs[f.first].start_s;
                if (t <= to) continue;
                if (t - to > kExchangeGapSeconds || t - s.end_s > kMaxSpoiledSeconds) break;
                if (lit_of_channel(b, f, s.center_mhz) >= kMinFrameOfChannelMhz) to = t + frame;
            }
            on_air.push_back({from, to, s.center_mhz - kFadedPieceHalfMhz, s.center_mhz + kFadedPieceHalfMhz});
        }
        if (on_air.empty()) return false;
        double inside_mhz = 0.0;
        std::vector<std::pair<double, double>> claims;
        for (const auto& f : frames) {
            const double t = runs[f.first].start_s;
            claims.clear();
            for (const auto& a : on_air)
                if (a.start_s - frame <= t + frame && a.end_s + frame >= t) claims.emplace_back(a.low_mhz, a.high_mhz);
            for (const double centre : near)
                if (std::any_of(phy_shown_.begin(), phy_shown_.end(), [&](const PhyShown& p) {
                        return p.center_mhz == centre && p.start_s - frame <= t + frame && p.end_s + frame >= t;
                    }))
                    claims.emplace_back(centre - kFadedPieceHalfMhz, centre + kFadedPieceHalfMhz);
            std::sort(claims.begin(), claims.end());
            for (std::size_t i = f.first; i < f.second; ++i) {
                // the run's MHz outside every claim (claims of channels on at once may overlap)
                const auto& run = runs[i];
                double covered = 0.0, reach = run.low_mhz;
                for (const auto& [lo, hi] : claims) {
                    const double from = std::max(lo, reach), to = std::min(hi, run.high_mhz);
                    if (to > from) covered += to - from;
                    reach = std::max(reach, std::min(hi, run.high_mhz));
                }
                const double outside = run.high_mhz - run.low_mhz - covered;
                if (outside > kMaxBesideMhz + 1e-9) return false;
                inside_mhz += covered;
            }
        }
        return inside_mhz >= kMinInsideMhz;
    }

    [[nodiscard]] bool inside_faded(const BurstFeatures& b) {
        // (spans end in capture order; one ended well before this burst began explains nothing more)
        while (!faded_.empty() && faded_.front().end_s < b.start_s - kFadedSpanKeepSeconds) faded_.pop_front();
        // Most of its time under the channel's counted transmissions (each a frame wider: the tracker's
        // burst may begin in the frame before, and run on through a SIFS gap into the ACK). Its time
        // ends with its last frame 6 dB up: the frames after it, where noise carried it on, are no one's.
        const double frame = tuning_.frame_seconds;
        const double end = b.strong_end_s > b.start_s ? std::min(b.strong_end_s, b.end_s) : b.end_s;
        const double length = std::max(end - b.start_s, 1e-9);
        std::map<double, double> covered;  // by channel centre
        for (const auto& s : faded_) {
            if (b.low_mhz < s.center_mhz - kFadedPieceHalfMhz || b.high_mhz > s.center_mhz + kFadedPieceHalfMhz) continue;
            const double overlap = std::min(end, s.end_s + frame) - std::max(b.start_s, s.start_s - frame);
            if (overlap > 0.0 && (covered[s.center_mhz] += overlap) >= kFadedPieceCovered * length) return true;
        }
        return false;
    }

    // Every PPDU in a transmission (data, SIFS, ACK come as one): its header checks, rate, duration, and
    // for beacons the network. Decoded into packets_ (false: over the budget, not decoded), then booked.
    bool attempt_decode(const WifiBurstSpan& span) {
        decoded_kind_.reset();
        decoded_span_ = span.first_sample;
        packets_.clear();
        attempted_ = Attempt{span.first_sample, false, 0.0};
        const double rate = tuning_.segment.sample_rate_hz;
        // A budget per channel: every transmission of a short capture, then a steady share of a busy
        // channel's (a decode costs as much as the spectrum of 100 µs of samples). The rates, airtime and
        // networks are then a sample, and the airtime is scaled by it.
        auto& tally = tallies_[span.channel];
        const double now = tuning_.segment.start_time_s + static_cast<double>(span.first_sample) / rate;
        tally.tokens = std::min(kDecodeBurst, tally.tokens + std::max(0.0, now - tally.refilled_s) * kDecodesPerSecond);
        tally.refilled_s = now;
        if (tally.tokens < 1.0) return false;
        tally.tokens -= 1.0;
        // the first frame's start may be up to a frame late; the last frame ends after the transmission
        const auto lead = static_cast<std::uint64_t>((tuning_.frame_seconds + kPreambleMarginSeconds) * rate);
        const auto trail = static_cast<std::uint64_t>(kPreambleMarginSeconds * rate);
        // (read where the history holds them when one block does: decoding copies them anyway)
        const std::span<const cf32> wide = history_->view(span.first_sample > lead ? span.first_sample - lead : 0, span.end_sample + trail, wide_);
        if (wide.empty()) return false;
        const double offset_hz = span.center_mhz * 1e6 - tuning_.segment.center_frequency_hz;
        // one 20 MHz channel: a wideband capture is cut down to 20–25 MS/s first (an HT40 PPDU's legacy
        // fields and HT-SIG are repeated on its primary channel, so they are still read)
        // (a channel at the tuning's centre and rate, the common case, is decoded from the samples as copied)
        double decoded_rate = rate;
        std::span<const cf32> baseband = wide;
        if (!Channelizer::passes_unchanged(rate, offset_hz, kDecodeRate)) {
            decoded_rate = channelizer_.to_baseband(wide, rate, offset_hz, kDecodeRate, baseband_);
            baseband = baseband_;
        }
        const decode::Input input{baseband, decoded_rate, span.center_mhz * 1e6};
        for (auto& d : decoders_) {
            // a transmission an earlier decoder proved (OFDM) is not searched for the other PHY
            if (std::any_of(packets_.begin(), packets_.end(), [](const decode::Packet& p) { return p.checksum_ok; })) break;
            if (decoded_rate >= d.descriptor->min_sample_rate_hz) d.decoder->decode(input, packets_);
        }
        attempted_ = Attempt{span.first_sample, true, static_cast<double>(span.first_sample > lead ? span.first_sample - lead : 0) / rate};
        bool proven[2] = {false, false};
        for (const auto& p : packets_)
            if (p.checksum_ok) proven[p.protocol == decode::Protocol::wifi_dsss ? 1 : 0] = true;
        if (proven[0] != proven[1]) decoded_kind_ = proven[1];
        return true;
    }

    // The attempt's packets counted for the transmission's channel (a transmission that counts).
    void book_decode(const WifiBurstSpan& span) {
        auto& tally = tallies_[span.channel];
        if (!attempted_ || attempted_->first_sample != span.first_sample || !attempted_->decoded) {
            ++tally.skipped;
            return;
        }
        ++transmissions_tried_;
        bool framed[2] = {false, false}, proven[2] = {false, false};
        for (const auto& p : packets_) {
            const int dsss = p.protocol == decode::Protocol::wifi_dsss ? 1 : 0;
            const std::string key = "decode." + std::string(decode::protocol_key(p.protocol));
            ++decode_counters_[key + ".packets"];
            framed[dsss] = true;
            if (!p.checksum_ok) continue;
            ++decode_counters_[key + ".checksum_ok"];
            proven[dsss] = true;
        }
        tally_packets(tally, packets_);
        for (int k = 0; k < 2; ++k) {
            // the transmission counts for the kind the samples or the spectrum give it; tallied by both here
            tally.kind[k].framed += framed[k];
            tally.kind[k].proven += proven[k];
        }
        ++tally.transmissions;
        if (records_) record_transmission(span, attempted_->snippet_start_s);
    }

    // With --bursts: the transmission tried, on its channel, and each packet framed in it with its
    // own start (a transmission holds data, SIFS and ACK).
    void record_transmission(const WifiBurstSpan& span, double snippet_start_s) {
        const double rate = tuning_.segment.sample_rate_hz, t0 = tuning_.segment.start_time_s;
        const bool dsss = std::any_of(packets_.begin(), packets_.end(), [](const decode::Packet& p) {
            return p.checksum_ok && p.protocol == decode::Protocol::wifi_dsss;
        });
        const double half_mhz = dsss ? 11.0 : 10.0;
        report::BurstRecord r;
        r.start_s = t0 + static_cast<double>(span.first_sample) / rate;
        r.end_s = t0 + static_cast<double>(span.end_sample) / rate;
        r.low_mhz = span.center_mhz - half_mhz;
        r.high_mhz = span.center_mhz + half_mhz;
        r.center_mhz = span.center_mhz;
        r.emitter_class = dsss || (packets_.empty() && span.dsss_by_shape) ? EmitterClass::wifi_dsss : EmitterClass::wifi_ofdm;
        r.features.emplace_back("decoders_ran", true);
        if (!packets_.empty()) {
            report::Value::Array packets;
            for (const auto& p : packets_)
                packets.emplace_back(report::Value::Object{{"protocol", std::string(decode::protocol_key(p.protocol))},
                                                           {"checksum_ok", p.checksum_ok},
                                                           {"start_s", t0 + snippet_start_s + p.start_s},
                                                           {"duration_us", 1e6 * p.duration_s}});
            r.features.emplace_back("packets", std::move(packets));
        }
        records_->push_back(std::move(r));
    }

    // Wi-Fi needs its preamble: a channel none of whose transmissions showed one to the decoders (not
    // even a failed header), beside an overlapping channel whose transmissions decode and are at least
    // as strong, holds that neighbour's skirts seen through a wide receiver, not a network.
    [[nodiscard]] bool is_neighbours_leak(const WifiEmitterStats& w, const std::vector<WifiEmitterStats>& all) const {
        const auto it = tallies_.find(w.channel);
        if (w.seen_in_part || it == tallies_.end()) return false;
        const auto& t = it->second;
        if (t.transmissions < kLeakMinTried || t.kind[0].framed + t.kind[1].framed > 0) return false;
        for (const auto& other : all) {
            if (other.channel == w.channel || std::abs(other.channel - w.channel) > 4) continue;
            const auto o = tallies_.find(other.channel);
            if (o != tallies_.end() && o->second.ppdus > 0 && other.above_floor_db >= w.above_floor_db - 3.0) return true;
        }
        return false;
    }

    static std::string rate_key(double mbps) {
        std::string text = util::format("%.1f", mbps);
        if (text.size() > 2 && text.substr(text.size() - 2) == ".0") text.resize(text.size() - 2);
        return text;
    }

    [[nodiscard]] std::vector<report::WifiNetwork> networks(int channel) const {
        std::vector<report::WifiNetwork> out;
        const auto it = tallies_.find(channel);
        if (it == tallies_.end()) return out;
        for (const auto& [bssid, n] : it->second.networks) out.push_back(n);
        std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.frames > b.frames; });
        return out;
    }

    // Airtime from the decoded headers beside the energy-based occupancy; where they part, why.
    [[nodiscard]] std::optional<report::WifiDecoded> decoded_row(int channel, double observed_s, double occupancy) const {
        const auto it = tallies_.find(channel);
        if (it == tallies_.end() || it->second.ppdus == 0) return std::nullopt;
        const auto& t = it->second;
        report::WifiDecoded d;
        d.ppdus = t.ppdus;
        d.rates_mbps = t.rates;
        d.airtime_s = t.airtime_s;
        // a sample of the transmissions: their airtime stands for all of them
        const double share = static_cast<double>(t.transmissions) / static_cast<double>(t.transmissions + t.skipped);
        if (observed_s > 0.0) d.occupancy = std::min(1.0, t.airtime_s / share / observed_s);
        d.transmissions_decoded = t.transmissions;
        d.transmissions = t.transmissions + t.skipped;
        if (d.occupancy && occupancy > 0.0) {
            const double ratio = *d.occupancy / occupancy;
            if (ratio < 0.8)
                d.note = util::format("the decoded headers account for %.0f %% of the airtime the energy shows: the rest are "
                                      "transmissions not decoded (weak, colliding, cut by the capture, or a PHY not decoded)",
                                      100.0 * ratio);
            else if (ratio > 1.25)
                d.note = util::format("the decoded headers promise %.0f %% more airtime than the energy shows: PPDUs cut short "
                                      "by the capture's end or its gaps",
                                      100.0 * (ratio - 1.0));
        }
        return d;
    }

    struct Tally {
        std::uint64_t ppdus = 0, transmissions = 0;  // decoded, and transmissions tried
        std::uint64_t skipped = 0;                    // transmissions left undecoded by the budget
        double tokens = kDecodeBurst, refilled_s = 0.0;
        std::map<std::string, std::uint64_t> rates;
        double airtime_s = 0.0;
        std::map<std::string, report::WifiNetwork> networks;  // by BSSID
        struct {
            std::uint64_t framed = 0, proven = 0;
        } kind[2];  // [0] OFDM, [1] DSSS
        std::uint64_t lte_looks = 0, lte_prefix = 0;  // long transmissions looked at for LTE's prefix, and showing it
        double proven_until_s = -1.0;  // capture time the last PPDU that proved a faded transmission ends
    };

    // A channel's decoded facts: the PPDUs whose header check held, their rates and airtime, and the
    // networks their beacons and probe responses name.
    static void tally_packets(Tally& tally, const std::vector<decode::Packet>& packets) {
        for (const auto& p : packets) {
            if (!p.checksum_ok || (p.protocol != decode::Protocol::wifi_ofdm && p.protocol != decode::Protocol::wifi_dsss)) continue;
            ++tally.ppdus;
            ++tally.rates[rate_key(p.rate_mbps)];
            tally.airtime_s += p.duration_s;
            if ((p.kind == "beacon" || p.kind == "probe_response") && !p.bssid.empty()) {
                auto& n = tally.networks[p.bssid];
                n.bssid = p.bssid;
                n.ssid = p.network;
                ++n.frames;
            }
        }
    }


    static report::Emitter emitter(const WifiEmitterStats& w, const std::map<int, Tally>& tallies, bool decoding) {
        report::Emitter e;
        e.emitter_class = w.dsss ? EmitterClass::wifi_dsss : EmitterClass::wifi_ofdm;
        const double half = w.dsss ? 11.0 : 8.3;
        e.low_mhz = w.center_mhz - half;
        e.high_mhz = w.center_mhz + half;
        e.center_mhz = w.center_mhz;
        e.level_dbfs = w.mean_power_dbfs;
        e.above_floor_db = w.above_floor_db;
        e.duty_cycle = w.observed_s > 0.0 ? w.airtime_s / w.observed_s : 0.0;
        e.bursts = w.bursts;
        e.first_s = w.first_s;
        e.last_s = w.last_s;
        e.confidence = std::min(0.99, 0.6 + 0.1 * static_cast<double>(w.bursts)) * (w.above_floor_db >= 6.0 ? 1.0 : 0.8);
        e.evidence = {report::EvidenceBasis::behaviour,
                      "power flat over a channel of the 802.11 grid, its shoulders quiet; OFDM or DSSS told by the samples "
                      "(guard interval or Barker code) or by the spectrum"};
        if (const auto it = tallies.find(w.channel); it != tallies.end() && it->second.transmissions > 0) {
            const auto& kind = it->second.kind[w.dsss ? 1 : 0];
            e.evidence.decode = report::DecodeCounts{w.bursts, std::min(kind.framed, w.bursts), std::min(kind.proven, w.bursts),
                                                     std::min(it->second.transmissions, w.bursts)};
            if (kind.proven > 0) {
                e.evidence.basis = report::EvidenceBasis::decoded;
                e.evidence.detail = util::format("%s with a valid %s in %s", w.dsss ? "802.11b PLCP headers" : "802.11 OFDM SIGNAL fields",
                                                 w.dsss ? "CRC-16" : "parity (HT-SIG: CRC-8)",
                                                 count_text(kind.proven, "transmission").c_str());
                e.confidence = std::max(e.confidence, 0.99);
            }
            for (const auto& [bssid, n] : it->second.networks)
                e.identities.push_back({"network", bssid, "", n.ssid, n.frames, true});
        } else if (decoding && !w.seen_in_part) {
            e.evidence.decode = report::DecodeCounts{w.bursts, 0, 0, 0};
        }
        const char* phy = w.dsss ? "802.11b DSSS" : "802.11 OFDM";
        const std::string transmissions = count_text(w.bursts, "transmission");
        e.fields = {{std::string(report::fields::wifi_channel.name), w.channel}, {"observed_s", w.observed_s}, {"airtime_s", w.airtime_s}};
        if (w.seen_in_part) {
            // its occupancy is not measured: the airtime is of the visible part, while it was in view
            e.fields.emplace_back("seen_in_part", true);
            e.confidence *= 0.8;
            e.summary = util::format("%s on channel %d, seen only in part (no tuning held the channel whole): %s, occupancy not measured",
                                     phy, w.channel, transmissions.c_str());
        } else {
            e.summary = util::format("%s on channel %d: %.1f %% airtime in %s", phy, w.channel, 100.0 * e.duty_cycle, transmissions.c_str());
        }
        return e;
    }

    static constexpr double kPreambleMarginSeconds = 4e-6;  // beyond the frames' edges
    // 802.11's ±25 ppm at both ends plus a receiver's LO error: far under the 5 MHz to a neighbour
    static constexpr double kMaxProofOffsetHz = 300e3;
    static constexpr double kFadedSpanKeepSeconds = 0.05;
    static constexpr double kPieceLookSeconds = 96e-6;  // 24 OFDM symbols or 96 DSSS symbols
    static constexpr double kLookedKeepSeconds = 1.0;  // a piece waits for its judgement far less (the longest transmission)
    // A slice of OFDM subcarriers measures 0.5–0.67 (a Gaussian's envelope, through the cut filter);
    // GFSK 10 dB over the floor 0.73 and more (Bluetooth BR in the corpus scenes behind `hackrf`).
    static constexpr double kMinPieceConstantEnvelope = 0.7;
    static constexpr double kMinPieceMhz = 1.5;   // a 1 MHz-channel packet's 90 % bandwidth is ≤ 1.2 MHz
    static constexpr double kPieceHalfMhz = 9.3;   // a piece of a channel lies within its occupied ±8.3 MHz (a cell coarse)
    // Inside the cells its transmission claims (centre ± 11 MHz), whose outermost reach ± 11.5 MHz: the
    // burst's 95 % energy edge falls within its last cell (a Bluetooth hop in that cell, joined to the
    // piece, puts it there: seed-story-wideband's DH5 at 2448 MHz beside channel 6 behind usrp).
    static constexpr double kFadedPieceHalfMhz = 11.5;
    static constexpr double kMinPacketSeconds = 50e-6;  // the shortest packet a packet detector takes (Classic's)
    static constexpr double kMaxPacketMhz = 2.6;       // BLE 2M's, the widest packet Classic's and BLE's detectors take
    static constexpr double kMaxPacketFrameMhz = 3.8;  // an 802.15.4 frame's, as Zigbee's detector takes it
    static constexpr double kMaxBesideMhz = 3.0;       // a 1 MHz packet's cells beside a transmission's claim
    static constexpr double kOccupiedHalfMhz = 8.3;    // a 20 MHz channel's occupied band, each side of its centre
    // A frame the hop kept from the channel's claim goes unclaimed whole: half its band lit at least
    // (another emitter inside part of the band — a drone's link over its edge — lights less)
    static constexpr double kMinFrameOfChannelMhz = 8.3;
    static constexpr double kExchangeGapSeconds = 60e-6;  // SIFS between a frame and its ACK, a DIFS (28–50 µs) before the next
    static constexpr double kMinPhyLookSeconds = 40e-6;   // 10 OFDM symbols
    static constexpr double kMinInsideMhz = 2.0;          // MHz × frames inside a claim: joined to a transmission at all
    static constexpr double kMaxSpoiledSeconds = 3e-3;    // a DH5 (2.9 ms) on the shoulder spoils the shape test that long at most
    static constexpr double kLongestTransmissionSeconds = 0.025;  // an 802.11b PPDU at 1 Mb/s lasts up to 19 ms
    static constexpr double kCountedKeepSeconds = 1.0;
    static constexpr double kFadedPieceCovered = 0.8;  // of a piece's time, under a channel's counted transmissions  // pending bursts wait at most for their transmission's end
    static constexpr double kDecodeBurst = 400.0;           // transmissions decoded before the budget bites (a short capture: all)
    static constexpr double kDecodesPerSecond = 40.0;       // then this many per second of the channel
    static constexpr double kDecodeRate = 20e6;
    static constexpr std::uint64_t kLeakMinTried = 3;  // transmissions tried before a channel's silence counts
    static constexpr double kLteLookMinSeconds = 400e-6;  // six LTE symbols
    static constexpr double kLteLookSeconds = 1e-3;
    static constexpr std::uint64_t kLteLooksPerChannel = 12;
    WifiOccupancyDetector occupancy_;
    const SampleHistory* history_;
    std::vector<WifiChannel> channels_;
    std::vector<report::BurstRecord>* records_;  // the report's burst list (--bursts), else null
    std::uint64_t pieces_proven_ = 0;
    struct WidebandDecoder {
        const decode::DecoderDescriptor* descriptor;
        std::unique_ptr<decode::Decoder> decoder;
    };
    std::vector<WidebandDecoder> decoders_;
    std::vector<cf32> wide_, baseband_;
    std::vector<decode::Packet> packets_;
    std::map<int, Tally> tallies_;  // by channel
    struct LookedPiece {
        std::uint64_t first_sample;
        double center_mhz;
        std::vector<int> channels;  // showing an 802.11 PHY while it was on
    };
    std::deque<LookedPiece> looked_;  // in closing order, which is judging order
    struct PhyShown {
        double center_mhz, start_s, end_s;
    };
    std::deque<PhyShown> phy_shown_;  // stretches of bursts' frames over a channel whose samples showed its PHY
    std::map<std::string, std::uint64_t> decode_counters_;
    std::uint64_t transmissions_tried_ = 0;
    std::optional<bool> decoded_kind_;  // the last transmission's kind, by its decoded header (true: DSSS)
    struct Attempt {
        std::uint64_t first_sample = 0;
        bool decoded = false;          // false: over the budget
        double snippet_start_s = 0.0;  // where the decoded samples began, within the segment
    };
    std::optional<Attempt> attempted_;  // the last transmission handed to the decoders, its packets in packets_
    std::deque<WifiBurstSpan> faded_;   // counted transmissions with faded frames, in the order they ended
    std::deque<WifiBurstSpan> counted_;  // every counted transmission of the last second, in the order they ended
    std::uint64_t joined_to_transmissions_ = 0;
    double last_frame_s_ = 0.0;
    std::uint64_t pieces_of_faded_ = 0;
    std::uint64_t pieces_of_partial_ = 0, pieces_with_phy_ = 0;
    std::uint64_t decoded_span_ = 0;
    Channelizer channelizer_;
    TuningGeometry tuning_;
    std::vector<cf32> snippet_;
};

}  // namespace

const DetectorDescriptor kWifiDetector{EmitterClass::wifi_ofdm, "Wi-Fi (802.11 OFDM and DSSS)",
                                       {EmitterClass::wifi_ofdm, EmitterClass::wifi_dsss, EmitterClass::ofdm_not_wifi},
                                       {decode::Protocol::wifi_ofdm, decode::Protocol::wifi_dsss},
                                       [](const DetectorSetup& setup) { return std::unique_ptr<Detector>(std::make_unique<WifiDetector>(setup)); }};

}  // namespace coex::classify
