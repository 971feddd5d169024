package methodrouter

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const page = "<!DOCTYPE html><html><body>hello</body></html>"

func TestHeadServedByGet(t *testing.T) {
	// Django's test_head: a view with only get() answers HEAD.
	var tr trace
	rt := New().Get(func(w http.ResponseWriter, r *http.Request) {
		tr.add("get " + r.Method)
		w.Header().Set("ETag", `"v1"`)
		io.WriteString(w, page)
	})
	rec := serve(rt, "HEAD")
	assert.Equal(t, "get HEAD", tr.String(), "the GET handler sees the HEAD request")
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Empty(t, rec.Body.String(), "no body bytes, even on a recorder")
	assert.Equal(t, `"v1"`, rec.Header().Get("ETag"))
	assert.Equal(t, "text/html; charset=utf-8", rec.Header().Get("Content-Type"), "sniffed like net/http")
	assert.Equal(t, "46", rec.Header().Get("Content-Length"))
	assert.Equal(t, 46, len(page))
}

func TestHeadWithoutGetIs405(t *testing.T) {
	// Django's test_head_no_get: no get(), so HEAD is not allowed either.
	var tr trace
	rt := New().Post(tr.handler("post"))
	rec := serve(rt, "HEAD")
	assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)
	assert.Equal(t, "POST, OPTIONS", rec.Header().Get("Allow"))
	assert.Empty(t, rec.Body.String(), "no body on HEAD, not even the 405 text")
	assert.Equal(t, "19", rec.Header().Get("Content-Length"), "as a GET's 405 would say")
	assert.Empty(t, tr.String())
}

func TestHeadRegisteredHandlerWins(t *testing.T) {
	var tr trace
	rt := New().Get(tr.handler("get")).Head(func(w http.ResponseWriter, r *http.Request) {
		tr.add("head")
		w.Header().Set("Content-Length", "1234")
	})
	rec := serve(rt, "HEAD")
	assert.Equal(t, "head", tr.String())
	assert.Equal(t, "1234", rec.Header().Get("Content-Length"))
}

// getHandlers are GET handlers whose HEAD answer must match their GET
// answer field for field over a real server.
var getHandlers = map[string]http.HandlerFunc{
	"sniffed html": func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, page) },
	"sniffed over several writes": func(w http.ResponseWriter, r *http.Request) {
		for _, s := range []string{"<!DOC", "TYPE html>", "<p>hi</p>"} {
			w.Write([]byte(s))
		}
	},
	"json 201": func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(map[string]int{"id": 7})
	},
	"empty":        func(w http.ResponseWriter, r *http.Request) {},
	"explicit 200": func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) },
	"no content":   func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) },
	"not modified": func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNotModified) },
	"2048 bytes":   func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, strings.Repeat("a", 2048)) },
	"2049 bytes":   func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, strings.Repeat("a", 2049)) },
	"100 kB":       func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, strings.Repeat("b", 100<<10)) },
	"own length": func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "5")
		io.WriteString(w, "12345")
	},
	"own type": func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/csv")
		io.WriteString(w, "a,b")
	},
	"typeless on purpose": func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = nil // net/http: present key, no sniffing
		io.WriteString(w, page)
	},
	"encoded": func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "br") // a coding the client leaves alone
		w.Write([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0})
	},
	"flushed": func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "data: 1\n\n")
		w.(http.Flusher).Flush()
		io.WriteString(w, "data: 2\n\n")
	},
	"flushed via controller": func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: 1\n\n")
		if err := http.NewResponseController(w).Flush(); err != nil {
			panic(err)
		}
	},
	"trailer": func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Checksum")
		io.WriteString(w, "body")
		w.Header().Set("X-Checksum", "abc")
	},
	"header changed after WriteHeader": func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Early", "1")
		w.WriteHeader(http.StatusAccepted)
		w.Header().Set("X-Late", "ignored by net/http")
		io.WriteString(w, "ok")
	},
	"header changed after first write": func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
		w.Header().Set("X-Late", "ignored by net/http")
	},
	"small ReadFrom": func(w http.ResponseWriter, r *http.Request) {
		w.(io.ReaderFrom).ReadFrom(strings.NewReader("small body"))
	},
	"large ReadFrom": func(w http.ResponseWriter, r *http.Request) {
		w.(io.ReaderFrom).ReadFrom(strings.NewReader(strings.Repeat("c", 1000)))
	},
	"early hints": func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		io.WriteString(w, page)
	},
	"twice WriteHeader": func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "x")
		// A second call would be logged by net/http for GET; the HEAD
		// path must not pass it on. Not called here so GET stays quiet.
	},
}

