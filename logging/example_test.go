package logging_test

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/seed1f3c5038/mw/logging"
	"github.com/seed1f3c5038/mw/recovery"
)

// stableOutput drops the attributes that change from run to run, so the
// examples can show their output.
func stableOutput(_ []string, a slog.Attr) slog.Attr {
	switch a.Key {
	case slog.TimeKey, "duration":
		return slog.Attr{}
	}
	return a
}

// The recommended order: logging outside recovery outside the rest.
func ExampleNew() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: stableOutput}))

	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "item "+r.PathValue("id"))
	})
	handler := logging.New(logger)(recovery.New(recovery.WithLogger(logger))(mux))

	r := httptest.NewRequest("GET", "/items/7?color=red", nil)
	r.RemoteAddr = "192.0.2.10:54321"
	r.Header.Set("User-Agent", "example/1.0")
	r.Header.Set("X-Request-ID", "req-1")
	handler.ServeHTTP(httptest.NewRecorder(), r)
	// Output:
	// level=INFO msg="http request" method=GET path=/items/7 query="color=red" status=200 bytes=6 remote_ip=192.0.2.10 user_agent=example/1.0 request_id=req-1 proto=HTTP/1.1 route="GET /items/{id}"
}

// Handlers log through Logger(ctx), whose records carry the request's ID.
func ExampleLogger() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: stableOutput}))
	// The access record goes at Debug here, below the handler's Info
	// threshold, so only the handler's own record shows.
	h := logging.New(logger, logging.WithLevels(func(int) slog.Level { return slog.LevelDebug }))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		logging.Logger(r.Context()).Info("charging card", "amount", 42)
		fmt.Println("id seen by the handler:", logging.RequestID(r.Context()))
	}))
	r := httptest.NewRequest("POST", "/pay", nil)
	r.Header.Set("X-Request-ID", "req-2")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Println("id echoed to the client:", w.Header().Get("X-Request-ID"))
	// Output:
	// level=INFO msg="charging card" request_id=req-2 amount=42
	// id seen by the handler: req-2
	// id echoed to the client: req-2
}

// Secrets in query strings are masked; credential headers are never logged.
func ExampleWithRedactedQuery() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: stableOutput}))
	h := logging.New(logger,
		logging.WithRedactedQuery("token"),
		logging.WithRequestHeaders("X-Forwarded-For", "Authorization"), // Authorization is ignored
		logging.WithRequestIDHeader(""),
	)(http.NotFoundHandler())

	r := httptest.NewRequest("GET", "/feed?token=s3cret&page=2", nil)
	r.RemoteAddr = "10.0.0.2:4000"
	r.Header.Set("X-Forwarded-For", "203.0.113.7")
	r.Header.Set("Authorization", "Bearer s3cret")
	h.ServeHTTP(httptest.NewRecorder(), r)
	// Output:
	// level=WARN msg="http request" method=GET path=/feed query="token=REDACTED&page=2" status=404 bytes=19 remote_ip=10.0.0.2 user_agent="" proto=HTTP/1.1 request_headers.X-Forwarded-For=203.0.113.7
}

func ExampleCombinedLog() {
	var out bytes.Buffer
	h := logging.CombinedLog(&out)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello\n")
	}))

	r := httptest.NewRequest("GET", "/hello?name=ann", nil)
	r.RemoteAddr = "192.0.2.10:54321"
	r.Header.Set("Referer", "https://example.com/")
	r.Header.Set("User-Agent", "curl/8.5.0")
	h.ServeHTTP(httptest.NewRecorder(), r)

	// The time changes from run to run.
	fmt.Print(regexp.MustCompile(`\[.*?\]`).ReplaceAllString(out.String(), "[TIME]"))
	// Output:
	// 192.0.2.10 - - [TIME] "GET /hello?name=ann HTTP/1.1" 200 6 "https://example.com/" "curl/8.5.0"
}

// A handler, or a middleware inside logging, adds to the request's record.
func ExampleAddAttrs() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: stableOutput}))
	h := logging.New(logger, logging.WithRequestIDHeader(""))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		logging.AddAttrs(r.Context(), slog.String("user", "ann"), slog.Bool("cache_hit", true))
		w.WriteHeader(http.StatusNoContent)
	}))
	r := httptest.NewRequest("DELETE", "/sessions/current", nil)
	r.RemoteAddr = "192.0.2.10:54321"
	h.ServeHTTP(httptest.NewRecorder(), r)
	// Output:
	// level=INFO msg="http request" method=DELETE path=/sessions/current query="" status=204 bytes=0 remote_ip=192.0.2.10 user_agent="" proto=HTTP/1.1 user=ann cache_hit=true
}

