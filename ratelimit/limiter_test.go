package ratelimit

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/ulule/limiter/v3"
	"github.com/ulule/limiter/v3/drivers/store/memory"
)

func newLimiter(t testing.TB, rates string, opts ...Option) *Limiter {
	t.Helper()
	l, err := New(rates, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	return l
}

// ok is the handler behind the limiter: it records the writer and the
// Result it got.
type ok struct {
	calls atomic.Int64
	mu    sync.Mutex
	last  Result
	found bool
	w     http.ResponseWriter
}

func (h *ok) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.calls.Add(1)
	h.mu.Lock()
	h.last, h.found = FromContext(r.Context())
	h.w = w
	h.mu.Unlock()
	io.WriteString(w, "ok\n")
}

func request(peer string, header ...string) *http.Request {
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = peer
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Add(header[i], header[i+1])
	}
	return r
}

func do(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestExactlyLimitAllowedUnderConcurrency(t *testing.T) {
	const limit, clients = 30, 400
	l := newLimiter(t, strconv.Itoa(limit)+"-M")
	next := &ok{}
	srv := httptest.NewServer(l.Middleware(next))
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	defer client.CloseIdleConnections()

	var allowed, denied atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			resp, err := client.Get(srv.URL)
			if !assert.NoError(t, err) {
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			switch resp.StatusCode {
			case http.StatusOK:
				allowed.Add(1)
			case http.StatusTooManyRequests:
				denied.Add(1)
			}
		}()
	}
	close(start)
	wg.Wait()
	assert.EqualValues(t, limit, allowed.Load())
	assert.EqualValues(t, clients-limit, denied.Load())
	assert.EqualValues(t, limit, next.calls.Load(), "a denied request never reaches the handler")
}

func TestAllowExactUnderConcurrency(t *testing.T) {
	l := newLimiter(t, "100-H, 1000-D")
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for range 400 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := l.Allow(context.Background(), "user:1")
			assert.NoError(t, err)
			if res.Allowed {
				allowed.Add(1)
			}
		}()
	}
	wg.Wait()
	assert.EqualValues(t, 100, allowed.Load())
}

func TestDeniedResponse(t *testing.T) {
	l := newLimiter(t, "1-M")
	next := &ok{}
	srv := httptest.NewServer(l.Middleware(next))
	defer srv.Close()

	resp, err := http.Get(srv.URL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "1", resp.Header.Get("X-RateLimit-Limit"))
	assert.Equal(t, "0", resp.Header.Get("X-RateLimit-Remaining"))
	assert.Empty(t, resp.Header.Get("Retry-After"))

	resp, err = http.Get(srv.URL)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	assert.Equal(t, "Too Many Requests\n", string(body))
	assert.Equal(t, "text/plain; charset=utf-8", resp.Header.Get("Content-Type"))
	assert.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
	ra, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	require.NoError(t, err)
	assert.True(t, ra >= 55 && ra <= 60, "Retry-After %d", ra)
	reset, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64)
	require.NoError(t, err)
	assert.InDelta(t, time.Now().Add(time.Minute).Unix(), reset, 5)
	assert.EqualValues(t, 1, next.calls.Load())
}

func TestHandlerGetsWriterAndResult(t *testing.T) {
	l := newLimiter(t, "5-M")
	next := &ok{}
	w := httptest.NewRecorder()
	l.Middleware(next).ServeHTTP(w, request("192.0.2.1:1"))
	assert.Same(t, w, next.w, "the writer is passed on untouched: Flusher, Hijacker, ReaderFrom keep working")
	require.True(t, next.found)
	assert.Equal(t, int64(5), next.last.Limit)
	assert.Equal(t, int64(4), next.last.Remaining)
	assert.True(t, next.last.Allowed)
	assert.Zero(t, next.last.RetryAfter())
	assert.WithinDuration(t, time.Now().Add(time.Minute), next.last.Reset, 2*time.Second)

	_, found := FromContext(context.Background())
	assert.False(t, found)
}

