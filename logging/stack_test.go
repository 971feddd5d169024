package logging_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed1f3c5038/mw/internal/testutil"
	"github.com/seed1f3c5038/mw/logging"
	"github.com/seed1f3c5038/mw/recovery"
)

// The recommended stack, end to end: logging outside recovery outside the
// handler.
func TestLoggingOutsideRecovery(t *testing.T) {
	var out testutil.Sink
	logger := slog.New(slog.NewJSONHandler(&out, nil))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /early", func(http.ResponseWriter, *http.Request) { panic("early") })
	mux.HandleFunc("GET /late", func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "partial")
		http.NewResponseController(w).Flush()
		panic("late")
	})
	srv := httptest.NewServer(logging.New(logger)(recovery.New(recovery.WithLogger(logger), recovery.WithStack(false))(mux)))
	defer srv.Close()

	req, _ := http.NewRequest("GET", srv.URL+"/early", nil)
	req.Header.Set("X-Request-ID", "stack-1")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, 500, res.StatusCode)
	assert.Equal(t, "stack-1", res.Header.Get("X-Request-ID"), "the echoed ID survives recovery's cleanup")

	req, _ = http.NewRequest("GET", srv.URL+"/late", nil)
	req.Header.Set("X-Request-ID", "stack-2")
	res, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	_, err = io.ReadAll(res.Body)
	res.Body.Close()
	assert.Error(t, err, "the started response is aborted")

	require.Eventually(t, func() bool { return strings.Count(out.String(), "\n") == 4 }, 5*time.Second, time.Millisecond)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	// recovery's record, then logging's, for each request.
	assert.Contains(t, lines[0], `"msg":"panic recovered"`)
	assert.Contains(t, lines[0], `"request_id":"stack-1"`)
	assert.Contains(t, lines[1], `"msg":"http request"`)
	assert.Contains(t, lines[1], `"status":500`)
	assert.Contains(t, lines[1], `"route":"GET /early"`)
	assert.NotContains(t, lines[1], `"panic"`, "recovery handled it: no panic reached logging")
	assert.Contains(t, lines[2], `"request_id":"stack-2"`)
	assert.Contains(t, lines[2], `"aborted":true`)
	assert.Contains(t, lines[3], `"status":200`)
	assert.Contains(t, lines[3], `"panic":true`, "the abort went through logging")
}

// Under logging, recovery adds no allocation.
func TestRecoveryUnderLoggingAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") })
	r := httptest.NewRequest("GET", "/", nil)
	w := httptest.NewRecorder()
	h1, h2 := logging.New(logger)(ok), logging.New(logger)(recovery.New()(ok))
	assert.Equal(t, testing.AllocsPerRun(200, func() { h1.ServeHTTP(w, r) }), testing.AllocsPerRun(200, func() { h2.ServeHTTP(w, r) }))
}

type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

// The budget: at most 5 allocations of logging's own per request, request
// ID and context included (the wrapper, the ID, the context with its state,
// the request copy and slog's record overflow beyond five attributes).
func TestLoggingAllocationBudget(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	body := []byte("ok")
	h := logging.New(slog.New(slog.NewJSONHandler(io.Discard, nil)))(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Write(body)
	}))
	r := httptest.NewRequest("GET", "/a?b=c", nil)
	w := &discardWriter{h: make(http.Header)}
	assert.LessOrEqual(t, testing.AllocsPerRun(200, func() { clear(w.h); h.ServeHTTP(w, r) }), 5.0)
}
