package logging_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/seed1f3c5038/mw/logging"
)

// A record dropped by sampling allocates nothing beyond logging's own
// per-request work (the ID, the context, the writer, the request copy),
// which is what a record below the logger's level costs; and no schema
// costs an allocation more than the default.
func TestSamplingAndSchemaAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	body := []byte("ok")
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write(body) })
	allocs := func(h http.Handler) float64 {
		r := httptest.NewRequest("GET", "/a?b=c", nil)
		w := &discardWriter{h: make(http.Header)}
		return testing.AllocsPerRun(200, func() { clear(w.h); h.ServeHTTP(w, r) })
	}
	discard := slog.New(slog.NewJSONHandler(io.Discard, nil))
	quiet := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError}))

	own := allocs(logging.New(quiet)(ok))
	assert.Equal(t, own, allocs(logging.New(discard, logging.WithSampling(0, 0))(ok)), "dropped")
	written := allocs(logging.New(discard)(ok))
	assert.Greater(t, written, own)
	assert.Equal(t, written, allocs(logging.New(discard, logging.WithSampling(1, 0))(ok)), "kept by sampling")

	// Schemas are compared under a text handler: slog's JSON handler hands
	// every float (OpenTelemetry's duration in seconds) to encoding/json,
	// one allocation of its own whatever the logger.
	text := slog.New(slog.NewTextHandler(io.Discard, nil))
	def := allocs(logging.New(text)(ok))
	assert.Equal(t, def, allocs(logging.New(text, logging.WithSchema(logging.SchemaOTel))(ok)), "otel")
	assert.Equal(t, def, allocs(logging.New(text, logging.WithSchema(logging.SchemaECS))(ok)), "ecs")
}
