package methodrouter

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// profileView has the Django habit: Dispatch keeps the request's user in
// a field, and the method handlers read it.
type profileView struct {
	user  string
	reads int
}

func (v *profileView) Dispatch(w http.ResponseWriter, r *http.Request, next http.Handler) {
	v.user = r.Header.Get("X-User")
	if v.user == "" {
		http.Error(w, "login first", http.StatusUnauthorized)
		return
	}
	next.ServeHTTP(w, r)
}

func (v *profileView) Get(w http.ResponseWriter, r *http.Request) {
	v.reads++
	fmt.Fprintf(w, "%s %d", v.user, v.reads)
}

// askAs sends GET as user and returns the body.
func askAs(t *testing.T, url, user string) string {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Error(err)
		return ""
	}
	req.Header.Set("X-User", user)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// concurrentUsers sends many requests as different users at once and
// reports how many got an answer for someone else.
func concurrentUsers(t *testing.T, h http.Handler) (wrong int64) {
	srv := newServer(t, h)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				user := fmt.Sprintf("user%d-%d", g, i)
				if got := askAs(t, srv.URL, user); got != user+" 1" {
					atomic.AddInt64(&wrong, 1)
				}
			}
		}()
	}
	wg.Wait()
	return wrong
}

func TestViewOfValuePerRequest(t *testing.T) {
	// Each request, concurrent ones too, has its own value: Dispatch's
	// user is the one Get reads, and nothing carries over (reads is 1).
	// Run with -race: clean.
	rt := ViewOf(func() *profileView { return new(profileView) })
	assert.Zero(t, concurrentUsers(t, rt))
}

func TestViewSharesOneValueRace(t *testing.T) {
	// The same view with View: every request shares one value, so the
	// Django habit is a data race. Under -race this test fails, which is
	// the point; run it with MW_SHOW_VIEW_RACE=1 go test -race -run ViewSharesOneValueRace.
	if os.Getenv("MW_SHOW_VIEW_RACE") == "" {
		t.Skip("reproduces the data race of View; set MW_SHOW_VIEW_RACE=1 and run with -race")
	}
	wrong := concurrentUsers(t, View(&profileView{}))
	t.Logf("%d answers for another user or with another request's count", wrong)
}

func TestViewSharesOneValue(t *testing.T) {
	// Without the race detector's help: one value serves every request,
	// so state kept in it leaks to the next request, where ViewOf starts
	// afresh.
	v := &profileView{}
	shared := newServer(t, View(v))
	assert.Equal(t, "alice 1", askAs(t, shared.URL, "alice"))
	assert.Equal(t, "bob 2", askAs(t, shared.URL, "bob"), "bob sees alice's count")

	fresh := newServer(t, ViewOf(func() *profileView { return new(profileView) }))
	assert.Equal(t, "alice 1", askAs(t, fresh.URL, "alice"))
	assert.Equal(t, "bob 1", askAs(t, fresh.URL, "bob"))
}

func TestViewOfAnswersLikeView(t *testing.T) {
	// Same methods, same automatic answers, same order of middlewares as
	// View, for a view with Dispatch and one without.
	var tr trace
	views := map[string]*Router{
		"View":   View(&guardedView{articleView{&tr}}, tr.mw("m1")),
		"ViewOf": ViewOf(func() *guardedView { return &guardedView{articleView{&tr}} }, tr.mw("m1")),
	}
	for name, rt := range views {
		rt.Use(tr.mw("inner"))
		assert.Equal(t, []string{"GET", "HEAD", "POST", "OPTIONS"}, rt.Allowed(), name)
		for _, c := range []struct {
			method, steps string
			code          int
		}{
			{"GET", "m1 dispatch inner get", 200},
			{"HEAD", "m1 dispatch inner get", 200},
			{"POST", "m1 dispatch inner post", 201},
			{"OPTIONS", "m1 dispatch inner", 200},
			{"DELETE", "m1 dispatch inner", 405},
		} {
			tr.reset()
			req := httptest.NewRequest(c.method, "/", nil)
			req.Header.Set("Authorization", "Token t")
			rec := httptest.NewRecorder()
			rt.ServeHTTP(rec, req)
			assert.Equal(t, c.code, rec.Code, "%s %s", name, c.method)
			assert.Equal(t, c.steps, tr.String(), "%s %s", name, c.method)
		}
		tr.reset()
		assert.Equal(t, http.StatusUnauthorized, serve(rt, "GET").Code, name)
		assert.Equal(t, "m1 dispatch", tr.String(), name)
	}
}

