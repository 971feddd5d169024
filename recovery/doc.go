// Package recovery turns a handler's panic into a 500 response when nothing
// has been sent yet, and into an aborted connection when the response has
// already started, so a client never takes a truncated body for a whole one.
//
//	mux := http.NewServeMux()
//	mux.HandleFunc("GET /items/{id}", getItem)
//	handler := logging.New(logger)(recovery.New()(mux))
//	http.ListenAndServe(":8080", handler)
//
// # Recommended order
//
// logging outermost, recovery just inside it, everything else inside
// recovery: logging.New(l)(recovery.New()(rest)). logging then records the
// 500 that recovery sends, recovery's panic record carries the request ID,
// and recovery needs no writer of its own (see "Cost" below). recovery
// imports nothing from logging; the two share the request ID through the
// request's context.
//
// # What the client gets
//
//   - Panic before the handler sent a status or a body byte: 500 with the
//     body "Internal Server Error\n" (or what WithResponder writes). The
//     panic value and stack never reach the client. The response header is
//     put back as it was when recovery started: every field the panicking
//     code set (Set-Cookie, Location, anything) is dropped, fields it
//     changed or deleted come back, so the 500 keeps what outer middleware
//     set (an echoed request ID, CORS). Of those, the fields that describe
//     a body (Content-Length, Content-Type, Content-Encoding, Content-Range,
//     Content-Disposition, Content-Language, Content-Location, ETag,
//     Last-Modified, Expires, Trailer) are deleted too, and Cache-Control is
//     set to no-store so a cache keeps neither the error nor a caching
//     promise for the real resource. The default body is http.Error's: it
//     adds Content-Type: text/plain; charset=utf-8 and
//     X-Content-Type-Options: nosniff.
//   - Panic after the response started (status sent, or body bytes written):
//     nothing more is written, and recovery panics with http.ErrAbortHandler,
//     which makes net/http abort the response: HTTP/1.x closes the
//     connection before the declared length or the final chunk, HTTP/2
//     resets the stream. The client's read fails instead of ending in a
//     short body that looks complete. A second status line is never sent.
//   - Panic after the handler hijacked the connection: nothing is written
//     (the connection is the handler's), and http.ErrAbortHandler goes on.
//   - A panic with http.ErrAbortHandler, or an error wrapping it, is the
//     handler asking to abort: it is re-panicked as the bare
//     http.ErrAbortHandler, so net/http stays quiet, and it is not logged.
//
// # What is logged
//
// Each other panic is logged once, at Error level, with the message
// "panic recovered" and the attributes panic (the value, formatted with
// fmt), method, path, request_id (when package logging runs outside),
// aborted (true when the response had started and was cut) and stack
// (unless WithStack(false)): the stack of the goroutine that panicked. A
// panic value with a method PanicStack() []byte, such as the
// *timeout.PanicError package timeout re-panics with, is logged with the
// stack it carries (the handler's) instead of recovery's own, so each panic
// has one stack, the right one. WithOnPanic adds a call of your own per
// recovered panic. If the logger itself panics, the client still
// gets its 500 (or its aborted response), and the logger's panic is
// reported on the http.Server's ErrorLog (the standard logger without one),
// as net/http reports a handler's panic.
//
// # Options
//
// A nil Option is ignored. An option that needs a value to work
// (WithLogger, WithResponder) panics when given nil, naming itself: that is
// a programming error, caught where the handler is built.
//
// # Cost
//
// On the path without a panic recovery costs a deferred call: no allocation
// when the writer it is given reports whether the response has started, that
// is, has the methods HeaderWritten() bool and Hijacked() bool, as package
// logging's writer does. Otherwise recovery wraps the writer to find out (one
// allocation per request; the wrapper is never pooled, because a framework
// such as echo or gin may keep it and write to it after recovery returned).
// Remembering the header fields set before the handler ran costs nothing
// for up to 8 fields. recovery asks only the writer it is given, never
// writers further down its Unwrap chain: a writer between them could hold
// back what the handler wrote, and the one beneath would then report a
// response that has not started when it has.
package recovery
