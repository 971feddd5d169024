package otelmw_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/seed1f3c5038/mw/recovery"
	"github.com/seed1f3c5038/mw/timeout"
)

// eventually waits for instrument name's point kv to reach want: the hooks
// may run just after the client has its answer.
func eventually(t *testing.T, reader *sdkmetric.ManualReader, name string, want int64, kv ...attribute.KeyValue) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if got, _ := value(t, reader, name, kv...); got == want {
			return
		}
		if time.Now().After(deadline) {
			wantValue(t, reader, name, want, kv...)
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// fetch sends GET url and reads the whole body; a cut-off response is not
// an error here.
func fetch(url string) {
	resp, err := http.Get(url)
	if err != nil {
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

func TestTimeout(t *testing.T) {
	m, reader := newMetrics(t)
	h := timeout.New(20*time.Millisecond, m.Timeout()...)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/started" {
			w.Write([]byte("partial"))
			http.NewResponseController(w).Flush()
		}
		<-r.Context().Done()
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()

	if got := get(t, srv.URL+"/quiet"); got != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503 from the timeout", got)
	}
	eventually(t, reader, "mw.timeout.expired", 1, attribute.String("outcome", "answered"))
	fetch(srv.URL + "/started")
	eventually(t, reader, "mw.timeout.expired", 1, attribute.String("outcome", "aborted"))
	wantValue(t, reader, "mw.timeout.expired", 1, attribute.String("outcome", "answered"))
}

func TestRecovery(t *testing.T) {
	m, reader := newMetrics(t)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	h := recovery.New(append(m.Recovery(), recovery.WithLogger(quiet))...)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/started" {
			w.Write([]byte("partial"))
			http.NewResponseController(w).Flush()
		}
		panic("boom")
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()

	if got := get(t, srv.URL+"/early"); got != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", got)
	}
	eventually(t, reader, "mw.recovery.panics", 1, attribute.Bool("aborted", false))
	fetch(srv.URL + "/started")
	eventually(t, reader, "mw.recovery.panics", 1, attribute.Bool("aborted", true))
	wantValue(t, reader, "mw.recovery.panics", 1, attribute.Bool("aborted", false))
}
