package concurrency

import (
	"fmt"
	"net/http"
	"time"
)

// Option configures a Limiter. A nil Option is ignored.
type Option func(*config)

type config struct {
	fixed         int // WithLimit's n; 0 when unset
	adaptive      bool
	min, max      int
	queueSize     int
	maxWait       time.Duration
	keyed         bool
	key           func(r *http.Request) string
	perKey        int
	priority      func(r *http.Request) int
	rejectHandler http.Handler
	onReject      []func(r *http.Request, reason string)
	errs          []error // bad values, reported by New
}

func (c *config) fail(format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf("concurrency: "+format, args...))
}

// WithLimit sets a fixed limit: at most n requests are inside the handler at
// once. n must be at least 1. It cannot be combined with WithAdaptive.
func WithLimit(n int) Option {
	return func(c *config) {
		if n < 1 {
			c.fail("WithLimit(%d): the limit must be at least 1", n)
			return
		}
		c.fixed = n
	}
}

// WithAdaptive makes the limit follow measured latency, between min and max
// (see the package documentation for the algorithm). It is the default, with
// 1 and 1000, when no WithLimit is given. min must be at least 1 and max at
// least min. It cannot be combined with WithLimit.
func WithAdaptive(min, max int) Option {
	return func(c *config) {
		if min < 1 || max < min {
			c.fail("WithAdaptive(%d, %d): need 1 <= min <= max", min, max)
			return
		}
		c.adaptive, c.min, c.max = true, min, max
	}
}

// WithQueue lets up to size requests over the limit wait, each at most
// maxWait, for a place in the handler instead of being rejected at once
// (reasons "queue-full" and "queue-timeout"). The queue is served as the
// package documentation describes (priorities, then FIFO or, under sustained
// overload, LIFO with a short wait bound). size 0 means no queue (the
// default); a negative size or, with size > 0, a non-positive maxWait is an
// error.
func WithQueue(size int, maxWait time.Duration) Option {
	return func(c *config) {
		if size < 0 {
			c.fail("WithQueue(%d, %v): the queue size must be 0 or more", size, maxWait)
			return
		}
		if size > 0 && maxWait <= 0 {
			c.fail("WithQueue(%d, %v): the wait limit must be positive", size, maxWait)
			return
		}
		c.queueSize, c.maxWait = size, maxWait
	}
}

// WithKey also limits each key to perKey requests at once, in flight or
// waiting in the queue, so that one client cannot take every place. f
// names a request's key; "" (or a nil f) means the client's IP address. A
// request whose key is at its limit is rejected at once with reason "key"
// and is never queued. perKey must be at least 1.
func WithKey(f func(r *http.Request) string, perKey int) Option {
	return func(c *config) {
		if perKey < 1 {
			c.fail("WithKey(f, %d): perKey must be at least 1", perKey)
			return
		}
		c.keyed, c.key, c.perKey = true, f, perKey
	}
}

// WithPriority ranks queued requests: a higher value leaves the queue first
// and, when the queue is full, is shed last (a request of higher priority
// than the lowest one queued takes that one's place). Priorities only
// matter with WithQueue: without a queue every request over the limit is
// rejected at once. f runs once per request, before the limit is checked.
// Default: every request has priority 0.
func WithPriority(f func(r *http.Request) int) Option {
	return func(c *config) {
		if f == nil {
			c.fail("WithPriority(nil): need a function")
			return
		}
		c.priority = f
	}
}

// WithRejectHandler replaces the default rejection (see Limiter.Middleware)
// with h. h runs in the rejected request's goroutine, after every
// WithOnReject hook; it must write the whole response.
func WithRejectHandler(h http.Handler) Option {
	return func(c *config) {
		if h == nil {
			c.fail("WithRejectHandler(nil): need a handler")
			return
		}
		c.rejectHandler = h
	}
}

// Reasons given to WithOnReject.
const (
	ReasonLimit        = "limit"         // over the limit, and no queue
	ReasonQueueFull    = "queue-full"    // the queue was full (or a higher priority took the place)
	ReasonQueueTimeout = "queue-timeout" // waited too long in the queue
	ReasonKey          = "key"           // the request's key was at its WithKey limit
)

// WithOnReject calls f for every rejected request, with one of the Reason
// constants, before the rejection is written (for metrics and logs). Each
// WithOnReject adds a hook; they run in the order given. f must be safe for
// concurrent use. A client that leaves while queued is not rejected (nothing
// is written) and f is not called.
func WithOnReject(f func(r *http.Request, reason string)) Option {
	return func(c *config) {
		if f == nil {
			c.fail("WithOnReject(nil): need a function")
			return
		}
		c.onReject = append(c.onReject, f)
	}
}
