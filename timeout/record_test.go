package timeout_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/seed1f3c5038/mw/logging"
	"github.com/seed1f3c5038/mw/timeout"
)

// A request New answered at its deadline says so in its access record; one
// that finished in time does not.
func TestTimedOutIsInTheAccessRecord(t *testing.T) {
	var buf bytes.Buffer
	release := make(chan struct{})
	h := logging.New(slog.New(slog.NewJSONHandler(&buf, nil)))(timeout.New(50 * time.Millisecond)(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/slow" {
				<-release // ignores its context
			}
		})))
	defer close(release)
	for _, path := range []string{"/slow", "/fast"} {
		buf.Reset()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
		var rec map[string]any
		if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
			t.Fatalf("%s: %v in %s", path, err, buf.Bytes())
		}
		if got, want := rec["timed_out"] == true, path == "/slow"; got != want {
			t.Errorf("%s: timed_out in the record is %v, want %v (%v)", path, got, want, rec)
		}
	}
}
