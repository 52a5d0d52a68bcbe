#!/usr/bin/env bash
# End-to-end throughput of `coex analyze` against the bare single-thread FFTW3f loop, on one machine in
# one run. Usage:
#
#   bench/e2e_throughput.sh BUILD_DIR        (BUILD_DIR holds coex, bench/make_bench_capture and
#                                             bench/spectrogram_bench, i.e. configured with benches on)
#
# 1. makes (or reuses) 5 s and 1 s captures at 20 MS/s on 2437 MHz, noise + 802.11g OFDM at ~30 %
#    airtime, as float32 and int8, in /tmp (bench/make_bench_capture.cpp);
# 2. times `coex analyze` on each 5 s file, default settings and --fft 1024: best of $RUNS (default 3)
#    wall-clock runs, after one untimed run that fills the page cache and the FFTW wisdom file;
# 3. runs the bare-FFTW reference (spectrogram_bench, BM_BareFftwAvg20/capture) over the samples of
#    the same 5 s cf32 file, held in memory, best of $RUNS repetitions;
# 4. prints one table (MS/s, × real time at 20 MS/s, share of the bare loop) and peak RSS of 1 s vs
#    5 s files.
# Environment: RUNS (default 3), COEX_FFTW_WISDOM (default /tmp/coex-bench-fftwf.wisdom),
# BENCH_DIR (default /tmp) for the captures, BASELINE (another build's coex, e.g. of an older commit:
# its four `coex analyze` rows are measured in the same run, for before/after tables).
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: $0 BUILD_DIR" >&2
    exit 2
fi
build=$(cd "$1" && pwd)
coex=$build/coex
make_capture=$build/bench/make_bench_capture
spectrogram_bench=$build/bench/spectrogram_bench
for exe in "$coex" "$make_capture" "$spectrogram_bench"; do
    [[ -x $exe ]] || { echo "$0: $exe is missing (build with -DCOEX_BUILD_BENCH=ON)" >&2; exit 2; }
done
[[ -x /usr/bin/time ]] || { echo "$0: /usr/bin/time is missing (apt-get install time)" >&2; exit 2; }

runs=${RUNS:-3}
dir=${BENCH_DIR:-/tmp}
export COEX_FFTW_WISDOM=${COEX_FFTW_WISDOM:-/tmp/coex-bench-fftwf.wisdom}
rate=20000000

cf32=$dir/coex-bench-cf32.h5
int8=$dir/coex-bench-int8.h5
cf32_1s=$dir/coex-bench-cf32-1s.h5
int8_1s=$dir/coex-bench-int8-1s.h5

# ---- 1. captures -----------------------------------------------------------------------------------
if [[ ! -f $cf32 || ! -f $int8 ]]; then
    "$make_capture" 5 float32="$cf32" int8="$int8"
fi
if [[ ! -f $cf32_1s || ! -f $int8_1s ]]; then
    "$make_capture" 1 float32="$cf32_1s" int8="$int8_1s"
fi
samples_5s=$((5 * rate))

# Share of all cores busy over one second (other processes compete for the 2 cores and memory bus).
busy_percent() {
    local a b
    a=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat)
    sleep 1
    b=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat)
    awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " "); printf "%.0f", 100 * (y[1] - x[1]) / (y[2] - x[2]) }'
}
busy=$(busy_percent)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); busy before the run: $busy % (load average $(cut -d' ' -f1-3 /proc/loadavg))"
echo "coex: $("$coex" --version 2>/dev/null || echo '?')   runs: best of $runs   wisdom: $COEX_FFTW_WISDOM"
if ((busy > 10)); then
    echo "warning: other processes are using the cores; numbers will be low (compare the wall and cpu columns)"
fi
echo

