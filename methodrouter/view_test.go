package methodrouter

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// articleView has Get and Post on a pointer receiver, like most views
// that hold a store.
type articleView struct{ tr *trace }

func (v *articleView) Get(w http.ResponseWriter, r *http.Request) {
	v.tr.add("get")
	io.WriteString(w, "article "+r.PathValue("id"))
}

func (v *articleView) Post(w http.ResponseWriter, r *http.Request) {
	v.tr.add("post")
	w.WriteHeader(http.StatusCreated)
}

// guardedView rejects requests without a token before any method runs.
type guardedView struct{ articleView }

func (v *guardedView) Dispatch(w http.ResponseWriter, r *http.Request, next http.Handler) {
	v.tr.add("dispatch")
	if r.Header.Get("Authorization") == "" {
		http.Error(w, "login first", http.StatusUnauthorized)
		return
	}
	next.ServeHTTP(w, r)
}

// everyMethod has all seven methods on a value receiver.
type everyMethod struct{ tr *trace }

func (v everyMethod) Get(w http.ResponseWriter, r *http.Request)     { v.tr.add("Get") }
func (v everyMethod) Head(w http.ResponseWriter, r *http.Request)    { v.tr.add("Head") }
func (v everyMethod) Post(w http.ResponseWriter, r *http.Request)    { v.tr.add("Post") }
func (v everyMethod) Put(w http.ResponseWriter, r *http.Request)     { v.tr.add("Put") }
func (v everyMethod) Patch(w http.ResponseWriter, r *http.Request)   { v.tr.add("Patch") }
func (v everyMethod) Delete(w http.ResponseWriter, r *http.Request)  { v.tr.add("Delete") }
func (v everyMethod) Options(w http.ResponseWriter, r *http.Request) { v.tr.add("Options") }

func TestViewRegistersItsMethods(t *testing.T) {
	var tr trace
	rt := View(everyMethod{&tr})
	assert.Equal(t, []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}, rt.Allowed())
	for _, m := range []string{"Get", "Head", "Post", "Put", "Patch", "Delete", "Options"} {
		tr.reset()
		serve(rt, map[string]string{"Get": "GET", "Head": "HEAD", "Post": "POST", "Put": "PUT",
			"Patch": "PATCH", "Delete": "DELETE", "Options": "OPTIONS"}[m])
		assert.Equal(t, m, tr.String())
	}
}

func TestViewGetAndHead(t *testing.T) {
	var tr trace
	rt := View(&articleView{&tr})
	get := serve(rt, "GET")
	assert.Equal(t, "article ", get.Body.String())

	tr.reset()
	head := serve(rt, "HEAD")
	assert.Equal(t, "get", tr.String(), "HEAD runs Get")
	assert.Equal(t, http.StatusOK, head.Code)
	assert.Empty(t, head.Body.String())
	assert.Equal(t, "8", head.Header().Get("Content-Length"))
	assert.Equal(t, "text/plain; charset=utf-8", head.Header().Get("Content-Type"))
}

type postOnly struct{}

func (postOnly) Post(w http.ResponseWriter, r *http.Request) {}

func TestViewHeadWithoutGet(t *testing.T) {
	rec := serve(View(postOnly{}), "HEAD")
	assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)
	assert.Equal(t, "POST, OPTIONS", rec.Header().Get("Allow"))
}

type getOnly struct{}

func (getOnly) Get(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hi") }

func TestViewOptionsForGetOnlyView(t *testing.T) {
	// Django's test_options_for_get_view.
	rec := serve(View(getOnly{}), "OPTIONS")
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "GET, HEAD, OPTIONS", rec.Header().Get("Allow"))
	assert.Equal(t, "0", rec.Header().Get("Content-Length"))
	assert.Empty(t, rec.Body.String())

	// And the unknown method: 405 with the same list.
	rec = serve(View(getOnly{}), "POST")
	assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)
	assert.Equal(t, "GET, HEAD, OPTIONS", rec.Header().Get("Allow"))
}

func TestViewDispatchRejectsBeforeHandler(t *testing.T) {
	var tr trace
	rt := View(&guardedView{articleView{&tr}})

	rec := serve(rt, "POST")
	assert.Equal(t, http.StatusUnauthorized, rec.Code)
	assert.Equal(t, "dispatch", tr.String(), "the method handler never runs")

	tr.reset()
	req := httptest.NewRequest("POST", "/", nil)
	req.Header.Set("Authorization", "Token t")
	rec = httptest.NewRecorder()
	rt.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusCreated, rec.Code)
	assert.Equal(t, "dispatch post", tr.String())
}

func TestViewDispatchWrapsAutomaticAnswers(t *testing.T) {
	// Like an overridden dispatch(): it runs for 405, OPTIONS and HEAD too.
	var tr trace
	rt := View(&guardedView{articleView{&tr}})
	for _, m := range []string{"DELETE", "OPTIONS", "HEAD"} {
		tr.reset()
		rec := serve(rt, m)
		assert.Equal(t, http.StatusUnauthorized, rec.Code, m)
		assert.Equal(t, "dispatch", tr.String(), m)
	}
}

func TestViewOrder(t *testing.T) {
	var tr trace
	rt := View(&guardedView{articleView{&tr}}, tr.mw("m1"), tr.mw("m2"))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Token t")
	rt.ServeHTTP(httptest.NewRecorder(), req)
	assert.Equal(t, "m1 m2 dispatch get", tr.String())

	// Use on the returned Router adds inside Dispatch.
	tr.reset()
	rt.Use(tr.mw("inner"))
	rt.ServeHTTP(httptest.NewRecorder(), req)
	assert.Equal(t, "m1 m2 dispatch inner get", tr.String())
}

type dispatchOnly struct{}

func (dispatchOnly) Dispatch(w http.ResponseWriter, r *http.Request, next http.Handler) {}

type wrongSignature struct{}

func (wrongSignature) Get(w http.ResponseWriter) {}

func TestViewPanicsWithoutMethods(t *testing.T) {
	for _, v := range []any{nil, struct{}{}, dispatchOnly{}, wrongSignature{}, articleView{}} {
		assert.Panics(t, func() { View(v) }, "%T", v)
	}
	assert.PanicsWithValue(t,
		"methodrouter: View(methodrouter.articleView) has none of the methods Get, Head, Post, Put, Patch, Delete, Options "+
			"with signature func(http.ResponseWriter, *http.Request) (methods on a pointer receiver need a pointer)",
		func() { View(articleView{}) })
}

func TestViewUnderServeMux(t *testing.T) {
	var tr trace
	mux := http.NewServeMux()
	mux.Handle("/articles/{id}", View(&articleView{&tr}))
	srv := newServer(t, mux)
	resp, body := do(t, "GET", srv.URL+"/articles/7")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "article 7", body)
}

func TestViewDispatchAllocatesNothing(t *testing.T) {
	var tr trace
	v := &guardedView{articleView{&tr}}
	rt := View(v)
	w := newDiscardWriter()
	req := httptest.NewRequest("POST", "/", nil)
	req.Header.Set("Authorization", "Token t")
	rt.ServeHTTP(w, req)
	tr.steps = make([]string, 0, 1<<12) // the trace itself must not allocate
	allocs := testing.AllocsPerRun(100, func() {
		w.reset()
		rt.ServeHTTP(w, req)
	})
	assert.Equal(t, 0.0, allocs)
}
