package ratelimit

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/seed1f3c5038/mw/internal/httpsyntax"
)

// HeaderStyle chooses the rate limit fields sent on responses.
type HeaderStyle int

const (
	// XRateLimit sends X-RateLimit-Limit, X-RateLimit-Remaining and
	// X-RateLimit-Reset (Unix seconds, rounded up), the de facto fields of
	// GitHub and most APIs.
	XRateLimit HeaderStyle = iota
	// IETF sends the fields of draft-ietf-httpapi-ratelimit-headers-10:
	// RateLimit-Policy lists every window (`"name";q=100;w=60`), and so
	// does RateLimit (`"name";r=50;t=30`, t in seconds until its reset).
	IETF
	// Both sends both sets.
	Both
	// NoHeaders sends none (Retry-After is still sent on 429).
	NoHeaders
)

// Canonical header names, so that writes go straight into the map without
// canonicalising (and without Add's duplicates when limiters are stacked).
const (
	hLimit      = "X-Ratelimit-Limit"
	hRemaining  = "X-Ratelimit-Remaining"
	hReset      = "X-Ratelimit-Reset"
	hPolicy     = "Ratelimit-Policy"
	hRateLimit  = "Ratelimit"
	hRetryAfter = "Retry-After"
	hCType      = "Content-Type"
	hNoSniff    = "X-Content-Type-Options"
)

// ietfPolicy is the RateLimit-Policy value: every window, one list member
// each.
func ietfPolicy(ws []window) string {
	var b strings.Builder
	for i := range ws {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(ws[i].policy)
		b.WriteString(";q=")
		b.WriteString(ws[i].limit)
		b.WriteString(";w=")
		b.WriteString(strconv.FormatInt(ws[i].seconds, 10))
	}
	return b.String()
}

// ctxSlots is how many header values a resultContext holds: enough for the
// default style, so that the common case takes one allocation for both.
const ctxSlots = 3

// writeHeaders sets the rate limit fields for decision d and, with deny,
// Retry-After. The values are one-element slices of vals, which the caller
// may supply to share an allocation (a new one is made when it is too
// short).
func (l *Limiter) writeHeaders(h http.Header, d *decision, deny bool, vals []string) {
	n := 0
	switch l.headers {
	case XRateLimit:
		n = 3
	case IETF:
		n = 2
	case Both:
		n = 5
	}
	if deny {
		n++
	}
	if n == 0 {
		return
	}
	if len(vals) < n {
		vals = make([]string, n)
	}
	i := 0
	set := func(k, v string) {
		vals[i] = v
		h[k] = vals[i : i+1 : i+1]
		i++
	}
	if l.headers == XRateLimit || l.headers == Both {
		w := &l.windows[d.win]
		limit := w.limit
		if d.res.Limit != w.rate.Limit {
			limit = strconv.FormatInt(d.res.Limit, 10) // an instance's share, while degraded
		}
		set(hLimit, limit)
		set(hRemaining, strconv.FormatInt(d.res.Remaining, 10))
		set(hReset, strconv.FormatInt(unixCeil(d.res.Reset), 10))
	}
	var now time.Time
	if deny || l.headers == IETF || l.headers == Both {
		now = time.Now()
	}
	if l.headers == IETF || l.headers == Both {
		set(hPolicy, l.policy)
		set(hRateLimit, l.ietfRateLimit(d, now))
	}
	if deny {
		set(hRetryAfter, strconv.FormatInt(retryAfterSeconds(d.res.Reset, now), 10))
	}
}

// ietfRateLimit is the RateLimit value: one item per window,
// `"name";r=<remaining>;t=<seconds until its reset>`.
func (l *Limiter) ietfRateLimit(d *decision, now time.Time) string {
	var buf [160]byte
	b := buf[:0]
	for i := 0; i < d.n; i++ {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, l.windows[i].policy...)
		b = append(b, ";r="...)
		b = strconv.AppendInt(b, d.ws[i].remaining(), 10)
		b = append(b, ";t="...)
		b = strconv.AppendInt(b, secondsUntil(d.ws[i].reset, now), 10)
	}
	return string(b)
}

// denyBody writes the default 429: RFC 9457 problem details when the
// client prefers JSON, else one line of text.
func (l *Limiter) denyBody(w http.ResponseWriter, r *http.Request, d *decision) {
	body, ctype := textBody, "text/plain; charset=utf-8"
	if httpsyntax.PrefersJSON(r.Header.Values("Accept")) {
		body, ctype = l.problemBody(d), "application/problem+json"
	}
	// One allocation holds both header values, as in writeHeaders.
	vals := []string{"nosniff", ctype}
	h := w.Header()
	h[hNoSniff], h[hCType] = vals[0:1:1], vals[1:2:2]
	w.WriteHeader(http.StatusTooManyRequests)
	w.Write(body) // textBody too: a Writer must not change what it is given
}

// problemBody is the problem+json body for d: quota-exceeded, with the
// windows it exceeded.
func (l *Limiter) problemBody(d *decision) []byte {
	p := problem{
		Type:     "https://iana.org/assignments/http-problem-types#quota-exceeded",
		Title:    "Too Many Requests",
		Status:   http.StatusTooManyRequests,
		Detail:   "Rate limit exceeded; retry after " + strconv.FormatInt(retryAfterSeconds(d.res.Reset, time.Now()), 10) + " s.",
		Violated: []string{},
	}
	for i := 0; i < d.n; i++ {
		if d.over&(1<<i) != 0 {
			p.Violated = append(p.Violated, l.windows[i].name)
		}
	}
	body, _ := json.Marshal(p)
	return body
}

// textBody is the default 429's body for clients that do not prefer JSON.
var textBody = []byte("Too Many Requests\n")

// problem is the RFC 9457 body, with the quota-exceeded problem type's
// extension member of draft-ietf-httpapi-ratelimit-headers.
type problem struct {
	Type     string   `json:"type"`
	Title    string   `json:"title"`
	Status   int      `json:"status"`
	Detail   string   `json:"detail"`
	Violated []string `json:"violated-policies"`
}

// unavailable answers 503 under FailClosed while the store fails; the store
// is probed again within a second, hence Retry-After: 1.
func unavailable(w http.ResponseWriter) {
	h := w.Header()
	h[hRetryAfter] = []string{"1"}
	h[hCType] = []string{"text/plain; charset=utf-8"}
	h[hNoSniff] = []string{"nosniff"}
	w.WriteHeader(http.StatusServiceUnavailable)
	io.WriteString(w, "Service Unavailable: rate limit store unreachable\n")
}

// decision is a Result plus what the headers need.
type decision struct {
	res  Result
	win  int // index of the window res describes
	n    int // windows
	ws   [maxWindows]winState
	over uint8 // bit i: window i had no room (denied requests)
	by   store // the store that counted it (memory, FallbackLocal's, or the remote one)
}
