#!/usr/bin/env bash
# Messages between Sealpost clients through a real relay on loopback: builds sealpost-relay and
# client-bench in release mode, starts the relay on a fresh data folder, runs the clients, stops it.
#   ./client-bench.sh [--messages N] [--pairs K]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
(cd "$root" && swift build -c release --product sealpost-relay >/dev/null)
(cd "$here" && swift build -c release --product client-bench >/dev/null)
data="$(mktemp -d)"
port=18797
"$root/.build/release/sealpost-relay" serve --listen "127.0.0.1:$port" --data "$data/relay-data" --origin "http://127.0.0.1:$port" \
    --registrations-per-hour 1000000 --uploads-per-second 1000000 > "$data/relay.log" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do grep -q "listening on" "$data/relay.log" && break; sleep 0.1; done
fingerprint="$(grep -o 'fingerprint: [0-9a-f]*' "$data/relay.log" | awk '{print $2}')"
"$here/.build/release/client-bench" --url "http://127.0.0.1:$port" --root "$fingerprint" "$@"
echo "data folder on $(df -h "$data" | tail -1 | awk '{print $1, "(" $6 ")"}'), $(nproc) cores"
