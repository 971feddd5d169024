package ratelimit

import (
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/ulule/limiter/v3"

	"github.com/seed1f3c5038/mw/internal/clientip"
)

// KeyFunc returns the key a request is counted under. "" means: key by
// client IP.
type KeyFunc func(r *http.Request) string

// window is one parsed rate and what its keys and headers need, computed
// once by New.
type window struct {
	rate    limiter.Rate
	seconds int64  // the period in seconds
	period  string // "<seconds>s", in WithStore's keys and policy names
	limit   string // the limit in decimal
	name    string // IETF policy item name and problem violated-policies entry
	policy  string // the name quoted: `"default"`
}

func newWindow(name string, rate limiter.Rate, several bool) window {
	secs := int64(rate.Period / time.Second)
	win := strconv.FormatInt(secs, 10) + "s"
	policy := name
	if several {
		policy += "-" + win
	}
	return window{
		rate:    rate,
		seconds: secs,
		period:  win,
		limit:   strconv.FormatInt(rate.Limit, 10),
		name:    policy,
		policy:  `"` + policy + `"`,
	}
}

// appendClient appends the client part of r's key: the KeyFunc's answer,
// or the client IP (IPv6 masked to its prefix, "2001:db8::/64"). Without
// WithTrustedProxies, the client IP is package clientip's answer when its
// middleware ran before, else the TCP peer.
func (l *Limiter) appendClient(b []byte, r *http.Request) []byte {
	if l.keyFunc != nil {
		if k := l.keyFunc(r); k != "" {
			return append(b, k...)
		}
	}
	if l.ips.Direct() {
		// Package clientip ran before and resolved the client behind the
		// proxies it trusts: its answer is the one to key by, since this
		// limiter trusts no proxy of its own.
		if a, ok := clientip.AddrFromContext(r.Context()); ok {
			return appendAddr(b, a, l.ipv6Bits)
		}
		// The common case, with a shortcut: an IPv4 peer's text, once
		// netip accepts it, is already the canonical form.
		host := clientip.PeerHost(r.RemoteAddr)
		if a, err := netip.ParseAddr(host); err == nil && a.Is4() {
			return append(b, host...)
		}
	}
	addr, ok := l.ips.ClientIP(r)
	if !ok {
		// Not an IP peer (a Unix socket): the server-set RemoteAddr is all
		// there is, and the client cannot choose it.
		if r.RemoteAddr == "" {
			return append(b, "unknown"...)
		}
		return append(b, r.RemoteAddr...)
	}
	return appendAddr(b, addr, l.ipv6Bits)
}

// appendAddr appends an IPv4 address as is and an IPv6 one as its prefix of
// bits (the address alone for 128).
func appendAddr(b []byte, a netip.Addr, bits int) []byte {
	if a.Is4() || bits >= 128 {
		return a.AppendTo(b)
	}
	p, err := a.Prefix(bits)
	if err != nil {
		return a.AppendTo(b)
	}
	return p.AppendTo(b)
}
