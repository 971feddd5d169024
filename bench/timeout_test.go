package bench

import (
	"net/http"
	"testing"
	"time"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/seed1f3c5038/mw/timeout"
)

// BenchmarkTimeout compares timeout.New on a fast handler (own goroutine,
// answers at the deadline) with http.TimeoutHandler (the same idea, but it
// buffers the body).
func BenchmarkTimeout(b *testing.B) {
	const d = time.Minute
	r := newRequest(http.MethodGet, "/")
	for _, c := range []struct {
		name string
		h    http.Handler
	}{
		{"impl=ours", timeout.New(d)(okHandler)},
		{"impl=net-http-TimeoutHandler", http.TimeoutHandler(okHandler, d, "timed out")},
		{"impl=bare", okHandler},
	} {
		b.Run(c.name, func(b *testing.B) { serve(b, c.h, r) })
	}
}

// BenchmarkTimeoutContext compares the deadline-only middlewares:
// timeout.Context and chi's Timeout (which also writes a 504 after the
// handler returns, even over a response already sent).
func BenchmarkTimeoutContext(b *testing.B) {
	const d = time.Minute
	r := newRequest(http.MethodGet, "/")
	for _, c := range []struct {
		name string
		h    http.Handler
	}{
		{"impl=ours", timeout.Context(d)(okHandler)},
		{"impl=chi", middleware.Timeout(d)(okHandler)},
	} {
		b.Run(c.name, func(b *testing.B) { serve(b, c.h, r) })
	}
}

// BenchmarkTimeoutStream streams 1 MiB in 32 KiB writes: B/op shows what
// each middleware holds per byte (http.TimeoutHandler buffers the body).
func BenchmarkTimeoutStream(b *testing.B) {
	chunk := make([]byte, 32<<10)
	stream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for range 32 {
			w.Write(chunk)
		}
	})
	r := newRequest(http.MethodGet, "/")
	for _, c := range []struct {
		name string
		h    http.Handler
	}{
		{"impl=ours", timeout.New(time.Minute)(stream)},
		{"impl=net-http-TimeoutHandler", http.TimeoutHandler(stream, time.Minute, "timed out")},
	} {
		b.Run(c.name, func(b *testing.B) { serve(b, c.h, r) })
	}
}
