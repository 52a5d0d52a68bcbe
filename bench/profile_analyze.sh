#!/usr/bin/env bash
# Where the time of `coex analyze` goes, by pipeline stage, from a perf profile. Usage:
#
#   bench/profile_analyze.sh BUILD_DIR FILE [coex analyze options...]
#
# BUILD_DIR should be a Release build with symbols and frame pointers, e.g.
#   cmake -S . -B /tmp/coex-prof -DCMAKE_BUILD_TYPE=Release -DCOEX_BUILD_TESTS=OFF \
#         -DCMAKE_CXX_FLAGS="-g -fno-omit-frame-pointer" && cmake --build /tmp/coex-prof -j2 --target coex
# Needs perf (linux-perf). Hardware counters are not exposed on this VM, so it samples the cpu-clock
# software event (PERF_FREQ Hz, default 4000) with DWARF call graphs, and attributes each sample to
# the stage whose function is on its stack (inclusive time). CPU seconds = share × total sampled time.
# Lines that are "of which" are part of the line above; symbols absent from the build read 0.
# The probe (CellFloor::probe: a second, 4× shorter spectrogram that finds the floor between frames)
# runs the same FFT, window and reduce code; its whole cost is shown on its own line and is also
# included in the FFT / window / reduce / floor lines.
set -euo pipefail

