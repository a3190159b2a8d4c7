#!/usr/bin/env bash
# Load test of the release server on loopback (issue 6, measuring part).
#
#   scripts/load.sh                 # shipped corpus, about 1.5 minutes
#   LOAD_CORPUS=/tmp/gen10k scripts/load.sh
#   LOAD_BIN=/path/to/other/clinic-chat scripts/load.sh   # measure that binary, unbuilt
#   LOAD_QUESTIONS=/tmp/messages.txt scripts/load.sh     # chat with these messages, one a line
#
# Starts the release binary on a free loopback port with rate limiting off, its index and data
# in a temporary folder, and measures in one run:
#   1. time to healthy: a first start that builds the index, then a start with the index built;
#   2. GET /healthz and POST /api/chat (benches/support/questions.txt in turn) at LOAD_CONNECTIONS
#      connections, alternating healthz, chat, healthz, chat (LOAD_PHASE_SECONDS each):
#      requests/s, p50, p99 of each and the chat/healthz ratio;
#   3. chat at a fixed rate (LOAD_RATE requests/s, default half the measured chat capacity) with
#      latency correction: the p99 a visitor would feel at that load;
#   4. the server's resident memory (VmRSS, and the peak VmHWM) after the load.
# Every phase is bounded in time; the server is stopped on exit, whatever happens.
#
# Needs oha (installed with `cargo install oha --locked` when missing), curl and python3.
# The machine's other work shows in the numbers: compare ratios from one run, not runs.

set -euo pipefail
cd "$(dirname "$0")/.."

CORPUS=${LOAD_CORPUS:-corpus}
CONNECTIONS=${LOAD_CONNECTIONS:-32}
PHASE=${LOAD_PHASE_SECONDS:-10}
FIXED=${LOAD_FIXED_SECONDS:-15}
RATE=${LOAD_RATE:-}
STARTUP_TIMEOUT=${LOAD_STARTUP_TIMEOUT:-120}

say() { printf '%s\n' "$*" >&2; }
die() { say "load.sh: $*"; exit 1; }

command -v curl >/dev/null || die "curl is required"
command -v python3 >/dev/null || die "python3 is required (to read oha's JSON)"
if ! command -v oha >/dev/null; then
  if [ -x "$HOME/.cargo/bin/oha" ]; then
    PATH="$HOME/.cargo/bin:$PATH"
  else
    say "oha is missing; installing it with cargo install oha --locked"
    cargo install oha --locked >&2 || die "could not install oha"
    PATH="$HOME/.cargo/bin:$PATH"
  fi
fi
[ -d "$CORPUS" ] || die "no corpus folder $CORPUS"

if [ -n "${LOAD_BIN:-}" ]; then
  # Another build to compare with (say, the last release's binary): measured as it is.
  BIN=$LOAD_BIN
  [ -x "$BIN" ] || die "LOAD_BIN $BIN is not an executable"
else
  say "building the release binary"
  cargo build --release --quiet
  BIN=${CARGO_TARGET_DIR:-target}/release/clinic-chat
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/clinic-load.XXXXXX")
SERVER_PID=
stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=
}
cleanup() {
  stop_server
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ms() { date +%s%3N; }

# Starts the server on a free loopback port (the kernel picks it: port 0), waits until /healthz
# answers 200, and sets BASE and STARTUP_MS (spawn to healthy, as a client sees it).
start_server() {
  local log=$1 started deadline
  : >"$log"
  started=$(now_ms)
  NO_COLOR=1 CLINIC_CHAT_RATE_PER_MINUTE=0 CLINIC_CHAT_ADDR=127.0.0.1:0 \
    CLINIC_CHAT_CORPUS="$CORPUS" CLINIC_CHAT_INDEX="$WORK/index" CLINIC_CHAT_DATA="$WORK/data" \
    "$BIN" serve >/dev/null 2>"$log" &
  SERVER_PID=$!
  deadline=$(($(now_ms) + STARTUP_TIMEOUT * 1000))
  BASE=
  while [ -z "$BASE" ]; do
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$log" >&2; die "the server exited during start-up"; }
    [ "$(now_ms)" -lt "$deadline" ] || die "the server did not start within ${STARTUP_TIMEOUT}s"
    BASE=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -o 'serving http://127\.0\.0\.1:[0-9]*' | head -1 | sed 's/^serving //') || true
    [ -n "$BASE" ] || sleep 0.005
  done
  until curl -fs -o /dev/null --max-time 1 "$BASE/healthz"; do
    [ "$(now_ms)" -lt "$deadline" ] || die "/healthz did not answer within ${STARTUP_TIMEOUT}s"
    sleep 0.005
  done
  STARTUP_MS=$(($(now_ms) - started))
}

