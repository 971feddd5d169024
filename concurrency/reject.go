package concurrency

import (
	"net/http"

	"github.com/seed1f3c5038/mw/internal/clientip"
	"github.com/seed1f3c5038/mw/internal/httpsyntax"
)

// ProblemType is the RFC 9457 problem type of the default rejection, from
// IANA's HTTP Problem Types registry.
const ProblemType = "https://iana.org/assignments/http-problem-types#temporary-reduced-capacity"

var (
	problemBody = []byte(`{"type":"` + ProblemType + `","title":"Service Unavailable","status":503,` +
		`"detail":"The server is at capacity. Retry after the number of seconds in Retry-After."}` + "\n")
	textBody = []byte("Service Unavailable: the server is at capacity, retry later\n")
)

// unavailable is the default rejection. Retry-After is 1 s: places free
// as requests finish, within a second for any handler worth protecting
// this way, and clients that honour it spread their retries by no less.
func unavailable(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h["Retry-After"] = []string{"1"}
	h["Cache-Control"] = []string{"no-store"}
	body := textBody
	if httpsyntax.PrefersJSON(r.Header["Accept"]) {
		h["Content-Type"] = []string{"application/problem+json"}
		body = problemBody
	} else {
		h["Content-Type"] = []string{"text/plain; charset=utf-8"}
		h["X-Content-Type-Options"] = []string{"nosniff"}
	}
	w.WriteHeader(http.StatusServiceUnavailable)
	w.Write(body)
}

// clientIP is the key of a request when WithKey's function gives none:
// the address package clientip resolved when it ran before (so a server
// behind trusted proxies keys by the real client), else the TCP peer.
func clientIP(r *http.Request) string {
	if a, ok := clientip.AddrFromContext(r.Context()); ok {
		return a.String()
	}
	return clientip.PeerHost(r.RemoteAddr)
}
