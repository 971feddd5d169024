package otelmw_test

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/seed1f3c5038/mw/logging"
	"github.com/seed1f3c5038/mw/otelmw"
	"github.com/seed1f3c5038/mw/ratelimit"
)

// Counting a rate limiter's decisions, read here with a ManualReader.
func ExampleMetrics_RateLimit() {
	reader := sdkmetric.NewManualReader()
	m, err := otelmw.New(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)))
	if err != nil {
		panic(err)
	}
	lim, err := ratelimit.New("1-M", m.RateLimit("login")...)
	if err != nil {
		panic(err)
	}
	h := lim.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	for i := 0; i < 3; i++ {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/login", nil))
	}

	var rm metricdata.ResourceMetrics
	_ = reader.Collect(context.Background(), &rm)
	for _, p := range rm.ScopeMetrics[0].Metrics[0].Data.(metricdata.Sum[int64]).DataPoints {
		outcome, _ := p.Attributes.Value("outcome")
		fmt.Println(rm.ScopeMetrics[0].Metrics[0].Name, outcome.AsString(), p.Value)
	}
	// Unordered output:
	// mw.ratelimit.decisions allowed 1
	// mw.ratelimit.decisions denied 2
}

// Exporting to Prometheus: OpenTelemetry's Prometheus exporter writes to a
// registry that promhttp serves on /metrics.
func ExampleNew_prometheus() {
	reg := prometheus.NewRegistry()
	exporter, err := otelprom.New(otelprom.WithRegisterer(reg), otelprom.WithoutScopeInfo())
	if err != nil {
		panic(err)
	}
	m, err := otelmw.New(sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter)))
	if err != nil {
		panic(err)
	}
	lim, err := ratelimit.New("2-M", m.RateLimit("api")...)
	if err != nil {
		panic(err)
	}
	if _, err := m.ObserveRateLimiter(lim); err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.Handle("GET /api", lim.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	for i := 0; i < 3; i++ {
		resp, err := http.Get(srv.URL + "/api")
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
	}
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "mw_") {
			fmt.Println(sc.Text())
		}
	}
	// Output:
	// mw_ratelimit_decisions_total{limiter="api",outcome="allowed"} 2
	// mw_ratelimit_decisions_total{limiter="api",outcome="denied"} 1
	// mw_ratelimit_degraded{limiter="api"} 0
}

// trace_id and span_id in every access record of a traced request.
func ExampleMetrics_LogAttrs() {
	m, err := otelmw.New(sdkmetric.NewMeterProvider())
	if err != nil {
		panic(err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			switch a.Key {
			case "trace_id", "span_id":
				return slog.String(a.Key, strings.Repeat("x", len(a.Value.String()))) // random per run
			case "msg", "status":
				return a
			}
			return slog.Attr{}
		},
	}))
	tracer := sdktrace.NewTracerProvider().Tracer("app")
	logged := logging.New(logger, m.LogAttrs())(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	// The span is started outside logging (otelhttp.NewHandler does this).
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, span := tracer.Start(r.Context(), "GET /")
		defer span.End()
		logged.ServeHTTP(w, r.WithContext(ctx))
	})
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	// Output:
	// msg="http request" status=200 trace_id=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx span_id=xxxxxxxxxxxxxxxx
}
