package ratelimit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/ulule/limiter/v3/drivers/store/memory"

	"github.com/seed1f3c5038/mw/internal/clientip"
	"github.com/seed1f3c5038/mw/internal/reqlog"
	"github.com/seed1f3c5038/mw/internal/respwriter"
)

// Limiter throttles requests before they reach the handler. It is safe for
// concurrent use. See the package documentation for the algorithm.
type Limiter struct {
	name    string
	windows []window // shortest period first
	policy  string   // RateLimit-Policy value

	keyFunc    KeyFunc
	ips        *clientip.Resolver
	ipv6Bits   int
	skip       func(*http.Request) bool
	cost       func(*http.Request) int64
	headers    HeaderStyle
	deny       http.Handler
	dryRun     bool
	onLimited  func(*http.Request, Result)
	onDecision func(*http.Request, Result)
	refund     func(*http.Request, int) bool

	mem    *memStore // the private in-memory store; nil with WithStore/WithRedis
	remote *remote   // WithStore/WithRedis; nil for the private memory store
}

// winState is one window after a decision.
type winState struct {
	limit int64     // the window's limit (divided by WithInstances while degraded)
	count int64     // its count after the decision
	reset time.Time // when it ends
	// end is when it ends on the store's own clock, where it has one (the
	// memory store's monotonic nanoseconds, Redis's Unix milliseconds): it
	// tells windows apart exactly, which reset, read after a round trip,
	// cannot.
	end int64
}

// store is what every way of counting implements: the memory store, the
// Redis script, any ulule store.
type store interface {
	// take decides cost for client in every window, fills st, and reports
	// whether the request is allowed. Only the memory store and the Redis
	// script do it atomically.
	take(ctx context.Context, client []byte, cost int64, st *[maxWindows]winState) (bool, error)
	// forget removes client from every window.
	forget(ctx context.Context, client []byte) error
	// refund takes cost back from each window i of client whose stored
	// window is still the one of st[i].end (the window the request was
	// counted in), atomically for all windows; the others are left alone,
	// so a refund never reaches a later window.
	refund(ctx context.Context, client []byte, cost int64, st *[maxWindows]winState) error
	// charge adds n to every current window of client, whatever the limits.
	charge(ctx context.Context, client []byte, n int64) error
}

// New parses one or more comma-separated rates, in ulule/limiter's format
// ("100-M" is 100 per minute, "10-S, 1000-H" is both at once; periods S, M,
// H, D) or Django REST framework's ("100/min", "5/hour", "1000/day",
// "10/s"), mixed at will, each period at most once. Without
// WithStore/WithRedis each Limiter has its own in-memory store. New does no
// I/O: with WithRedis it succeeds while Redis is unreachable.
func New(rates string, opts ...Option) (*Limiter, error) {
	cfg := defaults()
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	parsed, err := parseRates(rates)
	if err != nil {
		return nil, err
	}
	if cfg.store != nil && cfg.redis != nil {
		cfg.fail("WithStore and WithRedis together: choose one store")
	}
	if cfg.store != nil && cfg.refund != nil {
		cfg.fail("WithRefund with WithStore: a Store cannot tell the window a request was counted in from the next; use the memory store or WithRedis")
	}
	if cfg.store != nil && cfg.algorithm == SlidingWindow {
		cfg.fail("WithAlgorithm(SlidingWindow) with WithStore: a Store keeps no previous window's count; use the memory store or WithRedis, or FixedWindow")
	}
	if cfg.ipHeaderSet && len(cfg.trusted) == 0 {
		cfg.fail("WithClientIPHeader(%q) without WithTrustedProxies: the header would never be read; name the proxies that set it", cfg.ipHeader)
	}
	if err := cfg.err(); err != nil {
		return nil, err
	}
	ips, err := clientip.New(cfg.ipHeader, cfg.trusted...)
	if err != nil {
		return nil, fmt.Errorf("ratelimit: %w", err)
	}
	l := &Limiter{
		name:       cfg.name,
		keyFunc:    cfg.keyFunc,
		ips:        ips,
		ipv6Bits:   cfg.ipv6Bits,
		skip:       cfg.skip,
		cost:       cfg.cost,
		headers:    cfg.headers,
		deny:       cfg.deny,
		dryRun:     cfg.dryRun,
		onLimited:  cfg.onLimited,
		onDecision: cfg.onDecision,
		refund:     cfg.refund,
	}
	for _, r := range parsed {
		l.windows = append(l.windows, newWindow(cfg.name, r, len(parsed) > 1))
	}
	l.policy = ietfPolicy(l.windows)

	switch {
	case cfg.redis != nil:
		l.remote = newRemote(&cfg, newRedisStore(cfg.redis, cfg.name, l.windows, cfg.algorithm), redisHonoursContext(cfg.redis), l.windows)
	case cfg.store != nil:
		us := &ululeStore{store: cfg.store, name: cfg.name, windows: l.windows}
		if _, ok := cfg.store.(*memory.Store); ok {
			// Never blocks, never fails: no timeout, no fallback.
			l.remote = &remote{name: cfg.name, primary: us, direct: true}
		} else {
			l.remote = newRemote(&cfg, us, false, l.windows)
		}
	default:
		l.mem = newMemStore(l.windows, cfg.algorithm, 1, cfg.maxKeys)
	}
	return l, nil
}

