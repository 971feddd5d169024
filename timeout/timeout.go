package timeout

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/seed1f3c5038/mw/internal/reqlog"
	"github.com/seed1f3c5038/mw/internal/respwriter"
)

// ErrTimeout is the context cause when our deadline, not the client, ended
// the request: context.Cause(r.Context()) returns it in the handler, so
// logging and handlers can tell a timeout from a client that went away
// (context.Canceled). If an earlier deadline already on the request's
// context ends it first, that deadline's own cause stays.
var ErrTimeout = errors.New("timeout: request deadline exceeded")

// Option configures New.
type Option func(*config)

type config struct {
	status    int
	handler   http.Handler
	idle      time.Duration
	onTimeout func(r *http.Request, started bool)
}

// WithIdle lets a handler that has started its response run past New's
// deadline as long as it makes progress: each Write, Flush or final
// WriteHeader gives it d more. After d without progress (or at New's
// deadline, if the last progress is older than d) its response is aborted,
// as a late handler's is without WithIdle. A handler that has written
// nothing by New's deadline gets the timeout response as usual. This is for
// server-sent events and long downloads.
//
// With WithIdle, the request's context carries no deadline of New's own
// (ctx.Deadline reports the parent's, if any), since a stream may outlive
// New's d: it is canceled, with cause ErrTimeout, when New answers or aborts,
// so a handler that honours its context still stops then. It panics if d is
// not positive.
func WithIdle(d time.Duration) Option {
	if d <= 0 {
		panic(fmt.Sprintf("timeout: WithIdle(%v): duration must be positive", d))
	}
	return func(c *config) { c.idle = d }
}

// WithOnTimeout calls f at each expiry, in the serving goroutine, before the
// client is answered: started is false when the client gets the timeout
// response, true when a started response is aborted. r is the request with
// its ended context. New also adds timed_out=true to the access record of
// package logging, with or without f. A panic in f reaches the middleware
// outside. It panics if f is nil.
func WithOnTimeout(f func(r *http.Request, started bool)) Option {
	if f == nil {
		panic("timeout: WithOnTimeout(nil)")
	}
	return func(c *config) { c.onTimeout = f }
}

// WithStatus sets the status of the default timeout response (503 Service
// Unavailable unless set). It panics unless code is a final status, 200 to
// 599.
func WithStatus(code int) Option {
	if code < 200 || code > 599 {
		panic(fmt.Sprintf("timeout: WithStatus(%d): not a final HTTP status (200-599)", code))
	}
	return func(c *config) { c.status = code }
}

// WithHandler makes h write the timeout response instead of the default. h
// gets the real ResponseWriter, on which nothing has been written, and the
// request with its expired context (context.Cause returns ErrTimeout, or the
// cause of an earlier deadline). The timed-out handler may still be running
// and reading the same request: h must not modify it. A panic in h reaches
// the middleware outside, like any other. It panics if h is nil.
func WithHandler(h http.Handler) Option {
	if h == nil {
		panic("timeout: WithHandler(nil)")
	}
	return func(c *config) { c.handler = h }
}

// New returns a middleware that gives each request d to be answered. The
// request's context gets the deadline (cause ErrTimeout; a shorter deadline
// already on it is kept) and the handler runs in its own goroutine, while
// ServeHTTP waits for the first of three things:
//
//   - The handler returns: ServeHTTP returns too. If it panicked, ServeHTTP
//     panics with a *PanicError holding the value and the handler
//     goroutine's stack (http.ErrAbortHandler is passed on as itself). If it
//     gave up at the deadline without writing anything, the client gets the
//     timeout response below.
//   - The deadline passes and the handler has written nothing: the client
//     gets the timeout response at once, even if the handler ignores its
//     context. By default that is 503 with a short text/plain body, keeping
//     the headers outer middlewares set but none the handler set; see
//     WithStatus and WithHandler. The handler's later Write, Flush and
//     Hijack calls fail with http.ErrHandlerTimeout and WriteHeader does
//     nothing.
//   - The deadline passes and the handler has started its response: its
//     status stands, and ServeHTTP aborts the response by panicking with
//     http.ErrAbortHandler, so the client sees a truncated response rather
//     than one that looks complete. If the handler is in a write just then,
//     the write deadline of the connection is set to now first, which frees
//     a handler stuck writing to a slow client.
//     Writers without write deadlines (httptest.ResponseRecorder) cannot be
//     interrupted: ServeHTTP then waits for the handler's write in progress.
//   - The parent context ends (canceled): if the client went away,
//     ServeHTTP returns without writing anything; if something else ended
//     it (a server's BaseContext canceled at shutdown, an outer middleware)
//     and the handler wrote nothing, the client gets the timeout response,
//     not an empty 200 (net/http's CloseNotify tells the two apart; a writer
//     chain without it counts as a client gone). A started response is
//     aborted. The handler's later calls fail with the context's cause. A
//     parent deadline counts as our own.
//
// Each expiry (timeout response or abort) calls WithOnTimeout's function
// and adds timed_out=true to package logging's access record. Where the
// http.Server's WriteTimeout would end before the deadline (and each
// WithIdle extension), New moves the connection's write deadline past it
// through http.ResponseController, so the server does not cut a response
// the handler may still send; otherwise it costs a context lookup.
//
// Writes go straight to the client, nothing is buffered, and Flush,
// Hijack (until the deadline), io.ReaderFrom and http.ResponseController
// work. Headers the handler changes after its response has started are
// ignored, as with net/http, except trailers, which are sent if the handler
// returns before the deadline. A panic in a handler that is still running
// after ServeHTTP returned has nowhere to go: it is dropped (recover it in
// the handler if it matters). The writer the handler gets is its own and
// never reused: a framework that keeps it and writes after New returned
// (echo's WrapMiddleware, gin's adapters) still reaches this response,
// unless the deadline took it back. New logs nothing.
//
// It panics if d is not positive.
func New(d time.Duration, opts ...Option) func(http.Handler) http.Handler {
	if d <= 0 {
		panic(fmt.Sprintf("timeout: New(%v): duration must be positive", d))
	}
	c := config{status: http.StatusServiceUnavailable}
	for _, o := range opts {
		if o != nil { // a nil Option is ignored
			o(&c)
		}
	}
	return func(next http.Handler) http.Handler {
		return &handler{next: next, d: d, cfg: c}
	}
}

