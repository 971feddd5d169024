package timeout

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/seed1f3c5038/mw/internal/testutil"
)

func benchmarkServe(b *testing.B, h http.Handler) {
	w := testutil.NewDiscardWriter()
	r := httptest.NewRequest("GET", "/", nil)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w.Reset()
		h.ServeHTTP(w, r)
	}
}

func BenchmarkNew(b *testing.B)     { benchmarkServe(b, New(time.Minute)(okHandler)) }
func BenchmarkContext(b *testing.B) { benchmarkServe(b, Context(time.Minute)(okHandler)) }

func BenchmarkNewParallel(b *testing.B) {
	h := New(time.Minute)(okHandler)
	r := httptest.NewRequest("GET", "/", nil)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		w := testutil.NewDiscardWriter()
		for pb.Next() {
			w.Reset()
			h.ServeHTTP(w, r)
		}
	})
}
