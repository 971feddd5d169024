package respwriter

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// plainWriter has none of the optional interfaces.
type plainWriter struct {
	header  http.Header
	codes   []int
	body    bytes.Buffer
	flushes int
}

func newPlain() *plainWriter { return &plainWriter{header: http.Header{}} }

func (p *plainWriter) Header() http.Header         { return p.header }
func (p *plainWriter) Write(b []byte) (int, error) { return p.body.Write(b) }
func (p *plainWriter) WriteHeader(code int)        { p.codes = append(p.codes, code) }

type flusherPart struct{ p *plainWriter }

func (f flusherPart) Flush() { f.p.flushes++ }

type hijackerPart struct{}

func (hijackerPart) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c1, c2 := net.Pipe()
	c2.Close()
	return c1, nil, nil
}

type readerFromPart struct{ p *plainWriter }

func (r readerFromPart) ReadFrom(src io.Reader) (int64, error) { return r.p.body.ReadFrom(src) }

// combo builds a writer with the chosen optional interfaces, by embedding.
func combo(f, h, rf bool) (http.ResponseWriter, *plainWriter) {
	p := newPlain()
	fl, hj, rd := flusherPart{p}, hijackerPart{}, readerFromPart{p}
	switch {
	case f && h && rf:
		return struct {
			http.ResponseWriter
			http.Flusher
			http.Hijacker
			io.ReaderFrom
		}{p, fl, hj, rd}, p
	case f && h:
		return struct {
			http.ResponseWriter
			http.Flusher
			http.Hijacker
		}{p, fl, hj}, p
	case f && rf:
		return struct {
			http.ResponseWriter
			http.Flusher
			io.ReaderFrom
		}{p, fl, rd}, p
	case h && rf:
		return struct {
			http.ResponseWriter
			http.Hijacker
			io.ReaderFrom
		}{p, hj, rd}, p
	case f:
		return struct {
			http.ResponseWriter
			http.Flusher
		}{p, fl}, p
	case h:
		return struct {
			http.ResponseWriter
			http.Hijacker
		}{p, hj}, p
	case rf:
		return struct {
			http.ResponseWriter
			io.ReaderFrom
		}{p, rd}, p
	}
	return p, p
}

type interfaces struct{ flusher, hijacker, readerFrom bool }

func interfacesOf(w http.ResponseWriter) interfaces {
	_, f := w.(http.Flusher)
	_, h := w.(http.Hijacker)
	_, rf := w.(io.ReaderFrom)
	return interfaces{f, h, rf}
}

func TestWrapPreservesExactlyTheOptionalInterfaces(t *testing.T) {
	for _, f := range []bool{false, true} {
		for _, h := range []bool{false, true} {
			for _, rf := range []bool{false, true} {
				t.Run(fmt.Sprintf("flusher=%v,hijacker=%v,readerFrom=%v", f, h, rf), func(t *testing.T) {
					under, p := combo(f, h, rf)
					require.Equal(t, interfaces{f, h, rf}, interfacesOf(under), "test writer")

					w, rec := Wrap(under)
					assert.Equal(t, interfaces{f, h, rf}, interfacesOf(w))
					assert.Equal(t, under, w.(interface{ Unwrap() http.ResponseWriter }).Unwrap())

					// Each interface present works and is recorded.
					if f {
						w.(http.Flusher).Flush()
						assert.Equal(t, 1, p.flushes)
						assert.True(t, rec.HeaderWritten(), "a flush sends the header")
					}
					if rf {
						n, err := w.(io.ReaderFrom).ReadFrom(strings.NewReader("abc"))
						require.NoError(t, err)
						assert.EqualValues(t, 3, n)
						assert.EqualValues(t, 3, rec.BytesWritten())
					}
					if h {
						conn, _, err := w.(http.Hijacker).Hijack()
						require.NoError(t, err)
						conn.Close()
						assert.True(t, rec.Hijacked())
					}
				})
			}
		}
	}
}

func TestResponseControllerReachesUnderlyingWriter(t *testing.T) {
	// A recorder has no SetWriteDeadline; ResponseController must walk
	// through our Unwrap to the recorder and report ErrNotSupported, and
	// its Flush must reach the recorder's.
	rec := httptest.NewRecorder()
	w, _ := Wrap(rec)
	rc := http.NewResponseController(w)
	require.NoError(t, rc.Flush())
	assert.True(t, rec.Flushed)
	assert.ErrorIs(t, rc.SetWriteDeadline(time.Now()), http.ErrNotSupported)
	// Without Flusher beneath, the controller must say so, not pretend.
	w2, _ := Wrap(newPlain())
	assert.ErrorIs(t, http.NewResponseController(w2).Flush(), http.ErrNotSupported)
}

