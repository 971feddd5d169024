package logging

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Code outside logging that keeps the writer logging handed down and writes
// to it after logging's ServeHTTP returned, as echo's WrapMiddleware and
// gin's adapters do: no panic, no race, and every client gets its own
// bytes, under concurrent requests on a real server.
func TestWriterHeldAfterReturn(t *testing.T) {
	var s sink
	mw := New(newLogger(&s))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var held http.ResponseWriter
		var heldReq *http.Request
		mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			held, heldReq = w, r // the framework keeps them; the handler "returns an error"
		})).ServeHTTP(w, r)
		// logging has returned and written its record: the framework now
		// writes its error page through the writer it kept.
		held.Header().Set("Content-Type", "text/plain")
		held.WriteHeader(http.StatusTeapot)
		io.WriteString(held, "late answer for "+heldReq.URL.Path+" "+RequestID(heldReq.Context()))
	}))
	defer srv.Close()

	const clients, each = 8, 25
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				path := "/r/" + strconv.Itoa(c*each+i)
				res, err := http.Get(srv.URL + path)
				if !assert.NoError(t, err) {
					return
				}
				b, err := io.ReadAll(res.Body)
				res.Body.Close()
				assert.NoError(t, err)
				assert.Equal(t, http.StatusTeapot, res.StatusCode)
				assert.Equal(t, "late answer for "+path+" "+res.Header.Get("X-Request-ID"), string(b))
			}
		}()
	}
	wg.Wait()
	s.Wait(t, clients*each)
}