if [[ $# -lt 2 ]]; then
    echo "usage: $0 BUILD_DIR FILE [coex analyze options...]" >&2
    exit 2
fi
coex=$(cd "$1" && pwd)/coex
file=$2
shift 2
command -v perf > /dev/null || { echo "$0: perf is missing (apt-get install linux-perf)" >&2; exit 2; }
export COEX_FFTW_WISDOM=${COEX_FFTW_WISDOM:-/tmp/coex-bench-fftwf.wisdom}
data=$(mktemp /tmp/coex-perf.XXXXXX)
report=$(mktemp /tmp/coex-perf-report.XXXXXX)
trap 'rm -f "$data" "$report"' EXIT

"$coex" analyze "$file" "$@" > /dev/null  # untimed: page cache, FFTW wisdom
perf record -q -e cpu-clock -F "${PERF_FREQ:-4000}" --call-graph dwarf,16384 -o "$data" \
    "$coex" analyze "$file" "$@" > /dev/null 2>&1
perf report -i "$data" --children --sort symbol -g none --stdio --percent-limit 0 2> /dev/null > "$report"

total_ns=$(awk '/^# Event count/ { print $NF }' "$report")
# column COL (1: children %, 2: self %) summed over every symbol matching the pattern exactly (0 when absent)
column_share() {
    awk -v col="$1" -v pat="$2" '!/^#/ && NF >= 4 {
        sym = $0; sub(/^[^[]*\[[^]]*\] /, "", sym); sub(/[ \t]+-[ \t]+-[ \t]*$/, "", sym); sub(/[ \t]+$/, "", sym)
        if (sym ~ ("^(" pat ")$")) { c = $col; sub(/%/, "", c); s += c }
    } END { printf "%.2f", s }' "$report"
}
share() { column_share 1 "$1"; }       # inclusive: the stage and all it calls
self_share() { column_share 2 "$1"; }  # the symbol's own time
# self % of every symbol in shared objects whose name contains the text
dso_share() {
    perf report -i "$data" --no-children --sort dso --stdio -g none 2> /dev/null |
        awk -v d="$1" '!/^#/ && index($0, d) { c = $1; sub(/%/, "", c); s += c } END { printf "%.2f", s }'
}
line() {  # LABEL PERCENT
    awk -v l="$1" -v p="$2" -v t="$total_ns" 'BEGIN { printf "  %-68s %6.1f %%  %7.3f s\n", l, p, p * t / 1e9 / 100 }'
}

echo "coex analyze $file $*"
awk -v t="$total_ns" 'BEGIN { printf "sampled CPU time: %.3f s\n", t / 1e9 }'
line "main thread (run_analyze): spectrogram, floors, cells" "$(share 'coex::cli::run_analyze')"
line "reader thread (ReadAheadSource): HDF5 read + convert" "$(share 'coex::io::ReadAheadSource::State::run')"
line "detector thread (Detection::Worker, its own thread)" "$(share 'coex::analysis::Detection::Worker::run')"
line "detectors replayed on either thread (Detection::Worker::replay)" "$(share 'coex::analysis::Detection::Worker::replay')"
line "  of which on the reader thread, while it is ahead" "$(share 'coex::io::ReadAheadSource::State::wait_for_room( \(inlined\))?')"
line "read: CaptureReader::read (HDF5 + kernel copy + convert)" "$(share 'coex::io::CaptureReader::read')"
line "  of which kernel copy from the page cache" "$(self_share '_copy_to_iter|copy_page_to_iter|copy_user_enhanced_fast_string|rep_movs_alternative|clear_page_erms|filemap_get_read_batch|xas_load')"
line "  of which int8/int16 → float conversion" "$(share 'coex::io::detail::to_float')"
line "  of which float32 NaN/Inf check" "$(share 'coex::io::detail::first_non_finite')"
line "FFT (all of libfftw3f: its codelets do not unwind)" "$(dso_share 'libfftw3f')"
line "window × samples, |X|², scale, rotate (Spectrogram::transform self)" "$(self_share 'coex::dsp::Spectrogram::transform')"
line "samples → frame buffer copies (memcpy/memmove, all callers)" "$(self_share '__memmove_avx512_unaligned_erms|__memcpy_avx512_unaligned_erms|__memmove_avx_unaligned_erms|__memcpy_avx_unaligned_erms')"
line "cell reduce (MhzCellGrid::reduce)" "$(share 'coex::dsp::MhzCellGrid::reduce')"
line "floor: PercentileFloor (add + estimate, all instances)" "$(share 'coex::dsp::PercentileFloor::add|coex::dsp::PercentileFloor::estimate')"
line "  of which PercentileFloor::add" "$(share 'coex::dsp::PercentileFloor::add')"
line "  of which PercentileFloor::estimate (incl. ldexp in libm)" "$(share 'coex::dsp::PercentileFloor::estimate')"
line "Wi-Fi detector: WifiOccupancyDetector::on_frame (incl. its kind judge)" "$(share 'coex::classify::WifiOccupancyDetector::on_frame')"
line "classifier: Classifier::on_frame + on_samples (incl. Wi-Fi detector)" "$(share 'coex::classify::Classifier::on_frame|coex::classify::Classifier::on_samples|coex::classify::Classifier::adopt_samples')"
line "  of which OFDM/DSSS judge: Channelizer::wifi_phy (incl. libm)" "$(share 'coex::classify::Channelizer::wifi_phy')"
line "  of which sample history: SampleHistory::push + adopt + copy" "$(share 'coex::classify::SampleHistory::push|coex::classify::SampleHistory::adopt|coex::classify::SampleHistory::copy')"
line "  of which burst tracker: BurstTracker::on_frame" "$(share 'coex::classify::BurstTracker::on_frame')"
line "probe spectrogram (CellFloor::probe, all of it)" "$(share 'coex::analysis::CellFloor::probe')"
line "FFT planning / wisdom (Fft::Fft)" "$(share 'coex::dsp::Fft::Fft')"
line "program start-up: dynamic loader" "$(share '_dl_start')"
echo
echo "Spectrogram::transform by source line (self %):"
perf report -i "$data" --no-children --stdio -S coex::dsp::Spectrogram::transform --sort srcline -g none 2> /dev/null |
    awk '!/^#/ && NF >= 2 { printf "  %s\n", $0 }' | head -12
echo
echo "top symbols (self %):"
perf report -i "$data" --no-children --sort dso,symbol --stdio -g none 2> /dev/null |
    awk '!/^#/ && NF >= 4 { sub(/[ \t]+-[ \t]+-[ \t]*$/, ""); printf "  %s\n", $0 }' | head -15
