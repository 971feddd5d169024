package bench

import (
	"net/http"
	"testing"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/seed1f3c5038/mw/concurrency"
)

// BenchmarkConcurrency is the cost of an overload limiter when the server
// is not overloaded: one request at a time, always admitted (the target is
// at most 100 ns and no allocation over bare). chi's Throttle is the peer,
// at a limit that is never reached, as ours; "ours-adaptive" is New()'s
// default, which also times requests.
func BenchmarkConcurrency(b *testing.B) {
	r := newRequest(http.MethodGet, "/")
	fixed, err := concurrency.New(concurrency.WithLimit(1000))
	if err != nil {
		b.Fatal(err)
	}
	adaptive, err := concurrency.New()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("impl=bare", func(b *testing.B) { serve(b, okHandler, r) })
	b.Run("impl=ours-fixed", func(b *testing.B) { serve(b, fixed.Middleware(okHandler), r) })
	b.Run("impl=ours-adaptive", func(b *testing.B) { serve(b, adaptive.Middleware(okHandler), r) })
	b.Run("impl=chi", func(b *testing.B) { serve(b, middleware.Throttle(1000)(okHandler), r) })
}
