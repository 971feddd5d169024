#!/usr/bin/env bash
# Reproduces BENCHMARKS.md: every in-process comparison (-benchmem,
# -count 10, summarised with benchstat) and the end-to-end wrk run.
# Output goes to bench/results/. Needs wrk and redis-server (Debian
# packages) for the end-to-end and Redis parts; installs benchstat.
#
#   bench/run.sh            # everything (about 22 minutes on 2 cores)
#   COUNT=3 bench/run.sh    # quicker, noisier
#   bench/run.sh overload   # only the goodput-under-overload run (about 2 minutes; needs gnuplot for the plot)
#   bench/run.sh e2e        # only the end-to-end wrk rounds (ROUNDS=3 DURATION=6s: about 7 minutes)
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
# cpu_ticks is the user plus system CPU time process pid has used, in
# clock ticks (proc(5), /proc/pid/stat fields 14 and 15).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# e2e_spread prints the median, smallest and largest of column col of
# e2e.dat over the rounds of one log and stack, nothing if there are none.
e2e_spread() {
  awk -v l="$1" -v s="$2" -v c="$3" '$1 == l && $2 == s { print $c }' "$out/e2e.dat" | sort -n |
    awk '{ a[NR] = $1 } END { if (NR) print a[int((NR+1)/2)], a[1], a[NR] }'
}
# End to end (cmd/stackserver under wrk -t1 -c32 on loopback): bare, ours
# with timeout.Context, ours with timeout.New, and chi's stack, each
# logging to io.Discard and then to a real file (ours through
# logging.BufferedWriter, chi's a write per line); ROUNDS interleaved rounds
# of DURATION each, so a noisy minute hurts every stack alike. e2e.md gets
# the median and range of requests/s per stack and the median of the
# server's CPU time per request (wrk shares the cores, so requests/s also
# moves with the CPU wrk gets; CPU per request does not); each stack's
# server CPU profile of its last round is kept as cpu-<stack>-<log>.prof.
e2e() {
  echo "== end to end with wrk (-t1 -c32), ${ROUNDS:-3} rounds of ${DURATION:-6s}"
  command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk"; exit 1; }
  go build -o "$out/stackserver" ./cmd/stackserver
  : > "$out/wrk.txt"
  local port=19080 stacks="bare ours ours-new chi"
  for log in discard file; do
    for round in $(seq "${ROUNDS:-3}"); do
      for stack in $stacks; do
        local logto=""
        [ "$log" = file ] && logto="$out/access-$stack.log" && : > "$logto"
        "$out/stackserver" -stack "$stack" -addr "127.0.0.1:$port" ${logto:+-log "$logto"} \
          -cpuprofile "$out/cpu-$stack-$log.prof" &
        local pid=$!
        for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.1; done
        wrk -t1 -c32 -d2s "http://127.0.0.1:$port/" >/dev/null # warm up
        local before after res rps cpu
        before=$(cpu_ticks "$pid")
        res=$(wrk -t1 -c32 -d"${DURATION:-6s}" "http://127.0.0.1:$port/" | tee -a "$out/wrk.txt")
        after=$(cpu_ticks "$pid")
        rps=$(awk '/Requests\/sec/ {print $2}' <<<"$res")
        # the server's own CPU time per request, in microseconds
        cpu=$(awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" '/requests in/ {printf "%.1f", t / hz * 1e6 / $1}' <<<"$res")
        echo "$log $stack $round $rps $cpu" | tee -a "$out/e2e.dat"
        kill -INT "$pid"; wait "$pid" 2>/dev/null || true
      done
    done
  done
  # median and range of requests/s per (log, stack), and the median server
  # CPU per request; then the ratios the issue asks for
  : > "$out/e2e.txt"
  for log in discard file; do
    for stack in $stacks; do
      local rps lo hi cpu
      read -r rps lo hi < <(e2e_spread "$log" "$stack" 4) || true # none: rps stays empty
      read -r cpu _ _ < <(e2e_spread "$log" "$stack" 5) || true
      [ -n "$rps" ] && printf '%s %s %.0f %.0f %.0f %s\n' "$log" "$stack" "$rps" "$lo" "$hi" "$cpu" >> "$out/e2e.txt"
    done
  done
  {
    echo "| log | stack | median req/s | range | server CPU µs/request (median) |"; echo "| --- | --- | ---: | --- | ---: |"
    awk '{ printf "| %s | %s | %s | %s-%s | %s |\n", $1, $2, $3, $4, $5, $6 }' "$out/e2e.txt"
    awk '{ m[$1 " " $2] = $3; c[$1 " " $2] = $6 } END { split("discard file", L, " ")
      for (i = 1; i <= 2; i++) { g = L[i]; if (!m[g " chi"] || !m[g " bare"]) continue
        printf "\n%s: ours/chi %.2f, ours/bare %.2f, ours-new/chi %.2f (requests/s)", g, m[g " ours"] / m[g " chi"], m[g " ours"] / m[g " bare"], m[g " ours-new"] / m[g " chi"]
        if (c[g " ours"] && c[g " ours-new"] && c[g " chi"] && c[g " bare"]) printf "; chi/ours %.2f, bare/ours %.2f, chi/ours-new %.2f (server CPU per request)", c[g " chi"] / c[g " ours"], c[g " bare"] / c[g " ours"], c[g " chi"] / c[g " ours-new"]
        print "" } }' "$out/e2e.txt"
  } > "$out/e2e.md"
  cat "$out/e2e.md"
  : > "$out/e2e-profiles.txt"
  for p in "$out"/cpu-*.prof; do
    echo "-- top of $p" >> "$out/e2e-profiles.txt"
    go tool pprof -top -nodecount 15 "$out/stackserver" "$p" 2>/dev/null >> "$out/e2e-profiles.txt" || true
  done
}
case "${1:-}" in
overload) overload; exit 0 ;;
e2e) : > "$out/e2e.dat"; e2e; exit 0 ;;
esac

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

mkdir -p "$out"; : > "$out/e2e.dat"
e2e
overload
echo "results in bench/$out/"
