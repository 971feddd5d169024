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
// also makes a request ID, echoes it and puts it in the context. ours-otel
// and ours-ecs are ours under WithSchema: the same fields under
// OpenTelemetry's and ECS's names (OpenTelemetry's duration is a float of
// seconds, which slog's JSON handler writes through encoding/json). chi and
// gorilla write their own text formats.
func BenchmarkLogging(b *testing.B) {
	r := newRequest(http.MethodGet, "/items/7?x=1")
	b.Run("impl=ours", func(b *testing.B) {
		serve(b, logging.New(slog.New(slog.NewJSONHandler(io.Discard, nil)))(okHandler), r)
	})
	b.Run("impl=handwritten-slog", func(b *testing.B) {
		serve(b, handwrittenSlog(slog.New(slog.NewJSONHandler(io.Discard, nil)))(okHandler), r)
	})
	b.Run("impl=ours-otel", func(b *testing.B) {
		l := slog.New(slog.NewJSONHandler(io.Discard, nil))
		serve(b, logging.New(l, logging.WithSchema(logging.SchemaOTel))(okHandler), r)
	})
	b.Run("impl=handwritten-slog-otel", func(b *testing.B) {
		serve(b, handwrittenSlogOTel(slog.New(slog.NewJSONHandler(io.Discard, nil)))(okHandler), r)
	})
	b.Run("impl=ours-ecs", func(b *testing.B) {
		l := slog.New(slog.NewJSONHandler(io.Discard, nil))
		serve(b, logging.New(l, logging.WithSchema(logging.SchemaECS))(okHandler), r)
	})
	b.Run("impl=chi", func(b *testing.B) {
		f := &middleware.DefaultLogFormatter{Logger: log.New(io.Discard, "", log.LstdFlags), NoColor: true}
		serve(b, middleware.RequestLogger(f)(okHandler), r)
	})
	b.Run("impl=gorilla", func(b *testing.B) {
		serve(b, handlers.LoggingHandler(io.Discard, okHandler), r)
	})
}

// BenchmarkLoggingSampling compares a record WithSampling writes (keep 1)
// with one it drops (keep 0) for the same healthy GET, and with a record
// below the logger's level: logging's own per-request work (ID, context,
// writer), the floor a dropped record should stay at.
func BenchmarkLoggingSampling(b *testing.B) {
	r := newRequest(http.MethodGet, "/items/7?x=1")
	l := slog.New(slog.NewJSONHandler(io.Discard, nil))
	b.Run("impl=written", func(b *testing.B) {
		serve(b, logging.New(l, logging.WithSampling(1, 0))(okHandler), r)
	})
	b.Run("impl=dropped", func(b *testing.B) {
		serve(b, logging.New(l, logging.WithSampling(0, 0))(okHandler), r)
	})
	b.Run("impl=below-level", func(b *testing.B) {
		quiet := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError}))
		serve(b, logging.New(quiet)(okHandler), r)
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

// handwrittenSlogOTel is handwrittenSlog with OpenTelemetry's names and
// duration in seconds: what ours-otel costs over writing it by hand, apart
// from what the field set itself costs slog (longer keys, and a float that
// the JSON handler writes through encoding/json).
func handwrittenSlogOTel(l *slog.Logger) func(http.Handler) http.Handler {
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
				slog.String("http.request.method", r.Method),
				slog.String("url.path", r.URL.Path),
				slog.String("url.query", r.URL.RawQuery),
				slog.Int("http.response.status_code", status),
				slog.Int64("http.response.body.size", rec.bytes),
				slog.Float64("http.server.request.duration", time.Since(start).Seconds()),
				slog.String("client.address", ip),
				slog.String("user_agent.original", r.UserAgent()),
				slog.String("http.request.id", r.Header.Get("X-Request-Id")),
				slog.String("network.protocol.version", "1.1"),
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
