#!/usr/bin/env bash
# run-demo.sh - watch odmr-fetch collect the mail waiting at an ODMR provider.
#
# Usage: tests/demo/run-demo.sh [BUILD_DIR]        (default: ./build)
#
# Makes a throwaway test CA under BUILD_DIR/demo, starts the fake provider
# (tests/provider/odmr_provider.py, which talks like Exim 4.99) with four
# messages queued for example.org and example.com, runs BUILD_DIR/odmr-fetch
# against it over STARTTLS, then lists what arrived in BUILD_DIR/demo/Maildir.
# Exits with odmr-fetch's status when that is not 0.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
provider_dir=$here/../provider
build=${1:-./build}
odmr_fetch=$build/odmr-fetch
demo=$build/demo
python=${PYTHON3:-python3}

if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
die() { echo "run-demo: $*" >&2; exit 2; }

[ -x "$odmr_fetch" ] || die "$odmr_fetch not found: build it first (cmake --build $build)"
command -v openssl >/dev/null || die "the openssl command is needed to make the test CA"

mkdir -p "$demo"
rm -rf "$demo/Maildir" "$demo/provider-state.json" "$demo/provider.log"

step "A test CA and a certificate for localhost (in $demo/ca)"
"$python" "$provider_dir/make_test_ca.py" "$demo/ca" >/dev/null
(umask 077 && printf '%s\n' 'demo password' >"$demo/password")
echo "   password file: $demo/password (mode 600)"

step "The fake ODMR provider, with 4 messages for example.org and example.com"
coproc PROVIDER {
  exec "$python" "$provider_dir/odmr_provider.py" --listen 127.0.0.1:0 \
    --cert "$demo/ca/server.pem" --key "$demo/ca/server.key" \
    --user example.org --password-file "$demo/password" \
    --domains example.org,example.com \
    --messages 4 --to alice@example.org --to bob@example.com \
    --state "$demo/provider-state.json" --log "$demo/provider.log"
}
# shellcheck disable=SC2153  # PROVIDER_PID is set by coproc
provider_pid=$PROVIDER_PID
trap 'kill "$provider_pid" 2>/dev/null || true' EXIT
# The provider prints "odmr_provider listening on HOST:PORT" once it accepts.
read -r -t 10 -u "${PROVIDER[0]}" ready || die "the provider did not start"
port=${ready##*:}
echo "   listening on 127.0.0.1:$port (transcripts go to $demo/provider.log)"

step "odmr-fetch: STARTTLS, AUTH, ATRN, then it receives the mail"
command=("$odmr_fetch" -v --host "localhost:$port" --tls-ca-file "$demo/ca/ca.pem"
         --user example.org --password-file "$demo/password"
         --deliver "maildir:$demo/Maildir" example.org example.com)
echo "   \$ ${command[*]}"
status=0
"${command[@]}" || status=$?

kill "$provider_pid" 2>/dev/null || true
wait "$provider_pid" 2>/dev/null || true
trap - EXIT

step "What arrived in $demo/Maildir"
"$python" - "$demo/Maildir" "$demo/provider-state.json" <<'EOF'
import json, mailbox, os, sys
from email.header import decode_header, make_header

maildir, state_file = sys.argv[1], sys.argv[2]
def text(value):
    return str(make_header(decode_header(value or "")))
if os.path.isdir(maildir):
    box = mailbox.Maildir(maildir, factory=None, create=False)
    for number, message in enumerate(sorted(box, key=lambda m: m.get_date()), 1):
        print(f"   {number}. From:    {text(message['From'])}")
        print(f"      To:      {text(message['To'])}")
        print(f"      Subject: {text(message['Subject'])}")
    print(f"   {len(box)} message(s) in the Maildir")
else:
    print("   (no Maildir was made)")
state = json.load(open(state_file))
print(f"   the provider: {len(state['delivered'])} delivered, {len(state['queued'])} "
      f"still queued, {state['sessions']} session(s)")
EOF

case $status in
  0) meaning="mail delivered" ;;
  1) meaning="no mail was waiting" ;;
  *) meaning="failed; see the messages above" ;;
esac
step "odmr-fetch exit status: $status ($meaning)"
exit "$status"
