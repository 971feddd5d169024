package ratelimit

import (
	"context"
	"errors"
	"math/bits"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// FailurePolicy says what a Limiter does while its store (WithStore,
// WithRedis) fails or is slower than WithStoreTimeout.
type FailurePolicy int

const (
	// FallbackLocal (default) limits each instance with an in-memory store
	// of the same rates while the store fails, each limit divided by
	// WithInstances, so that the total across instances holds.
	FallbackLocal FailurePolicy = iota
	// FailOpen lets requests through, without rate limit headers.
	FailOpen
	// FailClosed answers 503 Service Unavailable with Retry-After: 1.
	FailClosed
)

var (
	// ErrStoreUnavailable is wrapped by every store failure reported to
	// WithOnError, and by Allow's error under FailOpen and FailClosed.
	// Those errors also wrap the store's own error when there is one
	// (errors.As finds a *net.OpError for a refused connection).
	ErrStoreUnavailable = errors.New("ratelimit: store unavailable")
	// ErrStoreRecovered is reported to WithOnError once when a degraded
	// store answers again.
	ErrStoreRecovered = errors.New("ratelimit: store answers again")
)

// The rule for "the store is down": at least downFailures of the last
// historyLen calls failed (an error, or no answer within WithStoreTimeout).
// One slow call, or a few, is not an outage: such a request alone is
// decided by the failure policy, and the next goes to the store again.
// While down, one request per probeEvery tries the store; the first that
// succeeds ends the outage, so the Limiter is back on the store within
// probeEvery of its recovery (plus one call).
const (
	historyLen   = 32
	downFailures = historyLen / 2
	probeEvery   = time.Second
)

// storeError is what WithOnError and Allow get: it names the limiter and
// wraps both ErrStoreUnavailable and the store's own error.
type storeError struct {
	name string
	err  error // nil while degraded and the store was not called
}

func (e *storeError) Error() string {
	s := "ratelimit " + strconv.Quote(e.name) + ": store unavailable"
	if e.err != nil {
		s += ": " + e.err.Error()
	}
	return s
}

func (e *storeError) Unwrap() []error {
	if e.err == nil {
		return []error{ErrStoreUnavailable}
	}
	return []error{ErrStoreUnavailable, e.err}
}

// remote wraps a store that can fail or block: the timeout, the failure
// policy with its in-memory fallback, the health state and the error
// reports.
type remote struct {
	name    string
	primary store
	direct  bool // never blocks nor fails (ulule's memory store): call it plainly
	inline  bool // honours context deadlines: no goroutine needed to bound it
	timeout time.Duration
	policy  FailurePolicy
	local   *memStore // FallbackLocal's store
	onError func(*http.Request, error)

	history    atomic.Uint64 // the last historyLen calls, newest in bit 0, 1 = failed
	down       atomic.Bool
	nextProbe  atomic.Int64 // Unix nanoseconds
	lastReport atomic.Int64 // Unix nanoseconds
}

func newRemote(cfg *config, primary store, inline bool, ws []window) *remote {
	s := &remote{
		name:    cfg.name,
		primary: primary,
		inline:  inline,
		timeout: cfg.storeTimeout,
		policy:  cfg.failure,
		onError: cfg.onError,
	}
	if s.policy == FallbackLocal {
		s.local = newMemStore(ws, cfg.algorithm, int64(cfg.instances), cfg.maxKeys)
	}
	return s
}

// decide counts cost for client on the store, or as WithFailure says while
// it fails. client is decide's own: a call abandoned at the timeout may
// still read it.
func (s *remote) decide(ctx context.Context, l *Limiter, r *http.Request, client []byte, cost int64) (decision, outcome, error) {
	var st [maxWindows]winState
	if s.direct {
		ok, _ := s.primary.take(ctx, client, cost, &st)
		d := l.finish(&st, ok, cost)
		d.by = s.primary
		return d, counted, nil
	}
	var err error
	if s.usePrimary(time.Now().UnixNano()) {
		var ok bool
		if ok, err = s.bounded(ctx, client, cost, &st); err == nil {
			s.succeeded(r)
			d := l.finish(&st, ok, cost)
			d.by = s.primary
			return d, counted, nil
		}
		err = &storeError{s.name, err}
		s.failed(r, err)
	} else {
		err = &storeError{name: s.name}
	}
	switch s.policy {
	case FallbackLocal:
		ok, _ := s.local.take(ctx, client, cost, &st)
		d := l.finish(&st, ok, cost)
		d.by = s.local
		return d, counted, nil
	case FailOpen:
		return decision{}, failedOpen, err
	default:
		return decision{}, failedClosed, err
	}
}

// usePrimary reports whether to call the store: always unless it is down;
// while it is down, for one caller per probeEvery.
func (s *remote) usePrimary(now int64) bool {
	if !s.down.Load() {
		return true
	}
	next := s.nextProbe.Load()
	return now >= next && s.nextProbe.CompareAndSwap(next, now+int64(probeEvery))
}

// succeeded records a call that worked, and ends an outage.
func (s *remote) succeeded(r *http.Request) {
	// Loads first: a write on every request would bounce the cache lines
	// between cores.
	if h := s.history.Load(); h != 0 {
		s.history.CompareAndSwap(h, h<<1)
	}
	if s.down.Load() && s.down.CompareAndSwap(true, false) {
		s.history.Store(0)
		if s.onError != nil {
			s.onError(r, &recovered{s.name})
		}
	}
}

// failed records a failed call, marks the store down by the rule above,
// and reports err, at most once a second.
func (s *remote) failed(r *http.Request, err error) {
	now := time.Now().UnixNano()
	var h uint64
	for {
		old := s.history.Load()
		h = (old<<1 | 1) & (1<<historyLen - 1)
		if s.history.CompareAndSwap(old, h) {
			break
		}
	}
	if s.down.Load() {
		s.nextProbe.Store(now + int64(probeEvery)) // a failed probe
	} else if bits.OnesCount64(h) >= downFailures {
		s.nextProbe.Store(now + int64(probeEvery))
		s.down.Store(true)
	}
	if s.onError == nil {
		return
	}
	last := s.lastReport.Load()
	if now-last < int64(time.Second) || !s.lastReport.CompareAndSwap(last, now) {
		return
	}
	s.onError(r, err)
}

// recovered is reported once when a degraded store answers again.
type recovered struct{ name string }

func (e *recovered) Error() string {
	return "ratelimit " + strconv.Quote(e.name) + ": store answers again"
}
func (e *recovered) Unwrap() error { return ErrStoreRecovered }

// bounded runs take on the store within s.timeout (see within).
func (s *remote) bounded(parent context.Context, client []byte, cost int64, st *[maxWindows]winState) (bool, error) {
	if s.inline {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), s.timeout)
		defer cancel()
		return s.primary.take(ctx, client, cost, st)
	}
	// The call may outlive this one: it gets its own states (client is
	// decide's own copy, only read).
	var mine [maxWindows]winState
	var ok bool
	err := s.within(parent, func(ctx context.Context) error {
		var err error
		ok, err = s.primary.take(ctx, client, cost, &mine)
		return err
	})
	if err != nil {
		return false, err // mine may still be written by an abandoned call
	}
	*st = mine
	return ok, nil
}

