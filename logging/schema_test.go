package logging

import (
	"context"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every field of every schema, over a real server, with the value each
// convention wants.
func TestSchemaFields(t *testing.T) {
	type want struct {
		method, path, query, status, bytes, remote, ua, id, proto, route string
		protoValue, routeValue                                           string
	}
	for name, tc := range map[string]struct {
		schema Schema
		want   want
		// durationOK checks the raw JSON text of the duration.
		durationKey string
		durationOK  func(t *testing.T, raw string)
	}{
		"default": {SchemaDefault, want{"method", "path", "query", "status", "bytes", "remote_ip", "user_agent", "request_id", "proto", "route", "HTTP/1.1", "GET /items/{id}"},
			"duration", func(t *testing.T, raw string) {
				assert.NotContains(t, raw, ".", "nanoseconds, an integer")
			}},
		"otel": {SchemaOTel, want{"http.request.method", "url.path", "url.query", "http.response.status_code", "http.response.body.size", "client.address", "user_agent.original", "http.request.id", "network.protocol.version", "http.route", "1.1", "/items/{id}"},
			"http.server.request.duration", func(t *testing.T, raw string) {
				assert.True(t, strings.HasPrefix(raw, "0.") || strings.Contains(raw, "e-"), "seconds as a float, well under one: %s", raw)
			}},
		"ecs": {SchemaECS, want{"http.request.method", "url.path", "url.query", "http.response.status_code", "http.response.body.bytes", "client.ip", "user_agent.original", "http.request.id", "http.version", "route", "1.1", "GET /items/{id}"},
			"event.duration", func(t *testing.T, raw string) {
				assert.NotContains(t, raw, ".", "nanoseconds, an integer")
				assert.NotContains(t, raw, "e")
			}},
	} {
		t.Run(name, func(t *testing.T) {
			var s sink
			mux := http.NewServeMux()
			mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusAccepted)
				io.WriteString(w, "abcd")
			})
			srv := httptest.NewServer(New(newLogger(&s), WithSchema(tc.schema))(mux))
			defer srv.Close()

			res := get(t, srv.URL+"/items/7?x=1", map[string]string{"User-Agent": "agent/2", "X-Request-ID": "req-9"})
			require.Equal(t, http.StatusAccepted, res.StatusCode)
			rec := s.Wait(t, 1)[0]
			w := tc.want
			assert.Equal(t, "GET", rec[w.method])
			assert.Equal(t, "/items/7", rec[w.path])
			assert.Equal(t, "x=1", rec[w.query])
			assert.EqualValues(t, 202, rec[w.status])
			assert.EqualValues(t, 4, rec[w.bytes])
			assert.Equal(t, "127.0.0.1", rec[w.remote])
			assert.Equal(t, "agent/2", rec[w.ua])
			assert.Equal(t, "req-9", rec[w.id])
			assert.Equal(t, w.protoValue, rec[w.proto])
			assert.Equal(t, w.routeValue, rec[w.route])
			assert.Greater(t, rec[tc.durationKey], 0.0)
			tc.durationOK(t, rawValue(t, s.String(), tc.durationKey))
			assert.Len(t, rec, 3+11, "time, level, msg and the eleven fields, no other: %v", rec)

			// Flat dotted keys, not nested objects.
			assert.Contains(t, s.String(), `"`+w.method+`":"GET"`)
		})
	}
}

// rawValue is the JSON text of key's value in line.
func rawValue(t *testing.T, line, key string) string {
	t.Helper()
	_, after, ok := strings.Cut(line, `"`+key+`":`)
	require.True(t, ok, "%s in %s", key, line)
	end := strings.IndexAny(after, ",}")
	require.Positive(t, end)
	return after[:end]
}

func TestSchemaHTTP2(t *testing.T) {
	for schema, key := range map[Schema]string{SchemaOTel: "network.protocol.version", SchemaECS: "http.version", SchemaDefault: "proto"} {
		var s sink
		srv := httptest.NewUnstartedServer(New(newLogger(&s), WithSchema(schema))(statusHandler(204)))
		srv.EnableHTTP2 = true
		srv.StartTLS()
		res, err := srv.Client().Get(srv.URL + "/h2")
		require.NoError(t, err)
		res.Body.Close()
		require.Equal(t, 2, res.ProtoMajor)
		want := "2"
		if schema == SchemaDefault {
			want = "HTTP/2.0"
		}
		assert.Equal(t, want, s.Wait(t, 1)[0][key], key)
		srv.Close()
	}
}

