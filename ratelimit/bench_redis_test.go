package ratelimit

import (
	"context"
	"net/http"
	"slices"
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
// three windows, and its denied path (one EVALSHA too), next to the memory
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
