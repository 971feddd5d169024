package logging

import (
	"fmt"
	"log/slog"
	"net/http"

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

// Option configures New.
type Option func(*config)

type config struct {
	levels     func(status int) slog.Level
	skip       func(r *http.Request) bool
	idHeader   string   // canonical; "" disables request IDs
	redact     []string // query parameter names
	reqHeaders []string // canonical header names
	route      func(r *http.Request) string
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
