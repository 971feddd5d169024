package ratelimit

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/seed1f3c5038/mw/internal/clientip"
)

func TestAppendAddr(t *testing.T) {
	for _, tc := range []struct {
		addr string
		bits int
		want string
	}{
		{"192.0.2.1", 64, "192.0.2.1"},
		{"2001:db8:1:2:3:4:5:6", 64, "2001:db8:1:2::/64"},
		{"2001:db8:1:2:3:4:5:6", 48, "2001:db8:1::/48"},
		{"2001:db8:1:2:3:4:5:6", 128, "2001:db8:1:2:3:4:5:6"},
	} {
		got := appendAddr(nil, netip.MustParseAddr(tc.addr), tc.bits)
		assert.Equal(t, tc.want, string(got))
	}
}

// FuzzClientKey checks the middleware's key for arbitrary peers and
// forwarding headers: it never panics, an untrusted peer is keyed by its own
// address, and a trusted one by its own address or one that appears in the
// header, never by anything else.
func FuzzClientKey(f *testing.F) {
	f.Add("10.0.0.1:1", "198.51.100.7, 10.0.0.2", "for=198.51.100.7")
	f.Add("203.0.113.1:1", "198.51.100.7", "for=\"[2001:db8::1]\"")
	f.Add("[2001:db8::1]:1", "", "")
	f.Add("@", "1.2.3.4", "for=1.2.3.4")
	xff, err := New("10-M", WithTrustedProxies("10.0.0.0/8"))
	if err != nil {
		f.Fatal(err)
	}
	defer xff.Close()
	fwd, err := New("10-M", WithTrustedProxies("10.0.0.0/8"), WithClientIPHeader("Forwarded"))
	if err != nil {
		f.Fatal(err)
	}
	defer fwd.Close()
	direct, err := New("10-M")
	if err != nil {
		f.Fatal(err)
	}
	defer direct.Close()
	f.Fuzz(func(t *testing.T, peer, xffValue, fwdValue string) {
		r := request(peer)
		r.Header["X-Forwarded-For"] = []string{xffValue}
		r.Header["Forwarded"] = []string{fwdValue}
		for _, l := range []*Limiter{xff, fwd, direct} {
			key := string(l.appendClient(nil, r))
			p, ok := clientip.ParsePeer(peer)
			if !ok {
				if key != peer && !(peer == "" && key == "unknown") {
					t.Fatalf("non-IP peer %q keyed %q", peer, key)
				}
				continue
			}
			own := string(appendAddr(nil, p, 64))
			if !l.ips.Trusted(p) {
				if key != own {
					t.Fatalf("untrusted peer %q keyed %q, not %q", peer, key, own)
				}
				continue
			}
			if key == own {
				continue
			}
			header := xffValue
			if l == fwd {
				header = fwdValue
			}
			// The key is an address, or an IPv6 /64, found in the header.
			k, _, _ := strings.Cut(key, "/")
			a, err := netip.ParseAddr(k)
			if err != nil {
				t.Fatalf("key %q is not an address", key)
			}
			if a.Is4() && !strings.Contains(header, key) && !strings.Contains(strings.ToLower(header), "ffff:"+key) && !strings.Contains(strings.ToLower(header), "ffff:") {
				t.Fatalf("key %q not in header %q", key, header)
			}
			if a.Is6() && strings.IndexByte(header, ':') < 0 {
				t.Fatalf("IPv6 key %q from a header without one: %q", key, header)
			}
		}
	})
}
