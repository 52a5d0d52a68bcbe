#!/usr/bin/env bash
# The kill test: starts `coex record` and `coex monitor` on the simulated radio (driver=coexsim) over
# and over, SIGKILLs each at a random moment, and checks every file it leaves. Usage:
#
#   bench/kill_test.sh [--build DIR] [KILLS]      (KILLS default 200; DIR default ./build)
#
# Random moments (0.05-3.05 s after the start; a monitor twice that) come from bash's RANDOM seeded
# with KILL_SEED (default 2026), so a run repeats its schedule. Every fifth kill is a monitor; the others cycle through five recorder layouts:
#   single  one tuning at 20 MS/s, int8 (the source's own type)
#   cs16    the same with the radio streaming CS16
#   gaps    the radio drops 100000 samples every 0.25 s: a new segment after every gap
#   sweep   2418-2456 MHz in 30 ms dwells: a segment per dwell, tunings other than the source's
#   short   a 0.4 s recording, often finished (and closed) before the kill
# A recording passes when tests/io/kill_check opens it with coex's reader, finds at least the samples
# the recorder had written and flushed before the kill (its --commit-log), and every sample at the
# source's tuning (but the first 0.1 s of each segment) equal to the source capture's sample at that
# stream position. A monitor passes when
# every file under its --out parses: JSON files, each line of the event logs, PNG (signature to IEND),
# HTML (ends with </html>). Prints a line per failure and a summary; exits 1 on any failure.
# Environment: KILL_SEED (above); KILL_LAYOUTS="single cs16" runs only those recorder layouts (and no
# monitors); KILL_KEEP=DIR keeps what each failed kill left (the recording, its commit log, stderr, and
# the source capture once) in DIR/kill-<n>/ for a closer look.
set -uo pipefail
build=build
if [[ ${1:-} == --build ]]; then build=$2; shift 2; fi
kills=${1:-200}
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$build" && pwd)
coex=$build/coex
check=$build/tests/io/kill_check
[[ -x $coex && -x $check && -f $build/soapy/libcoexsimSupport.so ]] || {
    echo "$0: build coex and kill_check first (cmake --build $build --target coex kill_check)" >&2
    exit 2
}
RANDOM=${KILL_SEED:-2026}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$coex" synth "$root/tests/source/scenes/room-ch6.json" -o "$work/source.h5" >/dev/null || exit 1
sim="driver=coexsim,capture=$work/source.h5,settle=0"
# Samples not compared at the head of each segment: 0.1 s at 20 MS/s. On a loaded host the simulated
# radio can still deliver samples of the old tuning there (see tests/io/kill_check.cpp); a kill takes
# samples at a segment's end, which is compared in full.
head=2000000
layouts=(single cs16 gaps sweep short)
monitors_too=1
if [[ -n ${KILL_LAYOUTS:-} ]]; then read -r -a layouts <<<"$KILL_LAYOUTS"; monitors_too=0; fi

