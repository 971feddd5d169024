package clientip

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/seed1f3c5038/mw/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// resolved runs mw on a request from peer with the header's field lines and
// returns what FromContext gave the handler.
func resolved(t testing.TB, mw func(http.Handler) http.Handler, peer, header string, values []string) (netip.Addr, bool) {
	t.Helper()
	var got netip.Addr
	var ok, ran bool
	h := mw(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		ran = true
		got, ok = FromContext(r.Context())
		if r.RemoteAddr != peer {
			t.Errorf("RemoteAddr changed: %q, want %q", r.RemoteAddr, peer)
		}
	}))
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = peer
	for _, v := range values {
		r.Header.Add(header, v)
	}
	h.ServeHTTP(httptest.NewRecorder(), r)
	require.True(t, ran, "the handler runs")
	return got, ok
}

func mustNew(t testing.TB, opts ...Option) func(http.Handler) http.Handler {
	t.Helper()
	mw, err := New(opts...)
	require.NoError(t, err)
	return mw
}

func TestNewErrorsNameTheBadValue(t *testing.T) {
	for _, tc := range []struct {
		opts []Option
		bad  string
	}{
		{[]Option{WithTrustedProxies("10.0.0.0/33")}, `"10.0.0.0/33"`},
		{[]Option{WithTrustedProxies("10.0.0.0/8", "not-an-ip")}, `"not-an-ip"`},
		{[]Option{WithTrustedProxies("fe80::1%eth0")}, `"fe80::1%eth0"`},
		{[]Option{WithTrustedProxies("10.0.0.0/8"), WithHeader("X Forwarded")}, `"X Forwarded"`},
		{[]Option{WithTrustedProxies("10.0.0.0/8"), WithHeader("")}, `""`},
		{[]Option{WithHeader("X-Real-IP")}, "without WithTrustedProxies"},
	} {
		_, err := New(tc.opts...)
		require.Error(t, err, tc.bad)
		assert.True(t, strings.HasPrefix(err.Error(), "clientip: "), err.Error())
		assert.Contains(t, err.Error(), tc.bad)
	}
	_, err := New(nil, WithTrustedProxies("192.0.2.1", "::1"), WithHeader("forwarded"))
	assert.NoError(t, err, "a nil Option is ignored; single addresses and any header case are fine")
}

// Every spoofing and malformed-header case of the resolver
// (testutil.ClientIPCases), through the middleware.
func TestResolve(t *testing.T) {
	mws := map[string]func(http.Handler) http.Handler{
		"xff":    mustNew(t, WithTrustedProxies("10.0.0.0/8", "2001:db8:ffff::/48")),
		"fwd":    mustNew(t, WithTrustedProxies("10.0.0.0/8"), WithHeader("Forwarded")),
		"real":   mustNew(t, WithTrustedProxies("10.0.0.0/8"), WithHeader("x-real-ip")),
		"cf":     mustNew(t, WithTrustedProxies("10.0.0.0/8"), WithHeader("CF-Connecting-IP")),
		"direct": mustNew(t),
	}
	for _, tc := range testutil.ClientIPCases {
		t.Run(tc.Name, func(t *testing.T) {
			got, ok := resolved(t, mws[tc.Config], tc.Peer, tc.Header, tc.Values)
			require.True(t, ok)
			assert.Equal(t, tc.Want, got.String())
		})
	}
}

func TestNonIPPeerGetsNoAnswer(t *testing.T) {
	mw := mustNew(t, WithTrustedProxies("0.0.0.0/0"))
	_, ok := resolved(t, mw, "@", "X-Forwarded-For", []string{"1.2.3.4"})
	assert.False(t, ok, "a Unix-socket peer cannot vouch for a header")
}

func TestFromContextOutsideTheMiddleware(t *testing.T) {
	_, ok := FromContext(context.Background())
	assert.False(t, ok)
}

