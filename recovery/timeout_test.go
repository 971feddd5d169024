package recovery

import (
	"net/http"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed1f3c5038/mw/timeout"
)

func handlerPanicsHere() { panic("boom in handler") }

// A panic in a handler that timeout runs in its own goroutine is logged
// with one stack, the handler's, and the plain value.
func TestPanicThroughTimeoutLogsHandlerStack(t *testing.T) {
	var logs sink
	type call struct {
		v       any
		aborted bool
	}
	var mu sync.Mutex
	var calls []call
	h := New(WithLogger(jsonLogger(&logs)), WithOnPanic(func(r *http.Request, v any, aborted bool) {
		mu.Lock()
		calls = append(calls, call{v, aborted})
		mu.Unlock()
	}))(timeout.New(time.Minute)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handlerPanicsHere()
	})))
	srv := newServer(t, h, false)
	res, err := srv.Client().Get(srv.URL + "/p")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusInternalServerError, res.StatusCode)

	recs := logs.Records(t)
	require.Len(t, recs, 1)
	assert.Equal(t, "boom in handler", recs[0]["panic"], "the value alone")
	stack, _ := recs[0]["stack"].(string)
	assert.Contains(t, stack, "recovery.handlerPanicsHere", "the handler's frame")
	assert.Len(t, regexp.MustCompile(`(?m)^goroutine \d+ `).FindAllString(stack, -1), 1, "one stack")
	assert.NotContains(t, stack, "recovery.(*handler).recover", "not recovery's own stack")

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, calls, 1)
	var pe *timeout.PanicError
	require.ErrorAs(t, calls[0].v.(error), &pe)
	assert.Equal(t, "boom in handler", pe.Value)
	assert.False(t, calls[0].aborted)
}

// WithOnPanic sees every recovered panic, aborted when the response had
// started, and not http.ErrAbortHandler.
func TestWithOnPanic(t *testing.T) {
	var mu sync.Mutex
	var got []string
	h := New(WithLogger(jsonLogger(&sink{})), WithOnPanic(func(r *http.Request, v any, aborted bool) {
		mu.Lock()
		got = append(got, r.URL.Path+" "+map[bool]string{true: "aborted", false: "500"}[aborted])
		mu.Unlock()
	}))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/started":
			w.Write([]byte("x"))
			http.NewResponseController(w).Flush()
			panic("late")
		case "/abort":
			panic(http.ErrAbortHandler)
		}
		panic("early")
	}))
	srv := newServer(t, h, false)
	for _, p := range []string{"/early", "/started", "/abort"} {
		if res, err := srv.Client().Get(srv.URL + p); err == nil {
			res.Body.Close()
		}
	}
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"/early 500", "/started aborted"}, got)
	assert.PanicsWithValue(t, "recovery: WithOnPanic: nil function", func() { WithOnPanic(nil) })
}
