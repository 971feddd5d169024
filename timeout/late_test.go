package timeout_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/seed1f3c5038/mw/timeout"
)

// A handler that has started streaming and returns because the deadline
// ended its context did not finish its response: the client must see an
// error, never a clean end of a truncated body.
func TestStreamEndedByTheDeadlineIsAborted(t *testing.T) {
	srv := httptest.NewServer(timeout.New(50 * time.Millisecond)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("partial"))
		http.NewResponseController(w).Flush()
		<-r.Context().Done() // honours its context, and returns at once
	})))
	defer srv.Close()
	for range 20 {
		res, err := http.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.ReadAll(res.Body)
		res.Body.Close()
		if err == nil {
			t.Fatal("the truncated stream ended cleanly")
		}
	}
}
