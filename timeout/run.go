package timeout

import (
	"context"
	"net/http"
	"runtime/debug"
)

// run is the handler goroutine: a plain goroutine per request, started by
// ServeHTTP. When the handler returns it records how (end) and cancels the
// request's context, which is how ServeHTTP learns it: ServeHTTP waits on
// that context's Done channel, which also closes at the deadline and when
// the client goes away, so one channel covers all three.
func (g *guard) run(next http.Handler, w http.ResponseWriter, r *http.Request, cancel func()) {
	defer cancel() // after end, so ServeHTTP sees what end recorded
	defer g.end(r.Context())
	next.ServeHTTP(w, r)
}

// end runs deferred in the handler goroutine: it catches a panic and hands
// over the header map one last time.
func (g *guard) end(ctx context.Context) {
	var p any
	if v := recover(); v != nil {
		if v == http.ErrAbortHandler {
			p = v
		} else {
			p = &PanicError{Value: v, Stack: debug.Stack()}
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.err != nil {
		return // the serving goroutine has moved on: nothing to hand over
	}
	if p == nil && g.state.Load() == 0 && ctx.Err() != nil {
		// It gave up without a word when its context ended: the client
		// gets the timeout response (unless it left), without the headers
		// it set.
		g.state.Or(stateUnanswered)
	} else if p == nil && !g.Hijacked() && (!g.HeaderWritten() || g.hdrDirty) {
		// Headers of a handler that wrote nothing, or trailers set after
		// the body: net/http reads them from the real map now.
		g.syncHeader()
	}
	g.panic = p
	g.state.Or(stateFinished)
}