# ---- 2. coex analyze -------------------------------------------------------------------------------
# measure FILE [ARGS...]: sets best_s (wall), best_cpu_s (user+sys of that run), peak_kb (largest).
measure() {
    local file=$1 args=("${@:2}")
    local coex=${coex_under_test:-$coex}
    local stats=$dir/coex-bench-time.$$
    "$coex" analyze "$file" "${args[@]}" > /dev/null  # untimed: page cache, FFTW wisdom
    best_s='' best_cpu_s='' peak_kb=0
    for ((i = 0; i < runs; ++i)); do
        local t0=$EPOCHREALTIME
        /usr/bin/time -f '%U %S %M' -o "$stats" "$coex" analyze "$file" "${args[@]}" > /dev/null
        local t1=$EPOCHREALTIME
        local wall cpu kb
        wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')
        read -r cpu kb < <(awk '{ printf "%.2f %d\n", $1 + $2, $3 }' "$stats")
        if [[ -z $best_s ]] || awk -v w="$wall" -v b="$best_s" 'BEGIN { exit !(w < b) }'; then
            best_s=$wall best_cpu_s=$cpu
        fi
        if ((kb > peak_kb)); then peak_kb=$kb; fi
    done
    rm -f "$stats"
}

declare -a names secs cpus mss rss
add_row() {  # NAME SECONDS CPU_SECONDS SAMPLES PEAK_KB
    names+=("$1")
    secs+=("$2")
    cpus+=("$3")
    mss+=("$(awk -v n="$4" -v s="$2" 'BEGIN { printf "%.1f", n / s / 1e6 }')")
    rss+=("$5")
}

measure "$cf32";             add_row "coex analyze, cf32, default (FFT 256)" "$best_s" "$best_cpu_s" "$samples_5s" "$peak_kb"
measure "$cf32" --fft 1024; add_row "coex analyze, cf32, --fft 1024" "$best_s" "$best_cpu_s" "$samples_5s" "$peak_kb"
measure "$int8";             add_row "coex analyze, int8, default (FFT 256)" "$best_s" "$best_cpu_s" "$samples_5s" "$peak_kb"
measure "$int8" --fft 1024; add_row "coex analyze, int8, --fft 1024" "$best_s" "$best_cpu_s" "$samples_5s" "$peak_kb"
if [[ -n ${BASELINE:-} ]]; then
    [[ -x $BASELINE ]] || { echo "$0: BASELINE=$BASELINE is not an executable" >&2; exit 2; }
    coex_under_test=$BASELINE
    measure "$cf32";             add_row "baseline: coex analyze, cf32, default (FFT 256)" "$best_s" "$best_cpu_s" "$samples_5s" "$peak_kb"
    measure "$cf32" --fft 1024; add_row "baseline: coex analyze, cf32, --fft 1024" "$best_s" "$best_cpu_s" "$samples_5s" "$peak_kb"
    measure "$int8";             add_row "baseline: coex analyze, int8, default (FFT 256)" "$best_s" "$best_cpu_s" "$samples_5s" "$peak_kb"
    measure "$int8" --fft 1024; add_row "baseline: coex analyze, int8, --fft 1024" "$best_s" "$best_cpu_s" "$samples_5s" "$peak_kb"
    unset coex_under_test
fi
# the spectrogram side alone (spectrogram, floors, 1 MHz cells; no detectors): what the detectors cost
measure "$cf32" --no-detect;             add_row "coex analyze --no-detect, cf32, default (FFT 256)" "$best_s" "$best_cpu_s" "$samples_5s" "$peak_kb"
measure "$cf32" --no-detect --fft 1024; add_row "coex analyze --no-detect, cf32, --fft 1024" "$best_s" "$best_cpu_s" "$samples_5s" "$peak_kb"

# ---- 3. the bare FFTW3f loop over the same samples ------------------------------------------------
log=$dir/coex-bench-bare.$$
csv=$(COEX_BENCH_CAPTURE=$cf32 "$spectrogram_bench" --benchmark_filter='^BM_BareFftwAvg20/capture' \
      --benchmark_repetitions="$runs" --benchmark_format=csv 2> "$log") || { cat "$log" >&2; exit 1; }
rm -f "$log"
# columns: name,iterations,real_time,cpu_time,time_unit,bytes_per_second,items_per_second,...
bare_rate=$(echo "$csv" | awk -F, '/^"BM_BareFftwAvg20\/capture/ && $7 != "" && $1 !~ /_(mean|median|stddev|cv)"$/ {
    if ($7 + 0 > best) best = $7 + 0 } END { printf "%.0f", best }')
