package recovery

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed1f3c5038/mw/internal/reqlog"
	"github.com/seed1f3c5038/mw/internal/testutil"
)

// sink collects the JSON log lines written from server goroutines.
type sink = testutil.Sink

func jsonLogger(s *sink) *slog.Logger {
	return slog.New(slog.NewJSONHandler(s, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// server runs h behind httptest and keeps the server's own error log, where
// net/http reports "superfluous response.WriteHeader call" and unrecovered
// panics.
type server struct {
	*httptest.Server
	errLog *sink
}

func newServer(t *testing.T, h http.Handler, http2 bool) *server {
	t.Helper()
	s := &server{httptest.NewUnstartedServer(h), &sink{}}
	s.Config.ErrorLog = log.New(s.errLog, "", 0)
	if http2 {
		s.EnableHTTP2 = true
		s.StartTLS()
	} else {
		s.Start()
	}
	t.Cleanup(func() {
		s.Close()
		assert.NotContains(t, s.errLog.String(), "superfluous")
	})
	return s
}

// withRecorder stands for package logging's writer: it wraps the writer
// once, outside recovery, and exposes HeaderWritten and Hijacked.
func withRecorder(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(recordingWriter(w), r)
	})
}

// stacks are the two ways recovery runs: alone (it wraps the writer) and
// under a writer that records the status (it does not).
var stacks = map[string]func(http.Handler) http.Handler{
	"alone":          func(h http.Handler) http.Handler { return h },
	"under recorder": withRecorder,
}

func TestPanicBeforeWriteGives500(t *testing.T) {
	for name, wrap := range stacks {
		t.Run(name, func(t *testing.T) {
			var logs sink
			h := New(WithLogger(jsonLogger(&logs)))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hdr := w.Header()
				hdr.Set("Content-Type", "application/pdf")
				hdr.Set("Content-Length", "1000")
				hdr.Set("Content-Encoding", "gzip")
				hdr.Set("ETag", `"v1"`)
				hdr["ETag"] = []string{`"v1"`}
				hdr.Set("Last-Modified", "Mon, 02 Jan 2006 15:04:05 GMT")
				hdr.Set("Content-Disposition", "attachment")
				hdr.Set("Cache-Control", "public, max-age=3600")
				panic("secret database password in the panic value")
			}))
			outer := func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("X-Request-ID", "kept-1") // set by middleware outside
					next.ServeHTTP(w, r)
				})
			}
			srv := newServer(t, outer(wrap(h)), false)

			res, err := http.Get(srv.URL + "/p")
			require.NoError(t, err)
			body, err := io.ReadAll(res.Body)
			require.NoError(t, err)
			res.Body.Close()

			assert.Equal(t, http.StatusInternalServerError, res.StatusCode)
			assert.Equal(t, "Internal Server Error\n", string(body))
			assert.NotContains(t, string(body), "secret")
			assert.Equal(t, "text/plain; charset=utf-8", res.Header.Get("Content-Type"))
			assert.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))
			assert.Equal(t, "no-store", res.Header.Get("Cache-Control"))
			assert.Equal(t, "kept-1", res.Header.Get("X-Request-ID"))
			for _, k := range []string{"Content-Encoding", "Etag", "Last-Modified", "Content-Disposition"} {
				assert.Empty(t, res.Header.Values(k), k)
			}
			assert.EqualValues(t, len(body), res.ContentLength)
			assert.Empty(t, srv.errLog.String(), "net/http saw no panic")

			recs := logs.Records(t)
			require.Len(t, recs, 1)
			assert.Equal(t, "ERROR", recs[0]["level"])
			assert.Equal(t, "secret database password in the panic value", recs[0]["panic"])
			assert.Equal(t, "GET", recs[0]["method"])
			assert.Equal(t, "/p", recs[0]["path"])
			assert.Contains(t, recs[0]["stack"], "recovery_test.go")
			assert.NotContains(t, recs[0], "aborted")
			assert.NotContains(t, recs[0], "request_id")
		})
	}
}

// partial are handlers that start a response and then panic.
var partial = map[string]http.HandlerFunc{
	"content-length": func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", "100")
		io.WriteString(w, strings.Repeat("a", 10))
		http.NewResponseController(w).Flush()
		panic("midway")
	},
	"chunked": func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, strings.Repeat("b", 10))
		http.NewResponseController(w).Flush()
		panic("midway")
	},
	"big body, no flush": func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, strings.Repeat("c", 64<<10)) // more than net/http buffers
		panic("midway")
	},
}

