package ratelimit

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/ulule/limiter/v3"

	"github.com/seed1f3c5038/mw/internal/clientip"
)

// Option configures a Limiter. Options are checked by New, which returns
// an error naming the first bad one.
type Option func(*config)

type config struct {
	errs []error

	name         string
	keyFunc      KeyFunc
	trusted      []string
	ipHeader     string
	ipv6Bits     int
	store        limiter.Store
	redis        redis.UniversalClient
	storeTimeout time.Duration
	failure      FailurePolicy
	onError      func(*http.Request, error)
	onLimited    func(*http.Request, Result)
	onDecision   func(*http.Request, Result)
	instances    int
	maxKeys      int
	ipHeaderSet  bool
	skip         func(*http.Request) bool
	cost         func(*http.Request) int64
	headers      HeaderStyle
	deny         http.Handler
	dryRun       bool
	refund       func(*http.Request, int) bool
	algorithm    Algorithm
}

func defaults() config {
	return config{
		name:         "default",
		ipHeader:     "X-Forwarded-For",
		ipv6Bits:     64,
		storeTimeout: 100 * time.Millisecond,
		instances:    1,
		maxKeys:      DefaultMaxKeys,
	}
}

func (c *config) fail(format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf("ratelimit: "+format, args...))
}

func (c *config) err() error { return errors.Join(c.errs...) }

// WithName namespaces the store keys ("ratelimit:{<name>:<client>}" in Redis),
// so that several limiters can share one store (one Redis) without counting
// each other's requests. It also names the IETF policy. Default "default".
// Allowed characters: letters, digits, '.', '_' and '-' (at most 64).
func WithName(name string) Option {
	return func(c *config) {
		if !validName(name) {
			c.fail("WithName(%q): want 1 to 64 letters, digits, '.', '_' or '-'", name)
			return
		}
		c.name = name
	}
}

// WithKey sets how a request is keyed. When k returns "" (or k is nil), the
// request is keyed by client IP, like Django REST framework's
// UserRateThrottle keys by user when there is one and by IP otherwise. The
// keys k returns share one namespace with Allow's and Reset's, and with the
// IP keys: prefix them ("user:42") so that none can look like an address.
func WithKey(k KeyFunc) Option {
	return func(c *config) { c.keyFunc = k }
}

// WithTrustedProxies lists the proxies (CIDRs, or single addresses) whose
// forwarding header (WithClientIPHeader) is believed. Default: none, so the
// client IP is the TCP peer and no header is read.
//
// When the peer is trusted, the header's addresses (all its field lines,
// in order) are walked from the right: each trusted hop passes on to the
// hop at its left; the first untrusted hop is the client; a malformed hop
// (not an address, "unknown", an obfuscated Forwarded node) stops the walk
// at the last good address; if every hop is trusted, the left-most one is
// the client. Empty list elements are skipped. Only the hops appended by
// trusted proxies are believed, so a client can never choose its key by
// sending the header itself: whatever it writes sits left of the address
// its first proxy saw.
func WithTrustedProxies(cidrs ...string) Option {
	return func(c *config) {
		for _, s := range cidrs {
			if _, err := clientip.ParsePrefix(s); err != nil {
				c.fail("WithTrustedProxies(%q): not a CIDR or an address", s)
				return
			}
		}
		c.trusted = append(c.trusted, cidrs...)
	}
}

// WithClientIPHeader names the one header trusted proxies set:
// "X-Forwarded-For" (default), "Forwarded" (RFC 7239, the for= parameter),
// "X-Real-IP", or any other comma-separated address list. No other header
// is ever read. Without WithTrustedProxies no header is read at all, so New
// rejects it there: the setup is surely not what was meant.
func WithClientIPHeader(name string) Option {
	return func(c *config) {
		if _, err := clientip.New(name); err != nil {
			c.fail("WithClientIPHeader(%q): not a valid header name", name)
			return
		}
		c.ipHeader = name
		c.ipHeaderSet = true
	}
}

// WithIPv6Prefix sets how many leading bits of an IPv6 client address form
// its key (1 to 128; default 64). One subscriber usually holds a whole /64
// and can pick any address in it, so keying by /128 would let one client
// have 2^64 budgets. IPv4 clients are always keyed by their full address.
func WithIPv6Prefix(bits int) Option {
	return func(c *config) {
		if bits < 1 || bits > 128 {
			c.fail("WithIPv6Prefix(%d): want 1..128", bits)
			return
		}
		c.ipv6Bits = bits
	}
}

