// Package requestid carries one request's ID, and the logger built from it,
// from package logging to the packages that want them (recovery, for its
// panic record) without those packages importing logging.
//
//	ctx := requestid.NewContext(r.Context(), base)
//	ctx.State.ID = id
//	next.ServeHTTP(w, r.WithContext(ctx))
//	// further in: requestid.ID(r.Context()) == id
package requestid

import (
	"context"
	"log/slog"
	"sync/atomic"
)

// key is the context key; a distinct type so no other package can collide.
type key struct{}

// State is what a logged request carries in its context. ID and Echo are set
// once, before the request goes on, and never changed after: readers on other
// goroutines rely on that. The other middlewares may keep per-request
// results here (RateLimit) instead of copying the request again.
type State struct {
	// ID is the request's ID, "" when IDs are disabled.
	ID string
	// Echo backs the response header value that echoes ID, so that setting
	// that header costs no allocation of its own.
	Echo [1]string

	// RateLimit is where package ratelimit leaves its decision for the
	// handler, which saves it a request copy of its own on logged requests.
	// It is set before the request goes on to the next handler.
	RateLimit any

	base   *slog.Logger
	logger atomic.Pointer[slog.Logger]
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
// is built from base.
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
