package bench

import (
	"net/http"
	"testing"

	"github.com/justinas/alice"

	"github.com/seed1f3c5038/mw"
)

// pass is a no-op middleware that still adds a call, like a real one.
func pass(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { next.ServeHTTP(w, r) })
}

// BenchmarkChain compares serving through mw.New of five no-op middlewares
// with alice.New of the same five: Chain must add nothing per request.
func BenchmarkChain(b *testing.B) {
	r := newRequest(http.MethodGet, "/")
	b.Run("impl=ours", func(b *testing.B) {
		serve(b, mw.New(pass, pass, pass, pass, pass).Then(okHandler), r)
	})
	b.Run("impl=alice", func(b *testing.B) {
		serve(b, alice.New(pass, pass, pass, pass, pass).Then(okHandler), r)
	})
}
