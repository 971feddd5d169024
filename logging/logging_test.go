package logging

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed1f3c5038/mw/internal/clientip"
)

func get(t *testing.T, url string, hdr map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_, err = io.ReadAll(res.Body)
	require.NoError(t, err)
	require.NoError(t, res.Body.Close())
	return res
}

func TestRecordFields(t *testing.T) {
	var s sink
	h := New(newLogger(&s))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "abc")
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()

	res := get(t, srv.URL+"/items/7?x=1&y=2", map[string]string{"User-Agent": "test-agent/1"})
	require.Equal(t, http.StatusCreated, res.StatusCode)

	rec := s.Wait(t, 1)[0]
	assert.Equal(t, "http request", rec["msg"])
	assert.Equal(t, "INFO", rec["level"])
	assert.Equal(t, "GET", rec["method"])
	assert.Equal(t, "/items/7", rec["path"])
	assert.Equal(t, "x=1&y=2", rec["query"])
	assert.EqualValues(t, 201, rec["status"])
	assert.EqualValues(t, 3, rec["bytes"])
	assert.Greater(t, rec["duration"].(float64), 0.0)
	assert.Equal(t, "127.0.0.1", rec["remote_ip"])
	assert.Equal(t, "test-agent/1", rec["user_agent"])
	assert.Equal(t, "HTTP/1.1", rec["proto"])
	assert.NotEmpty(t, rec["request_id"])
	assert.Equal(t, res.Header.Get("X-Request-ID"), rec["request_id"])
	assert.NotContains(t, rec, "route")
	assert.NotContains(t, rec, "panic")
}

func TestStatusDefaults(t *testing.T) {
	for name, tc := range map[string]struct {
		h      http.HandlerFunc
		status float64
		bytes  float64
	}{
		"nothing written": {func(http.ResponseWriter, *http.Request) {}, 200, 0},
		"body only":       {func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "hi") }, 200, 2},
		"second status":   {func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(404); w.WriteHeader(500) }, 404, 0},
		"informational":   {func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(103); w.WriteHeader(204) }, 204, 0},
	} {
		t.Run(name, func(t *testing.T) {
			var s sink
			New(newLogger(&s))(tc.h).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
			rec := s.Wait(t, 1)[0]
			assert.Equal(t, tc.status, rec["status"])
			assert.Equal(t, tc.bytes, rec["bytes"])
		})
	}
}

func TestLevels(t *testing.T) {
	for status, level := range map[int]string{200: "INFO", 302: "INFO", 404: "WARN", 429: "WARN", 500: "ERROR", 503: "ERROR"} {
		var s sink
		New(newLogger(&s))(statusHandler(status)).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
		assert.Equal(t, level, s.Wait(t, 1)[0]["level"], "status %d", status)
	}

	var s sink
	custom := WithLevels(func(status int) slog.Level {
		if status == 404 {
			return slog.LevelDebug
		}
		return slog.LevelInfo
	})
	New(newLogger(&s), custom)(statusHandler(404)).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	assert.Equal(t, "DEBUG", s.Wait(t, 1)[0]["level"])
}

func TestDisabledLevelWritesNothing(t *testing.T) {
	var s sink
	l := slog.New(slog.NewJSONHandler(&s, &slog.HandlerOptions{Level: slog.LevelWarn}))
	h := New(l)(statusHandler(200))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	assert.Empty(t, s.String())
	New(l)(statusHandler(404)).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	assert.Len(t, s.Records(t), 1)
}

func statusHandler(code int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) })
}

func TestSkip(t *testing.T) {
	var s sink
	h := New(newLogger(&s), WithSkip(func(r *http.Request) bool { return r.URL.Path == "/healthz" }))(statusHandler(200))

	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/healthz", nil))
	assert.Empty(t, s.String())
	assert.Empty(t, w.Header().Get("X-Request-ID"), "a skipped request is untouched")

	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/other", nil))
	assert.Equal(t, "/other", s.Wait(t, 1)[0]["path"])
}

func TestPanicIsLoggedAndGoesOn(t *testing.T) {
	boom := &struct{ msg string }{"boom"}
	for name, tc := range map[string]struct {
		h      http.HandlerFunc
		status float64
	}{
		"before any write": {func(http.ResponseWriter, *http.Request) { panic(boom) }, 500},
		"after a status": {func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusAccepted)
			panic(boom)
		}, 202},
		"after a body": {func(w http.ResponseWriter, _ *http.Request) {
			io.WriteString(w, "part")
			panic(boom)
		}, 200},
	} {
		t.Run(name, func(t *testing.T) {
			var s sink
			h := New(newLogger(&s))(tc.h)
			got := func() (v any) {
				defer func() { v = recover() }()
				h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/p", nil))
				return nil
			}()
			assert.Same(t, boom, got, "the panic value goes on unchanged")
			rec := s.Wait(t, 1)[0]
			assert.Equal(t, tc.status, rec["status"])
			assert.Equal(t, true, rec["panic"])
			assert.Equal(t, "/p", rec["path"])
		})
	}
}

