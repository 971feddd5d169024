package logging

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/seed1f3c5038/mw/internal/clientip"
	"github.com/seed1f3c5038/mw/internal/reqlog"
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
	keyCanceled   = "canceled"
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
	cfg := config{levels: defaultLevels, idHeader: defaultHeader, schema: &schemas[SchemaDefault]}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
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

// received is the request as it reached the middleware: the handler may
// rewrite r.Method or r.URL in place (MethodOverride, a path rewrite), but
// the record describes what the client asked for.
type received struct {
	method, path, query string
	remoteAddr          string
	client              netip.Addr // from package clientip, when it ran before
	start               time.Time
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.cfg.skip != nil && h.cfg.skip(r) {
		h.next.ServeHTTP(w, r)
		return
	}
	in := received{
		method:     r.Method,
		path:       r.URL.Path,
		query:      r.URL.RawQuery,
		remoteAddr: r.RemoteAddr,
		start:      time.Now(),
	}
	in.client, _ = clientip.AddrFromContext(r.Context())
	ctx := reqlog.NewContext(r.Context(), h.logger)
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
	defer func() { h.log(r, r2, rec, st, &in, !returned) }()
	h.next.ServeHTTP(ww, r2)
	returned = true
}

// log writes the record. r is the request logging received (its context
// tells whether the client went away), r2 the one it passed on (the router
// filled in its route).
func (h *handler) log(r, r2 *http.Request, rec *respwriter.Writer, st *reqlog.State, in *received, panicked bool) {
	extra := st.Close() // before anything can return: later AddAttrs calls are dropped
	status := recordedStatus(r2, rec, panicked)
	level := h.cfg.levels(status)
	ctx := r2.Context()
	if !h.logger.Enabled(ctx, level) {
		return
	}
	// Decided before any attribute is built, and before the clock is read
	// unless the slow rule needs it: a dropped record costs this.
	if h.cfg.sampling != nil && h.cfg.sampling.drop(in.method, status, in.start) {
		return
	}
	end := time.Now()
	elapsed := end.Sub(in.start)
	bytes := rec.BytesWritten()
	if in.method == http.MethodHead {
		bytes = 0 // net/http sends no body for HEAD, whatever the handler wrote
	}
	remote := clientip.PeerHost(in.remoteAddr)
	if in.client.IsValid() {
		remote = in.client.String()
	}
	sc := h.cfg.schema
	var buf [16]slog.Attr
	attrs := append(buf[:0],
		slog.String(sc.method, in.method),
		slog.String(sc.path, in.path),
		slog.String(sc.query, redactQuery(in.query, h.cfg.redact)),
		slog.Int(sc.status, status),
		slog.Int64(sc.bytes, bytes),
		slog.Attr{Key: sc.duration, Value: sc.durationValue(elapsed)},
		slog.String(sc.remote, remote),
		slog.String(sc.userAgent, userAgent(r2.Header)),
	)
	if h.cfg.idHeader != "" {
		attrs = append(attrs, slog.String(sc.requestID, st.ID))
	}
	attrs = append(attrs, slog.String(sc.proto, sc.protoValue(r2)))
	route := r2.Pattern
	if h.cfg.route != nil {
		route = h.cfg.route(r2)
	}
	if route != "" {
		attrs = append(attrs, slog.String(sc.route, sc.routeValue(route)))
	}
	if len(h.cfg.reqHeaders) > 0 {
		if g, ok := headerGroup(r2.Header, h.cfg.reqHeaders); ok {
			attrs = append(attrs, g)
		}
	}
	if panicked {
		attrs = append(attrs, slog.Bool(keyPanic, true))
	}
	if rec.Hijacked() {
		attrs = append(attrs, slog.Bool(keyHijacked, true))
	} else if clientGone(r.Context()) {
		attrs = append(attrs, slog.Bool(keyCanceled, true))
	}
	for _, f := range h.cfg.attrs {
		attrs = append(attrs, f(r2)...)
	}
	attrs = append(attrs, extra...)
	// What Logger.LogAttrs does, minus its runtime.Callers (about a tenth
	// of the cost of a record): the call site would be this file, useless
	// as an access record's source, so the record carries none (pc 0). The
	// record's time is the end time measured for duration, read once.
	record := slog.NewRecord(end, level, message, 0)
	record.AddAttrs(attrs...)
	_ = h.logger.Handler().Handle(ctx, record) // ignored, as Logger's methods do
}

// clientGone reports whether the client went away before the handler
// returned: net/http cancels the request's context, without a cause of its
// own, when the connection closes (HTTP/1) or the stream is reset (HTTP/2),
// and only after ServeHTTP returns otherwise. A deadline (an outer
// timeout) or a cancellation with a cause of its own (a BaseContext
// canceled with context.WithCancelCause at shutdown) is not the client
// leaving. Deadlines and cancellations of middlewares inside logging are on
// contexts logging never sees. A hijacked connection is the handler's, so
// it is not asked.
func clientGone(ctx context.Context) bool {
	return ctx.Err() == context.Canceled && context.Cause(ctx) == context.Canceled
}

// recordedStatus is the status the client got. A handler that hijacked an
// upgrade request without WriteHeader (how WebSocket libraries answer)
// wrote "101 Switching Protocols" on the connection itself; a panic before
// any status becomes the 500 that recovery (or net/http) answers.
func recordedStatus(r *http.Request, rec *respwriter.Writer, panicked bool) int {
	switch {
	case rec.HeaderWritten():
		return rec.Status()
	case rec.Hijacked():
		if upgradeRequested(r.Header) {
			return http.StatusSwitchingProtocols
		}
		return rec.Status()
	case panicked:
		return http.StatusInternalServerError
	}
	return rec.Status()
}

// upgradeRequested reports whether the request asks for a protocol switch:
// an Upgrade field and the "upgrade" option in Connection (RFC 9110 7.8).
func upgradeRequested(h http.Header) bool {
	if len(h["Upgrade"]) == 0 {
		return false
	}
	for _, v := range h["Connection"] {
		for _, opt := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(opt), "upgrade") {
				return true
			}
		}
	}
	return false
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