func TestPanicAfterResponseStartedAbortsIt(t *testing.T) {
	for _, proto := range []string{"HTTP/1.1", "HTTP/2"} {
		for stackName, wrap := range stacks {
			for name, hf := range partial {
				t.Run(proto+"/"+stackName+"/"+name, func(t *testing.T) {
					var logs sink
					h := New(WithLogger(jsonLogger(&logs)))(hf)
					srv := newServer(t, wrap(h), proto == "HTTP/2")

					res, err := srv.Client().Get(srv.URL)
					require.NoError(t, err, "the header went out before the panic")
					assert.Equal(t, proto, fmt.Sprintf("HTTP/%d", res.ProtoMajor)+map[bool]string{true: ".1"}[res.ProtoMajor == 1])
					assert.Equal(t, 200, res.StatusCode)
					body, err := io.ReadAll(res.Body)
					res.Body.Close()
					require.Error(t, err, "the client must not take %d bytes for the whole body", len(body))
					if proto == "HTTP/1.1" {
						assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
					}
					assert.NotContains(t, string(body), "Internal Server Error")

					recs := logs.Records(t)
					require.Len(t, recs, 1)
					assert.Equal(t, "midway", recs[0]["panic"])
					assert.Equal(t, true, recs[0]["aborted"])
					assert.NotContains(t, srv.errLog.String(), "midway", "net/http does not log the panic again")
				})
			}
		}
	}
}

func TestPanicAfterStatusOnlyAbortsToo(t *testing.T) {
	for stackName, wrap := range stacks {
		t.Run(stackName, func(t *testing.T) {
			h := New(WithLogger(jsonLogger(&sink{})))(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusAccepted)
				panic("after the status")
			}))
			srv := newServer(t, wrap(h), false)
			res, err := http.Get(srv.URL)
			if err == nil { // the status line may or may not have left the buffer
				_, err = io.ReadAll(res.Body)
				res.Body.Close()
				assert.NotEqual(t, http.StatusInternalServerError, res.StatusCode)
			}
			assert.Error(t, err, "never a second status line, never a clean end")
		})
	}
}

func TestErrAbortHandlerPassesUntouched(t *testing.T) {
	for name, v := range map[string]any{
		"sentinel": http.ErrAbortHandler,
		"wrapped":  fmt.Errorf("client went away: %w", http.ErrAbortHandler),
	} {
		for stackName, wrap := range stacks {
			t.Run(name+"/"+stackName, func(t *testing.T) {
				var logs sink
				h := wrap(New(WithLogger(jsonLogger(&logs)))(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(v) })))
				w := httptest.NewRecorder()
				got := func() (got any) {
					defer func() { got = recover() }()
					h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
					return nil
				}()
				assert.Equal(t, http.ErrAbortHandler, got, "re-panicked as the bare sentinel")
				assert.False(t, w.Code != 200 || w.Body.Len() > 0, "nothing written")
				assert.Empty(t, logs.String(), "not logged")
			})
		}
	}
}

func TestErrAbortHandlerEndToEnd(t *testing.T) {
	srv := newServer(t, New(WithLogger(jsonLogger(&sink{})))(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic(fmt.Errorf("wrapped: %w", http.ErrAbortHandler))
	})), false)
	_, err := http.Get(srv.URL)
	require.Error(t, err)
	time.Sleep(10 * time.Millisecond) // let the server finish with the connection
	assert.Empty(t, srv.errLog.String(), "net/http stays quiet about ErrAbortHandler")
}

func TestHijackedConnectionGetsNothing(t *testing.T) {
	for stackName, wrap := range stacks {
		t.Run(stackName, func(t *testing.T) {
			var logs sink
			h := New(WithLogger(jsonLogger(&logs)))(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				conn, brw, err := http.NewResponseController(w).Hijack()
				if err != nil {
					panic(err)
				}
				defer conn.Close()
				brw.WriteString("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
				brw.Flush()
				panic("after hijack")
			}))
			srv := newServer(t, wrap(h), false)
			res, err := http.Get(srv.URL)
			require.NoError(t, err)
			res.Body.Close()
			assert.Equal(t, http.StatusNoContent, res.StatusCode)
			time.Sleep(10 * time.Millisecond)
			assert.Empty(t, srv.errLog.String(), "no write on the hijacked connection")
			recs := logs.Records(t)
			require.Len(t, recs, 1)
			assert.Equal(t, true, recs[0]["aborted"])
		})
	}
}

