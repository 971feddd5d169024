package mw_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/seed1f3c5038/mw"
)

func header(name, value string) mw.Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set(name, value)
			next.ServeHTTP(w, r)
		})
	}
}

// A chain is built once and reused for many routes; Append makes a new chain
// for one route without touching the shared one.
func Example() {
	common := mw.New(header("X-Frame-Options", "DENY"))
	admin := common.Append(header("Cache-Control", "no-store"))

	mux := http.NewServeMux()
	mux.Handle("GET /", common.ThenFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "home")
	}))
	mux.Handle("GET /admin", admin.ThenFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "admin")
	}))

	for _, path := range []string{"/", "/admin"} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		fmt.Printf("%s: frame=%s cache=%q\n", path, rec.Header().Get("X-Frame-Options"), rec.Header().Get("Cache-Control"))
	}
	// Output:
	// /: frame=DENY cache=""
	// /admin: frame=DENY cache="no-store"
}

// New(a, b).Then(h) serves a request as a(b(h)): the first middleware sees it first.
func ExampleNew() {
	say := func(s string) mw.Middleware {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				fmt.Println(s)
				next.ServeHTTP(w, r)
			})
		}
	}
	h := mw.New(say("first"), say("second")).ThenFunc(func(http.ResponseWriter, *http.Request) {
		fmt.Println("handler")
	})
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	// Output:
	// first
	// second
	// handler
}
