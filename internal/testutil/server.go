package testutil

import (
	"log"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
)

// NewServer serves h on a real loopback server and, when the test ends,
// asserts that net/http logged nothing: no "superfluous
// response.WriteHeader call", no write on a hijacked connection, no panic.
func NewServer(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	return NewServerWith(t, h, nil)
}

// NewServerWith is NewServer with the http.Server configured by configure
// (its timeouts, say) before it starts; configure may be nil.
func NewServerWith(t testing.TB, h http.Handler, configure func(*http.Server)) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	logs := &Sink{}
	srv.Config.ErrorLog = log.New(logs, "", 0)
	if configure != nil {
		configure(srv.Config)
	}
	srv.Start()
	t.Cleanup(func() {
		srv.Client().CloseIdleConnections()
		srv.Close()
		assert.Empty(t, logs.String(), "server error log")
	})
	return srv
}
