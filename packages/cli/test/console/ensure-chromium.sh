#!/usr/bin/env bash
# The console's browser tests drive Debian's chromium (/usr/bin/chromium, or CHROMIUM_PATH).
# Installed here when missing: apt-get needs root, as CI (.ci/run) has; anyone else is told what to run.
set -euo pipefail
chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$chromium" ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "The console's browser tests need chromium at $chromium, and installing it needs root." >&2
  echo "  what to do: sudo apt-get update && sudo apt-get install -y chromium   (or set CHROMIUM_PATH to a Chromium binary)" >&2
  exit 1
fi
echo "installing Debian's chromium for the console's browser tests (apt-get)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
"$chromium" --version