func TestSpoofedForwardingHeadersFromUntrustedPeerIgnored(t *testing.T) {
	l := newLimiter(t, "3-M", WithTrustedProxies("10.0.0.0/8"))
	h := l.Middleware(&ok{})
	for i := range 3 {
		w := do(h, request("203.0.113.5:1000", "X-Forwarded-For", "198.51.100."+strconv.Itoa(i)))
		assert.Equal(t, 200, w.Code)
	}
	w := do(h, request("203.0.113.5:1001", "X-Forwarded-For", "198.51.100.99", "Forwarded", "for=198.51.100.98", "X-Real-IP", "198.51.100.97"))
	assert.Equal(t, 429, w.Code, "the client cannot choose its key")
}

func TestTrustedProxyChain(t *testing.T) {
	l := newLimiter(t, "2-M", WithTrustedProxies("10.0.0.0/8", "192.0.2.1"))
	h := l.Middleware(&ok{})
	w := do(h, request("10.0.0.1:1", "X-Forwarded-For", "6.6.6.6, 198.51.100.7, 192.0.2.1, 10.1.1.1"))
	assert.Equal(t, 200, w.Code)
	// The request above was counted under 198.51.100.7, the first
	// untrusted hop from the right.
	res, err := l.Allow(context.Background(), "198.51.100.7")
	require.NoError(t, err)
	assert.True(t, res.Allowed)
	assert.Equal(t, int64(0), res.Remaining)
	res, err = l.Allow(context.Background(), "6.6.6.6")
	require.NoError(t, err)
	assert.Equal(t, int64(1), res.Remaining, "the spoofable left-most entry was not charged")
}

func TestForwardedHeader(t *testing.T) {
	l := newLimiter(t, "2-M", WithTrustedProxies("10.0.0.0/8"), WithClientIPHeader("Forwarded"))
	h := l.Middleware(&ok{})
	do(h, request("10.0.0.1:1", "Forwarded", `for=6.6.6.6, for="[2001:db8:cafe::17]:4711";proto=https`, "X-Forwarded-For", "198.51.100.1"))
	res, err := l.Allow(context.Background(), "2001:db8:cafe::/64")
	require.NoError(t, err)
	assert.Equal(t, int64(0), res.Remaining)
	res, err = l.Allow(context.Background(), "198.51.100.1")
	require.NoError(t, err)
	assert.Equal(t, int64(1), res.Remaining, "X-Forwarded-For is not the configured header")
}

func TestIPv6GroupedByPrefix(t *testing.T) {
	l := newLimiter(t, "2-M")
	h := l.Middleware(&ok{})
	assert.Equal(t, 200, do(h, request("[2001:db8::1]:1")).Code)
	assert.Equal(t, 200, do(h, request("[2001:db8::ffff:1]:1")).Code)
	assert.Equal(t, 429, do(h, request("[2001:db8:0:0:abcd::9]:1")).Code, "same /64")
	assert.Equal(t, 200, do(h, request("[2001:db8:0:1::1]:1")).Code, "next /64")

	res, err := l.Allow(context.Background(), "2001:db8::/64")
	require.NoError(t, err)
	assert.False(t, res.Allowed, "the key is the /64 in prefix form")

	l128 := newLimiter(t, "1-M", WithIPv6Prefix(128))
	h = l128.Middleware(&ok{})
	assert.Equal(t, 200, do(h, request("[2001:db8::1]:1")).Code)
	assert.Equal(t, 200, do(h, request("[2001:db8::2]:1")).Code)

	l48 := newLimiter(t, "1-M", WithIPv6Prefix(48))
	h = l48.Middleware(&ok{})
	assert.Equal(t, 200, do(h, request("[2001:db8::1]:1")).Code)
	assert.Equal(t, 429, do(h, request("[2001:db8:0:ffff::1]:1")).Code)

	// IPv4 and IPv4-mapped IPv6 are one client.
	l4 := newLimiter(t, "1-M")
	h = l4.Middleware(&ok{})
	assert.Equal(t, 200, do(h, request("192.0.2.1:1")).Code)
	assert.Equal(t, 429, do(h, request("[::ffff:192.0.2.1]:1")).Code)
}

