#!/usr/bin/env bash
# Builds the engine tests under ThreadSanitizer (preset tsan, build/tsan)
# and runs them. Extra arguments go to ctest. Suppressions, each with its reason, are in
# tests/tsan.supp.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/deps.sh"
restyscope_install_deps
build="$root/build/tsan"
if [ ! -f "$build/build.ninja" ]; then
    cmake --preset tsan -S "$root" >/dev/null
fi
# The engine's units and the fuzz replays. RESTYSCOPE_TSAN_BRIDGE=1 adds the UI tests that
# run a real engine behind the EngineBridge: Debian's Qt is not built with TSan, so every
# hand-off through a queued call (QMutex on a futex) is reported there as a race.
regex='^tst_(codec|httptime|querystring|regextemplate|reqheaders|respheaders|shdictstore|builder|complexvalue|config|lexer|locationmatcher|parser|regex|servermatcher|values|cachesnapshot|eventdrops|linebreak|stepping|tracefile|chunked|connection|traceheader|uri|cachekey|chunkname|closurefactory|codecache|vm|scheduler|schedulerstress|eventring|tracer|subrequest|cosocket|luafaults|clientfaults|containment|fuzz_.*_replay)$'
if [ "${RESTYSCOPE_TSAN_BRIDGE:-0}" = 1 ]; then
    regex="${regex%)\$}|mainwindow|sourcedebug|clientdock)\$"
fi
mapfile -t tests < <(cd "$build" && ctest -N -R "$regex" | sed -n 's/^ *Test *#[0-9]*: //p')
cmake --build "$build" -j "$(nproc)" --target "${tests[@]}"
cd "$build"
TSAN_OPTIONS="suppressions=$root/tests/tsan.supp halt_on_error=0 second_deadlock_stack=1 ${TSAN_OPTIONS:-}" \
    ctest --output-on-failure -j "$(nproc)" -R "$regex" "$@"
