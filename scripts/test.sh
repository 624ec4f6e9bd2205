#!/usr/bin/env bash
# Installs what is missing, builds, and runs every ctest test (output shown on failure),
# then the same suite under the asan preset; RESTYSCOPE_FUZZ=1 adds 60 s per fuzz harness.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/deps.sh"
restyscope_install_deps
restyscope_build dev
(cd "$root/build/dev" && ctest --output-on-failure -j "$(nproc)" "$@")
# The same suite under AddressSanitizer + UndefinedBehaviorSanitizer (LeakSanitizer on).
restyscope_build asan
(cd "$root/build/asan" && ctest --output-on-failure -j "$(nproc)" "$@")
# A short fuzzing run (60 s per harness) on request: it needs clang and takes minutes.
if [ "${RESTYSCOPE_FUZZ:-0}" = 1 ]; then
    "$root/tests/fuzz/run.sh" 60
fi