func TestKeyFuncFallsBackToIP(t *testing.T) {
	l := newLimiter(t, "1-M", WithKey(func(r *http.Request) string {
		if u := r.Header.Get("X-User"); u != "" {
			return "user:" + u
		}
		return ""
	}))
	h := l.Middleware(&ok{})
	assert.Equal(t, 200, do(h, request("192.0.2.1:1", "X-User", "alice")).Code)
	assert.Equal(t, 200, do(h, request("192.0.2.1:1", "X-User", "bob")).Code, "per user, not per IP")
	assert.Equal(t, 429, do(h, request("192.0.2.2:1", "X-User", "alice")).Code, "alice from anywhere")
	assert.Equal(t, 200, do(h, request("192.0.2.1:1")).Code, "anonymous: by IP")
	assert.Equal(t, 429, do(h, request("192.0.2.1:2")).Code)
}

func TestNameSeparatesLimitersSharingAStore(t *testing.T) {
	store := uluMemoryStore()
	a := newLimiter(t, "1-M", WithStore(store), WithName("a"))
	b := newLimiter(t, "1-M", WithStore(store), WithName("b"))
	a2 := newLimiter(t, "1-M", WithStore(store), WithName("a"))
	r := request("192.0.2.1:1")
	assert.Equal(t, 200, do(a.Middleware(&ok{}), r).Code)
	assert.Equal(t, 200, do(b.Middleware(&ok{}), r).Code)
	assert.Equal(t, 429, do(a2.Middleware(&ok{}), r).Code, "same name, same store: one limit")
	// The store sees <name>:<window>:<client> and adds its own prefix.
	lc, err := store.Peek(context.Background(), "a:60s:192.0.2.1", a.windows[0].rate)
	require.NoError(t, err)
	assert.True(t, lc.Remaining == 0)
}

func TestMultipleWindows(t *testing.T) {
	l := newLimiter(t, "2-S, 3-M")
	h := l.Middleware(&ok{})
	r := request("192.0.2.1:1")

	w := do(h, r)
	assert.Equal(t, 200, w.Code)
	assert.Equal(t, "2", w.Header().Get("X-RateLimit-Limit"), "tightest: 1 left of 2/s vs 2 left of 3/min")
	assert.Equal(t, "1", w.Header().Get("X-RateLimit-Remaining"))
	w = do(h, r)
	assert.Equal(t, 200, w.Code)
	assert.Equal(t, "0", w.Header().Get("X-RateLimit-Remaining"))
	assert.Equal(t, "2", w.Header().Get("X-RateLimit-Limit"), "tie on 0: the one resetting last")
	w = do(h, r)
	assert.Equal(t, 429, w.Code, "2 per second")
	assert.Equal(t, "1", w.Header().Get("Retry-After"))
	assert.Equal(t, "2", w.Header().Get("X-RateLimit-Limit"))

	time.Sleep(1100 * time.Millisecond)
	// The denied request was not charged to the minute window, so it has
	// one request left.
	w = do(h, r)
	assert.Equal(t, 200, w.Code, "a denied hit does not count against the other windows")
	assert.Equal(t, "3", w.Header().Get("X-RateLimit-Limit"))
	assert.Equal(t, "0", w.Header().Get("X-RateLimit-Remaining"))
	w = do(h, r)
	assert.Equal(t, 429, w.Code, "3 per minute")
	ra, _ := strconv.Atoi(w.Header().Get("Retry-After"))
	assert.True(t, ra >= 50 && ra <= 60, "Retry-After %d: the minute window's wait", ra)
}

func TestRetryAfterIsLongestExceededWait(t *testing.T) {
	l := newLimiter(t, "1-S, 1-M, 100-H")
	res, err := l.Allow(context.Background(), "k")
	require.NoError(t, err)
	require.True(t, res.Allowed)
	res, err = l.Allow(context.Background(), "k")
	require.NoError(t, err)
	assert.False(t, res.Allowed)
	assert.Equal(t, int64(1), res.Limit, "the exceeded window resetting last")
	assert.True(t, res.RetryAfter() > 50*time.Second && res.RetryAfter() <= time.Minute, "%v", res.RetryAfter())
	assert.Equal(t, time.Duration(0), res.RetryAfter()%time.Second)
}

