package logging

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed1f3c5038/mw/clientip"
)

// The record describes the request as received: a handler that rewrites
// r.URL and r.Method in place does not change what is logged.
func TestRecordIsTheRequestAsReceived(t *testing.T) {
	var s sink
	srv := httptest.NewServer(New(newLogger(&s))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.URL.Path = "/rewritten"
		r.URL.RawQuery = "rewritten=1"
		r.Method = http.MethodPut
		w.WriteHeader(http.StatusNoContent)
	})))
	defer srv.Close()

	get(t, srv.URL+"/original?a=1", nil)
	rec := s.Wait(t, 1)[0]
	assert.Equal(t, "GET", rec["method"])
	assert.Equal(t, "/original", rec["path"])
	assert.Equal(t, "a=1", rec["query"])
}

// bytes is what the client was sent: nothing for HEAD, even from a handler
// registered for HEAD that writes a body net/http then drops.
func TestHeadLogsNoBytes(t *testing.T) {
	var s sink
	mux := http.NewServeMux()
	mux.HandleFunc("HEAD /explicit", func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "a body net/http throws away")
	})
	mux.HandleFunc("GET /implicit", func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "0123456789")
	})
	srv := httptest.NewServer(New(newLogger(&s))(mux))
	defer srv.Close()

	for _, path := range []string{"/explicit", "/implicit"} {
		res, err := http.Head(srv.URL + path)
		require.NoError(t, err)
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		require.Empty(t, b)
		require.Equal(t, 200, res.StatusCode)
	}
	get(t, srv.URL+"/implicit", nil)
	recs := s.Wait(t, 3)
	assert.Equal(t, "HEAD", recs[0]["method"])
	assert.EqualValues(t, 0, recs[0]["bytes"], "explicit HEAD handler")
	assert.EqualValues(t, 0, recs[1]["bytes"], "HEAD answered by the GET handler")
	assert.EqualValues(t, 10, recs[2]["bytes"], "GET")
}

// A WebSocket-style upgrade: the handler hijacks and writes 101 on the
// connection itself, as WebSocket libraries do; the record says 101.
func TestUpgradeLoggedAs101(t *testing.T) {
	var s sink
	srv := httptest.NewServer(New(newLogger(&s))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if !assert.NoError(t, err) {
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
		brw.Flush()
		line, _ := brw.ReadString('\n') // echo one line over the new protocol
		brw.WriteString(line)
		brw.Flush()
	})))
	defer srv.Close()

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	io.WriteString(conn, "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n")
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	require.Equal(t, 101, res.StatusCode)
	io.WriteString(conn, "ping\n")
	line, err := br.ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "ping\n", line)

	rec := s.Wait(t, 1)[0]
	assert.EqualValues(t, 101, rec["status"])
	assert.Equal(t, true, rec["hijacked"])
}

// A hijack that is not an upgrade, and WriteHeader(101) before a hijack.
func TestHijackStatuses(t *testing.T) {
	var s sink
	srv := httptest.NewServer(New(newLogger(&s))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/writeheader" {
			w.Header().Set("Connection", "Upgrade")
			w.Header().Set("Upgrade", "x-test")
			w.WriteHeader(http.StatusSwitchingProtocols)
		}
		conn, _, err := http.NewResponseController(w).Hijack()
		if assert.NoError(t, err) {
			conn.Close()
		}
	})))
	defer srv.Close()

	for i, tc := range []struct {
		path    string
		upgrade bool // the request asks for one
		status  float64
	}{
		{"/plain", false, 200}, // the status is unknown: logged as never set
		{"/writeheader", true, 101},
	} {
		req, err := http.NewRequest("GET", srv.URL+tc.path, nil)
		require.NoError(t, err)
		if tc.upgrade {
			req.Header.Set("Connection", "Upgrade")
			req.Header.Set("Upgrade", "x-test")
		}
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
		}
		rec := s.Wait(t, i+1)[i]
		assert.Equal(t, tc.status, rec["status"], tc.path)
		assert.Equal(t, true, rec["hijacked"], tc.path)
	}
}

