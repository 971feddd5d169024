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
	x := newWriter(kindOf(w))
	x.rw = inner
	return x.self, x
}

// kind numbers the combinations of optional interfaces: one bit each.
type kind uint8

const (
	kindFlush kind = 1 << iota
	kindHijack
	kindReadFrom
	kinds = 1 << iota // how many combinations
)

func kindOf(w http.ResponseWriter) kind {
	var k kind
	if _, ok := w.(http.Flusher); ok {
		k |= kindFlush
	}
	if _, ok := w.(http.Hijacker); ok {
		k |= kindHijack
	}
	if _, ok := w.(io.ReaderFrom); ok {
		k |= kindReadFrom
	}
	return k
}

// newWriter allocates the wrapper type for k, in one allocation; self is
// that wrapper as an http.ResponseWriter.
func newWriter(k kind) *Writer {
	var self http.ResponseWriter
	var x *Writer
	switch k {
	case kindFlush | kindHijack | kindReadFrom:
		v := &flushHijackReadFrom{}
		self, x = v, &v.Writer
	case kindFlush | kindHijack:
		v := &flushHijack{}
		self, x = v, &v.Writer
	case kindFlush | kindReadFrom:
		v := &flushReadFrom{}
		self, x = v, &v.Writer
	case kindHijack | kindReadFrom:
		v := &hijackReadFrom{}
		self, x = v, &v.Writer
	case kindFlush:
		v := &flush{}
		self, x = v, &v.Writer
	case kindHijack:
		v := &hijack{}
		self, x = v, &v.Writer
	case kindReadFrom:
		v := &readFrom{}
		self, x = v, &v.Writer
	default:
		x = &Writer{}
		self = x
	}
	x.self, x.kind = self, k
	return x
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
