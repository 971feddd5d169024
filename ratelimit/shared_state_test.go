package ratelimit_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed1f3c5038/mw/logging"
	"github.com/seed1f3c5038/mw/ratelimit"
	"github.com/seed1f3c5038/mw/timeout"
)

// Each limiter keeps its Result in a context value of its own, never in
// logging's state; FromContext finds it under logging, and with limiters on
// both sides of logging it is the innermost one's.
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

// logging -> limiter A -> timeout (with its own handler) -> limiter B: B
// runs in timeout's handler goroutine while timeout's handler h answers on
// the request timeout received. Under -race nothing is shared, and h sees
// A's Result, the one its caller saw, not B's.
func TestStackedLimitersAcrossTimeout(t *testing.T) {
	a, err := ratelimit.New("100-M", ratelimit.WithName("a"))
	require.NoError(t, err)
	b, err := ratelimit.New("50-M", ratelimit.WithName("b"))
	require.NoError(t, err)
	logged := logging.New(slog.New(slog.NewJSONHandler(io.Discard, nil)))

	var mu sync.Mutex
	var seenByH, seenByCaller []int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, ok := ratelimit.FromContext(r.Context())
		mu.Lock()
		if ok {
			seenByH = append(seenByH, res.Limit)
		}
		mu.Unlock()
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, _ := ratelimit.FromContext(r.Context())
		if res.Limit != 50 {
			t.Errorf("inside B: limit %d, want B's 50", res.Limit)
		}
		<-r.Context().Done() // past the deadline
		time.Sleep(5 * time.Millisecond)
	})
	caller := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			res, _ := ratelimit.FromContext(r.Context())
			mu.Lock()
			seenByCaller = append(seenByCaller, res.Limit)
			mu.Unlock()
			next.ServeHTTP(w, r)
		})
	}
	stack := logged(a.Middleware(caller(timeout.New(20*time.Millisecond, timeout.WithHandler(h))(b.Middleware(slow)))))
	srv := httptest.NewServer(stack)
	defer srv.Close()
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := srv.Client().Get(srv.URL)
			if assert.NoError(t, err) {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, seenByH, 8)
	for i := range seenByH {
		assert.EqualValues(t, 100, seenByH[i], "the timeout handler sees A's Result")
		assert.EqualValues(t, 100, seenByCaller[i])
	}
}