// Name is the limiter's name: WithName's value, or "default". It prefixes
// its store keys, names its IETF policies, and starts its errors.
func (l *Limiter) Name() string { return l.name }

// Degraded reports whether the store (WithStore, WithRedis) is considered
// down, so that WithFailure's policy applies to every request (see
// WithFailure for the rule). It is always false for the in-memory store.
func (l *Limiter) Degraded() bool { return l.remote != nil && l.remote.down.Load() }

// Close releases nothing and always returns nil: the memory store cleans
// itself as it is used and starts no goroutine. It exists so that a
// Limiter can be used where a Close is expected. The Limiter keeps working
// after Close; Close never closes a Redis client or a store given to it.
func (l *Limiter) Close() error { return nil }

// Middleware returns next behind the limit. Per request, in order: a
// request WithSkip exempts goes straight to next; otherwise it is counted
// in every window under its key, and gets the rate limit headers. An allowed
// request reaches next with its Result in the context (FromContext). A
// denied one never reaches next: it gets 429 with Retry-After (whole
// seconds, at least 1) and a short body (RFC 9457 problem+json when the
// client prefers JSON, else text), or the WithDenyHandler response. While
// the store fails, WithFailure decides: FallbackLocal counts in memory as
// above, FailOpen passes the request to next with no headers, FailClosed
// answers 503 with Retry-After: 1.
func (l *Limiter) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.serve(w, r, next)
	})
}

func (l *Limiter) serve(w http.ResponseWriter, r *http.Request, next http.Handler) {
	if l.skip != nil && l.skip(r) {
		next.ServeHTTP(w, r)
		return
	}
	cost := int64(1)
	if l.cost != nil {
		if cost = l.cost(r); cost < 0 {
			cost = 0
		}
	}
	var buf [clientBufSize]byte
	client := l.appendClient(buf[:0], r)
	d, out, _ := l.decide(r.Context(), r, client, cost)
	switch {
	case out == failedOpen, out == failedClosed && l.dryRun:
		next.ServeHTTP(w, r)
		return
	case out == failedClosed:
		unavailable(w)
		return
	}
	l.report(r, &d)
	// The access record (package logging) gets the decision; a no-op when
	// the request is not logged.
	reqlog.AddRateLimit(r.Context(), l.name, d.res.Limit, d.res.Remaining, !d.res.Allowed)
	deny := !d.res.Allowed && !l.dryRun
	if deny && l.deny == nil {
		l.writeHeaders(w.Header(), &d, true, nil)
		l.denyBody(w, r, &d)
		return
	}
	// One allocation holds the Result for FromContext and the header
	// values. The Result is in this package's own context value, so the
	// handler sees the innermost limiter that counted it, and nothing any
	// other middleware holds is written.
	rc := &resultContext{Context: r.Context(), res: d.res, l: l, by: d.by}
	rc.client = append(rc.clientBuf[:0], client...)
	l.writeHeaders(w.Header(), &d, deny, rc.vals[:])
	r = r.WithContext(rc)
	if deny {
		l.deny.ServeHTTP(w, r)
		return
	}
	if l.refund == nil || !d.res.Allowed || cost == 0 {
		next.ServeHTTP(w, r)
		return
	}
	ww, rec := respwriter.Wrap(w)
	next.ServeHTTP(ww, r)
	if l.refund(r, rec.Status()) {
		l.refundDecision(r, &d, client, cost)
	}
}

// refundDecision takes back cost from the windows d was counted in, in the
// store that counted it.
func (l *Limiter) refundDecision(r *http.Request, d *decision, client []byte, cost int64) {
	if l.remote != nil {
		own, ws := append([]byte(nil), client...), d.ws
		_ = l.remote.call(r.Context(), r, d.by, func(ctx context.Context, s store) error { return s.refund(ctx, own, cost, &ws) })
		return
	}
	// The concrete store, not d.by: through an interface client would
	// escape, costing every request an allocation.
	_ = l.mem.refund(r.Context(), client, cost, &d.ws)
}

// report calls WithOnDecision and WithOnLimited; r is nil from Allow.
func (l *Limiter) report(r *http.Request, d *decision) {
	if l.onDecision != nil {
		l.onDecision(r, d.res)
	}
	if !d.res.Allowed && l.onLimited != nil {
		l.onLimited(r, d.res)
	}
}

