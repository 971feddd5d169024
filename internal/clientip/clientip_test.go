package clientip

import (
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/seed1f3c5038/mw/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewRejectsBadConfig(t *testing.T) {
	for _, tc := range []struct{ header, cidr string }{
		{"", "10.0.0.0/8"},
		{"X Forwarded", "10.0.0.0/8"},
		{"X-Forwarded-For", "10.0.0.0/33"},
		{"X-Forwarded-For", "not-an-ip"},
		{"X-Forwarded-For", "fe80::1%eth0"},
		{"X-Forwarded-For", "::ffff:10.0.0.0/8"},
	} {
		_, err := New(tc.header, tc.cidr)
		require.Error(t, err, "%q %q", tc.header, tc.cidr)
		assert.Contains(t, err.Error(), "clientip:")
	}
}

func TestParsePrefix(t *testing.T) {
	for in, want := range map[string]string{
		"10.1.2.3/8":          "10.0.0.0/8",
		"192.0.2.1":           "192.0.2.1/32",
		"::1":                 "::1/128",
		"::ffff:10.0.0.0/104": "10.0.0.0/8",
		"::ffff:192.0.2.7":    "192.0.2.7/32",
		" 2001:db8::/32 ":     "2001:db8::/32",
	} {
		p, err := ParsePrefix(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, p.String(), in)
	}
}

func TestClientIP(t *testing.T) {
	resolvers := map[string]*Resolver{}
	for name, cfg := range map[string][]string{
		"xff":    {"x-forwarded-for", "10.0.0.0/8", "2001:db8:ffff::/48"},
		"fwd":    {"Forwarded", "10.0.0.0/8"},
		"real":   {"X-Real-IP", "10.0.0.0/8"},
		"cf":     {"CF-Connecting-IP", "10.0.0.0/8"},
		"direct": {"X-Forwarded-For"},
	} {
		res, err := New(cfg[0], cfg[1:]...)
		require.NoError(t, err)
		resolvers[name] = res
	}
	for _, tc := range testutil.ClientIPCases {
		t.Run(tc.Name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.Peer
			for _, v := range tc.Values {
				r.Header.Add(tc.Header, v)
			}
			got, ok := resolvers[tc.Config].ClientIP(r)
			require.True(t, ok)
			assert.Equal(t, tc.Want, got.String())
		})
	}
}

func TestClientIPNonIPPeer(t *testing.T) {
	res, err := New("X-Forwarded-For", "0.0.0.0/0")
	require.NoError(t, err)
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "@"
	r.Header.Set("X-Forwarded-For", "1.2.3.4")
	_, ok := res.ClientIP(r)
	assert.False(t, ok, "a Unix-socket peer cannot vouch for a header")
}

func TestWalkListDoesNotAllocate(t *testing.T) {
	res, err := New("X-Forwarded-For", "10.0.0.0/8")
	require.NoError(t, err)
	values := []string{"6.6.6.6, 198.51.100.7, 10.9.9.9"}
	allocs := testing.AllocsPerRun(100, func() { res.Resolve("10.0.0.1:1", values) })
	assert.Zero(t, allocs)
}

// referenceList is the obvious, allocating version of walkList, to check
// the fast one against.
func referenceList(r *Resolver, peer netip.Addr, values []string) netip.Addr {
	var items []string
	for _, v := range values {
		for _, it := range strings.Split(v, ",") {
			if it = strings.Trim(it, " \t"); it != "" {
				items = append(items, it)
			}
		}
	}
	cur := peer
	for i := len(items) - 1; i >= 0; i-- {
		a, ok := ParseHop(items[i])
		if !ok {
			return cur
		}
		cur = a
		if !r.Trusted(a) {
			return a
		}
	}
	return cur
}

