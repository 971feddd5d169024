// Package mw is a collection of small net/http middlewares, each a plain
// func(http.Handler) http.Handler, and Chain, which composes them once so a
// route can reuse the composition:
//
//	stack := mw.New(logging.New(logger), recovery.New(), timeout.New(5*time.Second))
//	mux.Handle("GET /articles/{id}", stack.Then(articles))
//	mux.Handle("POST /articles", stack.Append(postLimit.Middleware).Then(create))
//
// # Recommended order
//
// The first middleware given to New sees the request first. We recommend:
//
//  1. logging: outermost, so every request is logged, including those that
//     panic, time out or are throttled, with its real status and duration;
//  2. recovery: inside logging, so a panic becomes a 500 that logging records;
//  3. ratelimit: before any work, so a denied request costs almost nothing;
//  4. timeout: around the handler only, so the deadline measures the handler;
//  5. methodrouter: last, as the handler of one resource.
//
// Every middleware is usable alone, with any router that takes an
// http.Handler (http.ServeMux, chi, gorilla/mux).
package mw

import (
	"fmt"
	"net/http"

	"github.com/justinas/alice"
)

// Middleware is a function that wraps an http.Handler. It is an alias, so an
// alice.Constructor or any func(http.Handler) http.Handler is a Middleware
// without conversion.
type Middleware = func(http.Handler) http.Handler

// Chain is an immutable list of middlewares. It is a value: copying it,
// appending to it or sharing it between routes never changes another copy.
//
// It is alice.Chain with one addition: a nil middleware panics when the chain
// is built (naming its position), not on the first request that reaches it.
type Chain struct {
	inner alice.Chain
	n     int // how many middlewares inner holds, to name a nil one's index
}

// New returns a chain of the given middlewares, in order.
//
//	mw.New(m1, m2, m3).Then(h) // serves as m1(m2(m3(h)))
//
// New panics with "mw: nil middleware at index N" if m[N] is nil.
func New(m ...Middleware) Chain {
	checkNil(m, 0)
	return Chain{inner: alice.New(constructors(m)...), n: len(m)}
}

// Append returns a new chain with m added after c's middlewares; c is
// unchanged, so a base chain can be extended per route:
//
//	base := mw.New(m1, m2)
//	withAuth := base.Append(auth) // m1, m2, auth
//	base.Then(h)                  // still m1, m2
//
// Append panics if one of m is nil, with its index counted across the whole
// new chain.
func (c Chain) Append(m ...Middleware) Chain {
	checkNil(m, c.n)
	return Chain{inner: c.inner.Append(constructors(m)...), n: c.n + len(m)}
}

// Extend returns a new chain with other's middlewares after c's:
//
//	mw.New(m1).Extend(mw.New(m2, m3)).Then(h) // m1(m2(m3(h)))
func (c Chain) Extend(other Chain) Chain {
	return Chain{inner: c.inner.Extend(other.inner), n: c.n + other.n}
}

// Then wraps h in the chain's middlewares and returns the result. A nil h
// means http.DefaultServeMux, as in alice. Then builds the handler once; call
// it at start-up, not per request.
//
//	mw.New(m1, m2).Then(h) // m1(m2(h))
func (c Chain) Then(h http.Handler) http.Handler {
	return c.inner.Then(h)
}

// ThenFunc is Then for a handler function. A nil f means
// http.DefaultServeMux, as in alice.
func (c Chain) ThenFunc(f http.HandlerFunc) http.Handler {
	if f == nil {
		return c.Then(nil)
	}
	return c.Then(f)
}

// checkNil panics on the first nil middleware, naming its index in the
// chain being built (offset is how many come before m).
func checkNil(m []Middleware, offset int) {
	for i, f := range m {
		if f == nil {
			panic(fmt.Sprintf("mw: nil middleware at index %d", offset+i))
		}
	}
}

// constructors converts to alice's slice type. The element types are
// identical (both are func(http.Handler) http.Handler), but Go has no
// conversion between slices of distinct named types.
func constructors(m []Middleware) []alice.Constructor {
	cs := make([]alice.Constructor, len(m))
	for i, f := range m {
		cs[i] = f
	}
	return cs
}
