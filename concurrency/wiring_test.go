package concurrency

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/seed1f3c5038/mw/clientip"
	"github.com/seed1f3c5038/mw/logging"
)

// Behind a trusted proxy with package clientip in front, the default key is
// the client the proxy forwarded, not the proxy itself: two clients behind
// one proxy do not share a per-key limit.
func TestKeyIsClientIPResolvedBefore(t *testing.T) {
	resolve, err := clientip.New(clientip.WithTrustedProxies("10.0.0.0/8"))
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	l := mustNew(t, WithLimit(10), WithKey(nil, 1))
	h := resolve(l.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		keys = append(keys, clientIP(r))
	})))
	for _, client := range []string{"203.0.113.7", "198.51.100.2"} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = "10.1.2.3:4567"
		r.Header.Set("X-Forwarded-For", client)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != http.StatusOK {
			t.Fatalf("client %s: status %d", client, rec.Code)
		}
	}
	if want := []string{"203.0.113.7", "198.51.100.2"}; len(keys) != 2 || keys[0] != want[0] || keys[1] != want[1] {
		t.Errorf("keys %q, want %q", keys, want)
	}
}

// A rejected request's access record says why it was shed.
func TestRejectionIsInTheAccessRecord(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	l := mustNew(t, WithLimit(1))
	release := make(chan struct{})
	entered := make(chan struct{})
	h := logging.New(logger)(l.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		entered <- struct{}{}
		<-release
	})))
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	}()
	<-entered
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	close(release)
	<-done
	var rec map[string]any
	line, _, _ := bytes.Cut(buf.Bytes(), []byte("\n")) // the rejected request is logged first
	if err := json.Unmarshal(line, &rec); err != nil {
		t.Fatalf("%v in %s", err, buf.Bytes())
	}
	if rec["status"] != float64(http.StatusServiceUnavailable) || rec["shed"] != "limit" {
		t.Errorf("record %v, want status 503 and shed \"limit\"", rec)
	}
}
