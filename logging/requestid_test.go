package logging

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIncomingIDKeptOnlyWhenSafe(t *testing.T) {
	long128 := strings.Repeat("a", 128)
	for in, kept := range map[string]bool{
		"abc-DEF_123.xyz:9":   true,
		long128:               true,
		long128 + "a":         false,
		"":                    false,
		"has space":           false,
		"line\nbreak":         false,
		`quote"`:              false,
		"semi;colon":          false,
		"ünïcode":             false,
		"{\"json\":1}":        false,
		"0f8fad5b-d9cb-469f":  true,
		"trace=1,other=2":     false,
		"slash/not/permitted": false,
	} {
		var s sink
		var seen string
		h := New(newLogger(&s))(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			seen = RequestID(r.Context())
		}))
		r := httptest.NewRequest("GET", "/", nil)
		if in != "" {
			r.Header.Set("X-Request-ID", in)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)

		rec := s.Wait(t, 1)[0]
		echoed := w.Header().Get("X-Request-ID")
		assert.Equal(t, seen, echoed, "%q: the handler and the response agree", in)
		assert.Equal(t, seen, rec["request_id"], "%q: the log agrees", in)
		if kept {
			assert.Equal(t, in, seen)
		} else {
			assert.NotEqual(t, in, seen)
			assert.Regexp(t, idPattern, seen, "%q replaced by a new ID", in)
		}
	}
}

var idPattern = regexp.MustCompile(`^[0-9a-f]{16}-[0-9]+$`)

func TestEchoedEndToEnd(t *testing.T) {
	var s sink
	srv := httptest.NewServer(New(newLogger(&s))(statusHandler(204)))
	defer srv.Close()
	res := get(t, srv.URL, map[string]string{"X-Request-ID": "from-the-edge-1"})
	assert.Equal(t, "from-the-edge-1", res.Header.Get("X-Request-ID"))
	res = get(t, srv.URL, map[string]string{"X-Request-ID": strings.Repeat("x", 129)})
	assert.Regexp(t, idPattern, res.Header.Get("X-Request-ID"))
}

func TestNewIDsAreUniqueAndCheap(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := newID()
		require.Regexp(t, idPattern, id)
		require.False(t, seen[id], id)
		require.NotEmpty(t, incomingID([]string{id}), "our own IDs pass our own check")
		seen[id] = true
	}
	assert.LessOrEqual(t, testing.AllocsPerRun(100, func() { newID() }), 1.0)
}

func TestRequestIDAndLoggerOutsideARequest(t *testing.T) {
	ctx := context.Background()
	assert.Equal(t, "", RequestID(ctx))
	assert.Same(t, slog.Default(), Logger(ctx))
}

func TestLoggerCarriesRequestIDAndIsBuiltOnce(t *testing.T) {
	var s sink
	h := New(newLogger(&s))(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		l := Logger(r.Context())
		assert.Same(t, l, Logger(r.Context()), "built once per request")
		l.Info("from the handler")
	}))
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("X-Request-ID", "req-77")
	h.ServeHTTP(httptest.NewRecorder(), r)

	recs := s.Wait(t, 2)
	assert.Equal(t, "from the handler", recs[0]["msg"])
	assert.Equal(t, "req-77", recs[0]["request_id"])
	assert.Equal(t, "req-77", recs[1]["request_id"])
}

func TestCustomRequestIDHeader(t *testing.T) {
	var s sink
	h := New(newLogger(&s), WithRequestIDHeader("x-correlation-id"))(statusHandler(200))
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("X-Correlation-ID", "corr-1")
	r.Header.Set("X-Request-ID", "ignored")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	assert.Equal(t, "corr-1", w.Header().Get("X-Correlation-ID"))
	assert.Empty(t, w.Header().Get("X-Request-ID"))
	assert.Equal(t, "corr-1", s.Wait(t, 1)[0]["request_id"])
}

func TestRequestIDsDisabled(t *testing.T) {
	var s sink
	base := newLogger(&s)
	h := New(base, WithRequestIDHeader(""))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "", RequestID(r.Context()))
		assert.Same(t, base, Logger(r.Context()))
		io.WriteString(w, "ok")
	}))
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("X-Request-ID", "incoming")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	assert.Empty(t, w.Header().Get("X-Request-ID"))
	rec := s.Wait(t, 1)[0]
	assert.NotContains(t, rec, "request_id")
	assert.Equal(t, "/", rec["path"])
}

func TestContextStillCancelsAndCarriesValues(t *testing.T) {
	type key struct{}
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), key{}, "v"))
	var s sink
	h := New(newLogger(&s))(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		assert.Equal(t, "v", ctx.Value(key{}))
		child, stop := context.WithCancel(ctx)
		defer stop()
		cancel()
		<-child.Done()
		assert.ErrorIs(t, ctx.Err(), context.Canceled)
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil).WithContext(parent))
}