func TestStatusRecording(t *testing.T) {
	t.Run("nothing written is 200", func(t *testing.T) {
		_, rec := Wrap(newPlain())
		assert.Equal(t, http.StatusOK, rec.Status())
		assert.False(t, rec.HeaderWritten())
	})
	t.Run("body without WriteHeader is 200", func(t *testing.T) {
		w, rec := Wrap(newPlain())
		_, err := w.Write([]byte("hi"))
		require.NoError(t, err)
		_, err = io.WriteString(w, "!!")
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, rec.Status())
		assert.True(t, rec.HeaderWritten())
		assert.EqualValues(t, 4, rec.BytesWritten())
	})
	t.Run("second WriteHeader is dropped", func(t *testing.T) {
		under := newPlain()
		w, rec := Wrap(under)
		w.WriteHeader(http.StatusCreated)
		w.WriteHeader(http.StatusInternalServerError)
		assert.Equal(t, []int{http.StatusCreated}, under.codes)
		assert.Equal(t, http.StatusCreated, rec.Status())
	})
	t.Run("WriteHeader after body is dropped", func(t *testing.T) {
		under := newPlain()
		w, rec := Wrap(under)
		w.Write([]byte("x"))
		w.WriteHeader(http.StatusTeapot)
		assert.Empty(t, under.codes)
		assert.Equal(t, http.StatusOK, rec.Status())
	})
	t.Run("1xx codes pass and do not count", func(t *testing.T) {
		under := newPlain()
		w, rec := Wrap(under)
		w.WriteHeader(http.StatusEarlyHints)
		w.WriteHeader(http.StatusEarlyHints)
		assert.False(t, rec.HeaderWritten())
		w.WriteHeader(http.StatusAccepted)
		assert.Equal(t, []int{103, 103, 202}, under.codes)
		assert.Equal(t, http.StatusAccepted, rec.Status())
	})
	t.Run("101 is final", func(t *testing.T) {
		under := newPlain()
		w, rec := Wrap(under)
		w.WriteHeader(http.StatusSwitchingProtocols)
		w.WriteHeader(http.StatusOK)
		assert.Equal(t, []int{101}, under.codes)
		assert.Equal(t, http.StatusSwitchingProtocols, rec.Status())
	})
	t.Run("ReadFrom of nothing sends no header", func(t *testing.T) {
		under, _ := combo(false, false, true)
		w, rec := Wrap(under)
		n, err := w.(io.ReaderFrom).ReadFrom(strings.NewReader(""))
		require.NoError(t, err)
		assert.Zero(t, n)
		assert.False(t, rec.HeaderWritten())
	})
}

func TestWrapAllocatesOnce(t *testing.T) {
	for _, f := range []bool{false, true} {
		for _, h := range []bool{false, true} {
			under, p := combo(f, h, true)
			p.codes = make([]int, 0, 1)
			allocs := testing.AllocsPerRun(100, func() {
				p.codes = p.codes[:0] // the test writer's own bookkeeping must not allocate
				w, rec := Wrap(under)
				w.WriteHeader(http.StatusNoContent)
				_ = rec.Status()
			})
			assert.EqualValues(t, 1, allocs, "flusher=%v hijacker=%v", f, h)
		}
	}
}

// serverCase is a real server, HTTP/1.1 or HTTP/2, whose handler runs
// through Wrap; errLog collects what net/http logs.
type serverCase struct {
	name   string
	start  func(h http.Handler) (*httptest.Server, *bytes.Buffer)
	proto  string
	expect interfaces // what net/http's own writer has
}

func startServer(h http.Handler, http2 bool) (*httptest.Server, *bytes.Buffer) {
	var errLog bytes.Buffer
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(&errLog, "", 0)
	if http2 {
		srv.EnableHTTP2 = true
		srv.StartTLS()
	} else {
		srv.Start()
	}
	return srv, &errLog
}

var serverCases = []serverCase{
	{"HTTP/1.1", func(h http.Handler) (*httptest.Server, *bytes.Buffer) { return startServer(h, false) }, "HTTP/1.1", interfaces{true, true, true}},
	{"HTTP/2", func(h http.Handler) (*httptest.Server, *bytes.Buffer) { return startServer(h, true) }, "HTTP/2.0", interfaces{true, false, false}},
}

