#!/usr/bin/env bash
# Builds the fuzz preset and runs each libFuzzer harness for SECONDS (default 60), then
# prints per harness: executions, coverage (cov = edges, ft = features) and how many
# crashes, leaks, timeouts or UB reports it found (saved in build/fuzz/artifacts/NAME/).
# Exits 1 when any harness found one.
#
#   tests/fuzz/run.sh [SECONDS] [HARNESS...]
#   RESTYSCOPE_FUZZ_PARALLEL=1  runs the harnesses at the same time (one core each)
#   RESTYSCOPE_FUZZ_NO_BUILD=1  runs the harnesses as they are built
#
# Each harness starts from the seed corpus (tests/fuzz/corpus/NAME, made by
# make-corpus.py) plus what earlier runs found (build/fuzz/corpus/NAME).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-60}
shift || true
harnesses=("$@")
[ ${#harnesses[@]} -eq 0 ] && harnesses=(fuzz_connection fuzz_conf fuzz_tracefile)
build="$root/build/fuzz"

if [ "${RESTYSCOPE_FUZZ_NO_BUILD:-0}" != 1 ]; then
    if [ ! -f "$build/build.ninja" ]; then
        cmake --preset fuzz -S "$root" >/dev/null
    fi
    cmake --build "$build" -j "$(nproc)" --target "${harnesses[@]}"
fi

run_one() {
    local name=$1 work="$build/corpus/$1" artifacts="$build/artifacts/$1"
    mkdir -p "$work" "$artifacts"
    # detect_leaks: LeakSanitizer after every input that allocated more than it freed.
    nice -n 10 "$build/tests/fuzz/$name" "$work" "$root/tests/fuzz/corpus/$name" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
        -detect_leaks=1 -print_final_stats=1 -artifact_prefix="$artifacts/" \
        >"$build/$name.log" 2>&1 || true
}

started=$(date +%s)
if [ "${RESTYSCOPE_FUZZ_PARALLEL:-0}" = 1 ]; then
    for name in "${harnesses[@]}"; do run_one "$name" & done
    wait
else
    for name in "${harnesses[@]}"; do run_one "$name"; done
fi

failed=0
for name in "${harnesses[@]}"; do
    log="$build/$name.log"
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    found=$(find "$build/artifacts/$name" -newermt "@$started" -type f | wc -l)
    reports=$(grep -cE '^(==[0-9]+==ERROR|SUMMARY: UndefinedBehaviorSanitizer|.*runtime error:)' \
        "$log" || true)
    printf '%-16s %10s execs  cov %6s  ft %6s  crashes/leaks/timeouts %s  sanitizer reports %s\n' \
        "$name" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$found" "$reports"
    if [ "$found" -ne 0 ] || [ "$reports" -ne 0 ] || [ -z "$execs" ]; then
        failed=1
        echo "  see $log and $build/artifacts/$name/" >&2
    fi
done
exit $failed