// Over a real connection: the peer is 127.0.0.1, trusted or not.
func TestRealServer(t *testing.T) {
	serve := func(mw func(http.Handler) http.Handler) *httptest.Server {
		return httptest.NewServer(mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			addr, ok := FromContext(r.Context())
			io.WriteString(w, strconv.FormatBool(ok)+" "+addr.String()+" "+r.RemoteAddr)
		})))
	}
	get := func(url, xff string) []string {
		req, err := http.NewRequest("GET", url, nil)
		require.NoError(t, err)
		req.Header.Set("X-Forwarded-For", xff)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return strings.Fields(string(b))
	}

	untrusted := serve(mustNew(t, WithTrustedProxies("10.0.0.0/8")))
	defer untrusted.Close()
	got := get(untrusted.URL, "203.0.113.50")
	assert.Equal(t, []string{"true", "127.0.0.1"}, got[:2], "a client cannot choose its address")
	assert.True(t, strings.HasPrefix(got[2], "127.0.0.1:"), "RemoteAddr stays the peer")

	trusted := serve(mustNew(t, WithTrustedProxies("127.0.0.0/8")))
	defer trusted.Close()
	got = get(trusted.URL, "6.6.6.6, 203.0.113.50")
	assert.Equal(t, []string{"true", "203.0.113.50"}, got[:2], "the hop the trusted proxy wrote")
	assert.True(t, strings.HasPrefix(got[2], "127.0.0.1:"), "RemoteAddr stays the peer")
}

// The hops a fuzzed request is built from. trusted is inside the test's
// CIDRs; the address of a mapped hop is its unmapped form.
var fuzzHops = []struct {
	text    string // as an address literal
	addr    string // the client it stands for
	v6      bool
	trusted bool
}{
	{"10.0.0.1", "10.0.0.1", false, true},
	{"10.200.3.4", "10.200.3.4", false, true},
	{"2001:db8:ffff::1", "2001:db8:ffff::1", true, true},
	{"198.51.100.7", "198.51.100.7", false, false},
	{"203.0.113.9", "203.0.113.9", false, false},
	{"2001:db8:1::5", "2001:db8:1::5", true, false},
	{"::ffff:198.51.100.8", "198.51.100.8", true, false},
	{"::ffff:10.9.9.9", "10.9.9.9", true, true},
}

// format writes hop h in one of the spellings proxies use; junk is never an
// address in any spelling (it starts with '_', an RFC 7239 obfuscated node).
func format(forwarded bool, h int, style byte, junk string) string {
	if h < 0 {
		if forwarded {
			return "for=" + junk
		}
		return junk
	}
	hop := fuzzHops[h]
	var node string
	switch style % 3 {
	case 0:
		node = hop.text
	case 1: // with a port
		if hop.v6 {
			node = "[" + hop.text + "]:4711"
		} else {
			node = hop.text + ":4711"
		}
	default: // bracketed IPv6, or IPv4 with spaces around
		if hop.v6 {
			node = "[" + hop.text + "]"
		} else {
			node = " " + hop.text + "\t"
		}
	}
	if !forwarded {
		return node
	}
	node = strings.TrimSpace(node)
	if hop.v6 || style%3 == 1 {
		node = `"` + node + `"` // RFC 7239: IPv6 and ports must be quoted
	}
	switch style / 3 % 3 {
	case 0:
		return "for=" + node
	case 1:
		return "For=" + node + ";proto=https"
	default:
		return `by=10.0.0.1;for=` + node + `;host="a,b;c"`
	}
}

