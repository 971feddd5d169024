package logging

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/seed1f3c5038/mw/internal/requestid"
	"github.com/seed1f3c5038/mw/internal/respwriter"
)

// Attribute keys, built once: the record is assembled from constants.
const (
	keyMethod     = "method"
	keyPath       = "path"
	keyQuery      = "query"
	keyStatus     = "status"
	keyBytes      = "bytes"
	keyDuration   = "duration"
	keyRemoteIP   = "remote_ip"
	keyUserAgent  = "user_agent"
	keyRequestID  = "request_id"
	keyProto      = "proto"
	keyRoute      = "route"
	keyHeaders    = "request_headers"
	keyPanic      = "panic"
	keyHijacked   = "hijacked"
	message       = "http request"
	redacted      = "REDACTED"
	defaultHeader = "X-Request-Id" // X-Request-ID in canonical form
)

// New returns a middleware that logs one record per request to logger and
// gives each request an ID (see the package documentation for the fields,
// levels and ID rules). It panics if logger is nil.
func New(logger *slog.Logger, opts ...Option) func(http.Handler) http.Handler {
	if logger == nil {
		panic("logging: New: nil *slog.Logger")
	}
	cfg := config{levels: defaultLevels, idHeader: defaultHeader}
	for _, o := range opts {
		o(&cfg)
	}
	return func(next http.Handler) http.Handler {
		return &handler{next: next, logger: logger, cfg: cfg}
	}
}

func defaultLevels(status int) slog.Level {
	switch {
	case status >= 500:
		return slog.LevelError
	case status >= 400:
		return slog.LevelWarn
	default:
		return slog.LevelInfo
	}
}

type handler struct {
	next   http.Handler
	logger *slog.Logger
	cfg    config
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.cfg.skip != nil && h.cfg.skip(r) {
		h.next.ServeHTTP(w, r)
		return
	}
	start := time.Now()
	ctx := requestid.NewContext(r.Context(), h.logger)
	st := &ctx.State
	if h.cfg.idHeader != "" {
		id := incomingID(r.Header[h.cfg.idHeader])
		if id == "" {
			id = newID()
		}
		st.ID = id
		st.Echo[0] = id
		w.Header()[h.cfg.idHeader] = st.Echo[:]
	}
	ww, rec := respwriter.Wrap(w)
	// The handler gets this copy, and ServeMux sets Pattern on the request
	// it is given: read route from r2, not r.
	r2 := r.WithContext(ctx)
	returned := false
	// Deferred, and without recover: a panicking request is logged too, and
	// the panic goes on, with its own stack, to whatever recovers it.
	defer func() { h.log(r2, rec, st.ID, start, !returned) }()
	h.next.ServeHTTP(ww, r2)
	returned = true
}

func (h *handler) log(r *http.Request, rec *respwriter.Writer, id string, start time.Time, panicked bool) {
	status := rec.Status()
	if panicked && !rec.HeaderWritten() && !rec.Hijacked() {
		status = http.StatusInternalServerError
	}
	level := h.cfg.levels(status)
	ctx := r.Context()
	if !h.logger.Enabled(ctx, level) {
		return
	}
	end := time.Now()
	var buf [16]slog.Attr
	attrs := append(buf[:0],
		slog.String(keyMethod, r.Method),
		slog.String(keyPath, r.URL.Path),
		slog.String(keyQuery, redactQuery(r.URL.RawQuery, h.cfg.redact)),
		slog.Int(keyStatus, status),
		slog.Int64(keyBytes, rec.BytesWritten()),
		slog.Duration(keyDuration, end.Sub(start)),
		slog.String(keyRemoteIP, remoteIP(r.RemoteAddr)),
		slog.String(keyUserAgent, userAgent(r.Header)),
	)
	if h.cfg.idHeader != "" {
		attrs = append(attrs, slog.String(keyRequestID, id))
	}
	attrs = append(attrs, slog.String(keyProto, r.Proto))
	if r.Pattern != "" {
		attrs = append(attrs, slog.String(keyRoute, r.Pattern))
	}
	if len(h.cfg.reqHeaders) > 0 {
		if g, ok := headerGroup(r.Header, h.cfg.reqHeaders); ok {
			attrs = append(attrs, g)
		}
	}
	if panicked {
		attrs = append(attrs, slog.Bool(keyPanic, true))
	}
	if rec.Hijacked() {
		attrs = append(attrs, slog.Bool(keyHijacked, true))
	}
	// What Logger.LogAttrs does, minus its runtime.Callers (about a tenth
	// of the cost of a record): the call site would be this file, useless
	// as an access record's source, so the record carries none (pc 0). The
	// record's time is the end time measured for duration, read once.
	record := slog.NewRecord(end, level, message, 0)
	record.AddAttrs(attrs...)
	_ = h.logger.Handler().Handle(ctx, record) // ignored, as Logger's methods do
}

// userAgent is r.UserAgent() without Header.Get's canonicalisation of a key
// that is canonical already.
func userAgent(h http.Header) string {
	if v := h["User-Agent"]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func headerGroup(hdr http.Header, names []string) (slog.Attr, bool) {
	var group []slog.Attr
	for _, n := range names {
		vs := hdr[n]
		switch len(vs) {
		case 0:
			continue
		case 1:
			group = append(group, slog.String(n, vs[0]))
		default:
			group = append(group, slog.String(n, strings.Join(vs, ", ")))
		}
	}
	if len(group) == 0 {
		return slog.Attr{}, false
	}
	return slog.Attr{Key: keyHeaders, Value: slog.GroupValue(group...)}, true
}

// remoteIP strips the port from r.RemoteAddr ("192.0.2.1:5678",
// "[2001:db8::1]:5678") without allocating; an address without a port is
// returned as it is.
func remoteIP(addr string) string {
	if addr == "" {
		return ""
	}
	if addr[0] == '[' {
		if end := strings.IndexByte(addr, ']'); end > 0 {
			return addr[1:end]
		}
		return addr
	}
	i := strings.LastIndexByte(addr, ':')
	if i < 0 || strings.IndexByte(addr[:i], ':') >= 0 { // no port, or a bare IPv6 address
		return addr
	}
	return addr[:i]
}
