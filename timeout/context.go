package timeout

import (
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
//
// The context behaves as context.WithTimeoutCause's would, and is canceled
// when the handler returns, but its timer and its link to the parent are
// made only when something waits on it (Done, or context.WithCancel,
// context.AfterFunc and the like on top of it) or asks Err after the
// deadline: a handler that never does costs one small allocation.
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
	ctx := newDeadlineCtx(r.Context(), h.d)
	defer ctx.stop()
	h.next.ServeHTTP(w, r.WithContext(ctx))
}
