package mw_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/justinas/alice"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed1f3c5038/mw"
)

// tag returns a middleware that appends name to the X-Trace header on the
// way in, so a test can read the order the request went through.
func tag(name string) mw.Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Add("X-Trace", name)
			next.ServeHTTP(w, r)
		})
	}
}

var final = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("X-Trace", "handler")
})

func trace(t *testing.T, h http.Handler) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	return strings.Join(rec.Header().Values("X-Trace"), ",")
}

func TestNewRunsMiddlewaresInOrder(t *testing.T) {
	h := mw.New(tag("a"), tag("b"), tag("c")).Then(final)
	assert.Equal(t, "a,b,c,handler", trace(t, h))
}

func TestEmptyChainServesHandler(t *testing.T) {
	assert.Equal(t, "handler", trace(t, mw.New().Then(final)))
	assert.Equal(t, "handler", trace(t, mw.Chain{}.Then(final)))
}

func TestAppendLeavesOriginalUnchanged(t *testing.T) {
	base := mw.New(tag("a"))
	withB := base.Append(tag("b"))
	withC := base.Append(tag("c"))
	assert.Equal(t, "a,handler", trace(t, base.Then(final)))
	assert.Equal(t, "a,b,handler", trace(t, withB.Then(final)))
	assert.Equal(t, "a,c,handler", trace(t, withC.Then(final)))
}

func TestAppendToSharedChainNeverAliases(t *testing.T) {
	// Appending twice to one chain with spare capacity must not let the
	// second append overwrite the first one's middleware.
	base := mw.New(tag("a"), tag("b")).Append(tag("c"))
	x := base.Append(tag("x"))
	y := base.Append(tag("y"))
	assert.Equal(t, "a,b,c,x,handler", trace(t, x.Then(final)))
	assert.Equal(t, "a,b,c,y,handler", trace(t, y.Then(final)))
}

func TestExtend(t *testing.T) {
	first := mw.New(tag("a"))
	second := mw.New(tag("b"), tag("c"))
	both := first.Extend(second)
	assert.Equal(t, "a,b,c,handler", trace(t, both.Then(final)))
	assert.Equal(t, "a,handler", trace(t, first.Then(final)))
	assert.Equal(t, "b,c,handler", trace(t, second.Then(final)))
}

func TestThenFunc(t *testing.T) {
	h := mw.New(tag("a")).ThenFunc(final)
	assert.Equal(t, "a,handler", trace(t, h))
}

func TestThenNilIsDefaultServeMux(t *testing.T) {
	// Like alice, a nil handler means http.DefaultServeMux; nothing is
	// registered on it here, so the request gets its 404.
	for name, h := range map[string]http.Handler{
		"Then":     mw.New(tag("a")).Then(nil),
		"ThenFunc": mw.New(tag("a")).ThenFunc(nil),
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/mw-test-unregistered", nil))
		assert.Equal(t, http.StatusNotFound, rec.Code, name)
		assert.Equal(t, "a", rec.Header().Get("X-Trace"), name)
	}
}

func TestAcceptsAliceConstructorsAndPlainFuncs(t *testing.T) {
	var c alice.Constructor = alice.Constructor(tag("alice"))
	plain := func(next http.Handler) http.Handler { return tag("plain")(next) }
	h := mw.New(c, plain).Then(final)
	assert.Equal(t, "alice,plain,handler", trace(t, h))
}

func TestNilMiddlewarePanicsAtConstruction(t *testing.T) {
	assert.PanicsWithValue(t, "mw: nil middleware at index 1", func() {
		mw.New(tag("a"), nil, tag("c"))
	})
	base := mw.New(tag("a"), tag("b"))
	assert.PanicsWithValue(t, "mw: nil middleware at index 3", func() {
		base.Append(tag("c"), nil)
	})
	extended := base.Extend(mw.New(tag("c")))
	assert.PanicsWithValue(t, "mw: nil middleware at index 3", func() {
		extended.Append(nil)
	})
}

func TestChainAddsNoAllocationsPerRequest(t *testing.T) {
	noop := func(next http.Handler) http.Handler { return next }
	bare := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	h := mw.New(noop, noop, noop).Then(bare)
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	allocs := testing.AllocsPerRun(100, func() { h.ServeHTTP(w, r) })
	require.Zero(t, allocs)
}

func BenchmarkChain(b *testing.B) {
	pass := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { next.ServeHTTP(w, r) })
	}
	h := mw.New(pass, pass, pass, pass, pass).Then(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		h.ServeHTTP(w, r)
	}
}
