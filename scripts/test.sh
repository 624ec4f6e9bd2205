#!/usr/bin/env bash
# Installs what is missing, builds, and runs every ctest test (output shown on failure).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/deps.sh"
restyscope_install_deps
restyscope_build dev
cd "$root/build/dev"
ctest --output-on-failure -j "$(nproc)" "$@"
