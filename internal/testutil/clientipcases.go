package testutil

// ClientIPCase is one request whose client IP a resolver must find, shared
// by internal/clientip's tests and package clientip's, so that every
// spoofing and malformed-header case is checked on both. Config names the
// resolver: "xff" (X-Forwarded-For, trusting 10.0.0.0/8 and
// 2001:db8:ffff::/48), "fwd" (Forwarded, trusting 10.0.0.0/8), "real"
// (X-Real-IP, trusting 10.0.0.0/8), "cf" (CF-Connecting-IP, trusting
// 10.0.0.0/8) or "direct" (no proxy trusted).
type ClientIPCase struct {
	Name   string
	Config string
	Peer   string   // RemoteAddr
	Header string   // the header to set, "" for none
	Values []string // its field lines
	Want   string
}

// ClientIPCases are the cases. The attacks are a client writing what a
// trusted proxy appends after it: none may make the resolver answer an
// address the client wrote.
var ClientIPCases = []ClientIPCase{
	{"no header", "xff", "10.0.0.1:1", "", nil, "10.0.0.1"},
	{"untrusted peer spoofing", "xff", "203.0.113.9:1", "X-Forwarded-For", []string{"1.2.3.4"}, "203.0.113.9"},
	{"untrusted peer, Forwarded", "fwd", "203.0.113.9:1", "Forwarded", []string{"for=1.2.3.4"}, "203.0.113.9"},
	{"trusted peer, one hop", "xff", "10.0.0.1:1", "X-Forwarded-For", []string{"198.51.100.7"}, "198.51.100.7"},
	{"spoofed left-most entry is ignored", "xff", "10.0.0.1:1", "X-Forwarded-For", []string{"6.6.6.6, 198.51.100.7"}, "198.51.100.7"},
	{"trusted chain walked right to left", "xff", "10.0.0.1:1", "X-Forwarded-For", []string{"6.6.6.6, 198.51.100.7, 10.9.9.9, 10.8.8.8"}, "198.51.100.7"},
	{"several field lines are one list", "xff", "10.0.0.1:1", "X-Forwarded-For", []string{"6.6.6.6, 198.51.100.7", "10.9.9.9"}, "198.51.100.7"},
	{"every hop trusted: left-most", "xff", "10.0.0.1:1", "X-Forwarded-For", []string{"10.3.3.3, 10.2.2.2"}, "10.3.3.3"},
	{"malformed hop stops at last good", "xff", "10.0.0.1:1", "X-Forwarded-For", []string{"198.51.100.7, garbage, 10.2.2.2"}, "10.2.2.2"},
	{"malformed right-most hop: the peer", "xff", "10.0.0.1:1", "X-Forwarded-For", []string{"198.51.100.7, garbage"}, "10.0.0.1"},
	{"empty elements skipped", "xff", "10.0.0.1:1", "X-Forwarded-For", []string{" , 198.51.100.7 ,, "}, "198.51.100.7"},
	{"hop with port", "xff", "10.0.0.1:1", "X-Forwarded-For", []string{"198.51.100.7:4711"}, "198.51.100.7"},
	{"IPv6 hop with port", "xff", "10.0.0.1:1", "X-Forwarded-For", []string{"[2001:db8::7]:4711"}, "2001:db8::7"},
	{"mapped IPv4 hop unmapped", "xff", "10.0.0.1:1", "X-Forwarded-For", []string{"::ffff:198.51.100.7"}, "198.51.100.7"},
	{"IPv6 trusted peer", "xff", "[2001:db8:ffff::1]:1", "X-Forwarded-For", []string{"2001:db8:1::5"}, "2001:db8:1::5"},
	{"mapped peer is IPv4", "xff", "[::ffff:10.0.0.1]:1", "X-Forwarded-For", []string{"198.51.100.7"}, "198.51.100.7"},
	{"other header never read", "xff", "10.0.0.1:1", "X-Real-IP", []string{"198.51.100.7"}, "10.0.0.1"},
	{"X-Real-IP", "real", "10.0.0.1:1", "X-Real-IP", []string{"198.51.100.7"}, "198.51.100.7"},
	{"X-Real-IP ignores XFF", "real", "10.0.0.1:1", "X-Forwarded-For", []string{"198.51.100.7"}, "10.0.0.1"},
	{"Forwarded", "fwd", "10.0.0.1:1", "Forwarded", []string{`for=6.6.6.6, for=198.51.100.7;proto=https, for=10.2.2.2;by=10.0.0.1`}, "198.51.100.7"},
	{"Forwarded quoted IPv6 with port", "fwd", "10.0.0.1:1", "Forwarded", []string{`For="[2001:db8:cafe::17]:4711"`}, "2001:db8:cafe::17"},
	{"Forwarded quoted comma is not a separator", "fwd", "10.0.0.1:1", "Forwarded", []string{`for=198.51.100.7;x="a, for=6.6.6.6"`}, "198.51.100.7"},
	{"Forwarded unknown stops", "fwd", "10.0.0.1:1", "Forwarded", []string{`for=198.51.100.7, for=unknown, for=10.2.2.2`}, "10.2.2.2"},
	{"Forwarded obfuscated stops", "fwd", "10.0.0.1:1", "Forwarded", []string{`for=_hidden`}, "10.0.0.1"},
	{"Forwarded element without for stops", "fwd", "10.0.0.1:1", "Forwarded", []string{`for=198.51.100.7, proto=http`}, "10.0.0.1"},
	{"Forwarded repeated for stops", "fwd", "10.0.0.1:1", "Forwarded", []string{`for=198.51.100.7;for=6.6.6.6`}, "10.0.0.1"},
	{"Forwarded attack: unbalanced quote in the client's part", "fwd", "10.0.0.1:1", "Forwarded", []string{`for=203.0.113.7;x=", for=198.51.100.7`}, "198.51.100.7"},
	{"Forwarded attack: quote in the client's for", "fwd", "10.0.0.1:1", "Forwarded", []string{`for="203.0.113.7, for=198.51.100.7`}, "198.51.100.7"},
	{"Forwarded attack: quoted proxy element after an open quote", "fwd", "10.0.0.1:1", "Forwarded", []string{`for=203.0.113.7;x=", for="198.51.100.7:80";proto=https`}, "198.51.100.7"},
	{"Forwarded attack: through a trusted chain", "fwd", "10.0.0.1:1", "Forwarded", []string{`for=203.0.113.7;x=", for=198.51.100.7, for=10.2.2.2`}, "198.51.100.7"},
	{"Forwarded attack: trailing backslash", "fwd", "10.0.0.1:1", "Forwarded", []string{`for=203.0.113.7;x=\`, `for=198.51.100.7`}, "198.51.100.7"},
	{"Forwarded attack: quote opened on the client's line", "fwd", "10.0.0.1:1", "Forwarded", []string{`for=203.0.113.7;x="`, `for=198.51.100.7`}, "198.51.100.7"},
	{"Forwarded unbalanced quote left of trusted hops stops at the last good", "fwd", "10.0.0.1:1", "Forwarded", []string{`for=203.0.113.7;x=", for=10.3.3.3, for=10.2.2.2`}, "10.3.3.3"},
	{"Forwarded escaped closing quote is malformed", "fwd", "10.0.0.1:1", "Forwarded", []string{`for=203.0.113.7, for=10.3.3.3;x="a\"`}, "10.0.0.1"},
	{"Forwarded quoted-pair inside a value", "fwd", "10.0.0.1:1", "Forwarded", []string{`for=198.51.100.7;x="a\",b", for=10.3.3.3`}, "198.51.100.7"},
	{"Forwarded ignores XFF", "fwd", "10.0.0.1:1", "X-Forwarded-For", []string{"198.51.100.7"}, "10.0.0.1"},
	{"peer without port", "xff", "192.0.2.5", "", nil, "192.0.2.5"},
	{"zone dropped", "xff", "[fe80::1%eth0]:1", "", nil, "fe80::1"},
	{"no proxy trusted: header ignored", "direct", "203.0.113.9:1", "X-Forwarded-For", []string{"1.2.3.4"}, "203.0.113.9"},
	{"X-Real-IP malformed: the peer", "real", "10.0.0.1:1", "X-Real-IP", []string{"198.51.100.7 evil"}, "10.0.0.1"},
	{"any single-IP header", "cf", "10.0.0.1:1", "Cf-Connecting-Ip", []string{"198.51.100.9"}, "198.51.100.9"},
}
