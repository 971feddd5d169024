package clientip

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"

	"github.com/seed1f3c5038/mw/internal/clientip"
	"github.com/seed1f3c5038/mw/internal/httpsyntax"
)

// Option configures New. A nil Option is ignored.
type Option func(*config)

type config struct {
	trusted   []string
	header    string
	headerSet bool
}

// WithTrustedProxies names the proxies whose forwarding header is believed:
// CIDRs ("10.0.0.0/8", "2001:db8::/32") or single addresses ("192.0.2.1").
// Several calls add up. Without it, the client is always the TCP peer.
func WithTrustedProxies(cidrs ...string) Option {
	cidrs = append([]string(nil), cidrs...)
	return func(c *config) { c.trusted = append(c.trusted, cidrs...) }
}

// WithHeader names the one header the trusted proxies set: "X-Forwarded-For"
// (the default), "Forwarded" (RFC 7239, its for= parameters), "X-Real-IP",
// or any header holding one address or a comma-separated list of them
// ("CF-Connecting-IP", "True-Client-IP"). The name is case-insensitive.
func WithHeader(name string) Option {
	return func(c *config) { c.header, c.headerSet = name, true }
}

// New returns a middleware that resolves each request's client IP once (see
// the package documentation for the rule) and stores it in the request's
// context for FromContext, logging and ratelimit. It changes nothing else:
// r.RemoteAddr stays the TCP peer. A request whose peer is not an IP
// address (a Unix socket) goes on without an answer.
//
// New returns an error naming the bad value for a CIDR or address that does
// not parse, a header name that is not an RFC 9110 token, or WithHeader
// without WithTrustedProxies (the header would never be read).
func New(opts ...Option) (func(http.Handler) http.Handler, error) {
	cfg := config{header: "X-Forwarded-For"}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if !httpsyntax.IsToken(cfg.header) {
		return nil, fmt.Errorf("clientip: WithHeader: invalid header name %q: want a field name such as %q, %q or %q",
			cfg.header, "X-Forwarded-For", "Forwarded", "X-Real-IP")
	}
	if cfg.headerSet && len(cfg.trusted) == 0 {
		return nil, fmt.Errorf("clientip: WithHeader(%q) without WithTrustedProxies: the header would never be read", cfg.header)
	}
	res, err := clientip.New(cfg.header, cfg.trusted...)
	if err != nil {
		return nil, fmt.Errorf("%w; WithTrustedProxies takes CIDRs such as %q or single addresses such as %q",
			err, "10.0.0.0/8", "192.0.2.1")
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if addr, ok := res.ClientIP(r); ok {
				r = r.WithContext(clientip.NewContext(r.Context(), addr))
			}
			next.ServeHTTP(w, r)
		})
	}, nil
}

// FromContext returns the client address New's middleware resolved for the
// request ctx belongs to. ok is false when that middleware did not run for
// it, or the peer was not an IP address.
func FromContext(ctx context.Context) (netip.Addr, bool) {
	return clientip.AddrFromContext(ctx)
}
