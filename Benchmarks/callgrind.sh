#!/usr/bin/env bash
# Instructions per call, Sealpost wrapper vs direct call, counted by callgrind.
#
# Timings on shared machines are noisy; instruction counts are repeatable run to run. For each
# workload this runs `primitive-loop NAME N VARIANT` under callgrind, subtracts a run of 0
# iterations (start-up and that workload's fixtures), and divides by N. Fixtures with random keys
# (ML-KEM key generation varies) leave a small residue, well under 1 % of the handshake figures.
#
# Usage: ./callgrind.sh [N] [PREFIX]   (default N = 300; PREFIX keeps only workloads whose name
# starts with it). Needs valgrind (apt-get install valgrind).
set -euo pipefail
cd "$(dirname "$0")"
iterations=${1:-300}
prefix=${2:-}
swift build -c release --product primitive-loop >/dev/null
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# valgrind 3.19 cannot read the DWARF 5 debug information Swift 6.3 emits, so run a stripped copy.
binary="$scratch/primitive-loop"
cp "$(swift build -c release --show-bin-path)/primitive-loop" "$binary"
strip "$binary"

count() { # NAME ITERATIONS VARIANT -> total instructions (Ir)
    valgrind --tool=callgrind --callgrind-out-file="$scratch/out" "$binary" "$1" "$2" "$3" >/dev/null 2>&1
    local total
    total=$(awk '/^summary:/ { print $2 }' "$scratch/out")
    if [ -z "$total" ]; then echo "callgrind produced no count for $1 $3" >&2; exit 1; fi
    echo "$total"
}

printf '%-34s %14s %14s %8s\n' "workload" "sealpost Ir" "direct Ir" "ratio"
for name in $("$binary" list | grep "^$prefix"); do
    # Each run builds only its workload's group; a run of 0 iterations measures that start-up.
    wrapper=$(( ($(count "$name" "$iterations" wrapper) - $(count "$name" 0 wrapper)) / iterations ))
    direct=$(( ($(count "$name" "$iterations" direct) - $(count "$name" 0 direct)) / iterations ))
    ratio=$(awk -v a="$wrapper" -v b="$direct" 'BEGIN { printf "%.3f", a / b }')
    printf '%-34s %14d %14d %8s\n' "$name" "$wrapper" "$direct" "$ratio"
done
