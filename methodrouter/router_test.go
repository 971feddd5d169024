package methodrouter

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// trace records the order in which middlewares and handlers run.
type trace struct {
	mu    sync.Mutex
	steps []string
}

func (t *trace) add(s string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.steps = append(t.steps, s)
}

func (t *trace) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(t.steps, " ")
}

func (t *trace) reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.steps = nil
}

// mw returns a middleware that records name before calling next.
func (t *trace) mw(name string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			t.add(name)
			next.ServeHTTP(w, r)
		})
	}
}

// handler returns a handler that records name and writes it as the body.
func (t *trace) handler(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		t.add(name)
		io.WriteString(w, name)
	}
}

func serve(h http.Handler, method string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, "/x", nil))
	return rec
}

// newServer starts a real server whose error log must stay empty: net/http
// logs "superfluous response.WriteHeader" and similar there.
func newServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	var logBuf bytes.Buffer
	var mu sync.Mutex
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(lockedWriter{&mu, &logBuf}, "", 0)
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		mu.Lock()
		defer mu.Unlock()
		assert.Empty(t, logBuf.String(), "server error log")
	})
	return srv
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func do(t *testing.T, method, url string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(body)
}

func TestRouterDispatchesOnMethod(t *testing.T) {
	var tr trace
	rt := New().
		Get(tr.handler("get")).
		Post(tr.handler("post")).
		Put(tr.handler("put")).
		Patch(tr.handler("patch")).
		Delete(tr.handler("delete")).
		Handle("PURGE", tr.handler("purge")).
		Handle("PROPFIND", tr.handler("propfind"))
	for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE", "PURGE", "PROPFIND"} {
		tr.reset()
		rec := serve(rt, m)
		assert.Equal(t, http.StatusOK, rec.Code, m)
		assert.Equal(t, strings.ToLower(m), rec.Body.String(), m)
		assert.Equal(t, strings.ToLower(m), tr.String(), m)
	}
}

func TestRouterMiddlewareOrder(t *testing.T) {
	var tr trace
	// Use before and after Handle: the order of calls must not matter.
	rt := New().Use(tr.mw("use1"), tr.mw("use2"))
	rt.Post(tr.handler("post"), tr.mw("post1"), tr.mw("post2"))
	rt.Get(tr.handler("get"), tr.mw("get1"))
	rt.Use(tr.mw("use3"))

	cases := []struct {
		method, want string
		code         int
	}{
		{"POST", "use1 use2 use3 post1 post2 post", 200},
		{"GET", "use1 use2 use3 get1 get", 200},
		{"HEAD", "use1 use2 use3 get1 get", 200},                // automatic HEAD runs GET's own middleware too
		{"OPTIONS", "use1 use2 use3", 200},                      // automatic OPTIONS
		{"DELETE", "use1 use2 use3", 405},                       // automatic 405
		{"BREW", "use1 use2 use3", http.StatusMethodNotAllowed}, // unknown
	}
	for _, c := range cases {
		tr.reset()
		rec := serve(rt, c.method)
		assert.Equal(t, c.code, rec.Code, c.method)
		assert.Equal(t, c.want, tr.String(), c.method)
	}
}

func TestRouterPerMethodThrottleOrder(t *testing.T) {
	// DRF's throttles run before the handler and only where declared: a
	// POST-only throttle must not touch GET, and must stop POST before the
	// handler runs.
	var tr trace
	throttle := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tr.add("throttle")
			http.Error(w, "slow down", http.StatusTooManyRequests)
		})
	}
	rt := New().Use(tr.mw("auth")).Get(tr.handler("list")).Post(tr.handler("create"), throttle)

	rec := serve(rt, "POST")
	assert.Equal(t, http.StatusTooManyRequests, rec.Code)
	assert.Equal(t, "auth throttle", tr.String())

	tr.reset()
	rec = serve(rt, "GET")
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "auth list", tr.String())
}

