package ratelimit

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRateFormats(t *testing.T) {
	for in, want := range map[string][]string{
		"100/min":            {"100/1m0s"},
		"100/minute":         {"100/1m0s"},
		"100/m":              {"100/1m0s"},
		"5/hour":             {"5/1h0m0s"},
		"1000/day":           {"1000/24h0m0s"},
		"10/s":               {"10/1s"},
		"10/sec, 100-M":      {"10/1s", "100/1m0s"},
		"1000-H, 10/second":  {"10/1s", "1000/1h0m0s"},
		"100-m":              {"100/1m0s"},
		"3/Days, 1/S, 2/hrs": nil, // "hrs" is not a spelling of hours
		"100/month":          nil,
		"100/":               nil,
		"/min":               nil,
		"0/min":              nil,
		"1.5/min":            nil,
		"10/s, 20-S":         nil,
		"10-S, 5-Q":          nil,
		"10/min, 10/minutes": nil,
	} {
		rs, err := parseRates(in)
		if want == nil {
			if assert.Error(t, err, in) {
				assert.Equal(t, 1, strings.Count(err.Error(), "accepted:"), "formats said once: %v", err)
				assert.Contains(t, err.Error(), `"100/min"`)
				assert.Contains(t, err.Error(), `"100-M"`)
			}
			continue
		}
		require.NoError(t, err, in)
		var got []string
		for _, r := range rs {
			got = append(got, strings.Join([]string{itoa(int(r.Limit)), r.Period.String()}, "/"))
		}
		assert.Equal(t, want, got, in)
	}
}

func TestIETFListsEveryWindow(t *testing.T) {
	l := newLimiter(t, "10/s, 100/min", WithHeaders(IETF), WithName("api"))
	w := do(l.Middleware(&ok{}), request("192.0.2.1:1"))
	require.Equal(t, 200, w.Code)
	assert.Equal(t, `"api-1s";q=10;w=1, "api-60s";q=100;w=60`, w.Header().Get("RateLimit-Policy"))
	v := w.Header().Get("RateLimit")
	items := strings.Split(v, ", ")
	require.Len(t, items, 2, v)
	assert.True(t, strings.HasPrefix(items[0], `"api-1s";r=9;t=`), v)
	assert.True(t, strings.HasPrefix(items[1], `"api-60s";r=99;t=`), v)

	both := newLimiter(t, "10/s, 100/min", WithHeaders(Both))
	w = do(both.Middleware(&ok{}), request("192.0.2.1:1"))
	assert.Equal(t, "10", w.Header().Get("X-RateLimit-Limit"), "X-RateLimit: the tightest window")
	assert.Equal(t, "9", w.Header().Get("X-RateLimit-Remaining"))
}

func TestDeniedBodyByAccept(t *testing.T) {
	l := newLimiter(t, "1-S, 1-M", WithName("api"))
	h := l.Middleware(&ok{})
	require.Equal(t, 200, do(h, request("192.0.2.1:1")).Code)
	for _, tc := range []struct {
		accept string
		json   bool
	}{
		{"", false},
		{"*/*", false},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", false},
		{"application/json", true},
		{"application/problem+json", true},
		{"application/json, */*;q=0.1", true},
		{"text/plain;q=0.5, application/json", true},
		{"application/json;q=0.4, text/plain", false},
		{"application/json;q=0", false},
		{"APPLICATION/JSON", true},
	} {
		w := do(h, request("192.0.2.1:1", "Accept", tc.accept))
		require.Equal(t, 429, w.Code)
		assert.Equal(t, "nosniff", w.Header().Get("X-Content-Type-Options"))
		if !tc.json {
			assert.Equal(t, "text/plain; charset=utf-8", w.Header().Get("Content-Type"), tc.accept)
			assert.Equal(t, "Too Many Requests\n", w.Body.String())
			continue
		}
		assert.Equal(t, "application/problem+json", w.Header().Get("Content-Type"), tc.accept)
		var body map[string]any
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &body))
		assert.Len(t, body, 5, "exactly the fields of API.md: %v", body)
		assert.Equal(t, "https://iana.org/assignments/http-problem-types#quota-exceeded", body["type"])
		assert.Equal(t, "Too Many Requests", body["title"])
		assert.EqualValues(t, 429, body["status"])
		assert.Contains(t, body["detail"], "retry after")
		assert.Equal(t, []any{"api-1s", "api-60s"}, body["violated-policies"])
	}
}

