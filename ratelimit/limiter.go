package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/ulule/limiter/v3"
	"github.com/ulule/limiter/v3/drivers/store/memory"

	"github.com/seed1f3c5038/mw/internal/clientip"
	"github.com/seed1f3c5038/mw/internal/reqlog"
)

// maxWindows is the most windows a Limiter can have: ulule knows four
// periods (S, M, H, D) and New rejects a period given twice.
const maxWindows = 4

// Limiter throttles requests before they reach the handler. It is safe for
// concurrent use. See the package documentation for the algorithm.
type Limiter struct {
	windows []window
	policy  string // RateLimit-Policy value

	keyFunc   KeyFunc
	ips       *clientip.Resolver
	ipv6Bits  int
	skip      func(*http.Request) bool
	cost      func(*http.Request) int64
	headers   HeaderStyle
	deny      http.Handler
	dryRun    bool
	onLimited func(*http.Request, Result)

	mem    *memCounter // the private in-memory store; nil with WithStore/WithRedis
	remote *remote     // WithStore/WithRedis; nil for the private memory store

	closeOnce sync.Once
}

// New parses one or more comma-separated rates in ulule/limiter's format:
// "100-M" is 100 per minute, "10-S, 1000-H" is both at once (periods S, M,
// H, D; each at most once). Without WithStore/WithRedis each Limiter has
// its own in-memory store, cleaned by a goroutine that stops on Close (or
// when the Limiter is garbage collected). New does no I/O: with WithRedis
// it succeeds while Redis is unreachable.
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
	if err := cfg.err(); err != nil {
		return nil, err
	}
	ips, err := clientip.New(cfg.ipHeader, cfg.trusted...)
	if err != nil {
		return nil, fmt.Errorf("ratelimit: %w", err)
	}
	l := &Limiter{
		keyFunc:   cfg.keyFunc,
		ips:       ips,
		ipv6Bits:  cfg.ipv6Bits,
		skip:      cfg.skip,
		cost:      cfg.cost,
		headers:   cfg.headers,
		deny:      cfg.deny,
		dryRun:    cfg.dryRun,
		onLimited: cfg.onLimited,
	}
	for i, r := range parsed {
		l.windows = append(l.windows, newWindow(cfg.name, i, r, len(parsed) > 1))
	}
	l.policy = ietfPolicy(l.windows)

	switch {
	case cfg.redis != nil:
		l.remote = newRemote(&cfg, storeCounter{newRedisStore(cfg.redis)}, redisHonoursContext(cfg.redis), l.windows)
	case cfg.store != nil:
		if ms, ok := cfg.store.(*memory.Store); ok {
			// Never blocks, never fails: no timeout, no fallback.
			l.remote = &remote{primary: storeCounter{ms}, direct: true}
		} else {
			l.remote = newRemote(&cfg, storeCounter{cfg.store}, false, l.windows)
		}
	default:
		l.mem = newMemCounter(cleanInterval(l.windows))
	}
	// The cleaners reference only their caches, so an abandoned Limiter can
	// be collected, and this stops them.
	runtime.SetFinalizer(l, func(l *Limiter) { l.Close() })
	return l, nil
}

// parseRates parses "10-S, 1000-H" with ulule's parser.
func parseRates(s string) ([]limiter.Rate, error) {
	var out []limiter.Rate
	seen := map[time.Duration]bool{}
	for _, part := range strings.Split(s, ",") {
		p := strings.TrimSpace(part)
		r, err := limiter.NewRateFromFormatted(p)
		if err != nil {
			return nil, fmt.Errorf("ratelimit: bad rate %q in %q: %v", p, s, err)
		}
		if r.Limit < 1 {
			return nil, fmt.Errorf("ratelimit: bad rate %q in %q: the limit must be at least 1", p, s)
		}
		if seen[r.Period] {
			return nil, fmt.Errorf("ratelimit: bad rate %q in %q: a second rate for the same period", p, s)
		}
		seen[r.Period] = true
		out = append(out, r)
	}
	return out, nil
}

// Close stops the background work: the in-memory cleaners (of the private
// store and of the FallbackLocal store). The Limiter keeps limiting after
// Close, but expired keys are no longer removed. Close never closes a Redis
// client or a store given to it. It always returns nil.
func (l *Limiter) Close() error {
	l.closeOnce.Do(func() {
		if l.mem != nil {
			l.mem.close()
		}
		if l.remote != nil && l.remote.local != nil {
			l.remote.local.close()
		}
	})
	return nil
}

