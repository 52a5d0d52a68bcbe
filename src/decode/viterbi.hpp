#pragma once
// Soft-decision Viterbi decoder for the 802.11 (and DVB, CCSDS) convolutional code: constraint length
// K = 7, rate 1/2, generators g0 = 133, g1 = 171 (octal), zero initial state; the inverse of
// coding::conv_encode_k7. Written here because Debian's liquid-dsp is built without libfec, whose
// Viterbi liquid would otherwise use.
//
// Soft values: one float per coded bit, > 0 means "1", magnitude = confidence (a scaled LLR); 0 is an
// erasure (a punctured or unknown bit). Order A0 B0 A1 B1 ... like conv_encode_k7's output.
#include <cstdint>
#include <span>
#include <vector>

namespace coex::decode {

class ViterbiK7 {
public:
    // Decodes soft.size() / 2 input bits into `bits` (resized). `terminated`: the encoder was driven
    // back to state 0 by its tail, so the traceback starts there; otherwise from the best state (then
    // the decoded tail bits are a real check).
    void decode(std::span<const float> soft, bool terminated, std::vector<std::uint8_t>& bits);

private:
    std::vector<std::uint8_t> decisions_;  // 64 per step: the survivor choice (0/1) of each state
};

// The inverse of coding::puncture: re-inserts erasures (0) where the rate num/den pattern (1/2, 2/3,
// 3/4, 5/6 of 802.11) stole bits, so `out` holds A0 B0 A1 B1 ... for ViterbiK7. Consumes all of
// `punctured` (a partial last pattern period is filled as far as it goes). Throws ConfigError for
// another rate.
void depuncture(std::span<const float> punctured, int num, int den, std::vector<float>& out);

}  // namespace coex::decode
