package timeout

import (
	"bufio"
	"io"
	"net"
	"net/http"
)

// The views give the handler exactly the optional interfaces of the real
// writer among http.Flusher, http.Hijacker and io.ReaderFrom, so that a type
// assertion tells the truth. Each is one pointer wide, so storing it in an
// http.ResponseWriter costs no allocation (respwriter.WrapAs would cost one,
// and New has none to spare).
type (
	plainView               struct{ *guard }
	flushView               struct{ *guard }
	hijackView              struct{ *guard }
	readFromView            struct{ *guard }
	flushHijackView         struct{ *guard }
	flushReadFromView       struct{ *guard }
	hijackReadFromView      struct{ *guard }
	flushHijackReadFromView struct{ *guard }
)

func (g *guard) makeView() http.ResponseWriter {
	_, f := g.rw.(http.Flusher)
	_, h := g.rw.(http.Hijacker)
	_, rf := g.rw.(io.ReaderFrom)
	switch {
	case f && h && rf:
		return flushHijackReadFromView{g}
	case f && h:
		return flushHijackView{g}
	case f && rf:
		return flushReadFromView{g}
	case h && rf:
		return hijackReadFromView{g}
	case f:
		return flushView{g}
	case h:
		return hijackView{g}
	case rf:
		return readFromView{g}
	default:
		return plainView{g}
	}
}

func (v flushView) Flush()                                                { v.FlushError() }
func (v hijackView) Hijack() (net.Conn, *bufio.ReadWriter, error)         { return v.hijack() }
func (v readFromView) ReadFrom(r io.Reader) (int64, error)                { return v.readFrom(r) }
func (v flushHijackView) Flush()                                          { v.FlushError() }
func (v flushHijackView) Hijack() (net.Conn, *bufio.ReadWriter, error)    { return v.hijack() }
func (v flushReadFromView) Flush()                                        { v.FlushError() }
func (v flushReadFromView) ReadFrom(r io.Reader) (int64, error)           { return v.readFrom(r) }
func (v hijackReadFromView) Hijack() (net.Conn, *bufio.ReadWriter, error) { return v.hijack() }
func (v hijackReadFromView) ReadFrom(r io.Reader) (int64, error)          { return v.readFrom(r) }
func (v flushHijackReadFromView) Flush()                                  { v.FlushError() }
func (v flushHijackReadFromView) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return v.hijack()
}
func (v flushHijackReadFromView) ReadFrom(r io.Reader) (int64, error) { return v.readFrom(r) }
