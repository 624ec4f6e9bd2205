#!/usr/bin/env bash
# Installs the Debian 12 packages restyscope needs, only those that are missing.
# Sourced by run.sh and test.sh; quiet when nothing is missing.
set -euo pipefail

RESTYSCOPE_PACKAGES=(
    # build
    build-essential cmake ninja-build pkg-config ccache
    # libraries (DESIGN.md "Dependencies")
    qt6-base-dev libluajit2-5.1-dev libasio-dev libhttp-parser-dev libpcre2-dev libssl-dev
    # Lua modules handlers require
    lua-cjson
    # the reference runtime: conformance oracle and benchmark baseline
    nginx-light libnginx-mod-http-lua lua-resty-core
    # tests, benchmarks, screenshots
    curl wrk xvfb xauth imagemagick
    # fuzzing (tests/fuzz: libFuzzer, sanitizer runtimes, symbolized reports)
    clang libclang-rt-14-dev llvm
)

restyscope_missing_packages() {
    local pkg
    for pkg in "${RESTYSCOPE_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed$' \
            || echo "$pkg"
    done
}

restyscope_install_deps() {
    local missing
    missing=$(restyscope_missing_packages)
    [ -z "$missing" ] && return 0
    echo "restyscope: installing missing Debian packages:" $missing
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    # Keep the nginx package from starting a system-wide server on port 80: the tests start
    # their own nginx on free loopback ports and stop it by pid.
    local policy=/usr/sbin/policy-rc.d made_policy=""
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
        $sudo chmod +x "$policy"
        made_policy=1
    fi
    $sudo apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing \
        >/tmp/restyscope-apt.log 2>&1 || { cat /tmp/restyscope-apt.log; exit 1; }
    [ -n "$made_policy" ] && $sudo rm -f "$policy"
    return 0
}

# Configures (once) and builds the given preset's directory; ccache is used when present.
restyscope_build() {
    local root preset build_dir
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    preset=${1:-dev}
    build_dir="$root/build/$preset"
    if [ ! -f "$build_dir/build.ninja" ]; then
        cmake --preset "$preset" -S "$root" >/dev/null
    fi
    cmake --build "$build_dir" -j "$(nproc)"
}
