package clientip

import (
	"context"
	"net/netip"
)

// addrKey is the context key of the client address that package
// github.com/seed1f3c5038/mw/clientip resolved for a request.
type addrKey struct{}

// NewContext returns a child of parent carrying addr as the request's
// resolved client address. Only the public clientip middleware calls it:
// one package writes the value, every other one only reads it.
func NewContext(parent context.Context, addr netip.Addr) context.Context {
	return context.WithValue(parent, addrKey{}, addr)
}

// AddrFromContext returns the client address the public clientip
// middleware resolved for the request ctx belongs to. ok is false when that
// middleware did not run before (or the peer was not an IP address); the
// caller then falls back to its own answer, usually the TCP peer.
func AddrFromContext(ctx context.Context) (addr netip.Addr, ok bool) {
	addr, ok = ctx.Value(addrKey{}).(netip.Addr)
	return addr, ok
}
