package timeout

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed1f3c5038/mw/internal/testutil"
)

// Generous bounds: CI machines are slow, but a cut-off that works is far
// below these and one that does not never arrives.
const (
	short = 100 * time.Millisecond
	late  = 5 * time.Second
)

func TestNewCutsOffHandlerIgnoringContext(t *testing.T) {
	release := make(chan struct{})
	lateWrite := make(chan error, 1)
	lateHijack := make(chan error, 1)
	h := New(short)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Handler", "1")
		<-release // ignores its context
		w.WriteHeader(http.StatusTeapot)
		w.WriteHeader(http.StatusTeapot)
		_, err := w.Write([]byte("late"))
		lateWrite <- err
		assert.ErrorIs(t, http.NewResponseController(w).Flush(), http.ErrHandlerTimeout)
		w.(http.Flusher).Flush() // does nothing, and must not panic
		_, _, err = http.NewResponseController(w).Hijack()
		lateHijack <- err
	}))
	srv := newServer(t, withHeader("X-Outer", "kept", h))

	start := time.Now()
	resp, err := srv.Client().Get(srv.URL)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Less(t, time.Since(start), late)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Equal(t, "Service Unavailable: request timed out\n", string(body))
	assert.Equal(t, "text/plain; charset=utf-8", resp.Header.Get("Content-Type"))
	assert.Equal(t, "kept", resp.Header.Get("X-Outer"), "outer middleware's header")
	assert.Empty(t, resp.Header.Get("X-Handler"), "the handler's headers are not sent")

	close(release)
	assert.ErrorIs(t, <-lateWrite, http.ErrHandlerTimeout)
	assert.ErrorIs(t, <-lateHijack, http.ErrHandlerTimeout)
}

func TestNewGivesTimeoutCause(t *testing.T) {
	cause := make(chan error, 1)
	deadline := make(chan time.Time, 1)
	h := New(short)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, _ := r.Context().Deadline()
		deadline <- d
		<-r.Context().Done()
		cause <- context.Cause(r.Context())
	}))
	rec := httptest.NewRecorder()
	before := time.Now()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	assert.ErrorIs(t, <-cause, ErrTimeout)
	assert.WithinDuration(t, before.Add(short), <-deadline, late)
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
}

func TestNewKeepsShorterParentDeadline(t *testing.T) {
	release := make(chan struct{})
	ended := make(chan struct{})
	h := New(time.Hour)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(ended)
		<-release
	}))
	ctx, cancel := context.WithTimeout(context.Background(), short)
	defer cancel()
	rec := httptest.NewRecorder()
	start := time.Now()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil).WithContext(ctx))
	assert.Less(t, time.Since(start), late)
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	close(release)
	<-ended
}

func TestNewWithStatusAndHandler(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	block := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release })

	rec := httptest.NewRecorder()
	New(short, WithStatus(http.StatusGatewayTimeout))(block).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	assert.Equal(t, http.StatusGatewayTimeout, rec.Code)
	assert.Equal(t, "Gateway Timeout: request timed out\n", rec.Body.String())

	var cause error
	custom := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cause = context.Cause(r.Context())
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, `{"title":"timed out"}`)
	})
	rec = httptest.NewRecorder()
	New(short, WithHandler(custom))(block).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	assert.Equal(t, "application/problem+json", rec.Header().Get("Content-Type"))
	assert.Equal(t, `{"title":"timed out"}`, rec.Body.String())
	assert.ErrorIs(t, cause, ErrTimeout)
}

func TestNewFastHandlerPassesThrough(t *testing.T) {
	h := New(late)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "kept", w.Header().Get("X-Outer"))
		w.Header().Del("X-Drop")
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusCreated)
		w.WriteHeader(http.StatusAccepted) // dropped, and not logged
		io.WriteString(w, "made")
	}))
	srv := newServer(t, withHeader("X-Outer", "kept", withHeader("X-Drop", "x", h)))
	resp, err := srv.Client().Get(srv.URL)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, "made", string(body))
	assert.Equal(t, "kept", resp.Header.Get("X-Outer"))
	assert.Empty(t, resp.Header.Values("X-Drop"))
	assert.Equal(t, "text/plain", resp.Header.Get("Content-Type"))
}

