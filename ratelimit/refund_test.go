package ratelimit

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed1f3c5038/mw/internal/redistest"
)

// statusHandler answers the status in the request's X-Status header (200
// without one).
var statusHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	code := 200
	if s := r.Header.Get("X-Status"); s != "" {
		code, _ = strconv.Atoi(s)
	}
	w.WriteHeader(code)
})

func withStatus(code int) *http.Request {
	return request("192.0.2.1:1", "X-Status", strconv.Itoa(code))
}

var countFailures = WithRefund(func(_ *http.Request, s int) bool { return s < 400 })

// storeOptions gives the memory store and, when redis-server runs here,
// Redis.
func storeOptions(t *testing.T) map[string][]Option {
	srv := redistest.Start(t)
	return map[string][]Option{
		"memory": nil,
		"redis":  {WithRedis(srv.Client(t)), WithStoreTimeout(5 * time.Second)},
	}
}

func TestRefundByStatus(t *testing.T) {
	for name, opts := range storeOptions(t) {
		t.Run(name, func(t *testing.T) {
			l := newLimiter(t, "3-M, 100-H", append(opts, countFailures)...)
			h := l.Middleware(statusHandler)
			for i := 0; i < 10; i++ {
				w := do(h, withStatus(200))
				require.Equal(t, 200, w.Code, "successes are refunded")
				assert.Equal(t, "2", w.Header().Get("X-RateLimit-Remaining"), "headers describe the state before the refund")
			}
			for i := 0; i < 3; i++ {
				assert.Equal(t, 401, do(h, withStatus(401)).Code)
			}
			assert.Equal(t, 429, do(h, withStatus(401)).Code, "three failures used the budget")
			assert.Equal(t, 429, do(h, withStatus(200)).Code, "a denied request is decided before the handler")
		})
	}
}

func TestRefundRedisThreeInstances(t *testing.T) {
	srv := redistest.Start(t)
	var ins []*instance
	for range 3 {
		in := newInstance(t, srv, "5-M", WithName("login"), WithStoreTimeout(5*time.Second), countFailures)
		in.h = in.l.Middleware(statusHandler)
		ins = append(ins, in)
	}
	var wg sync.WaitGroup
	for i := range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// 5 at a time at most can be in flight before their refund,
			// so some may be denied; none may stay counted.
			do(ins[i%3].h, withStatus(204))
		}()
		if i%4 == 3 {
			wg.Wait()
		}
	}
	wg.Wait()
	for i := 0; i < 5; i++ {
		require.Equal(t, 401, do(ins[i%3].h, withStatus(401)).Code, "failure %d: every success was refunded", i)
	}
	assert.Equal(t, 429, do(ins[0].h, withStatus(401)).Code)
	assert.Equal(t, 429, do(ins[2].h, withStatus(401)).Code)
}

// A request counted in one window and refunded after that window ended
// leaves the next window alone: the refund never lends budget to it.
func TestRefundNeverReachesNextWindow(t *testing.T) {
	for name, opts := range storeOptions(t) {
		t.Run(name, func(t *testing.T) {
			l := newLimiter(t, "2-S", append(opts, countFailures)...)
			release, entered := make(chan struct{}), make(chan time.Time, 1)
			slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				res, _ := FromContext(r.Context())
				entered <- res.Reset
				<-release
			})
			h := l.Middleware(statusHandler)
			done := make(chan struct{})
			go func() {
				defer close(done)
				do(l.Middleware(slow), withStatus(200))
			}()
			reset := <-entered
			time.Sleep(time.Until(reset) + 20*time.Millisecond) // the next window
			assert.Equal(t, 401, do(h, withStatus(401)).Code)
			assert.Equal(t, 401, do(h, withStatus(401)).Code)
			close(release) // the slow request returns 200: refunded, in its own window only
			<-done
			assert.Equal(t, 429, do(h, withStatus(401)).Code, "the next window is still full")
		})
	}
}

// Under dry run the requests that went over were never added, so only the
// counted ones are refunded.
func TestRefundDryRun(t *testing.T) {
	l := newLimiter(t, "1-M", countFailures, WithDryRun(true))
	h := l.Middleware(statusHandler)
	for i := 0; i < 3; i++ {
		w := do(h, withStatus(200))
		assert.Equal(t, 200, w.Code)
		assert.Equal(t, "0", w.Header().Get("X-RateLimit-Remaining"))
	}
	assert.Equal(t, "0", do(h, withStatus(401)).Header().Get("X-RateLimit-Remaining"))
	w := do(h, withStatus(401))
	assert.Equal(t, 401, w.Code, "dry run lets it through")
	assert.Equal(t, "0", w.Header().Get("X-RateLimit-Remaining"))
	res, err := l.Allow(context.Background(), "192.0.2.1")
	require.NoError(t, err)
	assert.False(t, res.Allowed, "the failure stayed counted")
}

func TestRefundWithStoreIsAnError(t *testing.T) {
	_, err := New("1-M", WithStore(uluMemoryStore()), countFailures)
	assert.ErrorContains(t, err, "WithRefund with WithStore")
}
