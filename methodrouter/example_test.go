package methodrouter_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"

	"github.com/seed1f3c5038/mw/methodrouter"
)

// show prints what a client gets for method on h.
func show(h http.Handler, method, target string, header ...string) {
	r := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	fmt.Printf("%s %d", method, rec.Code)
	if allow := rec.Header().Get("Allow"); allow != "" {
		fmt.Printf(" Allow: %s", allow)
	}
	if body := rec.Body.String(); body != "" {
		fmt.Printf(" %q", body)
	}
	fmt.Println()
}

func ExampleRouter() {
	articles := methodrouter.New().
		Get(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "article") }).
		Delete(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })

	show(articles, "GET", "/")
	show(articles, "HEAD", "/")    // GET's answer without the body
	show(articles, "OPTIONS", "/") // answered by the router
	show(articles, "PUT", "/")     // 405 with Allow
	show(articles, "DELETE", "/")
	// Output:
	// GET 200 "article"
	// HEAD 200
	// OPTIONS 200 Allow: GET, HEAD, DELETE, OPTIONS
	// PUT 405 Allow: GET, HEAD, DELETE, OPTIONS "Method Not Allowed\n"
	// DELETE 204
}

// ArticleView is a class-based view: one value, one method per HTTP method.
type ArticleView struct {
	mu    sync.Mutex
	Title map[string]string
}

func (v *ArticleView) Get(w http.ResponseWriter, r *http.Request) {
	v.mu.Lock()
	defer v.mu.Unlock()
	title, ok := v.Title[r.PathValue("id")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	io.WriteString(w, title)
}

func (v *ArticleView) Post(w http.ResponseWriter, r *http.Request) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.Title[r.PathValue("id")] = r.FormValue("title")
	w.WriteHeader(http.StatusCreated)
}

// A View mounted on a standard ServeMux pattern: the mux matches the path
// (and its {id}), the view the method.
func ExampleView() {
	mux := http.NewServeMux()
	mux.Handle("/articles/{id}", methodrouter.View(&ArticleView{Title: map[string]string{}}))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	resp, _ := http.PostForm(srv.URL+"/articles/7", url.Values{"title": {"Hello"}})
	resp.Body.Close()
	fmt.Println("POST", resp.StatusCode)

	resp, _ = http.Get(srv.URL + "/articles/7")
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println("GET", resp.StatusCode, string(body))

	req, _ := http.NewRequest("DELETE", srv.URL+"/articles/7", nil)
	resp, _ = http.DefaultClient.Do(req)
	resp.Body.Close()
	fmt.Println("DELETE", resp.StatusCode, resp.Header.Get("Allow"))
	// Output:
	// POST 201
	// GET 200 Hello
	// DELETE 405 GET, HEAD, POST, OPTIONS
}

// AdminView guards every method in Dispatch, like an overridden Django
// dispatch(): the method handler runs only if Dispatch calls next.
type AdminView struct{}

func (AdminView) Get(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "secret") }

func (AdminView) Dispatch(w http.ResponseWriter, r *http.Request, next http.Handler) {
	if r.Header.Get("Authorization") != "Bearer admin" {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	next.ServeHTTP(w, r)
}

func ExampleDispatcher() {
	admin := methodrouter.View(AdminView{})
	show(admin, "GET", "/")
	show(admin, "GET", "/", "Authorization", "Bearer admin")
	show(admin, "PUT", "/", "Authorization", "Bearer admin")
	// Output:
	// GET 403 "forbidden\n"
	// GET 200 "secret"
	// PUT 405 Allow: GET, HEAD, OPTIONS "Method Not Allowed\n"
}

// A middleware given with one method wraps that method only: here a
// throttle lets one POST through, while GET stays unlimited.
func ExampleRouter_Post() {
	var mu sync.Mutex
	left := 1
	throttle := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			ok := left > 0
			left--
			mu.Unlock()
			if !ok {
				w.Header().Set("Retry-After", "60")
				http.Error(w, "slow down", http.StatusTooManyRequests)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	comments := methodrouter.New().
		Get(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "comments") }).
		Post(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusCreated) }, throttle)

	show(comments, "POST", "/")
	show(comments, "POST", "/")
	show(comments, "GET", "/")
	// Output:
	// POST 201
	// POST 429 "slow down\n"
	// GET 200 "comments"
}

// An HTML form can only GET or POST; MethodOverride turns its POST into
// the DELETE it asks for in a hidden _method field.
func ExampleMethodOverride() {
	articles := methodrouter.New().
		Post(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "created") }).
		Delete(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "deleted") })
	h := methodrouter.MethodOverride(articles)

	for _, form := range []string{"title=Hi", "_method=DELETE", "_method=GET"} {
		r := httptest.NewRequest("POST", "/articles/7", strings.NewReader(form))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		fmt.Printf("%s: %s\n", form, rec.Body.String())
	}
	// Output:
	// title=Hi: created
	// _method=DELETE: deleted
	// _method=GET: created
}

// A whole ServeMux with Router's method handling: 405 with OPTIONS in
// Allow, automatic OPTIONS, and custom 404 and 405 answers; the matched
// routes and the mux's redirects are unchanged.
func ExampleWrapMux() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /articles/{id}", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "article "+r.PathValue("id"))
	})
	mux.HandleFunc("DELETE /articles/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /docs/", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "docs") })

	h := methodrouter.WrapMux(mux).
		NotFound(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "no such page")
		})).
		NotAllowed(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "use "+w.Header().Get("Allow"))
		}))

	show(h, "GET", "/articles/7")
	show(h, "PUT", "/articles/7")
	show(h, "OPTIONS", "/articles/7")
	show(h, "GET", "/nothing")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/docs", nil))
	fmt.Println("GET /docs ->", rec.Header().Get("Location"))
	// Output:
	// GET 200 "article 7"
	// PUT 405 Allow: GET, HEAD, DELETE, OPTIONS "use GET, HEAD, DELETE, OPTIONS"
	// OPTIONS 200 Allow: GET, HEAD, DELETE, OPTIONS
	// GET 404 "no such page"
	// GET /docs -> /docs/
}

// ProfileView keeps per-request state in its fields, Django's habit:
// Dispatch finds the user, Get uses it. ViewOf makes a value per request,
// so concurrent requests never share it.
type ProfileView struct {
	user string
}

func (v *ProfileView) Dispatch(w http.ResponseWriter, r *http.Request, next http.Handler) {
	v.user = r.Header.Get("X-User")
	if v.user == "" {
		http.Error(w, "login first", http.StatusUnauthorized)
		return
	}
	next.ServeHTTP(w, r)
}

func (v *ProfileView) Get(w http.ResponseWriter, r *http.Request) {
	io.WriteString(w, "profile of "+v.user)
}

func ExampleViewOf() {
	profile := methodrouter.ViewOf(func() *ProfileView { return new(ProfileView) })
	show(profile, "GET", "/", "X-User", "alice")
	show(profile, "GET", "/", "X-User", "bob")
	show(profile, "GET", "/")
	show(profile, "POST", "/", "X-User", "alice")
	// Output:
	// GET 200 "profile of alice"
	// GET 200 "profile of bob"
	// GET 401 "login first\n"
	// POST 405 Allow: GET, HEAD, OPTIONS "Method Not Allowed\n"
}
