package logging

import (
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/seed1f3c5038/mw/internal/clientip"
	"github.com/seed1f3c5038/mw/internal/respwriter"
)

// CombinedLog returns a middleware that writes one line per request to out
// in the Apache combined log format, for tools that expect it:
//
//	192.0.2.10 - - [25/Nov/2026:08:30:00 +0000] "GET /a?b=c HTTP/1.1" 200 13 "-" "curl/8.5.0"
//
// The fields are the client's address (package clientip's answer when its
// middleware ran before, otherwise the TCP peer: no forwarding header is
// read here), "-" for identd, "-" for the user (credentials are never
// parsed), the time the request arrived in the local time zone, the request
// line as received, the status, the body bytes sent ("-" for none, and for
// HEAD) and the Referer and User-Agent
// headers ("-" when absent). '"' and '\' are escaped with a backslash, and
// control characters and bytes above 0x7E as \xHH, as Apache does, so a
// crafted request cannot forge a line. A request that panics is logged too,
// with status 500 unless a status was already sent, and the panic goes on.
//
// Each line is a single Write to out; writes from one CombinedLog are
// serialized, so out need not be safe for concurrent use unless it is also
// written from elsewhere. Write errors are ignored: a failing log must not
// fail requests. It panics if out is nil.
func CombinedLog(out io.Writer) func(http.Handler) http.Handler {
	if out == nil {
		panic("logging: CombinedLog: nil io.Writer")
	}
	lw := &lockedWriter{w: out}
	return func(next http.Handler) http.Handler {
		return &combinedHandler{next: next, out: lw}
	}
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

type combinedHandler struct {
	next http.Handler
	out  *lockedWriter
}

// linePool recycles line buffers, so a request allocates none.
var linePool = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

const clfTime = "02/Jan/2006:15:04:05 -0700"

func (h *combinedHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	// The request line as received: a handler may rewrite r in place.
	method, uri := r.Method, r.RequestURI
	if uri == "" { // a request built by hand rather than read by a server
		uri = r.URL.RequestURI()
	}
	ww, rec := respwriter.Wrap(w)
	returned := false
	defer func() { h.write(r, method, uri, rec, start, !returned) }()
	h.next.ServeHTTP(ww, r)
	returned = true
}

func (h *combinedHandler) write(r *http.Request, method, uri string, rec *respwriter.Writer, start time.Time, panicked bool) {
	status := rec.Status()
	if panicked && !rec.HeaderWritten() && !rec.Hijacked() {
		status = http.StatusInternalServerError
	}
	bp := linePool.Get().(*[]byte)
	b := (*bp)[:0]

	b = appendEscaped(b, clientAddr(r))
	b = append(b, " - - ["...)
	b = start.AppendFormat(b, clfTime)
	b = append(b, `] "`...)
	b = appendEscaped(b, method)
	b = append(b, ' ')
	b = appendEscaped(b, uri)
	b = append(b, ' ')
	b = appendEscaped(b, r.Proto)
	b = append(b, `" `...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, ' ')
	if n := rec.BytesWritten(); n > 0 && method != http.MethodHead { // no body goes out for HEAD
		b = strconv.AppendInt(b, n, 10)
	} else {
		b = append(b, '-')
	}
	b = append(b, ' ')
	b = appendQuoted(b, r.Header["Referer"])
	b = append(b, ' ')
	b = appendQuoted(b, r.Header["User-Agent"])
	b = append(b, '\n')

	h.out.mu.Lock()
	h.out.w.Write(b) // errors ignored: see CombinedLog
	h.out.mu.Unlock()

	if cap(b) <= 64<<10 { // do not keep a giant buffer for the next request
		*bp = b
		linePool.Put(bp)
	}
}

// appendQuoted appends the first value, quoted and escaped, or "-".
func appendQuoted(b []byte, values []string) []byte {
	b = append(b, '"')
	if len(values) == 0 || values[0] == "" {
		b = append(b, '-')
	} else {
		b = appendEscaped(b, values[0])
	}
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// appendEscaped appends s with '"' and '\' backslash-escaped and every byte
// outside printable ASCII as \xHH, so that a value can neither end its field
// nor start a new line.
func appendEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20 || c > 0x7e:
			b = append(b, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return b
}

// clientAddr is the client's address as the JSON record logs it: package
// clientip's answer when it ran before, otherwise the TCP peer.
func clientAddr(r *http.Request) string {
	if a, ok := clientip.AddrFromContext(r.Context()); ok {
		return a.String()
	}
	return clientip.PeerHost(r.RemoteAddr)
}
