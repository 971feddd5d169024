#!/usr/bin/env bash
# Reproduces BENCHMARKS.md: every in-process comparison (-benchmem,
# -count 10, summarised with benchstat) and the end-to-end wrk run.
# Output goes to bench/results/. Needs wrk and redis-server (Debian
# packages) for the end-to-end and Redis parts; installs benchstat.
#
#   bench/run.sh            # everything (about 22 minutes on 2 cores)
#   COUNT=3 bench/run.sh    # quicker, noisier
#   bench/run.sh overload   # only the goodput-under-overload run (about 2 minutes; needs gnuplot for the plot)
set -euo pipefail
cd "$(dirname "$0")"
COUNT=${COUNT:-10}
out=results
mkdir -p "$out"

# Goodput under overload (cmd/overload): a backend of fixed capacity behind
# no limiter, chi's Throttle and ours, at 0.5x to 4x its capacity, on
# loopback; writes overload.md (the table), overload.dat and overload.png.
overload() {
  echo "== goodput under overload"
  go run ./cmd/overload -out "$out" | tee "$out/overload.txt"
  if command -v gnuplot >/dev/null; then
    gnuplot -e "data='$out/overload.dat'; out='$out/overload.png'" cmd/overload/plot.gp
  else
    echo "gnuplot is missing (apt-get install gnuplot): no overload.png"
  fi
}
if [ "${1:-}" = overload ]; then
  overload
  exit 0
fi

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
overload
echo "results in bench/$out/"