func TestNewHeadersOfHandlerThatWritesNothing(t *testing.T) {
	h := New(late)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Only", "header")
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	assert.Equal(t, "header", rec.Header().Get("X-Only"))
}

func TestNewTrailers(t *testing.T) {
	h := New(late)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Declared")
		io.WriteString(w, "body")
		w.Header().Set("X-Declared", "d")
		w.Header().Set(http.TrailerPrefix+"X-Undeclared", "u")
	}))
	srv := newServer(t, h)
	resp, err := srv.Client().Get(srv.URL)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, "body", string(body))
	assert.Equal(t, "d", resp.Trailer.Get("X-Declared"))
	assert.Equal(t, "u", resp.Trailer.Get("X-Undeclared"))
}

func TestNewStreamsBeforeHandlerEnds(t *testing.T) {
	next := make(chan struct{})
	h := New(late)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "first\n")
		w.(http.Flusher).Flush()
		<-next
		io.WriteString(w, "second\n")
	}))
	srv := newServer(t, h)
	resp, err := srv.Client().Get(srv.URL)
	require.NoError(t, err)
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	line, err := br.ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "first\n", line, "the first chunk arrives while the handler still runs")
	close(next)
	rest, err := io.ReadAll(br)
	require.NoError(t, err)
	assert.Equal(t, "second\n", string(rest))
}

func TestNewAbortsStartedResponseAtDeadline(t *testing.T) {
	release := make(chan struct{})
	lateWrite := make(chan error, 1)
	h := New(short)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "partial")
		http.NewResponseController(w).Flush()
		<-release
		_, err := io.WriteString(w, "late")
		lateWrite <- err
	}))
	srv := newServer(t, h)
	start := time.Now()
	resp, err := srv.Client().Get(srv.URL)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "the handler's status stands")
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Error(t, err, "the client must see the response cut, not complete")
	assert.Equal(t, "partial", string(body))
	assert.Less(t, time.Since(start), late)
	close(release)
	assert.ErrorIs(t, <-lateWrite, http.ErrHandlerTimeout)
}

// A handler stuck writing to a client that does not read holds the writer's
// lock; the deadline must still end ServeHTTP.
func TestNewFreesHandlerStuckWritingToSlowClient(t *testing.T) {
	handlerErr := make(chan error, 1)
	served := make(chan time.Duration, 1)
	chunk := make([]byte, 64<<10)
	inner := New(short)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for {
			if _, err := w.Write(chunk); err != nil {
				handlerErr <- err
				return
			}
		}
	}))
	outer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		defer func() { served <- time.Since(start) }()
		inner.ServeHTTP(w, r)
	})
	srv := newServer(t, outer)
	resp, err := srv.Client().Get(srv.URL) // and never read the body
	require.NoError(t, err)
	select {
	case d := <-served:
		assert.Less(t, d, late)
	case <-time.After(2 * late):
		t.Fatal("ServeHTTP did not return at the deadline")
	}
	assert.Error(t, <-handlerErr)
	resp.Body.Close()
}

func TestNewClientGoneGetsNoTimeoutResponse(t *testing.T) {
	release := make(chan struct{})
	seen := make(chan error, 2)
	h := New(late)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		seen <- context.Cause(r.Context())
		_, err := w.Write([]byte("late"))
		seen <- err
	}))
	ctx, cancel := context.WithCancel(context.Background())
	w := newCountingWriter()
	returned := make(chan struct{})
	go func() {
		defer close(returned)
		h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil).WithContext(ctx))
	}()
	cancel()
	waitClosed(t, returned, "ServeHTTP did not return when the client went away")
	assert.Zero(t, w.calls(), "nothing written for a client that left")
	close(release)
	assert.ErrorIs(t, <-seen, context.Canceled)
	assert.ErrorIs(t, <-seen, context.Canceled)
	assert.Zero(t, w.calls())
}

