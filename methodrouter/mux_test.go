package methodrouter

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// answer is what a client got, for comparing two servers.
type answer struct {
	code                    int
	allow, location, ctype  string
	contentLength, bodyText string
}

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
	return http.ErrUseLastResponse
}}

func ask(t *testing.T, method, url, host string) answer {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	require.NoError(t, err)
	if host != "" {
		req.Host = host
	}
	resp, err := noRedirect.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return answer{resp.StatusCode, resp.Header.Get("Allow"), resp.Header.Get("Location"),
		resp.Header.Get("Content-Type"), resp.Header.Get("Content-Length"), string(body)}
}

// askRaw sends one request line as written (CONNECT, unclean paths the
// client would fix) and reads the answer.
func askRaw(t *testing.T, srv *httptest.Server, method, target string) answer {
	t.Helper()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", method, target, srv.Listener.Addr())
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header.Get("Allow"), resp.Header.Get("Location"),
		resp.Header.Get("Content-Type"), resp.Header.Get("Content-Length"), string(body)}
}

// routes is a mux with the pattern kinds WrapMux must keep: wildcards,
// trailing-slash subtrees, {$}, a host, a method-less pattern, an
// extension method and CONNECT. Each handler writes its pattern and id.
func routes() *http.ServeMux {
	mux := http.NewServeMux()
	h := func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s id=%s", r.Pattern, r.PathValue("id"))
	}
	for _, p := range []string{
		"GET /articles/{id}", "DELETE /articles/{id}", "PURGE /articles/{id}",
		"POST /articles",
		"GET /tree/",
		"GET /{$}",
		"GET /dir/{$}",
		"GET example.com/hosted",
		"/any",
		"OPTIONS /cors",
		"PUT /cors",
		"CONNECT /tunnel",
	} {
		mux.HandleFunc(p, h)
	}
	return mux
}

func TestWrapMuxRoutesUnchanged(t *testing.T) {
	// Whatever the mux itself answers with a pattern, a redirect or a 404,
	// WrapMux answers the same, byte for byte.
	bare := newServer(t, routes())
	wrapped := newServer(t, WrapMux(routes()))
	cases := []struct{ method, path, host string }{
		{"GET", "/articles/7", ""},
		{"HEAD", "/articles/7", ""},
		{"DELETE", "/articles/7", ""},
		{"PURGE", "/articles/7", ""},
		{"POST", "/articles", ""},
		{"GET", "/tree/a/b", ""},
		{"GET", "/tree", ""},     // redirect to /tree/
		{"GET", "/tree?q=1", ""}, // the query is kept
		{"GET", "/", ""},         // {$}
		{"GET", "/dir", ""},      // redirect to /dir/
		{"GET", "/dir/", ""},     // {$}
		{"GET", "/dir/x", ""},    // {$} matches /dir/ only: 404
		{"GET", "/hosted", "example.com"},
		{"GET", "/hosted", "example.com:8080"}, // the port is not part of the host pattern
		{"GET", "/hosted", "other.example"},    // 404: no pattern for this host
		{"PATCH", "/any", ""},                  // a method-less pattern takes every method
		{"OPTIONS", "/any", ""},
		{"BREW", "/any", ""},
		{"OPTIONS", "/cors", ""}, // a pattern handles OPTIONS: no automatic answer
		{"GET", "/nothing", ""},
	}
	for _, c := range cases {
		want := ask(t, c.method, bare.URL+c.path, c.host)
		got := ask(t, c.method, wrapped.URL+c.path, c.host)
		assert.Equal(t, want, got, "%s %s Host %q", c.method, c.path, c.host)
	}
	// Paths the client would clean, and CONNECT, whose path the mux does
	// not clean.
	for _, c := range []struct{ method, target string }{
		{"GET", "/a/../articles/7"}, // redirect to the cleaned path
		{"GET", "//articles/7"},
		{"GET", "/x/../nothing"}, // redirect, though nothing matches the cleaned path
		{"POST", "/a/../articles/7"},
		{"CONNECT", "/tunnel"},
		{"CONNECT", "/a/../tunnel"}, // not cleaned: 404
		{"GET", "*"},                // the mux's 400
	} {
		want := askRaw(t, bare, c.method, c.target)
		got := askRaw(t, wrapped, c.method, c.target)
		assert.Equal(t, want, got, "%s %s", c.method, c.target)
	}
}

