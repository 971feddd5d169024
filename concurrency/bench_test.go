package concurrency

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *nopWriter) WriteHeader(int)             {}

// BenchmarkMiddleware is the cost when not overloaded: one request at a
// time, always admitted. The target is at most 100 ns and no allocation.
func BenchmarkMiddleware(b *testing.B) {
	nop := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	for _, bc := range []struct {
		name string
		opts []Option
	}{
		{"fixed", []Option{WithLimit(100)}},
		{"adaptive", nil},
		{"fixed-queue", []Option{WithLimit(100), WithQueue(100, 1e9)}},
		{"adaptive-key", []Option{WithKey(nil, 10)}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			h := mustNew(b, bc.opts...).Middleware(nop)
			r := httptest.NewRequest("GET", "/", nil)
			w := &nopWriter{h: http.Header{}}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				h.ServeHTTP(w, r)
			}
		})
	}
	b.Run("bare", func(b *testing.B) {
		r := httptest.NewRequest("GET", "/", nil)
		w := &nopWriter{h: http.Header{}}
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			nop.ServeHTTP(w, r)
		}
	})
}

// BenchmarkMiddlewareParallel is the same from every core at once, under
// the limit: the mutex is contended.
func BenchmarkMiddlewareParallel(b *testing.B) {
	nop := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	for _, bc := range []struct {
		name string
		opts []Option
	}{
		{"fixed", []Option{WithLimit(1000)}},
		{"adaptive", []Option{WithAdaptive(1000, 1000)}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			h := mustNew(b, bc.opts...).Middleware(nop)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				r := httptest.NewRequest("GET", "/", nil)
				w := &nopWriter{h: http.Header{}}
				for pb.Next() {
					h.ServeHTTP(w, r)
				}
			})
		})
	}
}