// WithStore counts in s, any ulule/limiter store, instead of a private
// in-memory one. Keys handed to s are "<name>:<seconds>s:<client>", one per
// window; the store adds its own prefix. A Store decides one key at a time,
// so with several windows the decision is not atomic across them: each
// window is peeked, then incremented only if all had room; a request that
// loses a race is denied but may stay counted in some windows (no window
// ever passes more than its limit). The private store and WithRedis decide
// all windows atomically. Store calls are bounded by WithStoreTimeout and
// their failures handled by WithFailure, except for ulule's memory store,
// which never blocks or fails and is called directly.
func WithStore(s limiter.Store) Option {
	return func(c *config) {
		if isNil(s) {
			c.fail("WithStore(nil)")
			return
		}
		c.store = s
	}
}

// WithRedis counts in Redis, so that every app instance using the same
// Redis and the same WithName enforces one limit. Each request is one
// EVALSHA of a Lua script that decides all windows atomically. client may
// be a single node, a Sentinel failover client or a Cluster client: each
// rate-limited client is one hash, "ratelimit:{<name>:<client key>}", in
// one slot (see the package documentation for its fields). The Limiter
// never closes client. A nil client, typed or not, is an error
// from New.
func WithRedis(client redis.UniversalClient) Option {
	return func(c *config) {
		if isNil(client) {
			c.fail("WithRedis(nil): want a connected go-redis client")
			return
		}
		c.redis = client
	}
}

// WithStoreTimeout bounds the store calls made for one request (all its
// windows together), whatever deadline the request's context has and
// whether or not the store honours contexts. Default 100 ms. A call that
// runs out of time counts as a store failure (see WithFailure).
func WithStoreTimeout(d time.Duration) Option {
	return func(c *config) {
		if d <= 0 {
			c.fail("WithStoreTimeout(%v): want a positive duration", d)
			return
		}
		c.storeTimeout = d
	}
}

// WithFailure says what happens when the store (WithStore, WithRedis)
// fails or times out. Default FallbackLocal.
//
// A failed call's request is always decided by the policy. The store is
// considered down (Degraded) once half of its last 32 calls failed, so one
// slow call, or a few, is not an outage: the next request goes to the store
// again. While down, the store is not called, except by one request a
// second, which ends the outage if it succeeds: the Limiter is back on the
// store within about a second of its recovery.
func WithFailure(p FailurePolicy) Option {
	return func(c *config) {
		if p < FallbackLocal || p > FailClosed {
			c.fail("WithFailure(%d): unknown policy", int(p))
			return
		}
		c.failure = p
	}
}

// WithOnError is told about store failures, at most once a second per
// Limiter, and once when a degraded store answers again (an error wrapping
// ErrStoreRecovered). r is the request that met the failure, or nil from
// Allow and Reset. The errors name the limiter and wrap both
// ErrStoreUnavailable and the store's own error (errors.Is and errors.As
// reach, say, a *net.OpError for a refused connection; a call that ran out
// of WithStoreTimeout wraps context.DeadlineExceeded; note that go-redis
// retries a refused dial, by default 5 times 100 ms apart (DialerRetries,
// DialerRetryTimeout), which outlasts the default timeout). Nothing else is
// ever logged.
func WithOnError(f func(r *http.Request, err error)) Option {
	return func(c *config) { c.onError = f }
}

// WithOnLimited is told about every request over the limit, with its
// Result: denied ones, and under WithDryRun the ones that would have been.
// r is nil from Allow. f runs on the request's goroutine: keep it cheap.
func WithOnLimited(f func(r *http.Request, res Result)) Option {
	return func(c *config) { c.onLimited = f }
}

// WithOnDecision is called once per counted request, allowed or not (and
// under WithDryRun), with its Result, for metrics. r is nil from Allow. It
// is not called for skipped requests, nor when a failing store let the
// request through uncounted (FailOpen) or refused it (FailClosed). f runs
// on the request's goroutine: keep it cheap.
func WithOnDecision(f func(r *http.Request, res Result)) Option {
	return func(c *config) { c.onDecision = f }
}

// WithInstances tells a Limiter with a shared store (WithRedis, WithStore)
// how many app instances share it, n >= 1 (default 1): while the store
// fails, FallbackLocal lets each instance allow limit/n (at least 1) per
// window, so that the total across instances stays about the limit.
func WithInstances(n int) Option {
	return func(c *config) {
		if n < 1 {
			c.fail("WithInstances(%d): want at least 1", n)
			return
		}
		c.instances = n
	}
}

