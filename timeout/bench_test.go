package timeout

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func benchmarkServe(b *testing.B, h http.Handler) {
	w := &discardWriter{header: make(http.Header, 8)}
	r := httptest.NewRequest("GET", "/", nil)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		clear(w.header)
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
		w := &discardWriter{header: make(http.Header, 8)}
		for pb.Next() {
			clear(w.header)
			h.ServeHTTP(w, r)
		}
	})
}
