#!/usr/bin/env bash
# Fuzzes coex's readers with libFuzzer (clang, ASan + UBSan). docs/reliability.md has the figures.
#
#   bench/fuzz.sh --list                 the targets
#   bench/fuzz.sh TARGET SECONDS [JOBS]  build (build-fuzz/) and fuzz TARGET for SECONDS
#
# Seeds come from tests/fuzz/corpus/TARGET; what the fuzzer learns goes to build-fuzz/corpus/TARGET
# (kept between runs); a crash, hang or leak is written to build-fuzz/findings/TARGET/ and the script
# exits 1. Copy a finding into tests/fuzz/corpus/TARGET/ once it is fixed: fuzz_TARGET_replay (ctest)
# then keeps it fixed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
targets=(capture_h5 capture_sigmf capture_raw scene report mqtt_state cli)

usage() { echo "usage: $0 --list | TARGET SECONDS [JOBS]" >&2; exit 2; }
[[ $# -ge 1 ]] || usage
if [[ $1 == --list ]]; then
    printf '%s\n' "${targets[@]}"
    exit 0
fi
[[ $# -ge 2 && $# -le 3 ]] || usage
target=$1 seconds=$2 jobs=${3:-1}
[[ " ${targets[*]} " == *" $target "* ]] || { echo "$0: no target '$target' (--list names them)" >&2; exit 2; }
[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || { echo "$0: SECONDS must be a positive whole number, not '$seconds'" >&2; exit 2; }
[[ $jobs =~ ^[0-9]+$ && $jobs -gt 0 ]] || { echo "$0: JOBS must be a positive whole number, not '$jobs'" >&2; exit 2; }
command -v clang++ >/dev/null || { echo "$0: clang++ is needed (apt-get install clang)" >&2; exit 2; }

build=$root/build-fuzz
flags="-fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1"
if [[ ! -f $build/CMakeCache.txt ]]; then
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOEX_FUZZ=ON -DCOEX_BUILD_BENCH=OFF \
        -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
        "-DCMAKE_C_FLAGS=$flags" "-DCMAKE_CXX_FLAGS=$flags" \
        "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined" >/dev/null
fi
cmake --build "$build" -j"$(nproc)" --target "${target}_fuzzer" >/dev/null

corpus=$build/corpus/$target findings=$build/findings/$target
mkdir -p "$corpus" "$findings"
started=$build/.fuzz-$target-started
touch "$started"  # findings of earlier runs stay where they are; only this run's count
log=$build/fuzz-$target.log
echo "fuzz: $target for ${seconds} s (${jobs} job(s)); seeds tests/fuzz/corpus/$target, corpus $corpus"
parallel=()
dictionary=()
[[ -f $root/tests/fuzz/$target.dict ]] && dictionary=(-dict="$root/tests/fuzz/$target.dict")
[[ $jobs -gt 1 ]] && parallel=(-jobs="$jobs" -workers="$jobs")  # libFuzzer then writes fuzz-N.log in the working directory
set +e
cd "$build"
ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1 \
LSAN_OPTIONS=suppressions=$root/tests/fuzz/lsan.supp:print_suppressions=0 \
"$build/fuzz/${target}_fuzzer" "$corpus" "$root/tests/fuzz/corpus/$target" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=300000 -print_final_stats=1 \
    "${dictionary[@]}" "${parallel[@]}" -artifact_prefix="$findings/" >"$log" 2>&1
status=$?
set -e
grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb|new_units_added)|cov: ' "$log" | tail -6 || true
found=$(find "$findings" -type f -newer "$started" | wc -l)
if [[ $status -ne 0 || $found -gt 0 ]]; then
    echo "fuzz: $target found $found input(s) that crash, hang or leak (exit $status): $findings; log $log" >&2
    exit 1
fi
echo "fuzz: $target: nothing found in ${seconds} s"
