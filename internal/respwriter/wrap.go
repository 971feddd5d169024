package respwriter

import (
	"bufio"
	"io"
	"net"
	"net/http"
)

// Wrap returns a ResponseWriter that records into the returned *Writer and
// has exactly the optional interfaces of w among http.Flusher, http.Hijacker
// and io.ReaderFrom. It costs one allocation: the Writer lives inside the
// returned value.
func Wrap(w http.ResponseWriter) (http.ResponseWriter, *Writer) {
	return WrapAs(w, w)
}

// WrapAs is Wrap for a middleware that puts its own writer, inner, between
// the handler and the real one, w: calls go to inner, but the optional
// interfaces exposed are w's. inner must implement each of those that w
// implements.
func WrapAs(inner, w http.ResponseWriter) (http.ResponseWriter, *Writer) {
	_, f := w.(http.Flusher)
	_, h := w.(http.Hijacker)
	_, rf := w.(io.ReaderFrom)
	switch {
	case f && h && rf:
		x := &flushHijackReadFrom{Writer{rw: inner}}
		return x, &x.Writer
	case f && h:
		x := &flushHijack{Writer{rw: inner}}
		return x, &x.Writer
	case f && rf:
		x := &flushReadFrom{Writer{rw: inner}}
		return x, &x.Writer
	case h && rf:
		x := &hijackReadFrom{Writer{rw: inner}}
		return x, &x.Writer
	case f:
		x := &flush{Writer{rw: inner}}
		return x, &x.Writer
	case h:
		x := &hijack{Writer{rw: inner}}
		return x, &x.Writer
	case rf:
		x := &readFrom{Writer{rw: inner}}
		return x, &x.Writer
	default:
		x := &Writer{rw: inner}
		return x, x
	}
}

// One type per combination, so that a type assertion on the wrapper answers
// exactly as it would on the writer beneath.
type (
	flush               struct{ Writer }
	hijack              struct{ Writer }
	readFrom            struct{ Writer }
	flushHijack         struct{ Writer }
	flushReadFrom       struct{ Writer }
	hijackReadFrom      struct{ Writer }
	flushHijackReadFrom struct{ Writer }
)

func (w *flush) Flush()                                        { w.flush() }
func (w *flush) FlushError() error                             { return w.flushError() }
func (w *hijack) Hijack() (net.Conn, *bufio.ReadWriter, error) { return w.hijack() }
func (w *readFrom) ReadFrom(r io.Reader) (int64, error)        { return w.readFrom(r) }

func (w *flushHijack) Flush()                                       { w.flush() }
func (w *flushHijack) FlushError() error                            { return w.flushError() }
func (w *flushHijack) Hijack() (net.Conn, *bufio.ReadWriter, error) { return w.hijack() }

func (w *flushReadFrom) Flush()                              { w.flush() }
func (w *flushReadFrom) FlushError() error                   { return w.flushError() }
func (w *flushReadFrom) ReadFrom(r io.Reader) (int64, error) { return w.readFrom(r) }

func (w *hijackReadFrom) Hijack() (net.Conn, *bufio.ReadWriter, error) { return w.hijack() }
func (w *hijackReadFrom) ReadFrom(r io.Reader) (int64, error)          { return w.readFrom(r) }

func (w *flushHijackReadFrom) Flush()            { w.flush() }
func (w *flushHijackReadFrom) FlushError() error { return w.flushError() }
func (w *flushHijackReadFrom) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return w.hijack()
}
func (w *flushHijackReadFrom) ReadFrom(r io.Reader) (int64, error) { return w.readFrom(r) }