func TestRequestIDInPanicRecord(t *testing.T) {
	var logs sink
	h := New(WithLogger(jsonLogger(&logs)), WithStack(false))(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(errors.New("boom")) }))
	ctx := reqlog.NewContext(context.Background(), slog.Default())
	ctx.State.ID = "req-42"
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/orders", nil).WithContext(ctx))

	recs := logs.Records(t)
	require.Len(t, recs, 1)
	assert.Equal(t, "req-42", recs[0]["request_id"])
	assert.Equal(t, "boom", recs[0]["panic"])
	assert.Equal(t, "POST", recs[0]["method"])
	assert.Equal(t, "/orders", recs[0]["path"])
	assert.NotContains(t, recs[0], "stack", "WithStack(false)")
}

func TestWithResponder(t *testing.T) {
	called := 0
	responder := WithResponder(func(w http.ResponseWriter, r *http.Request, v any) {
		called++
		assert.Equal(t, "bad", v)
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, `{"title":"Internal Server Error","status":500}`)
	})

	t.Run("nothing sent: the responder answers", func(t *testing.T) {
		h := New(responder, WithLogger(jsonLogger(&sink{})))(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			panic("bad")
		}))
		srv := newServer(t, h, false)
		res, err := http.Get(srv.URL)
		require.NoError(t, err)
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		assert.Equal(t, 500, res.StatusCode)
		assert.Equal(t, "application/problem+json", res.Header.Get("Content-Type"))
		assert.JSONEq(t, `{"title":"Internal Server Error","status":500}`, string(body))
		assert.Equal(t, 1, called)
	})

	t.Run("response started: the responder is skipped", func(t *testing.T) {
		called = 0
		h := New(responder, WithLogger(jsonLogger(&sink{})))(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			io.WriteString(w, "partial")
			http.NewResponseController(w).Flush()
			panic("bad")
		}))
		srv := newServer(t, h, false)
		res, err := http.Get(srv.URL)
		require.NoError(t, err)
		_, err = io.ReadAll(res.Body)
		res.Body.Close()
		assert.Error(t, err)
		assert.Zero(t, called)
	})

	t.Run("a responder that sends nothing still gives 500", func(t *testing.T) {
		h := New(WithResponder(func(http.ResponseWriter, *http.Request, any) {}), WithLogger(jsonLogger(&sink{})))(
			http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("x") }))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		assert.Equal(t, 500, w.Code)
	})
}

func TestNoPanicPassesThrough(t *testing.T) {
	var logs sink
	h := New(WithLogger(jsonLogger(&logs)))(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, ok := w.(http.Flusher)
		assert.True(t, ok, "Flusher kept")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "made")
	}))
	srv := newServer(t, h, false)
	res, err := http.Get(srv.URL)
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	assert.Equal(t, http.StatusCreated, res.StatusCode)
	assert.Equal(t, "made", string(body))
	assert.Empty(t, logs.String())
}

func TestNoPanicPathAllocations(t *testing.T) {
	if testutil.RaceEnabled {
		t.Skip("the race detector allocates")
	}
	h := New()(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) }))
	r := httptest.NewRequest("GET", "/", nil)
	rw := recordingWriter(httptest.NewRecorder())
	assert.Zero(t, testing.AllocsPerRun(100, func() { h.ServeHTTP(rw, r) }), "under a recorder: none")
	w := httptest.NewRecorder()
	// Alone: the wrapper, not pooled (a framework may write to it after
	// ServeHTTP returned).
	assert.EqualValues(t, 1, testing.AllocsPerRun(100, func() { h.ServeHTTP(w, r) }), "alone: the wrapper")
	// Headers set before recovery ran are remembered without allocating.
	rw.Header().Set("X-Request-Id", "abc")
	assert.Zero(t, testing.AllocsPerRun(100, func() { h.ServeHTTP(rw, r) }), "under a recorder, with a header set")
}

func TestDefaultLoggerIsReadAtPanicTime(t *testing.T) {
	var logs sink
	prev := slog.Default()
	slog.SetDefault(jsonLogger(&logs))
	defer slog.SetDefault(prev)
	New()(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("to default") })).
		ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	assert.Contains(t, logs.String(), "to default")
}

func TestConstructionPanics(t *testing.T) {
	assert.PanicsWithValue(t, "recovery: WithLogger: nil *slog.Logger", func() { WithLogger(nil) })
	assert.PanicsWithValue(t, "recovery: WithResponder: nil function", func() { WithResponder(nil) })
}
