package methodrouter

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/seed1f3c5038/mw/internal/respwriter"
)

// These mirror net/http's server (server.go, sniff.go): a response whose
// body is at most chunkingThreshold bytes when the handler returns, and was
// not flushed, gets a Content-Length; Content-Type is sniffed from the first
// sniffLen bytes written before the header goes out.
const (
	chunkingThreshold = 2048
	sniffLen          = 512
)

// headWriter runs a GET handler for a HEAD request. It drops the body but
// counts and sniffs it, and holds the status line back as net/http does, so
// the header it finally sends is the one net/http would have sent for the
// GET: same status, same fields, the derived Content-Type and
// Content-Length included. It does this whatever the ResponseWriter below
// is (net/http's own eats HEAD bodies, a recorder or another wrapper may
// not). It plugs into respwriter.Expose, which gives the handler exactly
// the optional interfaces of the writer below.
type headWriter struct {
	w        http.ResponseWriter
	snapshot http.Header // the header when the status was decided
	status   int         // the final status, 0 until decided
	sent     bool        // the status line went to w, or w was hijacked
	hijacked bool
	n        int64 // body bytes the handler wrote
	declared int64 // the handler's own Content-Length, -1 if none
	prefixN  int
	prefix   [sniffLen]byte
}

func newHeadWriter(w http.ResponseWriter) *headWriter {
	return &headWriter{w: w, declared: -1}
}

func (hw *headWriter) Header() http.Header { return hw.w.Header() }

// WriteHeader decides the status but sends nothing yet, like net/http: the
// header goes out when the handler returns, flushes, or writes more than
// chunkingThreshold bytes.
func (hw *headWriter) WriteHeader(code int) {
	if hw.status != 0 || hw.sent {
		return // a second status line never reaches the client
	}
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code)) // as net/http
	}
	if respwriter.Informational(code) {
		hw.w.WriteHeader(code) // 103 Early Hints goes at once
		return
	}
	hw.status = code
	h := hw.w.Header()
	// net/http ignores header changes made after WriteHeader; keep the
	// header as it is now so a late change can't reach HEAD only.
	hw.snapshot = h.Clone()
	if cl := first(h, "Content-Length"); cl != "" {
		if v, err := strconv.ParseInt(cl, 10, 64); err == nil && v >= 0 {
			hw.declared = v
		}
	}
}

func (hw *headWriter) Write(p []byte) (int, error) { return hw.write(len(p), p, "") }

// WriteString spares io.WriteString callers a []byte conversion.
func (hw *headWriter) WriteString(s string) (int, error) { return hw.write(len(s), nil, s) }

func (hw *headWriter) write(n int, b []byte, s string) (int, error) {
	if hw.hijacked {
		return 0, http.ErrHijacked
	}
	if hw.status == 0 {
		hw.WriteHeader(http.StatusOK)
	}
	if n == 0 {
		return 0, nil
	}
	if !bodyAllowedForStatus(hw.status) {
		return 0, http.ErrBodyNotAllowed
	}
	hw.n += int64(n)
	if hw.declared >= 0 && hw.n > hw.declared {
		return 0, http.ErrContentLength
	}
	if !hw.sent {
		if hw.prefixN < sniffLen {
			if b != nil {
				hw.prefixN += copy(hw.prefix[hw.prefixN:], b)
			} else {
				hw.prefixN += copy(hw.prefix[hw.prefixN:], s)
			}
		}
		if hw.n > chunkingThreshold {
			hw.send(false) // net/http would go chunked here: no Content-Length
		}
	}
	return n, nil
}

// ReadFrom follows net/http's ReadFrom over TCP: the first sniffLen bytes
// go through Write (sniffed, counted); if src has more, the header goes out
// then, without Content-Length, and the rest is only counted.
func (hw *headWriter) ReadFrom(src io.Reader) (int64, error) {
	if hw.hijacked {
		return 0, http.ErrHijacked
	}
	var n int64
	if !hw.sent {
		n0, err := io.Copy(writerOnly{hw}, io.LimitReader(src, sniffLen))
		n += n0
		if err != nil || n0 < sniffLen {
			return n, err
		}
		if !hw.sent {
			hw.send(false)
		}
	}
	if hw.declared >= 0 || !bodyAllowedForStatus(hw.status) {
		// Through Write, for its ErrContentLength and ErrBodyNotAllowed.
		n0, err := io.Copy(writerOnly{hw}, src)
		return n + n0, err
	}
	n0, err := io.Copy(io.Discard, src) // io.Discard reuses pooled buffers
	hw.n += n0
	return n + n0, err
}

