#!/usr/bin/env bash
# Fault soak of `coex monitor`: 20 MS/s through the coexsim radio for MINUTES (default 30) with MQTT and
# metrics on, while faults arrive on a schedule (times scale with MINUTES):
#
#   radio      overflows (200000 samples every MINUTES×2 s of stream), stalls of 2 s (timeouts, then an
#              overflow; every 13 % of the run), and the radio unplugged after 22 % of each stream and
#              plugged back in max(5 s, 1 % of the run) later (coexsim's vanish_at/vanish_for): the monitor
#              reopens it with backoff and counts the time it was away as samples lost and unobserved
#   broker     the mosquitto process killed at 20 % and 60 % and started again on the same port after
#              max(8 s, 1.7 % of the run)
#   disk       --out on a tmpfs of 8 MB (a loop of `ulimit -f` when tmpfs cannot be mounted: not root)
#              filled to the last byte from 35 % to 50 % and from 80 % to 88 % of the run
#
# At the end it checks, and exits non-zero when one fails:
#   - the process ran to the end (exit 0, "stopped: completed") or stopped with one clear line
#   - the sample clock closes: samples in + dropped + lost + settling = samples of stream time, and stream
#     time kept up with the wall clock (the time the radio was away is in it)
#   - MQTT: offered = published + dropped, and the broker took messages after each restart
#   - events: lines in the event logs + events not logged = events said
#   - every file under --out is whole: JSON parses (each event-log line too), PNG ends in IEND, HTML in
#     </html>, no half-written *.part left
# and prints the faults seen, CPU as a share of one core and RSS over time (sampled every 10 s).
#
#   bench/fault_soak.sh [BUILD_DIR] [MINUTES]       (BUILD_DIR, default build, holds coex and soapy/)
#
# MINUTES may be a fraction (1.5 is the ctest `fault_soak_short`). Exit 77 (skipped) without mosquitto.
set -euo pipefail
if [[ $# -gt 2 ]]; then
    echo "usage: $0 [BUILD_DIR] [MINUTES]" >&2
    exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
minutes=${2:-30}
coex=$build/coex
[[ -x $coex && -f $build/soapy/libcoexsimSupport.so ]] || { echo "$0: build coex first (it brings the coexsim module)" >&2; exit 2; }
command -v mosquitto >/dev/null || { echo "$0: needs mosquitto (apt-get install mosquitto); skipped" >&2; exit 77; }
total=$(python3 -c "print(round($minutes * 60))")
(( total >= 60 )) || { echo "$0: MINUTES must be at least 1" >&2; exit 2; }
at() { python3 -c "print(round($total * $1))"; }                 # seconds into the run
atleast() { python3 -c "print(round(max($1, $total * $2), 1))"; }

work=$(mktemp -d /tmp/coex-fault-soak.XXXXXX)
out=$work/out
mkdir -p "$out"
mounted=0
broker=""
monitor_pid=""
cleanup() {
    [[ -n $monitor_pid ]] && kill "$monitor_pid" 2>/dev/null || true
    [[ -n $broker ]] && kill "$broker" 2>/dev/null || true
    if (( mounted )); then umount "$out" 2>/dev/null || umount -l "$out" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
disk_kind="tmpfs of 8 MB"
if [[ $(id -u) == 0 ]] && mount -t tmpfs -o size=8m coex-soak "$out" 2>/dev/null; then
    mounted=1
else
    disk_kind="no tmpfs (not root): the disk-full faults are skipped"
fi

"$coex" synth "$root/tests/source/scenes/room-ch6.json" -o "$work/room.h5" >/dev/null
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
metrics_port=$(free_port)
printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$port" >"$work/mosquitto.conf"
start_broker() {
    mosquitto -c "$work/mosquitto.conf" >>"$work/mosquitto.log" 2>&1 &
    broker=$!
    for _ in $(seq 50); do
        python3 -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1',$port)))" && return 0
        sleep 0.1
    done
    echo "soak: mosquitto did not start on port $port" >&2
    return 1
}
start_broker

vanish_at=$(at 0.22); vanish_for=$(atleast 5 0.01)
overflow_every=$(python3 -c "print($minutes * 2)")
stall_at=$(at 0.05); stall_every=$(at 0.13)
broker_away=$(atleast 8 0.017)
device="driver=coexsim,capture=$work/room.h5,overflow_every=$overflow_every,overflow_samples=200000,stall_at=$stall_at,stall_for=2,stall_every=$stall_every,vanish_at=$vanish_at,vanish_for=$vanish_for"
if (( total >= 600 )); then window=10s; period=1m; else window=5s; period=15s; fi

echo "fault soak: coex monitor, ${minutes} min at 20 MS/s (windows $window, reports every $period), MQTT and metrics on; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  radio    overflow 200000 samples every ${overflow_every} s, stall 2 s at ${stall_at} s then every ${stall_every} s, unplugged ${vanish_for} s after ${vanish_at} s of each stream"
echo "  broker   killed at $(at 0.2) s and $(at 0.6) s, back ${broker_away} s later"
echo "  disk     --out on a $disk_kind; full $(at 0.35)–$(at 0.5) s and $(at 0.8)–$(at 0.88) s"

/usr/bin/time -f "%e %U %S %M" -o "$work/time" \
    "$coex" monitor --device "$device" --rate 20e6 --band 2428:2446 --duration "${total}s" --window "$window" --period "$period" \
    --view off --sensor-id soak --out "$out" --mqtt "mqtt://127.0.0.1:$port" --metrics "127.0.0.1:$metrics_port" \
    >"$work/monitor.txt" 2>"$work/monitor.err" &
timer=$!
sleep 1
monitor_pid=$(pgrep -P "$timer" -x coex || true)
[[ -n $monitor_pid ]] || { echo "soak: coex monitor did not start:"; cat "$work/monitor.err"; exit 1; }

# The schedule, one fault at a time, as (second, action).
schedule=$(python3 - "$total" "$broker_away" "$mounted" <<'PY'
import sys
t, away, mounted = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3] == "1"
ev = [(0.2 * t, "broker-kill"), (0.2 * t + away, "broker-start"), (0.6 * t, "broker-kill"), (0.6 * t + away, "broker-start")]
if mounted:
    ev += [(0.35 * t, "disk-fill"), (0.5 * t, "disk-free"), (0.8 * t, "disk-fill"), (0.88 * t, "disk-free")]
for s, a in sorted(ev):
    print(f"{round(s)} {a}")
PY
)
start=$(date +%s.%N)
elapsed() { python3 -c "import time; print(time.time() - $start)"; }
sample_every=10
next_sample=0
: >"$work/usage.csv"
ticks() { awk '{print $14 + $15}' "/proc/$monitor_pid/stat" 2>/dev/null || echo ""; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$monitor_pid/status" 2>/dev/null || echo ""; }
scrape() {  # the metrics endpoint, kept when it answers (the last one is checked at the end)
    curl -sf --max-time 2 "http://127.0.0.1:$metrics_port/metrics" >"$work/metrics.tmp" && mv "$work/metrics.tmp" "$work/metrics.txt" || true
}
while kill -0 "$monitor_pid" 2>/dev/null; do
    now=$(elapsed)
    while [[ -n $schedule ]]; do
        first=${schedule%%$'\n'*}
        when=${first%% *}
        action=${first#* }
        python3 -c "import sys; sys.exit(0 if $now >= $when else 1)" || break
        case $action in
            broker-kill) kill -KILL "$broker"; wait "$broker" 2>/dev/null || true; broker="" ;;
            broker-start) start_broker ;;
            disk-fill) dd if=/dev/zero of="$out/filler" bs=64k 2>/dev/null || true ;;
            disk-free) rm -f "$out/filler" ;;
        esac
        printf '%7.1f s  %s\n' "$now" "$action" >>"$work/faults.txt"
        if [[ $schedule == *$'\n'* ]]; then schedule=${schedule#*$'\n'}; else schedule=""; fi
    done
    if python3 -c "import sys; sys.exit(0 if $now >= $next_sample else 1)"; then
        t=$(ticks); r=$(rss)
        [[ -n $t && -n $r ]] && echo "$now $t $r" >>"$work/usage.csv"
        scrape
        next_sample=$(( ${now%.*} + sample_every ))
    fi
    sleep 0.5
done
set +e
wait "$timer"
code=$?
set -e
rm -f "$out/filler"
if [[ -n ${SOAK_KEEP:-} ]]; then  # a folder to keep the run's logs in
    mkdir -p "$SOAK_KEEP" && cp "$work"/{monitor.txt,monitor.err,faults.txt,usage.csv,metrics.txt} "$SOAK_KEEP"/ 2>/dev/null || true
    cp -r "$out" "$SOAK_KEEP/out" 2>/dev/null || true
fi

# A build with AddressSanitizer keeps freed memory in its quarantine (up to 256 MB) before reusing it,
# so its RSS grows for a while by design: the memory check below means nothing there.
sanitized=0
ldd "$coex" 2>/dev/null | grep -q libasan && sanitized=1
COEX_SOAK_ASAN=$sanitized python3 - "$work" "$out" "$code" "$total" "$(getconf CLK_TCK)" "$mounted" <<'PY'
import glob, json, os, re, sys
work, out, code, total, hz, mounted = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6] == "1"
text = open(f"{work}/monitor.txt").read()
err = open(f"{work}/monitor.err").read().strip()
wall, user, system, peak = (float(x) for x in open(f"{work}/time").read().split())
failed = []
def check(ok, what):
    print(f"  {'ok  ' if ok else 'FAIL'}  {what}")
    if not ok:
        failed.append(what)

