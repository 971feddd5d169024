package logging

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/seed1f3c5038/mw/internal/reqlog"
)

// maxIDLen bounds an incoming request ID, so a client cannot make every log
// record carry kilobytes of its choosing.
const maxIDLen = 128

// RequestID returns the ID of the request ctx belongs to, or "" outside a
// request logged by New (or when IDs are disabled).
func RequestID(ctx context.Context) string { return reqlog.ID(ctx) }

// Logger returns the logger given to New with a request_id attribute, for
// handlers that log about their request; outside a request logged by New it
// returns slog.Default(). It is built on the first call for a request and
// reused after, so requests that never ask pay nothing.
//
// The logger does not keep ctx: Logger(ctx).Info(...) hands the slog
// handler context.Background(). Handlers that read the context (trace and
// span IDs from OpenTelemetry) need Logger(ctx).InfoContext(ctx, ...).
func Logger(ctx context.Context) *slog.Logger {
	if s := reqlog.FromContext(ctx); s != nil {
		return s.Logger()
	}
	return slog.Default()
}

// AddAttrs adds attrs to the access record of the request ctx belongs to, as
// top-level keys after logging's own (a key logging writes too appears
// twice, so pick new ones). Call it from the handler, from a middleware
// inside logging, or from a goroutine the handler started: it is safe for
// concurrent use. Attributes added after the record was written, and calls
// outside a request logged by New, are ignored. This is how mw's own
// middlewares add to the record of a request they acted on.
func AddAttrs(ctx context.Context, attrs ...slog.Attr) { reqlog.AddAttrs(ctx, attrs...) }

// idPrefix makes IDs unique across processes: 64 random bits, drawn once.
// idCounter makes them unique within the process. Together they cost an
// atomic add and a small string per request, not a system call.
var (
	idPrefix  = newIDPrefix()
	idCounter atomic.Uint64
)

func newIDPrefix() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		// Only older toolchains can fail here; the clock still tells
		// restarted processes apart.
		binary.BigEndian.PutUint64(b[:], uint64(time.Now().UnixNano()))
	}
	return hex.EncodeToString(b[:])
}

// newID returns "<prefix>-<counter>", such as "6f1c2a9e0b3d4c57-42".
func newID() string {
	var buf [40]byte // 16 + 1 + at most 20 digits
	b := append(buf[:0], idPrefix...)
	b = append(b, '-')
	b = strconv.AppendUint(b, idCounter.Add(1), 10)
	return string(b)
}

// incomingID returns the first value of the request ID header when it is
// safe to keep: 1 to 128 bytes of letters, digits, '-', '_', '.' and ':'.
// Otherwise it returns "" and the caller makes a new ID.
func incomingID(values []string) string {
	if len(values) == 0 {
		return ""
	}
	id := values[0]
	if id == "" || len(id) > maxIDLen {
		return ""
	}
	for i := 0; i < len(id); i++ {
		if !idChar[id[i]] {
			return ""
		}
	}
	return id
}

var idChar = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "-_.:" {
		t[c] = true
	}
	return t
}()
