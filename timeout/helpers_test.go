package timeout

import (
	"log"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/seed1f3c5038/mw/internal/logsink"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// newServer serves h and, when the test ends, asserts that net/http logged
// nothing: no "superfluous response.WriteHeader call", no write on a
// hijacked connection, no panic.
func newServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	logs := &logsink.Sink{}
	srv.Config.ErrorLog = log.New(logs, "", 0)
	srv.Start()
	t.Cleanup(func() {
		srv.Client().CloseIdleConnections()
		srv.Close()
		assert.Empty(t, logs.String(), "server error log")
	})
	return srv
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
