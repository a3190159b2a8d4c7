#!/usr/bin/env bash
# The Debian package, tried as a clinic would use it (CI runs this after `cargo test`, as root
# on a fresh Debian machine): build it with cargo-deb, install it with apt, and check that
#   - the binary, settings file (a conffile, root-only), unit and shipped corpus are in place;
#   - reinstalling (as an upgrade does) leaves the clinic's corpus folder alone;
#   - the installed `clinic-chat check`, run with the settings file, names the placeholders,
#     and --strict fails on them;
#   - the installed binary serves the installed corpus with the settings file's values (on a
#     free loopback port, index and data in a scratch folder) and answers a question;
#   - `systemd-analyze verify` passes on the installed unit, and its hardening scores "OK";
#   - where systemd runs the machine, the service the package started answers.
# Needs: cargo-deb (installed when missing), apt-get, curl, systemd-analyze (package systemd).
set -euo pipefail
cd "$(dirname "$0")/.."

ENV_FILE=/etc/clinic-chat/clinic-chat.env
CORPUS=/var/lib/clinic-chat/corpus
SHIPPED_ARTICLE=mesotherapy-for-flawless-skin.txt
# cargo deb writes where cargo builds.
DEBIAN=${CARGO_TARGET_DIR:-target}/debian

fail() {
  echo "package-check: FAILED: $*" >&2
  exit 1
}

if ! command -v cargo-deb >/dev/null 2>&1; then
  echo "== cargo install cargo-deb --locked"
  cargo install cargo-deb --locked
fi

echo "== cargo deb"
rm -f "$DEBIAN"/clinic-chat_*.deb
cargo deb
deb=$(realpath "$DEBIAN"/clinic-chat_*.deb)

echo "== apt-get install $deb"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" >/dev/null
dpkg -s clinic-chat | grep -q '^Status: install ok installed' || fail "not installed"

echo "== installed files"
for path in /usr/bin/clinic-chat "$ENV_FILE" "/usr/share/clinic-chat/corpus/$SHIPPED_ARTICLE" \
  "$CORPUS/$SHIPPED_ARTICLE" /usr/share/doc/clinic-chat/examples/Caddyfile \
  /usr/share/doc/clinic-chat/examples/nginx.conf; do
  [ -e "$path" ] || fail "$path is missing"
done
unit=$(dpkg -L clinic-chat | grep '/systemd/system/clinic-chat\.service$') ||
  fail "no clinic-chat.service in the package"
[ "$(stat -c %a "$ENV_FILE")" = 600 ] || fail "$ENV_FILE is not mode 600"
dpkg-query -W -f='${Conffiles}\n' clinic-chat | grep -q " $ENV_FILE " ||
  fail "$ENV_FILE is not a conffile"

echo "== an upgrade leaves the clinic's corpus alone"
echo "An article of the clinic's own." >"$CORPUS/our-own-article.txt"
echo "Edited by the clinic." >>"$CORPUS/$SHIPPED_ARTICLE"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --reinstall "$deb" >/dev/null
[ -e "$CORPUS/our-own-article.txt" ] || fail "the reinstall removed the clinic's article"
tail -n 1 "$CORPUS/$SHIPPED_ARTICLE" | grep -q 'Edited by the clinic' ||
  fail "the reinstall overwrote the clinic's edit"
rm "$CORPUS/our-own-article.txt"
cp "/usr/share/clinic-chat/corpus/$SHIPPED_ARTICLE" "$CORPUS/$SHIPPED_ARTICLE"

# The settings as the unit has them: the settings file, read the way the README tells the
# clinic to (and what systemd reads: VARIABLE=value lines, # comments, double quotes).
with_settings() {
  env -i PATH=/usr/bin:/bin sh -c 'set -a; . "$0"; set +a; exec "$@"' "$ENV_FILE" "$@"
}

echo "== clinic-chat check (the installed binary, the settings file)"
checked=$(with_settings clinic-chat check) || fail "check failed on the packaged settings"
echo "$checked" | grep -q "CLINIC_CHAT_CORPUS *$CORPUS  \[environment\]" ||
  fail "check does not show the settings file's corpus: $checked"
echo "$checked" | grep -q '^warning: CLINIC_CHAT_CLINIC_PHONE is a placeholder' ||
  fail "check does not warn about the placeholder phone: $checked"
if with_settings clinic-chat check --strict >/dev/null 2>&1; then
  fail "check --strict passed with placeholder contact details"
fi

echo "== clinic-chat serve (the installed binary and corpus, the settings file)"
scratch=$(mktemp -d)
server=
# A server already stopped is no failure here: under set -e a failed kill would be the
# script's exit status.
trap 'if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi; rm -rf "$scratch"' EXIT
# exec all the way down, so that $! is the server itself and the SIGTERM below reaches it.
(exec env -i PATH=/usr/bin:/bin sh -c 'set -a; . "$0"; set +a; exec "$@"' "$ENV_FILE" \
  env CLINIC_CHAT_ADDR=127.0.0.1:0 CLINIC_CHAT_INDEX="$scratch/index" \
  CLINIC_CHAT_DATA="$scratch/data" RUST_LOG=info clinic-chat serve) 2>"$scratch/log" &
server=$!
base=
for _ in $(seq 1 300); do
  base=$(grep -o 'serving http://[0-9.:]*' "$scratch/log" | head -n 1 | cut -d' ' -f2) || true
  [ -n "$base" ] && break
  kill -0 "$server" 2>/dev/null || fail "serve exited: $(cat "$scratch/log")"
  sleep 0.1
done
[ -n "$base" ] || fail "serve did not start: $(cat "$scratch/log")"
reply=$(curl -sS --fail "$base/api/chat" -H 'content-type: application/json' \
  -d '{"message":"How many sessions do I need for hair loss?"}')
echo "$reply" | grep -q '"kind":"answer"' || fail "no answer: $reply"
echo "$reply" | grep -q '6-8 treatments' || fail "not the shipped article's answer: $reply"
kill -TERM "$server"
wait "$server" || fail "serve did not stop cleanly on SIGTERM: $(cat "$scratch/log")"
server=
echo "answered: $(echo "$reply" | grep -o '"answer":"[^"]*"' | cut -c1-100)…"

echo "== systemd-analyze verify $unit"
systemd-analyze verify "$unit"
echo "== systemd-analyze security (offline)"
# Exposure 0 is best, 10 worst; the unit scores 1.2. --threshold counts tenths: a change that
# weakens the sandbox past 2.0 fails here.
systemd-analyze security --offline=yes --threshold=20 "$unit" | tail -n 1

if [ -d /run/systemd/system ]; then
  echo "== the service the package started (systemd runs this machine)"
  for _ in $(seq 1 100); do
    curl -sS --fail http://127.0.0.1:3000/healthz >/dev/null 2>&1 && break
    sleep 0.2
  done
  systemctl is-active --quiet clinic-chat || fail "clinic-chat.service is not active: $(systemctl status clinic-chat --no-pager || true)"
  curl -sS --fail http://127.0.0.1:3000/healthz >/dev/null || fail "the service does not answer"
else
  echo "(systemd does not run this machine: the unit is verified, not started)"
fi
echo "package-check: ok"
