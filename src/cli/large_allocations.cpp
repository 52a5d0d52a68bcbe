// The coex executable's operator new: blocks of 64 KiB and more start on a 64-byte cache line.
//
// Why: glibc serves them with mmap and hands out the page's address + 16, and the kernel's copy into
// such a buffer (read/pread: every sample block of a replayed capture) ran 2-5 times slower than into
// a line-aligned one on the project's AMD EPYC machine (bench/README.md, "Sample buffers on a cache
// line": 290 us against 70 us per 512 KiB block, a third of `coex analyze`'s CPU on a float32 capture).
// The sample buffers are std::vector<cf32> everywhere, so the allocation, not the type, is what changes.
// Such blocks are also given a mapping of their own (malloc's mmap threshold fixed at their size, where
// glibc would raise it after the first free): aligned inside the heap instead, their split-off pieces
// fragmented it, and `coex monitor`'s RSS grew from 165 to 234 MB in the 90 s fault soak. Smaller blocks
// keep malloc's own placement. Left out of sanitized builds, whose runtimes replace
// operator new themselves to check every new against its delete.
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)

#include <malloc.h>

#include <cstdlib>
#include <new>

namespace {

constexpr std::size_t kLargeBytes = 64 * 1024;
constexpr std::size_t kLineBytes = 64;

// Before main (an allocation made earlier by another static initialiser just keeps glibc's placement).
[[maybe_unused]] const bool kOwnMappings = mallopt(M_MMAP_THRESHOLD, static_cast<int>(kLargeBytes)) == 1;

void* allocate(std::size_t bytes) {
    if (bytes >= kLargeBytes) {
        void* p = nullptr;
        if (posix_memalign(&p, kLineBytes, bytes) == 0) return p;
    } else if (void* p = std::malloc(bytes == 0 ? 1 : bytes)) {
        return p;
    }
    throw std::bad_alloc();
}

}  // namespace

void* operator new(std::size_t bytes) { return allocate(bytes); }
void* operator new[](std::size_t bytes) { return allocate(bytes); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

#endif
