package logging

import (
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Schema chooses the names (and, for duration, protocol and route, the
// form) of the fields of the access record, for log pipelines that expect a
// convention. Fields of the record that no convention names (panic,
// hijacked, canceled, request_headers, and what other middlewares add)
// keep their names in every schema.
//
// Dotted names are flat keys: slog.String("http.request.method", "GET"),
// which slog's JSON handler writes as "http.request.method":"GET" and its
// text handler as http.request.method=GET. That is the attribute name an
// OpenTelemetry log bridge passes on unchanged, and a form Elasticsearch
// indexes as the ECS field. Groups added to the record (the ratelimit group
// of package ratelimit, request_headers) stay slog groups in every schema:
// the handler renders them its own way, prefixed keys in text
// (ratelimit.name=api), a nested object in JSON ("ratelimit":{"name":"api"},
// the same field ratelimit.name to Elasticsearch), a map-valued attribute
// in an OpenTelemetry bridge.
//
// The schema names the record's attributes only. The handler's own keys
// (time, level, msg) are the handler's: rename them with
// slog.HandlerOptions.ReplaceAttr if the pipeline wants ECS's @timestamp,
// log.level and message.
type Schema int

const (
	// SchemaDefault is the field names listed in the package
	// documentation: method, path, query, status, bytes, duration,
	// remote_ip, user_agent, request_id, proto, route.
	SchemaDefault Schema = iota
	// SchemaOTel is OpenTelemetry's semantic conventions for HTTP:
	// http.request.method, url.path, url.query, http.response.status_code,
	// http.response.body.size, http.server.request.duration (seconds, a
	// float), client.address, user_agent.original, http.request.id,
	// network.protocol.version ("1.1", "2") and http.route (the template
	// alone: "/items/{id}" for the ServeMux pattern "GET /items/{id}" or
	// "GET example.com/items/{id}").
	SchemaOTel
	// SchemaECS is the Elastic Common Schema: http.request.method,
	// url.path, url.query, http.response.status_code,
	// http.response.body.bytes, event.duration (nanoseconds, an integer),
	// client.ip, user_agent.original, http.request.id, http.version ("1.1",
	// "2"). ECS has no field for the route: it stays route, the whole
	// pattern, as in SchemaDefault.
	SchemaECS
)

// WithSchema names the record's fields after a convention; the default is
// SchemaDefault. It panics for a value that is not one of the Schema
// constants.
func WithSchema(s Schema) Option {
	if s < SchemaDefault || int(s) >= len(schemas) {
		panic(fmt.Sprintf("logging: WithSchema: unknown schema %d (want SchemaDefault, SchemaOTel or SchemaECS)", int(s)))
	}
	return func(c *config) { c.schema = &schemas[s] }
}

// schema is the table one record builder reads: the key of each field,
// and how the three fields whose form differs between conventions are
// written.
type schema struct {
	method, path, query, status, bytes, duration, remote, userAgent, requestID, proto, route string

	durationValue func(time.Duration) slog.Value
	protoValue    func(r *http.Request) string
	routeValue    func(pattern string) string
}

var schemas = [...]schema{
	SchemaDefault: {
		method: keyMethod, path: keyPath, query: keyQuery, status: keyStatus, bytes: keyBytes,
		duration: keyDuration, remote: keyRemoteIP, userAgent: keyUserAgent, requestID: keyRequestID,
		proto: keyProto, route: keyRoute,
		durationValue: slog.DurationValue,
		protoValue:    func(r *http.Request) string { return r.Proto },
		routeValue:    func(p string) string { return p },
	},
	SchemaOTel: {
		method: "http.request.method", path: "url.path", query: "url.query",
		status: "http.response.status_code", bytes: "http.response.body.size",
		duration: "http.server.request.duration", remote: "client.address",
		userAgent: "user_agent.original", requestID: "http.request.id",
		proto: "network.protocol.version", route: "http.route",
		durationValue: func(d time.Duration) slog.Value { return slog.Float64Value(d.Seconds()) },
		protoValue:    protocolVersion,
		routeValue:    routeTemplate,
	},
	SchemaECS: {
		method: "http.request.method", path: "url.path", query: "url.query",
		status: "http.response.status_code", bytes: "http.response.body.bytes",
		duration: "event.duration", remote: "client.ip",
		userAgent: "user_agent.original", requestID: "http.request.id",
		proto: "http.version", route: keyRoute,
		durationValue: func(d time.Duration) slog.Value { return slog.Int64Value(d.Nanoseconds()) },
		protoValue:    protocolVersion,
		routeValue:    func(p string) string { return p },
	},
}

// protocolVersion is the HTTP version as both conventions write it: "1.1",
// "1.0", and a bare major version from HTTP/2 on ("2", "3").
func protocolVersion(r *http.Request) string {
	switch {
	case r.ProtoMajor == 1 && r.ProtoMinor == 1:
		return "1.1"
	case r.ProtoMajor == 1 && r.ProtoMinor == 0:
		return "1.0"
	case r.ProtoMajor == 2 && r.ProtoMinor == 0:
		return "2"
	case r.ProtoMajor >= 2 && r.ProtoMinor == 0:
		return strconv.Itoa(r.ProtoMajor)
	}
	return strconv.Itoa(r.ProtoMajor) + "." + strconv.Itoa(r.ProtoMinor)
}

// routeTemplate is the path part of a ServeMux pattern,
// "[METHOD ][HOST]/PATH": OpenTelemetry's http.route is the template alone.
// A route without a '/' (not a ServeMux pattern; from WithRoute) is left
// as it is, past a method.
func routeTemplate(p string) string {
	if i := strings.IndexAny(p, " \t"); i >= 0 {
		p = strings.TrimLeft(p[i+1:], " \t")
	}
	if i := strings.IndexByte(p, '/'); i > 0 {
		p = p[i:]
	}
	return p
}