func TestNewClientGoneEndToEnd(t *testing.T) {
	started := make(chan struct{})
	cause := make(chan error, 1)
	h := New(late)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-r.Context().Done()
		cause <- context.Cause(r.Context())
	}))
	srv := newServer(t, h)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-started; cancel() }()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	_, err := srv.Client().Do(req)
	require.ErrorIs(t, err, context.Canceled)
	got := <-cause
	assert.ErrorIs(t, got, context.Canceled)
	assert.NotErrorIs(t, got, ErrTimeout)
}

func panicHere(v any) { panic(v) }

func TestNewPanicKeepsHandlerStack(t *testing.T) {
	h := New(late)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panicHere("boom")
	}))
	v := recoverFrom(func() { h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil)) })
	var pe *PanicError
	require.ErrorAs(t, v.(error), &pe)
	assert.Equal(t, "boom", pe.Value)
	assert.Contains(t, string(pe.Stack), "timeout.panicHere", "the handler goroutine's stack")
	assert.Equal(t, "boom", pe.Error(), "the value alone: the stack is in Stack")
	assert.Equal(t, pe.Stack, pe.PanicStack())

	h = New(late)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panicHere(io.ErrUnexpectedEOF)
	}))
	v = recoverFrom(func() { h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil)) })
	assert.ErrorIs(t, v.(error), io.ErrUnexpectedEOF)

	h = New(late)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panicHere(http.ErrAbortHandler)
	}))
	v = recoverFrom(func() { h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil)) })
	assert.Same(t, http.ErrAbortHandler, v, "ErrAbortHandler passes as itself")
}

func TestNewPanicAfterDeadlineIsDropped(t *testing.T) {
	release := make(chan struct{})
	h := New(short)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		panic("too late")
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	close(release)
	// The process survives; goleak in TestMain checks the goroutine ends.
}

func recoverFrom(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

func TestNewHijackBeforeDeadline(t *testing.T) {
	h := New(late)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, brw, err := w.(http.Hijacker).Hijack()
		if !assert.NoError(t, err) {
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi")
		brw.Flush()
		_, err = w.Write([]byte("x"))
		assert.ErrorIs(t, err, http.ErrHijacked)
	}))
	srv := newServer(t, h)
	resp, err := srv.Client().Get(srv.URL)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, "hi", string(body))
}

func TestNewKeepsOptionalInterfaces(t *testing.T) {
	type ifaces struct{ flush, hijack, readFrom bool }
	probe := func(got *ifaces) http.Handler {
		return New(late)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, got.flush = w.(http.Flusher)
			_, got.hijack = w.(http.Hijacker)
			_, got.readFrom = w.(io.ReaderFrom)
			rc := http.NewResponseController(w)
			assert.NoError(t, rc.Flush())
			err := rc.SetWriteDeadline(time.Now().Add(time.Minute))
			if got.hijack {
				assert.NoError(t, err, "net/http has write deadlines")
				assert.NoError(t, rc.SetReadDeadline(time.Now().Add(time.Minute)))
				assert.NoError(t, rc.EnableFullDuplex())
			} else {
				assert.ErrorIs(t, err, http.ErrNotSupported)
			}
			assert.NotNil(t, w.(interface{ Unwrap() http.ResponseWriter }).Unwrap())
		}))
	}
	var rec ifaces
	probe(&rec).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	assert.Equal(t, ifaces{flush: true}, rec)

	var real ifaces
	srv := newServer(t, probe(&real))
	resp, err := srv.Client().Get(srv.URL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, ifaces{flush: true, hijack: true, readFrom: true}, real)
}

