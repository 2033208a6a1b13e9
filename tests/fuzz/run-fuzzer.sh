#!/bin/sh
# Runs one fuzz target for a bounded time on a scratch copy of its seed
# corpus and prints how many inputs it executed. Usage: run-fuzzer.sh BINARY SEEDS SECONDS
set -eu
binary=$1 seeds=$2 seconds=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$binary" -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 \
    -artifact_prefix="$work/" "$work" "$seeds" 2>"$work/log" || {
    tail -n 40 "$work/log"
    for crash in "$work"/crash-* "$work"/leak-* "$work"/oom-* "$work"/timeout-*; do
        [ -f "$crash" ] && { echo "failing input ($crash):"; od -c "$crash" | head -20; }
    done
    exit 1
}
grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$work/log"
