package mw_test

import (
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed1f3c5038/mw"
	"github.com/seed1f3c5038/mw/internal/testutil"
	"github.com/seed1f3c5038/mw/logging"
	"github.com/seed1f3c5038/mw/recovery"
	"github.com/seed1f3c5038/mw/timeout"
)

// A Chain under echo's WrapMiddleware or gin's adapters: the framework
// writes to the writer the chain handed down after the chain returned. No
// wrapper in it is pooled, so every client gets its own bytes.
func TestChainUnderFrameworksThatHoldTheWriter(t *testing.T) {
	for name, chain := range map[string]mw.Chain{
		"recovery+timeout":  mw.New(recovery.New(), timeout.New(time.Minute)),
		"timeout+recovery":  mw.New(timeout.New(time.Minute), recovery.New()),
		"recovery+Context":  mw.New(recovery.New(), timeout.Context(time.Minute)),
		"recovery+recovery": mw.New(recovery.New(), recovery.New()),
	} {
		t.Run(name, func(t *testing.T) { testutil.CheckHeldWriters(t, chain.Then) })
	}
}

// In the recommended stack, the 500 after a panic keeps the request ID that
// logging set before recovery ran, and nothing the handler set.
func TestLoggingRecoveryKeepsOnlyTheRequestID(t *testing.T) {
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	h := mw.New(logging.New(logger), recovery.New(recovery.WithLogger(logger))).
		ThenFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Set-Cookie", "session=1")
			w.Header().Set("Location", "/x")
			panic("boom")
		})
	srv := testutil.NewServer(t, h)
	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set("X-Request-ID", "req-42")
	res, err := srv.Client().Do(req)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusInternalServerError, res.StatusCode)
	assert.Equal(t, "req-42", res.Header.Get("X-Request-Id"))
	assert.Empty(t, res.Header.Values("Set-Cookie"))
	assert.Empty(t, res.Header.Values("Location"))
}