func TestRoute(t *testing.T) {
	ok := func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }

	t.Run("logging outside the mux", func(t *testing.T) {
		var s sink
		mux := http.NewServeMux()
		mux.HandleFunc("GET /items/{id}", ok)
		srv := httptest.NewServer(New(newLogger(&s))(mux))
		defer srv.Close()

		get(t, srv.URL+"/items/42", nil)
		get(t, srv.URL+"/nowhere", nil)
		recs := s.Wait(t, 2)
		assert.Equal(t, "GET /items/{id}", recs[0]["route"])
		assert.EqualValues(t, 404, recs[1]["status"])
		assert.NotContains(t, recs[1], "route")
	})

	t.Run("logging inside a mux route", func(t *testing.T) {
		var s sink
		mux := http.NewServeMux()
		mux.Handle("GET /users/{name}", New(newLogger(&s))(http.HandlerFunc(ok)))
		srv := httptest.NewServer(mux)
		defer srv.Close()

		get(t, srv.URL+"/users/ann", nil)
		assert.Equal(t, "GET /users/{name}", s.Wait(t, 1)[0]["route"])
	})
}

func TestCredentialHeadersNeverLogged(t *testing.T) {
	var s sink
	opt := WithRequestHeaders("authorization", "Cookie", "set-cookie", "Proxy-Authorization", "x-trace-id", "Accept-Language")
	h := New(newLogger(&s), opt)(statusHandler(200))
	srv := httptest.NewServer(h)
	defer srv.Close()

	get(t, srv.URL, map[string]string{
		"Authorization":       "Bearer secret-token-1",
		"Cookie":              "session=secret-cookie-2",
		"Set-Cookie":          "a=secret-cookie-3",
		"Proxy-Authorization": "Basic secret-proxy-4",
		"X-Trace-Id":          "trace-5",
	})
	out := s.String()
	for _, secret := range []string{"secret-token-1", "secret-cookie-2", "secret-cookie-3", "secret-proxy-4"} {
		assert.NotContains(t, out, secret)
	}
	rec := s.Wait(t, 1)[0]
	assert.Equal(t, map[string]any{"X-Trace-Id": "trace-5"}, rec["request_headers"])
}

func TestRequestHeadersJoinsValuesAndOmitsEmptyGroup(t *testing.T) {
	var s sink
	h := New(newLogger(&s), WithRequestHeaders("X-A"))(statusHandler(200))
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Add("X-A", "1")
	r.Header.Add("X-A", "2")
	h.ServeHTTP(httptest.NewRecorder(), r)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	recs := s.Wait(t, 2)
	assert.Equal(t, map[string]any{"X-A": "1, 2"}, recs[0]["request_headers"])
	assert.NotContains(t, recs[1], "request_headers")
}

func TestRedactedQuery(t *testing.T) {
	var s sink
	h := New(newLogger(&s), WithRedactedQuery("token", "api key"))(statusHandler(200))
	srv := httptest.NewServer(h)
	defer srv.Close()

	get(t, srv.URL+"/?a=1&token=s3cret&b=2&api+key=k3y&to%6Ben=s3cret2", nil)
	rec := s.Wait(t, 1)[0]
	assert.Equal(t, "a=1&token=REDACTED&b=2&api+key=REDACTED&to%6Ben=REDACTED", rec["query"])
	assert.NotContains(t, s.String(), "s3cret")
	assert.NotContains(t, s.String(), "k3y")
}

func TestRedactQuery(t *testing.T) {
	names := []string{"t"}
	for raw, want := range map[string]string{
		"":              "",
		"a=1":           "a=1",
		"t=1":           "t=REDACTED",
		"t=":            "t=REDACTED",
		"t":             "t",
		"a=1&t=2":       "a=1&t=REDACTED",
		"t=2&a=1":       "t=REDACTED&a=1",
		"t=1&t=2&t=3":   "t=REDACTED&t=REDACTED&t=REDACTED",
		"a=1&t=2&":      "a=1&t=REDACTED&",
		"&&t=2&&b":      "&&t=REDACTED&&b",
		"tt=1&at=2":     "tt=1&at=2",
		"t=a=b&c=t":     "t=REDACTED&c=t",
		"%74=1":         "%74=REDACTED",
		"%zz=1&t=x%20y": "%zz=1&t=REDACTED",
	} {
		assert.Equal(t, want, redactQuery(raw, names), raw)
	}
	raw := "a=1&b=2"
	assert.Zero(t, testing.AllocsPerRun(100, func() { redactQuery(raw, names) }), "no allocation when nothing matches")
}

