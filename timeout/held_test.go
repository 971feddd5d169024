package timeout

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/seed1f3c5038/mw/internal/testutil"
)

// echo's WrapMiddleware and gin's adapters keep the writer New handed to
// the handler and write to it after New returned: the guard is never
// reused, so those writes reach the right client.
func TestHeldWriterAfterReturn(t *testing.T) {
	testutil.CheckHeldWriters(t, New(time.Minute))
}

// A nil Option is ignored.
func TestNilOptionIgnored(t *testing.T) {
	h := New(time.Millisecond, nil, WithStatus(http.StatusGatewayTimeout), nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	w := newCountingWriter()
	h.ServeHTTP(w, newRequest())
	assert.Equal(t, http.StatusGatewayTimeout, w.Code)
}

func newRequest() *http.Request {
	r, _ := http.NewRequest("GET", "http://example.com/", nil)
	return r
}
