#!/usr/bin/env bash
# The GUI's responsiveness under load (issue 6): the main window on a copy of the bundled
# example (every probe event flowing to the views), `wrk -c 50 -d 20s` on a handler, and a
# heartbeat timer in the GUI thread; prints the worst stall and p99 in ms (goal: max < 50).
# Runs under xvfb-run when there is no display. Not a ctest test.
# Usage: tests/bench/heartbeat.sh [BUILD_DIR] [PATH] [SECONDS] [CONNECTIONS]
#   default: build/dev, /api/addition?a=1&b=2, 20, 50
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build/dev}" && pwd)
path="${2:-/api/addition?a=1&b=2}"
seconds="${3:-20}"
connections="${4:-50}"
program="$build/tests/bench/heartbeat/restyscope_heartbeat"
[ -x "$program" ] || cmake --build "$build" --target restyscope_heartbeat

if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -z "${RESTYSCOPE_IN_XVFB:-}" ]; then
    exec env RESTYSCOPE_IN_XVFB=1 xvfb-run -a -s "-screen 0 1440x900x24" "$0" "$build" "$path" \
        "$seconds" "$connections"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$root/resources/example" "$work/prefix"
mkdir -p "$work/prefix/logs"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sed -i "s/127\.0\.0\.1:8080/127.0.0.1:$port/" "$work/prefix/conf/nginx.conf"
export XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/data"
"$program" "$work/prefix" "$path" "$seconds" "$connections"
