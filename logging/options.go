package logging

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/seed1f3c5038/mw/internal/httpsyntax"
)

// neverLogged are the request headers that carry credentials: they are not
// logged even when WithRequestHeaders names them.
var neverLogged = map[string]bool{
	"Authorization":       true,
	"Proxy-Authorization": true,
	"Cookie":              true,
	"Set-Cookie":          true,
}

// Option configures New. A nil Option is ignored.
type Option func(*config)

type config struct {
	levels     func(status int) slog.Level
	skip       func(r *http.Request) bool
	idHeader   string   // canonical; "" disables request IDs
	redact     []string // query parameter names
	reqHeaders []string // canonical header names
	route      func(r *http.Request) string
	schema     *schema
	attrs      []func(r *http.Request) []slog.Attr
	sampling   *sampling // nil: every record is written
}

// WithLevels chooses the record's level from the status. The default is
// Error for 5xx, Warn for 4xx and Info for everything else. It panics if f
// is nil.
func WithLevels(f func(status int) slog.Level) Option {
	if f == nil {
		panic("logging: WithLevels: nil function")
	}
	return func(c *config) { c.levels = f }
}

// WithSkip leaves out of the log the requests for which f returns true,
// such as health checks. A skipped request goes straight to the handler: no
// record, no request ID, nothing set on the response. It panics if f is nil.
func WithSkip(f func(r *http.Request) bool) Option {
	if f == nil {
		panic("logging: WithSkip: nil function")
	}
	return func(c *config) { c.skip = f }
}

// WithRequestIDHeader names the header that carries the request ID in and
// out; the default is "X-Request-ID". An empty name disables request IDs:
// none is read, made, echoed or logged. It panics if name is not a valid
// header name.
func WithRequestIDHeader(name string) Option {
	if name != "" && !httpsyntax.IsToken(name) {
		panic(fmt.Sprintf("logging: WithRequestIDHeader: invalid header name %q", name))
	}
	canonical := http.CanonicalHeaderKey(name)
	return func(c *config) { c.idHeader = canonical }
}

// WithRedactedQuery logs the values of the named query parameters as
// "REDACTED", for parameters that carry secrets such as tokens or API keys.
// Names are compared after percent-decoding, case-sensitively, as
// url.ParseQuery does. It panics on an empty name.
func WithRedactedQuery(params ...string) Option {
	for _, p := range params {
		if p == "" {
			panic("logging: WithRedactedQuery: empty parameter name")
		}
	}
	params = append([]string(nil), params...)
	return func(c *config) { c.redact = append(c.redact, params...) }
}

// WithRequestHeaders adds the named request headers to the record, in a
// group called request_headers (absent headers are left out; several values
// are joined with ", "). Authorization, Cookie, Set-Cookie and
// Proxy-Authorization are never logged and are ignored here. It panics if a
// name is not a valid header name.
func WithRequestHeaders(names ...string) Option {
	var keep []string
	for _, n := range names {
		if !httpsyntax.IsToken(n) {
			panic(fmt.Sprintf("logging: WithRequestHeaders: invalid header name %q", n))
		}
		n = http.CanonicalHeaderKey(n)
		if !neverLogged[n] {
			keep = append(keep, n)
		}
	}
	return func(c *config) { c.reqHeaders = append(c.reqHeaders, keep...) }
}

// WithRoute sets how the route template is found, for routers that do not
// set r.Pattern (the default, which http.ServeMux fills in), and for a
// ServeMux that a middleware between it and logging hands a copy of the
// request (return the pattern mux.Handler(r) gives). f is called
// when the record is written, after the handler returned, with the request
// logging passed on, so the router has filled in what it knows; an empty
// result leaves route out. With chi, put logging in r.Use and return
// chi.RouteContext(r.Context()).RoutePattern(). Routers that hand their
// handlers a copy of the request (gorilla/mux, echo, gin) can report the
// route from inside instead, with AddAttrs. It panics if f is nil.
func WithRoute(f func(r *http.Request) string) Option {
	if f == nil {
		panic("logging: WithRoute: nil function")
	}
	return func(c *config) { c.route = f }
}

// WithAttrs adds the attributes f returns to every record, after logging's
// own fields and before those added with AddAttrs: trace and span IDs, or
// anything else known only at the end. f is called when the record is
// written (not for a record dropped by its level or by WithSampling), after
// the handler returned, with the request logging passed on. Its context is
// the one the request arrived with plus logging's own, so a span started
// by a middleware outside logging is there, one started inside is not.
// Several WithAttrs add up, in order. It panics if f is nil.
func WithAttrs(f func(r *http.Request) []slog.Attr) Option {
	if f == nil {
		panic("logging: WithAttrs: nil function")
	}
	return func(c *config) { c.attrs = append(c.attrs, f) }
}

// WithSampling writes only some of the records of healthy requests. It
// keeps every record of a request that got a status of 400 or more (5xx,
// 4xx, a panic), that took slow or longer, or whose method is neither GET
// nor HEAD (writes are rare and matter), and of the rest a random fraction
// keep, from 0 (none) to 1 (all). A slow of 0 turns the slow rule off.
//
// The decision is made when the handler returned, since status and
// duration are known only then, and before anything of the record is
// built, so a dropped record costs a random number. The request still has
// its ID: it is echoed in the response header and in the records handlers
// write through Logger(ctx), which are not sampled, even when its access
// record is dropped.
//
// It panics if keep is outside 0..1 (or NaN) or slow is negative.
func WithSampling(keep float64, slow time.Duration) Option {
	if !(keep >= 0 && keep <= 1) {
		panic(fmt.Sprintf("logging: WithSampling: keep %v is outside 0..1", keep))
	}
	if slow < 0 {
		panic(fmt.Sprintf("logging: WithSampling: negative slow duration %v", slow))
	}
	s := &sampling{keep: keep, slow: slow}
	return func(c *config) { c.sampling = s }
}

type sampling struct {
	keep float64
	slow time.Duration // 0: no slow rule
}

// drop reports whether the record of a request that started at start is
// left out. The clock is read only for the slow rule, and the draw comes
// from math/rand/v2's generator, which is per thread: no lock, no
// allocation.
func (s *sampling) drop(method string, status int, start time.Time) bool {
	switch {
	case status >= 400,
		method != http.MethodGet && method != http.MethodHead,
		s.slow > 0 && time.Since(start) >= s.slow:
		return false
	}
	return rand.Float64() >= s.keep
}
