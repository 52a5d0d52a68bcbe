#!/usr/bin/env bash
# Stress of the live path: make the pipeline too slow on purpose and show that every dropped sample is
# counted exactly. Usage:
#
#   bench/soak_stress.sh BUILD_DIR [SECONDS]     (default 20 s)
#
# coex scans at 20 MS/s through the coexsim radio pinned to one core (taskset -c 0) with a 0.1 s ring
# and an analysis four times heavier than the default (--fft 4096 --overlap 0.75), recording what it
# analyses, with 2000-sample radio overflows injected every 0.7 s. Then:
#   1. samples in + ring drops + radio losses + settling = every sample of the stream, exactly;
#   2. replaying the recording (`coex analyze`) gives the live report, sample count included;
#   3. the gaps between the recording's segments add up to the drops and losses, to the sample
#      (those after the last block analysed are the stream's tail, counted but never recorded).
set -euo pipefail
if [[ $# -lt 1 || $# -gt 2 ]]; then
    echo "usage: $0 BUILD_DIR [SECONDS]" >&2
    exit 2
fi
build=$(cd "$1" && pwd)
seconds=${2:-20}
root=$(cd "$(dirname "$0")/.." && pwd)
coex=$build/coex
[[ -x $coex && -f $build/soapy/libcoexsimSupport.so ]] || { echo "$0: build coex first (it brings the coexsim module)" >&2; exit 2; }
command -v taskset >/dev/null || { echo "$0: taskset (util-linux) is needed" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$coex" synth "$root/tests/source/scenes/room-ch6.json" -o "$work/room.h5" >/dev/null
echo "stress: ${seconds} s at 20 MS/s on one core, 0.1 s ring, --fft 4096 --overlap 0.75, overflows every 0.7 s"
taskset -c 0 "$coex" scan --device "driver=coexsim,capture=$work/room.h5,overflow_every=0.7,overflow_samples=2000" --rate 20e6 \
    --band 2428:2446 --duration "${seconds}s" --ring 0.1s --fft 4096 --overlap 0.75 --view off \
    --record "$work/stress.h5" --json "$work/live.json" >"$work/live.txt"
"$coex" analyze "$work/stress.h5" --fft 4096 --overlap 0.75 --json "$work/replay.json" >/dev/null
py=/usr/bin/python3  # Debian's, with python3-h5py (tools/deps)
"$py" -c 'import h5py' 2>/dev/null || { echo "$0: /usr/bin/python3 with h5py is needed (apt-get install python3-h5py)" >&2; exit 2; }
"$py" - "$work/live.json" "$work/replay.json" "$work/stress.h5" <<'PY'
import json, sys
import h5py
live, replay = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
c, rate = live["live"]["counters"], live["live"]["plan"]["sample_rate_hz"]
print(f"  stream     {c['stream_samples']} samples ({live['live']['stream_s']:.2f} s), {live['live']['cpu_s']['wall']:.1f} s wall")
print(f"  in         {c['samples_in']}")
print(f"  dropped    {c['samples_dropped']} ({c['blocks_dropped']} blocks in {c['drop_runs']} runs; ring peak {c['ring_high_water']}/{c['ring_blocks']})")
print(f"  lost       {c['samples_lost']} ({c['overflows']} overflows injected by the radio)")
print(f"  settling   {c['samples_settling']}")
total = c["samples_in"] + c["samples_dropped"] + c["samples_lost"] + c["samples_settling"]
ok1 = total == c["stream_samples"]
print(f"1. in + dropped + lost + settling = {total} {'==' if ok1 else '!='} {c['stream_samples']}")
strip = lambda r: {k: v for k, v in r.items() if k not in ("live",)} | {"capture": {k: v for k, v in r["capture"].items() if k != "path"}}
a, b = strip(live), strip(replay)
a["stats"] = dict(a["stats"], samples_dropped=0, samples_lost=0)
ok2 = a == b and replay["stats"]["samples_in"] == c["samples_in"]
print(f"2. replay of the recording: {replay['stats']['samples_in']} samples in, {replay['capture']['segments']} segments; "
      f"report {'identical' if ok2 else 'DIFFERENT'} (source losses aside)")
# the recording itself: every gap between one segment's end and the next one's start, in samples
with h5py.File(sys.argv[3], "r") as f:
    segs = sorted((g.attrs["start_time"], g["iq"].shape[0]) for g in f["segments"].values())
gaps = sum(round((b[0] - (a[0] + a[1] / rate)) * rate) for a, b in zip(segs, segs[1:]))
recorded = sum(n for _, n in segs)
end = round(segs[-1][0] * rate) + segs[-1][1]  # sample clock at the end of the last segment
tail = c["stream_samples"] - end                # after the last block analysed: counted, never recorded
ok3 = gaps + tail == c["samples_dropped"] + c["samples_lost"] and recorded == c["samples_in"] and round(segs[0][0] * rate) == c["samples_settling"]
print(f"3. recording: {recorded} samples in {len(segs)} segments; gaps between them {gaps} + tail {tail} = {gaps + tail} "
      f"{'==' if ok3 else '!='} dropped + lost {c['samples_dropped'] + c['samples_lost']}")
ok = ok1 and ok2 and ok3 and c["samples_dropped"] > 0
print("stress: " + ("PASS (drops forced and counted exactly)" if ok else "FAIL" + ("" if c["samples_dropped"] else " (no drops were forced)")))
sys.exit(0 if ok else 1)
PY
