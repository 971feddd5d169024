package recovery

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed1f3c5038/mw"
	"github.com/seed1f3c5038/mw/internal/testutil"
	"github.com/seed1f3c5038/mw/timeout"
)

// The 500 keeps exactly the headers that were there when recovery started
// (with their values then), whatever the panicking code added, replaced or
// deleted.
func TestPanicDropsEveryHeaderTheHandlerSet(t *testing.T) {
	for name, wrap := range stacks {
		t.Run(name, func(t *testing.T) {
			h := New(WithLogger(discardLogger()))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hdr := w.Header()
				hdr.Set("Set-Cookie", "session=stolen")
				hdr.Add("Vary", "Cookie") // appends to the outer slice
				hdr.Set("Location", "/elsewhere")
				hdr.Set("X-Anything", "1")
				hdr.Set("X-Request-Id", "overwritten")
				hdr.Del("X-Outer")
				panic("boom")
			}))
			outer := func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					hdr := w.Header()
					hdr.Set("X-Request-Id", "kept-1")
					hdr.Set("X-Outer", "kept-2")
					hdr.Set("Set-Cookie", "outer=1")
					hdr["Vary"] = make([]string, 1, 4) // room for an Add in place
					hdr["Vary"][0] = "Origin"
					next.ServeHTTP(w, r)
				})
			}
			srv := newServer(t, outer(wrap(h)), false)
			res, err := http.Get(srv.URL)
			require.NoError(t, err)
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()

			assert.Equal(t, http.StatusInternalServerError, res.StatusCode)
			assert.Equal(t, "Internal Server Error\n", string(body))
			assert.Equal(t, "kept-1", res.Header.Get("X-Request-Id"))
			assert.Equal(t, "kept-2", res.Header.Get("X-Outer"))
			assert.Equal(t, []string{"outer=1"}, res.Header.Values("Set-Cookie"))
			assert.Equal(t, []string{"Origin"}, res.Header.Values("Vary"))
			assert.Empty(t, res.Header.Values("Location"))
			assert.Empty(t, res.Header.Values("X-Anything"))
			assert.Equal(t, "no-store", res.Header.Get("Cache-Control"))
		})
	}
}

// More fields than the snapshot keeps inline still come back exactly.
func TestPanicRestoresManyHeaders(t *testing.T) {
	h := New(WithLogger(discardLogger()))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "/x")
		w.Header().Del("X-Outer-3")
		panic("boom")
	}))
	var keys []string
	for i := range 40 {
		keys = append(keys, "X-Outer-"+string(rune('a'+i%26))+string(rune('0'+i/26)))
	}
	outer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, k := range keys {
			w.Header().Set(k, k)
		}
		h.ServeHTTP(w, r)
	})
	srv := newServer(t, outer, false)
	res, err := http.Get(srv.URL)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusInternalServerError, res.StatusCode)
	assert.Empty(t, res.Header.Get("Location"))
	for _, k := range keys {
		assert.Equal(t, k, res.Header.Get(k))
	}
}

// panickyHandler is a slog.Handler that panics, like a logger whose sink
// is broken.
type panickyHandler struct{}

func (panickyHandler) Enabled(context.Context, slog.Level) bool  { return true }
func (panickyHandler) Handle(context.Context, slog.Record) error { panic("logger broke") }
func (h panickyHandler) WithAttrs([]slog.Attr) slog.Handler      { return h }
func (h panickyHandler) WithGroup(string) slog.Handler           { return h }

// A panic inside recovery's own logger still leaves the client its 500, and
// the server's error log says what happened.
func TestLoggerPanicStillSends500(t *testing.T) {
	for name, wrap := range stacks {
		t.Run(name, func(t *testing.T) {
			h := New(WithLogger(slog.New(panickyHandler{})))(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
				panic("first")
			}))
			srv := newServer(t, wrap(h), false)
			res, err := http.Get(srv.URL)
			require.NoError(t, err)
			body, err := io.ReadAll(res.Body)
			res.Body.Close()
			require.NoError(t, err)
			assert.Equal(t, http.StatusInternalServerError, res.StatusCode)
			assert.Equal(t, "Internal Server Error\n", string(body))
			require.Eventually(t, func() bool { return srv.errLog.String() != "" }, 5*time.Second, time.Millisecond)
			assert.Equal(t, "recovery: the panic logger panicked: logger broke\n", srv.errLog.String())
		})
	}
	// After the response started, the response is still aborted.
	h := New(WithLogger(slog.New(panickyHandler{})))(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
		http.NewResponseController(w).Flush()
		panic("late")
	}))
	srv := newServer(t, h, false)
	res, err := http.Get(srv.URL)
	if err == nil {
		_, err = io.ReadAll(res.Body)
		res.Body.Close()
	}
	assert.Error(t, err, "the client sees the abort")
}

// A nil Option is ignored.
func TestNilOptionIgnored(t *testing.T) {
	h := New(nil, WithStack(false), nil)(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) }))
	w := testutil.NewDiscardWriter()
	h.ServeHTTP(w, newRequest())
	assert.Equal(t, 204, w.Code)
}

func newRequest() *http.Request {
	r, _ := http.NewRequest("GET", "http://example.com/", nil)
	return r
}

// echo's WrapMiddleware and gin's adapters write to the writer recovery
// handed down after recovery returned: it must still be recovery's own, for
// every concurrent request.
func TestHeldWriterAfterReturn(t *testing.T) {
	t.Run("recovery", func(t *testing.T) { testutil.CheckHeldWriters(t, New()) })
	t.Run("recovery under a recorder", func(t *testing.T) {
		testutil.CheckHeldWriters(t, func(h http.Handler) http.Handler { return withRecorder(New()(h)) })
	})
	t.Run("recovery+timeout", func(t *testing.T) {
		testutil.CheckHeldWriters(t, mw.New(New(), timeout.New(time.Minute)).Then)
	})
	t.Run("timeout+recovery", func(t *testing.T) {
		testutil.CheckHeldWriters(t, mw.New(timeout.New(time.Minute), New()).Then)
	})
}
