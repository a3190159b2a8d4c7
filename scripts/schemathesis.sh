#!/usr/bin/env bash
# Schemathesis against a running server: requests generated from the API description
# (/api/openapi.json) for every operation, valid and invalid ones, each response checked: no
# server error, and its status code, content type, headers and body as described.
#
#   scripts/schemathesis.sh                     # the release binary, built when out of date
#   scripts/schemathesis.sh path/to/clinic-chat # that binary, as it is
#   SCHEMATHESIS_EXAMPLES=200 scripts/schemathesis.sh   # more cases per operation
#
# Installs schemathesis (pinned) from PyPI into a virtualenv under target/, starts the binary
# on a free loopback port with the shipped corpus (and the test fixtures' clinic.toml, so the
# clinic's details are served too), a throwaway index and data folder, no rate limits and a
# staff token (sent with every request, so the staff endpoints are exercised
# past their sign-in), and fails on any failure. The server is stopped on exit.

set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=4.32.5
EXAMPLES=${SCHEMATHESIS_EXAMPLES:-100}
SEED=${SCHEMATHESIS_SEED:-20}
TARGET=${CARGO_TARGET_DIR:-target}
VENV=$TARGET/schemathesis

say() { printf '%s\n' "$*" >&2; }
die() { say "schemathesis.sh: $*"; exit 1; }

command -v curl >/dev/null || die "curl is required"
command -v python3 >/dev/null || die "python3 is required"

if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -qF "version $VERSION"; then
  say "installing schemathesis $VERSION into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$VERSION"
fi

if [ $# -gt 0 ]; then
  BIN=$1
  [ -x "$BIN" ] || die "$BIN is not an executable"
else
  BIN=$TARGET/release/clinic-chat
  if [ ! -x "$BIN" ] || [ -n "$(find src templates static Cargo.toml Cargo.lock -newer "$BIN" -print -quit)" ]; then
    say "building the release binary"
    cargo build --release --quiet
  fi
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/clinic-schemathesis.XXXXXX")
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cp -r corpus "$WORK/corpus"
cp tests/fixtures/clinic-details/clinic.toml "$WORK/corpus/"
TOKEN=$(python3 -c 'import secrets; print(secrets.token_hex(24))')
LOG=$WORK/server.log
# The port is the kernel's choice (port 0); the server says which in its log.
NO_COLOR=1 RUST_LOG=info CLINIC_CHAT_ADDR=127.0.0.1:0 \
  CLINIC_CHAT_CORPUS="$WORK/corpus" CLINIC_CHAT_INDEX="$WORK/index" CLINIC_CHAT_DATA="$WORK/data" \
  CLINIC_CHAT_RATE_PER_MINUTE=0 CLINIC_CHAT_CALLBACKS_PER_HOUR=0 CLINIC_CHAT_STAFF_TOKEN="$TOKEN" \
  "$BIN" serve >/dev/null 2>"$LOG" &
SERVER_PID=$!
BASE=
for _ in $(seq 1200); do
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$LOG" >&2; die "the server exited during start-up"; }
  BASE=$(grep -o 'serving http://127\.0\.0\.1:[0-9]*' "$LOG" | head -1 | sed 's/^serving //') || true
  [ -n "$BASE" ] && curl -fs -o /dev/null --max-time 1 "$BASE/healthz" && break
  sleep 0.1
done
curl -fs -o /dev/null "$BASE/healthz" || { cat "$LOG" >&2; die "the server did not become healthy"; }
say "testing $BASE against $BASE/api/openapi.json"

CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance

# One run of schemathesis over the operations the arguments select; its output is kept for
# the summary.
run() {
  local name=$1
  shift
  "$VENV/bin/schemathesis" run "$BASE/api/openapi.json" \
    --url "$BASE" \
    --header "Authorization: Bearer $TOKEN" \
    --checks "$CHECKS" \
    --max-examples "$EXAMPLES" \
    --seed "$SEED" \
    --max-redirects 0 \
    --request-timeout 20 \
    --workers 2 \
    --output-truncate false \
    "$@" 2>&1 | tee "$WORK/$name.out"
  return "${PIPESTATUS[0]}"
}

status=0
# Signing in with the wrong tokens that schemathesis makes up locks the client out (429), which
# would hide every staff endpoint behind that 429; so sign-in is tested on its own, last.
run main --exclude-path /staff/login || status=$?
run login --include-path /staff/login || status=$?

if [ "$status" -ne 0 ]; then
  say "--- server log"
  tail -50 "$LOG" >&2
fi
# What the server answered, by route: the statuses seen and how often (the probes with methods
# a route does not take, 405, and CORS preflights are left out).
say "--- responses by route, from the server's log"
sed -n 's/.*method=\([A-Z]*\) route="\([^"]*\)".*status=\([0-9]*\).*/\1 \2 \3/p' "$LOG" |
  grep -v -e ' 405$' -e '^OPTIONS ' | sort | uniq -c |
  awk '{ key = $2 " " $3; line[key] = line[key] " " $4 "x" $1 } END { for (k in line) print "  " k ":" line[k] }' |
  sort >&2
say "--- summary"
for name in main login; do
  # Schemathesis closes its report with one line of counts between '=' rules.
  grep -E '^=+ .* in [0-9.]+s =+$' "$WORK/$name.out" | tail -1 | sed "s/^/$name: /" >&2 || true
done
exit "$status"
