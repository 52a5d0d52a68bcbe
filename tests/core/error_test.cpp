// A ConfigError names the library's parameter; a front end says it in its own words with render().
#include "coex/core/error.hpp"

#include <gtest/gtest.h>

namespace coex {
namespace {

TEST(ConfigError, NamesTheParameterAndRendersItAsTheFrontEndCallsIt) {
    const ConfigError leading("fft_size", "must be a power of two, got 100");
    EXPECT_STREQ(leading.what(), "fft_size: must be a power of two, got 100");
    EXPECT_EQ(leading.parameter(), "fft_size");
    EXPECT_EQ(leading.render("--fft"), "--fft: must be a power of two, got 100");

    const ConfigError inside("sample_rate_hz", "x.cu8: sample rate unknown: give {} HZ or put it in the name");
    EXPECT_STREQ(inside.what(), "x.cu8: sample rate unknown: give sample_rate_hz HZ or put it in the name");
    EXPECT_EQ(inside.render("--rate"), "x.cu8: sample rate unknown: give --rate HZ or put it in the name");

    const ConfigError twice("plan", "{} wifi: needs 17 MHz (use {} cover)");
    EXPECT_EQ(twice.render("--plan"), "--plan wifi: needs 17 MHz (use --plan cover)");

    const ConfigError unnamed("ring: 1 blocks; allowed 2…65536");
    EXPECT_TRUE(unnamed.parameter().empty());
    EXPECT_EQ(unnamed.render("--anything"), "ring: 1 blocks; allowed 2…65536");
    EXPECT_THROW(throw ConfigError("overlap", "too big"), InputError);  // exit 2, as every bad input
}

}  // namespace
}  // namespace coex