func TestOnDecisionOncePerCountedRequest(t *testing.T) {
	var mu sync.Mutex
	var got []Result
	var reqs []*http.Request
	l := newLimiter(t, "2-M", WithOnDecision(func(r *http.Request, res Result) {
		mu.Lock()
		got = append(got, res)
		reqs = append(reqs, r)
		mu.Unlock()
	}), WithSkip(func(r *http.Request) bool { return r.URL.Path == "/health" }))
	h := l.Middleware(&ok{})
	for range 3 {
		do(h, request("192.0.2.1:1"))
	}
	skipped := request("192.0.2.1:1")
	skipped.URL.Path = "/health"
	do(h, skipped)
	l.Allow(context.Background(), "k")
	require.Len(t, got, 4)
	assert.Equal(t, []bool{true, true, false, true}, []bool{got[0].Allowed, got[1].Allowed, got[2].Allowed, got[3].Allowed})
	assert.NotNil(t, reqs[0])
	assert.Nil(t, reqs[3], "nil from Allow")
}

func TestNewRejects(t *testing.T) {
	var typedNil *redis.Client
	var typedNilCluster *redis.ClusterClient
	for _, tc := range []struct {
		opts []Option
		want string
	}{
		{[]Option{WithRedis(typedNil)}, "WithRedis(nil)"},
		{[]Option{WithRedis(typedNilCluster)}, "WithRedis(nil)"},
		{[]Option{WithStore((*slowStore)(nil))}, "WithStore(nil)"},
		{[]Option{WithClientIPHeader("Forwarded")}, `WithClientIPHeader("Forwarded") without WithTrustedProxies`},
		{[]Option{WithInstances(0)}, "WithInstances(0)"},
		{[]Option{WithMaxKeys(0)}, "WithMaxKeys(0)"},
	} {
		_, err := New("10-M", tc.opts...)
		if assert.Error(t, err) {
			assert.Contains(t, err.Error(), tc.want)
		}
	}
	l, err := New("10-M", WithClientIPHeader("Forwarded"), WithTrustedProxies("10.0.0.0/8"))
	require.NoError(t, err)
	assert.Equal(t, "default", l.Name())
	l, err = New("10-M", WithName("api"))
	require.NoError(t, err)
	assert.Equal(t, "api", l.Name())
	assert.False(t, l.Degraded())
}

// While degraded, each of n instances allows limit/n per window.
func TestInstancesShareTheLimitWhileDegraded(t *testing.T) {
	var reports []error
	l := newLimiter(t, "10-M, 100-H", WithRedis(unreachableRedis(t)), WithInstances(3), WithName("deg"),
		WithOnError(func(_ *http.Request, err error) { reports = append(reports, err) }))
	h := l.Middleware(&ok{})
	allowed := 0
	for range 20 {
		w := do(h, request("192.0.2.1:1"))
		if w.Code == 200 {
			allowed++
			assert.Equal(t, "3", w.Header().Get("X-RateLimit-Limit"), "the instance's share")
		}
	}
	assert.Equal(t, 3, allowed, "10/3 per instance")
	assert.True(t, l.Degraded(), "every call failed")
	require.NotEmpty(t, reports)
	var se *storeError
	require.True(t, errors.As(reports[0], &se))
	assert.Contains(t, reports[0].Error(), `ratelimit "deg": store unavailable: `)
	_, err := l.Allow(context.Background(), "x")
	assert.NoError(t, err)
	time.Sleep(10 * time.Millisecond)
}
