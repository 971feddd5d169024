package ratelimit

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
)

// discardWriter is a ResponseWriter that costs nothing but its header map,
// so that the benchmarks measure the limiter.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }

var benchBody = []byte("hello\n")

var benchHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Write(benchBody)
})

func benchServe(b *testing.B, h http.Handler, r *http.Request, wantCode int) {
	w := &discardWriter{h: make(http.Header, 8)}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		clear(w.h)
		w.code = 0
		h.ServeHTTP(w, r)
	}
	b.StopTimer()
	if w.code != wantCode && !(wantCode == 200 && w.code == 0) {
		b.Fatalf("status %d, want %d", w.code, wantCode)
	}
}

func benchRequest() *http.Request {
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "192.0.2.10:54321"
	return r
}

// BenchmarkMiddleware measures one client on the memory store.
func BenchmarkMiddleware(b *testing.B) {
	b.Run("allowed", func(b *testing.B) {
		l := newLimiter(b, "1000000000-S")
		benchServe(b, l.Middleware(benchHandler), benchRequest(), 200)
	})
	b.Run("allowed-ietf", func(b *testing.B) {
		l := newLimiter(b, "1000000000-S", WithHeaders(IETF))
		benchServe(b, l.Middleware(benchHandler), benchRequest(), 200)
	})
	b.Run("allowed-3-windows", func(b *testing.B) {
		l := newLimiter(b, "1000000000-S, 1000000000-M, 1000000000-H")
		benchServe(b, l.Middleware(benchHandler), benchRequest(), 200)
	})
	b.Run("denied", func(b *testing.B) {
		l := newLimiter(b, "1-H")
		h := l.Middleware(benchHandler)
		h.ServeHTTP(&discardWriter{h: http.Header{}}, benchRequest())
		benchServe(b, h, benchRequest(), 429)
	})
}

// BenchmarkParallel spreads requests over 10,000 client IPs, or sends them
// all from one (the hot key, every goroutine on one counter).
func BenchmarkParallel(b *testing.B) {
	reqs := make([]*http.Request, 10000)
	for i := range reqs {
		reqs[i] = benchRequest()
		reqs[i].RemoteAddr = "10." + strconv.Itoa(i/65536) + "." + strconv.Itoa(i/256%256) + "." + strconv.Itoa(i%256) + ":1234"
	}
	run := func(b *testing.B, pick func(n uint64) *http.Request) {
		l := newLimiter(b, "1000000000-S")
		h := l.Middleware(benchHandler)
		var seq atomic.Uint64
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			w := &discardWriter{h: make(http.Header, 8)}
			n := seq.Add(7919)
			for pb.Next() {
				n++
				clear(w.h)
				h.ServeHTTP(w, pick(n))
			}
		})
	}
	b.Run("distinct-keys", func(b *testing.B) {
		run(b, func(n uint64) *http.Request { return reqs[n%uint64(len(reqs))] })
	})
	b.Run("hot-key", func(b *testing.B) {
		run(b, func(uint64) *http.Request { return reqs[0] })
	})
}
