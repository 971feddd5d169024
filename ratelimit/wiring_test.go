package ratelimit_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed1f3c5038/mw/clientip"
	"github.com/seed1f3c5038/mw/logging"
	"github.com/seed1f3c5038/mw/ratelimit"
)

// With package clientip in front and no trusted proxies of its own, the
// limiter keys by clientip's answer: two clients behind one trusted proxy
// have a budget each, and a spoofed header from an untrusted peer changes
// nothing.
func TestKeyByClientIPMiddleware(t *testing.T) {
	ips, err := clientip.New(clientip.WithTrustedProxies("10.0.0.0/8"), clientip.WithHeader("X-Forwarded-For"))
	require.NoError(t, err)
	l, err := ratelimit.New("1-M")
	require.NoError(t, err)
	h := ips(l.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})))
	do := func(peer, xff string) int {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = peer
		if xff != "" {
			r.Header.Set("X-Forwarded-For", xff)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	assert.Equal(t, 200, do("10.0.0.1:1", "198.51.100.1"))
	assert.Equal(t, 200, do("10.0.0.1:2", "198.51.100.2"), "another client behind the same proxy")
	assert.Equal(t, 429, do("10.0.0.2:3", "198.51.100.1"), "the first client, through another trusted proxy")
	assert.Equal(t, 200, do("203.0.113.9:1", "198.51.100.1"), "untrusted peer: keyed by itself")
	assert.Equal(t, 429, do("203.0.113.9:2", "198.51.100.7"), "its header is ignored")
}

// Every counted request adds the ratelimit group to the access record.
func TestAccessRecord(t *testing.T) {
	var buf bytes.Buffer
	l, err := ratelimit.New("1-M", ratelimit.WithName("api"))
	require.NoError(t, err)
	h := logging.New(slog.New(slog.NewJSONHandler(&buf, nil)))(l.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})))
	for i := 0; i < 2; i++ {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	}
	dec := json.NewDecoder(&buf)
	for i, want := range []map[string]any{
		{"name": "api", "limit": 1.0, "remaining": 0.0, "limited": false},
		{"name": "api", "limit": 1.0, "remaining": 0.0, "limited": true},
	} {
		var rec map[string]any
		require.NoError(t, dec.Decode(&rec), "record %d", i)
		assert.Equal(t, want, rec["ratelimit"], "record %d", i)
	}
}
