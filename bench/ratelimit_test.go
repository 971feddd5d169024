package bench

import (
	"net/http"
	"runtime"
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

func oursRateLimit(b *testing.B, rate string) http.Handler {
	l, err := ratelimit.New(rate)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
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

// BenchmarkRateLimitRedis is the allowed path on one redis-server on
// loopback with 64 concurrent clients, ours next to ulule's stdlib
// middleware over ulule's Redis store. It is skipped without redis-server.
func BenchmarkRateLimitRedis(b *testing.B) {
	srv := redistest.Start(b)
	client := srv.Client(b, func(o *redis.Options) {
		o.ContextTimeoutEnabled = true
		o.PoolSize = 64
	})
	r, err := limiter.NewRateFromFormatted(benchRate)
	if err != nil {
		b.Fatal(err)
	}
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
	b.Run("impl=ours", func(b *testing.B) {
		l, err := ratelimit.New(benchRate, ratelimit.WithRedis(client), ratelimit.WithName("bench"), ratelimit.WithStoreTimeout(time.Second))
		if err != nil {
			b.Fatal(err)
		}
		defer l.Close()
		run(b, l.Middleware(okHandler))
	})
	b.Run("impl=ulule-stdlib", func(b *testing.B) {
		store, err := redisstore.NewStoreWithOptions(client, limiter.StoreOptions{Prefix: "ulule"})
		if err != nil {
			b.Fatal(err)
		}
		run(b, stdlib.NewMiddleware(limiter.New(store, r)).Handler(okHandler))
	})
}
