package timeout

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/seed1f3c5038/mw/internal/testutil"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// newServer serves h on a real server whose error log must stay empty.
func newServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	return testutil.NewServer(t, h)
}

// countingWriter records every call that reaches the writer beneath.
type countingWriter struct {
	*httptest.ResponseRecorder
	mu           sync.Mutex
	writeHeaders int
	writes       int
}

func newCountingWriter() *countingWriter {
	return &countingWriter{ResponseRecorder: httptest.NewRecorder()}
}

func (w *countingWriter) WriteHeader(code int) {
	w.mu.Lock()
	w.writeHeaders++
	w.mu.Unlock()
	w.ResponseRecorder.WriteHeader(code)
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.writes++
	w.mu.Unlock()
	return w.ResponseRecorder.Write(p)
}

func (w *countingWriter) calls() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.writeHeaders + w.writes
}

// withHeader is an outer middleware setting a header before ours runs.
func withHeader(key, value string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(key, value)
		next.ServeHTTP(w, r)
	})
}