start=$(date +%s.%N)
failures=0 records=0 monitors=0 empty=0 files=0 kept=0 committed_total=0 compared=0 segments=0 extra_min=-1 extra_max=0
for ((i = 1; i <= kills; i++)); do
    rm -rf "$work/run"; mkdir -p "$work/run"
    # a moment between 0.05 and 3.05 s after the start (the radio opens in the first few tenths)
    delay=$(printf '%d.%03d' $((RANDOM % 3)) $((RANDOM % 1000))); delay=$(echo "$delay + 0.05" | bc)
    if ((monitors_too && i % 5 == 0)); then
        kind=monitor
        delay=$(echo "$delay * 2" | bc)  # its first files come after a window or two
        "$coex" monitor --device "driver=coexsim,capture=$work/source.h5" --rate 20e6 --band 2428:2446 --window 0.5s \
            --period 1s --duration 30s --view off --sensor-id kill --out "$work/run/out" >/dev/null 2>"$work/run/err" &
    else
        kind=${layouts[$(( (monitors_too ? i - i / 5 - 1 : i - 1) % ${#layouts[@]} ))]}
        args=(--rate 20e6 --band 2428:2446 --duration 10s --ring 2s)
        device=$sim
        case $kind in
            cs16) device="$sim,format=CS16" ;;
            gaps) device="$sim,overflow_every=0.25,overflow_samples=100000" ;;
            sweep) args=(--rate 20e6 --band 2418:2456 --dwell 30ms --duration 10s --ring 2s) ;;
            short) args=(--rate 20e6 --band 2428:2446 --duration 0.4s --ring 2s) ;;
        esac
        "$coex" record --device "$device" "${args[@]}" --view off --commit-log "$work/run/commits" "$work/run/rec.h5" \
            >/dev/null 2>"$work/run/err" &
    fi
    pid=$!
    sleep "$delay"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    if [[ $kind == monitor ]]; then
        ((monitors++))
        result=$(/usr/bin/python3 - "$work/run/out" <<'PY'
import json, os, sys
root = sys.argv[1]
bad, n = [], 0
for dirpath, _, names in os.walk(root):
    for name in names:
        path = os.path.join(dirpath, name)
        if name.endswith(".part"):
            continue  # written aside, never renamed into place: not one of the monitor's files
        n += 1
        data = open(path, "rb").read()
        try:
            if name.endswith(".jsonl"):
                for line in data.decode().splitlines():
                    json.loads(line)
                if data and not data.endswith(b"\n"):
                    raise ValueError("last line cut short")
            elif name.endswith(".json"):
                json.loads(data)
            elif name.endswith(".png"):
                if not (data.startswith(b"\x89PNG\r\n\x1a\n") and data[-8:-4] == b"IEND"):
                    raise ValueError("not a whole PNG")
            elif name.endswith(".html"):
                if not data.rstrip().endswith(b"</html>"):
                    raise ValueError("not a whole HTML page")
        except Exception as e:
            bad.append(f"{os.path.relpath(path, root)}: {e}")
print(("FAIL " + "; ".join(bad)) if bad else f"ok {n}")
PY
)
        if [[ $result == ok* ]]; then files=$((files + ${result#ok })); fi
    else
        ((records++))
        committed=$(tail -n 1 "$work/run/commits" 2>/dev/null || true)
        committed=${committed:-0}
        if [[ ! -e $work/run/rec.h5 && $committed == 0 ]]; then
            result=empty  # killed before the file was created
        else
            result=$("$check" "$work/run/rec.h5" "$work/source.h5" "$committed" "$head")
        fi
        if [[ $result == ok* ]]; then
            read -r _ s n c _ <<<"$result"
            segments=$((segments + s)); kept=$((kept + n)); compared=$((compared + c)); committed_total=$((committed_total + committed))
            extra=$((n - committed))
            ((extra_min < 0 || extra < extra_min)) && extra_min=$extra
            ((extra > extra_max)) && extra_max=$extra
        fi
        [[ $result == empty ]] && ((empty++))
    fi
    if [[ $result != ok* && $result != empty ]]; then
        ((failures++))
        echo "kill $i ($kind at ${delay} s): $result"
        if [[ -n ${KILL_KEEP:-} ]]; then
            mkdir -p "$KILL_KEEP/kill-$i" && cp -a "$work/run/." "$KILL_KEEP/kill-$i/"
            [[ -e $KILL_KEEP/source.h5 ]] || cp "$work/source.h5" "$KILL_KEEP/source.h5"
        fi
    fi
done
elapsed=$(echo "$(date +%s.%N) - $start" | bc)
echo "kill test: $kills SIGKILLs (seed ${KILL_SEED:-2026}) in ${elapsed%.*} s: $records recordings, $monitors monitors; $failures failed"
echo "  recordings: $((records - empty)) opened with $segments segments, $kept samples kept of $committed_total committed before the kill;"
echo "              $compared compared with the source, all equal; kept beyond committed: $extra_min to $extra_max samples; $empty killed before their first sample"
echo "  monitors:   $files files, all whole"
((failures == 0))