func TestWrapMux405(t *testing.T) {
	srv := newServer(t, WrapMux(routes()))
	cases := []struct{ method, path, host, allow string }{
		// Router's order, HEAD with GET, OPTIONS always, the extension last.
		{"PUT", "/articles/7", "", "GET, HEAD, DELETE, OPTIONS, PURGE"},
		{"POST", "/articles/7", "", "GET, HEAD, DELETE, OPTIONS, PURGE"},
		{"get", "/articles/7", "", "GET, HEAD, DELETE, OPTIONS, PURGE"}, // case-sensitive
		{"GET", "/articles", "", "POST, OPTIONS"},
		{"POST", "/", "", "GET, HEAD, OPTIONS"},         // {$}
		{"POST", "/dir", "", "GET, HEAD, OPTIONS"},      // the mux looks at /dir/ too
		{"DELETE", "/tree/x", "", "GET, HEAD, OPTIONS"}, // subtree
		{"POST", "/hosted", "example.com", "GET, HEAD, OPTIONS"},
		{"GET", "/cors", "", "PUT, OPTIONS"},
	}
	for _, c := range cases {
		got := ask(t, c.method, srv.URL+c.path, c.host)
		assert.Equal(t, http.StatusMethodNotAllowed, got.code, "%s %s", c.method, c.path)
		assert.Equal(t, c.allow, got.allow, "%s %s", c.method, c.path)
		assert.Equal(t, "Method Not Allowed\n", got.bodyText)
		assert.Equal(t, "text/plain; charset=utf-8", got.ctype)
	}
	// CONNECT on a path other methods match.
	got := askRaw(t, srv, "CONNECT", "/articles/7")
	assert.Equal(t, http.StatusMethodNotAllowed, got.code)
	assert.Equal(t, "GET, HEAD, DELETE, OPTIONS, PURGE", got.allow)
	// Another host has no pattern there: 404, not 405.
	assert.Equal(t, http.StatusNotFound, ask(t, "POST", srv.URL+"/hosted", "other.example").code)
}

func TestWrapMuxAutomaticOptions(t *testing.T) {
	srv := newServer(t, WrapMux(routes()))
	for _, c := range []struct{ path, allow string }{
		{"/articles/7", "GET, HEAD, DELETE, OPTIONS, PURGE"},
		{"/articles", "POST, OPTIONS"},
		{"/", "GET, HEAD, OPTIONS"},
		{"/tree/a", "GET, HEAD, OPTIONS"},
	} {
		got := ask(t, "OPTIONS", srv.URL+c.path, "")
		assert.Equal(t, answer{code: http.StatusOK, allow: c.allow, contentLength: "0"}, got, c.path)
	}
	// No pattern at all: still the 404.
	assert.Equal(t, http.StatusNotFound, ask(t, "OPTIONS", srv.URL+"/nothing", "").code)
	// A pattern for OPTIONS answers it.
	assert.Equal(t, "OPTIONS /cors id=", ask(t, "OPTIONS", srv.URL+"/cors", "").bodyText)
}

func TestWrapMuxCustomAnswers(t *testing.T) {
	var allowSeen string
	m := WrapMux(routes()).
		NotFound(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/problem+json")
			io.WriteString(w, `{"status":404}`)
		})).
		NotAllowed(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			allowSeen = w.Header().Get("Allow")
			w.Header().Set("Content-Type", "application/problem+json")
			io.WriteString(w, `{"status":405}`)
		}))
	srv := newServer(t, m)

	got := ask(t, "GET", srv.URL+"/nothing", "")
	assert.Equal(t, answer{code: 404, ctype: "application/problem+json", contentLength: "14", bodyText: `{"status":404}`}, got)

	got = ask(t, "PUT", srv.URL+"/articles/7", "")
	assert.Equal(t, "GET, HEAD, DELETE, OPTIONS, PURGE", allowSeen, "Allow is set when NotAllowed runs")
	assert.Equal(t, answer{code: 405, allow: allowSeen, ctype: "application/problem+json", contentLength: "14",
		bodyText: `{"status":405}`}, got)

	// The automatic OPTIONS and the redirects are not errors.
	assert.Equal(t, http.StatusOK, ask(t, "OPTIONS", srv.URL+"/articles/7", "").code)
	assert.Equal(t, http.StatusMovedPermanently/100, ask(t, "GET", srv.URL+"/tree", "").code/100)
	// A handler's own 404 is the handler's.
	assert.Equal(t, "GET /articles/{id} id=7", ask(t, "GET", srv.URL+"/articles/7", "").bodyText)

	// A handler that writes nothing: an empty answer with the status.
	m.NotFound(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	got = ask(t, "GET", srv.URL+"/nothing", "")
	assert.Equal(t, answer{code: 404, contentLength: "0"}, got)
	// One that picks its own status keeps it.
	m.NotFound(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusGone) }))
	assert.Equal(t, http.StatusGone, ask(t, "GET", srv.URL+"/nothing", "").code)

	// nil restores the defaults.
	m.NotFound(nil).NotAllowed(nil)
	assert.Equal(t, "404 page not found\n", ask(t, "GET", srv.URL+"/nothing", "").bodyText)
	assert.Equal(t, "Method Not Allowed\n", ask(t, "PUT", srv.URL+"/articles/7", "").bodyText)
}

