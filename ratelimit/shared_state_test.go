package ratelimit_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed1f3c5038/mw/logging"
	"github.com/seed1f3c5038/mw/ratelimit"
)

// Under logging the limiter leaves its Result in the request's shared state
// instead of copying the request; FromContext must find it, and with
// limiters on both sides of logging it must still be the innermost one's.
func TestFromContextUnderLogging(t *testing.T) {
	outer, err := ratelimit.New("100-M", ratelimit.WithName("outer"))
	require.NoError(t, err)
	defer outer.Close()
	inner, err := ratelimit.New("7-M", ratelimit.WithName("inner"))
	require.NoError(t, err)
	defer inner.Close()
	logged := logging.New(slog.New(slog.NewJSONHandler(io.Discard, nil)))

	var got ratelimit.Result
	var ok bool
	probe := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok = ratelimit.FromContext(r.Context())
	})
	serve := func(h http.Handler) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		h.ServeHTTP(httptest.NewRecorder(), r)
	}

	serve(logged(inner.Middleware(probe)))
	require.True(t, ok)
	assert.EqualValues(t, 7, got.Limit)

	ok = false
	serve(outer.Middleware(logged(inner.Middleware(probe))))
	require.True(t, ok)
	assert.EqualValues(t, 7, got.Limit, "the innermost limiter's Result")

	ok = false
	serve(logged(outer.Middleware(probe)))
	require.True(t, ok)
	assert.EqualValues(t, 100, got.Limit)

	// A request outside any limiter has no Result, logged or not.
	ok = true
	serve(logged(probe))
	assert.False(t, ok)
}
