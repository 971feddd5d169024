package bench

import (
	"io"
	"net/http"
	"testing"
)

// BenchmarkStack serves one GET through each full stack, in process.
func BenchmarkStack(b *testing.B) {
	r := newRequest(http.MethodGet, "/")
	b.Run("impl=bare", func(b *testing.B) { serve(b, Hello, r) })
	b.Run("impl=ours", func(b *testing.B) {
		h, closeStack := OurStack(io.Discard, Hello)
		defer closeStack()
		serve(b, h, r)
	})
	b.Run("impl=chi", func(b *testing.B) { serve(b, ChiStack(io.Discard, Hello), r) })
}