func TestNewReadFrom(t *testing.T) {
	h := New(late)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(w, strings.NewReader(strings.Repeat("x", 100<<10)))
		assert.NoError(t, err)
		assert.EqualValues(t, 100<<10, n)
	}))
	srv := newServer(t, h)
	resp, err := srv.Client().Get(srv.URL)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Len(t, body, 100<<10)
}

func TestContextSetsDeadlineOnly(t *testing.T) {
	var deadline time.Time
	var cause error
	h := Context(short)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		deadline, _ = r.Context().Deadline()
		<-r.Context().Done()
		cause = context.Cause(r.Context())
		w.WriteHeader(http.StatusTeapot)
	}))
	rec := httptest.NewRecorder()
	before := time.Now()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	assert.WithinDuration(t, before.Add(short), deadline, late)
	assert.ErrorIs(t, cause, ErrTimeout)
	assert.Equal(t, http.StatusTeapot, rec.Code, "the handler answers, not Context")

	ctx, cancel := context.WithTimeout(context.Background(), short)
	defer cancel()
	parent, _ := ctx.Deadline()
	Context(time.Hour)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		deadline, _ = r.Context().Deadline()
	})).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil).WithContext(ctx))
	assert.Equal(t, parent, deadline, "a shorter deadline is kept")
}

func TestMisconfigurationPanics(t *testing.T) {
	assert.PanicsWithValue(t, "timeout: New(0s): duration must be positive", func() { New(0) })
	assert.PanicsWithValue(t, "timeout: Context(-1s): duration must be positive", func() { Context(-time.Second) })
	assert.PanicsWithValue(t, "timeout: WithStatus(99): not a final HTTP status (200-599)", func() { WithStatus(99) })
	assert.PanicsWithValue(t, "timeout: WithStatus(600): not a final HTTP status (200-599)", func() { WithStatus(600) })
	assert.PanicsWithValue(t, "timeout: WithHandler(nil)", func() { WithHandler(nil) })
}

var errSentinel = errors.New("sentinel")

func TestPanicErrorUnwrap(t *testing.T) {
	assert.ErrorIs(t, &PanicError{Value: errSentinel}, errSentinel)
	assert.NoError(t, (&PanicError{Value: "text"}).Unwrap())
}

// The handler keeps setting headers while the timeout response goes out:
// with one shared header map, -race reports it.
func TestNewHandlerHeadersDoNotRaceTimeoutResponse(t *testing.T) {
	release := make(chan struct{})
	ended := make(chan struct{})
	h := New(short)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(ended)
		for {
			select {
			case <-release:
				return
			default:
				w.Header().Set("X-Spin", time.Now().String())
				w.Header().Del("X-Outer")
				time.Sleep(time.Millisecond)
			}
		}
	}))
	rec := httptest.NewRecorder()
	withHeader("X-Outer", "kept", h).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	assert.Equal(t, "kept", rec.Header().Get("X-Outer"))
	time.Sleep(10 * time.Millisecond) // let the handler spin on after the answer
	close(release)
	<-ended
	assert.Empty(t, rec.Header().Get("X-Spin"))
}

// io.Copy from a source that blocks must not keep the deadline from
// answering.
func TestNewReadFromBlockingSourceDoesNotDelayAnswer(t *testing.T) {
	pr, pw := io.Pipe()
	copied := make(chan error, 1)
	h := New(short)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := w.(io.ReaderFrom).ReadFrom(pr)
		copied <- err
	}))
	srv := newServer(t, h)
	start := time.Now()
	resp, err := srv.Client().Get(srv.URL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Less(t, time.Since(start), late)
	pw.Write([]byte("late"))
	pw.Close()
	assert.ErrorIs(t, <-copied, http.ErrHandlerTimeout)
}