func TestRouterUseWrapsOnce(t *testing.T) {
	built := 0
	counting := func(next http.Handler) http.Handler {
		built++
		return next
	}
	var tr trace
	rt := New().Use(counting).Get(tr.handler("get")).Post(tr.handler("post")).Delete(tr.handler("delete"))
	for range 3 {
		for _, m := range []string{"GET", "POST", "DELETE", "PUT", "OPTIONS", "HEAD"} {
			serve(rt, m)
		}
	}
	assert.Equal(t, 1, built, "a Use middleware wraps the router once, not once per method or request")
}

func TestRouter405(t *testing.T) {
	var tr trace
	// Registered out of order: Allow still lists standard methods first.
	rt := New().
		Delete(tr.handler("delete")).
		Handle("PURGE", tr.handler("purge")).
		Post(tr.handler("post")).
		Get(tr.handler("get")).
		Handle("PROPFIND", tr.handler("propfind"))

	rec := serve(rt, "PUT")
	assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)
	assert.Equal(t, []string{"GET, HEAD, POST, DELETE, OPTIONS, PURGE, PROPFIND"}, rec.Header()["Allow"])
	assert.Equal(t, "text/plain; charset=utf-8", rec.Header().Get("Content-Type"))
	assert.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
	assert.Equal(t, "Method Not Allowed\n", rec.Body.String())
	assert.Empty(t, tr.String(), "no handler runs")
	assert.Equal(t, []string{"GET", "HEAD", "POST", "DELETE", "OPTIONS", "PURGE", "PROPFIND"}, rt.Allowed())
}

func TestRouter405DropsContentLengthSetAbove(t *testing.T) {
	setCL := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "999")
			next.ServeHTTP(w, r)
		})
	}
	rt := New().Use(setCL).Get(func(http.ResponseWriter, *http.Request) {})
	rec := serve(rt, "PUT")
	assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)
	assert.Empty(t, rec.Header().Get("Content-Length"))
}

func TestRouterAllowListsEachMethodOnce(t *testing.T) {
	var tr trace
	rt := New().Get(tr.handler("get")).Head(tr.handler("head")).Options(tr.handler("options"))
	assert.Equal(t, []string{"GET", "HEAD", "OPTIONS"}, rt.Allowed())
	assert.Equal(t, []string{"GET, HEAD, OPTIONS"}, serve(rt, "POST").Header()["Allow"])

	// Nothing registered: the router still answers OPTIONS.
	assert.Equal(t, []string{"OPTIONS"}, New().Allowed())
	assert.Equal(t, "OPTIONS", serve(New(), "GET").Header().Get("Allow"))
}

func TestRouterAllowedIsACopy(t *testing.T) {
	rt := New().Get(func(http.ResponseWriter, *http.Request) {})
	a := rt.Allowed()
	a[0] = "HACKED"
	assert.Equal(t, "GET, HEAD, OPTIONS", serve(rt, "POST").Header().Get("Allow"))
}

func TestRouterAllowHeaderIsNotShared(t *testing.T) {
	// A middleware that edits the Allow value in place must not change what
	// the next response says.
	edit := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r)
			w.Header()["Allow"][0] = "EDITED"
			w.Header().Add("Allow", "MORE")
		})
	}
	rt := New().Use(edit).Get(func(http.ResponseWriter, *http.Request) {})
	for _, m := range []string{"POST", "OPTIONS", "POST", "OPTIONS"} {
		rec := httptest.NewRecorder()
		rt.ServeHTTP(rec, httptest.NewRequest(m, "/", nil))
		assert.Equal(t, "GET, HEAD, OPTIONS", rec.Result().Header.Get("Allow"), m)
	}
}

