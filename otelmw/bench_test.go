package otelmw_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/seed1f3c5038/mw/otelmw"
	"github.com/seed1f3c5038/mw/ratelimit"
)

// What the metrics add to a rate-limited request: compare
// BenchmarkRateLimit/metrics with /plain.
func BenchmarkRateLimit(b *testing.B) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())
	m, err := otelmw.New(mp)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		opts []ratelimit.Option
	}{
		{"plain", []ratelimit.Option{ratelimit.WithName("api")}},
		{"metrics", m.RateLimit("api")},
	} {
		b.Run(c.name, func(b *testing.B) {
			lim, err := ratelimit.New("1000000000-S", c.opts...)
			if err != nil {
				b.Fatal(err)
			}
			h := lim.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
			r := httptest.NewRequest("GET", "/", nil)
			w := httptest.NewRecorder()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				h.ServeHTTP(w, r)
			}
		})
	}
}
