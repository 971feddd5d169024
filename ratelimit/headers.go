package ratelimit

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// HeaderStyle chooses the rate limit fields sent on responses.
type HeaderStyle int

const (
	// XRateLimit sends X-RateLimit-Limit, X-RateLimit-Remaining and
	// X-RateLimit-Reset (Unix seconds, rounded up), the de facto fields of
	// GitHub and most APIs.
	XRateLimit HeaderStyle = iota
	// IETF sends the fields of draft-ietf-httpapi-ratelimit-headers-10:
	// RateLimit-Policy lists every window (`"name";q=100;w=60`), RateLimit
	// describes the tightest one (`"name";r=50;t=30`, t in seconds).
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

// headerSlots is the most fields writeHeaders sets: five for Both, then
// Retry-After, Content-Type and X-Content-Type-Options. ctxSlots is how
// many a resultContext holds: enough for the default style on an allowed
// request, so that the common case takes one allocation for both.
const (
	headerSlots = 8
	ctxSlots    = 3
)

// writeHeaders sets the fields for decision d; with deny, also Retry-After
// and, with body, the default 429 body's Content-Type. The field values are
// one-element slices of vals, which the caller may supply to share an
// allocation (a new one is made when it is too short), and every number is
// a substring of one string.
func (l *Limiter) writeHeaders(h http.Header, d *decision, deny, body bool, vals []string) {
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
		if body {
			n += 2
		}
	}
	if n == 0 {
		return
	}
	w := &l.windows[d.win]
	if d.now.IsZero() && (deny || l.headers == IETF || l.headers == Both) {
		d.now = time.Now()
	}
	var buf [160]byte
	b := buf[:0]
	// Offsets into b of each number; the values become substrings of one
	// string.
	var remEnd, resetEnd, ietfEnd, retryEnd int
	if l.headers == XRateLimit || l.headers == Both {
		b = strconv.AppendInt(b, d.res.Remaining, 10)
		remEnd = len(b)
		b = strconv.AppendInt(b, unixCeil(d.res.Reset), 10)
		resetEnd = len(b)
	}
	ietfStart := len(b)
	if l.headers == IETF || l.headers == Both {
		b = append(b, w.policy...)
		b = append(b, ";r="...)
		b = strconv.AppendInt(b, d.res.Remaining, 10)
		b = append(b, ";t="...)
		b = strconv.AppendInt(b, secondsUntil(d.res.Reset, d.now), 10)
		ietfEnd = len(b)
	}
	retryStart := len(b)
	if deny {
		b = strconv.AppendInt(b, retryAfterSeconds(d.res.Reset, d.now), 10)
		retryEnd = len(b)
	}
	s := string(b)
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
		set(hLimit, w.limit)
		set(hRemaining, s[:remEnd])
		set(hReset, s[remEnd:resetEnd])
	}
	if l.headers == IETF || l.headers == Both {
		set(hPolicy, l.policy)
		set(hRateLimit, s[ietfStart:ietfEnd])
	}
	if deny {
		set(hRetryAfter, s[retryStart:retryEnd])
		if body {
			set(hCType, "text/plain; charset=utf-8")
			set(hNoSniff, "nosniff")
		}
	}
}

var denyBody = []byte("Too Many Requests\n")

// unavailable answers 503 under FailClosed while the store fails; the store
// is probed again within a second, hence Retry-After: 1.
func unavailable(w http.ResponseWriter) {
	h := w.Header()
	h[hRetryAfter] = []string{"1"}
	h[hCType] = []string{"text/plain; charset=utf-8"}
	h[hNoSniff] = []string{"nosniff"}
	w.WriteHeader(http.StatusServiceUnavailable)
	w.Write([]byte("Service Unavailable: rate limit store unreachable\n"))
}

// decision is a Result plus what the headers need.
type decision struct {
	res Result
	win int       // index of the window res describes
	now time.Time // when it was taken
	// denyUntil, when set, is how long the request's client is certainly
	// over its limit (the deny cache may answer for it until then).
	denyUntil time.Time
}
