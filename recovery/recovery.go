package recovery

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"

	"github.com/seed1f3c5038/mw/internal/reqlog"
	"github.com/seed1f3c5038/mw/internal/respwriter"
)

// Option configures New.
type Option func(*config)

type config struct {
	logger  *slog.Logger // nil: slog.Default() at the time of the panic
	respond func(w http.ResponseWriter, r *http.Request, v any)
	stack   bool
}

// WithLogger sets where panics are logged; the default is slog.Default(),
// looked up at each panic. It panics if l is nil.
func WithLogger(l *slog.Logger) Option {
	if l == nil {
		panic("recovery: WithLogger: nil *slog.Logger")
	}
	return func(c *config) { c.logger = l }
}

// WithResponder replaces the default 500 response, for APIs that answer
// errors in JSON or RFC 9457 problem details. f is called only when nothing
// has been sent yet, after the headers that described the unfinished
// response were deleted; v is the panic value, for f to log or classify,
// never to send to the client. If f returns without sending a status,
// recovery sends a bare 500. A panic in f is not recovered. It panics if f
// is nil.
func WithResponder(f func(w http.ResponseWriter, r *http.Request, v any)) Option {
	if f == nil {
		panic("recovery: WithResponder: nil function")
	}
	return func(c *config) { c.respond = f }
}

// WithStack chooses whether the panic record carries the goroutine's stack;
// the default is true.
func WithStack(on bool) Option {
	return func(c *config) { c.stack = on }
}

// New returns a middleware that recovers panics from the handler it wraps:
// 500 when nothing was sent, an aborted response when something was (see the
// package documentation).
func New(opts ...Option) func(http.Handler) http.Handler {
	cfg := config{respond: respond500, stack: true}
	for _, o := range opts {
		o(&cfg)
	}
	return func(next http.Handler) http.Handler {
		return &handler{next: next, cfg: cfg}
	}
}

// recorder is a writer that knows whether the response has started, such as
// package logging's. With one, recovery needs no wrapper of its own.
type recorder interface {
	HeaderWritten() bool
	Hijacked() bool
}

type handler struct {
	next http.Handler
	cfg  config
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Only w itself is asked, not the writers down its Unwrap chain: one
	// in between could hold back what the handler wrote, and a recorder
	// beneath it would then say "not started" when the handler has.
	if rec, ok := w.(recorder); ok {
		defer h.recover(w, rec, r)
		h.next.ServeHTTP(w, r)
		return
	}
	// Alone, recovery records the response itself, with a pooled wrapper:
	// it is dead once ServeHTTP returns. Defers run last-in first-out, so
	// Release comes after recover, even when recover panics on.
	ww, rec := respwriter.Acquire(w)
	defer respwriter.Release(rec)
	defer h.recover(ww, rec, r)
	h.next.ServeHTTP(ww, r)
}

// recover is deferred directly, so that its recover() call stops the panic.
func (h *handler) recover(w http.ResponseWriter, rec recorder, r *http.Request) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler { // the common case, without errors.Is
		panic(v)
	}
	if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
		panic(http.ErrAbortHandler)
	}
	started := rec.HeaderWritten() || rec.Hijacked()
	h.log(r, v, started)
	if started {
		// Too late for a 500: cut the response so the client sees an
		// error rather than a short body that looks complete.
		panic(http.ErrAbortHandler)
	}
	hdr := w.Header()
	for _, k := range staleHeaders {
		delete(hdr, k)
	}
	hdr.Set("Cache-Control", "no-store")
	h.cfg.respond(w, r, v)
	if !rec.HeaderWritten() && !rec.Hijacked() {
		w.WriteHeader(http.StatusInternalServerError)
	}
}

// staleHeaders describe a representation: the handler set them for the body
// it never finished, and they would be false of the error response.
var staleHeaders = []string{
	"Content-Length",
	"Content-Type",
	"Content-Encoding",
	"Content-Range",
	"Content-Disposition",
	"Content-Language",
	"Content-Location",
	"Etag",
	"ETag", // as set by code that writes the map directly
	"Last-Modified",
	"Expires",
	"Trailer",
}

func respond500(w http.ResponseWriter, _ *http.Request, _ any) {
	hdr := w.Header()
	hdr.Set("Content-Type", "text/plain; charset=utf-8")
	hdr.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusInternalServerError)
	io.WriteString(w, "Internal Server Error\n") // an error means the client is gone: nothing to do
}

func (h *handler) log(r *http.Request, v any, started bool) {
	l := h.cfg.logger
	if l == nil {
		l = slog.Default()
	}
	ctx := r.Context()
	if !l.Enabled(ctx, slog.LevelError) {
		return
	}
	attrs := make([]slog.Attr, 0, 6)
	attrs = append(attrs,
		slog.String("panic", fmt.Sprint(v)),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
	)
	if id := reqlog.ID(ctx); id != "" {
		attrs = append(attrs, slog.String("request_id", id))
	}
	if started {
		attrs = append(attrs, slog.Bool("aborted", true))
	}
	if h.cfg.stack {
		attrs = append(attrs, slog.String("stack", string(debug.Stack())))
	}
	l.LogAttrs(ctx, slog.LevelError, "panic recovered", attrs...)
}
