package recovery

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

type discardWriter struct {
	h       http.Header
	started bool
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { w.started = true; return len(p), nil }
func (w *discardWriter) WriteHeader(int)             { w.started = true }

// recordedDiscardWriter reports whether the response started, as package
// logging's writer does.
type recordedDiscardWriter struct{ discardWriter }

func (w *recordedDiscardWriter) HeaderWritten() bool { return w.started }
func (w *recordedDiscardWriter) Hijacked() bool      { return false }

var okBody = []byte("ok")

var okHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write(okBody) })

func benchServe(b *testing.B, h http.Handler, w http.ResponseWriter) {
	r := httptest.NewRequest("GET", "/", nil)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h.ServeHTTP(w, r)
	}
}

func BenchmarkBare(b *testing.B) {
	benchServe(b, okHandler, &discardWriter{h: http.Header{}})
}

// BenchmarkNoPanic: recovery must wrap a plain writer (one allocation).
func BenchmarkNoPanic(b *testing.B) {
	benchServe(b, New()(okHandler), &discardWriter{h: http.Header{}})
}

// BenchmarkNoPanicUnderRecorder: under logging's writer, no wrapper and no
// allocation.
func BenchmarkNoPanicUnderRecorder(b *testing.B) {
	benchServe(b, New()(okHandler), &recordedDiscardWriter{discardWriter{h: http.Header{}}})
}

func BenchmarkPanic(b *testing.B) {
	h := New(WithStack(false), WithLogger(discardLogger()))(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("x") }))
	w := &discardWriter{h: http.Header{}}
	r := httptest.NewRequest("GET", "/", nil)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }
