package otelmw_test

import (
	"bytes"
	"context"
	"net/http"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/seed1f3c5038/mw/otelmw"
)

// newMetrics is a Metrics on a real SDK MeterProvider read by hand.
func newMetrics(t *testing.T) (*otelmw.Metrics, *sdkmetric.ManualReader) {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	m, err := otelmw.New(mp)
	if err != nil {
		t.Fatal(err)
	}
	return m, reader
}

// value is the int64 point of instrument name whose attributes are exactly
// kv; ok is false when there is none.
func value(t *testing.T, reader *sdkmetric.ManualReader, name string, kv ...attribute.KeyValue) (v int64, ok bool) {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	want := attribute.NewSet(kv...)
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != otelmw.ScopeName {
			continue
		}
		for _, mt := range sm.Metrics {
			if mt.Name != name {
				continue
			}
			var points []metricdata.DataPoint[int64]
			switch d := mt.Data.(type) {
			case metricdata.Sum[int64]:
				if !d.IsMonotonic {
					t.Fatalf("%s: not a monotonic counter", name)
				}
				points = d.DataPoints
			case metricdata.Gauge[int64]:
				points = d.DataPoints
			default:
				t.Fatalf("%s: unexpected data %T", name, mt.Data)
			}
			for _, p := range points {
				if p.Attributes.Equals(&want) {
					return p.Value, true
				}
			}
		}
	}
	return 0, false
}

// wantValue fails unless instrument name has the point kv with value want.
func wantValue(t *testing.T, reader *sdkmetric.ManualReader, name string, want int64, kv ...attribute.KeyValue) {
	t.Helper()
	got, ok := value(t, reader, name, kv...)
	if !ok {
		t.Fatalf("%s%v: no point", name, kv)
	}
	if got != want {
		t.Fatalf("%s%v = %d, want %d", name, kv, got, want)
	}
}

// get sends GET url and returns the status.
func get(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// syncBuffer collects log output written from the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// take returns what was written so far and empties the buffer.
func (b *syncBuffer) take() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.buf.String()
	b.buf.Reset()
	return s
}
