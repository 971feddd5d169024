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
// response has started without wrapping the writer a second time. Behind a
// proxy, clientip.New goes before logging, so remote_ip is the client. Wrap
// the whole router, not only its routes, so the 404s and 405s it answers
// itself are logged too.
//
// # What is logged
//
// One record, written when the handler returns, and also when it panics (the
// record is written from a deferred call and the panic goes on unchanged to
// whatever recovers it; the status is then 500 unless one was already sent,
// and the record carries panic=true). The message is "http request" and the
// attributes are:
//
//	method      r.Method, as the request arrived
//	path        r.URL.Path, as the request arrived
//	query       r.URL.RawQuery, as the request arrived, with WithRedactedQuery's parameters' values as REDACTED
//	status      the status sent; 200 when the handler wrote a body or nothing at all; 101 for an upgrade
//	bytes       body bytes the client was sent (0 for HEAD, whatever the handler wrote)
//	duration    time from the request's arrival at the middleware to the handler's return
//	remote_ip   the client: package clientip's answer when it ran before, otherwise the TCP peer's host
//	user_agent  the User-Agent header
//	request_id  the request's ID (absent when IDs are disabled)
//	proto       r.Proto, such as "HTTP/1.1" or "HTTP/2.0"
//	route       the route template, such as "GET /items/{id}" (absent when none is known; see WithRoute)
//	request_headers  a group of the headers chosen with WithRequestHeaders (absent when none)
//	hijacked    true when the handler took over the connection
//	panic       true when the handler panicked through logging
//	canceled    true when the client went away before the handler returned
//
// followed by the attributes WithAttrs computes, then those added with
// AddAttrs. canceled means net/http canceled the request's context, as it
// does when the connection closes (HTTP/1) or the client resets the stream
// (HTTP/2), before the handler returned: logging checks the context it
// received once the handler is done. A deadline is not canceled (an inner
// middleware's is on a context logging never sees, an outer one's ends in
// DeadlineExceeded), nor is a cancellation with a cause of its own
// (context.WithCancelCause), nor a hijacked connection. No convention
// names this, so the key is canceled in every schema. The record describes the
// request as received: method, path and query are read before the handler
// runs, so a handler (or a middleware such as a method override) that
// rewrites r in place does not change them. A handler that hijacks an
// upgrade request (Connection: upgrade and an Upgrade field) without calling
// WriteHeader, as WebSocket libraries do, is logged with 101.
//
// The record's time is when the handler returned, and it has no source
// location: its call site would be this package, not your code.
//
// The level is Error for 5xx, Warn for 4xx and Info for the rest, unless
// WithLevels says otherwise. remote_ip is the peer the server saw unless
// package clientip ran before logging: logging itself reads no forwarding
// header (X-Forwarded-For, Forwarded), since any client can send one.
// Behind a proxy, put clientip.New first with the proxy's address.
//
// # Route
//
// route comes from r.Pattern by default, which http.ServeMux sets on the
// request it is given. logging reads it when it writes the record, from the
// request it passed on, so it is there both when logging wraps the mux
// directly and when logging wraps a single route of it. A middleware between
// logging and the mux that passes on a copy of the request (r.WithContext:
// the limiter, timeout) hides it; then ask the mux with WithRoute:
//
//	route := func(r *http.Request) string { _, pattern := mux.Handler(r); return pattern }
//	logging.New(logger, logging.WithRoute(route))
//
// With chi, WithRoute can return chi.RouteContext(r.Context()).RoutePattern()
// when logging is in the router's r.Use. Routers that hand their handlers a
// copy of the request (gorilla/mux, echo, gin) report the route from a
// middleware of their own with AddAttrs(ctx, slog.String("route", tmpl))
// (under SchemaOTel, slog.String("http.route", tmpl), the template alone).
// The module examples/frameworks has a tested recipe for each.
//
// # Adding to the record
//
// AddAttrs adds attributes to the record of the request a context belongs
// to, from the handler, from a middleware inside logging, or from goroutines
// the handler started (it is safe for concurrent use; what comes after the
// record was written is dropped). mw's own middlewares add to the record the
// same way, so a request they acted on says so in its one record.
//
// mw's own middlewares add, in every schema: ratelimit a group ratelimit
// {name, limit, remaining, limited} on every request a limiter counted,
// timeout timed_out=true when the deadline expired, concurrency shed=reason
// when it rejected the request.
//
// # Schemas: OpenTelemetry and ECS names
//
// WithSchema(SchemaOTel) names the fields after OpenTelemetry's semantic
// conventions (http.request.method, url.path, http.response.status_code,
// http.server.request.duration in seconds, http.route as the template
// alone, ...) and WithSchema(SchemaECS) after the Elastic Common Schema
// (event.duration in nanoseconds, client.ip, http.version, ...); the
// Schema constants list every name. The names are flat dotted keys, the
// form OpenTelemetry log bridges and ECS read from JSON; groups stay slog
// groups. A trace ID comes with WithAttrs, from the span a tracing
// middleware outside logging started.
//
// # Sampling
//
// WithSampling(0.01, time.Second) writes every record of an error (status
// 400 and up), of a request that took a second or more and of one whose
// method is not GET or HEAD, and one in a hundred of the rest. A dropped
// record is decided before anything of it is built, and its request still
// has an ID, echoed in the response.
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
// Logger(r.Context()), which carries it. Logger's records do not carry the
// context: Logger(ctx).Info(...) hands the slog handler context.Background(),
// so handlers whose slog handler reads trace or span IDs from the context
// write Logger(ctx).InfoContext(ctx, ...).
//
// # Writing to a file
//
// A record written to a file or pipe costs a system call. BufferedWriter
// batches whole records, and is closed after http.Server.Shutdown, so a
// server that stops on SIGTERM keeps every record:
//
//	buf := logging.BufferedWriter(file, 64<<10, time.Second)
//	srv.Handler = logging.New(slog.New(slog.NewJSONHandler(buf, nil)))(mux)
//	// on SIGTERM:
//	srv.Shutdown(ctx) // returns when every handler has: every record is in buf
//	buf.Close()       // writes out the rest
//
// # Apache combined log
//
// CombinedLog writes the Apache combined format instead, for tools that
// expect it.
package logging
