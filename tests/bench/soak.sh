#!/usr/bin/env bash
# Soak (issue 9 item 5): 1,000,000 requests over a mix of handlers (lua_code_cache on and
# off, user threads, sleeps, coroutines, timers, shared dict, Lua errors) against
# `restyscope --headless` on a prefix this script writes, with wrk and soak.lua. Prints
# RSS, open fds and the engine's live counts (--stats-file) at the start, after 100k
# requests and at the end, and the unexpected answers. Exits 1 when any answer was
# unexpected, when fds, coroutine anchors or VMs are not back to the baseline, or when
# RSS grew 5% or more between 100k and the end. Not a ctest test; builds nothing.
#
#   tests/bench/soak.sh [-b build/dev/app/restyscope] [-n 1000000] [-c 16] [-t 2] [-k]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
binary="$root/build/dev/app/restyscope"
total=1000000
connections=16
threads=2
keep=0
while getopts "b:n:c:t:kh" opt; do
    case $opt in
    b) binary=$OPTARG ;;
    n) total=$OPTARG ;;
    c) connections=$OPTARG ;;
    t) threads=$OPTARG ;;
    k) keep=1 ;;
    *) sed -n '2,12p' "$0"; exit 2 ;;
    esac
done
die() { echo "soak: $*" >&2; exit 2; }
[ -x "$binary" ] || die "no restyscope binary at $binary (use -b)"
command -v wrk >/dev/null || die "wrk is not installed (apt-get install wrk)"
[ "$total" -ge 200000 ] || die "-n must be at least 200000 (the first phase is 100000)"

is_listening() { # port: in LISTEN state in /proc/net/tcp
    local hex
    hex=$(printf '%04X' "$1")
    awk -v p=":$hex" '$2 ~ p"$" && $4 == "0A" { found = 1 } END { exit !found }' /proc/net/tcp
}
pick_port() {
    port=""
    for _ in $(seq 100); do
        candidate=$((20000 + RANDOM % 20000))
        if ! is_listening "$candidate"; then port=$candidate; return; fi
    done
    die "no free port found"
}

prefix=$(mktemp -d /tmp/restyscope-soak-XXXXXX)
pid=""
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    if [ "$keep" = 1 ]; then echo "soak: prefix kept: $prefix"; else rm -rf "$prefix"; fi
}
trap cleanup EXIT

mkdir -p "$prefix/conf" "$prefix/logs" "$prefix/lua"
write_conf() {
    cat >"$prefix/conf/nginx.conf" <<CONF
# written by tests/bench/soak.sh
daemon off;
master_process off;
worker_processes 1;
# Lua errors are part of the mix: [error] lines would fill the disk, crit keeps it quiet.
error_log logs/error.log crit;
events { worker_connections 4096; }
http {
    access_log off;
    lua_package_path "\$prefix/lua/?.lua;;";
    lua_shared_dict soak 1m;
    server {
        listen 127.0.0.1:$port;
        location /on/ { content_by_lua_file lua/\$uri.lua; }
        location /off/ { lua_code_cache off; content_by_lua_file lua/\$uri.lua; }
    }
}
CONF
}
for mode in on off; do
    mkdir -p "$prefix/lua/$mode"
    echo 'ngx.say("ok plain")' >"$prefix/lua/$mode/plain.lua"
    cat >"$prefix/lua/$mode/thread.lua" <<'LUA'
local function work(n) ngx.sleep(0) return n * 2 end
local a = ngx.thread.spawn(work, 1)
local b = ngx.thread.spawn(work, 2)
local _, x = ngx.thread.wait(a)
local _, y = ngx.thread.wait(b)
ngx.say("ok thread ", x + y)
LUA
    echo 'ngx.sleep(0.001) ngx.say("ok sleep")' >"$prefix/lua/$mode/sleep.lua"
    cat >"$prefix/lua/$mode/coroutine.lua" <<'LUA'
local gen = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i) end end)
local co = coroutine.create(function(a) local b = coroutine.yield(a + 1) return b end)
coroutine.resume(co, 1)
ngx.say("ok coroutine ", gen() + gen() + gen(), select(2, coroutine.resume(co, 5)))
LUA
    echo 'local t = nil; ngx.say(t.field)' >"$prefix/lua/$mode/error.lua"
    cat >"$prefix/lua/$mode/thread-error.lua" <<'LUA'
local t = ngx.thread.spawn(function() error("soak thread error") end)
local ok = ngx.thread.wait(t)
ngx.say("ok thread-error ", tostring(ok))
LUA
    echo 'ngx.timer.at(0, function() ngx.shared.soak:incr("timers", 1, 0) end) ngx.say("ok timer")' \
        >"$prefix/lua/$mode/timer.lua"
    echo 'ngx.say("ok shdict ", ngx.shared.soak:incr("hits", 1, 0))' >"$prefix/lua/$mode/shdict.lua"
done

want=$((connections + 256))
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$want" ]; then
    ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
