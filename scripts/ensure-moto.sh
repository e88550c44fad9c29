#!/usr/bin/env bash
# Makes sure a moto server (5.x) can be started on this machine, installing it when missing.
#
# Prints, on success, one line per setting the caller needs to start it:
#   MOTO_PYTHON=<python interpreter>
#   MOTO_PYTHONPATH=<extra PYTHONPATH, may be empty>
# Everything else (progress, errors) goes to stderr.
#
# Order of preference:
#   1. an existing install: MOTO_PYTHON from the environment, our private root, or any python3 with moto
#   2. Debian (as root): Debian's python3 libraries from the normal sources plus python3-moto from the
#      trixie suite of the same mirror, unpacked into a private root (the system's apt sources are untouched)
#   3. otherwise: explain what to do (pip install "moto[server]==5.1.1")
set -euo pipefail

ROOT="${SNAPWARD_MOTO_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/snapward/moto}"
PKGS="$ROOT/root/usr/lib/python3/dist-packages"
log() { echo "ensure-moto: $*" >&2; }

has_moto() { # $1 python, $2 pythonpath
  PYTHONPATH="$2" "$1" -c 'import moto, moto.server, flask, werkzeug, jsonpath_ng; import sys; sys.exit(0 if moto.__version__.startswith("5.") else 1)' >/dev/null 2>&1
}
emit() { echo "MOTO_PYTHON=$1"; echo "MOTO_PYTHONPATH=$2"; exit 0; }

if [ -n "${MOTO_PYTHON:-}" ] && has_moto "$MOTO_PYTHON" "${MOTO_PYTHONPATH:-}"; then emit "$MOTO_PYTHON" "${MOTO_PYTHONPATH:-}"; fi
if [ -x /usr/bin/python3 ] && has_moto /usr/bin/python3 "$PKGS"; then emit /usr/bin/python3 "$PKGS"; fi
for py in python3 /usr/bin/python3; do
  if command -v "$py" >/dev/null 2>&1 && has_moto "$(command -v "$py")" ""; then emit "$(command -v "$py")" ""; fi
done

fail() {
  log "$1"
  log "moto server 5.x is needed for the demo and the integration tests. Install it yourself, for example:"
  log "  pip install 'moto[server]==5.1.1'   (then re-run; or set MOTO_PYTHON to the python that has it)"
  exit 1
}
[ "$(id -u)" = 0 ] || fail "moto is not installed and installing it needs root (apt-get)."
[ -r /etc/debian_version ] && command -v apt-get >/dev/null || fail "moto is not installed and this is not a Debian machine."
[ -x /usr/bin/python3 ] || fail "moto is not installed and /usr/bin/python3 is missing."

log "installing moto into $ROOT (takes about a minute)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends python3-boto3 python3-botocore python3-cryptography \
  python3-dateutil python3-flask python3-flask-cors python3-jinja2 python3-requests python3-responses \
  python3-werkzeug python3-xmltodict python3-yaml python3-antlr4 python3-jsondiff python3-pyparsing \
  python3-ply >&2

# The mirror the machine already uses (never a hard-coded host).
uri=""
if [ -r /etc/apt/sources.list.d/debian.sources ]; then
  uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
fi
if [ -z "$uri" ] && [ -r /etc/apt/sources.list ]; then
  uri=$(awk '$1=="deb" && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list)
fi
[ -n "$uri" ] || fail "could not find the Debian mirror in the apt sources."

work="$ROOT/apt"
mkdir -p "$work/lists/partial" "$work/debs" "$ROOT/root"
echo "deb $uri trixie main" > "$work/trixie.list"
opts=(-o "Dir::Etc::sourcelist=$work/trixie.list" -o "Dir::Etc::sourceparts=-" -o "Dir::State::Lists=$work/lists")
apt-get "${opts[@]}" update -qq >&2
(cd "$work/debs" && apt-get "${opts[@]}" download python3-moto=5.1.1-4 python3-jsonpath-ng >&2)
for deb in "$work/debs"/*.deb; do dpkg-deb -x "$deb" "$ROOT/root"; done

has_moto /usr/bin/python3 "$PKGS" || fail "moto was unpacked into $ROOT but does not import; remove $ROOT and retry."
log "moto installed"
emit /usr/bin/python3 "$PKGS"