// A middleware between logging and the ServeMux hands on a copy of the
// request, so r.Pattern is set where logging cannot see it: ask the mux.
func ExampleWithRoute() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: stableOutput}))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {})
	copying := func(next http.Handler) http.Handler { // such as a limiter or a timeout
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(r.Context()))
		})
	}
	route := func(r *http.Request) string { _, pattern := mux.Handler(r); return pattern }
	h := logging.New(logger, logging.WithRoute(route), logging.WithRequestIDHeader(""))(copying(mux))

	r := httptest.NewRequest("GET", "/items/7", nil)
	r.RemoteAddr = "192.0.2.10:54321"
	h.ServeHTTP(httptest.NewRecorder(), r)
	// Output:
	// level=INFO msg="http request" method=GET path=/items/7 query="" status=200 bytes=0 remote_ip=192.0.2.10 user_agent="" proto=HTTP/1.1 route="GET /items/{id}"
}

// The same record with OpenTelemetry's names: flat dotted keys, the route
// template without its method, the protocol version alone. (The example
// drops the duration, http.server.request.duration in seconds, because it
// changes from run to run.)
func ExampleWithSchema() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "http.server.request.duration" {
				return slog.Attr{}
			}
			return a
		},
	}))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "item "+r.PathValue("id"))
	})
	handler := logging.New(logger, logging.WithSchema(logging.SchemaOTel))(mux)

	r := httptest.NewRequest("GET", "/items/7?color=red", nil)
	r.RemoteAddr = "192.0.2.10:54321"
	r.Header.Set("User-Agent", "example/1.0")
	r.Header.Set("X-Request-ID", "req-1")
	handler.ServeHTTP(httptest.NewRecorder(), r)
	// Output:
	// {"level":"INFO","msg":"http request","http.request.method":"GET","url.path":"/items/7","url.query":"color=red","http.response.status_code":200,"http.response.body.size":6,"client.address":"192.0.2.10","user_agent.original":"example/1.0","http.request.id":"req-1","network.protocol.version":"1.1","http.route":"/items/{id}"}
}

// Keep every error, every slow request and every write, and one in a
// hundred of the rest. A dropped request still has its ID in the response.
func ExampleWithSampling() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: stableOutput}))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ok", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("GET /fail", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadGateway) })
	mux.HandleFunc("POST /ok", func(w http.ResponseWriter, r *http.Request) {})
	handler := logging.New(logger, logging.WithSampling(0, 500*time.Millisecond))(mux)

	for i, target := range []string{"GET /ok", "GET /fail", "POST /ok"} {
		method, path, _ := strings.Cut(target, " ")
		r := httptest.NewRequest(method, path, nil)
		r.RemoteAddr = "192.0.2.10:54321"
		r.Header.Set("X-Request-ID", fmt.Sprintf("req-%d", i))
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, r)
		fmt.Println(target, "answered with ID", w.Header().Get("X-Request-ID"))
	}
	// Output:
	// GET /ok answered with ID req-0
	// level=ERROR msg="http request" method=GET path=/fail query="" status=502 bytes=0 remote_ip=192.0.2.10 user_agent="" request_id=req-1 proto=HTTP/1.1 route="GET /fail"
	// GET /fail answered with ID req-1
	// level=INFO msg="http request" method=POST path=/ok query="" status=200 bytes=0 remote_ip=192.0.2.10 user_agent="" request_id=req-2 proto=HTTP/1.1 route="POST /ok"
	// POST /ok answered with ID req-2
}

// Records wait in the buffer, and are written out in one batch when it
// fills, on its timer, or at Close, which a server calls after Shutdown.
func ExampleBufferedWriter() {
	var file bytes.Buffer // stands for an *os.File
	buf := logging.BufferedWriter(&file, 64<<10, time.Second)
	logger := slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{ReplaceAttr: stableOutput}))
	h := logging.New(logger, logging.WithRequestIDHeader(""))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/a", nil))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/b", nil))
	fmt.Printf("before Close: %d bytes\n", file.Len())
	buf.Close()
	fmt.Print(file.String())
	// Output:
	// before Close: 0 bytes
	// level=INFO msg="http request" method=GET path=/a query="" status=200 bytes=0 remote_ip=192.0.2.1 user_agent="" proto=HTTP/1.1
	// level=INFO msg="http request" method=GET path=/b query="" status=200 bytes=0 remote_ip=192.0.2.1 user_agent="" proto=HTTP/1.1
}
