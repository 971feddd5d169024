package respwriter

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"time"
)

// Inner is a wrapper's behaviour: every method a wrapped writer may need,
// whether or not the writer beneath has it. Expose decides which of them
// the handler can see.
//
// Flush, Hijack and ReadFrom are exposed only when the writer beneath has
// them. FlushError, the deadline methods, Unwrap, HeaderWritten and
// Hijacked are always there: http.ResponseController tries FlushError and
// the deadline methods before Unwrap, so an Inner sees those calls instead
// of having them go around it (return http.ErrNotSupported when the writer
// beneath cannot; http.NewResponseController(beneath) does that), and
// recovery asks HeaderWritten and Hijacked to know whether a 500 can still
// be sent.
type Inner interface {
	http.ResponseWriter
	io.StringWriter
	// FlushError backs Flush too (its error is then dropped).
	FlushError() error
	Hijack() (net.Conn, *bufio.ReadWriter, error)
	ReadFrom(src io.Reader) (int64, error)
	SetReadDeadline(t time.Time) error
	SetWriteDeadline(t time.Time) error
	EnableFullDuplex() error
	Unwrap() http.ResponseWriter
	// HeaderWritten reports whether a final status is decided, after which
	// no other status can be sent.
	HeaderWritten() bool
	// Hijacked reports whether the handler took over the connection.
	Hijacked() bool
}

// Informational reports whether code is a 1xx status other than 101
// Switching Protocols: net/http sends such a header at once and still
// expects the final status after it, so a wrapper forwards it every time
// and does not count it as the response's status. It is the one home of
// that rule.
func Informational(code int) bool {
	return code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols
}

// Expose returns a writer whose calls go to in and whose optional
// interfaces among http.Flusher, http.Hijacker and io.ReaderFrom are exactly
// those of like (the writer in wraps). When T is a pointer, the result
// holds only that pointer: Expose allocates nothing.
func Expose[T Inner](in T, like http.ResponseWriter) http.ResponseWriter {
	_, f := like.(http.Flusher)
	_, h := like.(http.Hijacker)
	_, rf := like.(io.ReaderFrom)
	switch {
	case f && h && rf:
		return flushHijackReadFrom[T]{flushHijack[T]{flush[T]{base[T]{in}}}}
	case f && h:
		return flushHijack[T]{flush[T]{base[T]{in}}}
	case f && rf:
		return flushReadFrom[T]{flush[T]{base[T]{in}}}
	case h && rf:
		return hijackReadFrom[T]{hijack[T]{base[T]{in}}}
	case f:
		return flush[T]{base[T]{in}}
	case h:
		return hijack[T]{base[T]{in}}
	case rf:
		return readFrom[T]{base[T]{in}}
	default:
		return base[T]{in}
	}
}

// base has the methods every exposed writer has; each combination below
// adds the optional ones by embedding, so a type assertion on it answers
// exactly as it would on the writer beneath.
type base[T Inner] struct{ in T }

func (b base[T]) Header() http.Header                { return b.in.Header() }
func (b base[T]) WriteHeader(code int)               { b.in.WriteHeader(code) }
func (b base[T]) Write(p []byte) (int, error)        { return b.in.Write(p) }
func (b base[T]) WriteString(s string) (int, error)  { return b.in.WriteString(s) }
func (b base[T]) FlushError() error                  { return b.in.FlushError() }
func (b base[T]) SetReadDeadline(t time.Time) error  { return b.in.SetReadDeadline(t) }
func (b base[T]) SetWriteDeadline(t time.Time) error { return b.in.SetWriteDeadline(t) }
func (b base[T]) EnableFullDuplex() error            { return b.in.EnableFullDuplex() }
func (b base[T]) Unwrap() http.ResponseWriter        { return b.in.Unwrap() }
func (b base[T]) HeaderWritten() bool                { return b.in.HeaderWritten() }
func (b base[T]) Hijacked() bool                     { return b.in.Hijacked() }

type (
	flush[T Inner]               struct{ base[T] }
	hijack[T Inner]              struct{ base[T] }
	readFrom[T Inner]            struct{ base[T] }
	flushHijack[T Inner]         struct{ flush[T] }
	flushReadFrom[T Inner]       struct{ flush[T] }
	hijackReadFrom[T Inner]      struct{ hijack[T] }
	flushHijackReadFrom[T Inner] struct{ flushHijack[T] }
)

func (w flush[T]) Flush()                                         { _ = w.in.FlushError() }
func (w hijack[T]) Hijack() (net.Conn, *bufio.ReadWriter, error)  { return w.in.Hijack() }
func (w readFrom[T]) ReadFrom(src io.Reader) (int64, error)       { return w.in.ReadFrom(src) }
func (w flushReadFrom[T]) ReadFrom(src io.Reader) (int64, error)  { return w.in.ReadFrom(src) }
func (w hijackReadFrom[T]) ReadFrom(src io.Reader) (int64, error) { return w.in.ReadFrom(src) }
func (w flushHijack[T]) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return w.in.Hijack()
}
func (w flushHijackReadFrom[T]) ReadFrom(src io.Reader) (int64, error) {
	return w.in.ReadFrom(src)
}