print("faults injected:")
for line in open(f"{work}/faults.txt") if os.path.exists(f"{work}/faults.txt") else []:
    print("   " + line.rstrip())
lost_lines = [l for l in text.splitlines() if " radio-lost " in l]
back_lines = [l for l in text.splitlines() if " radio-back " in l]
for l in lost_lines[:3] + back_lines[:3]:
    print("   monitor: " + l[:150])
print("checks:")
status = json.load(open(f"{out}/status.json"))
check(code == 0 and status["state"] == "stopped: completed", f"ran to the end: exit {code}, state '{status['state']}'" + (f", stderr: {err.splitlines()[-1]}" if err else ""))

m = re.search(r"samples +in (\d+), dropped (\d+), lost (\d+) \(of which (\d+) while the radio was away\), settling (\d+), stream (\d+)", text)
r = re.search(r"radio +(\d+) overflows, (\d+) timeouts, (\d+) outages, (\d+) reopens \((\d+) failed attempts\)", text)
q = re.search(r"mqtt +offered (\d+), published (\d+), dropped (\d+), queued (\d+), in flight (\d+), reconnects (\d+)", text)
check(bool(m and r and q), "the summary holds the sample, radio and MQTT counters")
if m and r and q:
    s_in, s_drop, s_lost, s_unobs, s_settle, s_stream = map(int, m.groups())
    overflows, timeouts, outages, reopens, attempts = map(int, r.groups())
    offered, published, mdropped, queued, inflight, reconnects = map(int, q.groups())
    rate = 20e6
    check(s_in + s_drop + s_lost + s_settle == s_stream,
          f"sample clock closes: in {s_in} + dropped {s_drop} + lost {s_lost} + settling {s_settle} = {s_in + s_drop + s_lost + s_settle} vs stream {s_stream}")
    check(s_stream == round(total * rate), f"stream time is the duration: {s_stream / rate:.3f} s of {total} s")
    # Stream time follows the wall clock only if the time the radio was away is counted in it.
    check(wall <= total * 1.02 + 15, f"stream time kept up with the wall clock: {wall:.1f} s wall for {total} s of stream")
    away_at_end = status.get("radio", {}).get("present") is False  # --duration ran out while it was away
    check(outages >= 1 and reopens == outages - (1 if away_at_end else 0),
          f"the radio went away {outages} times and was reopened {reopens} times ({attempts} failed attempts)" + (", away at the end" if away_at_end else ""))
    check(len(lost_lines) == outages and len(back_lines) == reopens, f"each outage said on the monitor's log ({len(lost_lines)} lost, {len(back_lines)} back)")
    check(s_lost > s_unobs > 0 and overflows > 0 and timeouts > 0,
          f"faults counted: {overflows} overflows, {timeouts} timeouts, {s_lost - s_unobs} samples lost to overflows and stalls, {s_unobs} ({s_unobs / rate:.1f} s) unobserved")
    check(offered == published + mdropped and queued == 0 and inflight == 0,
          f"MQTT closes: offered {offered} = published {published} + dropped {mdropped} (queued {queued}, in flight {inflight})")
    check(reconnects >= 2, f"MQTT reconnected after each broker restart: {reconnects} reconnects")
    rstat = status.get("radio", {})
    check(rstat.get("outages") == outages and rstat.get("present") == (not away_at_end), f"status.json: radio {rstat.get('outages')} outages, present {rstat.get('present')}")
    print(f"  samples    in {s_in}, dropped {s_drop} (ring full), lost {s_lost} ({s_lost - s_unobs} overflows/stalls + {s_unobs} away), settling {s_settle}")
    print(f"  mqtt       offered {offered}, published {published}, dropped {mdropped}, reconnects {reconnects}")

