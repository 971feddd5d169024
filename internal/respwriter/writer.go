// Package respwriter holds the one http.ResponseWriter wrapper that mw's
// middlewares share. It records what went out (status, bytes, whether the
// header was written or the connection hijacked), never forwards a second
// WriteHeader, and exposes Flush, Hijack and ReadFrom exactly when the
// wrapped writer has them, so a type assertion like w.(http.Flusher) tells
// the truth. Unwrap lets http.ResponseController reach the writer beneath.
//
//	ww, rec := respwriter.Wrap(w)
//	next.ServeHTTP(ww, r)
//	log(rec.Status(), rec.BytesWritten())
package respwriter

import (
	"bufio"
	"io"
	"net"
	"net/http"
)

// Writer records what a handler sent through it. Get one from Wrap; it is
// not safe for concurrent use, like the http.ResponseWriter it wraps.
type Writer struct {
	rw          http.ResponseWriter // where calls go
	self        http.ResponseWriter // the wrapper this Writer lives in
	kind        kind                // which optional interfaces self has
	implicit    int                 // status a first body write sends without WriteHeader; 0: 200, left to the writer beneath
	status      int
	bytes       int64
	wroteHeader bool
	hijacked    bool
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
func (w *Writer) HeaderWritten() bool { return w.wroteHeader }

// Hijacked reports whether the handler took over the connection.
func (w *Writer) Hijacked() bool { return w.hijacked }

// Header returns the header map of the wrapped writer.
func (w *Writer) Header() http.Header { return w.rw.Header() }

// WriteHeader forwards the first final status code and drops later ones, so
// net/http never logs "superfluous response.WriteHeader call". Informational
// codes (1xx other than 101) may be sent any number of times before it, as
// net/http allows.
func (w *Writer) WriteHeader(code int) {
	if w.wroteHeader || w.hijacked {
		return
	}
	w.rw.WriteHeader(code) // net/http panics on an invalid code: record nothing then
	if code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols {
		return
	}
	w.status = code
	w.wroteHeader = true
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
	if w.wroteHeader || w.hijacked {
		return
	}
	if w.implicit != 0 {
		w.WriteHeader(w.implicit)
		return
	}
	w.status = http.StatusOK
	w.wroteHeader = true
}

func (w *Writer) flush() {
	w.implicitHeader() // net/http sends the header on the first Flush
	w.rw.(http.Flusher).Flush()
}

// flushError lets http.ResponseController see a failed flush when the writer
// beneath can report one.
func (w *Writer) flushError() error {
	if fe, ok := w.rw.(interface{ FlushError() error }); ok {
		if w.implicit != 0 {
			w.implicitHeader() // it must precede the flush that sends it
		}
		err := fe.FlushError()
		if err == nil {
			w.implicitHeader()
		}
		return err
	}
	w.flush()
	return nil
}

func (w *Writer) hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := w.rw.(http.Hijacker).Hijack()
	if err == nil {
		w.hijacked = true
	}
	return conn, brw, err
}

func (w *Writer) readFrom(src io.Reader) (int64, error) {
	if w.implicit != 0 {
		w.implicitHeader() // the writer beneath would send 200 with the first bytes
	}
	n, err := w.rw.(io.ReaderFrom).ReadFrom(src)
	if n > 0 {
		w.implicitHeader()
	}
	w.bytes += n
	return n, err
}
