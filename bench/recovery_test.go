package bench

import (
	"net/http"
	"testing"

	"github.com/go-chi/chi/v5/middleware"
	"github.com/gorilla/handlers"

	"github.com/seed1f3c5038/mw/recovery"
)

// BenchmarkRecovery measures the path without a panic, the only one that
// matters for speed. Over a plain writer recovery must wrap it to know later
// whether the response started (one allocation; chi and gorilla do not
// wrap, and so cannot tell: chi's Recoverer writes a second status line
// after a started response). "ours-under-recorder" is recovery in the
// recommended stack, under logging, whose writer already records that:
// no wrapper, no allocation.
func BenchmarkRecovery(b *testing.B) {
	r := newRequest(http.MethodGet, "/")
	b.Run("impl=bare", func(b *testing.B) {
		serve(b, okHandler, r)
	})
	b.Run("impl=ours", func(b *testing.B) {
		serve(b, recovery.New()(okHandler), r)
	})
	b.Run("impl=ours-under-recorder", func(b *testing.B) {
		w := &recordedWriter{discardWriter: newDiscardWriter()}
		h := recovery.New()(okHandler)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			w.reset()
			h.ServeHTTP(w, r)
		}
	})
	b.Run("impl=chi", func(b *testing.B) {
		serve(b, middleware.Recoverer(okHandler), r)
	})
	b.Run("impl=gorilla", func(b *testing.B) {
		serve(b, handlers.RecoveryHandler()(okHandler), r)
	})
}

// recordedWriter is a discardWriter that reports whether the response
// started, as logging's writer does.
type recordedWriter struct{ *discardWriter }

func (w *recordedWriter) HeaderWritten() bool { return w.status != 0 }
func (w *recordedWriter) Hijacked() bool      { return false }
