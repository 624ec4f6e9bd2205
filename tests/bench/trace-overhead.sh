#!/usr/bin/env bash
# Tracing on against tracing off: restyscope alone, first untraced, then with --trace (a
# consumer thread draining the event ring into a file), on the same scenario; prints both
# medians and the ratio traced/untraced. Options are bench.sh's (-s, -c, -d, -r, -b).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
median() { awk '/^median restyscope/ {print $3}'; }
off=$("$here/bench.sh" -o restyscope "$@" | tee /dev/stderr | median)
drain=$("$here/bench.sh" -o restyscope -x "--drain-events" "$@" | tee /dev/stderr | median)
file=$("$here/bench.sh" -o restyscope -x "--trace trace.jsonl" "$@" | tee /dev/stderr | median)
echo "tracing off:                      $off req/s"
echo "tracing on, a consumer draining:  $drain req/s"
echo "tracing on, JSON Lines to a file: $file req/s"
awk -v d="$drain" -v f="$file" -v off="$off" \
    'BEGIN { printf "ratio drained/untraced: %.2f\nratio file/untraced: %.2f\n", d / off, f / off }'