func TestWithRoute(t *testing.T) {
	var s sink
	var calledAfterHandler bool
	handlerDone := false
	h := New(newLogger(&s), WithRoute(func(r *http.Request) string {
		calledAfterHandler = handlerDone
		return r.Header.Get("X-Route") + "|" + RequestID(r.Context())
	}))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set("X-Route", "/filled/{in}") // a router filling in what it matched
		handlerDone = true
	}))
	r := httptest.NewRequest("GET", "/x", nil)
	r.Header.Set("X-Request-ID", "id-1")
	h.ServeHTTP(httptest.NewRecorder(), r)
	assert.Equal(t, "/filled/{in}|id-1", s.Wait(t, 1)[0]["route"], "called with the request logging passed on")
	assert.True(t, calledAfterHandler)

	var s2 sink
	New(newLogger(&s2), WithRoute(func(*http.Request) string { return "" }))(statusHandler(200)).
		ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	assert.NotContains(t, s2.Wait(t, 1)[0], "route", "empty: no route key")
}

func TestAddAttrs(t *testing.T) {
	var s sink
	release := make(chan struct{})
	var late sync.WaitGroup
	h := New(newLogger(&s))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		AddAttrs(ctx, slog.String("user", "ann"), slog.Group("cache", slog.Bool("hit", true)))
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				AddAttrs(ctx, slog.Int("worker", i))
			}()
		}
		wg.Wait()
		late.Add(1)
		go func() { // outlives the request: its attribute comes too late
			defer late.Done()
			<-release
			AddAttrs(ctx, slog.Bool("late", true))
		}()
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	close(release)
	late.Wait()

	rec := s.Wait(t, 1)[0]
	assert.Equal(t, "ann", rec["user"], "top-level key")
	assert.Equal(t, map[string]any{"hit": true}, rec["cache"])
	assert.NotContains(t, rec, "late")
	assert.Equal(t, 4, strings.Count(s.String(), `"worker":`))

	assert.NotPanics(t, func() { AddAttrs(httptest.NewRequest("GET", "/", nil).Context(), slog.Int("x", 1)) },
		"no-op outside a logged request")
}

// When clientip ran before logging, remote_ip is its answer; otherwise the peer.
func TestRemoteIPFromClientIP(t *testing.T) {
	var s sink
	resolve, err := clientip.New(clientip.WithTrustedProxies("127.0.0.0/8"))
	require.NoError(t, err)
	var combined strings.Builder
	var mu sync.Mutex
	srv := httptest.NewServer(resolve(New(newLogger(&s))(CombinedLog(lockedBuilder{&mu, &combined})(statusHandler(204)))))
	defer srv.Close()
	plain := httptest.NewServer(New(newLogger(&s))(statusHandler(204)))
	defer plain.Close()

	get(t, srv.URL, map[string]string{"X-Forwarded-For": "6.6.6.6, 203.0.113.9"})
	assert.Equal(t, "203.0.113.9", s.Wait(t, 1)[0]["remote_ip"])
	get(t, plain.URL, map[string]string{"X-Forwarded-For": "203.0.113.9"})
	assert.Equal(t, "127.0.0.1", s.Wait(t, 2)[1]["remote_ip"])
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return combined.Len() > 0 }, 5*time.Second, time.Millisecond)
	mu.Lock()
	assert.True(t, strings.HasPrefix(combined.String(), "203.0.113.9 - - ["), combined.String())
	mu.Unlock()
}

type lockedBuilder struct {
	mu *sync.Mutex
	b  *strings.Builder
}

func (l lockedBuilder) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func TestCombinedLogRequestAsReceivedAndHead(t *testing.T) {
	var out strings.Builder
	h := CombinedLog(&out)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Method = "PUT"
		r.RequestURI = "/rewritten"
		io.WriteString(w, "body")
	}))
	r := httptest.NewRequest("HEAD", "/orig?q=1", nil)
	h.ServeHTTP(httptest.NewRecorder(), r)
	assert.Contains(t, out.String(), `"HEAD /orig?q=1 HTTP/1.1" 200 - `)
}

// The 0.2 contract of API.md, checked by the compiler.
var (
	_ func(func(r *http.Request) string) Option     = WithRoute
	_ func(ctx context.Context, attrs ...slog.Attr) = AddAttrs
)
