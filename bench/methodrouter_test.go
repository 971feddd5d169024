package bench

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/gorilla/mux"
	"github.com/seed1f3c5038/mw/methodrouter"
)

// BenchmarkMethodRouter compares dispatching one route on its method:
// our Router against Go 1.22+ ServeMux method patterns ("GET /x" and
// "POST /x") and the bare handler, all serving okHandler.
func BenchmarkMethodRouter(b *testing.B) {
	benchMethodDispatch(b, okHandler)
}

// BenchmarkMethodRouterDispatch is BenchmarkMethodRouter with a handler
// that only writes (no header, no allocation), so the ns/op ratio is the
// dispatch cost itself rather than okHandler's.
func BenchmarkMethodRouterDispatch(b *testing.B) {
	benchMethodDispatch(b, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write(okBody) }))
}

func benchMethodDispatch(b *testing.B, h http.Handler) {
	ours := methodrouter.New().Handle("GET", h).Handle("POST", h)

	mux := http.NewServeMux()
	mux.Handle("GET /x", h)
	mux.Handle("POST /x", h)

	r := newRequest("GET", "/x")
	b.Run("impl=ours", func(b *testing.B) { serve(b, ours, r) })
	b.Run("impl=servemux", func(b *testing.B) { serve(b, mux, r) })
	b.Run("impl=bare", func(b *testing.B) { serve(b, h, r) })
}

// BenchmarkMethodRouter405 compares the answer to a method the route
// does not have: 405 with Allow.
func BenchmarkMethodRouter405(b *testing.B) {
	ours := methodrouter.New().Get(okHandler).Post(okHandler)

	mux := http.NewServeMux()
	mux.Handle("GET /x", okHandler)
	mux.Handle("POST /x", okHandler)

	r := newRequest("PUT", "/x")
	b.Run("impl=ours", func(b *testing.B) { serve(b, ours, r) })
	b.Run("impl=servemux", func(b *testing.B) { serve(b, mux, r) })
}

// TestMethodRouterUnderChi shows the router under a third-party path
// router: chi matches the path and its parameters, ours the method.
func TestMethodRouterUnderChi(t *testing.T) {
	articles := methodrouter.New().
		Get(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "article "+chi.URLParam(r, "id")) })
	r := chi.NewRouter()
	r.Handle("/articles/{id}", articles)

	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest("GET", "/articles/9", nil))
	if rec.Code != http.StatusOK || rec.Body.String() != "article 9" {
		t.Fatalf("GET: %d %q", rec.Code, rec.Body.String())
	}
	rec = httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest("PUT", "/articles/9", nil))
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD, OPTIONS" {
		t.Fatalf("PUT: %d Allow %q", rec.Code, rec.Header().Get("Allow"))
	}
}

func TestMethodRouterUnderGorillaMux(t *testing.T) {
	articles := methodrouter.New().
		Get(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "article "+mux.Vars(r)["id"]) })
	r := mux.NewRouter()
	r.Handle("/articles/{id}", articles) // no .Methods(): the router answers them all

	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest("GET", "/articles/9", nil))
	if rec.Code != http.StatusOK || rec.Body.String() != "article 9" {
		t.Fatalf("GET: %d %q", rec.Code, rec.Body.String())
	}
	rec = httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest("DELETE", "/articles/9", nil))
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD, OPTIONS" {
		t.Fatalf("DELETE: %d Allow %q", rec.Code, rec.Header().Get("Allow"))
	}
	rec = httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest("HEAD", "/articles/9", nil))
	if rec.Code != http.StatusOK || rec.Body.Len() != 0 || rec.Header().Get("Content-Length") != "9" {
		t.Fatalf("HEAD: %d body %q Content-Length %q", rec.Code, rec.Body.String(), rec.Header().Get("Content-Length"))
	}
}

// BenchmarkWrapMux compares a matched request through methodrouter.WrapMux
// with the same ServeMux alone, for a pattern without wildcards and one
// with a wildcard.
func BenchmarkWrapMux(b *testing.B) {
	mux := http.NewServeMux()
	mux.Handle("GET /x", okHandler)
	mux.Handle("GET /articles/{id}", okHandler)
	mux.Handle("DELETE /articles/{id}", okHandler)
	wrapped := methodrouter.WrapMux(mux)
	for _, c := range []struct{ name, path string }{{"static", "/x"}, {"wildcard", "/articles/7"}} {
		for _, impl := range []struct {
			name string
			h    http.Handler
		}{{"servemux", mux}, {"wrapmux", wrapped}} {
			b.Run("path="+c.name+"/impl="+impl.name, func(b *testing.B) {
				r := newRequest("GET", c.path)
				w := newDiscardWriter()
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					// A fresh request from the server has no pattern yet.
					r.Pattern = ""
					w.reset()
					impl.h.ServeHTTP(w, r)
				}
			})
		}
	}
}
