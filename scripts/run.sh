#!/usr/bin/env bash
# Installs what is missing, builds, and starts restyscope on the bundled example prefix.
# Until the desktop GUI lands (issue 6) this runs the engine headless and says so.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/deps.sh"
restyscope_install_deps
restyscope_build dev

prefix="${1:-$root/resources/example}"
echo "restyscope: the desktop GUI is not built yet; running headless on $prefix"
echo "restyscope: Ctrl+C stops it"
exec "$root/build/dev/app/restyscope" --headless -p "$prefix" -c conf/nginx.conf