func TestHeaderStyles(t *testing.T) {
	for _, tc := range []struct {
		style   HeaderStyle
		rates   string
		present []string
		absent  []string
		check   func(t *testing.T, h http.Header)
	}{
		{XRateLimit, "10-M", []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"}, []string{"RateLimit", "RateLimit-Policy"}, nil},
		{IETF, "10-M", []string{"RateLimit", "RateLimit-Policy"}, []string{"X-RateLimit-Limit"}, func(t *testing.T, h http.Header) {
			assert.Equal(t, `"api";q=10;w=60`, h.Get("RateLimit-Policy"))
			v := h.Get("RateLimit")
			assert.True(t, strings.HasPrefix(v, `"api";r=9;t=`), v)
			secs, err := strconv.Atoi(strings.TrimPrefix(v, `"api";r=9;t=`))
			require.NoError(t, err)
			assert.True(t, secs >= 59 && secs <= 60, v)
		}},
		{IETF, "10-S, 100-H", []string{"RateLimit", "RateLimit-Policy"}, nil, func(t *testing.T, h http.Header) {
			assert.Equal(t, `"api-1s";q=10;w=1, "api-3600s";q=100;w=3600`, h.Get("RateLimit-Policy"))
			assert.True(t, strings.HasPrefix(h.Get("RateLimit"), `"api-1s";r=9;t=`), h.Get("RateLimit"))
		}},
		{Both, "10-M", []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "RateLimit", "RateLimit-Policy"}, nil, nil},
		{NoHeaders, "10-M", nil, []string{"X-RateLimit-Limit", "RateLimit", "RateLimit-Policy"}, nil},
	} {
		l := newLimiter(t, tc.rates, WithHeaders(tc.style), WithName("api"))
		w := do(l.Middleware(&ok{}), request("192.0.2.1:1"))
		require.Equal(t, 200, w.Code)
		for _, k := range tc.present {
			assert.Len(t, w.Header().Values(k), 1, "%v %s", tc.style, k)
		}
		for _, k := range tc.absent {
			assert.Empty(t, w.Header().Values(k), "%v %s", tc.style, k)
		}
		if tc.check != nil {
			tc.check(t, w.Header())
		}
	}
}

func TestNoHeadersStillSendsRetryAfter(t *testing.T) {
	l := newLimiter(t, "1-M", WithHeaders(NoHeaders))
	h := l.Middleware(&ok{})
	do(h, request("192.0.2.1:1"))
	w := do(h, request("192.0.2.1:1"))
	assert.Equal(t, 429, w.Code)
	assert.NotEmpty(t, w.Header().Get("Retry-After"))
	assert.Empty(t, w.Header().Get("X-RateLimit-Limit"))
}

func TestStackedLimitersSetHeadersOnce(t *testing.T) {
	outer := newLimiter(t, "100-M", WithName("outer"), WithHeaders(Both))
	inner := newLimiter(t, "10-M", WithName("inner"), WithHeaders(Both))
	w := do(outer.Middleware(inner.Middleware(&ok{})), request("192.0.2.1:1"))
	for _, k := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "RateLimit", "RateLimit-Policy"} {
		assert.Len(t, w.Header().Values(k), 1, k)
	}
	assert.Equal(t, "10", w.Header().Get("X-RateLimit-Limit"), "the inner limiter writes last")
}

func TestSkip(t *testing.T) {
	l := newLimiter(t, "1-M", WithSkip(func(r *http.Request) bool { return r.URL.Path == "/healthz" }))
	next := &ok{}
	h := l.Middleware(next)
	for range 5 {
		w := do(h, httptest.NewRequest("GET", "/healthz", nil))
		assert.Equal(t, 200, w.Code)
		assert.Empty(t, w.Header().Get("X-RateLimit-Limit"))
	}
	assert.False(t, next.found, "skipped requests carry no Result")
	assert.Equal(t, 200, do(h, httptest.NewRequest("GET", "/", nil)).Code, "skipped requests were not counted")
	assert.Equal(t, 429, do(h, httptest.NewRequest("GET", "/", nil)).Code)
}