func TestRouterMethodsAreCaseSensitive(t *testing.T) {
	var tr trace
	rt := New().Get(tr.handler("get"))
	rec := serve(rt, "get")
	assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)
	assert.Empty(t, tr.String())

	// Registering "get" would make an extension method no client sends:
	// it panics, naming the method meant.
	assert.PanicsWithValue(t,
		`methodrouter: method "get" is not "GET": method names are case-sensitive (RFC 9110 9.1); register "GET"`,
		func() { New().Handle("get", tr.handler("lower")) })
	for _, m := range []string{"post", "Put", "pAtch", "delete", "head", "options", "connect", "trace"} {
		assert.Panics(t, func() { New().Handle(m, tr.handler("x")) }, m)
	}
	// A lower-case extension method is a method of its own.
	rt.Handle("purge", tr.handler("purge"))
	assert.Equal(t, "purge", serve(rt, "purge").Body.String())
	assert.Equal(t, []string{"GET", "HEAD", "OPTIONS", "purge"}, rt.Allowed())
}

func TestRouterAutomaticOptions(t *testing.T) {
	var tr trace
	rt := New().Get(tr.handler("get")).Post(tr.handler("post"))
	rec := serve(rt, "OPTIONS")
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, []string{"GET, HEAD, POST, OPTIONS"}, rec.Header()["Allow"])
	assert.Equal(t, []string{"0"}, rec.Header()["Content-Length"])
	assert.Empty(t, rec.Body.String())
	assert.Empty(t, tr.String())

	// Over the wire: a 200 with an empty body and Content-Length: 0.
	srv := newServer(t, rt)
	resp, body := do(t, "OPTIONS", srv.URL)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, int64(0), resp.ContentLength)
	assert.Equal(t, "0", resp.Header.Get("Content-Length"))
	assert.Equal(t, "GET, HEAD, POST, OPTIONS", resp.Header.Get("Allow"))
	assert.Empty(t, body)
}

func TestRouterRegisteredOptionsWins(t *testing.T) {
	var tr trace
	rt := New().Get(tr.handler("get")).Options(tr.handler("options"))
	rec := serve(rt, "OPTIONS")
	assert.Equal(t, "options", rec.Body.String())
	assert.Empty(t, rec.Header().Get("Allow"), "a registered OPTIONS handler sets its own headers")
}

func TestRouterCustomNotAllowed(t *testing.T) {
	var sawAllow string
	rt := New().Get(func(http.ResponseWriter, *http.Request) {}).
		NotAllowed(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sawAllow = w.Header().Get("Allow")
			w.Header().Set("Content-Type", "application/problem+json")
			io.WriteString(w, `{"title":"nope"}`)
		}))
	rec := serve(rt, "DELETE")
	assert.Equal(t, "GET, HEAD, OPTIONS", sawAllow, "Allow is set before the custom handler runs")
	assert.Equal(t, http.StatusMethodNotAllowed, rec.Code, "the status defaults to 405")
	assert.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
	assert.Equal(t, `{"title":"nope"}`, rec.Body.String())

	// A custom handler that writes nothing still answers 405.
	rt.NotAllowed(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	rec = serve(rt, "DELETE")
	assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)
	assert.Equal(t, "GET, HEAD, OPTIONS", rec.Header().Get("Allow"))

	// It may choose another status.
	rt.NotAllowed(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNotFound) }))
	assert.Equal(t, http.StatusNotFound, serve(rt, "DELETE").Code)

	// nil restores the default.
	rt.NotAllowed(nil)
	assert.Equal(t, "Method Not Allowed\n", serve(rt, "DELETE").Body.String())
}

func TestRouterCustomNotAllowedOverRealServer(t *testing.T) {
	// Flushing and writing through the status writer: one status line, no
	// log noise, and ResponseController reaches the real writer.
	rt := New().Get(func(http.ResponseWriter, *http.Request) {}).
		NotAllowed(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "first ")
			require.NoError(t, http.NewResponseController(w).Flush())
			w.WriteHeader(http.StatusTeapot) // too late: dropped, not sent twice
			io.Copy(w, strings.NewReader("second"))
		}))
	srv := newServer(t, rt)
	resp, body := do(t, "PUT", srv.URL)
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	assert.Equal(t, "first second", body)
}

