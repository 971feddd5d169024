package ratelimit

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/ulule/limiter/v3"
)

// slowStore is a ulule store that ignores contexts: every call takes delay,
// then fails when failing is set or answers as ulule's memory store would.
type slowStore struct {
	limiter.Store
	delay   time.Duration
	failing atomic.Bool
	calls   atomic.Int64
	peeks   atomic.Int64
}

func (s *slowStore) Peek(ctx context.Context, key string, r limiter.Rate) (limiter.Context, error) {
	s.calls.Add(1)
	s.peeks.Add(1)
	time.Sleep(s.delay)
	if s.failing.Load() {
		return limiter.Context{}, errors.New("store on fire")
	}
	return s.Store.Peek(ctx, key, r)
}

func (s *slowStore) Increment(ctx context.Context, key string, n int64, r limiter.Rate) (limiter.Context, error) {
	s.calls.Add(1)
	time.Sleep(s.delay)
	if s.failing.Load() {
		return limiter.Context{}, errors.New("store on fire")
	}
	return s.Store.Increment(ctx, key, n, r)
}

func TestWithStoreIsBoundedAndFallsBack(t *testing.T) {
	store := &slowStore{Store: uluMemoryStore(), delay: 300 * time.Millisecond}
	var reports atomic.Int64
	l := newLimiter(t, "2-M", WithStore(store), WithStoreTimeout(20*time.Millisecond),
		WithOnError(func(r *http.Request, err error) {
			reports.Add(1)
			assert.ErrorIs(t, err, context.DeadlineExceeded)
		}))
	h := l.Middleware(&ok{})
	var codes []int
	for range 20 {
		start := time.Now()
		codes = append(codes, do(h, request("192.0.2.1:1")).Code)
		assert.Less(t, time.Since(start), 200*time.Millisecond, "a store ignoring its context is still bounded")
	}
	assert.Equal(t, []int{200, 200, 429, 429}, codes[:4], "FallbackLocal limits in memory")
	assert.EqualValues(t, 1, reports.Load())
	assert.True(t, l.Degraded())
	assert.EqualValues(t, downFailures, store.peeks.Load(), "down after half of the last calls failed; then the store is left alone")
	time.Sleep(400 * time.Millisecond) // let the abandoned calls end before the leak check
}

func TestWithStoreFailureAndRecovery(t *testing.T) {
	store := &slowStore{Store: uluMemoryStore()}
	store.failing.Store(true)
	var errs []error
	l := newLimiter(t, "5-M", WithStore(store), WithOnError(func(r *http.Request, err error) { errs = append(errs, err) }))
	h := l.Middleware(&ok{})
	assert.Equal(t, 200, do(h, request("192.0.2.1:1")).Code)
	assert.False(t, l.Degraded(), "one failure is not an outage")
	for range downFailures - 1 {
		do(h, request("192.0.2.9:1"))
	}
	assert.True(t, l.Degraded())
	store.failing.Store(false)
	time.Sleep(probeEvery + 50*time.Millisecond)
	w := do(h, request("192.0.2.1:1"))
	assert.Equal(t, 200, w.Code)
	assert.Equal(t, "4", w.Header().Get("X-RateLimit-Remaining"), "counted in the store again, which never saw the first request")
	require.Len(t, errs, 2)
	assert.ErrorIs(t, errs[0], ErrStoreUnavailable)
	assert.ErrorIs(t, errs[1], ErrStoreRecovered)
	assert.False(t, l.Degraded())
}

func TestPanicsPassThrough(t *testing.T) {
	l := newLimiter(t, "5-M")
	h := l.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) }))
	assert.PanicsWithValue(t, http.ErrAbortHandler, func() { do(h, request("192.0.2.1:1")) })
}

func TestStackedLimitersFromContextIsInnermost(t *testing.T) {
	outer := newLimiter(t, "100-M", WithName("outer"))
	inner := newLimiter(t, "10-M", WithName("inner"))
	next := &ok{}
	do(outer.Middleware(inner.Middleware(next)), request("192.0.2.1:1"))
	require.True(t, next.found)
	assert.Equal(t, int64(10), next.last.Limit)
}
