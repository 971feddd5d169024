package timeout_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/seed1f3c5038/mw/timeout"
)

// A handler that ignores its context is answered at the deadline anyway.
func ExampleNew() {
	release := make(chan struct{})
	defer close(release)
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release // stuck on something that ignores r.Context()
		io.WriteString(w, "too late")
	})

	h := timeout.New(50 * time.Millisecond)(slow)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/report", nil))
	fmt.Println(rec.Code)
	fmt.Print(rec.Body.String())
	// Output:
	// 503
	// Service Unavailable: request timed out
}

// WithHandler writes the timeout response, here an RFC 9457 problem.
func ExampleWithHandler() {
	problem := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusGatewayTimeout)
		io.WriteString(w, `{"title":"Request timed out","status":504}`)
	})
	release := make(chan struct{})
	defer close(release)
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release })

	h := timeout.New(50*time.Millisecond, timeout.WithHandler(problem))(slow)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	fmt.Println(rec.Code, rec.Body.String())
	// Output: 504 {"title":"Request timed out","status":504}
}

// Context only sets the deadline; the handler answers, and ErrTimeout tells
// it the deadline ended the request, not the client.
func ExampleContext() {
	h := timeout.Context(50 * time.Millisecond)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
		if errors.Is(context.Cause(r.Context()), timeout.ErrTimeout) {
			http.Error(w, "took too long", http.StatusServiceUnavailable)
		}
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	fmt.Println(rec.Code)
	// Output: 503
}

// A server-sent events stream under a short deadline: it must start within
// the deadline, then stays alive as long as it sends something at least
// every idle period.
func ExampleWithIdle() {
	events := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := range 3 {
			fmt.Fprintf(w, "data: %d\n\n", i)
			http.NewResponseController(w).Flush()
			time.Sleep(30 * time.Millisecond) // 90 ms in all, past the 50 ms deadline
		}
	})
	h := timeout.New(50*time.Millisecond, timeout.WithIdle(time.Second))(events)
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	fmt.Printf("%q %v\n", body, err)
	// Output: "data: 0\n\ndata: 1\n\ndata: 2\n\n" <nil>
}
