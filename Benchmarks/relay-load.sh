#!/usr/bin/env bash
# Relay load test on loopback: builds sealpost-relay and sealpost-load in release mode, starts the
# relay on a fresh data folder, runs the load generator against it, stops the relay.
#   ./relay-load.sh [sealpost-load options…]   e.g. ./relay-load.sh --seconds 20 --senders 128
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
ulimit -n 65536 || true   # for the idle-connection test; this shell and its children only

(cd "$root" && swift build -c release --product sealpost-relay >/dev/null)
(cd "$here" && swift build -c release --product sealpost-load >/dev/null)
relay="$root/.build/release/sealpost-relay"
load="$here/.build/release/sealpost-load"

data="$(mktemp -d)"
port=18787
# Everything comes from one address here: lift the per-address limits.
"$relay" serve --listen "127.0.0.1:$port" --data "$data/relay-data" --origin "http://127.0.0.1:$port" \
    --registrations-per-hour 1000000 --uploads-per-second 1000000 > "$data/relay.log" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do grep -q "listening on" "$data/relay.log" && break; sleep 0.1; done

"$load" --url "http://127.0.0.1:$port" --origin "http://127.0.0.1:$port" --relay-pid "$pid" "$@"
echo "data folder on $(df -h "$data" | tail -1 | awk '{print $1, "(" $6 ")"}'), $(nproc) cores"
