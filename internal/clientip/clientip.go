// Package clientip finds the address of the client behind a request: the TCP
// peer, or, when the peer is a trusted proxy, the first untrusted hop of the
// one forwarding header that proxy sets.
//
//	res, err := clientip.New("X-Forwarded-For", "10.0.0.0/8")
//	if err != nil { ... }
//	addr, ok := res.ClientIP(r) // ok is false when the peer is not an IP (a Unix socket)
//
// It lives in internal/ so that ratelimit and an access logger can agree on
// who the client is.
package clientip

import (
	"fmt"
	"net/http"
	"net/netip"
	"net/textproto"
	"strings"

	"github.com/seed1f3c5038/mw/internal/httpsyntax"
)

// Resolver finds client addresses. The zero value trusts no proxy and
// always answers with the TCP peer. It is safe for concurrent use.
type Resolver struct {
	trusted   []netip.Prefix
	header    string // canonical header name
	forwarded bool   // header is RFC 7239 Forwarded
}

// New returns a Resolver that reads header (canonicalised; "Forwarded" is
// parsed as RFC 7239, any other header as a comma-separated list of
// addresses such as X-Forwarded-For or X-Real-IP) when the peer is inside
// one of the trusted CIDRs. A bare address counts as a one-address prefix.
func New(header string, trusted ...string) (*Resolver, error) {
	if !httpsyntax.IsToken(header) {
		return nil, fmt.Errorf("clientip: invalid header name %q", header)
	}
	r := &Resolver{header: textproto.CanonicalMIMEHeaderKey(header)}
	r.forwarded = r.header == "Forwarded"
	for _, s := range trusted {
		p, err := ParsePrefix(s)
		if err != nil {
			return nil, err
		}
		r.trusted = append(r.trusted, p)
	}
	return r, nil
}

