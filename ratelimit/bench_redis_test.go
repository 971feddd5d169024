package ratelimit

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seed1f3c5038/mw/internal/redistest"
)

// latencies runs op b.N times and reports the median as p50-ns, next to
// ns/op.
func latencies(b *testing.B, op func()) {
	ds := make([]time.Duration, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range ds {
		start := time.Now()
		op()
		ds[i] = time.Since(start)
	}
	b.StopTimer()
	slices.Sort(ds)
	b.ReportMetric(float64(ds[len(ds)/2]), "p50-ns")
}

// BenchmarkRedis compares, on one client of one redis-server on loopback:
// a bare PING, the middleware's allowed path (one EVALSHA) with one and
// three windows, fixed and sliding, and its denied path (one EVALSHA too), next to the memory
// store's denied path.
//
//	go test -run '^$' -bench Redis -benchmem ./ratelimit/
func BenchmarkRedis(b *testing.B) {
	srv := redistest.Start(b)
	client := srv.Client(b, func(o *redis.Options) { o.ContextTimeoutEnabled = true })
	ctx := context.Background()
	if err := client.Ping(ctx).Err(); err != nil {
		b.Fatal(err)
	}
	w := &discardWriter{h: make(http.Header, 8)}
	serve := func(h http.Handler, r *http.Request) func() {
		return func() {
			clear(w.h)
			h.ServeHTTP(w, r)
		}
	}

	b.Run("ping", func(b *testing.B) {
		latencies(b, func() { client.Ping(ctx) })
	})
	b.Run("allowed", func(b *testing.B) {
		l := newLimiter(b, "1000000000-H", WithRedis(client), WithName("bench"))
		h := l.Middleware(benchHandler)
		serve(h, benchRequest())() // load the scripts
		latencies(b, serve(h, benchRequest()))
	})
	b.Run("allowed-3windows", func(b *testing.B) {
		l := newLimiter(b, "1000000000-S, 1000000000-M, 1000000000-H", WithRedis(client), WithName("bench3"))
		h := l.Middleware(benchHandler)
		serve(h, benchRequest())() // load the script
		latencies(b, serve(h, benchRequest()))
	})
	b.Run("allowed-3windows-sliding", func(b *testing.B) {
		l := newLimiter(b, "1000000000-S, 1000000000-M, 1000000000-H", WithRedis(client), WithName("bench3s"), WithAlgorithm(SlidingWindow))
		h := l.Middleware(benchHandler)
		serve(h, benchRequest())() // load the script
		latencies(b, serve(h, benchRequest()))
	})
	b.Run("denied", func(b *testing.B) {
		l := newLimiter(b, "1-H", WithRedis(client), WithName("bench-denied"))
		h := l.Middleware(benchHandler)
		r := benchRequest()
		serve(h, r)()
		serve(h, r)()
		latencies(b, serve(h, r))
		if w.code != 429 {
			b.Fatalf("status %d", w.code)
		}
	})
	b.Run("denied-memory", func(b *testing.B) {
		l := newLimiter(b, "1-H")
		h := l.Middleware(benchHandler)
		r := benchRequest()
		serve(h, r)()
		latencies(b, serve(h, r))
	})
}

// BenchmarkRedisServerTime is the decision's cost to Redis itself, which
// bounds what one Redis can serve: takeScript run pipelined on one client,
// reported as redis-us/op from INFO commandstats (usec_per_call of
// EVALSHA), with one and three windows, fixed and sliding.
//
//	go test -run '^$' -bench RedisServerTime ./ratelimit/
func BenchmarkRedisServerTime(b *testing.B) {
	srv := redistest.Start(b)
	client := srv.Client(b)
	ctx := context.Background()
	for _, rates := range []string{"1000000000-H", "1000000000-S, 1000000000-M, 1000000000-H"} {
		for _, alg := range []Algorithm{FixedWindow, SlidingWindow} {
			ps, err := parseRates(rates)
			if err != nil {
				b.Fatal(err)
			}
			var ws []window
			for _, r := range ps {
				ws = append(ws, newWindow("bench", r, len(ps) > 1))
			}
			s := newRedisStore(client, "bench", ws, alg)
			keys := []string{s.key([]byte("192.0.2.10"))}
			b.Run(strconv.Itoa(len(ws))+"windows-"+alg.String(), func(b *testing.B) {
				if err := takeScript.Run(ctx, client, keys, 1, "0", s.config).Err(); err != nil {
					b.Fatal(err)
				}
				client.ConfigResetStat(ctx)
				b.ResetTimer()
				for done := 0; done < b.N; {
					pipe := client.Pipeline()
					for j := 0; j < 100 && done < b.N; j++ {
						takeScript.EvalSha(ctx, pipe, keys, 1, "0", s.config)
						done++
					}
					if _, err := pipe.Exec(ctx); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				info := client.Info(ctx, "commandstats").Val()
				_, stat, _ := strings.Cut(info, "cmdstat_evalsha:")
				_, usec, _ := strings.Cut(stat, "usec_per_call=")
				usec, _, _ = strings.Cut(usec, ",")
				v, err := strconv.ParseFloat(usec, 64)
				if err != nil {
					b.Fatalf("commandstats: %q", stat)
				}
				b.ReportMetric(v, "redis-us/op")
			})
		}
	}
}