// within runs f with a context that ends after s.timeout. The store call
// does not get the request's cancellation (a client hanging up is not a
// store failure) but keeps its values. go-redis ignores context deadlines
// unless its client sets ContextTimeoutEnabled, and other stores may too,
// so for them f runs in a goroutine that is abandoned at the deadline: it
// ends by itself when the store gives up (go-redis: its ReadTimeout).
func (s *remote) within(parent context.Context, f func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), s.timeout)
	defer cancel()
	if s.inline {
		return f(ctx)
	}
	done := make(chan error, 1)
	go func() { done <- f(ctx) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// forget removes client from the store and the fallback memory.
func (s *remote) forget(ctx context.Context, client []byte) error {
	if s.local != nil {
		s.local.forget(ctx, client)
	}
	if s.direct {
		return s.primary.forget(ctx, client)
	}
	own := append([]byte(nil), client...)
	err := s.within(ctx, func(ctx context.Context) error { return s.primary.forget(ctx, own) })
	if err != nil {
		err = &storeError{s.name, err}
		s.failed(nil, err)
	}
	return err
}

// call runs f on the store that counted a request (by): the memory
// fallback or a direct store plainly, the remote store within s.timeout,
// like a decision. f must own what it uses: it may outlive the call. A
// failure counts as a store failure, is reported, and is returned.
func (s *remote) call(ctx context.Context, r *http.Request, by store, f func(context.Context, store) error) error {
	if by != s.primary || s.direct {
		return f(ctx, by)
	}
	err := s.within(ctx, func(ctx context.Context) error { return f(ctx, s.primary) })
	if err != nil {
		err = &storeError{s.name, err}
		s.failed(r, err)
		return err
	}
	s.succeeded(r)
	return nil
}