# Files: every one whole.
bad, counts = [], {"json": 0, "jsonl": 0, "png": 0, "html": 0, "other": 0}
lines = 0
for path in glob.glob(f"{out}/**/*", recursive=True):
    if os.path.isdir(path):
        continue
    name = os.path.basename(path)
    data = open(path, "rb").read()
    try:
        if name.endswith(".part"):
            bad.append(f"{path}: a half-written file left behind")
        elif name.endswith(".jsonl"):
            counts["jsonl"] += 1
            if data and not data.endswith(b"\n"):
                bad.append(f"{path}: the last line is cut short")
            for line in data.decode().splitlines():
                json.loads(line)
                lines += 1
        elif name.endswith(".json"):
            counts["json"] += 1
            json.loads(data)
        elif name.endswith(".png"):
            counts["png"] += 1
            if not (data.startswith(b"\x89PNG\r\n\x1a\n") and data[-12:-8] == b"\x00\x00\x00\x00" and data[-8:-4] == b"IEND"):
                bad.append(f"{path}: not a whole PNG")
        elif name.endswith(".html"):
            counts["html"] += 1
            if not data.rstrip().endswith(b"</html>"):
                bad.append(f"{path}: not a whole HTML page")
        else:
            counts["other"] += 1
    except Exception as e:
        bad.append(f"{path}: {e}")
