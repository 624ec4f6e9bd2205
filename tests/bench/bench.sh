#!/usr/bin/env bash
# Benchmarks restyscope against real nginx on the same conf: wrk runs alternately against
# each (nginx, restyscope, nginx, ...), and the median req/s of each and their ratio are
# printed. Builds nothing. See tests/bench/README.md.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

usage() {
    cat <<USAGE
usage: $0 [options]
  -b PATH   restyscope binary (default: $root/build/dev/app/restyscope)
  -n PATH   nginx binary (default: nginx from PATH or /usr/sbin/nginx)
  -s NAME   scenario, a folder under tests/bench/scenarios/ (default: return200)
  -c N      wrk connections (default: 100)
  -t N      wrk threads (default: 2)
  -d SECS   duration of each round (default: 10)
  -r N      rounds per server (default: 3)
  -w SECS   warm-up run per server before the rounds, not counted (default: 1; 0: none)
  -o WHICH  run only "nginx" or only "restyscope"
  -x ARGS   extra restyscope arguments (e.g. "--trace trace.jsonl", relative to its prefix)
  -k        keep the prefixes (their paths are printed)
  -l        list the scenarios
  -h        this help
USAGE
}

restyscope=$root/build/dev/app/restyscope
nginx=$(command -v nginx || true)
[ -n "$nginx" ] || nginx=/usr/sbin/nginx
scenario=return200
connections=100
threads=2
duration=10
rounds=3
warmup=1
only=
keep=0
extra=

while getopts "b:n:s:c:t:d:r:w:o:x:klh" opt; do
    case $opt in
        b) restyscope=$OPTARG ;;
        n) nginx=$OPTARG ;;
        s) scenario=$OPTARG ;;
        c) connections=$OPTARG ;;
        t) threads=$OPTARG ;;
        d) duration=$OPTARG ;;
        r) rounds=$OPTARG ;;
        w) warmup=$OPTARG ;;
        o) only=$OPTARG ;;
        x) extra=$OPTARG ;;
        k) keep=1 ;;
        l) ls "$here/scenarios"; exit 0 ;;
        h) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done

die() { echo "bench: $*" >&2; exit 1; }

# The servers run with cwd = their prefix.
[ -e "$restyscope" ] && restyscope=$(readlink -f "$restyscope")
[ -e "$nginx" ] && nginx=$(readlink -f "$nginx")
scenario_dir=$here/scenarios/$scenario
[ -f "$scenario_dir/server.conf" ] || die "no scenario '$scenario' (try -l)"
[ -f "$scenario_dir/url" ] || die "scenario '$scenario' has no url file"
url_path=$(head -n1 "$scenario_dir/url")
command -v wrk >/dev/null || die "wrk not found (apt-get install wrk)"
case $only in
    ''|nginx|restyscope) ;;
    *) die "-o takes nginx or restyscope" ;;
esac
servers=()
[ "$only" = restyscope ] || servers+=(nginx)
[ "$only" = nginx ] || servers+=(restyscope)
[ "$only" = restyscope ] || [ -x "$nginx" ] || die "nginx not found: $nginx"
[ "$only" = nginx ] || [ -x "$restyscope" ] || die "restyscope binary not found: $restyscope (build it, or -b PATH)"

# Every connection is a file descriptor in wrk and in the server.
wanted=$((connections * 2 + 256))
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$wanted" ]; then
    hard=$(ulimit -Hn)
    if [ "$hard" = unlimited ] || [ "$hard" -ge "$wanted" ]; then
        ulimit -n "$wanted"
    else
        ulimit -n "$hard"
        echo "bench: warning: open files limited to $hard (wanted $wanted)" >&2
    fi
fi

