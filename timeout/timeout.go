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
	status  int
	handler http.Handler
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
//   - The client goes away (the context is canceled for another reason):
//     ServeHTTP returns without writing anything; the handler's later calls
//     fail with the context's cause.
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
	ctx, cancel := context.WithTimeoutCause(r.Context(), h.d, ErrTimeout)
	defer cancel()
	req := r.WithContext(ctx)

	g := &guard{rw: w}
	done := ctx.Done()
	go g.run(h.next, respwriter.Expose(g, w), req, cancel)
	// Closed when the handler returns (run cancels ctx), at the deadline,
	// or when the parent context ends.
	<-done
	if g.state.Load()&stateFinished != 0 {
		h.finish(g, w, req)
		return
	}
	h.expire(g, w, req)
}

// finish ends a request whose handler returned while it still had the
// writer.
func (h *handler) finish(g *guard, w http.ResponseWriter, req *http.Request) {
	if g.panic != nil {
		panic(g.panic)
	}
	if g.state.Load()&stateUnanswered != 0 {
		h.answer(w, req)
	}
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
	timedOut := errors.Is(ctx.Err(), context.DeadlineExceeded)
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
	if !interrupted && g.state.Load()&stateFinished != 0 {
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

	if timedOut {
		reqlog.AddTimedOut(ctx) // the access record says why it ended so
	}
	switch {
	case !timedOut || hijacked:
		// Nothing to say to a client that left, or on a connection that
		// is no longer net/http's.
	case committed:
		panic(http.ErrAbortHandler)
	default:
		h.answer(w, req)
	}
}
