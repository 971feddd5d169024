package respwriter

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"time"
)

// Writer records what a handler sent through it. Get one from Wrap; it is
// not safe for concurrent use, like the http.ResponseWriter it wraps.
type Writer struct {
	rw       http.ResponseWriter
	implicit int // status a first body write sends without WriteHeader; 0: 200, left to the writer beneath
	status   int // the final status sent, 0 until one went out
	bytes    int64
	hijacked bool
}

// Wrap returns a ResponseWriter that records into the returned *Writer and
// has exactly the optional interfaces of w among http.Flusher, http.Hijacker
// and io.ReaderFrom. It costs one allocation, the Writer.
func Wrap(w http.ResponseWriter) (http.ResponseWriter, *Writer) {
	x := &Writer{rw: w}
	return Expose(x, w), x
}

// Status is the final status code sent: the first non-1xx code given to
// WriteHeader, or 200 when the handler wrote a body without calling
// WriteHeader or has written nothing yet (net/http's default; see
// SetImplicitStatus).
func (w *Writer) Status() int {
	switch {
	case w.status != 0:
		return w.status
	case w.implicit != 0:
		return w.implicit
	}
	return http.StatusOK
}

// SetImplicitStatus makes code, instead of 200, the status that goes out
// when the handler writes, flushes or returns without calling WriteHeader
// (the caller sends it on return, when HeaderWritten is still false). A
// middleware uses it to give a handler a default answer, such as 405 for a
// custom Method Not Allowed body.
func (w *Writer) SetImplicitStatus(code int) { w.implicit = code }

// BytesWritten counts the body bytes accepted by Write, WriteString and
// ReadFrom.
func (w *Writer) BytesWritten() int64 { return w.bytes }

// HeaderWritten reports whether a final status line has gone out (or been
// handed to the writer beneath), after which no other status can be sent.
func (w *Writer) HeaderWritten() bool { return w.status != 0 }

// Hijacked reports whether the handler took over the connection.
func (w *Writer) Hijacked() bool { return w.hijacked }

// Header returns the header map of the wrapped writer.
func (w *Writer) Header() http.Header { return w.rw.Header() }

// WriteHeader forwards the first final status code and drops later ones, so
// net/http never logs "superfluous response.WriteHeader call". Informational
// codes may be sent any number of times before it, as net/http allows.
func (w *Writer) WriteHeader(code int) {
	if w.status != 0 || w.hijacked {
		return
	}
	w.rw.WriteHeader(code) // net/http panics on an invalid code: record nothing then
	if !Informational(code) {
		w.status = code
	}
}

// Write writes body bytes; like net/http, the first one sends a 200 header
// when WriteHeader was not called.
func (w *Writer) Write(p []byte) (int, error) {
	w.implicitHeader()
	n, err := w.rw.Write(p)
	w.bytes += int64(n)
	return n, err
}

// WriteString is Write for a string, without a copy when the writer beneath
// has its own WriteString (net/http's does).
func (w *Writer) WriteString(s string) (int, error) {
	w.implicitHeader()
	n, err := io.WriteString(w.rw, s)
	w.bytes += int64(n)
	return n, err
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (w *Writer) Unwrap() http.ResponseWriter { return w.rw }

// implicitHeader records the header that a body write or a flush sends
// without WriteHeader: 200, which the writer beneath sends by itself, or the
// implicit status, which has to be sent here.
func (w *Writer) implicitHeader() {
	if w.status != 0 || w.hijacked {
		return
	}
	if w.implicit != 0 {
		w.WriteHeader(w.implicit)
		return
	}
	w.status = http.StatusOK
}

// FlushError flushes the writer beneath, through http.ResponseController so
// that its own FlushError error is seen, and records the header a flush
// sends.
func (w *Writer) FlushError() error {
	if w.implicit != 0 {
		w.implicitHeader() // it must precede the flush that sends it
	}
	err := http.NewResponseController(w.rw).Flush()
	if err == nil {
		w.implicitHeader()
	}
	return err
}

// Hijack takes over the connection of the writer beneath and records it.
func (w *Writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.rw).Hijack()
	if err == nil {
		w.hijacked = true
	}
	return conn, brw, err
}

// ReadFrom uses the writer beneath's ReadFrom (sendfile on net/http's) and
// counts the bytes.
func (w *Writer) ReadFrom(src io.Reader) (int64, error) {
	if w.implicit != 0 {
		w.implicitHeader() // the writer beneath would send 200 with the first bytes
	}
	var n int64
	var err error
	if rf, ok := w.rw.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(src)
	} else {
		n, err = io.Copy(writerOnly{w.rw}, src)
	}
	if n > 0 {
		w.implicitHeader()
	}
	w.bytes += n
	return n, err
}

// writerOnly hides a ReadFrom from io.Copy.
type writerOnly struct{ io.Writer }

// SetReadDeadline is http.ResponseController's, on the writer beneath.
func (w *Writer) SetReadDeadline(t time.Time) error {
	return http.NewResponseController(w.rw).SetReadDeadline(t)
}

// SetWriteDeadline is http.ResponseController's, on the writer beneath.
func (w *Writer) SetWriteDeadline(t time.Time) error {
	return http.NewResponseController(w.rw).SetWriteDeadline(t)
}

// EnableFullDuplex is http.ResponseController's, on the writer beneath.
func (w *Writer) EnableFullDuplex() error {
	return http.NewResponseController(w.rw).EnableFullDuplex()
}
