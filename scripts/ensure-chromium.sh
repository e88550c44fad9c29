#!/usr/bin/env bash
# Makes sure a headless Chromium can be started on this machine, installing Debian's `chromium`
# package when missing (the browser tests drive it with puppeteer-core; no browser is ever
# downloaded by npm).
#
# Prints, on success, one line the caller needs:
#   CHROMIUM_PATH=<executable>
# Everything else (progress, errors) goes to stderr.
#
# Order of preference:
#   1. CHROMIUM_PATH from the environment, when it runs
#   2. chromium / chromium-browser / google-chrome on PATH or in /usr/bin
#   3. Debian (as root): apt-get install chromium
#   4. otherwise: explain what to do
set -euo pipefail
log() { echo "ensure-chromium: $*" >&2; }

works() { "$1" --headless=new --no-sandbox --disable-gpu --version >/dev/null 2>&1 || "$1" --version >/dev/null 2>&1; }
emit() { echo "CHROMIUM_PATH=$1"; exit 0; }

if [ -n "${CHROMIUM_PATH:-}" ] && [ -x "$CHROMIUM_PATH" ] && works "$CHROMIUM_PATH"; then emit "$CHROMIUM_PATH"; fi
find_browser() {
  for name in chromium chromium-browser google-chrome-stable google-chrome; do
    for candidate in "$(command -v "$name" 2>/dev/null || true)" "/usr/bin/$name"; do
      if [ -n "$candidate" ] && [ -x "$candidate" ] && works "$candidate"; then echo "$candidate"; return 0; fi
    done
  done
  return 1
}
if found=$(find_browser); then emit "$found"; fi

fail() {
  log "$1"
  log "the browser tests need Chromium. Install it yourself, for example:"
  log "  sudo apt-get install chromium   (Debian/Ubuntu), then re-run; or set CHROMIUM_PATH to a Chromium or Chrome executable"
  exit 1
}
[ "$(id -u)" = 0 ] || fail "Chromium is not installed and installing it needs root (apt-get)."
[ -r /etc/debian_version ] && command -v apt-get >/dev/null || fail "Chromium is not installed and this is not a Debian machine."

log "installing Debian's chromium package (takes a minute or two)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends chromium >&2
if found=$(find_browser); then emit "$found"; fi
fail "chromium was installed but does not start."
