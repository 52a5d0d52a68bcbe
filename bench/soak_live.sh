#!/usr/bin/env bash
# Soak of the live path: `coex scan` at 20 MS/s through the coexsim radio for 10 minutes (analysis
# only), then the figures that matter for real time: ring drops (must be 0), radio losses, the ring's
# peak, and the CPU each stage used. A measurement, not a unit test. Usage:
#
#   bench/soak_live.sh BUILD_DIR [MINUTES]      (BUILD_DIR holds coex and soapy/libcoexsimSupport.so)
#
# The radio plays a 0.2 s, 20 MS/s capture of Wi-Fi on channel 6 and a Bluetooth speaker
# (tests/source/scenes/room-ch6.json, made with `coex synth`), looped, sample for sample, at the
# tuned centre. The radio runs inside coex's reader thread, so "reader" is the simulated radio plus
# the reader; with a real radio it is the driver plus the reader.
set -euo pipefail
if [[ $# -lt 1 || $# -gt 2 ]]; then
    echo "usage: $0 BUILD_DIR [MINUTES]" >&2
    exit 2
fi
build=$(cd "$1" && pwd)
minutes=${2:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
coex=$build/coex
[[ -x $coex && -f $build/soapy/libcoexsimSupport.so ]] || { echo "$0: build coex first (it brings the coexsim module)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$coex" synth "$root/tests/source/scenes/room-ch6.json" -o "$work/room.h5" >/dev/null
echo "soak: ${minutes} min at 20 MS/s, driver=coexsim,capture=<room-ch6 0.2 s, looped>, channel 6; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -f "%M" -o "$work/rss" \
    "$coex" scan --device "driver=coexsim,capture=$work/room.h5" --rate 20e6 --band 2428:2446 --duration "${minutes}m" \
    --view off --json "$work/soak.json" >"$work/soak.txt"
python3 - "$work/soak.json" "$(cat "$work/rss")" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
live, c, cpu = j["live"], j["live"]["counters"], j["live"]["cpu_s"]
rate = live["plan"]["sample_rate_hz"]
wall = cpu["wall"]
accounted = c["samples_in"] + c["samples_dropped"] + c["samples_lost"] + c["samples_settling"]
print(f"  stream     {live['stream_s']:.1f} s ({c['stream_samples']} samples at {rate/1e6:g} MS/s), ended {live['end']}, {wall:.1f} s wall")
print(f"  samples    in {c['samples_in']}, ring drops {c['samples_dropped']} ({c['blocks_dropped']} blocks, {c['drop_runs']} runs), "
      f"lost {c['samples_lost']} ({c['overflows']} overflows), settling {c['samples_settling']}; accounted {accounted == c['stream_samples']}")
print(f"  ring       {c['ring_blocks']} blocks, peak {c['ring_high_water']}")
for stage in ("reader", "analysis", "recording"):
    print(f"  cpu        {stage:<9} {cpu[stage]:8.1f} s  {100*cpu[stage]/wall:5.1f} % of a core")
print(f"  analysis   {c['samples_in']/max(cpu['analysis'],1e-9)/1e6:.1f} MS/s of CPU ({c['samples_in']/max(cpu['analysis'],1e-9)/rate:.2f} × real time)")
print(f"  memory     peak RSS {int(sys.argv[2])/1024:.0f} MB")
print(f"  Wi-Fi ch6  occupancy {next(ch['occupancy'] for ch in j['wifi']['channels'] if ch['channel'] == 6):.3f}")
ok = c["samples_dropped"] == 0 and accounted == c["stream_samples"] and live["end"] == "completed"
print("soak: " + ("PASS (0 ring drops, every sample accounted for)" if ok else "FAIL"))
sys.exit(0 if ok else 1)
PY