declare -A pid prefix port
cleanup() {
    local name
    for name in "${!pid[@]}"; do
        kill -TERM "${pid[$name]}" 2>/dev/null || true
    done
    for name in "${!pid[@]}"; do
        for _ in $(seq 50); do
            kill -0 "${pid[$name]}" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "${pid[$name]}" 2>/dev/null || true
        wait "${pid[$name]}" 2>/dev/null || true
    done
    for name in "${!prefix[@]}"; do
        if [ "$keep" = 1 ]; then
            echo "bench: kept $name prefix: ${prefix[$name]}"
        else
            rm -rf "${prefix[$name]}"
        fi
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A loopback port nothing listens on (read from /proc/net/tcp: no probe connections).
is_listening() {
    local hex
    hex=$(printf '%04X' "$1")
    awk -v p=":$hex" '$2 ~ p"$" && $4 == "0A" { found = 1 } END { exit !found }' /proc/net/tcp
}
free_port() {
    local candidate
    for _ in $(seq 100); do
        candidate=$((20000 + RANDOM % 20000))
        if ! is_listening "$candidate" && [[ " ${port[*]:-} " != *" $candidate "* ]]; then
            echo "$candidate"
            return
        fi
    done
    die "no free port found"
}

write_prefix() { # name port
    local dir=$1 listen=$2
    mkdir -p "$dir/conf" "$dir/logs" "$dir/html"
    if [ -d "$scenario_dir/files" ]; then
        cp -R "$scenario_dir/files/." "$dir/"
    fi
    {
        echo "# written by tests/bench/bench.sh, scenario $scenario"
        echo "load_module /usr/lib/nginx/modules/ndk_http_module.so;"
        echo "load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;"
        echo "daemon off;"
        echo "master_process off;"
        echo "worker_processes 1;"
        echo "error_log logs/error.log warn;"
        echo "pid logs/nginx.pid;"
        echo "events {"
        echo "    worker_connections $((connections + 1024));"
        echo "}"
        echo "http {"
        echo "    access_log off;"
        [ -f "$scenario_dir/http.conf" ] && sed 's/^/    /' "$scenario_dir/http.conf"
        echo "    server {"
        echo "        listen 127.0.0.1:$listen;"
        sed 's/^/        /' "$scenario_dir/server.conf"
        echo "    }"
        echo "}"
    } > "$dir/conf/nginx.conf"
}

start_server() { # name
    local name=$1 dir p
    dir=$(mktemp -d "${TMPDIR:-/tmp}/restyscope-bench-$name-XXXXXX")
    p=$(free_port)
    prefix[$name]=$dir
    port[$name]=$p
    write_prefix "$dir" "$p"
    if [ "$name" = nginx ]; then
        (cd "$dir" && exec "$nginx" -p "$dir" -c conf/nginx.conf) >"$dir/logs/stdout.txt" 2>&1 &
    else
        (cd "$dir" && exec "$restyscope" --headless -p "$dir" -c conf/nginx.conf $extra) \
            >"$dir/logs/stdout.txt" 2>&1 &
    fi
    pid[$name]=$!
    for _ in $(seq 200); do
        is_listening "$p" && return
        kill -0 "${pid[$name]}" 2>/dev/null || break
        sleep 0.05
    done
    cat "$dir/logs/stdout.txt" "$dir/logs/error.log" >&2 2>/dev/null || true
    die "$name did not come up on 127.0.0.1:$p"
}

# One wrk run; prints "req_per_sec socket_errors non2xx3xx" (errors as c/r/w/t).
run_wrk() { # name seconds
    local out rps errors non2xx
    out=$(wrk -t"$threads" -c"$connections" -d"$2"s "http://127.0.0.1:${port[$1]}$url_path" 2>&1) ||
        { echo "$out" >&2; die "wrk failed against $1"; }
    rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
    errors=$(awk -F'[ ,]+' '/Socket errors:/ { print $5 "/" $7 "/" $9 "/" $11 }' <<<"$out")
    non2xx=$(awk -F': *' '/Non-2xx or 3xx responses:/ { print $2 }' <<<"$out")
    echo "${rps:-0} ${errors:-0/0/0/0} ${non2xx:-0}"
}

median() {
    sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

for name in "${servers[@]}"; do
    start_server "$name"
done

echo "scenario $scenario: GET $url_path; wrk -t$threads -c$connections -d${duration}s; $rounds rounds each, alternating"
for name in "${servers[@]}"; do
    echo "  $name: pid ${pid[$name]}, 127.0.0.1:${port[$name]}, prefix ${prefix[$name]}"
done
if [ "$warmup" != 0 ]; then
    for name in "${servers[@]}"; do
        run_wrk "$name" "$warmup" >/dev/null
    done
fi

declare -A results errors_total non2xx_total
printf '%-6s %-11s %12s %24s %12s\n' round server req/s "socket errors c/r/w/t" non-2xx/3xx
for round in $(seq "$rounds"); do
    for name in "${servers[@]}"; do
        kill -0 "${pid[$name]}" 2>/dev/null || die "$name died (see ${prefix[$name]}/logs)"
        read -r rps errors non2xx < <(run_wrk "$name" "$duration")
        printf '%-6s %-11s %12s %24s %12s\n' "$round" "$name" "$rps" "$errors" "$non2xx"
        results[$name]+="$rps "
        IFS=/ read -r ec er ew et <<<"$errors"
        errors_total[$name]=$(( ${errors_total[$name]:-0} + ec + er + ew + et ))
        non2xx_total[$name]=$(( ${non2xx_total[$name]:-0} + non2xx ))
    done
done

declare -A med
for name in "${servers[@]}"; do
    med[$name]=$(tr ' ' '\n' <<<"${results[$name]}" | grep -v '^$' | median)
    printf 'median %-11s %12s req/s   socket errors %s   non-2xx/3xx %s\n' \
        "$name" "${med[$name]}" "${errors_total[$name]}" "${non2xx_total[$name]}"
done
if [ -z "$only" ]; then
    awk -v r="${med[restyscope]}" -v n="${med[nginx]}" \
        'BEGIN { printf "ratio restyscope/nginx: %.2f\n", (n > 0 ? r / n : 0) }'
fi
