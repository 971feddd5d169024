package bench

import (
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/go-chi/chi/v5/middleware"
	"github.com/gorilla/handlers"

	"github.com/seed1f3c5038/mw/logging"
)

// BenchmarkLogging compares one access-log record per request. ours and
// handwritten-slog log the same ten fields to the same JSON handler; ours
// also makes a request ID, echoes it and puts it in the context. chi and
// gorilla write their own text formats.
func BenchmarkLogging(b *testing.B) {
	r := newRequest(http.MethodGet, "/items/7?x=1")
	b.Run("impl=ours", func(b *testing.B) {
		serve(b, logging.New(slog.New(slog.NewJSONHandler(io.Discard, nil)))(okHandler), r)
	})
	b.Run("impl=handwritten-slog", func(b *testing.B) {
		serve(b, handwrittenSlog(slog.New(slog.NewJSONHandler(io.Discard, nil)))(okHandler), r)
	})
	b.Run("impl=chi", func(b *testing.B) {
		f := &middleware.DefaultLogFormatter{Logger: log.New(io.Discard, "", log.LstdFlags), NoColor: true}
		serve(b, middleware.RequestLogger(f)(okHandler), r)
	})
	b.Run("impl=gorilla", func(b *testing.B) {
		serve(b, handlers.LoggingHandler(io.Discard, okHandler), r)
	})
}

// BenchmarkCombinedLog compares Apache combined log lines.
func BenchmarkCombinedLog(b *testing.B) {
	r := newRequest(http.MethodGet, "/items/7?x=1")
	r.Header.Set("Referer", "https://example.com/")
	b.Run("impl=ours", func(b *testing.B) {
		serve(b, logging.CombinedLog(io.Discard)(okHandler), r)
	})
	b.Run("impl=gorilla", func(b *testing.B) {
		serve(b, handlers.CombinedLoggingHandler(io.Discard, okHandler), r)
	})
}

// handwrittenSlog is the access logger people write by hand: a minimal
// status/bytes recorder and one LogAttrs call with the ten fields. It keeps
// no optional interface and makes no request ID: the floor to compare with.
func handwrittenSlog(l *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			rec := &statusRecorder{ResponseWriter: w}
			next.ServeHTTP(rec, r)
			status := rec.status
			if status == 0 {
				status = http.StatusOK
			}
			ip, _, err := net.SplitHostPort(r.RemoteAddr)
			if err != nil {
				ip = r.RemoteAddr
			}
			l.LogAttrs(r.Context(), slog.LevelInfo, "http request",
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.String("query", r.URL.RawQuery),
				slog.Int("status", status),
				slog.Int64("bytes", rec.bytes),
				slog.Duration("duration", time.Since(start)),
				slog.String("remote_ip", ip),
				slog.String("user_agent", r.UserAgent()),
				slog.String("request_id", r.Header.Get("X-Request-Id")),
				slog.String("proto", r.Proto),
			)
		})
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}
