package logging

import (
	"log/slog"

	"github.com/seed1f3c5038/mw/internal/testutil"
)

// sink collects the JSON log lines written from server goroutines.
type sink = testutil.Sink

func newLogger(s *sink) *slog.Logger {
	return slog.New(slog.NewJSONHandler(s, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
