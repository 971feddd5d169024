package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"
)

// FailurePolicy says what a Limiter does while its store (WithStore,
// WithRedis) fails or is slower than WithStoreTimeout.
type FailurePolicy int

const (
	// FallbackLocal (default) limits each instance with an in-memory store
	// of the same rates while the store fails, so the limit holds per
	// instance instead of across them.
	FallbackLocal FailurePolicy = iota
	// FailOpen lets requests through, without rate limit headers.
	FailOpen
	// FailClosed answers 503 Service Unavailable with Retry-After: 1.
	FailClosed
)

var (
	// ErrStoreUnavailable is wrapped by every store failure reported to
	// WithOnError, and by Allow's error under FailOpen and FailClosed.
	ErrStoreUnavailable = errors.New("ratelimit: store unavailable")
	// ErrStoreRecovered is reported to WithOnError once when a failed store
	// answers again.
	ErrStoreRecovered = errors.New("ratelimit: store answers again")
)

// probeEvery is how often a failed store is tried again. Between tries the
// store is not called at all, so a dead Redis costs one timeout a second,
// not one per request.
const probeEvery = time.Second

// remote wraps a store that can fail or block: the timeout, the failure
// policy with its in-memory fallback, the health state, the error reports,
// and the local deny cache.
type remote struct {
	primary counter
	direct  bool // never blocks nor fails (ulule's memory store): call it plainly
	inline  bool // honours context deadlines: no goroutine needed to bound it
	timeout time.Duration
	policy  FailurePolicy
	local   *memCounter // FallbackLocal's store
	onError func(*http.Request, error)
	denied  *denyCache

	down       atomic.Bool
	nextProbe  atomic.Int64 // Unix nanoseconds
	lastReport atomic.Int64 // Unix nanoseconds
}

func newRemote(cfg *config, primary counter, inline bool, ws []window) *remote {
	s := &remote{
		primary: primary,
		inline:  inline,
		timeout: cfg.storeTimeout,
		policy:  cfg.failure,
		onError: cfg.onError,
		denied:  newDenyCache(denyCacheSize),
	}
	if s.policy == FallbackLocal {
		s.local = newMemCounter(cleanInterval(ws))
	}
	return s
}

func (s *remote) decide(ctx context.Context, l *Limiter, r *http.Request, client []byte, cost int64) (decision, outcome, error) {
	if s.direct {
		d, err := l.count(ctx, s.primary, client, cost)
		return d, counted, err
	}
	now := time.Now()
	// A cost-0 request may pass a full window (see WithCost), so only
	// requests that cost something are answered from the cache.
	if cost > 0 {
		if d, ok := s.denied.lookup(client, now); ok {
			return d, counted, nil
		}
	}
	var err error
	if s.usePrimary(now.UnixNano()) {
		var d decision
		d, err = s.bounded(ctx, l, client, cost)
		if err == nil {
			// Load first: a write on every request would bounce the
			// cache line between cores.
			if s.down.Load() && s.down.CompareAndSwap(true, false) && s.onError != nil {
				s.onError(r, ErrStoreRecovered)
			}
			if !d.denyUntil.IsZero() {
				s.denied.add(client, d)
			}
			return d, counted, nil
		}
		err = fmt.Errorf("%w: %w", ErrStoreUnavailable, err)
		s.failed(r, err)
	} else {
		err = ErrStoreUnavailable
	}
	switch s.policy {
	case FallbackLocal:
		d, _ := l.count(context.Background(), s.local, client, cost)
		return d, counted, nil
	case FailOpen:
		return decision{}, failedOpen, err
	default:
		return decision{}, failedClosed, err
	}
}

// usePrimary reports whether to call the store: always while it is
// healthy; while it is down, for one caller per probeEvery.
func (s *remote) usePrimary(now int64) bool {
	if !s.down.Load() {
		return true
	}
	next := s.nextProbe.Load()
	return now >= next && s.nextProbe.CompareAndSwap(next, now+int64(probeEvery))
}

// failed marks the store down and reports err, at most once per second.
func (s *remote) failed(r *http.Request, err error) {
	now := time.Now().UnixNano()
	s.nextProbe.Store(now + int64(probeEvery))
	s.down.Store(true)
	if s.onError == nil {
		return
	}
	last := s.lastReport.Load()
	if now-last < int64(time.Second) || !s.lastReport.CompareAndSwap(last, now) {
		return
	}
	s.onError(r, err)
}

// bounded runs count on the store within s.timeout (see within).
func (s *remote) bounded(parent context.Context, l *Limiter, client []byte, cost int64) (decision, error) {
	if s.inline {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), s.timeout)
		defer cancel()
		return l.count(ctx, s.primary, client, cost)
	}
	var d decision
	// client lives on the caller's stack, and the call may outlive it.
	own := append([]byte(nil), client...)
	err := s.within(parent, func(ctx context.Context) error {
		var err error
		d, err = l.count(ctx, s.primary, own, cost)
		return err
	})
	if err != nil {
		return decision{}, err // d may still be written by an abandoned call
	}
	return d, nil
}

// within runs f with a context that ends after s.timeout. The store call
// does not get the request's cancellation (a client hanging up is not a
// store failure) but keeps its values. go-redis ignores context deadlines
// unless its client sets ContextTimeoutEnabled, and other stores may too,
// so for them f runs in a goroutine that is abandoned at the deadline: it
// ends by itself when the store gives up (go-redis: its ReadTimeout), and
// while the store is down at most one call a second is made.
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

// reset forgets key in every window of the store, the fallback and the
// deny cache.
func (s *remote) reset(ctx context.Context, l *Limiter, key string) error {
	s.denied.remove(key)
	var errs []error
	for i := range l.windows {
		w := &l.windows[i]
		if s.local != nil {
			s.local.reset(ctx, w.keyWith(s.local.head(w), []byte(key)), w)
		}
		k := w.keyWith(s.primary.head(w), []byte(key))
		var err error
		if s.direct {
			err = s.primary.reset(ctx, k, w)
		} else {
			err = s.within(ctx, func(ctx context.Context) error { return s.primary.reset(ctx, k, w) })
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%w: %w", ErrStoreUnavailable, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		if !s.direct {
			s.failed(nil, err)
		}
		return err
	}
	return nil
}
