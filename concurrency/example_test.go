package concurrency_test

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/seed1f3c5038/mw/concurrency"
)

// A fixed limit of one: while a request is inside the handler, the next
// one is rejected with 503 and Retry-After, without reaching it.
func Example() {
	l, err := concurrency.New(concurrency.WithLimit(1),
		concurrency.WithOnReject(func(r *http.Request, reason string) { fmt.Println("rejected:", reason) }))
	if err != nil {
		log.Fatal(err)
	}
	inside, release := make(chan struct{}), make(chan struct{})
	srv := httptest.NewServer(l.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(inside)
		<-release
		io.WriteString(w, "done\n")
	})))
	defer srv.Close()

	first := make(chan string)
	go func() {
		res, err := http.Get(srv.URL)
		if err != nil {
			log.Fatal(err)
		}
		res.Body.Close()
		first <- res.Status
	}()
	<-inside
	fmt.Println("in flight:", l.InFlight(), "of", l.Limit())

	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set("Accept", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	res.Body.Close()
	fmt.Println(res.Status, res.Header.Get("Retry-After"), res.Header.Get("Content-Type"))

	close(release)
	fmt.Println("first:", <-first)
	// Output:
	// in flight: 1 of 1
	// rejected: limit
	// 503 Service Unavailable 1 application/problem+json
	// first: 200 OK
}

// The adaptive limit (the default) with a queue, where requests with an
// X-Priority of 1 leave the queue first, and no client may hold more than
// 10 places.
func ExampleNew() {
	l, err := concurrency.New(
		concurrency.WithAdaptive(4, 500),
		concurrency.WithQueue(100, 200*time.Millisecond),
		concurrency.WithPriority(func(r *http.Request) int {
			if r.Header.Get("X-Priority") == "1" {
				return 1
			}
			return 0
		}),
		concurrency.WithKey(nil, 10), // keyed by client IP
	)
	if err != nil {
		log.Fatal(err)
	}
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	srv := httptest.NewServer(l.Middleware(api))
	defer srv.Close()

	res, err := http.Get(srv.URL)
	if err != nil {
		log.Fatal(err)
	}
	res.Body.Close()
	fmt.Println(res.Status, "limit", l.Limit())
	// Output: 200 OK limit 4
}

// Misconfiguration is an error from New naming the value.
func ExampleWithQueue() {
	_, err := concurrency.New(concurrency.WithQueue(-1, time.Second))
	fmt.Println(err)
	// Output: concurrency: WithQueue(-1, 1s): the queue size must be 0 or more
}