// remote_ip is the peer host exactly as internal/clientip (and so
// ratelimit) sees it, whatever the spelling of RemoteAddr.
func TestRemoteIPAgreesWithClientIP(t *testing.T) {
	for _, in := range []string{
		"192.0.2.1:5678", "[2001:db8::1]:443", "[fe80::1%eth0]:80", "[::1]", "[::1]:80", "::1",
		"2001:db8::1", "192.0.2.1", "", "@", "[broken", "host.example:1234", "[::ffff:192.0.2.1]:999",
	} {
		var s sink
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = in
		New(newLogger(&s))(statusHandler(200)).ServeHTTP(httptest.NewRecorder(), r)
		assert.Equal(t, clientip.PeerHost(in), s.Wait(t, 1)[0]["remote_ip"], in)
	}
	assert.Equal(t, "2001:db8::1", clientip.PeerHost("[2001:db8::1]:443"))
}

func TestRemoteIPIgnoresForwardingHeaders(t *testing.T) {
	var s sink
	srv := httptest.NewServer(New(newLogger(&s))(statusHandler(200)))
	defer srv.Close()
	get(t, srv.URL, map[string]string{"X-Forwarded-For": "203.0.113.9", "X-Real-IP": "203.0.113.9", "Forwarded": "for=203.0.113.9"})
	assert.Equal(t, "127.0.0.1", s.Wait(t, 1)[0]["remote_ip"])
}

func TestWritersKeepTheirInterfaces(t *testing.T) {
	var s sink
	srv := httptest.NewServer(New(newLogger(&s))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/flush":
			_, ok := w.(http.Flusher)
			assert.True(t, ok)
			_, ok = w.(io.ReaderFrom)
			assert.True(t, ok)
			io.WriteString(w, "x")
			assert.NoError(t, http.NewResponseController(w).Flush())
		case "/hijack":
			conn, brw, err := http.NewResponseController(w).Hijack()
			if !assert.NoError(t, err) {
				return
			}
			defer conn.Close()
			brw.WriteString("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
			brw.Flush()
		}
	})))
	defer srv.Close()

	get(t, srv.URL+"/flush", nil)
	res := get(t, srv.URL+"/hijack", nil)
	assert.Equal(t, 204, res.StatusCode)
	recs := s.Wait(t, 2)
	assert.Equal(t, true, recs[1]["hijacked"])
	assert.NotContains(t, recs[0], "hijacked")
}

func TestConcurrentRequests(t *testing.T) {
	var s sink
	srv := httptest.NewServer(New(newLogger(&s))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		Logger(r.Context()).Info("inside")
		io.WriteString(w, RequestID(r.Context()))
	})))
	defer srv.Close()
	const n = 20
	done := make(chan string, n)
	for range n {
		go func() {
			res, err := http.Get(srv.URL)
			if err != nil {
				done <- ""
				return
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			done <- string(b)
		}()
	}
	seen := map[string]bool{}
	for range n {
		id := <-done
		require.NotEmpty(t, id)
		seen[id] = true
	}
	assert.Len(t, seen, n, "every request gets its own ID")
	s.Wait(t, 2*n)
}

func TestConstructionPanics(t *testing.T) {
	l := slog.New(slog.NewTextHandler(io.Discard, nil))
	for name, f := range map[string]func(){
		"nil logger":         func() { New(nil) },
		"nil levels":         func() { WithLevels(nil) },
		"nil skip":           func() { WithSkip(nil) },
		"bad id header":      func() { WithRequestIDHeader("X Request") },
		"bad header name":    func() { WithRequestHeaders("X-Ok", "bad:name") },
		"empty header name":  func() { WithRequestHeaders("") },
		"empty query param":  func() { WithRedactedQuery("a", "") },
		"nil combined write": func() { CombinedLog(nil) },
		"nil route":          func() { WithRoute(nil) },
	} {
		assert.PanicsWithValue(t, panicValue(f), f, name)
		assert.True(t, strings.HasPrefix(panicValue(f).(string), "logging: "), name)
	}
	assert.NotPanics(t, func() { New(l, WithRequestIDHeader("")) })
}

func panicValue(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

func TestHTTP2AndNoSourceLocation(t *testing.T) {
	var s sink
	l := slog.New(slog.NewJSONHandler(&s, &slog.HandlerOptions{AddSource: true}))
	srv := httptest.NewUnstartedServer(New(l)(statusHandler(204)))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()

	res, err := srv.Client().Get(srv.URL + "/h2")
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, 2, res.ProtoMajor)

	rec := s.Wait(t, 1)[0]
	assert.Equal(t, "HTTP/2.0", rec["proto"])
	assert.Equal(t, "127.0.0.1", rec["remote_ip"])
	assert.EqualValues(t, 204, rec["status"])
	assert.NotContains(t, s.String(), "logging.go", "no source location pointing into this package")
}
