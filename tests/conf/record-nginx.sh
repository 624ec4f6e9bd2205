#!/bin/bash
# Records what real nginx says about each conf case: runs `nginx -t` on the case's files
# and rewrites the case's "=== nginx" section with the normalized output. tst_builder then
# checks restyscope against these recordings. Needs nginx (Debian nginx-light 1.22.1 with
# libnginx-mod-http-lua for the Lua directives).
#
#   tests/conf/record-nginx.sh [CASE.case ...]     (default: every tests/conf/cases/*.case)
#
# Case format: '#' comment lines, then one "=== file RELATIVE/PATH" line per file followed
# by its content ("=== file conf/x.conf noeol" drops the final newline), then the recorded
# "=== nginx VERSION" section: the [level] lines nginx printed, the prefix written as
# %PREFIX%, and "exit N".
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
if [ $# -eq 0 ]; then
    set -- "$here"/cases/*.case
fi
version=$(nginx -v 2>&1 | sed 's/^nginx version: //')

for case in "$@"; do
    prefix=$(mktemp -d /tmp/restyscope-conf-case.XXXXXX)
    awk -v dir="$prefix" '
        /^=== nginx/ { exit }
        /^=== file / {
            if (out != "") { close(out) }
            split(substr($0, 10), parts, " ")
            out = dir "/" parts[1]
            noeol[out] = (parts[2] == "noeol")
            system("mkdir -p \"$(dirname \"" out "\")\"")
            printf "" > out
            first = 1
            next
        }
        out != "" {
            if (!first) { printf "\n" >> out }
            printf "%s", $0 >> out
            first = 0
            pending[out] = 1
        }
        END {
            for (f in pending) { if (!noeol[f]) { printf "\n" >> f } }
        }
    ' "$case"
    mkdir -p "$prefix/logs"
    set +e
    output=$(cd "$prefix" && nginx -t -p "$prefix/" -c conf/nginx.conf 2>&1)
    status=$?
    set -e
    recorded=$(printf '%s\n' "$output" | grep -v '^nginx: ' |
        sed -E 's#^[0-9/]+ [0-9:]+ \[([a-z]+)\] [0-9]+\#[0-9]+: #[\1] #' |
        sed "s#$prefix#%PREFIX%#g" || true)
    {
        sed '/^=== nginx/,$d' "$case"
        echo "=== nginx $version"
        if [ -n "$recorded" ]; then
            printf '%s\n' "$recorded"
        fi
        echo "exit $status"
    } > "$case.new"
    mv "$case.new" "$case"
    rm -rf "$prefix"
    echo "recorded $(basename "$case"): exit $status"
done
