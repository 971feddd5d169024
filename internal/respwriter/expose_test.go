package respwriter

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed1f3c5038/mw/internal/testutil"
)

// probe is an Inner that records which of its methods were called.
type probe struct {
	calls []string
	rw    http.ResponseWriter
}

func (p *probe) note(m string)                     { p.calls = append(p.calls, m) }
func (p *probe) Header() http.Header               { p.note("Header"); return p.rw.Header() }
func (p *probe) WriteHeader(int)                   { p.note("WriteHeader") }
func (p *probe) Write(b []byte) (int, error)       { p.note("Write"); return len(b), nil }
func (p *probe) WriteString(s string) (int, error) { p.note("WriteString"); return len(s), nil }
func (p *probe) FlushError() error                 { p.note("FlushError"); return nil }
func (p *probe) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	p.note("Hijack")
	return nil, nil, http.ErrNotSupported
}
func (p *probe) ReadFrom(io.Reader) (int64, error) { p.note("ReadFrom"); return 0, nil }
func (p *probe) SetReadDeadline(time.Time) error   { p.note("SetReadDeadline"); return nil }
func (p *probe) SetWriteDeadline(time.Time) error  { p.note("SetWriteDeadline"); return nil }
func (p *probe) EnableFullDuplex() error           { p.note("EnableFullDuplex"); return nil }
func (p *probe) Unwrap() http.ResponseWriter       { return p.rw }
func (p *probe) HeaderWritten() bool               { return false }
func (p *probe) Hijacked() bool                    { return false }

// Every call reaches the Inner; the optional interfaces are exactly those of
// the writer it wraps; http.ResponseController goes through the Inner for
// flushes and deadlines even when the writer beneath cannot flush.
func TestExposeForwardsAndKeepsExactInterfaces(t *testing.T) {
	for _, f := range []bool{false, true} {
		for _, h := range []bool{false, true} {
			for _, rf := range []bool{false, true} {
				t.Run(fmt.Sprintf("flusher=%v,hijacker=%v,readerFrom=%v", f, h, rf), func(t *testing.T) {
					under, _ := combo(f, h, rf)
					p := &probe{rw: under}
					w := Expose(p, under)
					assert.Equal(t, interfaces{f, h, rf}, interfacesOf(w))

					want := []string{"Header", "WriteHeader", "Write", "WriteString", "FlushError", "SetReadDeadline", "SetWriteDeadline", "EnableFullDuplex"}
					w.Header()
					w.WriteHeader(200)
					w.Write(nil)
					io.WriteString(w, "x")
					rc := http.NewResponseController(w)
					require.NoError(t, rc.Flush())
					require.NoError(t, rc.SetReadDeadline(time.Time{}))
					require.NoError(t, rc.SetWriteDeadline(time.Time{}))
					require.NoError(t, rc.EnableFullDuplex())
					if f {
						w.(http.Flusher).Flush()
						want = append(want, "FlushError")
					}
					if h {
						w.(http.Hijacker).Hijack()
						want = append(want, "Hijack")
					}
					if rf {
						w.(io.ReaderFrom).ReadFrom(nil)
						want = append(want, "ReadFrom")
					}
					assert.Equal(t, want, p.calls)
					assert.Equal(t, under, w.(interface{ Unwrap() http.ResponseWriter }).Unwrap())
					_, isRecorder := w.(interface {
						HeaderWritten() bool
						Hijacked() bool
					})
					assert.True(t, isRecorder, "recovery can ask it whether the response started")
				})
			}
		}
	}
}

// An exposed pointer is stored in the interface as is: no allocation.
func TestExposeOfAPointerAllocatesNothing(t *testing.T) {
	if testutil.RaceEnabled {
		t.Skip("the race detector allocates")
	}
	under := testutil.NewDiscardWriter()
	p := &probe{rw: under, calls: make([]string, 0, 1)}
	var sink http.ResponseWriter
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		sink = Expose(p, under)
	}))
	_ = sink
}

func TestInformational(t *testing.T) {
	for code, want := range map[int]bool{100: true, 101: false, 102: true, 103: true, 199: true, 200: false, 99: false, 204: false} {
		assert.Equal(t, want, Informational(code), code)
	}
}
