package testutil

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Framework is how a web framework runs a net/http middleware: Adapt
// returns the handler the framework effectively serves, given the
// middleware m.
type Framework struct {
	Name  string
	Adapt func(m func(http.Handler) http.Handler) http.Handler
}

// Frameworks emulate the adapters that keep the ResponseWriter a
// middleware handed down and write to it after the middleware's ServeHTTP
// has returned. Each response carries the request's "id" query value, so a
// test can tell whether a client got its own bytes.
var Frameworks = []Framework{
	// echo.WrapMiddleware: the handler returns an error without writing;
	// echo's error handler then writes its page to the writer it kept.
	{"echo", func(m func(http.Handler) http.Handler) http.Handler {
		return holdWriter(m, func(http.ResponseWriter, *http.Request) {},
			func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				w.WriteHeader(http.StatusInternalServerError)
				io.WriteString(w, "echo error "+r.URL.Query().Get("id"))
			})
	}},
	// gin's adapters: the handler sets a header and a status that gin
	// holds back, writes half the body; gin writes the rest after
	// the adapter returned (a later handler, WriteHeaderNow).
	{"gin", func(m func(http.Handler) http.Handler) http.Handler {
		return holdWriter(m, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Id", r.URL.Query().Get("id"))
		}, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusAccepted)
			io.WriteString(w, "gin ")
			io.WriteString(w, r.URL.Query().Get("id"))
		})
	}},
}

// holdWriter serves inner through m, keeping the writer and request inner
// got, and runs after on them once m's ServeHTTP has returned.
func holdWriter(m func(http.Handler) http.Handler, inner, after http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var (
			heldW http.ResponseWriter
			heldR *http.Request
		)
		m(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			heldW, heldR = w, r
			inner(w, r)
		})).ServeHTTP(w, r)
		if heldW != nil {
			after(heldW, heldR)
		}
	})
}

// CheckHeldWriters serves m under each of Frameworks on a real server and
// sends concurrent requests: every client must get its own status, header
// and body, and net/http must log nothing (no panic). Run it with -race.
func CheckHeldWriters(t *testing.T, m func(http.Handler) http.Handler) {
	t.Helper()
	const clients, perClient = 8, 25
	for _, fw := range Frameworks {
		t.Run(fw.Name, func(t *testing.T) {
			srv := NewServer(t, fw.Adapt(m))
			var wg sync.WaitGroup
			for c := range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range perClient {
						id := fmt.Sprintf("%d-%d", c, i)
						if !checkOne(t, srv.Client(), srv.URL+"/?id="+id, fw.Name, id) {
							return
						}
					}
				}()
			}
			wg.Wait()
		})
	}
}

func checkOne(t *testing.T, c *http.Client, url, framework, id string) bool {
	resp, err := c.Get(url)
	if !assert.NoError(t, err) {
		return false
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !assert.NoError(t, err, "reading the body of %s", id) {
		return false
	}
	switch framework {
	case "echo":
		return assert.Equal(t, http.StatusInternalServerError, resp.StatusCode, id) &&
			assert.Equal(t, "echo error "+id, string(body))
	default:
		return assert.Equal(t, http.StatusAccepted, resp.StatusCode, id) &&
			assert.Equal(t, id, resp.Header.Get("X-Id")) &&
			assert.Equal(t, "gin "+id, string(body))
	}
}