// WithMaxKeys caps how many clients the in-memory store (the private one,
// and FallbackLocal's) holds, n >= 1; default DefaultMaxKeys (about a
// million, under 200 MB). At the cap, a new client first displaces an
// expired one, else the one whose windows started longest ago, which then
// starts afresh if it comes back. Memory stays flat whatever number of
// distinct clients (or forwarded addresses) arrives.
func WithMaxKeys(n int) Option {
	return func(c *config) {
		if n < 1 {
			c.fail("WithMaxKeys(%d): want at least 1", n)
			return
		}
		c.maxKeys = n
	}
}

// WithSkip exempts the requests for which f returns true (health checks,
// allow-listed networks): they are neither counted nor given headers.
func WithSkip(f func(r *http.Request) bool) Option {
	return func(c *config) { c.skip = f }
}

// WithCost weighs requests: f returns how many hits a request costs
// (default 1). A request is allowed when every window's count plus its cost
// is at most the window's limit, and then the cost is added to all of
// them; a denied request adds nothing. Costs below 0 count as 0, and a
// cost-0 request is always allowed.
func WithCost(f func(r *http.Request) int64) Option {
	return func(c *config) { c.cost = f }
}

// WithHeaders chooses the rate limit fields on responses: XRateLimit
// (default), IETF, Both or NoHeaders. Retry-After is always sent on 429.
func WithHeaders(s HeaderStyle) Option {
	return func(c *config) {
		if s < XRateLimit || s > NoHeaders {
			c.fail("WithHeaders(%d): unknown style", int(s))
			return
		}
		c.headers = s
	}
}

// WithDenyHandler replaces the default 429 response. h runs with the
// rate-limit headers and Retry-After already set, and can read the decision
// with FromContext; it writes the whole response, status included (it
// should be 429: net/http sends 200 if h writes nothing).
func WithDenyHandler(h http.Handler) Option {
	return func(c *config) { c.deny = h }
}

// WithDryRun(true) counts and reports as usual (headers, FromContext with
// Allowed false, WithOnLimited) but lets every request through, so that a
// limit can be tried on live traffic before it is enforced. Retry-After is
// not sent, since the response is not a 429, and a failing store does not
// turn into 503s under FailClosed either. Allow is not affected: it
// always reports the real decision, since its caller acts on it.
func WithDryRun(on bool) Option {
	return func(c *config) { c.dryRun = on }
}

// WithRefund takes a request back after the handler returns when f accepts
// its status: count only failed logins with
// WithRefund(func(_ *http.Request, s int) bool { return s < 400 }). The
// request is taken back from every window it was counted in, atomically,
// and only from the very window it was counted in: if a window has ended
// since, that window is left alone and the next one is not touched, so a
// refund never lends budget to a later window. The rate limit headers on
// the response were written before the handler ran and describe the
// state before the refund. Only allowed requests are refunded (a denied
// one, or one over the limit under WithDryRun, was never added); a
// handler that panics is not refunded. It works with the private memory
// store, WithRedis (one more round trip, after the response) and
// FallbackLocal; New refuses it with WithStore, whose Store interface
// cannot tell one window from the next. The status is read through a
// wrapper of the ResponseWriter, added only when WithRefund is set; it
// keeps Flusher, Hijacker, io.ReaderFrom and Unwrap working.
func WithRefund(f func(r *http.Request, status int) bool) Option {
	return func(c *config) { c.refund = f }
}

// WithAlgorithm chooses how windows count: FixedWindow (the default, ulule's)
// or SlidingWindow, which bounds the bursts a fixed window lets through at
// its edge (see the package documentation). Both work with the private
// memory store, WithRedis (still one round trip) and FallbackLocal; New
// refuses SlidingWindow with WithStore, whose Store keeps one count per
// window and no previous one.
func WithAlgorithm(a Algorithm) Option {
	return func(c *config) {
		if a != FixedWindow && a != SlidingWindow {
			c.fail("WithAlgorithm(%d): unknown algorithm; use FixedWindow or SlidingWindow", int(a))
			return
		}
		c.algorithm = a
	}
}

func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// isNil reports whether v is nil, or an interface holding a nil pointer
// (a typed nil, which would otherwise panic on first use).
func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan, reflect.Interface:
		return rv.IsNil()
	}
	return false
}
