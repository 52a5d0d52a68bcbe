#pragma once
// COEX_ELEMENTWISE_CLONES marks a function whose loops are element-wise (each output from its own inputs
// by the same few operations, no sum across elements): GCC compiles it twice on x86-64, for AVX2 and
// for the baseline, and the loader picks the copy the CPU can run. Element-wise code gives the same
// floats either way, so results do not depend on the machine. Not for reductions (a wider vector
// would reorder the sum), and no FMA (a fused multiply-add rounds once where the baseline rounds twice).

// Not under ThreadSanitizer: the loader runs a clone's resolver while relocating, before the TSan
// runtime is up, and the instrumented resolver crashes the process before main.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_THREAD__)
#define COEX_ELEMENTWISE_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define COEX_ELEMENTWISE_CLONES
#endif