func TestHeadMatchesGetOverRealServer(t *testing.T) {
	for name, h := range getHandlers {
		t.Run(name, func(t *testing.T) {
			srv := newServer(t, New().Get(h))
			get, getBody := do(t, "GET", srv.URL)
			head, headBody := do(t, "HEAD", srv.URL)

			assert.Equal(t, get.StatusCode, head.StatusCode)
			assert.Empty(t, headBody)
			if bodyAllowedForStatus(get.StatusCode) {
				// (The client knows a 204 or 304 GET has no body, not so
				// for HEAD: compare the header fields only.)
				assert.Equal(t, get.ContentLength, head.ContentLength, "GET body is %d bytes", len(getBody))
			}
			g, hd := get.Header.Clone(), head.Header.Clone()
			delete(g, "Date")
			delete(hd, "Date")
			if len(get.Trailer) > 0 {
				// The client moves Trailer out of a GET's header; it
				// leaves it in a HEAD's, which has no body to end.
				assert.Equal(t, "X-Checksum", hd.Get("Trailer"))
				delete(hd, "Trailer")
			}
			assert.Equal(t, g, hd)
		})
	}
}

func TestHeadMatchesGetOnRecorder(t *testing.T) {
	// The recorder neither buffers nor eats HEAD bodies: the router must
	// do both, and the header must be the one net/http would send.
	srv := newServer(t, New().Get(getHandlers["sniffed html"]))
	want, _ := do(t, "GET", srv.URL)

	rec := serve(New().Get(getHandlers["sniffed html"]), "HEAD")
	res := rec.Result()
	assert.Empty(t, rec.Body.Bytes())
	assert.Equal(t, want.Header.Get("Content-Type"), res.Header.Get("Content-Type"))
	assert.Equal(t, want.Header.Get("Content-Length"), res.Header.Get("Content-Length"))
}

func TestHeadSecondWriteHeaderIsDropped(t *testing.T) {
	rt := New().Get(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		w.WriteHeader(http.StatusInternalServerError)
	})
	srv := newServer(t, rt) // its error log must stay empty
	resp, _ := do(t, "HEAD", srv.URL)
	assert.Equal(t, http.StatusAccepted, resp.StatusCode)
}

func TestHeadWritesOnNoBodyStatus(t *testing.T) {
	var err error
	rt := New().Get(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
		_, err = io.WriteString(w, "x")
	})
	rec := serve(rt, "HEAD")
	assert.ErrorIs(t, err, http.ErrBodyNotAllowed, "as net/http says for GET")
	assert.Equal(t, http.StatusNoContent, rec.Code)
	assert.Empty(t, rec.Header().Get("Content-Length"))
}

func TestHeadWriteBeyondDeclaredLength(t *testing.T) {
	var err error
	rt := New().Get(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "2")
		_, err = io.WriteString(w, "abc")
	})
	serve(rt, "HEAD")
	assert.ErrorIs(t, err, http.ErrContentLength)
}

func TestHeadPanicLeavesWriterUntouched(t *testing.T) {
	// A recovery middleware outside the router must find nothing sent.
	rt := New().Get(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "partial")
		panic("boom")
	})
	w := &spyWriter{ResponseWriter: httptest.NewRecorder()}
	assert.PanicsWithValue(t, "boom", func() { rt.ServeHTTP(w, httptest.NewRequest("HEAD", "/", nil)) })
	assert.Zero(t, w.status)
}

func TestHeadInvalidStatusPanicsLikeNetHTTP(t *testing.T) {
	rt := New().Get(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(42) })
	assert.PanicsWithValue(t, "invalid WriteHeader code 42", func() { serve(rt, "HEAD") })
}

// spyWriter records what reaches the writer under the router.
type spyWriter struct {
	http.ResponseWriter
	status  int
	flushed bool
	written int
}

func (s *spyWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *spyWriter) Write(p []byte) (int, error) {
	s.written += len(p)
	return s.ResponseWriter.Write(p)
}

func (s *spyWriter) Flush() { s.flushed = true }

func TestHeadWriterKeepsInterfaces(t *testing.T) {
	var checked bool
	rt := New().Get(func(w http.ResponseWriter, r *http.Request) {
		checked = true
		_, ok := w.(io.ReaderFrom)
		assert.False(t, ok, "io.ReaderFrom: the writer below has none")
		_, ok = w.(io.StringWriter)
		assert.True(t, ok, "io.StringWriter")
		// Following Unwrap, as http.ResponseController does, reaches the
		// writer below.
		var isSpy bool
		for u, ok := w.(interface{ Unwrap() http.ResponseWriter }); ok && !isSpy; u, ok = u.Unwrap().(interface{ Unwrap() http.ResponseWriter }) {
			_, isSpy = u.Unwrap().(*spyWriter)
		}
		assert.True(t, isSpy, "Unwrap leads to the writer below")

		io.WriteString(w, "<p>x</p>")
		require.NoError(t, http.NewResponseController(w).Flush())
		io.WriteString(w, "more")
	})
	w := &spyWriter{ResponseWriter: httptest.NewRecorder()}
	rt.ServeHTTP(w, httptest.NewRequest("HEAD", "/", nil))
	require.True(t, checked)
	assert.True(t, w.flushed, "Flush reaches the writer below")
	assert.Equal(t, http.StatusOK, w.status)
	assert.Zero(t, w.written, "no body bytes reach the writer below")
	assert.Equal(t, "text/html; charset=utf-8", w.Header().Get("Content-Type"), "sniffed at flush")
	assert.Empty(t, w.Header().Get("Content-Length"), "a flushed response has no Content-Length")
}