// FuzzResolve builds requests from known hops and an arbitrary junk node,
// and checks the answer against the rule computed on the hops themselves,
// not on the header text: the untrusted peer; otherwise the first untrusted
// hop from the right, the last good address before junk, or the left-most
// hop when all are trusted. So the answer is always the peer or an address
// a trusted hop wrote.
func FuzzResolve(f *testing.F) {
	f.Add(uint8(0), []byte{3, 0x10, 1}, "_x", false, false)
	f.Add(uint8(3), []byte{4, 0}, "_y", true, false)
	f.Add(uint8(2), []byte{0xff, 5, 0x21, 6, 2}, "_obf", true, true)
	f.Add(uint8(1), []byte{7, 7, 0x33, 0xf0}, "_", false, true)
	trusted := []string{"10.0.0.0/8", "2001:db8:ffff::/48"}
	xff := mustNew(f, WithTrustedProxies(trusted...))
	fwd := mustNew(f, WithTrustedProxies(trusted...), WithHeader("Forwarded"))
	peers := []string{"10.0.0.2:1", "[2001:db8:ffff::9]:1", "198.51.100.99:1", "[::ffff:10.1.1.1]:1"}
	peerTrusted := []bool{true, true, false, true}
	peerAddr := []string{"10.0.0.2", "2001:db8:ffff::9", "198.51.100.99", "10.1.1.1"}

	f.Fuzz(func(t *testing.T, peerSel uint8, spec []byte, junk string, forwarded, split bool) {
		if len(spec) > 16 {
			spec = spec[:16]
		}
		junk = "_" + strings.Map(func(r rune) rune {
			if r <= ' ' || r >= 0x7f || strings.ContainsRune(`,;"\`, r) {
				return -1
			}
			return r
		}, junk)
		p := int(peerSel) % len(peers)

		// The hops, left to right: -1 is junk.
		hops := make([]int, len(spec))
		var items []string
		for i, b := range spec {
			hops[i] = int(b&0x0f) - 1
			if hops[i] >= len(fuzzHops) {
				hops[i] = -1
			}
			items = append(items, format(forwarded, hops[i], b>>4, junk))
		}
		var values []string
		if split && len(items) > 1 {
			values = []string{strings.Join(items[:len(items)/2], ","), strings.Join(items[len(items)/2:], ", ")}
		} else if len(items) > 0 {
			values = []string{strings.Join(items, ", ")}
		}

		want := peerAddr[p]
		if peerTrusted[p] {
			for i := len(hops) - 1; i >= 0; i-- {
				if hops[i] < 0 {
					break
				}
				want = fuzzHops[hops[i]].addr
				if !fuzzHops[hops[i]].trusted {
					break
				}
			}
		}

		mw, header := xff, "X-Forwarded-For"
		if forwarded {
			mw, header = fwd, "Forwarded"
		}
		got, ok := resolved(t, mw, peers[p], header, values)
		if !ok || got.String() != want {
			t.Fatalf("peer %s, %s: %q: got %v (ok %v), want %s", peers[p], header, values, got, ok, want)
		}
	})
}

// FuzzResolveRaw feeds arbitrary peers and header bytes: the middleware
// never panics, never changes the request, and never takes an untrusted
// peer's header.
func FuzzResolveRaw(f *testing.F) {
	f.Add("10.0.0.1:1", "6.6.6.6, 198.51.100.7", false)
	f.Add("10.0.0.1:1", `for="[2001:db8::1]:80";proto=http, for=_x`, true)
	f.Add("203.0.113.1:1", "1.2.3.4", false)
	f.Add("garbage", "1.2.3.4", false)
	f.Add("10.0.0.1:1", `for="\"`, true)
	xff := mustNew(f, WithTrustedProxies("10.0.0.0/8"))
	fwd := mustNew(f, WithTrustedProxies("10.0.0.0/8"), WithHeader("Forwarded"))
	f.Fuzz(func(t *testing.T, peer, value string, forwarded bool) {
		mw, header := xff, "X-Forwarded-For"
		if forwarded {
			mw, header = fwd, "Forwarded"
		}
		got, ok := resolved(t, mw, peer, header, []string{value})
		p, err := netip.ParseAddrPort(peer)
		if err != nil {
			return // other peer spellings are the parser's tests
		}
		pa := p.Addr().WithZone("").Unmap()
		if !ok {
			t.Fatalf("peer %q: no answer", peer)
		}
		if !got.IsValid() || got.Zone() != "" || got.Is4In6() {
			t.Fatalf("unnormalised answer %v", got)
		}
		if !netip.MustParsePrefix("10.0.0.0/8").Contains(pa) && got != pa {
			t.Fatalf("untrusted peer %v, answer %v taken from %q", pa, got, value)
		}
	})
}

// The contract of API.md, checked by the compiler.
var (
	_ func(...Option) (func(http.Handler) http.Handler, error) = New
	_ func(...string) Option                                   = WithTrustedProxies
	_ func(string) Option                                      = WithHeader
	_ func(context.Context) (netip.Addr, bool)                 = FromContext
)
