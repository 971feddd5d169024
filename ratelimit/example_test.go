package ratelimit_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/seed1f3c5038/mw/ratelimit"
)

var hello = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintln(w, "hello")
})

func get(h http.Handler, peer string, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = peer
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// Per client IP, behind a load balancer in 10.0.0.0/8 that appends the
// client to X-Forwarded-For.
func Example_perIP() {
	l, err := ratelimit.New("2-M", ratelimit.WithTrustedProxies("10.0.0.0/8"))
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	h := l.Middleware(hello)

	for range 3 {
		w := get(h, "10.0.0.7:5000", "X-Forwarded-For", "198.51.100.23")
		fmt.Println(w.Code, w.Header().Get("X-RateLimit-Remaining"))
	}
	// A client talking to us directly cannot pose as someone else.
	w := get(h, "203.0.113.9:4000", "X-Forwarded-For", "198.51.100.99")
	fmt.Println(w.Code, w.Header().Get("X-RateLimit-Remaining"))
	// Output:
	// 200 1
	// 200 0
	// 429 0
	// 200 1
}

// Per user when the request is authenticated, per IP otherwise, like
// Django REST framework's UserRateThrottle.
func Example_perUser() {
	user := func(r *http.Request) string {
		if u := r.Header.Get("X-User"); u != "" { // your authentication here
			return "user:" + u
		}
		return "" // anonymous: key by IP
	}
	l, err := ratelimit.New("1-M", ratelimit.WithKey(user))
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	h := l.Middleware(hello)

	fmt.Println(get(h, "192.0.2.1:1", "X-User", "alice").Code)
	fmt.Println(get(h, "192.0.2.2:1", "X-User", "alice").Code) // alice again, from elsewhere
	fmt.Println(get(h, "192.0.2.1:1", "X-User", "bob").Code)
	fmt.Println(get(h, "192.0.2.1:1").Code) // anonymous from 192.0.2.1
	// Output:
	// 200
	// 429
	// 200
	// 200
}

// One limiter per route, each with its own name, so that they could share
// one store (WithRedis) without counting each other's requests.
func Example_perRoute() {
	search, err := ratelimit.New("1-S, 30-M", ratelimit.WithName("search"), ratelimit.WithHeaders(ratelimit.IETF))
	if err != nil {
		log.Fatal(err)
	}
	defer search.Close()
	upload, err := ratelimit.New("10-H", ratelimit.WithName("upload"))
	if err != nil {
		log.Fatal(err)
	}
	defer upload.Close()

	mux := http.NewServeMux()
	mux.Handle("GET /search", search.Middleware(hello))
	mux.Handle("POST /upload", upload.Middleware(hello))

	r := httptest.NewRequest("GET", "/search", nil)
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	fmt.Println(w.Code, w.Header().Get("RateLimit-Policy"))
	w = httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	fmt.Println(w.Code, w.Header().Get("Retry-After"))
	// Output:
	// 200 "search-1s";q=1;w=1, "search-60s";q=30;w=60
	// 429 1
}

// Allow limits things that are not requests: here, login attempts per
// account, forgotten after a successful login.
func ExampleLimiter_Allow() {
	attempts, err := ratelimit.New("3-H", ratelimit.WithName("login"))
	if err != nil {
		log.Fatal(err)
	}
	defer attempts.Close()
	ctx := context.Background()

	for range 4 {
		res, err := attempts.Allow(ctx, "account:alice")
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(res.Allowed, res.Remaining)
	}
	attempts.Reset(ctx, "account:alice") // she logged in
	res, _ := attempts.Allow(ctx, "account:alice")
	fmt.Println(res.Allowed, res.Remaining)
	// Output:
	// true 2
	// true 1
	// true 0
	// false 0
	// true 2
}

// A custom 429, here an RFC 9457 problem, reading the decision with
// FromContext.
func ExampleWithDenyHandler() {
	problem := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, _ := ratelimit.FromContext(r.Context())
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprintf(w, `{"title":"Too Many Requests","status":429,"limit":%d}`, res.Limit)
	})
	l, err := ratelimit.New("1-M", ratelimit.WithDenyHandler(problem))
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	h := l.Middleware(hello)
	get(h, "192.0.2.1:1")
	fmt.Println(get(h, "192.0.2.1:1").Body.String())
	// Output: {"title":"Too Many Requests","status":429,"limit":1}
}

// Trying a limit on live traffic: nothing is denied, the handler and
// WithOnLimited see what would have been.
func ExampleWithDryRun() {
	l, err := ratelimit.New("1-M", ratelimit.WithDryRun(true),
		ratelimit.WithOnLimited(func(r *http.Request, res ratelimit.Result) {
			fmt.Println("would deny", r.RemoteAddr)
		}))
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	h := l.Middleware(hello)
	fmt.Println(get(h, "192.0.2.1:1").Code)
	fmt.Println(get(h, "192.0.2.1:1").Code)
	// Output:
	// 200
	// would deny 192.0.2.1:1
	// 200
}