func TestCost(t *testing.T) {
	l := newLimiter(t, "10-M", WithCost(func(r *http.Request) int64 {
		n, _ := strconv.ParseInt(r.Header.Get("X-Cost"), 10, 64)
		return n
	}))
	h := l.Middleware(&ok{})
	r := func(cost string) *http.Request { return request("192.0.2.1:1", "X-Cost", cost) }
	for i := range 3 {
		w := do(h, r("3"))
		require.Equal(t, 200, w.Code)
		assert.Equal(t, strconv.Itoa(10-3*(i+1)), w.Header().Get("X-RateLimit-Remaining"))
	}
	assert.Equal(t, 429, do(h, r("3")).Code, "9+3 > 10")
	w := do(h, r("1"))
	assert.Equal(t, 200, w.Code, "the denied weighted request was not charged: 1 still fits")
	assert.Equal(t, "0", w.Header().Get("X-RateLimit-Remaining"))
	assert.Equal(t, 200, do(h, r("0")).Code, "cost 0 passes a full, not exceeded, window")
	assert.Equal(t, 200, do(h, r("-5")).Code, "negative costs count as 0")
	assert.Equal(t, 429, do(h, r("1")).Code)
}

func TestDenyHandler(t *testing.T) {
	var got Result
	var found bool
	l := newLimiter(t, "1-M", WithDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, found = FromContext(r.Context())
		assert.NotEmpty(t, w.Header().Get("Retry-After"), "set before the deny handler runs")
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, `{"title":"slow down"}`)
	})))
	next := &ok{}
	h := l.Middleware(next)
	do(h, request("192.0.2.1:1"))
	w := do(h, request("192.0.2.1:1"))
	assert.Equal(t, 429, w.Code)
	assert.Equal(t, `{"title":"slow down"}`, w.Body.String())
	assert.Equal(t, "application/problem+json", w.Header().Get("Content-Type"))
	require.True(t, found)
	assert.False(t, got.Allowed)
	assert.Equal(t, int64(1), got.Limit)
	assert.True(t, got.RetryAfter() >= 55*time.Second)
	assert.EqualValues(t, 1, next.calls.Load())
}

func TestDryRun(t *testing.T) {
	var limited []Result
	var nilRequests int
	l := newLimiter(t, "2-M", WithDryRun(true), WithOnLimited(func(r *http.Request, res Result) {
		if r == nil {
			nilRequests++
			return
		}
		limited = append(limited, res)
	}))
	next := &ok{}
	h := l.Middleware(next)
	for i := range 5 {
		w := do(h, request("192.0.2.1:1"))
		assert.Equal(t, 200, w.Code, "dry run never denies")
		assert.Empty(t, w.Header().Get("Retry-After"))
		assert.Equal(t, strconv.Itoa(max(0, 1-i)), w.Header().Get("X-RateLimit-Remaining"))
		require.True(t, next.found)
		assert.Equal(t, i < 2, next.last.Allowed, "FromContext reports the real decision")
	}
	assert.EqualValues(t, 5, next.calls.Load())
	require.Len(t, limited, 3)
	assert.False(t, limited[0].Allowed)

	// Allow is not affected by dry run.
	res, err := l.Allow(context.Background(), "192.0.2.1")
	require.NoError(t, err)
	assert.False(t, res.Allowed)
	assert.Equal(t, 1, nilRequests, "Allow reports to WithOnLimited with a nil request")
}

func TestOnLimitedWhenEnforcing(t *testing.T) {
	var n atomic.Int64
	l := newLimiter(t, "1-M", WithOnLimited(func(*http.Request, Result) { n.Add(1) }))
	h := l.Middleware(&ok{})
	for range 3 {
		do(h, request("192.0.2.1:1"))
	}
	assert.EqualValues(t, 2, n.Load())
}

