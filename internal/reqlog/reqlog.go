// Package reqlog is the access-log state of one request: what package
// logging owns about it (its ID, the logger that carries the ID, and the
// attributes added to its record). Other packages reach it through the
// request's context without importing logging: recovery reads the ID for
// its panic record, and any middleware may add to the record with AddAttrs
// (logging.AddAttrs is this call for users).
//
//	ctx := reqlog.NewContext(r.Context(), base) // logging, before the handler
//	ctx.State.ID = id
//	reqlog.AddAttrs(r.Context(), slog.Bool("timed_out", true)) // any package, any goroutine
//	extra := ctx.State.Close() // logging, when it writes the record
//
// Only logging creates a State and closes it; every other package reads the
// ID or adds attributes, so no package writes another's fields.
//
// # What mw's middlewares add
//
// Each middleware says what it did to a request with one call, made with
// the context of the request it acted on (r.Context() as it received r),
// from any goroutine, before logging writes the record. These are the
// keys and types of the record in every logging schema; the functions
// below make the calls, so the keys are spelled in one place:
//
//	// ratelimit, once per request a limiter counted (allowed, denied or dry run):
//	reqlog.AddRateLimit(r.Context(), l.Name(), res.Limit, res.Remaining, !res.Allowed)
//	//   = reqlog.AddAttrs(ctx, slog.Group("ratelimit", slog.String("name", name),
//	//       slog.Int64("limit", limit), slog.Int64("remaining", remaining), slog.Bool("limited", limited)))
//	// timeout, when the deadline expired (answered or aborted):
//	reqlog.AddTimedOut(r.Context()) // = reqlog.AddAttrs(ctx, slog.Bool("timed_out", true))
//	// concurrency, when it rejected the request, with the reason its WithOnReject gets
//	// ("limit", "queue-full", "queue-timeout", "key"):
//	reqlog.AddShed(r.Context(), reason) // = reqlog.AddAttrs(ctx, slog.String("shed", reason))
//
// limited is !res.Allowed: the request was over the limit (in dry run it
// went on anyway, and its status tells that it was not denied). The
// ratelimit group stays a slog group: text handlers write ratelimit.name=api,
// JSON handlers "ratelimit":{"name":"api",...}. Stacked limiters each add a
// group, in the order they ran, so the key repeats (slog does not merge
// attributes; a JSON reader that keeps the last sees the innermost). Outside
// a logged request every call is a no-op that builds nothing.
package reqlog

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
)

// key is the context key; a distinct type so no other package can collide.
type key struct{}

// State is what a logged request carries in its context. It is made per
// request and never pooled: a goroutine the handler started may still hold
// it after the request ended.
type State struct {
	// ID is the request's ID, "" when IDs are disabled. Set before the
	// request goes on and never changed after: readers on other goroutines
	// rely on that.
	ID string
	// Echo backs the response header value that echoes ID, so that setting
	// that header costs no allocation of its own.
	Echo [1]string

	base   *slog.Logger
	logger atomic.Pointer[slog.Logger]

	mu     sync.Mutex  // guards attrs and closed: AddAttrs may come from any goroutine
	attrs  []slog.Attr // added with AddAttrs, in call order; starts in first
	first  [1]slog.Attr
	closed bool // the record is written; later attributes are dropped
}

// Context is a context.Context that carries a State. It is the State and
// the context node in one allocation, where context.WithValue plus a
// separate State would take two; every other lookup goes to the parent, so
// cancellation and deadlines work as with any derived context.
type Context struct {
	context.Context
	State State
}

// NewContext returns a child of parent carrying an empty State whose Logger
// is built from base. The caller sets ID (and Echo) before the request goes
// on.
func NewContext(parent context.Context, base *slog.Logger) *Context {
	c := &Context{Context: parent}
	c.State.base = base
	return c
}

// Value returns the State for this package's key and asks the parent for
// any other.
func (c *Context) Value(k any) any {
	if k == (key{}) {
		return &c.State
	}
	return c.Context.Value(k)
}

// String describes the context for debugging, as the standard library's
// derived contexts do.
func (c *Context) String() string {
	if s, ok := c.Context.(interface{ String() string }); ok {
		return s.String() + ".WithRequestID(" + c.State.ID + ")"
	}
	return "context.WithRequestID(" + c.State.ID + ")"
}

// FromContext returns the State ctx carries, or nil.
func FromContext(ctx context.Context) *State {
	s, _ := ctx.Value(key{}).(*State)
	return s
}

// ID returns the request ID ctx carries, or "".
func ID(ctx context.Context) string {
	if s := FromContext(ctx); s != nil {
		return s.ID
	}
	return ""
}

// AddAttrs adds attrs to the access record of the request ctx belongs to,
// as top-level attributes after logging's own. It is safe from any
// goroutine, and a no-op outside a logged request or once the record has
// been written.
func AddAttrs(ctx context.Context, attrs ...slog.Attr) {
	if s := FromContext(ctx); s != nil && len(attrs) > 0 {
		s.add(attrs...)
	}
}

// add appends to the record. The first attribute goes in the State
// itself: most requests get one at most (a limiter's group, timed_out,
// shed), so it costs no allocation of its own; a State is never reused, so
// the record may keep pointing into it.
func (s *State) add(attrs ...slog.Attr) {
	s.mu.Lock()
	if !s.closed {
		if s.attrs == nil {
			s.attrs = s.first[:0]
		}
		s.attrs = append(s.attrs, attrs...)
	}
	s.mu.Unlock()
}

// Close ends additions, for logging when it writes the record, and returns
// the attributes added so far. The caller owns the slice: no one appends to
// it after Close.
func (s *State) Close() []slog.Attr {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return s.attrs
}

// Logger returns the base logger with a request_id attribute (the base
// logger itself when ID is ""). It is built on the first call only, since
// most handlers never ask for it; concurrent first calls may each build one,
// and all but one are dropped, which is cheaper than a lock on every call.
func (s *State) Logger() *slog.Logger {
	if l := s.logger.Load(); l != nil {
		return l
	}
	l := s.base
	if s.ID != "" {
		l = l.With(slog.String("request_id", s.ID))
	}
	if !s.logger.CompareAndSwap(nil, l) {
		return s.logger.Load()
	}
	return l
}

// AddRateLimit adds the ratelimit group to the record: the limiter's name,
// the decision's limit and remaining, and whether it denied the request.
func AddRateLimit(ctx context.Context, name string, limit, remaining int64, limited bool) {
	if s := FromContext(ctx); s != nil {
		s.add(slog.Attr{Key: KeyRateLimit, Value: slog.GroupValue(
			slog.String("name", name),
			slog.Int64("limit", limit),
			slog.Int64("remaining", remaining),
			slog.Bool("limited", limited),
		)})
	}
}

// AddTimedOut adds timed_out=true to the record.
func AddTimedOut(ctx context.Context) {
	if s := FromContext(ctx); s != nil {
		s.add(slog.Bool(KeyTimedOut, true))
	}
}

// AddShed adds shed=reason to the record.
func AddShed(ctx context.Context, reason string) {
	if s := FromContext(ctx); s != nil {
		s.add(slog.String(KeyShed, reason))
	}
}

// The keys mw's middlewares add to the record, one place for their
// spelling (see the package documentation).
const (
	KeyRateLimit = "ratelimit"
	KeyTimedOut  = "timed_out"
	KeyShed      = "shed"
)