func TestProtocolVersion(t *testing.T) {
	for _, tc := range []struct {
		major, minor int
		want         string
	}{{1, 1, "1.1"}, {1, 0, "1.0"}, {2, 0, "2"}, {3, 0, "3"}, {0, 9, "0.9"}} {
		assert.Equal(t, tc.want, protocolVersion(&http.Request{ProtoMajor: tc.major, ProtoMinor: tc.minor}))
	}
}

func TestRouteTemplate(t *testing.T) {
	for in, want := range map[string]string{
		"GET /items/{id}":            "/items/{id}",
		"GET example.com/items/{id}": "/items/{id}",
		"example.com/items/{id}":     "/items/{id}",
		"/items/{id}":                "/items/{id}",
		"POST  \t/a/{b...}":          "/a/{b...}",
		"/":                          "/",
		"{$}":                        "{$}",
		"GET example.com/":           "/",
	} {
		assert.Equal(t, want, routeTemplate(in), in)
	}
}

// A ServeMux pattern with a host is logged without it in http.route.
func TestOTelRouteDropsHost(t *testing.T) {
	var s sink
	mux := http.NewServeMux()
	mux.HandleFunc("127.0.0.1/hosted/{id}", func(http.ResponseWriter, *http.Request) {})
	srv := httptest.NewServer(New(newLogger(&s), WithSchema(SchemaOTel))(mux))
	defer srv.Close()
	get(t, srv.URL+"/hosted/1", nil)
	assert.Equal(t, "/hosted/{id}", s.Wait(t, 1)[0]["http.route"])
}

func TestWithAttrs(t *testing.T) {
	type spanKey struct{}
	var s sink
	var gotPattern string
	h := New(newLogger(&s),
		WithAttrs(func(r *http.Request) []slog.Attr {
			gotPattern = r.Pattern // the request logging passed on, after the handler
			return []slog.Attr{slog.String("trace_id", r.Context().Value(spanKey{}).(string))}
		}),
		nil, // ignored
		WithAttrs(func(*http.Request) []slog.Attr { return []slog.Attr{slog.Int("second", 2)} }),
	)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Pattern = "GET /set/by/router"
		AddAttrs(r.Context(), slog.Bool("added", true))
	}))
	r := httptest.NewRequest("GET", "/", nil)
	r = r.WithContext(context.WithValue(r.Context(), spanKey{}, "4bf92f3577b34da6"))
	h.ServeHTTP(httptest.NewRecorder(), r)

	rec := s.Wait(t, 1)[0]
	assert.Equal(t, "4bf92f3577b34da6", rec["trace_id"])
	assert.EqualValues(t, 2, rec["second"])
	assert.Equal(t, "GET /set/by/router", gotPattern)
	line := s.String()
	assert.Less(t, strings.Index(line, `"route"`), strings.Index(line, `"trace_id"`), "after logging's own fields")
	assert.Less(t, strings.Index(line, `"trace_id"`), strings.Index(line, `"second"`), "in order")
	assert.Less(t, strings.Index(line, `"second"`), strings.Index(line, `"added"`), "before AddAttrs'")

	// Not called for a record that is not written.
	called := false
	quiet := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError}))
	New(quiet, WithAttrs(func(*http.Request) []slog.Attr { called = true; return nil }))(statusHandler(200)).
		ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	New(newLogger(&s), WithSampling(0, 0), WithAttrs(func(*http.Request) []slog.Attr { called = true; return nil }))(statusHandler(200)).
		ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	assert.False(t, called)
}

func TestObservabilityConstructionPanics(t *testing.T) {
	for name, tc := range map[string]struct {
		f    func()
		want string
	}{
		"nil attrs":       {func() { WithAttrs(nil) }, "logging: WithAttrs: nil function"},
		"unknown schema":  {func() { WithSchema(3) }, "logging: WithSchema: unknown schema 3 (want SchemaDefault, SchemaOTel or SchemaECS)"},
		"negative schema": {func() { WithSchema(-1) }, "logging: WithSchema: unknown schema -1 (want SchemaDefault, SchemaOTel or SchemaECS)"},
		"keep above 1":    {func() { WithSampling(1.5, 0) }, "logging: WithSampling: keep 1.5 is outside 0..1"},
		"keep below 0":    {func() { WithSampling(-0.1, 0) }, "logging: WithSampling: keep -0.1 is outside 0..1"},
		"keep NaN":        {func() { WithSampling(math.NaN(), 0) }, "logging: WithSampling: keep NaN is outside 0..1"},
		"negative slow":   {func() { WithSampling(0.5, -1) }, "logging: WithSampling: negative slow duration -1ns"},
	} {
		assert.PanicsWithValue(t, tc.want, tc.f, name)
	}
	assert.NotPanics(t, func() { WithSampling(0, 0); WithSampling(1, 0) })
}