# The chat bodies oha rotates through, one JSON body a line: the benchmarks' questions, or
# LOAD_QUESTIONS (real visitors' messages, say, which are longer and messier than tidy ones).
QUESTIONS=${LOAD_QUESTIONS:-benches/support/questions.txt}
[ -f "$QUESTIONS" ] || die "no $QUESTIONS"
BODIES="$WORK/bodies.jsonl"
python3 - "$QUESTIONS" "$BODIES" <<'EOF'
import json, sys
with open(sys.argv[1]) as lines, open(sys.argv[2], "w") as out:
    for line in lines:
        line = line.strip()
        if line and not line.startswith("#"):
            out.write(json.dumps({"message": line}) + "\n")
EOF

# One oha run; its JSON summary goes to $1.
run_oha() {
  local out=$1 seconds=$2
  shift 2
  timeout $((seconds + 30)) oha --no-tui --output-format json -o "$out" -z "${seconds}s" \
    -c "$CONNECTIONS" "$@" >/dev/null
}
run_health() { run_oha "$1" "$PHASE" "$BASE/healthz"; }
run_chat() {
  local out=$1 seconds=$2
  shift 2
  run_oha "$out" "$seconds" -m POST -T application/json -Z "$BODIES" "$@" "$BASE/api/chat"
}

# Prints one line per run and a combined line per endpoint; leaves CHAT_RPS in $WORK/chat_rps.
summarise() {
  python3 - "$WORK" "$@" <<'EOF'
import json, os, sys
work, runs = sys.argv[1], sys.argv[2:]
def load(path):
    with open(path) as f:
        return json.load(f)
def ok(d):
    return sum(n for code, n in d.get("statusCodeDistribution", {}).items() if code.startswith("2"))
def pct(d, p):
    v = d["latencyPercentiles"].get(p)
    return float("nan") if v is None else v * 1000
totals = {}
for run in runs:
    name, path = run.split("=", 1)
    d = load(path)
    s = d["summary"]
    codes = d.get("statusCodeDistribution", {})
    errors = d.get("errorDistribution", {})
    bad = {k: v for k, v in codes.items() if not k.startswith("2")}
    print(f"  {name:<10} {s['requestsPerSec']:9.0f} req/s  p50 {pct(d, 'p50'):7.2f} ms  p99 {pct(d, 'p99'):7.2f} ms"
          f"  ({ok(d)} ok{', other statuses ' + str(bad) if bad else ''}{', errors ' + str(errors) if errors else ''})")
    kind = name.rstrip("0123456789")
    t = totals.setdefault(kind, {"ok": 0, "secs": 0.0, "p50": [], "p99": []})
    t["ok"] += ok(d)
    t["secs"] += s["total"]
    t["p50"].append((pct(d, "p50"), ok(d)))
    t["p99"].append(pct(d, "p99"))
print()
rps = {}
for kind, t in totals.items():
    rps[kind] = t["ok"] / t["secs"] if t["secs"] else 0.0
    weight = sum(w for _, w in t["p50"]) or 1
    p50 = sum(v * w for v, w in t["p50"]) / weight
    print(f"  {kind:<10} {rps[kind]:9.0f} req/s  p50 {p50:7.2f} ms  p99 {max(t['p99']):7.2f} ms  (all rounds; p50 weighted, p99 worst round)")
if "healthz" in rps and "chat" in rps and rps["healthz"]:
    print(f"\n  chat/healthz throughput ratio: {rps['chat'] / rps['healthz']:.3f}"
          f"  (healthz is {rps['healthz'] / max(rps['chat'], 1e-9):.1f}x chat)")
with open(os.path.join(work, "chat_rps"), "w") as f:
    f.write(str(int(rps.get("chat", 0))))
EOF
}