func TestAllowAndReset(t *testing.T) {
	l := newLimiter(t, "3-H")
	ctx := context.Background()
	for i := range 3 {
		res, err := l.Allow(ctx, "login:alice")
		require.NoError(t, err)
		assert.True(t, res.Allowed)
		assert.Equal(t, int64(2-i), res.Remaining)
	}
	res, err := l.Allow(ctx, "login:alice")
	require.NoError(t, err)
	assert.False(t, res.Allowed)
	assert.True(t, res.RetryAfter() > 59*time.Minute)

	require.NoError(t, l.Reset(ctx, "login:alice"))
	res, err = l.Allow(ctx, "login:alice")
	require.NoError(t, err)
	assert.True(t, res.Allowed)
	assert.Equal(t, int64(2), res.Remaining)

	_, err = l.Allow(ctx, "")
	assert.ErrorIs(t, err, ErrEmptyKey)
	assert.ErrorIs(t, l.Reset(ctx, ""), ErrEmptyKey)
}

func TestBadConfiguration(t *testing.T) {
	for _, tc := range []struct {
		rates string
		opts  []Option
		want  string
	}{
		{"", nil, `bad rate ""`},
		{"10", nil, `bad rate "10"`},
		{"10-X", nil, `bad rate "10-X"`},
		{"ten-M", nil, `bad rate "ten-M"`},
		{"0-M", nil, `bad rate "0-M"`},
		{"10-S, 5-Q", nil, `bad rate "5-Q" in "10-S, 5-Q"`},
		{"10-S,", nil, `bad rate ""`},
		{"10-S, 20-S", nil, `bad rate "20-S"`},
		{"10-M", []Option{WithName("a:b")}, `WithName("a:b")`},
		{"10-M", []Option{WithName("")}, `WithName("")`},
		{"10-M", []Option{WithTrustedProxies("10.0.0.0/8", "10.0.0.0/99")}, `WithTrustedProxies("10.0.0.0/99")`},
		{"10-M", []Option{WithClientIPHeader("X Bad")}, `WithClientIPHeader("X Bad")`},
		{"10-M", []Option{WithIPv6Prefix(0)}, `WithIPv6Prefix(0)`},
		{"10-M", []Option{WithIPv6Prefix(129)}, `WithIPv6Prefix(129)`},
		{"10-M", []Option{WithStore(nil)}, `WithStore(nil)`},
		{"10-M", []Option{WithRedis(nil)}, `WithRedis(nil)`},
		{"10-M", []Option{WithStoreTimeout(0)}, `WithStoreTimeout(0s)`},
		{"10-M", []Option{WithFailure(FailurePolicy(7))}, `WithFailure(7)`},
		{"10-M", []Option{WithHeaders(HeaderStyle(-1))}, `WithHeaders(-1)`},
		{"10-M", []Option{WithStore(uluMemoryStore()), WithRedis(unreachableRedis(t))}, `WithStore and WithRedis`},
	} {
		l, err := New(tc.rates, tc.opts...)
		if !assert.Error(t, err, "%q %d options", tc.rates, len(tc.opts)) {
			l.Close()
			continue
		}
		assert.Contains(t, err.Error(), "ratelimit: ")
		assert.Contains(t, err.Error(), tc.want)
	}
}

func TestResultRetryAfter(t *testing.T) {
	now := time.Now()
	assert.EqualValues(t, 1, retryAfterSeconds(now, now))
	assert.EqualValues(t, 1, retryAfterSeconds(now.Add(-time.Hour), now))
	assert.EqualValues(t, 1, retryAfterSeconds(now.Add(time.Millisecond), now))
	assert.EqualValues(t, 2, retryAfterSeconds(now.Add(1001*time.Millisecond), now))
	assert.EqualValues(t, 3, retryAfterSeconds(now.Add(3*time.Second), now))
	assert.Zero(t, Result{Allowed: true, Reset: now.Add(time.Hour)}.RetryAfter())
	assert.Equal(t, time.Second, Result{Reset: now.Add(-time.Second)}.RetryAfter())
	assert.EqualValues(t, now.Unix()+1, unixCeil(time.Unix(now.Unix(), 1)))
	assert.EqualValues(t, now.Unix(), unixCeil(time.Unix(now.Unix(), 0)))
}

// uluMemoryStore is ulule's memory store without its cleaner, whose
// goroutine only the garbage collector can stop.
func uluMemoryStore() limiter.Store {
	return memory.NewStoreWithOptions(limiter.StoreOptions{Prefix: "ratelimit"})
}
