package ratelimit

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed1f3c5038/mw/internal/redistest"
)

// A charge from inside the handler pushes later requests over, in every
// window, and never denies the request that made it.
func TestChargePushesLaterRequestsOver(t *testing.T) {
	for name, opts := range storeOptions(t) {
		t.Run(name, func(t *testing.T) {
			var l *Limiter
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				assert.NoError(t, l.Charge(r, 8))
				w.WriteHeader(200)
			})
			l = newLimiter(t, "10-M, 100-H", opts...)
			mw := l.Middleware(h)
			assert.Equal(t, 200, do(mw, request("192.0.2.1:1")).Code, "1 + 8 of 10")
			assert.Equal(t, 200, do(mw, request("192.0.2.1:1")).Code, "10 of 10, then 18: over, but not denied")
			w := do(mw, request("192.0.2.1:1"))
			assert.Equal(t, 429, w.Code)
			assert.Equal(t, 200, do(mw, request("192.0.2.2:1")).Code, "another client is not charged")
			res, err := l.Allow(context.Background(), "192.0.2.1")
			require.NoError(t, err)
			assert.False(t, res.Allowed)
		})
	}
}

func TestChargeWithoutCountedRequest(t *testing.T) {
	l := newLimiter(t, "1-M")
	other := newLimiter(t, "1-M", WithName("other"))
	assert.ErrorIs(t, l.Charge(httptest.NewRequest("GET", "/", nil), 1), ErrNotCounted, "never through the middleware")

	var errs []error
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		errs = append(errs, l.Charge(r, 1), other.Charge(r, 1))
	})
	// l counts, other (further in) too: each finds its own record.
	do(l.Middleware(other.Middleware(h)), request("192.0.2.1:1"))
	assert.Equal(t, []error{nil, nil}, errs)

	errs = nil
	do(other.Middleware(h), request("192.0.2.9:1"))
	assert.ErrorIs(t, errs[0], ErrNotCounted, "l did not count it; other did")
	assert.NoError(t, errs[1])

	errs = nil
	skip := newLimiter(t, "1-M", WithSkip(func(*http.Request) bool { return true }))
	do(skip.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		errs = append(errs, skip.Charge(r, 1))
	})), request("192.0.2.1:1"))
	assert.ErrorIs(t, errs[0], ErrNotCounted, "skipped")

	assert.ErrorContains(t, l.Charge(httptest.NewRequest("GET", "/", nil), -1), "want n >= 0")
}

// With Redis a refund is one more round trip (one EVALSHA), and so is a
// Charge: both after the decision's own.
func TestRedisRefundAndChargeOneRoundTrip(t *testing.T) {
	srv := redistest.Start(t)
	rdb := admin(t, srv)
	var l *Limiter
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Charge") != "" {
			assert.NoError(t, l.Charge(r, 2))
		}
		w.WriteHeader(200)
	})
	in := newInstance(t, srv, "1000-S, 10000-M, 100000-H", WithName("rt-refund"), countFailures)
	l = in.l
	in.h = l.Middleware(h)
	r := request("192.0.2.1:1")
	do(in.h, r) // loads both scripts
	do(in.h, request("192.0.2.1:1", "X-Charge", "1"))
	before, stats := in.cmds.total(), commandCalls(t, rdb)
	for range 20 {
		require.Equal(t, 200, do(in.h, r).Code)
	}
	for range 10 {
		require.Equal(t, 200, do(in.h, request("192.0.2.1:1", "X-Charge", "1")).Code)
	}
	after := commandCalls(t, rdb)
	assert.Equal(t, 2*30+10, in.cmds.total()-before, "one round trip each: decision and refund per request (all return 200), plus each Charge")
	assert.Equal(t, 2*30+10, after["evalsha"]-stats["evalsha"], "one EVALSHA per round trip (INFO commandstats)")
	assert.Equal(t, stats["eval"], after["eval"])
}
