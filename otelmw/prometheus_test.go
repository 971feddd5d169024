package otelmw_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/seed1f3c5038/mw/concurrency"
	"github.com/seed1f3c5038/mw/otelmw"
	"github.com/seed1f3c5038/mw/ratelimit"
)

// prometheusServer is the example's app: a rate-limited and
// concurrency-limited /api, and /metrics served by promhttp from the
// registry OpenTelemetry's Prometheus exporter writes to.
func prometheusServer(t testing.TB) *httptest.Server {
	reg := prometheus.NewRegistry()
	exporter, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		t.Fatal(err)
	}
	m, err := otelmw.New(sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter)))
	if err != nil {
		t.Fatal(err)
	}
	rl, err := ratelimit.New("2-M", m.RateLimit("api")...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.ObserveRateLimiter(rl); err != nil {
		t.Fatal(err)
	}
	cl, err := concurrency.New(append(m.Concurrency("api"), concurrency.WithLimit(8))...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.ObserveConcurrency("api", cl); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.Handle("GET /api", cl.Middleware(rl.Middleware(ok)))
	return httptest.NewServer(mux)
}

func TestPrometheusScrape(t *testing.T) {
	srv := prometheusServer(t)
	defer srv.Close()
	for i := 0; i < 3; i++ {
		get(t, srv.URL+"/api")
	}
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	text := string(body)
	for _, want := range []string{
		"# TYPE mw_ratelimit_decisions_total counter",
		`mw_ratelimit_decisions_total{limiter="api",otel_scope_name="` + otelmw.ScopeName,
		`outcome="allowed"} 2`,
		`outcome="denied"} 1`,
		"# TYPE mw_ratelimit_degraded gauge",
		"# TYPE mw_concurrency_limit gauge",
		"# TYPE mw_concurrency_in_flight gauge",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(text)
	}
}