// ParsePrefix parses a CIDR ("10.0.0.0/8", "2001:db8::/32") or a single
// address ("192.0.2.1", "::1") into a masked prefix.
func ParsePrefix(s string) (netip.Prefix, error) {
	t := strings.TrimSpace(s)
	if strings.IndexByte(t, '/') >= 0 {
		p, err := netip.ParsePrefix(t)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("clientip: invalid trusted proxy CIDR %q", s)
		}
		if p.Addr().Is4In6() {
			// ::ffff:10.0.0.0/104 means 10.0.0.0/8: peers are unmapped before matching.
			if p.Bits() < 96 {
				return netip.Prefix{}, fmt.Errorf("clientip: invalid trusted proxy CIDR %q: IPv4-mapped prefix shorter than /96", s)
			}
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(t)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("clientip: invalid trusted proxy address %q", s)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// Header reports the canonical name of the forwarding header.
func (r *Resolver) Header() string { return r.header }

// Trusted reports whether a is inside a trusted CIDR.
func (r *Resolver) Trusted(a netip.Addr) bool {
	for _, p := range r.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ClientIP returns the client address of req. ok is false when the peer
// (req.RemoteAddr) is not an IP address, for example on a Unix socket; the
// header is never consulted then, since no CIDR can vouch for such a peer.
func (r *Resolver) ClientIP(req *http.Request) (addr netip.Addr, ok bool) {
	peer, ok := ParsePeer(req.RemoteAddr)
	if !ok || r == nil || len(r.trusted) == 0 || !r.Trusted(peer) {
		return peer, ok
	}
	return r.walk(peer, req.Header[r.header]), true
}

// Resolve is ClientIP over its raw parts: the peer as in http.Request's
// RemoteAddr and the forwarding header's field lines, in order.
func (r *Resolver) Resolve(remoteAddr string, values []string) (netip.Addr, bool) {
	peer, ok := ParsePeer(remoteAddr)
	if !ok {
		return netip.Addr{}, false
	}
	if r == nil || !r.Trusted(peer) {
		return peer, true
	}
	return r.walk(peer, values), true
}

// walk finds the client behind the trusted peer.
func (r *Resolver) walk(peer netip.Addr, values []string) netip.Addr {
	if len(values) == 0 {
		return peer
	}
	if r.forwarded {
		return r.walkForwarded(peer, values)
	}
	return r.walkList(peer, values)
}

// ParsePeer parses a RemoteAddr ("192.0.2.1:1234", "[2001:db8::1]:80", or a
// bare address) into an unmapped, zone-less address.
func ParsePeer(remoteAddr string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(PeerHost(remoteAddr))
	if err != nil {
		return netip.Addr{}, false
	}
	return normal(a), true
}

// PeerHost is the address part of a RemoteAddr, without the port and the
// brackets. The port is not needed, so it is not parsed (net/http sets it).
func PeerHost(remoteAddr string) string {
	if i := strings.LastIndexByte(remoteAddr, ':'); i > 0 {
		switch {
		case remoteAddr[0] == '[' && remoteAddr[i-1] == ']':
			return remoteAddr[1 : i-1] // [v6]:port
		case strings.IndexByte(remoteAddr, ':') == i:
			return remoteAddr[:i] // v4:port
		}
	}
	return remoteAddr
}

// Direct reports whether the client is always the TCP peer: no proxy is
// trusted, so no header is ever read.
func (r *Resolver) Direct() bool { return r == nil || len(r.trusted) == 0 }

// normal drops the zone and unmaps IPv4-mapped IPv6, so that one client has
// one form whatever the listener.
func normal(a netip.Addr) netip.Addr { return a.WithZone("").Unmap() }

// walkList walks a comma-separated address list right to left, starting
// from the trusted peer: each trusted hop passes the question to the hop on
// its left; the first untrusted hop is the client; a malformed hop ends the
// walk at the last good address; when every hop is trusted the left-most
// one is the client. Empty list elements are skipped (RFC 9110 section
// 5.6.1). It does not allocate.
func (r *Resolver) walkList(peer netip.Addr, values []string) netip.Addr {
	cur := peer
	for i := len(values) - 1; i >= 0; i-- {
		v := values[i]
		for end := len(v); end >= 0; {
			start := strings.LastIndexByte(v[:end], ',') + 1
			item := trimOWS(v[start:end])
			end = start - 1
			if item == "" {
				continue
			}
			a, ok := ParseHop(item)
			if !ok {
				return cur
			}
			cur = a
			if !r.Trusted(a) {
				return a
			}
		}
	}
	return cur
}

// walkForwarded is walkList over RFC 7239 Forwarded elements: the hop of an
// element is its for= parameter; an element without a usable for= (none,
// "unknown", an obfuscated identifier, a repeated for=, an unbalanced
// quote) is malformed.
//
// Elements are cut from the right (lastElement), like the hops of
// walkList: a proxy appends its element to whatever the client sent, and
// only a right-to-left reading guarantees that nothing the client wrote,
// an unbalanced quote above all, changes how the proxy's element reads.
// Read from the left, `for=203.0.113.7;x="` would open a quoted string
// that swallows the proxy's `, for=<real client>`.
func (r *Resolver) walkForwarded(peer netip.Addr, values []string) netip.Addr {
	cur := peer
	for i := len(values) - 1; i >= 0; i-- {
		for v, more := values[i], true; more; {
			var elem string
			var ok bool
			v, elem, more, ok = lastElement(v)
			if !ok {
				return cur
			}
			if elem = trimOWS(elem); elem == "" {
				continue
			}
			a, ok := forParam(elem)
			if !ok {
				return cur
			}
			cur = a
			if !r.Trusted(a) {
				return a
			}
		}
	}
	return cur
}

// lastElement cuts the last element off a Forwarded field line: elem is
// what follows the last comma outside quoted strings, rest what precedes
// it, and more reports whether there was such a comma. Quoted strings are
// matched from the right, so only characters right of the comma are ever
// looked at to find it. ok is false for a quoted string that does not
// open, or whose closing quote is escaped (a malformed element).
func lastElement(v string) (rest, elem string, more, ok bool) {
	for i := len(v) - 1; i >= 0; i-- {
		switch v[i] {
		case ',':
			return v[:i], v[i+1:], true, true
		case '"':
			if escaped(v, i) {
				return "", v, false, false
			}
			j := i - 1
			for j >= 0 && (v[j] != '"' || escaped(v, j)) {
				j--
			}
			if j < 0 {
				return "", v, false, false
			}
			i = j
		}
	}
	return "", v, false, true
}

// escaped reports whether v[i] follows an odd run of backslashes, which
// makes it a quoted-pair inside a quoted string.
func escaped(v string, i int) bool {
	n := 0
	for i--; i >= 0 && v[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

// forParam finds the single for= parameter of one Forwarded element and
// parses its node.
func forParam(elem string) (netip.Addr, bool) {
	var value string
	found := false
	for more := true; more; {
		var pair string
		pair, elem, more = httpsyntax.CutUnquoted(elem, ';')
		pair = trimOWS(pair)
		eq := strings.IndexByte(pair, '=')
		if eq < 0 || !strings.EqualFold(trimOWS(pair[:eq]), "for") {
			continue
		}
		if found {
			return netip.Addr{}, false // RFC 7239: a parameter occurs at most once per element
		}
		found = true
		value = trimOWS(pair[eq+1:])
	}
	if !found {
		return netip.Addr{}, false
	}
	if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
		value = unquote(value[1 : len(value)-1])
	}
	return ParseHop(value)
}

// unquote removes quoted-pair backslashes. Node values never contain them in
// practice, so the common case returns s unchanged without allocating.
func unquote(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// ParseHop parses one hop of a forwarding header: "192.0.2.1",
// "192.0.2.1:8080", "2001:db8::1", "[2001:db8::1]" or "[2001:db8::1]:8080".
// The port, whatever its form, is ignored: it never identifies a client.
func ParseHop(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return normal(a), true
	}
	if len(s) > 0 && s[0] == '[' {
		end := strings.IndexByte(s, ']')
		if end < 0 || (end+1 < len(s) && s[end+1] != ':') {
			return netip.Addr{}, false
		}
		a, err := netip.ParseAddr(s[1:end])
		if err != nil || !a.Is6() {
			return netip.Addr{}, false
		}
		return normal(a), true
	}
	// IPv4 with a port: the address is all before the last colon.
	if c := strings.LastIndexByte(s, ':'); c > 0 {
		a, err := netip.ParseAddr(s[:c])
		if err == nil && a.Is4() {
			return a, true
		}
	}
	return netip.Addr{}, false
}

// trimOWS trims the optional whitespace (SP, HTAB) of RFC 9110.
func trimOWS(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}