fi

for _ in 1 2 3; do # a port picked free may be taken before the bind
    pick_port
    write_conf
    "$binary" --headless -p "$prefix" -c conf/nginx.conf --stats-file "$prefix/stats.json" \
        >"$prefix/logs/stdout.log" 2>"$prefix/logs/stderr.log" &
    pid=$!
    for _ in $(seq 100); do
        is_listening "$port" && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    is_listening "$port" && break
    wait "$pid" 2>/dev/null || true
    pid=""
    grep -q "Address already in use" "$prefix/logs/stderr.log" || break
done
[ -n "$pid" ] && is_listening "$port" || die "restyscope did not start: $(cat "$prefix/logs/stderr.log")"

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status"; }
fds() { ls "/proc/$pid/fd" | wc -l; }
stat() { # name: one counter of the engine's stats file
    sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" "$prefix/stats.json"
}
snapshot() { # label: settle (timers, closes, the stats file's next write), then record
    sleep 2.5
    printf '%-8s rss=%6d kB  fds=%4d  connections=%s lua_requests=%s vms=%s anchors=%s timers=%s/%s main_vm_heap=%s\n' \
        "$1" "$(rss_kb)" "$(fds)" "$(stat connections)" "$(stat lua_requests)" "$(stat vms)" \
        "$(stat main_vm_anchors)" "$(stat pending_timers)" "$(stat running_timers)" \
        "$(stat main_vm_memory)"
}
run_wrk() { # requests: wrk until each thread has its share of responses, then SIGINT
    local marks="$prefix/logs/wrk-done" wrk_pid
    rm -f "$marks"
    wrk -t "$threads" -c "$connections" -d 36000 --timeout 10s -s "$here/soak.lua" \
        "http://127.0.0.1:$port/" -- $(($1 / threads)) "$marks" >"$prefix/logs/wrk.out" 2>&1 &
    wrk_pid=$!
    while kill -0 "$wrk_pid" 2>/dev/null; do
        if [ -f "$marks" ] && [ "$(wc -l <"$marks")" -ge "$threads" ]; then
            kill -INT "$wrk_pid" # wrk prints its summary and runs done() on SIGINT
            break
        fi
        sleep 0.5
    done
    wait "$wrk_pid" || true
    cat "$prefix/logs/wrk.out" >>"$prefix/logs/wrk.log"
    grep -E '^SOAK|Requests/sec' "$prefix/logs/wrk.out"
}

echo "soak: $total requests, $connections connections, $threads wrk threads, port $port, pid $pid"
snapshot start
start_rss=$(rss_kb) start_fds=$(fds) start_vms=$(stat vms) start_anchors=$(stat main_vm_anchors)
started=$(date +%s)
out1=$(run_wrk 100000); echo "$out1"
snapshot 100k
rss_100k=$(rss_kb)
out2=$(run_wrk $((total - 100000))); echo "$out2"
snapshot end
end_rss=$(rss_kb) end_fds=$(fds) end_vms=$(stat vms) end_anchors=$(stat main_vm_anchors)
echo "soak: $(( $(date +%s) - started )) s of traffic"

failed=0
for out in "$out1" "$out2"; do
    unexpected=$(sed -n 's/.* unexpected=\([0-9]*\).*/\1/p' <<<"$out")
    sockerr=$(sed -n 's/.*socket_errors=\([0-9]*\).*/\1/p' <<<"$out")
    got500=$(sed -n 's/.*status500=\([0-9]*\).*/\1/p' <<<"$out")
    sent500=$(sed -n 's/.*error_requests=\([0-9]*\).*/\1/p' <<<"$out")
    if [ "$unexpected" != 0 ] || [ "$sockerr" != 0 ] || [ "$got500" -gt "$sent500" ] ||
        [ "$got500" -lt $((sent500 - connections)) ]; then
        echo "soak: FAIL unexpected answers ($unexpected unexpected, $sockerr socket errors, $got500 of $sent500 error requests answered 500)"
        failed=1
    fi
done
growth=$(awk -v a="$rss_100k" -v b="$end_rss" 'BEGIN { printf "%.2f", (b - a) * 100 / a }')
echo "soak: RSS start ${start_rss} kB, after 100k ${rss_100k} kB, end ${end_rss} kB: ${growth}% growth 100k -> end"
if awk -v g="$growth" 'BEGIN { exit !(g >= 5) }'; then echo "soak: FAIL RSS grew ${growth}%"; failed=1; fi
if [ "$end_fds" -gt "$start_fds" ]; then echo "soak: FAIL fds $start_fds -> $end_fds"; failed=1; fi
if [ "$end_vms" != "$start_vms" ] || [ "$end_anchors" != "$start_anchors" ]; then
    echo "soak: FAIL VMs $start_vms -> $end_vms, anchors $start_anchors -> $end_anchors"; failed=1
fi
[ "$failed" = 0 ] && echo "soak: PASS"
exit "$failed"