// ErrNotCounted is Charge's error for a request this Limiter did not count:
// one that did not pass through its middleware, that WithSkip exempted,
// that it denied (or, under WithDryRun, found over the limit), or that a
// failing store let through uncounted.
var ErrNotCounted = errors.New("ratelimit: request not counted by this limiter")

// Charge adds n more to every window of the key l counted r under, from
// inside the handler, once it knows what r really cost (tokens an upstream
// model used, bytes streamed). It never denies r itself, and may take a
// window past its limit: later requests see it and are denied until the
// windows holding the charge end. The charge goes to the client's windows
// current when Charge is called, in the store that counted r (Redis: one
// round trip, bounded by WithStoreTimeout; a failure is returned and
// reported like any store failure). It returns ErrNotCounted when l did
// not count r, and an error for n < 0; n == 0 does nothing.
func (l *Limiter) Charge(r *http.Request, n int64) error {
	if n < 0 {
		return fmt.Errorf("ratelimit %q: Charge(%d): want n >= 0", l.name, n)
	}
	c, ok := r.Context().Value(countedKey{l}).(*resultContext)
	if !ok || !c.res.Allowed {
		return ErrNotCounted
	}
	if n == 0 {
		return nil
	}
	if l.remote != nil {
		return l.remote.call(r.Context(), r, c.by, func(ctx context.Context, s store) error { return s.charge(ctx, c.client, n) })
	}
	return c.by.charge(r.Context(), c.client, n)
}

// ErrEmptyKey is returned by Allow and Reset for an empty key.
var ErrEmptyKey = errors.New("ratelimit: empty key")

// Allow counts one hit on key, as the middleware would for a request with
// that key, and returns the decision, for limits outside HTTP handlers
// (login attempts per account, quotas per API key). Dry run does not apply:
// the Result is the real decision. The error is nil whenever a decision was
// made, from the store or, under FallbackLocal, from memory; under FailOpen
// and FailClosed a failing store gives an error wrapping
// ErrStoreUnavailable with Result.Allowed true and false respectively.
func (l *Limiter) Allow(ctx context.Context, key string) (Result, error) {
	if key == "" {
		return Result{}, ErrEmptyKey
	}
	d, out, err := l.decide(ctx, nil, []byte(key), 1)
	switch out {
	case failedOpen:
		return Result{Allowed: true}, err
	case failedClosed:
		return Result{}, err
	}
	l.report(nil, &d)
	return d.res, nil
}

// Reset forgets key in every window, so its next hit starts afresh (after a
// successful login, say), in the store and in the FallbackLocal memory.
func (l *Limiter) Reset(ctx context.Context, key string) error {
	if key == "" {
		return ErrEmptyKey
	}
	if l.mem != nil {
		return l.mem.forget(ctx, []byte(key))
	}
	return l.remote.forget(ctx, []byte(key))
}

type outcome int

const (
	counted      outcome = iota // d holds the decision
	failedOpen                  // the store failed: let the request through
	failedClosed                // the store failed: 503
)

// decide counts cost for client and returns the decision.
func (l *Limiter) decide(ctx context.Context, r *http.Request, client []byte, cost int64) (decision, outcome, error) {
	if l.mem != nil {
		var st [maxWindows]winState
		ok, _ := l.mem.take(ctx, client, cost, &st)
		d := l.finish(&st, ok, cost)
		d.by = l.mem
		return d, counted, nil
	}
	// The remote store gets its own copy of client: an abandoned call may
	// outlive this one, and through the store interface client would
	// escape, costing the memory path's stack buffer an allocation.
	return l.remote.decide(ctx, l, r, bytes.Clone(client), cost)
}

// finish turns the windows' states into a decision. An allowed request is
// described by the window with the fewest remaining (ties: the one ending
// last); a denied one by the exceeded window that ends last, so that
// Retry-After is the longest wait.
func (l *Limiter) finish(st *[maxWindows]winState, allowed bool, cost int64) decision {
	d := decision{n: len(l.windows), ws: *st}
	best := -1
	for i := 0; i < d.n; i++ {
		s := &st[i]
		if !allowed {
			if s.count+cost <= s.limit {
				continue // not exceeded
			}
			d.over |= 1 << i
			if best < 0 || s.reset.After(st[best].reset) {
				best = i
			}
			continue
		}
		if best < 0 || s.remaining() < st[best].remaining() ||
			(s.remaining() == st[best].remaining() && s.reset.After(st[best].reset)) {
			best = i
		}
	}
	if best < 0 {
		best = 0 // denied with no window exceeded: a store's race (ululeStore)
	}
	s := &st[best]
	d.win = best
	d.res = Result{Limit: s.limit, Remaining: s.remaining(), Reset: s.reset, Allowed: allowed}
	return d
}

func (s *winState) remaining() int64 { return min(max(s.limit-s.count, 0), s.limit) }