func TestRouterRegistrationPanics(t *testing.T) {
	ok := func(http.ResponseWriter, *http.Request) {}
	var nilFunc http.HandlerFunc
	cases := []struct {
		name string
		f    func()
		want string
	}{
		{"empty method", func() { New().Handle("", http.HandlerFunc(ok)) }, `methodrouter: invalid method token ""`},
		{"space", func() { New().Handle("GET ", http.HandlerFunc(ok)) }, `methodrouter: invalid method token "GET "`},
		{"slash", func() { New().Handle("A/B", http.HandlerFunc(ok)) }, `methodrouter: invalid method token "A/B"`},
		{"twice", func() { New().Get(ok).Get(ok) }, "methodrouter: method GET registered twice"},
		{"twice via Handle", func() { New().Handle("PURGE", http.HandlerFunc(ok)).Handle("PURGE", http.HandlerFunc(ok)) }, "methodrouter: method PURGE registered twice"},
		{"nil handler", func() { New().Handle("PUT", nil) }, "methodrouter: nil handler for method PUT"},
		{"nil HandlerFunc", func() { New().Handle("PUT", nilFunc) }, "methodrouter: nil handler for method PUT"},
		{"nil func", func() { New().Post(nil) }, "methodrouter: nil handler for method POST"},
		{"nil middleware", func() { New().Get(ok, nil) }, "methodrouter: nil middleware at index 0 for method GET"},
		{"nil Use", func() { New().Use(func(h http.Handler) http.Handler { return h }, nil) }, "methodrouter: nil middleware at index 1 in Use"},
		{"middleware returns nil", func() { New().Get(ok, func(http.Handler) http.Handler { return nil }) }, "methodrouter: middleware for method GET returned a nil handler"},
		{"Use returns nil", func() { New().Use(func(http.Handler) http.Handler { return nil }).Allowed() }, "methodrouter: a middleware given to Use returned a nil handler"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.PanicsWithValue(t, c.want, c.f)
		})
	}
}

func TestValidMethod(t *testing.T) {
	valid := []string{"GET", "get", "PURGE", "PROPFIND", "M-SEARCH", "X_1", "!#$%&'*+-.^_`|~", "0"}
	invalid := []string{"", " ", "GET ", "G\tET", "A/B", "A:B", "(", ")", "<", ">", "@", ",", ";", "\\", `"`,
		"[", "]", "?", "=", "{", "}", "\x00", "\x7f", "É", "GÉT"}
	for _, m := range valid {
		assert.True(t, validMethod(m), "%q", m)
	}
	for _, m := range invalid {
		assert.False(t, validMethod(m), "%q", m)
		assert.Panics(t, func() { New().Handle(m, http.NotFoundHandler()) }, "%q", m)
	}
}

// FuzzValidMethod checks our token rule against net/http's, which
// http.NewRequest applies to its method.
func FuzzValidMethod(f *testing.F) {
	for _, s := range []string{"GET", "A B", "M-SEARCH", "é", "~|`", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, m string) {
		if m == "" {
			return // NewRequest reads "" as GET
		}
		_, err := http.NewRequest(m, "http://example.test/", nil)
		if (err == nil) != validMethod(m) {
			t.Fatalf("validMethod(%q) = %v, net/http says %v", m, validMethod(m), err)
		}
	})
}

