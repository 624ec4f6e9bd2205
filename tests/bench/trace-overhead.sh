#!/usr/bin/env bash
# Tracing on against tracing off: restyscope alone, first untraced, then with --trace (a
# consumer thread draining the event ring into a file), on the same scenario; prints both
# medians and the ratio traced/untraced. Options are bench.sh's (-s, -c, -d, -r, -b).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
median() { awk '/^median restyscope/ {print $3}'; }
off=$("$here/bench.sh" -o restyscope "$@" | tee /dev/stderr | median)
on=$("$here/bench.sh" -o restyscope -x "--trace trace.jsonl" "$@" | tee /dev/stderr | median)
echo "tracing off: $off req/s"
echo "tracing on:  $on req/s"
awk -v on="$on" -v off="$off" 'BEGIN { printf "ratio traced/untraced: %.2f\n", on / off }'
