// Package logging writes one access-log record per request with log/slog,
// and gives each request an ID that handlers, the response and the log share.
//
//	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
//	mux := http.NewServeMux()
//	mux.HandleFunc("GET /items/{id}", getItem)
//	handler := logging.New(logger)(recovery.New()(mux))
//	http.ListenAndServe(":8080", handler)
//
// # Recommended order
//
// Put logging outermost, recovery just inside it, and everything else inside
// recovery: logging.New(l)(recovery.New()(rest)). Then a panic becomes a 500
// that logging records with its real status, recovery's panic record carries
// the request ID, and recovery can see through logging's writer whether the
// response has started without wrapping the writer a second time.
//
// # What is logged
//
// One record, written when the handler returns, and also when it panics (the
// record is written from a deferred call and the panic goes on unchanged to
// whatever recovers it; the status is then 500 unless one was already sent,
// and the record carries panic=true). The message is "http request" and the
// attributes are:
//
//	method      r.Method
//	path        r.URL.Path
//	query       r.URL.RawQuery, with WithRedactedQuery's parameters' values as REDACTED
//	status      the status sent; 200 when the handler wrote a body or nothing at all
//	bytes       body bytes written
//	duration    time from the request's arrival at the middleware to the handler's return
//	remote_ip   the TCP peer's address from r.RemoteAddr, port removed
//	user_agent  the User-Agent header
//	request_id  the request's ID (absent when IDs are disabled)
//	proto       r.Proto, such as "HTTP/1.1" or "HTTP/2.0"
//	route       the http.ServeMux pattern that matched, such as "GET /items/{id}" (absent when none did)
//	request_headers  a group of the headers chosen with WithRequestHeaders (absent when none)
//
// The record's time is when the handler returned, and it has no source
// location: its call site would be this package, not your code.
//
// The level is Error for 5xx, Warn for 4xx and Info for the rest, unless
// WithLevels says otherwise. remote_ip is the peer the server saw: logging
// reads no forwarding header (X-Forwarded-For, Forwarded), since any client
// can send one; log those with WithRequestHeaders if a proxy you trust sets
// them.
//
// route comes from r.Pattern, which http.ServeMux sets on the request it is
// given. logging reads it after the handler returns from the request it
// passed on, so it is there both when logging wraps the mux and when logging
// wraps a single route of it; it is missing when a middleware between
// logging and the mux passes on a copy of the request (r.WithContext).
//
// # Privacy
//
// Bodies are never logged, and neither are the Authorization, Cookie,
// Set-Cookie and Proxy-Authorization headers, even when asked for with
// WithRequestHeaders. Query parameters that carry secrets (tokens, API keys)
// can be masked with WithRedactedQuery.
//
// # Request IDs
//
// An incoming X-Request-ID (or the header named with WithRequestIDHeader) is
// kept when it is 1 to 128 bytes of letters, digits, '-', '_', '.' and ':';
// anything else, such as a header crafted to inject text into logs, is
// replaced by a new ID. New IDs are a random per-process prefix and a
// counter ("6f1c2a9e0b3d4c57-42"): unique, cheap (no system call per
// request) and not secret. The ID is set on the response header before the
// handler runs, and handlers read it with RequestID(r.Context()) or log with
// Logger(r.Context()), which carries it.
//
// # Apache combined log
//
// CombinedLog writes the Apache combined format instead, for tools that
// expect it.
package logging
