package timeout

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seed1f3c5038/mw/internal/respwriter"
)

// guard is timeout's writer, plugged into respwriter.Expose: it sits
// between the handler goroutine and the real ResponseWriter. Every call that
// reaches the real writer holds mu and first checks err, which the serving
// goroutine sets (under mu) before ServeHTTP returns early: from then on
// nothing the handler does reaches the real writer, as net/http requires.
//
// The handler gets its own header map until it commits (first WriteHeader,
// Write or Flush), because the serving goroutine may write the timeout
// response, which reads the real map, while the handler is still setting
// headers. The handler's map starts as a copy of the real one, so headers
// set by outer middlewares stay visible and deletable; at commit the real map
// is made equal to it.
//
// A guard is never reused: the handler, or a framework holding the writer
// (echo's WrapMiddleware writes its error page after the middleware
// returned), may still call it after ServeHTTP returns, and those calls
// still reach the real writer as long as net/http's handler is running.
type guard struct {
	mu sync.Mutex
	rw http.ResponseWriter // the real writer
	// err is nil until the serving goroutine takes rw back; then it is
	// what calls return (http.ErrHandlerTimeout or the context's cause).
	err error
	// state holds the state* bits, set under mu by the handler goroutine
	// and read without mu by the serving goroutine, which must not wait for
	// mu while a handler is blocked writing.
	state atomic.Uint32

	hdr      http.Header // the handler's header map, nil until it asks for it
	hdrDirty bool        // Header was called after commit: sync again at the end

	panic any // set before stateFinished, if the handler panicked

	// With WithIdle only: progress is the time since start of the last
	// write, flush or final status, read by the serving goroutine.
	idle     bool
	start    time.Time
	progress atomic.Int64
	// cut is set by serveIdle before it cancels the context for want of
	// progress: a handler that returns after that did not end its stream
	// in time, and its response is aborted, not ended cleanly.
	cut atomic.Bool
}

// mark records progress for WithIdle. Call after the call that made it.
func (g *guard) mark() {
	if g.idle {
		g.progress.Store(int64(time.Since(g.start)))
	}
}

const (
	stateCommitted  = 1 << iota // a final status went out, or is on its way
	stateHijacked               // the handler owns the connection
	stateFinished               // the handler returned before the writer was taken back
	stateUnanswered             // it returned after the deadline without writing anything
)

// HeaderWritten reports whether the handler committed its response: a
// final status went out, or is on its way.
func (g *guard) HeaderWritten() bool { return g.state.Load()&stateCommitted != 0 }

// Hijacked reports whether the handler took over the connection.
func (g *guard) Hijacked() bool { return g.state.Load()&stateHijacked != 0 }

// Header returns the handler's own header map (see guard). Changes made
// after the response is committed are ignored, as net/http ignores them
// after WriteHeader, except trailers: the map is copied once more when the
// handler returns before the deadline.
func (g *guard) Header() http.Header {
	if g.hdr != nil {
		if g.HeaderWritten() {
			g.hdrDirty = true
		}
		return g.hdr
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.err != nil {
		g.hdr = make(http.Header)
		return g.hdr // too late to matter: nothing set here is ever sent
	}
	dst := g.rw.Header()
	// Room for the outer middlewares' fields and two of the handler's
	// (Content-Type, say), so that the map is made at its size at once.
	g.hdr = make(http.Header, len(dst)+2)
	if len(dst) > 0 { // ranging over an empty map still costs a random start
		for k, v := range dst {
			// A full slice expression, so that Add on either map copies
			// instead of writing into an array the other map can see.
			g.hdr[k] = v[:len(v):len(v)]
		}
	}
	g.hdrDirty = g.HeaderWritten()
	return g.hdr
}

// syncHeader makes the real header map equal to the handler's. Call with mu
// held and g.err nil.
func (g *guard) syncHeader() {
	if g.hdr == nil {
		return
	}
	dst := g.rw.Header()
	for k, v := range g.hdr {
		// Most fields are the outer middlewares', which the handler left
		// alone: they still share dst's array, and a lookup costs less
		// than storing the same slice again.
		if dv, ok := dst[k]; !ok || !sameValues(dv, v) {
			dst[k] = v
		}
	}
	if len(dst) == len(g.hdr) {
		return // dst holds g.hdr's keys: none to delete (the usual case)
	}
	for k := range dst {
		if _, ok := g.hdr[k]; !ok {
			delete(dst, k)
		}
	}
}

// sameValues reports whether a and b are one slice: same length, same
// array. Header copies a field's slice with a full slice expression, so any
// Set, Add or new slice the handler stores differs; a change made in place
// shows in both maps anyway.
func sameValues(a, b []string) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// commit sends the handler's headers on their way. Call with mu held and
// g.err nil.
func (g *guard) commit() {
	if g.HeaderWritten() {
		return
	}
	g.syncHeader()
	g.state.Or(stateCommitted)
}

// WriteHeader forwards the first final status and drops later ones, so
// net/http never logs a superfluous WriteHeader. Informational codes go
// through as often as the handler sends them, with the current header.
func (g *guard) WriteHeader(code int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.err != nil || g.Hijacked() || g.HeaderWritten() {
		return
	}
	g.syncHeader()
	g.rw.WriteHeader(code) // panics on an invalid code, like net/http
	if respwriter.Informational(code) {
		return
	}
	g.state.Or(stateCommitted)
	g.mark()
}

// Write passes p straight to the real writer: nothing is buffered here. After
// the deadline it returns http.ErrHandlerTimeout (or, once the client has
// gone, the context's cause) and writes nothing.
func (g *guard) Write(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := g.usable(); err != nil {
		return 0, err
	}
	g.commit()
	n, err := g.rw.Write(p)
	g.mark()
	return n, err
}

// WriteString is Write without a copy when the real writer has WriteString.
func (g *guard) WriteString(s string) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := g.usable(); err != nil {
		return 0, err
	}
	g.commit()
	n, err := io.WriteString(g.rw, s)
	g.mark()
	return n, err
}

