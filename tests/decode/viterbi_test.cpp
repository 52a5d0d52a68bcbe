// The K=7 soft Viterbi decoder against the project's encoder (coding::conv_encode_k7) and puncturer
// (coding::puncture): error-free round trips at every 802.11 code rate, correction of scattered bit
// errors, and a plain hard-decision reference (exhaustive maximum likelihood over short messages).
#include "../../src/decode/viterbi.hpp"

#include <gtest/gtest.h>

#include <random>

#include "coex/coding/coding.hpp"
#include "coex/core/error.hpp"

namespace cd = coex::decode;
namespace cs = coex::coding;

namespace {

cs::Bits random_bits(std::size_t n, std::mt19937_64& rng, std::size_t zero_tail) {
    cs::Bits b(n);
    for (auto& x : b) x = static_cast<std::uint8_t>(rng() & 1u);
    for (std::size_t i = n - zero_tail; i < n; ++i) b[i] = 0;
    return b;
}

std::vector<float> to_soft(const cs::Bits& coded) {
    std::vector<float> s(coded.size());
    for (std::size_t i = 0; i < coded.size(); ++i) s[i] = coded[i] ? 1.0f : -1.0f;
    return s;
}

}  // namespace

TEST(ViterbiK7, RoundTripRateHalfTerminatedAndOpen) {
    std::mt19937_64 rng(1);
    cd::ViterbiK7 v;
    std::vector<std::uint8_t> out;
    for (std::size_t n : {7u, 24u, 48u, 200u, 3222u}) {
        const cs::Bits msg = random_bits(n, rng, 6);
        v.decode(to_soft(cs::conv_encode_k7(msg)), true, out);
        EXPECT_EQ(out, std::vector<std::uint8_t>(msg.begin(), msg.end())) << n;
        v.decode(to_soft(cs::conv_encode_k7(msg)), false, out);
        EXPECT_EQ(out, std::vector<std::uint8_t>(msg.begin(), msg.end())) << n;
    }
}

TEST(ViterbiK7, DepunctureInvertsPunctureAtEveryRate) {
    std::mt19937_64 rng(2);
    cd::ViterbiK7 v;
    std::vector<float> mother;
    std::vector<std::uint8_t> out;
    for (auto [num, den] : {std::pair{1, 2}, {2, 3}, {3, 4}, {5, 6}}) {
        for (std::size_t n : {30u, 144u, 1000u}) {  // multiples of every pattern's input period
            const cs::Bits msg = random_bits(n, rng, 6);
            const cs::Bits coded = cs::conv_encode_k7(msg);
            const cs::Bits punct = cs::puncture(coded, num, den);
            cd::depuncture(to_soft(punct), num, den, mother);
            ASSERT_EQ(mother.size(), coded.size()) << num << "/" << den;
            for (std::size_t i = 0; i < coded.size(); ++i)
                if (mother[i] != 0.0f) {
                    ASSERT_EQ(mother[i] > 0.0f, coded[i] == 1) << i;  // kept bits in place
                }
            v.decode(mother, true, out);
            EXPECT_EQ(out, std::vector<std::uint8_t>(msg.begin(), msg.end())) << num << "/" << den << " n=" << n;
        }
    }
    EXPECT_THROW(cd::depuncture(std::vector<float>(4, 1.0f), 4, 5, mother), coex::ConfigError);
}

TEST(ViterbiK7, CorrectsScatteredErrorsAtRateHalfAndThreeQuarters) {
    // Free distance 10 at rate 1/2: any 4 errors spread wider than the constraint span are corrected.
    std::mt19937_64 rng(3);
    cd::ViterbiK7 v;
    std::vector<std::uint8_t> out;
    std::vector<float> mother;
    for (int trial = 0; trial < 50; ++trial) {
        const cs::Bits msg = random_bits(400, rng, 6);
        auto soft = to_soft(cs::conv_encode_k7(msg));
        for (std::size_t pos = 5; pos < soft.size(); pos += 40 + rng() % 20) soft[pos] = -soft[pos];  // one flip every ~25 bits
        v.decode(soft, true, out);
        EXPECT_EQ(out, std::vector<std::uint8_t>(msg.begin(), msg.end())) << trial;
        // Rate 3/4 (free distance 5): one flip every ~60 punctured bits.
        auto psoft = to_soft(cs::puncture(cs::conv_encode_k7(msg), 3, 4));
        for (std::size_t pos = 11; pos < psoft.size(); pos += 60 + rng() % 20) psoft[pos] = -psoft[pos];
        cd::depuncture(psoft, 3, 4, mother);
        v.decode(mother, true, out);
        EXPECT_EQ(out, std::vector<std::uint8_t>(msg.begin(), msg.end())) << "3/4 " << trial;
    }
}

TEST(ViterbiK7, MatchesExhaustiveMaximumLikelihoodOnNoisyShortMessages) {
    // Reference: the codeword at least Euclidean distance (max correlation) among all 2^10 messages of
    // 10 free bits + 6 tail zeros. With Gaussian noise at a low SNR the decoder often errs, and must
    // err exactly like maximum likelihood (ties have probability zero with continuous noise).
    std::mt19937_64 rng(4);
    std::normal_distribution<float> noise(0.0f, 1.0f);
    std::vector<std::vector<float>> book;
    for (unsigned m = 0; m < 1024; ++m) {
        cs::Bits msg(16, 0);
        for (int k = 0; k < 10; ++k) msg[static_cast<std::size_t>(k)] = static_cast<std::uint8_t>((m >> k) & 1u);
        book.push_back(to_soft(cs::conv_encode_k7(msg)));
    }
    cd::ViterbiK7 v;
    std::vector<std::uint8_t> out;
    int wrong_vs_sent = 0;
    for (int trial = 0; trial < 300; ++trial) {
        const unsigned sent = static_cast<unsigned>(rng() % 1024);
        std::vector<float> rx = book[sent];
        for (auto& x : rx) x += 1.1f * noise(rng);
        unsigned best = 0;
        float best_corr = -1e30f;
        for (unsigned m = 0; m < 1024; ++m) {
            float c = 0.0f;
            for (std::size_t i = 0; i < rx.size(); ++i) c += rx[i] * book[m][i];
            if (c > best_corr) best_corr = c, best = m;
        }
        v.decode(rx, true, out);
        unsigned got = 0;
        for (int k = 0; k < 10; ++k) got |= static_cast<unsigned>(out[static_cast<std::size_t>(k)]) << k;
        EXPECT_EQ(got, best) << trial;
        wrong_vs_sent += got != sent;
    }
    EXPECT_GT(wrong_vs_sent, 0);  // the noise is strong enough to test decisions, not only clean input
}