// Django REST framework's rate format, several windows decided at once,
// and a JSON client told why it was refused (RFC 9457).
func Example_drfRatesAndProblemJSON() {
	l, err := ratelimit.New("2/second, 100/day", ratelimit.WithName("api"),
		ratelimit.WithOnDecision(func(r *http.Request, res ratelimit.Result) {
			fmt.Println("decision: allowed", res.Allowed, "remaining", res.Remaining)
		}))
	if err != nil {
		log.Fatal(err)
	}
	h := l.Middleware(hello)
	for range 3 {
		w := get(h, "192.0.2.1:1", "Accept", "application/json")
		if w.Code == http.StatusTooManyRequests {
			fmt.Println(w.Code, w.Header().Get("Content-Type"))
			var p struct {
				Type     string   `json:"type"`
				Violated []string `json:"violated-policies"`
			}
			json.Unmarshal(w.Body.Bytes(), &p)
			fmt.Println(p.Type, p.Violated)
		}
	}
	_, err = ratelimit.New("100/month")
	fmt.Println(err != nil)
	// Output:
	// decision: allowed true remaining 1
	// decision: allowed true remaining 0
	// decision: allowed false remaining 0
	// 429 application/problem+json
	// https://iana.org/assignments/http-problem-types#quota-exceeded [api-1s]
	// true
}

// A login endpoint that counts only failed attempts: successful logins are
// taken back once the handler answered, so an honest user never runs out,
// while a password guesser gets three tries a minute.
func ExampleWithRefund() {
	login := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Basic b3duZXI6c2VjcmV0" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		fmt.Fprintln(w, "welcome")
	})
	l, err := ratelimit.New("3-M", ratelimit.WithRefund(func(_ *http.Request, status int) bool { return status < 400 }))
	if err != nil {
		log.Fatal(err)
	}
	h := l.Middleware(login)
	for i := 0; i < 5; i++ {
		get(h, "192.0.2.1:1", "Authorization", "Basic b3duZXI6c2VjcmV0")
	}
	fmt.Println("after 5 logins:", get(h, "192.0.2.1:1", "Authorization", "Basic b3duZXI6c2VjcmV0").Code)
	for i := 0; i < 3; i++ {
		get(h, "192.0.2.2:1", "Authorization", "Basic Z3Vlc3M=")
	}
	fmt.Println("after 3 failures:", get(h, "192.0.2.2:1", "Authorization", "Basic b3duZXI6c2VjcmV0").Code)
	// Output:
	// after 5 logins: 200
	// after 3 failures: 429
}

// An LLM-proxy-like handler: each request costs 1 to get in, then the
// tokens the upstream call used are charged once they are known, so a
// client's budget is in tokens and a long answer pushes its next requests
// over.
func ExampleLimiter_Charge() {
	l, err := ratelimit.New("1000-M")
	if err != nil {
		log.Fatal(err)
	}
	proxy := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		used := int64(600) // what the upstream model reported
		if err := l.Charge(r, used); err != nil {
			log.Print(err)
		}
		fmt.Fprintln(w, "answer")
	})
	h := l.Middleware(proxy)
	for i := 1; i <= 3; i++ {
		w := get(h, "192.0.2.1:1")
		fmt.Println("call", i, w.Code, "remaining before it:", w.Header().Get("X-RateLimit-Remaining"))
	}
	// Output:
	// call 1 200 remaining before it: 999
	// call 2 200 remaining before it: 398
	// call 3 429 remaining before it: 0
}

// Two requests a second, spent at once; 1.1 s later a fixed window has
// started again and lets both through, while a sliding one still weighs
// 90% of the last second (1.8, rounded down to 1) and lets one.
func ExampleWithAlgorithm() {
	for _, alg := range []ratelimit.Algorithm{ratelimit.FixedWindow, ratelimit.SlidingWindow} {
		l, err := ratelimit.New("2/s", ratelimit.WithAlgorithm(alg))
		if err != nil {
			log.Fatal(err)
		}
		h := l.Middleware(http.NotFoundHandler())
		get(h, "192.0.2.1:1")
		get(h, "192.0.2.1:1")
		time.Sleep(1100 * time.Millisecond)
		passed := 0
		for i := 0; i < 2; i++ {
			if get(h, "192.0.2.1:1").Code != http.StatusTooManyRequests {
				passed++
			}
		}
		fmt.Println(alg, "let", passed, "through just after the edge")
	}
	// Output:
	// FixedWindow let 2 through just after the edge
	// SlidingWindow let 1 through just after the edge
}
