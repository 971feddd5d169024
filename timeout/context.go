package timeout

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// Context returns a middleware that only puts a deadline of d on the
// request's context, with cause ErrTimeout (a shorter deadline already on it
// is kept). There is no goroutine and no cut-off: the handler is expected to
// give up when its context ends and to answer the client itself. It is the
// cheapest option; see the package doc for when New is needed. It panics if
// d is not positive.
func Context(d time.Duration) func(http.Handler) http.Handler {
	if d <= 0 {
		panic(fmt.Sprintf("timeout: Context(%v): duration must be positive", d))
	}
	return func(next http.Handler) http.Handler {
		return &contextHandler{next: next, d: d}
	}
}

type contextHandler struct {
	next http.Handler
	d    time.Duration
}

func (h *contextHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeoutCause(r.Context(), h.d, ErrTimeout)
	defer cancel()
	h.next.ServeHTTP(w, r.WithContext(ctx))
}
