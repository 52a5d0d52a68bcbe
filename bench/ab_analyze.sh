#!/usr/bin/env bash
# A/B timing of two coex builds on one capture, whole process, runs interleaved (A B A B ...) so that a
# drift in the machine's speed falls on both. Usage:
#
#   bench/ab_analyze.sh A_COEX B_COEX FILE [PAIRS] [-- extra analyze arguments]
#
# Each run is `COEX analyze FILE --quiet --json /dev/null [extra]` under /usr/bin/time after one untimed
# run of each (page cache, FFTW wisdom). Prints, for A and B, the median (min–max) of CPU (user + sys),
# user, sys and wall seconds and peak RSS, and the median (min–max) of the pair ratios A/B. Quote
# medians: on a shared VM single runs move by ±20 %. PAIRS defaults to 40.
# Environment: COEX_FFTW_WISDOM (default /tmp/coex-bench-fftwf.wisdom).
set -euo pipefail

if [[ $# -lt 3 ]]; then
    echo "usage: $0 A_COEX B_COEX FILE [PAIRS] [-- extra analyze arguments]" >&2
    exit 2
fi
a=$1 b=$2 file=$3
shift 3
pairs=40
if [[ $# -gt 0 && $1 != -- ]]; then
    pairs=$1
    shift
fi
[[ $# -gt 0 && $1 == -- ]] && shift
extra=("$@")
for exe in "$a" "$b"; do
    [[ -x $exe ]] || { echo "$0: $exe: not an executable" >&2; exit 2; }
done
[[ -r $file ]] || { echo "$0: $file: cannot read" >&2; exit 2; }
[[ $pairs =~ ^[1-9][0-9]*$ ]] || { echo "$0: PAIRS: '$pairs' is not a positive count" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "$0: /usr/bin/time is missing (apt-get install time)" >&2; exit 2; }
export COEX_FFTW_WISDOM=${COEX_FFTW_WISDOM:-/tmp/coex-bench-fftwf.wisdom}

stats=$(mktemp)
rows=$(mktemp)
trap 'rm -f "$stats" "$rows"' EXIT

run() {  # run LABEL EXE: appends "LABEL wall user sys peak_kb"
    local t0 t1
    t0=$EPOCHREALTIME
    /usr/bin/time -f '%U %S %M' -o "$stats" "$2" analyze "$file" --quiet --json /dev/null "${extra[@]}" > /dev/null
    t1=$EPOCHREALTIME
    echo "$1 $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }') $(cat "$stats")" >> "$rows"
}

"$a" analyze "$file" --quiet --json /dev/null "${extra[@]}" > /dev/null
"$b" analyze "$file" --quiet --json /dev/null "${extra[@]}" > /dev/null
for ((i = 0; i < pairs; ++i)); do
    run A "$a"
    run B "$b"
done

echo "A = $a"
echo "B = $b"
echo "$file ${extra[*]}: $pairs interleaved pairs; median (min–max)"
awk '
function median(v, n,   i, j, t) {
    for (i = 2; i <= n; ++i) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; --j) v[j + 1] = v[j]; v[j + 1] = t }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
function row(name, v, n,   m) {
    m = median(v, n)
    printf "  %-12s %9.3f  (%.3f–%.3f)\n", name, m, v[1], v[n]
}
{
    k = ++count[$1]
    value[$1, "wall", k] = $2; value[$1, "user", k] = $3; value[$1, "sys", k] = $4
    value[$1, "cpu", k] = $3 + $4; value[$1, "peak", k] = $5 / 1024
}
END {
    n = count["A"]
    split("cpu user sys wall", names, " ")
    for (s = 1; s <= 2; ++s) {
        who = s == 1 ? "A" : "B"
        for (f = 1; f <= 5; ++f) {
            name = f <= 4 ? names[f] : "peak"
            for (k = 1; k <= n; ++k) v[k] = value[who, name, k]
            row(who " " name (f <= 4 ? " s" : " MiB"), v, n)
        }
    }
    for (f = 1; f <= 4; ++f) {
        for (k = 1; k <= n; ++k) {
            y = value["B", names[f], k]
            v[k] = y > 0 ? value["A", names[f], k] / y : 0
        }
        row("A/B " names[f], v, n)
    }
}' "$rows"
