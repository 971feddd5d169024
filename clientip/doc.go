// Package clientip answers "who is the client?" once per request, for every
// middleware after it. Behind a load balancer the TCP peer is the balancer;
// the client is in a forwarding header that only a proxy you trust may set.
//
//	resolve, err := clientip.New(clientip.WithTrustedProxies("10.0.0.0/8"))
//	if err != nil { ... }
//	handler := resolve(logging.New(logger)(mux)) // remote_ip is the client, not the balancer
//	// in a handler: addr, ok := clientip.FromContext(r.Context())
//
// # The rule
//
// The client is the TCP peer (r.RemoteAddr), unless the peer is inside a
// trusted CIDR. Then the one configured header (X-Forwarded-For by default)
// is walked right to left, the way each proxy appended to it: a trusted hop
// hands the question to the hop on its left; the first untrusted hop is the
// client; a malformed hop ends the walk at the last good address; when every
// hop is trusted, the left-most one is the client. So a client cannot pick
// its own address by sending the header itself (its entry is left of the one
// your proxy wrote), and a header other than the configured one is never
// read. Addresses are normalised: IPv4-mapped IPv6 is unmapped and zones are
// dropped. This is the rule ratelimit applies with its own WithTrustedProxies.
//
// # Who uses the answer
//
// New changes nothing on the request but its context: r.RemoteAddr stays the
// peer, headers stay as they came. logging logs the answer as remote_ip and
// ratelimit keys by it (unless it was given trusted proxies of its own), when
// New's middleware ran before them. Handlers read it with FromContext.
package clientip
