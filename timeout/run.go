package timeout

import (
	"context"
	"errors"
	"net/http"
	"runtime/debug"
)

// jobs hands guards to fresh handler goroutines. "go g.run()" would
// allocate a closure for g on every request; a goroutine started on a plain
// function takes its guard from here instead. Each start sends exactly one
// guard and starts exactly one goroutine, so every guard is taken.
var jobs = make(chan *guard, 256)

func start(g *guard) {
	go runJob()
	jobs <- g
}

func runJob() { (<-jobs).run() }

func (g *guard) run() {
	defer g.end()
	g.next.ServeHTTP(g.view, g.req)
}

// end runs deferred in the handler goroutine: it catches a panic, hands over
// the header map one last time and posts evHandlerDone, the last thing that
// touches g from this goroutine.
func (g *guard) end() {
	var p any
	if v := recover(); v != nil {
		if v == http.ErrAbortHandler {
			p = v
		} else {
			p = &PanicError{Value: v, Stack: debug.Stack()}
		}
	}
	g.mu.Lock()
	if !g.closed {
		if p == nil && g.state.Load() == 0 && errors.Is(g.req.Context().Err(), context.DeadlineExceeded) {
			// It gave up at the deadline without a word: the client gets
			// the timeout response, without the headers it set.
			g.state.Or(stateUnanswered)
		} else if p == nil && !g.hijacked() && (!g.committed() || g.hdrDirty) {
			// Headers of a handler that wrote nothing, or trailers set
			// after the body: net/http reads them from the real map now.
			g.syncHeader()
		}
		g.panic = p
		g.state.Or(stateFinished)
	}
	g.mu.Unlock()
	g.events <- evHandlerDone
}
