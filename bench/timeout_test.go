package bench

import (
	"net/http"
	"testing"
	"time"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/seed1f3c5038/mw/timeout"
)

// BenchmarkTimeout compares a deadline on a fast handler: timeout.New (own
// goroutine, answers at the deadline) against http.TimeoutHandler (same
// idea, buffers the body), and timeout.Context (deadline only) against chi's
// Timeout (the same, plus a 504 after the handler).
func BenchmarkTimeout(b *testing.B) {
	const d = time.Minute
	r := newRequest(http.MethodGet, "/")
	for _, c := range []struct {
		name string
		h    http.Handler
	}{
		{"bare", okHandler},
		{"ours-New", timeout.New(d)(okHandler)},
		{"ours-Context", timeout.Context(d)(okHandler)},
		{"net-http-TimeoutHandler", http.TimeoutHandler(okHandler, d, "timed out")},
		{"chi-Timeout", middleware.Timeout(d)(okHandler)},
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
		{"ours-New", timeout.New(time.Minute)(stream)},
		{"net-http-TimeoutHandler", http.TimeoutHandler(stream, time.Minute, "timed out")},
	} {
		b.Run(c.name, func(b *testing.B) { serve(b, c.h, r) })
	}
}
