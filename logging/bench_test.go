package logging

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

func benchServe(b *testing.B, h http.Handler) {
	r := httptest.NewRequest("GET", "/items/7?x=1", nil)
	r.RemoteAddr = "192.0.2.10:54321"
	r.Header.Set("User-Agent", "bench/1.0")
	w := &discardWriter{h: make(http.Header, 8)}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
}

var okBody = []byte("hello, world\n")

// okHandler allocates nothing itself, so the figures are the middleware's.
var okHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
	w.Write(okBody)
})

func BenchmarkNew(b *testing.B) {
	benchServe(b, New(slog.New(slog.NewJSONHandler(io.Discard, nil)))(okHandler))
}

func BenchmarkNewDisabledLevel(b *testing.B) {
	l := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError}))
	benchServe(b, New(l)(okHandler))
}

func BenchmarkCombinedLog(b *testing.B) {
	benchServe(b, CombinedLog(io.Discard)(okHandler))
}

func BenchmarkNewID(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		newID()
	}
}

func BenchmarkIncomingID(b *testing.B) {
	v := []string{"0f8fad5b-d9cb-469f-a165-70867728950e"}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		incomingID(v)
	}
}

func BenchmarkNewOTel(b *testing.B) {
	benchServe(b, New(slog.New(slog.NewJSONHandler(io.Discard, nil)), WithSchema(SchemaOTel))(okHandler))
}

func BenchmarkSamplingDropped(b *testing.B) {
	benchServe(b, New(slog.New(slog.NewJSONHandler(io.Discard, nil)), WithSampling(0, 0))(okHandler))
}
