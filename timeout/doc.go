// Package timeout gives requests a deadline that is answered on time, even
// when the handler ignores its context, and still lets handlers stream.
//
//	h := timeout.New(5 * time.Second)(handler)
//	// or, for handlers that honour r.Context():
//	h = timeout.Context(5 * time.Second)(handler)
//	http.Handle("/report", h)
//	// context.Cause(r.Context()) == timeout.ErrTimeout once the deadline passed
//
// Which to pick: Context costs a context and nothing else, but the client
// waits until the handler notices its context and answers. New runs the
// handler in its own goroutine and answers at the deadline itself (503 by
// default) if the handler has written nothing, or aborts the response if it
// has; use it when handlers may block on things that ignore the context.
//
// Unlike http.TimeoutHandler, New buffers nothing (the handler's writes go
// straight to the client, so it can stream and Flush), keeps Hijack and
// http.ResponseController working, and hands a panic to the middleware
// outside together with the handler's stack (see PanicError). Unlike a
// deadline that only writes an error after the handler returns, it never
// writes a second status over a response already started.
//
// A nil Option is ignored; WithHandler(nil) panics, naming itself, as
// misconfiguration is caught where the handler is built.
package timeout
