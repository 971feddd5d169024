package bench

import (
	"context"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/go-chi/httprate"
	"github.com/redis/go-redis/v9"
	"github.com/ulule/limiter/v3"
	"github.com/ulule/limiter/v3/drivers/middleware/stdlib"
	"github.com/ulule/limiter/v3/drivers/store/memory"
	redisstore "github.com/ulule/limiter/v3/drivers/store/redis"

	"github.com/seed1f3c5038/mw/internal/redistest"
	"github.com/seed1f3c5038/mw/ratelimit"
)

// The same rate everywhere: high enough that every request is allowed.
const (
	benchRate   = "1000000000-H"
	benchLimit  = 1000000000
	benchWindow = time.Hour
)

func oursRateLimit(b *testing.B, rate string, opts ...ratelimit.Option) http.Handler {
	l, err := ratelimit.New(rate, opts...)
	if err != nil {
		b.Fatal(err)
	}
	return l.Middleware(okHandler)
}

func ululeRateLimit(b *testing.B, rate string) http.Handler {
	r, err := limiter.NewRateFromFormatted(rate)
	if err != nil {
		b.Fatal(err)
	}
	// No cleaner: its goroutine would outlive the benchmark.
	store := memory.NewStoreWithOptions(limiter.StoreOptions{Prefix: "limiter"})
	return stdlib.NewMiddleware(limiter.New(store, r)).Handler(okHandler)
}

// BenchmarkRateLimit is the allowed path on the memory store, one client.
func BenchmarkRateLimit(b *testing.B) {
	b.Run("impl=ours", func(b *testing.B) {
		serve(b, oursRateLimit(b, benchRate), newRequest("GET", "/"))
	})
	b.Run("impl=ulule-stdlib", func(b *testing.B) {
		serve(b, ululeRateLimit(b, benchRate), newRequest("GET", "/"))
	})
	b.Run("impl=httprate-LimitByIP", func(b *testing.B) {
		//lint:ignore SA1019 LimitByIP is the comparison the issue asks for.
		h := httprate.LimitByIP(benchLimit, benchWindow)(okHandler)
		serve(b, h, newRequest("GET", "/"))
	})
	// httprate's algorithm is a sliding window counter too.
	b.Run("impl=ours-sliding", func(b *testing.B) {
		serve(b, oursRateLimit(b, benchRate, ratelimit.WithAlgorithm(ratelimit.SlidingWindow)), newRequest("GET", "/"))
	})
}

// BenchmarkRateLimitDenied is the denied path: one client over its limit.
func BenchmarkRateLimitDenied(b *testing.B) {
	run := func(b *testing.B, h http.Handler) {
		r := newRequest("GET", "/")
		h.ServeHTTP(newDiscardWriter(), r)
		serve(b, h, r)
	}
	b.Run("impl=ours", func(b *testing.B) { run(b, oursRateLimit(b, "1-H")) })
	b.Run("impl=ulule-stdlib", func(b *testing.B) { run(b, ululeRateLimit(b, "1-H")) })
	b.Run("impl=httprate-LimitByIP", func(b *testing.B) {
		//lint:ignore SA1019 LimitByIP is the comparison the issue asks for.
		run(b, httprate.LimitByIP(1, time.Hour)(okHandler))
	})
}

// benchRates3 is three windows, all wide enough to allow every request.
const benchRates3 = "1000000000-S, 1000000000-M, 1000000000-H"

// BenchmarkRateLimitRedis is the allowed path on one redis-server on
// loopback with 64 concurrent clients: ours with one window next to ulule's
// stdlib middleware over ulule's Redis store, and ours with three windows
// (one round trip) next to three of ulule's middlewares stacked (three).
// It is skipped without redis-server.
func BenchmarkRateLimitRedis(b *testing.B) {
	srv := redistest.Start(b)
	client := srv.Client(b, func(o *redis.Options) {
		o.ContextTimeoutEnabled = true
		o.PoolSize = 64
	})
	run := func(b *testing.B, h http.Handler) {
		h.ServeHTTP(newDiscardWriter(), newRequest("GET", "/")) // load the scripts
		b.SetParallelism(64 / runtime.GOMAXPROCS(0))
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			w := newDiscardWriter()
			req := newRequest("GET", "/")
			for pb.Next() {
				w.reset()
				h.ServeHTTP(w, req)
				if w.status != http.StatusOK {
					b.Errorf("status %d", w.status)
					return
				}
			}
		})
	}
	ours := func(b *testing.B, rates, name string) http.Handler {
		l, err := ratelimit.New(rates, ratelimit.WithRedis(client), ratelimit.WithName(name), ratelimit.WithStoreTimeout(time.Second))
		if err != nil {
			b.Fatal(err)
		}
		return l.Middleware(okHandler)
	}
	ulule := func(b *testing.B, rates ...string) http.Handler {
		var h http.Handler = okHandler
		for i, rate := range rates {
			r, err := limiter.NewRateFromFormatted(rate)
			if err != nil {
				b.Fatal(err)
			}
			store, err := redisstore.NewStoreWithOptions(client, limiter.StoreOptions{Prefix: "ulule" + strconv.Itoa(i)})
			if err != nil {
				b.Fatal(err)
			}
			h = stdlib.NewMiddleware(limiter.New(store, r)).Handler(h)
		}
		return h
	}
	b.Run("impl=ours", func(b *testing.B) { run(b, ours(b, benchRate, "bench")) })
	b.Run("impl=ulule-stdlib", func(b *testing.B) { run(b, ulule(b, benchRate)) })
	b.Run("impl=ours-3windows", func(b *testing.B) { run(b, ours(b, benchRates3, "bench3")) })
	b.Run("impl=ulule-stdlib-3stacked", func(b *testing.B) {
		run(b, ulule(b, "1000000000-S", "1000000000-M", "1000000000-H"))
	})
}

// BenchmarkRateLimitRedisLatency is one request at a time: the median of
// the allowed path with three windows (ours-p50-ns) next to the median of
// one PING on the same connection pool (ping-p50-ns), and their ratio. The
// two alternate, request by request, so that a noisy moment on a small
// machine slows both alike.
func BenchmarkRateLimitRedisLatency(b *testing.B) {
	srv := redistest.Start(b)
	client := srv.Client(b, func(o *redis.Options) { o.ContextTimeoutEnabled = true })
	ctx := context.Background()
	l, err := ratelimit.New(benchRates3, ratelimit.WithRedis(client), ratelimit.WithName("lat"))
	if err != nil {
		b.Fatal(err)
	}
	h := l.Middleware(okHandler)
	w := newDiscardWriter()
	r := newRequest("GET", "/")
	ping := func() { client.Ping(ctx) }
	ours := func() {
		w.reset()
		h.ServeHTTP(w, r)
	}
	ping()
	ours() // loads the script
	pings, ourss := make([]time.Duration, b.N), make([]time.Duration, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		ping()
		mid := time.Now()
		ours()
		pings[i], ourss[i] = mid.Sub(start), time.Since(mid)
	}
	b.StopTimer()
	if w.status != http.StatusOK {
		b.Fatalf("status %d", w.status)
	}
	slices.Sort(pings)
	slices.Sort(ourss)
	p, o := float64(pings[b.N/2]), float64(ourss[b.N/2])
	b.ReportMetric(p, "ping-p50-ns")
	b.ReportMetric(o, "ours-p50-ns")
	b.ReportMetric(o/p, "ours/ping")
}
