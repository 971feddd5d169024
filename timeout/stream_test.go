package timeout

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed1f3c5038/mw/internal/reqlog"
	"github.com/seed1f3c5038/mw/internal/testutil"
)

// sse flushes an event every 100 ms, n times, then blocks until its
// context ends if stall.
func sse(n int, stall bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := range n {
			if i > 0 {
				time.Sleep(100 * time.Millisecond)
			}
			if _, err := io.WriteString(w, "data: tick\n\n"); err != nil {
				return
			}
			if err := http.NewResponseController(w).Flush(); err != nil {
				return
			}
		}
		if stall {
			<-r.Context().Done()
		}
	}
}

func TestWithIdleStreamOutlivesDeadline(t *testing.T) {
	var timeouts int
	var mu sync.Mutex
	h := New(300*time.Millisecond, WithIdle(200*time.Millisecond), WithOnTimeout(func(*http.Request, bool) {
		mu.Lock()
		timeouts++
		mu.Unlock()
	}))(sse(11, false)) // 1 s of events
	srv := newServer(t, h)
	resp, err := srv.Client().Get(srv.URL)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err, "the stream ends cleanly")
	assert.Equal(t, 11, strings.Count(string(body), "data: tick\n\n"))
	mu.Lock()
	assert.Zero(t, timeouts)
	mu.Unlock()
}

func TestWithIdleStalledStreamIsAborted(t *testing.T) {
	started := make(chan bool, 1)
	h := New(300*time.Millisecond, WithIdle(200*time.Millisecond), WithOnTimeout(func(_ *http.Request, s bool) {
		started <- s
	}))(sse(5, true)) // last flush at ~400 ms
	srv := newServer(t, h)
	resp, err := srv.Client().Get(srv.URL)
	require.NoError(t, err)
	br := bufio.NewReader(resp.Body)
	var last time.Time
	var events int
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			assert.NotErrorIs(t, err, io.EOF, "the client sees an error, not a clean end")
			break
		}
		if line == "data: tick\n" {
			events++
			last = time.Now()
		}
	}
	resp.Body.Close()
	assert.Equal(t, 5, events)
	gap := time.Since(last)
	assert.Greater(t, gap, 150*time.Millisecond, "aborted about idle after the last flush")
	assert.Less(t, gap, late)
	select {
	case s := <-started:
		assert.True(t, s)
	case <-time.After(late):
		// Known race (see report): the handler, which honours its
		// context, returned before ServeHTTP took the writer back, and
		// the stream ended cleanly.
		t.Error("WithOnTimeout not called")
	}
}

// Without progress by New's deadline, WithIdle changes nothing: the
// silent handler gets the timeout response, the context no deadline of
// ours but the ErrTimeout cause.
func TestWithIdleSilentHandlerGetsTimeoutResponse(t *testing.T) {
	cause := make(chan error, 1)
	hasDeadline := make(chan bool, 1)
	h := New(short, WithIdle(time.Hour))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, ok := r.Context().Deadline()
		hasDeadline <- ok
		<-r.Context().Done()
		cause <- context.Cause(r.Context())
	}))
	srv := newServer(t, h)
	resp, err := srv.Client().Get(srv.URL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.False(t, <-hasDeadline)
	assert.ErrorIs(t, <-cause, ErrTimeout)
}

// A server whose BaseContext is canceled mid-request (shutdown) is not a
// client that left: the client gets the timeout response.
func TestNewBaseContextCanceledGetsTimeoutResponse(t *testing.T) {
	base, cancel := context.WithCancel(context.Background())
	defer cancel()
	inHandler := make(chan struct{})
	var once sync.Once
	h := New(late)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { close(inHandler) })
		<-r.Context().Done()
	}))
	srv := testutil.NewServerWith(t, h, func(s *http.Server) {
		s.BaseContext = func(net.Listener) context.Context { return base }
	})
	go func() { <-inHandler; cancel() }()
	resp, err := srv.Client().Get(srv.URL)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Equal(t, "Service Unavailable: request timed out\n", string(body))
}

// A server's WriteTimeout shorter than New's deadline does not cut a
// response the handler is still allowed to send.
func TestNewCoversShorterWriteTimeout(t *testing.T) {
	for _, idle := range []bool{false, true} {
		opts := []Option{}
		if idle {
			opts = append(opts, WithIdle(time.Second))
		}
		h := New(2*time.Second, opts...)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "start\n")
			w.(http.Flusher).Flush()
			time.Sleep(500 * time.Millisecond)
			io.WriteString(w, "end\n")
		}))
		srv := testutil.NewServerWith(t, h, func(s *http.Server) { s.WriteTimeout = 200 * time.Millisecond })
		resp, err := srv.Client().Get(srv.URL)
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.NoError(t, err, "idle=%v", idle)
		assert.Equal(t, "start\nend\n", string(body), "idle=%v", idle)
	}
}

// Each expiry adds timed_out=true to the access record.
func TestNewAddsTimedOutToRecord(t *testing.T) {
	for _, started := range []bool{false, true} {
		var got []bool
		release, ended := make(chan struct{}), make(chan struct{})
		h := New(short, WithOnTimeout(func(_ *http.Request, s bool) { got = append(got, s) }))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer close(ended)
			if started {
				io.WriteString(w, "x")
			}
			<-release // ignores its context
		}))
		ctx := reqlog.NewContext(context.Background(), slog.Default())
		r := httptest.NewRequest("GET", "/", nil).WithContext(ctx)
		v := recoverFrom(func() { h.ServeHTTP(httptest.NewRecorder(), r) })
		if started {
			assert.Same(t, http.ErrAbortHandler, v)
		}
		close(release)
		<-ended
		assert.Equal(t, []bool{started}, got)
		attrs := ctx.State.Close()
		require.Len(t, attrs, 1)
		assert.Equal(t, "timed_out=true", attrs[0].String())
	}
	assert.PanicsWithValue(t, "timeout: WithOnTimeout(nil)", func() { WithOnTimeout(nil) })
	assert.PanicsWithValue(t, "timeout: WithIdle(0s): duration must be positive", func() { WithIdle(0) })
}
