package recovery

import (
	"errors"
	"fmt"
	"log"
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
	onPanic func(r *http.Request, v any, aborted bool)
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
// has been sent yet, with the header put back as it was when recovery
// started (see the package documentation); v is the panic value, for f to log or classify,
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

// WithOnPanic calls f for each recovered panic, after it is logged and
// before the client is answered: v is the recovered value (for a panic that
// came through package timeout, a *timeout.PanicError whose Value is the
// handler's), aborted is true when the response had started and is being
// cut. http.ErrAbortHandler is not a recovered panic and does not call f.
// Use it for metrics or an error tracker. A panic in f is not recovered. It
// panics if f is nil.
func WithOnPanic(f func(r *http.Request, v any, aborted bool)) Option {
	if f == nil {
		panic("recovery: WithOnPanic: nil function")
	}
	return func(c *config) { c.onPanic = f }
}

// New returns a middleware that recovers panics from the handler it wraps:
// 500 when nothing was sent, an aborted response when something was (see the
// package documentation). A nil Option is ignored.
func New(opts ...Option) func(http.Handler) http.Handler {
	cfg := config{respond: respond500, stack: true}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
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
	// The headers the 500 may keep: those set before the handler ran.
	var before headerSnapshot
	before.take(w.Header())
	// Only w itself is asked, not the writers down its Unwrap chain: one
	// in between could hold back what the handler wrote, and a recorder
	// beneath it would then say "not started" when the handler has.
	if rec, ok := w.(recorder); ok {
		defer h.recover(w, rec, r, &before)
		h.next.ServeHTTP(w, r)
		return
	}
	// Alone, recovery records the response itself. The wrapper is not
	// pooled: a framework may keep it and write to it after we return.
	ww, rec := respwriter.Wrap(w)
	defer h.recover(ww, rec, r, &before)
	h.next.ServeHTTP(ww, r)
}

// recover is deferred directly, so that its recover() call stops the panic.
func (h *handler) recover(w http.ResponseWriter, rec recorder, r *http.Request, before *headerSnapshot) {
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
	logPanic := h.log(r, v, started)
	if h.cfg.onPanic != nil {
		h.cfg.onPanic(r, v, started)
	}
	if started {
		// Too late for a 500: cut the response so the client sees an
		// error rather than a short body that looks complete.
		reportLoggerPanic(r, logPanic)
		panic(http.ErrAbortHandler)
	}
	hdr := w.Header()
	before.restore(hdr)
	for _, k := range representationHeaders {
		delete(hdr, k)
	}
	hdr.Set("Cache-Control", "no-store")
	h.cfg.respond(w, r, v)
	if !rec.HeaderWritten() && !rec.Hijacked() {
		w.WriteHeader(http.StatusInternalServerError)
	}
	reportLoggerPanic(r, logPanic)
}

// representationHeaders describe a body. Set before the handler ran, they
// were meant for the response it never finished, not for the error.
var representationHeaders = []string{
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

// headerSnapshot remembers a header map's fields so that restore can undo
// every change made since: fields added (Set-Cookie, Location, anything)
// are deleted, fields replaced or deleted come back. It copies the map's
// string and slice headers, not the values: Set and Del replace or remove
// a slice, and Add appends beyond the length kept here, so neither changes
// what was kept. Up to len(small) fields it lives where it is declared (on
// recovery's stack: the recommended stack, under logging, stays free of
// allocations), beyond that in a map.
type headerSnapshot struct {
	n     int
	small [8]struct {
		key    string
		values []string
	}
	large http.Header
}

func (s *headerSnapshot) take(h http.Header) {
	switch {
	case len(h) == 0:
		return // ranging over an empty map still costs a random start
	case len(h) > len(s.small):
		s.large = make(http.Header, len(h))
		for k, v := range h {
			s.large[k] = v[:len(v):len(v)]
		}
		return
	}
	for k, v := range h {
		s.small[s.n].key, s.small[s.n].values = k, v[:len(v):len(v)]
		s.n++
	}
}

func (s *headerSnapshot) restore(h http.Header) {
	clear(h)
	for k, v := range s.large {
		h[k] = v
	}
	for _, f := range s.small[:s.n] {
		h[f.key] = f.values
	}
}

// respond500 is the default answer: http.Error's plain-text 500.
func respond500(w http.ResponseWriter, _ *http.Request, _ any) {
	http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
}

// log records the panic and returns what the logger itself panicked with,
// if it did: a broken logger must not cost the client its 500.
func (h *handler) log(r *http.Request, v any, started bool) (logPanic any) {
	defer func() { logPanic = recover() }()
	l := h.cfg.logger
	if l == nil {
		l = slog.Default()
	}
	ctx := r.Context()
	if !l.Enabled(ctx, slog.LevelError) {
		return nil
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
		attrs = append(attrs, slog.String("stack", string(stackOf(v))))
	}
	l.LogAttrs(ctx, slog.LevelError, "panic recovered", attrs...)
	return nil
}

// stackCarrier is a panic value that brings the stack of the goroutine that
// really panicked, as timeout.PanicError does when the handler ran in a
// goroutine of its own: recovery's own stack would show only the frames
// that re-panicked it.
type stackCarrier interface{ PanicStack() []byte }

// stackOf returns the stack to log for v: the one v carries, if any (also
// wrapped in an error chain), else the current goroutine's.
func stackOf(v any) []byte {
	sc, ok := v.(stackCarrier)
	if err, isErr := v.(error); !ok && isErr {
		ok = errors.As(err, &sc)
	}
	if ok {
		if s := sc.PanicStack(); len(s) > 0 {
			return s
		}
	}
	return debug.Stack()
}

// reportLoggerPanic tells the server's error log (the standard logger
// without one) that the panic logger panicked, as net/http reports a
// handler's panic: the response is already decided, so this is the only
// place left to say it.
func reportLoggerPanic(r *http.Request, p any) {
	if p == nil {
		return
	}
	logf := log.Printf
	if srv, ok := r.Context().Value(http.ServerContextKey).(*http.Server); ok && srv.ErrorLog != nil {
		logf = srv.ErrorLog.Printf
	}
	logf("recovery: the panic logger panicked: %v", p)
}