// FuzzResolve feeds arbitrary peers and header values. Whatever comes in,
// Resolve never panics, an untrusted peer is its own key, and for X-Forwarded-For
// the answer is the reference walk's.
func FuzzResolve(f *testing.F) {
	for _, s := range [][3]string{
		{"10.0.0.1:1", "6.6.6.6, 198.51.100.7", "X-Forwarded-For"},
		{"10.0.0.1:1", "for=198.51.100.7;proto=http, for=\"[2001:db8::1]:80\"", "Forwarded"},
		{"203.0.113.1:1", "1.2.3.4", "X-Forwarded-For"},
		{"[::ffff:10.0.0.1]:80", "::ffff:1.2.3.4, 10.0.0.2", "X-Real-IP"},
		{"10.0.0.1:1", "for=\"\\\"", "Forwarded"},
		{"10.0.0.1:1", ",,,[", "X-Forwarded-For"},
		{"garbage", "1.2.3.4", "X-Forwarded-For"},
		{"10.0.0.1:1", "[::1]x, 1.2.3.4:", "X-Forwarded-For"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	xff, _ := New("X-Forwarded-For", "10.0.0.0/8", "::1/128")
	fwd, _ := New("Forwarded", "10.0.0.0/8", "::1/128")
	f.Fuzz(func(t *testing.T, peer, value, header string) {
		res := xff
		if header == "Forwarded" {
			res = fwd
		}
		values := []string{value, value + ", 10.1.1.1"}
		got, ok := res.Resolve(peer, values)
		p, pok := ParsePeer(peer)
		if ok != pok {
			t.Fatalf("ok=%v for peer %q", ok, peer)
		}
		if !ok {
			return
		}
		if !got.IsValid() || got.Zone() != "" || got.Is4In6() {
			t.Fatalf("invalid or unnormalised client %v", got)
		}
		if !res.Trusted(p) {
			if got != p {
				t.Fatalf("untrusted peer %v, client %v chosen from the header", p, got)
			}
			return
		}
		if res == xff {
			if want := referenceList(res, p, values); got != want {
				t.Fatalf("peer %q values %q: got %v, reference %v", peer, values, got, want)
			}
		}
	})
}

// fuzzHops are the addresses trusted proxies write in FuzzClientCannotChooseKey:
// trusted ones (10/8, ::1) and untrusted ones, in every notation.
var fuzzHops = []struct {
	addr     string // the address
	xff, fwd string // how X-Forwarded-For and Forwarded write it
	trusted  bool
}{
	{"198.51.100.7", "198.51.100.7", "for=198.51.100.7", false},
	{"198.51.100.8", "198.51.100.8:4711", `for="198.51.100.8:4711";proto=https`, false},
	{"2001:db8::9", "[2001:db8::9]:443", `For="[2001:db8::9]:443"`, false},
	{"2001:db8::a", "2001:db8::a", `proto=http;for="[2001:db8::a]";by=10.0.0.1`, false},
	{"10.2.2.2", "10.2.2.2", "for=10.2.2.2", true},
	{"10.3.3.3", "10.3.3.3:80", `for="10.3.3.3:80";host="a,b"`, true},
	{"::1", "[::1]", `for="[::1]"`, true},
}

// FuzzClientCannotChooseKey is the attacker's view: the client writes any
// prefix of the header (any bytes, unbalanced quotes, several lines); then
// each trusted proxy on the way appends the address of its peer, on the
// client's last line or on a line of its own, and the last proxy is the
// TCP peer. Oracle: if the proxies wrote an untrusted address, the answer
// is the right-most such address, whatever the prefix; only when every
// address they wrote is trusted may the prefix be read at all.
func FuzzClientCannotChooseKey(f *testing.F) {
	f.Add(`for=203.0.113.7;x="`, []byte{0}, uint8(0))
	f.Add(`for=203.0.113.7;x="`, []byte{4, 1}, uint8(1))
	f.Add(`for="203.0.113.7`, []byte{2, 5, 6}, uint8(2))
	f.Add("203.0.113.7, \\\"", []byte{3, 4}, uint8(3))
	f.Add(`a="\"`, []byte{1}, uint8(4))
	f.Add("", []byte{4, 5}, uint8(5))
	xff, _ := New("X-Forwarded-For", "10.0.0.0/8", "::1/128")
	fwd, _ := New("Forwarded", "10.0.0.0/8", "::1/128")
	f.Fuzz(func(t *testing.T, prefix string, chain []byte, style uint8) {
		if len(chain) == 0 || len(chain) > 8 {
			return
		}
		res, forwarded := xff, style&1 == 1
		if forwarded {
			res = fwd
		}
		values := strings.Split(prefix, "\n") // the client may send several lines
		want := ""
		for i, c := range chain {
			h := fuzzHops[int(c)%len(fuzzHops)]
			elem := h.xff
			if forwarded {
				elem = h.fwd
			}
			// Bit i+1 of style: this proxy starts a line of its own.
			if style&(2<<i) != 0 || values[len(values)-1] == "" {
				values = append(values, elem)
			} else {
				values[len(values)-1] += ", " + elem
			}
			if !h.trusted {
				want = h.addr
			}
		}
		got, ok := res.Resolve("10.0.0.1:1", values)
		if !ok {
			t.Fatal("trusted peer not resolved")
		}
		if want != "" && got.String() != want {
			t.Fatalf("header %q: client %v, want %v (what the proxies wrote)", values, got, want)
		}
	})
}

func TestParsePeer(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1:80":          "192.0.2.1",
		"192.0.2.1":             "192.0.2.1",
		"[2001:db8::1]:443":     "2001:db8::1",
		"2001:db8::1":           "2001:db8::1",
		"::1":                   "::1",
		"[::ffff:192.0.2.1]:80": "192.0.2.1",
		"[fe80::1%eth0]:80":     "fe80::1",
	} {
		a, ok := ParsePeer(in)
		require.True(t, ok, in)
		assert.Equal(t, want, a.String(), in)
	}
	for _, in := range []string{"", "@", "pipe", "192.0.2.1:80:80", "[::1]", "[::1:80", "example.com:80"} {
		_, ok := ParsePeer(in)
		assert.False(t, ok, in)
	}
}
