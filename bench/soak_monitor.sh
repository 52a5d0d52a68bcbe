#!/usr/bin/env bash
# Soak of `coex monitor`: 20 MS/s through the coexsim radio for MINUTES (default 30), parked on channel 6,
# with the default 10 s windows and a period report (and a redrawn day picture) every minute. Reports
# what a monitor left running for weeks must hold: memory flat (RSS a minute in and at the end), 0 ring
# drops, CPU per stage, and the whole process's CPU as a share of one core (target: within half a core).
# A measurement, not a unit test. Usage:
#
#   bench/soak_monitor.sh BUILD_DIR [MINUTES]      (BUILD_DIR holds coex and soapy/libcoexsimSupport.so)
#
# The radio plays tests/source/scenes/room-ch6.json (Wi-Fi on channel 6 and a Bluetooth speaker, 0.2 s
# made with `coex synth`), looped; as in soak_live.sh, "reader" is the simulated radio plus coex's reader.
set -euo pipefail
if [[ $# -lt 1 || $# -gt 2 ]]; then
    echo "usage: $0 BUILD_DIR [MINUTES]" >&2
    exit 2
fi
build=$(cd "$1" && pwd)
minutes=${2:-30}
root=$(cd "$(dirname "$0")/.." && pwd)
coex=$build/coex
[[ -x $coex && -f $build/soapy/libcoexsimSupport.so ]] || { echo "$0: build coex first (it brings the coexsim module)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$coex" synth "$root/tests/source/scenes/room-ch6.json" -o "$work/room.h5" >/dev/null
# With Debian's mosquitto installed, the monitor also publishes to a broker of its own on a free port and
# serves its metrics, as it would in a house; both are checked at the end.
publish=()
broker=""
if command -v mosquitto >/dev/null; then
    port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    metrics_port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$port" >"$work/mosquitto.conf"
    mosquitto -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
    broker=$!
    trap 'kill $broker 2>/dev/null; rm -rf "$work"' EXIT
    sleep 0.5
    publish=(--mqtt "mqtt://127.0.0.1:$port" --metrics "127.0.0.1:$metrics_port")
fi
echo "soak: coex monitor, ${minutes} min at 20 MS/s, driver=coexsim,capture=<room-ch6 0.2 s, looped>, channel 6; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -f "%e %U %S %M" -o "$work/time" \
    "$coex" monitor --device "driver=coexsim,capture=$work/room.h5" --rate 20e6 --band 2428:2446 --duration "${minutes}m" \
    --period 1m --view off --sensor-id soak --out "$work/out" "${publish[@]}" >"$work/monitor.txt" 2>"$work/monitor.err" &
timer=$!
sleep 2
pid=$(pgrep -P "$timer" -x coex || true)
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
sleep 58
rss_start=$(rss "$pid")
# The end: a few seconds before --duration stops it.
sleep $(( minutes * 60 - 60 - 5 > 0 ? minutes * 60 - 60 - 5 : 0 ))
rss_end=$(rss "$pid")
if [[ -n $broker ]]; then
    curl -sf "http://127.0.0.1:$metrics_port/metrics" >"$work/metrics.txt" || echo "soak: the metrics endpoint did not answer" >&2
    timeout 5 mosquitto_sub -p "$port" -t 'coex/soak/state' -C 1 >"$work/state.json" || echo "soak: no retained state on the broker" >&2
    grep -E '^coex_mqtt_(published|dropped|queued)' "$work/metrics.txt" | sed 's/^/  mqtt       /' || true
fi
wait "$timer" || { echo "soak: coex monitor failed:"; cat "$work/monitor.err"; exit 1; }
python3 - "$work/out/status.json" "$work/time" "$rss_start" "$rss_end" "$work/monitor.txt" "$work/out" <<'PY'
import json, os, re, sys
s = json.load(open(sys.argv[1]))
wall, user, system, peak = (float(x) for x in open(sys.argv[2]).read().split())
rss_start, rss_end = int(sys.argv[3]) / 1024, int(sys.argv[4]) / 1024
text = open(sys.argv[5]).read()
reader = float(re.search(r"reader ([0-9.]+) s", text).group(1))
cpu = s["cpu_s"]
smp = s["samples"]
print(f"  stream     {s['windows']} windows of {s['window_s']:g} s, {s['periods']} period reports, {s['pictures']} pictures, state '{s['state']}', {wall:.1f} s wall")
print(f"  samples    in {smp['in']}, ring drops {smp['dropped']}, lost {smp['lost']}")
for stage in ("analysis", "summary", "files"):
    print(f"  cpu        {stage:<9} {cpu[stage]:8.1f} s  {100*cpu[stage]/wall:5.1f} % of a core")
print(f"  cpu        {'reader':<9} {reader:8.1f} s  {100*reader/wall:5.1f} % of a core")
share = (user + system) / wall
print(f"  process    {user + system:.1f} s CPU (user {user:.1f}, system {system:.1f}) = {100*share:.1f} % of one core")
print(f"  memory     RSS {rss_start:.0f} MB a minute in, {rss_end:.0f} MB at the end (peak {peak/1024:.0f} MB)")
files = sum(len(fs) for _, _, fs in os.walk(sys.argv[6]))
print(f"  files      {files} under --out; events: {s['events']}")
ok = smp["dropped"] == 0 and share <= 0.5 and rss_end <= rss_start * 1.1 + 5
print("soak: " + ("PASS (0 ring drops, within half a core, memory flat)" if ok else "FAIL"))
sys.exit(0 if ok else 1)
PY
