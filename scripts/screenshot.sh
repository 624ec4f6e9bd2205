#!/usr/bin/env bash
# Screenshots of the desktop app under Xvfb, written to BUILD/screenshots/:
#   idle.png     the example prefix served, no request yet
#   paused.png   paused mid-request: GET /api/threads after two Step resumes (F10)
#   done.png     after Continue (F5): the request finished, its events in the log
#   timeline.png the finished /api/threads request clicked in the Requests view: its Timeline
#   timetravel.png  the same Timeline 30 events back in time (the scrubber under it)
#   waterfall.png   after a burst of 200 mixed requests (threads, hello, addition, broken):
#                the Timeline's waterfall of every request
#   breakpoint.png  a second run with a line breakpoint at lua/threads.lua:5 and a watch:
#                the Source dock's paused line and the Inspector's stack, locals and watch
# Keys go to the window through XTest (python3 ctypes and libXtst, no extra package).
# Usage: scripts/screenshot.sh [BUILD_DIR]   (default build/gui)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build/gui}" && pwd)

if [ -z "${RESTYSCOPE_IN_XVFB:-}" ]; then
    exec env RESTYSCOPE_IN_XVFB=1 xvfb-run -a -s "-screen 0 1440x900x24" "$0" "$build"
fi

out="$build/screenshots"
mkdir -p "$out"
work=$(mktemp -d)
app_pid=""
curl_pid=""
cleanup() {
    [ -n "$curl_pid" ] && kill "$curl_pid" 2>/dev/null || true
    [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# A copy of the example on a free port; settings and data in the scratch dir.
cp -r "$root/resources/example" "$work/prefix"
mkdir -p "$work/prefix/logs"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sed -i "s/127\.0\.0\.1:8080/127.0.0.1:$port/" "$work/prefix/conf/nginx.conf"
export XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/data" XDG_RUNTIME_DIR="$work/run"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"

key() {
    python3 - "$1" <<'PY'
import ctypes, sys
x = ctypes.cdll.LoadLibrary("libX11.so.6")
xt = ctypes.cdll.LoadLibrary("libXtst.so.6")
x.XOpenDisplay.restype = ctypes.c_void_p
x.XStringToKeysym.restype = ctypes.c_ulong
d = ctypes.c_void_p(x.XOpenDisplay(None))
code = x.XKeysymToKeycode(d, ctypes.c_ulong(x.XStringToKeysym(sys.argv[1].encode())))
xt.XTestFakeKeyEvent(d, code, True, 0)
xt.XTestFakeKeyEvent(d, code, False, 0)
x.XFlush(d)
x.XCloseDisplay(d)
PY
}
click() {
    python3 - "$1" "$2" <<'PY'
import ctypes, sys, time
x = ctypes.cdll.LoadLibrary("libX11.so.6")
xt = ctypes.cdll.LoadLibrary("libXtst.so.6")
x.XOpenDisplay.restype = ctypes.c_void_p
d = ctypes.c_void_p(x.XOpenDisplay(None))
xt.XTestFakeMotionEvent(d, 0, int(sys.argv[1]), int(sys.argv[2]), 0)
x.XFlush(d)
time.sleep(0.1)
xt.XTestFakeButtonEvent(d, 1, True, 0)
xt.XTestFakeButtonEvent(d, 1, False, 0)
x.XFlush(d)
x.XCloseDisplay(d)
PY
}
shot() {
    # No window manager: the window sits at the top left of a black screen; trim the black.
    import -window root -trim +repage "$out/$1.png"
    echo "screenshot: $out/$1.png"
}

"$build/app/restyscope" "$work/prefix" 2>"$work/app.log" &
app_pid=$!
for _ in $(seq 50); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" && break
    sleep 0.2
done
curl -s -o /dev/null "http://127.0.0.1:$port/api/hello" || true
sleep 1
shot idle

key F6 # Pause
sleep 0.5
curl -s -m 60 -o "$work/response" "http://127.0.0.1:$port/api/threads" &
curl_pid=$!
sleep 1
key F10 # Step: the entry thread runs until it spawns user thread a
sleep 0.5
key F10 # Step: user thread a runs until it sleeps
sleep 1
shot paused

key F5 # Continue
wait "$curl_pid" || true
curl_pid=""
sleep 1
shot done
echo "response: $(tr '\n' ' ' <"$work/response")"

# The Timeline: a click on the /api/threads row (the third, after / and /api/hello; the
# window sits at the top left, no window manager) shows the finished request's coroutines.
click 110 120
sleep 1
shot timeline
# Time travel: three clicks on the scrubber's groove, left of its handle, go back 30 events.
for _ in 1 2 3; do
    click 200 737
    sleep 0.3
done
sleep 0.5
shot timetravel
click 1236 737 # Present
# A burst of 200 mixed requests, 20 at a time, then the Timeline's Waterfall button.
for i in $(seq 50); do
    for api in threads hello 'addition?a=1&b=2' broken; do
        echo "http://127.0.0.1:$port/api/$api"
    done
done | xargs -P 20 -n 1 curl -s -o /dev/null || true
sleep 1
click 1225 575
sleep 1
shot waterfall

# Second run: a line breakpoint (RESTYSCOPE_BREAKPOINTS) and a watch expression (settings).
kill "$app_pid" 2>/dev/null || true
wait "$app_pid" 2>/dev/null || true
app_pid=""
mkdir -p "$XDG_CONFIG_HOME/restyscope"
printf '[inspector]\nwatches=seconds * 1000\n' \
    >>"$XDG_CONFIG_HOME/restyscope/restyscope.conf"
RESTYSCOPE_BREAKPOINTS="lua/threads.lua:5" "$build/app/restyscope" "$work/prefix" \
    2>>"$work/app.log" &
app_pid=$!
for _ in $(seq 50); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" && break
    sleep 0.2
done
curl -s -m 60 -o "$work/response" "http://127.0.0.1:$port/api/threads" &
curl_pid=$!
sleep 2
shot breakpoint
key F5 # Continue: leaves the line stop; the second thread stops there too
sleep 1
key F5
wait "$curl_pid" || true
curl_pid=""
echo "response: $(tr '\n' ' ' <"$work/response")"

# Third run: the HTTP client dock (ui/client) with a JSON response. Its history file holds a
# POST /api/echo?delay=3 with a JSON body, so the dock opens on that request; Ctrl+Enter
# sends it. "Follow" is on: the response's request is selected in the runtime views while
# its handler still sleeps after flushing the answer.
#   client.png   the client dock: the request, the pretty JSON response, its runtime link
#                and that request selected in the Requests, Coroutines and Events views
kill "$app_pid" 2>/dev/null || true
wait "$app_pid" 2>/dev/null || true
app_pid=""
mkdir -p "$XDG_DATA_HOME/restyscope/restyscope"
cat >"$XDG_DATA_HOME/restyscope/restyscope/client.json" <<'JSON'
{"version": 1, "history": [{"request": {"method": "POST", "url": "/api/echo",
  "query": [{"name": "delay", "value": "3"}],
  "headers": [{"name": "X-Demo", "value": "restyscope"}], "bodyKind": "json",
  "body": "{\n  \"user\": \"ada\",\n  \"roles\": [\"admin\", \"dev\"],\n  \"active\": true\n}"},
  "sentAt": "2026-01-01T12:00:00.000Z", "status": 200, "ms": 3.2}],
 "collections": [{"name": "Example", "requests": [
  {"name": "hello", "request": {"method": "GET", "url": "/api/hello", "bodyKind": "none",
   "query": [{"name": "name", "value": "you"}]}},
  {"name": "threads", "request": {"method": "GET", "url": "/api/threads", "bodyKind": "none"}}]}]}
JSON
printf '[client]\nfollowRuntime=true\n' >>"$XDG_CONFIG_HOME/restyscope/restyscope.conf"
"$build/app/restyscope" "$work/prefix" 2>>"$work/app.log" &
app_pid=$!
for _ in $(seq 50); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" && break
    sleep 0.2
done
sleep 1
python3 - <<'PY'
import ctypes
x = ctypes.cdll.LoadLibrary("libX11.so.6")
xt = ctypes.cdll.LoadLibrary("libXtst.so.6")
x.XOpenDisplay.restype = ctypes.c_void_p
x.XStringToKeysym.restype = ctypes.c_ulong
d = ctypes.c_void_p(x.XOpenDisplay(None))
codes = [x.XKeysymToKeycode(d, ctypes.c_ulong(x.XStringToKeysym(k))) for k in (b"Control_L", b"Return")]
for c in codes:
    xt.XTestFakeKeyEvent(d, c, True, 0)
for c in reversed(codes):
    xt.XTestFakeKeyEvent(d, c, False, 0)
x.XFlush(d)
x.XCloseDisplay(d)
PY
sleep 1.5
shot client
