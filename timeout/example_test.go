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