check(not bad, f"every file whole: {counts['json']} JSON, {counts['jsonl']} event logs ({lines} lines), {counts['png']} PNG, {counts['html']} HTML" + ("; " + "; ".join(bad[:3]) if bad else ""))
ev = status["events"]
said = ev["appeared"] + ev["changed"] + ev["disappeared"]
files = status.get("files", {})
unlogged = files.get("events_unlogged", 0)
check(lines + unlogged == said, f"events: {lines} logged + {unlogged} not logged (disk full) = {said} said")
if mounted:
    check(files.get("write_failures", 0) > 0, f"the full disk was noticed: {files.get('write_failures')} writes failed, the monitor went on")
    check(status["periods"] > 0, f"reports written around the full disk: {status['periods']} period reports, {status['pictures']} pictures")

# Load.
rows = [tuple(float(x) for x in l.split()) for l in open(f"{work}/usage.csv") if len(l.split()) == 3]
print("load (whole process; CPU as a share of one core over each stretch):")
step = max(1, len(rows) // 10)
for i in range(step, len(rows), step):
    (t0, c0, _), (t1, c1, rss1) = rows[i - step], rows[i]
    print(f"  {t1:7.0f} s  cpu {100 * (c1 - c0) / hz / (t1 - t0):5.1f} %  rss {rss1 / 1024:6.0f} MB")
share = (user + system) / wall
print(f"  process    {user + system:.1f} s CPU (user {user:.1f}, system {system:.1f}) in {wall:.1f} s = {100 * share:.1f} % of one core; peak RSS {peak / 1024:.0f} MB")
if len(rows) > 6:
    # The largest RSS of the first third (the radio's buffers are released while it is away) against the end.
    first, last = max(r[2] for r in rows[: len(rows) // 3]) / 1024, rows[-1][2] / 1024
    if os.environ.get("COEX_SOAK_ASAN") == "1":
        print(f"  skip  memory flat (AddressSanitizer's quarantine grows by design): RSS {first:.0f} MB in the first third, {last:.0f} MB at the end")
    else:
        check(last <= first * 1.1 + 5, f"memory flat: RSS {first:.0f} MB in the first third, {last:.0f} MB at the end")
print("fault soak: " + ("PASS" if not failed else f"FAIL ({len(failed)} checks)"))
sys.exit(1 if failed else 0)
PY