// Middleware returns next behind the limit. Per request, in order: a
// request WithSkip exempts goes straight to next; otherwise it is counted
// in every window under its key, and gets the rate limit headers. An allowed
// request reaches next with its Result in the context (FromContext). A
// denied one never reaches next: it gets 429 with Retry-After (whole
// seconds, at least 1) and a short text body, or the WithDenyHandler
// response. While the store fails, WithFailure decides: FallbackLocal
// counts in memory as above, FailOpen passes the request to next with no
// headers, FailClosed answers 503 with Retry-After: 1.
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
	var buf [64]byte
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
	if !d.res.Allowed && l.onLimited != nil {
		l.onLimited(r, d.res)
	}
	deny := !d.res.Allowed && !l.dryRun
	if deny && l.deny == nil {
		l.writeHeaders(w.Header(), &d, true, true, nil)
		w.WriteHeader(http.StatusTooManyRequests)
		w.Write(denyBody)
		return
	}
	// One allocation holds the Result for FromContext and the header values.
	rc := &resultContext{Context: r.Context(), res: d.res}
	l.writeHeaders(w.Header(), &d, deny, false, rc.vals[:])
	if st := reqlog.FromContext(r.Context()); st != nil {
		// A logged request has a place for it already: no request copy.
		st.RateLimit = rc
	} else {
		r = r.WithContext(rc)
	}
	if deny {
		l.deny.ServeHTTP(w, r)
		return
	}
	next.ServeHTTP(w, r)
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
	if !d.res.Allowed && l.onLimited != nil {
		l.onLimited(nil, d.res)
	}
	return d.res, nil
}

// Reset forgets key in every window, so its next hit starts afresh (after a
// successful login, say). With a shared store, other instances' deny caches
// may still refuse key until its window would have reset.
func (l *Limiter) Reset(ctx context.Context, key string) error {
	if key == "" {
		return ErrEmptyKey
	}
	if l.mem != nil {
		for i := range l.windows {
			w := &l.windows[i]
			l.mem.reset(ctx, w.keyWith(l.mem.head(w), []byte(key)), w)
		}
		return nil
	}
	return l.remote.reset(ctx, l, key)
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
		d, _ := l.count(context.Background(), l.mem, client, cost)
		return d, counted, nil
	}
	return l.remote.decide(ctx, l, r, client, cost)
}

// count adds cost to client in every window of c. A denied request counts
// in no window: what it added is taken back (refunded), so that hammering
// through a per-second limit does not eat the hourly budget, and a denied
// expensive request does not block cheaper ones that still fit. Allowed
// hits are never refunded, which is why exactly Limit requests pass per
// window, however many race.
func (l *Limiter) count(ctx context.Context, c counter, client []byte, cost int64) (decision, error) {
	if len(l.windows) == 1 {
		return l.countOne(ctx, c, client, cost)
	}
	return l.countMany(ctx, c, client, cost)
}

// countOne is count for a single window, the common case, kept free of
// countMany's per-window arrays.
func (l *Limiter) countOne(ctx context.Context, c counter, client []byte, cost int64) (decision, error) {
	w := &l.windows[0]
	key := w.keyWith(c.head(w), client)
	t, err := c.hit(ctx, key, w, cost)
	if err != nil {
		return decision{}, err
	}
	d := decision{res: Result{Limit: w.rate.Limit, Remaining: t.remaining, Reset: t.resetHi, Allowed: !t.reached}}
	if t.reached {
		// The clock is read only here: time.Now is a noticeable part of the
		// allowed path, where ulule's cache already reads it twice.
		d.now = time.Now()
		refund(ctx, c, key, w, &t, cost, d.now)
		d.res.Remaining = t.remaining
		if cost == 1 {
			d.denyUntil = t.resetLo
		}
	}
	return d, nil
}

func (l *Limiter) countMany(ctx context.Context, c counter, client []byte, cost int64) (decision, error) {
	n := len(l.windows)
	var keys [maxWindows]string
	var ts [maxWindows]tally
	reached := false
	for i := 0; i < n; i++ {
		w := &l.windows[i]
		keys[i] = w.keyWith(c.head(w), client)
		t, err := c.hit(ctx, keys[i], w, cost)
		if err != nil {
			return decision{}, err
		}
		ts[i] = t
		reached = reached || t.reached
	}
	var now time.Time
	if reached {
		now = time.Now()
		for i := 0; i < n; i++ {
			refund(ctx, c, keys[i], &l.windows[i], &ts[i], cost, now)
		}
	}
	best := -1
	for i := 0; i < n; i++ {
		if reached && !ts[i].reached {
			continue
		}
		if best < 0 || ts[i].remaining < ts[best].remaining ||
			(ts[i].remaining == ts[best].remaining && ts[i].resetHi.After(ts[best].resetHi)) {
			best = i
		}
	}
	d := decision{
		res: Result{
			Limit:     l.windows[best].rate.Limit,
			Remaining: ts[best].remaining,
			Reset:     ts[best].resetHi,
			Allowed:   !reached,
		},
		win: best,
		now: now,
	}
	// A cost-1 request over the limit leaves its exceeded windows full until
	// they reset: every later request of that client is denied until the
	// last of them does.
	if reached && cost == 1 {
		for i := 0; i < n; i++ {
			if ts[i].reached && ts[i].resetLo.After(d.denyUntil) {
				d.denyUntil = ts[i].resetLo
			}
		}
	}
	return d, nil
}

// refund takes a denied request's cost back from one window and updates t.
func refund(ctx context.Context, c counter, key string, w *window, t *tally, cost int64, now time.Time) {
	// Past the window's end the counter may already be a new window's,
	// which a refund would push below zero.
	if cost <= 0 || !now.Before(t.resetLo) {
		return
	}
	if _, err := c.hit(ctx, key, w, -cost); err != nil || !t.known {
		return
	}
	t.count -= cost
	t.remaining = min(max(w.rate.Limit-t.count, 0), w.rate.Limit)
}
