// The executable's operator new (src/cli/large_allocations.cpp): sample-sized blocks start on a cache
// line, and new and delete still behave as the standard's for every size.
#include <gtest/gtest.h>

#include <complex>
#include <cstdint>
#include <limits>
#include <memory>
#include <new>
#include <vector>

namespace {

bool on_a_line(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % 64 == 0; }

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kReplaced = false;  // the sanitizers' runtimes keep their own operator new
#else
constexpr bool kReplaced = true;
#endif

TEST(LargeAllocations, SampleBuffersStartOnACacheLine) {
    if (!kReplaced) GTEST_SKIP() << "sanitized build: the runtime's operator new";
    // a replayed capture's block (65536 samples) and sizes around the threshold, each several times
    // (glibc alone places such blocks at a page + 16)
    for (const std::size_t samples : {8192u, 8193u, 65536u, 100000u, 1u << 20})
        for (int k = 0; k < 4; ++k) {
            std::vector<std::complex<float>> block(samples);
            EXPECT_TRUE(on_a_line(block.data())) << samples << " samples";
        }
}

TEST(LargeAllocations, EverySizeCanBeWrittenAndFreed) {
    std::vector<std::unique_ptr<unsigned char[]>> held;
    for (std::size_t bytes = 0; bytes < (std::size_t{1} << 21); bytes = bytes * 3 + 1) {
        held.emplace_back(new unsigned char[bytes + 1]);
        held.back()[bytes] = 0xa5;  // the last byte is there (ASan would say if not)
        EXPECT_EQ(held.back()[bytes], 0xa5);
    }
    auto* one = new int(7);
    EXPECT_EQ(*one, 7);
    delete one;
    auto* none = new (std::nothrow) char[0];
    EXPECT_NE(none, nullptr);
    delete[] none;
}

TEST(LargeAllocations, TooLargeThrowsBadAlloc) {
    if (!kReplaced) GTEST_SKIP() << "sanitized build: ASan reports an impossible size as an error of its own";
    // (a size no machine has: posix_memalign fails, and new says so as the standard wants)
    const std::size_t impossible = std::numeric_limits<std::size_t>::max() / 4;
    EXPECT_THROW(static_cast<void>(std::make_unique<char[]>(impossible)), std::bad_alloc);
    EXPECT_EQ(new (std::nothrow) char[impossible], nullptr);
}

}  // namespace