// usable reports why rw may not be used, with mu held.
func (g *guard) usable() error {
	if g.err != nil {
		return g.err
	}
	if g.Hijacked() {
		// Say it here: net/http would also log a line for it.
		return http.ErrHijacked
	}
	return nil
}

// Unwrap returns the real writer, for code that looks for an interface
// beneath. Calls made on it directly bypass the deadline guard; the
// ResponseController methods never need it, because respwriter.Expose
// gives the handler the guard's own.
func (g *guard) Unwrap() http.ResponseWriter { return g.rw }

// FlushError flushes through http.ResponseController, so it reaches a
// Flusher however deeply the real writer wraps it.
func (g *guard) FlushError() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := g.usable(); err != nil {
		return err
	}
	g.commit()
	err := http.NewResponseController(g.rw).Flush()
	g.mark()
	return err
}

// SetReadDeadline is http.ResponseController's, guarded.
func (g *guard) SetReadDeadline(t time.Time) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := g.usable(); err != nil {
		return err
	}
	return http.NewResponseController(g.rw).SetReadDeadline(t)
}

// SetWriteDeadline is http.ResponseController's, guarded.
func (g *guard) SetWriteDeadline(t time.Time) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := g.usable(); err != nil {
		return err
	}
	return http.NewResponseController(g.rw).SetWriteDeadline(t)
}

// EnableFullDuplex is http.ResponseController's, guarded.
func (g *guard) EnableFullDuplex() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := g.usable(); err != nil {
		return err
	}
	return http.NewResponseController(g.rw).EnableFullDuplex()
}

// Hijack hands the connection over, until the deadline.
func (g *guard) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := g.usable(); err != nil {
		return nil, nil, err
	}
	conn, brw, err := http.NewResponseController(g.rw).Hijack()
	if err == nil {
		g.state.Or(stateHijacked)
	}
	return conn, brw, err
}

// ReadFrom keeps sendfile for files, whose reads never block for long. Any
// other source is copied with reads outside the lock, so that a source that
// blocks cannot keep the serving goroutine from answering at the deadline.
func (g *guard) ReadFrom(src io.Reader) (int64, error) {
	if rf, ok := g.rw.(io.ReaderFrom); ok && isFile(src) {
		g.mu.Lock()
		defer g.mu.Unlock()
		if err := g.usable(); err != nil {
			return 0, err
		}
		g.commit()
		n, err := rf.ReadFrom(src)
		g.mark()
		return n, err
	}
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	return io.CopyBuffer(writerOnly{g}, readerOnly{src}, *bp)
}

func isFile(r io.Reader) bool {
	if lr, ok := r.(*io.LimitedReader); ok {
		r = lr.R
	}
	_, ok := r.(*os.File)
	return ok
}

// copyBufs is the one pool in timeout: a buffer lives only inside one
// ReadFrom call and no caller ever sees it.
var copyBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// writerOnly and readerOnly hide ReadFrom and WriteTo from io.CopyBuffer.
type (
	writerOnly struct{ io.Writer }
	readerOnly struct{ io.Reader }
)
