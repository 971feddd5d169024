package bench

import (
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/seed1f3c5038/mw/timeout"
)

// BenchmarkStack serves one GET through each full stack, in process.
func BenchmarkStack(b *testing.B) {
	r := newRequest(http.MethodGet, "/")
	b.Run("impl=ours", func(b *testing.B) {
		h, closeStack := OurStack(io.Discard, Hello, timeout.Context)
		defer closeStack()
		serve(b, h, r)
	})
	b.Run("impl=chi", func(b *testing.B) { serve(b, ChiStack(io.Discard, Hello), r) })
	b.Run("impl=ours-timeout-New", func(b *testing.B) {
		h, closeStack := OurStack(io.Discard, Hello, func(d time.Duration) func(http.Handler) http.Handler { return timeout.New(d) })
		defer closeStack()
		serve(b, h, r)
	})
	b.Run("impl=bare", func(b *testing.B) { serve(b, Hello, r) })
}