type handler struct {
	next http.Handler
	d    time.Duration
	cfg  config
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.cfg.idle > 0 {
		h.serveIdle(w, r)
		return
	}
	ctx, cancel := context.WithTimeoutCause(r.Context(), h.d, ErrTimeout)
	defer cancel()
	req := r.WithContext(ctx)

	g := &guard{rw: w}
	if wt := writeTimeout(r); wt > 0 {
		now := time.Now()
		coverWrite(w, now, wt, now.Add(h.d))
	}
	done := ctx.Done()
	go g.run(h.next, respwriter.Expose(g, w), req, cancel)
	// Closed when the handler returns (run cancels ctx), at the deadline,
	// or when the parent context ends.
	<-done
	h.end(g, w, req)
}

// end ends the request once its context is done.
func (h *handler) end(g *guard, w http.ResponseWriter, req *http.Request) {
	if g.finishedInTime(req.Context()) {
		h.finish(g, w, req)
		return
	}
	h.expire(g, w, req)
}

// serveIdle is ServeHTTP with WithIdle: the context has no deadline of
// ours, and a timer decides, at New's deadline and then after each idle
// period, whether the handler made progress since.
func (h *handler) serveIdle(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithCancelCause(r.Context())
	defer cancel(nil)
	req := r.WithContext(ctx)

	start := time.Now()
	g := &guard{rw: w, idle: true, start: start}
	wt := writeTimeout(r)
	if wt > 0 {
		coverWrite(w, start, wt, start.Add(h.d))
	}
	timer := time.NewTimer(h.d)
	defer timer.Stop()
	go g.run(h.next, respwriter.Expose(g, w), req, func() { cancel(nil) })
	for {
		select {
		case <-ctx.Done():
			h.end(g, w, req)
			return
		case <-timer.C:
		}
		if st := g.state.Load(); st&stateCommitted != 0 && st&stateHijacked == 0 {
			next := start.Add(time.Duration(g.progress.Load()) + h.cfg.idle)
			if wait := time.Until(next); wait > 0 {
				if wt > 0 {
					coverWrite(w, start, wt, next)
				}
				timer.Reset(wait)
				continue
			}
		}
		g.cut.Store(true) // before the handler can see its context end
		cancel(ErrTimeout)
	}
}

// finishedInTime reports whether the handler returned before it was to be
// ended: then its response stands as it wrote it. A started response whose
// handler returned only after a deadline ended its context (the first
// cancellation wins, so ctx.Err() says which came first), or after
// serveIdle decided to cut it, is aborted instead, so that a truncated
// stream never ends cleanly. A handler that panicked is finished, so that
// its panic goes on.
func (g *guard) finishedInTime(ctx context.Context) bool {
	st := g.state.Load()
	if st&stateFinished == 0 {
		return false
	}
	if g.panic != nil {
		return true
	}
	late := g.cut.Load() || st&stateCommitted != 0 && errors.Is(ctx.Err(), context.DeadlineExceeded)
	return !late
}

// writeSlack is how far past our own expiry a write deadline we set lies:
// our timer, not the connection, must end the response, and a handler that
// returns just in time still needs its buffered bytes flushed.
const writeSlack = time.Second