func TestWrapMuxSeesLaterPatterns(t *testing.T) {
	mux := http.NewServeMux()
	m := WrapMux(mux)
	srv := newServer(t, m)
	assert.Equal(t, http.StatusNotFound, ask(t, "GET", srv.URL+"/late", "").code)
	mux.HandleFunc("POST /late", func(http.ResponseWriter, *http.Request) {})
	got := ask(t, "GET", srv.URL+"/late", "")
	assert.Equal(t, http.StatusMethodNotAllowed, got.code)
	assert.Equal(t, "POST, OPTIONS", got.allow)
}

func TestWrapMuxNilPanics(t *testing.T) {
	assert.PanicsWithValue(t, "methodrouter: WrapMux(nil)", func() { WrapMux(nil) })
}

func TestWrapMuxAllocations(t *testing.T) {
	// The matched path allocates what the bare mux does, plus, for a
	// pattern with wildcards, the path values of the first lookup, which
	// net/http's Handler makes and drops.
	ok := func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) }
	mux := http.NewServeMux()
	mux.HandleFunc("GET /static", ok)
	mux.HandleFunc("GET /articles/{id}", ok)
	wrapped := WrapMux(mux)
	w := newDiscardWriter()
	allocs := func(h http.Handler, path string) float64 {
		r := httptest.NewRequest("GET", path, nil)
		return testing.AllocsPerRun(100, func() {
			r.Pattern = "" // as a fresh request from the server
			w.reset()
			h.ServeHTTP(w, r)
		})
	}
	assert.Equal(t, allocs(mux, "/static"), allocs(wrapped, "/static"), "static pattern")
	assert.Equal(t, allocs(mux, "/articles/7")+1, allocs(wrapped, "/articles/7"), "one wildcard")
}

// BenchmarkWrapMux compares a matched request through WrapMux with the
// same mux alone, for a static pattern and one with a wildcard, and the
// 405 (which the mux alone answers without OPTIONS in Allow).
func BenchmarkWrapMux(b *testing.B) {
	body := []byte("hello, world\n")
	ok := func(w http.ResponseWriter, _ *http.Request) { w.Write(body) }
	mux := http.NewServeMux()
	mux.HandleFunc("GET /static", ok)
	mux.HandleFunc("GET /articles/{id}", ok)
	mux.HandleFunc("DELETE /articles/{id}", ok)
	mux.HandleFunc("GET /users/{id}/posts/", ok)
	wrapped := WrapMux(mux)
	for _, c := range []struct{ name, method, path string }{
		{"static", "GET", "/static"},
		{"wildcard", "GET", "/articles/7"},
		{"405", "PUT", "/articles/7"},
	} {
		r := httptest.NewRequest(c.method, c.path, nil)
		for _, impl := range []struct {
			name string
			h    http.Handler
		}{{"servemux", mux}, {"wrapmux", wrapped}} {
			b.Run("path="+c.name+"/impl="+impl.name, func(b *testing.B) {
				w := newDiscardWriter()
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					r.Pattern = "" // as a fresh request from the server
					w.reset()
					impl.h.ServeHTTP(w, r)
				}
			})
		}
	}
}

func TestWrapMuxNested(t *testing.T) {
	// An outer mux has set r.Pattern and its path values; the inner one
	// replaces them, with WrapMux as without.
	inner := func() *http.ServeMux {
		mux := http.NewServeMux()
		mux.HandleFunc("GET /v1/static", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "%s v=%q", r.Pattern, r.PathValue("v"))
		})
		mux.HandleFunc("GET /v1/items/{id}", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "%s v=%q id=%s", r.Pattern, r.PathValue("v"), r.PathValue("id"))
		})
		return mux
	}
	outer := func(h http.Handler) http.Handler {
		mux := http.NewServeMux()
		mux.Handle("/{v}/", h)
		return mux
	}
	bare := newServer(t, outer(inner()))
	wrapped := newServer(t, outer(WrapMux(inner())))
	for _, path := range []string{"/v1/static", "/v1/items/3", "/v1/nothing"} {
		assert.Equal(t, ask(t, "GET", bare.URL+path, ""), ask(t, "GET", wrapped.URL+path, ""), path)
	}
	assert.Equal(t, `GET /v1/static v=""`, ask(t, "GET", wrapped.URL+"/v1/static", "").bodyText)
}
