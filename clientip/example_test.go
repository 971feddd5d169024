package clientip_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/seed1f3c5038/mw/clientip"
)

// Behind a load balancer at 10.0.0.0/8: the client is the hop the balancer
// appended, not whatever the client wrote to the left of it.
func ExampleNew() {
	resolve, err := clientip.New(clientip.WithTrustedProxies("10.0.0.0/8"))
	if err != nil {
		panic(err)
	}
	h := resolve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		addr, _ := clientip.FromContext(r.Context())
		fmt.Println("client:", addr, "peer:", r.RemoteAddr)
	}))

	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "10.0.0.7:41000"                           // the balancer
	r.Header.Set("X-Forwarded-For", "6.6.6.6, 198.51.100.23") // "6.6.6.6" was sent by the client
	h.ServeHTTP(httptest.NewRecorder(), r)

	r = httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "203.0.113.5:52000" // not a trusted proxy: its header is not read
	r.Header.Set("X-Forwarded-For", "1.2.3.4")
	h.ServeHTTP(httptest.NewRecorder(), r)
	// Output:
	// client: 198.51.100.23 peer: 10.0.0.7:41000
	// client: 203.0.113.5 peer: 203.0.113.5:52000
}

// Misconfiguration is an error that names the bad value.
func ExampleWithTrustedProxies() {
	_, err := clientip.New(clientip.WithTrustedProxies("10.0.0.0/33"))
	fmt.Println(err != nil)
	_, err = clientip.New(clientip.WithHeader("X-Real-IP"))
	fmt.Println(err)
	// Output:
	// true
	// clientip: WithHeader("X-Real-IP") without WithTrustedProxies: the header would never be read
}

// RFC 7239 Forwarded, from a proxy at 192.0.2.1.
func ExampleWithHeader() {
	resolve, err := clientip.New(clientip.WithTrustedProxies("192.0.2.1"), clientip.WithHeader("Forwarded"))
	if err != nil {
		panic(err)
	}
	h := resolve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		addr, ok := clientip.FromContext(r.Context())
		fmt.Println(addr, ok)
	}))
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "192.0.2.1:443"
	r.Header.Set("Forwarded", `for="[2001:db8:cafe::17]:4711";proto=https`)
	h.ServeHTTP(httptest.NewRecorder(), r)
	// Output:
	// 2001:db8:cafe::17 true
}