articles=$(find "$CORPUS" -maxdepth 1 -type f \( -name '*.txt' -o -name '*.md' -o -name '*.html' -o -name '*.htm' \) | wc -l)
echo "clinic-chat load test: corpus $CORPUS ($articles articles), $CONNECTIONS connections, $(nproc) cores"
echo "oha $(oha --version | awk '{print $2}'); $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (dirty tree)')"
echo

start_server "$WORK/server-cold.log"
echo "start-up, building the index:      $STARTUP_MS ms to healthy"
stop_server
start_server "$WORK/server-warm.log"
ready=$(sed 's/\x1b\[[0-9;]*m//g' "$WORK/server-warm.log" | grep -o 'ready_ms=[0-9]*' | head -1 | cut -d= -f2 || true)
echo "start-up, existing index:          $STARTUP_MS ms to healthy (the server logs ready_ms=${ready:-?})"
rss_idle=$(awk '/^VmRSS/ {print $2}' "/proc/$SERVER_PID/status")
echo

# A short warm-up so first-touch page faults and lazy statics are not in the first round.
run_oha "$WORK/warm.json" 2 -m POST -T application/json -Z "$BODIES" "$BASE/api/chat"

echo "alternating rounds, ${PHASE}s each, $CONNECTIONS connections:"
run_health "$WORK/healthz1.json"
run_chat "$WORK/chat1.json" "$PHASE"
run_health "$WORK/healthz2.json"
run_chat "$WORK/chat2.json" "$PHASE"
summarise "healthz1=$WORK/healthz1.json" "chat1=$WORK/chat1.json" \
  "healthz2=$WORK/healthz2.json" "chat2=$WORK/chat2.json"
echo

chat_rps=$(cat "$WORK/chat_rps")
if [ -z "$RATE" ]; then
  RATE=$((chat_rps / 2))
  [ "$RATE" -ge 1 ] || RATE=1
fi
echo "fixed rate: chat at $RATE req/s for ${FIXED}s (latency-corrected: what a visitor feels):"
run_chat "$WORK/fixed.json" "$FIXED" -q "$RATE" --latency-correction
python3 - "$WORK/fixed.json" "$RATE" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
p = d["latencyPercentiles"]
s = d["summary"]
codes = d.get("statusCodeDistribution", {})
print(f"  achieved {s['requestsPerSec']:.0f} req/s of {sys.argv[2]}; p50 {p['p50']*1000:.2f} ms, "
      f"p90 {p['p90']*1000:.2f} ms, p99 {p['p99']*1000:.2f} ms, p99.9 {p['p99.9']*1000:.2f} ms, "
      f"slowest {s['slowest']*1000:.2f} ms; statuses {codes}")
EOF
echo

status=/proc/$SERVER_PID/status
echo "server memory: VmRSS $(awk '/^VmRSS/ {printf "%.1f MB", $2/1024}' "$status") after the load" \
  "($(awk -v k="$rss_idle" 'BEGIN {printf "%.1f MB", k/1024}') when it became healthy)," \
  "peak VmHWM $(awk '/^VmHWM/ {printf "%.1f MB", $2/1024}' "$status")"
