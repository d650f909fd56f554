#!/usr/bin/env bash
# make bench: runs the benchmarks behind the README's performance table and prints one
# table of medians, each next to the machine's own raw limit measured in the same run
# (raw Badger fsync'd batch writes, raw MQTT QoS 1 publish of the same bytes). The
# table is also written between the bench markers of README.md.
#
#   COUNT=5        runs of each benchmark (the table shows medians)
#   BENCHTIME=1s   go test -benchtime of each run
#   README=README.md  the file to update; README= (empty) leaves it alone
#   BENCH_LOG=...  where the raw go test output goes
#
# The list of benchmarks, the rows and the targets live in deploy/bench/table.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

GO=${GO:-go}
COUNT=${COUNT:-5}
BENCHTIME=${BENCHTIME:-1s}
README=${README-README.md}
BENCH_LOG=${BENCH_LOG:-${TMPDIR:-/tmp}/lotsense-bench.txt}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$GO" build -o "$tmp/table" ./deploy/bench/table

args=(-go "$GO" -count "$COUNT" -benchtime "$BENCHTIME" -log "$BENCH_LOG")
if [ -n "$README" ]; then
	args+=(-readme "$README")
fi
start=$(date +%s)
"$tmp/table" "${args[@]}"
echo "bench: $(( $(date +%s) - start )) s; raw output in $BENCH_LOG" >&2
