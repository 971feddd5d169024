package logging

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
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
	if name != "" && !validHeaderName(name) {
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
		if !validHeaderName(n) {
			panic(fmt.Sprintf("logging: WithRequestHeaders: invalid header name %q", n))
		}
		n = http.CanonicalHeaderKey(n)
		if !neverLogged[n] {
			keep = append(keep, n)
		}
	}
	return func(c *config) { c.reqHeaders = append(c.reqHeaders, keep...) }
}

// validHeaderName reports whether name is an RFC 9110 token.
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if !isTokenChar(name[i]) {
			return false
		}
	}
	return true
}

func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}
