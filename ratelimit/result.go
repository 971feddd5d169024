package ratelimit

import (
	"context"
	"time"
)

// Result is one decision. With several windows it describes the one with
// the fewest requests remaining (ties: the one resetting last); when the
// request was denied, the exceeded window that resets last, so that
// RetryAfter is the longest wait. While FallbackLocal limits in memory,
// Limit is the instance's share (see WithInstances).
type Result struct {
	Limit, Remaining int64
	Reset            time.Time // when the described window resets
	Allowed          bool
}

// RetryAfter is how long a denied client should wait, rounded up to whole
// seconds and at least one second, as sent in Retry-After. It is 0 when
// the request was allowed.
func (r Result) RetryAfter() time.Duration {
	if r.Allowed {
		return 0
	}
	return time.Duration(retryAfterSeconds(r.Reset, time.Now())) * time.Second
}

// retryAfterSeconds is the whole seconds from now to reset, rounded up, at
// least 1.
func retryAfterSeconds(reset, now time.Time) int64 {
	d := reset.Sub(now)
	s := int64(d / time.Second)
	if d%time.Second > 0 {
		s++
	}
	if s < 1 {
		s = 1
	}
	return s
}

// secondsUntil is the whole seconds from now to reset, rounded up, at least 0.
func secondsUntil(reset, now time.Time) int64 {
	d := reset.Sub(now)
	if d <= 0 {
		return 0
	}
	s := int64(d / time.Second)
	if d%time.Second > 0 {
		s++
	}
	return s
}

// unixCeil is t in Unix seconds, rounded up: a client told to come back at
// that second is never early.
func unixCeil(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

// FromContext returns the decision the middleware made for this request.
// ok is false outside the middleware, for skipped requests, and when the
// store failed under FailOpen. Under several stacked limiters it returns the
// innermost one that counted the request: each puts its Result in a context
// of its own, which the ones further in shadow.
func FromContext(ctx context.Context) (res Result, ok bool) {
	c, ok := ctx.Value(resultKey{}).(*resultContext)
	if !ok {
		return Result{}, false
	}
	return c.res, true
}

type resultKey struct{}

// resultContext carries a Result in one allocation, where context.WithValue
// would take two (the context and the boxed Result). Embedding the parent
// keeps Done, Deadline and Err, and cancel propagation still finds the
// parent's cancelCtx through Value, so no goroutine is started for it.
//
// It also holds the response's rate limit header values, which share its
// allocation.
//
// For Charge it records what the request was counted under: the limiter,
// the client key and the store that decided it.
type resultContext struct {
	context.Context
	res       Result
	vals      [ctxSlots]string
	l         *Limiter
	client    []byte // read only once set: Charge's calls may outlive the request
	clientBuf [clientBufSize]byte
	by        store
}

// clientBufSize holds any client IP key ("2001:db8::/64", an IPv4-mapped
// IPv6 address) and most keys of a KeyFunc without an allocation; longer
// ones take one.
const clientBufSize = 64

// countedKey finds the resultContext of one limiter, past the ones of
// limiters further in.
type countedKey struct{ l *Limiter }

func (c *resultContext) Value(key any) any {
	switch k := key.(type) {
	case resultKey:
		return c
	case countedKey:
		if k.l == c.l {
			return c
		}
	}
	return c.Context.Value(key)
}

func (c *resultContext) String() string { return "ratelimit.resultContext" }
