// Package bench measures mw's middlewares against the ones people use today
// (alice, chi, gorilla/handlers, go-chi/httprate, ulule/limiter's stdlib
// middleware, http.TimeoutHandler). It is a separate module so that those
// peers never enter mw's own go.mod. run.sh reproduces BENCHMARKS.md.
package bench