func TestRouterZeroValue(t *testing.T) {
	var rt Router
	assert.Equal(t, http.StatusMethodNotAllowed, serve(&rt, "GET").Code)
	rt.Get(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") })
	assert.Equal(t, "ok", serve(&rt, "GET").Body.String())
}

func TestRouterRegisterWhileServing(t *testing.T) {
	// Not the intended use, but it must be race-free and take effect.
	rt := New().Get(func(http.ResponseWriter, *http.Request) {})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					serve(rt, "GET")
					serve(rt, "PUT")
				}
			}
		}()
	}
	rt.Put(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusAccepted) })
	rt.Use(func(h http.Handler) http.Handler { return h })
	close(stop)
	wg.Wait()
	assert.Equal(t, http.StatusAccepted, serve(rt, "PUT").Code)
}

func TestRouterPassesErrAbortHandler(t *testing.T) {
	rt := New().Get(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) })
	assert.PanicsWithValue(t, http.ErrAbortHandler, func() { serve(rt, "GET") })
	assert.PanicsWithValue(t, http.ErrAbortHandler, func() { serve(rt, "HEAD") })
}

func TestRouterUnderServeMux(t *testing.T) {
	rt := New().
		Get(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "article %s", r.PathValue("id"))
		}).
		Delete(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux := http.NewServeMux()
	mux.Handle("/articles/{id}", rt)
	srv := newServer(t, mux)

	resp, body := do(t, "GET", srv.URL+"/articles/42")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "article 42", body)

	resp, body = do(t, "HEAD", srv.URL+"/articles/42")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "10", resp.Header.Get("Content-Length"))
	assert.Equal(t, "text/plain; charset=utf-8", resp.Header.Get("Content-Type"))
	assert.Empty(t, body)

	resp, _ = do(t, "DELETE", srv.URL+"/articles/42")
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)

	resp, _ = do(t, "PUT", srv.URL+"/articles/42")
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	assert.Equal(t, "GET, HEAD, DELETE, OPTIONS", resp.Header.Get("Allow"))

	resp, _ = do(t, "OPTIONS", srv.URL+"/articles/42")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "GET, HEAD, DELETE, OPTIONS", resp.Header.Get("Allow"))
}

func TestRouterAllocations(t *testing.T) {
	ok := func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }
	rt := New().Get(ok).Post(ok)
	w := newDiscardWriter()
	get := httptest.NewRequest("GET", "/x", nil)
	put := httptest.NewRequest("PUT", "/x", nil)
	options := httptest.NewRequest("OPTIONS", "/x", nil)
	rt.ServeHTTP(w, get) // build the table

	run := func(r *http.Request) float64 {
		return testing.AllocsPerRun(100, func() {
			w.reset()
			rt.ServeHTTP(w, r)
		})
	}
	assert.Equal(t, 0.0, run(get), "dispatch to a registered method")
	assert.LessOrEqual(t, run(put), 1.0, "405: only the header values")
	assert.LessOrEqual(t, run(options), 1.0, "OPTIONS: only the header values")
}

// discardWriter is a ResponseWriter that costs nothing, for allocation
// counts and benchmarks.
type discardWriter struct {
	header http.Header
	status int
}

func newDiscardWriter() *discardWriter { return &discardWriter{header: make(http.Header, 8)} }

func (w *discardWriter) Header() http.Header { return w.header }

func (w *discardWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return len(p), nil
}

func (w *discardWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *discardWriter) reset() {
	clear(w.header)
	w.status = 0
}

func BenchmarkRouter(b *testing.B) {
	body := []byte("hello, world\n")
	// The handler allocates nothing itself, so what is counted is ours.
	ok := func(w http.ResponseWriter, _ *http.Request) { w.Write(body) }
	rt := New().Get(ok).Post(ok)
	for _, c := range []struct{ name, method string }{
		{"GET", "GET"},
		{"POST", "POST"},
		{"405", "PUT"},
		{"OPTIONS", "OPTIONS"},
		{"HEAD", "HEAD"},
	} {
		b.Run(c.name, func(b *testing.B) {
			r := httptest.NewRequest(c.method, "/x", nil)
			w := newDiscardWriter()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				w.reset()
				rt.ServeHTTP(w, r)
			}
		})
	}
}