// A handler that honours its context and gives up without a word still
// gets the client an answer.
func TestNewAnswersForHandlerGivingUpSilently(t *testing.T) {
	h := New(short)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Handler", "1")
		<-r.Context().Done()
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	assert.Empty(t, rec.Header().Get("X-Handler"))
}

func TestNewShorterThanParentDeadline(t *testing.T) {
	release := make(chan struct{})
	ended := make(chan struct{})
	h := New(short)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(ended)
		<-release
	}))
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	rec := httptest.NewRecorder()
	start := time.Now()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil).WithContext(ctx))
	assert.Less(t, time.Since(start), late)
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	close(release)
	<-ended
}

// Many requests whose handlers end around the deadline, some before, some
// after, some mid-write: every client gets one well-formed outcome and
// -race stays quiet.
func TestNewConcurrentRequestsAroundDeadline(t *testing.T) {
	const d = 20 * time.Millisecond
	// Handlers are counted as they start: a request that fails on its
	// connection (the clients below accept an error) may never reach one,
	// and waiting for 200 hung the test on a loaded machine.
	var started, finished atomic.Int64
	h := New(d)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started.Add(1)
		defer finished.Add(1)
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		w.Header().Set("X-N", strconv.Itoa(n))
		time.Sleep(time.Duration(n%40) * time.Millisecond)
		if n%3 == 0 {
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, "a")
			w.(http.Flusher).Flush()
			time.Sleep(time.Duration(n%7) * time.Millisecond)
		}
		io.WriteString(w, "b")
	}))
	srv := newServer(t, h)
	var clients sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for n := range 200 {
		clients.Add(1)
		go func() {
			defer clients.Done()
			resp, err := srv.Client().Get(fmt.Sprintf("%s/?n=%d", srv.URL, n))
			if err != nil {
				// Aborted after the handler wrote, before anything
				// left the server's buffer: an error is the outcome.
				return
			}
			mu.Lock()
			statuses[resp.StatusCode]++
			mu.Unlock()
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			switch resp.StatusCode {
			case http.StatusOK:
				if err == nil { // an aborted stream may end in an error
					assert.Contains(t, []string{"b", "ab"}, string(body))
				}
				assert.Equal(t, strconv.Itoa(n), resp.Header.Get("X-N"))
			case http.StatusServiceUnavailable:
				assert.NoError(t, err)
				assert.Empty(t, resp.Header.Get("X-N"))
			default:
				t.Errorf("status %d", resp.StatusCode)
			}
		}()
	}
	clients.Wait()
	require.Eventually(t, func() bool { return finished.Load() == started.Load() }, 5*time.Second, time.Millisecond,
		"every handler that started returns")
	assert.NotZero(t, statuses[http.StatusOK], "some handlers finish in time")
	assert.NotZero(t, statuses[http.StatusServiceUnavailable], "some do not")
}

func TestNewOverHTTP2(t *testing.T) {
	release := make(chan struct{})
	var handlers sync.WaitGroup
	handlers.Add(2)
	h := New(short)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer handlers.Done()
		if r.URL.Path == "/started" {
			io.WriteString(w, "partial")
			w.(http.Flusher).Flush()
		}
		<-release
		_, err := io.WriteString(w, "late")
		assert.ErrorIs(t, err, http.ErrHandlerTimeout)
	}))
	srv := httptest.NewUnstartedServer(h)
	logs := &testutil.Sink{}
	srv.Config.ErrorLog = log.New(logs, "", 0)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer func() {
		srv.Close()
		assert.Empty(t, logs.String())
	}()
	client := srv.Client()
	defer client.CloseIdleConnections()

	resp, err := client.Get(srv.URL + "/silent")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, 2, resp.ProtoMajor)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Equal(t, "Service Unavailable: request timed out\n", string(body))

	resp, err = client.Get(srv.URL + "/started")
	require.NoError(t, err)
	body, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "partial", string(body))
	assert.Error(t, err, "the stream is reset, not ended")

	close(release)
	handlers.Wait()
}
