#!/usr/bin/env bash
# Installs what is missing, builds, and starts restyscope on the bundled example prefix.
# Opens the desktop app; with no display it runs the engine headless instead, and says so.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/deps.sh"
restyscope_install_deps
restyscope_build dev

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    # No DIR: the app opens a writable copy of the bundled example in its data folder.
    exec "$root/build/dev/app/restyscope" "$@"
fi
prefix="${1:-$root/resources/example}"
echo "restyscope: no display; running headless on $prefix (Ctrl+C stops it)"
exec "$root/build/dev/app/restyscope" --headless -p "$prefix" -c conf/nginx.conf