func TestRealServersKeepTheirInterfaces(t *testing.T) {
	for _, sc := range serverCases {
		t.Run(sc.name, func(t *testing.T) {
			var got, under interfaces
			var deadlineErr, fullDuplexErr error
			srv, errLog := sc.start(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				under = interfacesOf(w)
				ww, _ := Wrap(w)
				got = interfacesOf(ww)
				rc := http.NewResponseController(ww)
				deadlineErr = rc.SetWriteDeadline(time.Now().Add(time.Minute))
				fullDuplexErr = rc.EnableFullDuplex()
				ww.WriteHeader(http.StatusAccepted)
				ww.WriteHeader(http.StatusInternalServerError)
				io.WriteString(ww, "ok")
			}))
			defer srv.Close()

			res, err := srv.Client().Get(srv.URL)
			require.NoError(t, err)
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()

			assert.Equal(t, sc.proto, res.Proto)
			assert.Equal(t, http.StatusAccepted, res.StatusCode)
			assert.Equal(t, "ok", string(body))
			assert.Equal(t, sc.expect, under, "net/http's own writer changed")
			assert.Equal(t, under, got)
			assert.NoError(t, deadlineErr, "SetWriteDeadline through Unwrap")
			if sc.proto == "HTTP/1.1" {
				assert.NoError(t, fullDuplexErr, "EnableFullDuplex through Unwrap")
			}
			srv.Close()
			assert.NotContains(t, errLog.String(), "superfluous")
		})
	}
}

func TestRealServerStreamsThroughFlush(t *testing.T) {
	for _, sc := range serverCases {
		t.Run(sc.name, func(t *testing.T) {
			release := make(chan struct{})
			srv, _ := sc.start(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ww, _ := Wrap(w)
				io.WriteString(ww, "first\n")
				ww.(http.Flusher).Flush()
				<-release
				io.WriteString(ww, "second\n")
			}))
			defer srv.Close()
			defer close(release)

			res, err := srv.Client().Get(srv.URL)
			require.NoError(t, err)
			defer res.Body.Close()
			line, err := bufio.NewReader(res.Body).ReadString('\n')
			require.NoError(t, err, "the flushed chunk must arrive while the handler still runs")
			assert.Equal(t, "first\n", line)
		})
	}
}

func TestRealServerHijack(t *testing.T) {
	var rec *Writer
	srv, _ := startServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ww http.ResponseWriter
		ww, rec = Wrap(w)
		conn, brw, err := ww.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nhijacked")
		brw.Flush()
		ww.WriteHeader(http.StatusTeapot) // must be dropped, not logged
	}), false)
	defer srv.Close()

	res, err := srv.Client().Get(srv.URL)
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	assert.Equal(t, "hijacked", string(body))
	assert.True(t, rec.Hijacked())
}

func TestRealServerReadFromCountsBytes(t *testing.T) {
	var rec *Writer
	srv, _ := startServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ww http.ResponseWriter
		ww, rec = Wrap(w)
		io.Copy(ww, strings.NewReader(strings.Repeat("x", 5000))) // uses ReadFrom
	}), false)
	defer srv.Close()
	res, err := srv.Client().Get(srv.URL)
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	assert.Len(t, body, 5000)
	assert.EqualValues(t, 5000, rec.BytesWritten())
	assert.Equal(t, http.StatusOK, rec.Status())
}

func BenchmarkWrap(b *testing.B) {
	under, _ := combo(true, true, true)
	body := []byte("hello")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		w, rec := Wrap(under)
		w.WriteHeader(http.StatusOK)
		w.Write(body)
		_ = rec.Status()
	}
}

func TestImplicitStatus(t *testing.T) {
	start := func(f, rf bool) (http.ResponseWriter, *Writer, *plainWriter) {
		under, p := combo(f, false, rf)
		w, rec := Wrap(under)
		rec.SetImplicitStatus(http.StatusMethodNotAllowed)
		return w, rec, p
	}
	t.Run("nothing written", func(t *testing.T) {
		_, rec, p := start(false, false)
		assert.Equal(t, http.StatusMethodNotAllowed, rec.Status())
		assert.False(t, rec.HeaderWritten(), "the caller sends it on return")
		assert.Empty(t, p.codes)
	})
	t.Run("body first", func(t *testing.T) {
		w, rec, p := start(false, false)
		io.WriteString(w, "x")
		w.WriteHeader(http.StatusOK) // too late
		assert.Equal(t, []int{http.StatusMethodNotAllowed}, p.codes)
		assert.Equal(t, http.StatusMethodNotAllowed, rec.Status())
	})
	t.Run("flush first", func(t *testing.T) {
		w, _, p := start(true, false)
		w.(http.Flusher).Flush()
		assert.Equal(t, []int{http.StatusMethodNotAllowed}, p.codes)
		assert.Equal(t, 1, p.flushes)
	})
	t.Run("ReadFrom first", func(t *testing.T) {
		w, _, p := start(false, true)
		w.(io.ReaderFrom).ReadFrom(strings.NewReader("abc"))
		assert.Equal(t, []int{http.StatusMethodNotAllowed}, p.codes)
		assert.Equal(t, "abc", p.body.String())
	})
	t.Run("explicit status wins, 1xx does not count", func(t *testing.T) {
		w, rec, p := start(false, false)
		w.WriteHeader(http.StatusEarlyHints)
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, "x")
		assert.Equal(t, []int{http.StatusEarlyHints, http.StatusNotFound}, p.codes)
		assert.Equal(t, http.StatusNotFound, rec.Status())
	})
}
