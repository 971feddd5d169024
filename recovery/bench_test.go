package recovery

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/seed1f3c5038/mw/internal/testutil"
)

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
	benchServe(b, okHandler, testutil.NewDiscardWriter())
}

// BenchmarkNoPanic: recovery must wrap a plain writer (one allocation).
func BenchmarkNoPanic(b *testing.B) {
	benchServe(b, New()(okHandler), testutil.NewDiscardWriter())
}

// BenchmarkNoPanicUnderRecorder: under logging's writer, no wrapper and no
// allocation.
func BenchmarkNoPanicUnderRecorder(b *testing.B) {
	benchServe(b, New()(okHandler), testutil.NewRecordingDiscardWriter())
}

func BenchmarkPanic(b *testing.B) {
	h := New(WithStack(false), WithLogger(discardLogger()))(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("x") }))
	w := testutil.NewDiscardWriter()
	r := httptest.NewRequest("GET", "/", nil)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w.Reset()
		h.ServeHTTP(w, r)
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }
