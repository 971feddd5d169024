package otelmw_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.uber.org/goleak"

	"github.com/seed1f3c5038/mw/concurrency"
	"github.com/seed1f3c5038/mw/internal/redistest"
	"github.com/seed1f3c5038/mw/logging"
	"github.com/seed1f3c5038/mw/otelmw"
	"github.com/seed1f3c5038/mw/ratelimit"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var ok = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok")) })

func TestNewNilProvider(t *testing.T) {
	m, err := otelmw.New(nil)
	if err == nil || m != nil {
		t.Fatalf("New(nil) = %v, %v; want an error", m, err)
	}
	if !strings.Contains(err.Error(), "MeterProvider") {
		t.Fatalf("error %q does not name the MeterProvider", err)
	}
}

func TestRateLimitDecisions(t *testing.T) {
	m, reader := newMetrics(t)
	lim, err := ratelimit.New("2-M", m.RateLimit("api")...)
	if err != nil {
		t.Fatal(err)
	}
	if lim.Name() != "api" {
		t.Fatalf("Name() = %q, want api (RateLimit includes WithName)", lim.Name())
	}
	srv := httptest.NewServer(lim.Middleware(ok))
	defer srv.Close()
	for i, want := range []int{200, 200, 429, 429, 429} {
		if got := get(t, srv.URL); got != want {
			t.Fatalf("request %d: status %d, want %d", i, got, want)
		}
	}
	name := attribute.String("limiter", "api")
	wantValue(t, reader, "mw.ratelimit.decisions", 2, name, attribute.String("outcome", "allowed"))
	wantValue(t, reader, "mw.ratelimit.decisions", 3, name, attribute.String("outcome", "denied"))
	if _, found := value(t, reader, "mw.ratelimit.decisions", name, attribute.String("outcome", "dry_run")); found {
		t.Fatal("dry_run counted for a limiter that denies")
	}
	// Allow (r is nil in the hook) counts too.
	if _, err := lim.Allow(context.Background(), "k"); err != nil {
		t.Fatal(err)
	}
	wantValue(t, reader, "mw.ratelimit.decisions", 3, name, attribute.String("outcome", "allowed"))
}

func TestRateLimitDryRun(t *testing.T) {
	m, reader := newMetrics(t)
	lim, err := ratelimit.New("1-M", m.RateLimitDryRun("shadow")...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(lim.Middleware(ok))
	defer srv.Close()
	for i := 0; i < 3; i++ {
		if got := get(t, srv.URL); got != 200 {
			t.Fatalf("request %d: status %d, want 200 in dry run", i, got)
		}
	}
	name := attribute.String("limiter", "shadow")
	wantValue(t, reader, "mw.ratelimit.decisions", 1, name, attribute.String("outcome", "allowed"))
	wantValue(t, reader, "mw.ratelimit.decisions", 2, name, attribute.String("outcome", "dry_run"))
	if _, found := value(t, reader, "mw.ratelimit.decisions", name, attribute.String("outcome", "denied")); found {
		t.Fatal("denied counted in dry run")
	}
}

// A real redis-server, killed: the store errors are counted, the limiter
// turns degraded and the gauge says so.
func TestRateLimitStoreErrorsAndDegraded(t *testing.T) {
	rs := redistest.Start(t)
	// One quick dial per call, so no dialing goroutine outlives the test.
	client := rs.Client(t, func(o *redis.Options) {
		o.MaxRetries, o.DialerRetries, o.DialerRetryTimeout = -1, 1, time.Millisecond
	})
	m, reader := newMetrics(t)
	lim, err := ratelimit.New("1000-M", append(m.RateLimit("shared"),
		ratelimit.WithRedis(client), ratelimit.WithStoreTimeout(20*time.Millisecond))...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.ObserveRateLimiter(lim); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(lim.Middleware(ok))
	defer srv.Close()
	name := attribute.String("limiter", "shared")

	get(t, srv.URL)
	wantValue(t, reader, "mw.ratelimit.degraded", 0, name)
	if _, found := value(t, reader, "mw.ratelimit.store.errors", name); found {
		t.Fatal("store errors counted while Redis answers")
	}

	rs.Kill()
	deadline := time.Now().Add(10 * time.Second)
	for !lim.Degraded() {
		if time.Now().After(deadline) {
			t.Fatal("limiter never degraded after Redis was killed")
		}
		if got := get(t, srv.URL); got != 200 {
			t.Fatalf("status %d under FallbackLocal, want 200", got)
		}
	}
	wantValue(t, reader, "mw.ratelimit.degraded", 1, name)
	n, found := value(t, reader, "mw.ratelimit.store.errors", name)
	if !found || n < 1 {
		t.Fatalf("mw.ratelimit.store.errors = %d (found %v), want >= 1", n, found)
	}
	// FallbackLocal still decides: those decisions are counted.
	if a, _ := value(t, reader, "mw.ratelimit.decisions", name, attribute.String("outcome", "allowed")); a < 2 {
		t.Fatalf("allowed decisions = %d, want >= 2", a)
	}
}

func TestObserveRateLimiterUnregister(t *testing.T) {
	m, reader := newMetrics(t)
	lim, err := ratelimit.New("5-M", m.RateLimit("mem")...)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := m.ObserveRateLimiter(lim)
	if err != nil {
		t.Fatal(err)
	}
	wantValue(t, reader, "mw.ratelimit.degraded", 0, attribute.String("limiter", "mem"))
	if err := reg.Unregister(); err != nil {
		t.Fatal(err)
	}
	if _, found := value(t, reader, "mw.ratelimit.degraded", attribute.String("limiter", "mem")); found {
		t.Fatal("gauge still reported after Unregister")
	}
	if _, err := m.ObserveRateLimiter(nil); err == nil {
		t.Fatal("ObserveRateLimiter(nil): no error")
	}
	if _, err := m.ObserveConcurrency("x", nil); err == nil {
		t.Fatal("ObserveConcurrency(nil): no error")
	}
}

func TestConcurrency(t *testing.T) {
	m, reader := newMetrics(t)
	var own atomic.Int32 // WithOnReject hooks add up: the user's keeps working
	lim, err := concurrency.New(append(m.Concurrency("db"),
		concurrency.WithLimit(1),
		concurrency.WithOnReject(func(*http.Request, string) { own.Add(1) }))...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.ObserveConcurrency("db", lim); err != nil {
		t.Fatal(err)
	}
	inside, release := make(chan struct{}), make(chan struct{})
	srv := httptest.NewServer(lim.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hold" {
			close(inside)
			<-release
		}
	})))
	defer srv.Close()
	name := attribute.String("limiter", "db")
	wantValue(t, reader, "mw.concurrency.in_flight", 0, name)
	wantValue(t, reader, "mw.concurrency.limit", 1, name)

	done := make(chan int)
	go func() {
		resp, err := http.Get(srv.URL + "/hold")
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	<-inside
	wantValue(t, reader, "mw.concurrency.in_flight", 1, name)
	for i := 0; i < 2; i++ {
		if got := get(t, srv.URL); got != http.StatusServiceUnavailable {
			t.Fatalf("status %d over the limit, want 503", got)
		}
	}
	wantValue(t, reader, "mw.concurrency.rejected", 2, name, attribute.String("reason", concurrency.ReasonLimit))
	close(release)
	if got := <-done; got != 200 {
		t.Fatalf("held request: status %d", got)
	}
	wantValue(t, reader, "mw.concurrency.in_flight", 0, name)
	if n := own.Load(); n != 2 {
		t.Fatalf("own WithOnReject called %d times, want 2", n)
	}
}

// traced starts an SDK span around next, as otelhttp would.
func traced(tp *sdktrace.TracerProvider, next http.Handler, spans chan<- string) http.Handler {
	tracer := tp.Tracer("test")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, span := tracer.Start(r.Context(), "request")
		defer span.End()
		sc := span.SpanContext()
		spans <- sc.TraceID().String() + " " + sc.SpanID().String()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func TestLogAttrs(t *testing.T) {
	m, _ := newMetrics(t)
	tp := sdktrace.NewTracerProvider()
	defer tp.Shutdown(context.Background())

	var buf syncBuffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	logged := logging.New(logger, m.LogAttrs())(ok)
	spans := make(chan string, 1)
	srv := httptest.NewServer(traced(tp, logged, spans))
	defer srv.Close()
	plain := httptest.NewServer(logged)
	defer plain.Close()

	get(t, srv.URL)
	ids := strings.Fields(<-spans)
	line := buf.take()
	if !strings.Contains(line, "trace_id="+ids[0]) || !strings.Contains(line, "span_id="+ids[1]) {
		t.Fatalf("record %q lacks trace_id=%s span_id=%s", line, ids[0], ids[1])
	}

	get(t, plain.URL) // no span: nothing added
	line = buf.take()
	if line == "" || strings.Contains(line, "trace_id") || strings.Contains(line, "span_id") {
		t.Fatalf("record without a span: %q", line)
	}
}