// writeTimeout returns the WriteTimeout of the server r came from, 0 when
// none (or no server): a context lookup, no allocation.
func writeTimeout(r *http.Request) time.Duration {
	if srv, ok := r.Context().Value(http.ServerContextKey).(*http.Server); ok {
		return srv.WriteTimeout
	}
	return 0
}

// coverWrite moves the connection's write deadline past t where the
// server's WriteTimeout, which net/http counts from about start (when it
// read the request), would end first: otherwise the connection would cut a
// response the handler is still allowed to send. Writers without write
// deadlines are left as they are.
func coverWrite(w http.ResponseWriter, start time.Time, wt time.Duration, t time.Time) {
	if start.Add(wt).Before(t.Add(writeSlack)) {
		_ = http.NewResponseController(w).SetWriteDeadline(t.Add(writeSlack))
	}
}

// expired reports whether a deadline, ours or the parent's, ended ctx.
func expired(ctx context.Context) bool {
	return errors.Is(ctx.Err(), context.DeadlineExceeded) || context.Cause(ctx) == ErrTimeout
}

// timedOut reports an expiry to WithOnTimeout and the access record.
func (h *handler) timedOut(req *http.Request, started bool) {
	reqlog.AddTimedOut(req.Context())
	if h.cfg.onTimeout != nil {
		h.cfg.onTimeout(req, started)
	}
}

// closeNotifyGrace bounds the wait for net/http's word that the client
// left: it cancels the request's context first and says so on the
// CloseNotify channel a moment later, from the same goroutine.
const closeNotifyGrace = 20 * time.Millisecond

// clientGone reports whether the request's context ended because the
// client went away, rather than because something else ended the parent
// (a server's BaseContext canceled at shutdown, an outer middleware). Only
// net/http's CloseNotify tells the two apart; a writer chain without it
// (httptest.ResponseRecorder) cannot, and the client is taken as gone, so
// nothing is written, as before.
func clientGone(w http.ResponseWriter) bool {
	for {
		//lint:ignore SA1019 the context cannot tell a client that left from a canceled BaseContext; CloseNotify can
		if cn, ok := w.(http.CloseNotifier); ok {
			t := time.NewTimer(closeNotifyGrace)
			defer t.Stop()
			select {
			case <-cn.CloseNotify():
				return true
			case <-t.C:
				return false
			}
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return true
		}
		w = u.Unwrap()
	}
}

// finish ends a request whose handler returned while it still had the
// writer.
func (h *handler) finish(g *guard, w http.ResponseWriter, req *http.Request) {
	if g.panic != nil {
		panic(g.panic)
	}
	if g.state.Load()&stateUnanswered != 0 {
		h.unanswered(w, req)
	}
}

// unanswered answers a request whose context ended before the handler
// wrote anything: the timeout response, unless the client left.
func (h *handler) unanswered(w http.ResponseWriter, req *http.Request) {
	if !expired(req.Context()) && clientGone(w) {
		return
	}
	h.timedOut(req, false)
	h.answer(w, req)
}

// answer writes the timeout response on w, on which nothing was written.
func (h *handler) answer(w http.ResponseWriter, r *http.Request) {
	if h.cfg.handler != nil {
		h.cfg.handler.ServeHTTP(w, r)
		return
	}
	http.Error(w, http.StatusText(h.cfg.status)+": request timed out", h.cfg.status)
}

// expire takes the writer back from a handler still running when the
// context ended.
func (h *handler) expire(g *guard, w http.ResponseWriter, req *http.Request) {
	ctx := req.Context()
	timedOut := expired(ctx)
	// Take the writer back before the client can see anything, so that no
	// later write of the handler gets through. Only a handler blocked
	// writing to a slow client holds g.mu for long: free it by setting the
	// write deadline to now. That poisons the connection (an HTTP/2 stream
	// is reset at once), so it is done only to a response that will be
	// aborted or whose client has gone, and only when the lock is taken.
	interrupted := false
	if !g.mu.TryLock() {
		if st := g.state.Load(); st&stateCommitted != 0 && st&stateHijacked == 0 {
			_ = http.NewResponseController(w).SetWriteDeadline(time.Now())
			interrupted = true
		}
		g.mu.Lock()
	}
	if !interrupted && g.finishedInTime(ctx) {
		g.mu.Unlock()
		h.finish(g, w, req) // it just made it
		return
	}
	g.err = http.ErrHandlerTimeout
	if !timedOut {
		g.err = context.Cause(ctx)
	}
	committed, hijacked := g.HeaderWritten(), g.Hijacked()
	g.mu.Unlock()

	switch {
	case hijacked:
		// Nothing to say on a connection that is no longer net/http's.
	case committed:
		// Cut it, whatever ended the context: a response that ends
		// cleanly here would look complete.
		if timedOut {
			h.timedOut(req, true)
		}
		panic(http.ErrAbortHandler)
	default:
		h.unanswered(w, req)
	}
}