// writerOnly hides ReadFrom so io.Copy doesn't call back into it.
type writerOnly struct{ io.Writer }

// FlushError sends the header (without Content-Length, as net/http does
// for a flushed response) and flushes the writer below; it returns that
// writer's error, http.ErrNotSupported if it can't flush.
func (hw *headWriter) FlushError() error {
	if hw.hijacked {
		return http.ErrHijacked
	}
	if hw.status == 0 {
		hw.WriteHeader(http.StatusOK)
	}
	if !hw.sent {
		hw.send(false)
	}
	return http.NewResponseController(hw.w).Flush()
}

// Hijack hands over the connection of the writer below, if it has one
// (http.ErrNotSupported otherwise); the router then sends nothing more.
func (hw *headWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(hw.w).Hijack()
	if err == nil {
		hw.sent, hw.hijacked = true, true
	}
	return c, rw, err
}

// Unwrap returns the writer below.
func (hw *headWriter) Unwrap() http.ResponseWriter { return hw.w }

// HeaderWritten reports whether the handler decided its status (held back
// or sent): after that no other status can go out.
func (hw *headWriter) HeaderWritten() bool { return hw.status != 0 || hw.sent }

// Hijacked reports whether the handler took over the connection.
func (hw *headWriter) Hijacked() bool { return hw.hijacked }

// SetReadDeadline is http.ResponseController's, on the writer below.
func (hw *headWriter) SetReadDeadline(t time.Time) error {
	return http.NewResponseController(hw.w).SetReadDeadline(t)
}

// SetWriteDeadline is http.ResponseController's, on the writer below.
func (hw *headWriter) SetWriteDeadline(t time.Time) error {
	return http.NewResponseController(hw.w).SetWriteDeadline(t)
}

// EnableFullDuplex is http.ResponseController's, on the writer below.
func (hw *headWriter) EnableFullDuplex() error {
	return http.NewResponseController(hw.w).EnableFullDuplex()
}

// finish runs after the handler returned normally (not after a panic: an
// outer recovery middleware then still has a clean writer).
func (hw *headWriter) finish() {
	if hw.sent {
		return
	}
	if hw.status == 0 {
		hw.WriteHeader(http.StatusOK)
	}
	hw.send(true)
}

// send writes the status line with the header net/http would have derived;
// done says the handler returned, so the whole body was counted.
func (hw *headWriter) send(done bool) {
	hw.sent = true
	h := hw.w.Header()
	if hw.snapshot != nil {
		clear(h)
		for k, v := range hw.snapshot {
			h[k] = v
		}
	}
	if bodyAllowedForStatus(hw.status) {
		hasTE := first(h, "Transfer-Encoding") != ""
		_, hasType := h["Content-Type"]
		if !hasType && !hasTE && first(h, "Content-Encoding") == "" && hw.prefixN > 0 {
			h["Content-Type"] = []string{http.DetectContentType(hw.prefix[:hw.prefixN])}
		}
		_, hasCL := h["Content-Length"]
		if done && !hasCL && !hasTE && !hasTrailers(h) {
			h["Content-Length"] = []string{strconv.FormatInt(hw.n, 10)}
		}
	}
	hw.w.WriteHeader(hw.status)
}

// first is h.Get for a key already in canonical form, without
// canonicalising it again.
func first(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// hasTrailers reports whether the handler announced trailers, which make
// net/http leave Content-Length out.
func hasTrailers(h http.Header) bool {
	if _, ok := h["Trailer"]; ok {
		return true
	}
	for k := range h {
		if strings.HasPrefix(k, http.TrailerPrefix) {
			return true
		}
	}
	return false
}

// bodyAllowedForStatus is net/http's rule (RFC 9110 6.4.1): no body for
// 1xx, 204 and 304.
func bodyAllowedForStatus(code int) bool {
	return !(code >= 100 && code <= 199 || code == http.StatusNoContent || code == http.StatusNotModified)
}
