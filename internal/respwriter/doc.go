// Package respwriter is the one place where mw wraps an
// http.ResponseWriter.
//
// Where to change what: how HEAD is answered is methodrouter/head.go; the
// 429 body and the RateLimit headers are ratelimit/headers.go; the fields of
// an access log record are logging/logging.go; the timeout response is
// timeout/timeout.go (answer); the 500 after a panic is recovery/recovery.go.
// This package changes only when an optional interface is added
// (expose.go) or what a recorder records (writer.go).
//
// It has two parts:
//
//   - Expose (expose.go) hands out a writer whose behaviour is yours but
//     whose optional interfaces (http.Flusher, http.Hijacker, io.ReaderFrom)
//     are exactly those of the writer you wrap, so a type assertion like
//     w.(http.Flusher) tells the truth, and http.ResponseController reaches
//     your FlushError and deadline methods. The eight combinations of those
//     interfaces exist only there. Every wrapper in the module plugs into
//     it: Writer below, methodrouter's HEAD writer (methodrouter/head.go),
//     timeout's guard (timeout/writer.go).
//
//   - Writer (writer.go) records what went out (status, bytes, whether the
//     header was written or the connection hijacked) and never forwards a
//     second WriteHeader: what logging, recovery and methodrouter's custom
//     405 use.
//
// A recording middleware:
//
//	ww, rec := respwriter.Wrap(w)
//	next.ServeHTTP(ww, r)
//	log(rec.Status(), rec.BytesWritten())
//
// Nothing here is pooled: a framework (echo's WrapMiddleware, gin's
// adapters) may keep a wrapper and write to it after the middleware that
// made it has returned, so every wrapper lives as long as someone holds it.
package respwriter
