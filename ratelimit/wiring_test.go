package ratelimit_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/seed1f3c5038/mw/clientip"
	"github.com/seed1f3c5038/mw/logging"
	"github.com/seed1f3c5038/mw/ratelimit"
)

// With package clientip in front and no trusted proxies of its own, the
// limiter keys by the client clientip resolved: two clients behind one
// trusted proxy have a budget each, and a third request from one of them
// is denied.
func TestKeysByClientIPResolvedBefore(t *testing.T) {
	resolve, err := clientip.New(clientip.WithTrustedProxies("10.0.0.0/8"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := ratelimit.New("2-M")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	h := resolve(l.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})))
	status := func(client string) int {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = "10.1.2.3:4567"
		r.Header.Set("X-Forwarded-For", client)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec.Code
	}
	for _, client := range []string{"203.0.113.7", "203.0.113.7", "198.51.100.2", "198.51.100.2"} {
		if got := status(client); got != http.StatusOK {
			t.Fatalf("client %s: status %d within its own budget", client, got)
		}
	}
	if got := status("203.0.113.7"); got != http.StatusTooManyRequests {
		t.Errorf("third request of 203.0.113.7: status %d, want 429", got)
	}
}

// Every counted request's access record carries the ratelimit group.
func TestDecisionIsInTheAccessRecord(t *testing.T) {
	var buf bytes.Buffer
	l, err := ratelimit.New("1-M", ratelimit.WithName("api"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	h := logging.New(slog.New(slog.NewJSONHandler(&buf, nil)))(l.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})))
	for range 2 {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	}
	var want = []map[string]any{
		{"name": "api", "limit": float64(1), "remaining": float64(0), "limited": false},
		{"name": "api", "limit": float64(1), "remaining": float64(0), "limited": true},
	}
	dec := json.NewDecoder(&buf)
	for i, w := range want {
		var rec struct {
			Status    int            `json:"status"`
			RateLimit map[string]any `json:"ratelimit"`
		}
		if err := dec.Decode(&rec); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		for k, v := range w {
			if rec.RateLimit[k] != v {
				t.Errorf("record %d (status %d): ratelimit.%s = %v, want %v", i, rec.Status, k, rec.RateLimit[k], v)
			}
		}
	}
}