// counted has Get only, and counts the values made.
type counted struct{ made *atomic.Int64 }

func (c counted) Get(w http.ResponseWriter, r *http.Request) {}

func TestViewOfCallsNewView(t *testing.T) {
	var made atomic.Int64
	rt := ViewOf(func() counted { made.Add(1); return counted{&made} })
	assert.Equal(t, int64(1), made.Load(), "once at construction, to find the methods")
	serve(rt, "GET")
	serve(rt, "HEAD")
	assert.Equal(t, int64(3), made.Load(), "once per request that runs a method")
	serve(rt, "OPTIONS")
	serve(rt, "PUT")
	assert.Equal(t, int64(3), made.Load(), "no value for an automatic answer without Dispatch")

	var withDispatch atomic.Int64
	rt = ViewOf(func() *profileView { withDispatch.Add(1); return new(profileView) })
	r := httptest.NewRequest("PUT", "/", nil)
	r.Header.Set("X-User", "alice")
	rt.ServeHTTP(httptest.NewRecorder(), r)
	assert.Equal(t, int64(2), withDispatch.Load(), "Dispatch runs for the 405 too, with a value")
}

func TestViewOfUnderServeMux(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/articles/{id}", ViewOf(func() *articleView { return &articleView{new(trace)} }))
	srv := newServer(t, mux)
	resp, body := do(t, "GET", srv.URL+"/articles/7")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "article 7", body)
}

func TestViewOfPanics(t *testing.T) {
	assert.PanicsWithValue(t, "methodrouter: ViewOf(nil)", func() { ViewOf[*profileView](nil) })
	assert.PanicsWithValue(t,
		"methodrouter: ViewOf(methodrouter.articleView) has none of the methods Get, Head, Post, Put, Patch, Delete, Options "+
			"with signature func(http.ResponseWriter, *http.Request) (methods on a pointer receiver need a pointer)",
		func() { ViewOf(func() articleView { return articleView{} }) })
	assert.Panics(t, func() { ViewOf(func() dispatchOnly { return dispatchOnly{} }) })
	assert.Panics(t, func() { ViewOf(func() any { return nil }) })
}

func TestLowerCaseMethodPanicsOnEveryRouter(t *testing.T) {
	h := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	for name, rt := range map[string]*Router{
		"New":    New(),
		"View":   View(getOnly{}),
		"ViewOf": ViewOf(func() getOnly { return getOnly{} }),
	} {
		assert.PanicsWithValue(t,
			`methodrouter: method "delete" is not "DELETE": method names are case-sensitive (RFC 9110 9.1); register "DELETE"`,
			func() { rt.Handle("delete", h) }, name)
	}
}

func TestViewOfAllocations(t *testing.T) {
	w := newDiscardWriter()
	get := httptest.NewRequest("GET", "/", nil)
	get.Header.Set("X-User", "alice")
	allocs := func(h http.Handler) float64 {
		h.ServeHTTP(w, get)
		return testing.AllocsPerRun(100, func() {
			w.reset()
			h.ServeHTTP(w, get)
		})
	}
	// Against View with the same value (the handler's own writes count in
	// both): getOnly is zero-size, so without Dispatch ViewOf allocates
	// nothing more.
	assert.Equal(t, allocs(View(getOnly{})), allocs(ViewOf(func() getOnly { return getOnly{} })))
	// With Dispatch: the value itself, and the context that carries it
	// from Dispatch to the method handler (context value, request copy).
	assert.Equal(t, allocs(View(new(quietView)))+3, allocs(ViewOf(func() *quietView { return new(quietView) })))
}

// quietView keeps state from Dispatch and writes without allocating.
type quietView struct{ user string }

func (v *quietView) Dispatch(w http.ResponseWriter, r *http.Request, next http.Handler) {
	v.user = "x"
	next.ServeHTTP(w, r)
}

func (v *quietView) Get(w http.ResponseWriter, r *http.Request) { io.WriteString(w, v.user) }