[[ $bare_rate -gt 0 ]] || { echo "$0: no result from the bare-FFTW benchmark" >&2; exit 1; }
bare_s=$(awk -v n="$samples_5s" -v r="$bare_rate" 'BEGIN { printf "%.4f", n / r }')
add_row "bare FFTW3f loop: FFT 1024, Hann, |X|^2, avg 20 (1 thread, in memory)" "$bare_s" "-" "$samples_5s" "-"
bare_ms=$(awk -v r="$bare_rate" 'BEGIN { printf "%.1f", r / 1e6 }')

# ---- 4. the table ----------------------------------------------------------------------------------
echo "5 s of 20 MS/s (100 M samples), 2437 MHz, noise + 802.11g OFDM at ~30 % airtime"
printf '%-72s %8s %7s %8s %9s %9s %9s\n' "run" "wall s" "cpu s" "MS/s" "x realtime" "% of bare" "peak RSS"
for i in "${!names[@]}"; do
    x=$(awk -v m="${mss[$i]}" -v r="$rate" 'BEGIN { printf "%.1f", m * 1e6 / r }')
    pct=$(awk -v m="${mss[$i]}" -v b="$bare_ms" 'BEGIN { printf "%.0f %%", 100 * m / b }')
    mem=${rss[$i]}
    [[ $mem != "-" ]] && mem="$((mem / 1024)) MB"
    printf '%-72s %8s %7s %8s %9sx %9s %9s\n' "${names[$i]}" "${secs[$i]}" "${cpus[$i]}" "${mss[$i]}" "$x" "$pct" "$mem"
done
echo
echo "reference points given to the project (same 2-core machine, FFT 1024, Hann, |X|^2, avg 20, 5 s cf32):"
echo "  bare FFTW3f loop ~430 MS/s; GNU Radio 3.10 ~100 MS/s (default buffers), ~250 MS/s (large buffers); scipy ~120 MS/s"
echo "aim: analyze >= 50 % of the bare loop, and ahead of tuned GNU Radio (250 MS/s); memory flat in file length"
for i in "${!names[@]}"; do
    [[ ${names[$i]} == "coex analyze,"* ]] || continue
    awk -v n="${names[$i]}" -v m="${mss[$i]}" -v b="$bare_ms" 'BEGIN {
        printf "  %-40s %s 50 %% of the bare loop measured here (%.0f %%), %s 50 %% of 430 MS/s (%.0f %%), %s 250 MS/s\n",
            n ":", (m >= 0.5 * b ? "meets" : "MISSES"), 100 * m / b, (m >= 215 ? "meets" : "MISSES"), 100 * m / 430,
            (m > 250 ? "ahead of" : "BEHIND") }'
done
echo

echo "aim: with every detector on, analyze keeps >= 2/3 of its spectrogram-only (--no-detect) throughput:"
for fft in "default (FFT 256)" "--fft 1024"; do
    on='' off=''
    for i in "${!names[@]}"; do
        [[ ${names[$i]} == "coex analyze, cf32, $fft" ]] && on=${mss[$i]}
        [[ ${names[$i]} == "coex analyze --no-detect, cf32, $fft" ]] && off=${mss[$i]}
    done
    awk -v f="$fft" -v on="$on" -v off="$off" 'BEGIN {
        printf "  cf32, %-18s detectors on %6.1f MS/s, off %6.1f MS/s: %.0f %% (%s)\n", f ":", on, off, 100 * on / off,
            (on >= 2 * off / 3 ? "meets" : "MISSES") }'
done
echo

# ---- peak RSS: 1 s against 5 s ---------------------------------------------------------------------
echo "peak RSS of coex analyze (default settings), 1 s vs 5 s file:"
for pair in "cf32 $cf32_1s $cf32" "int8 $int8_1s $int8"; do
    read -r type short long <<< "$pair"
    /usr/bin/time -f '%M' -o "$dir/coex-bench-rss.$$" "$coex" analyze "$short" > /dev/null
    kb1=$(cat "$dir/coex-bench-rss.$$")
    /usr/bin/time -f '%M' -o "$dir/coex-bench-rss.$$" "$coex" analyze "$long" > /dev/null
    kb5=$(cat "$dir/coex-bench-rss.$$")
    printf '  %-5s 1 s: %6d kB   5 s: %6d kB   (file %4d MB vs %4d MB)\n' "$type" "$kb1" "$kb5" \
        "$(($(stat -c %s "$short") / 1000000))" "$(($(stat -c %s "$long") / 1000000))"
done
rm -f "$dir/coex-bench-rss.$$"
