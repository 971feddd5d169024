#!/usr/bin/env bash
# Reproduces BENCHMARKS.md: every in-process comparison (-benchmem,
# -count 10, summarised with benchstat) and the end-to-end wrk run.
# Output goes to bench/results/. Needs wrk and redis-server (Debian
# packages) for the end-to-end and Redis parts; installs benchstat.
#
#   bench/run.sh            # everything (about 20 minutes on 2 cores)
#   COUNT=3 bench/run.sh    # quicker, noisier
set -euo pipefail
cd "$(dirname "$0")"
COUNT=${COUNT:-10}
out=results
mkdir -p "$out"

benchstat=(go run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da)

{
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "go: $(go version)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') x $(nproc)"
} > "$out/machine.txt"

echo "== in-process benchmarks (count $COUNT)"
go test -run '^$' -bench . -benchmem -count "$COUNT" -timeout 60m . | tee "$out/bench.txt"
# One small table per comparison: ours in the first column, each peer
# beside it with its difference from ours.
: > "$out/benchstat.txt"
for name in $(sed -n 's/^Benchmark\([A-Za-z0-9]*\)\/.*/\1/p' "$out/bench.txt" | uniq); do
  echo "### $name" >> "$out/benchstat.txt"
  "${benchstat[@]}" -filter ".name:$name" -col /impl "$out/bench.txt" |
    grep -vE '^(goos|goarch|pkg|cpu):|^$|geomean|^[¹²³⁴]' >> "$out/benchstat.txt"
done

echo "== end to end with wrk (-t1 -c32)"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk"; exit 1; }
go build -o "$out/stackserver" ./cmd/stackserver
: > "$out/wrk.txt"
port=19080
for stack in bare ours chi; do
  "$out/stackserver" -stack "$stack" -addr "127.0.0.1:$port" &
  pid=$!
  for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.1; done
  wrk -t1 -c32 -d3s "http://127.0.0.1:$port/" >/dev/null # warm up
  echo "-- $stack" | tee -a "$out/wrk.txt"
  wrk -t1 -c32 -d10s "http://127.0.0.1:$port/" | tee -a "$out/wrk.txt"
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
echo "results in bench/$out/"