func TestHeadFlushUnsupported(t *testing.T) {
	var err error
	rt := New().Get(func(w http.ResponseWriter, r *http.Request) {
		err = http.NewResponseController(w).Flush()
	})
	rt.ServeHTTP(plainWriter{httptest.NewRecorder()}, httptest.NewRequest("HEAD", "/", nil))
	assert.ErrorIs(t, err, http.ErrNotSupported)
}

// plainWriter hides every optional interface of the writer below.
type plainWriter struct{ w http.ResponseWriter }

func (p plainWriter) Header() http.Header         { return p.w.Header() }
func (p plainWriter) Write(b []byte) (int, error) { return p.w.Write(b) }
func (p plainWriter) WriteHeader(code int)        { p.w.WriteHeader(code) }

func TestHeadHijack(t *testing.T) {
	rt := New().Get(func(w http.ResponseWriter, r *http.Request) {
		c, bw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			panic(err)
		}
		defer c.Close()
		bw.WriteString("HTTP/1.1 200 OK\r\nX-Hijacked: yes\r\nContent-Length: 0\r\n\r\n")
		bw.Flush()
	})
	srv := newServer(t, rt)
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	io.WriteString(conn, "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: "HEAD"})
	require.NoError(t, err)
	assert.Equal(t, "yes", resp.Header.Get("X-Hijacked"))

	// Without a hijackable writer below, the handler is not offered one,
	// and ResponseController says so.
	var isHijacker bool
	var herr error
	rt2 := New().Get(func(w http.ResponseWriter, r *http.Request) {
		_, isHijacker = w.(http.Hijacker)
		_, _, herr = http.NewResponseController(w).Hijack()
	})
	serve(rt2, "HEAD")
	assert.False(t, isHijacker)
	assert.True(t, errors.Is(herr, http.ErrNotSupported), "%v", herr)
}

func TestHeadUseMiddlewareBodyIsDropped(t *testing.T) {
	// The HEAD writer sits outside Use, so a middleware that answers
	// itself (a throttle's 429 page) sends no body bytes on HEAD either.
	throttle := func(http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "slow down", http.StatusTooManyRequests)
		})
	}
	rt := New().Use(throttle).Get(func(http.ResponseWriter, *http.Request) {})
	rec := serve(rt, "HEAD")
	assert.Equal(t, http.StatusTooManyRequests, rec.Code)
	assert.Empty(t, rec.Body.String())
	assert.Equal(t, "10", rec.Header().Get("Content-Length"))
}

func TestAutomaticAnswersKeepOnlyTheWritersInterfaces(t *testing.T) {
	// A writer with no Flusher or Hijacker: the GET handler run for HEAD
	// and a custom 405 handler must not be told they can flush or hijack.
	type plain struct{ http.ResponseWriter }
	var flushers, hijackers int
	probe := func(w http.ResponseWriter, r *http.Request) {
		if _, ok := w.(http.Flusher); ok {
			flushers++
		}
		if _, ok := w.(http.Hijacker); ok {
			hijackers++
		}
	}
	rt := New().Get(probe).NotAllowed(http.HandlerFunc(probe))
	for _, method := range []string{http.MethodHead, http.MethodPut} {
		rt.ServeHTTP(plain{httptest.NewRecorder()}, httptest.NewRequest(method, "/", nil))
	}
	assert.Zero(t, flushers)
	assert.Zero(t, hijackers)
	// A recorder can flush: both paths must say so.
	for _, method := range []string{http.MethodHead, http.MethodPut} {
		rt.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(method, "/", nil))
	}
	assert.Equal(t, 2, flushers)
}

// The HEAD writer reports whether the status is decided, so a recovery
// middleware inside the router (Use) knows whether a 500 can still go out.
func TestHeadWriterTellsWhetherTheStatusIsDecided(t *testing.T) {
	type recorder interface {
		HeaderWritten() bool
		Hijacked() bool
	}
	var before, after bool
	rt := New().Get(func(w http.ResponseWriter, r *http.Request) {
		rec, ok := w.(recorder)
		require.True(t, ok)
		before = rec.HeaderWritten()
		w.WriteHeader(http.StatusAccepted)
		after = rec.HeaderWritten()
		assert.False(t, rec.Hijacked())
	})
	rec := serve(rt, "HEAD")
	assert.Equal(t, http.StatusAccepted, rec.Code)
	assert.False(t, before)
	assert.True(t, after, "held back, but decided")
}
