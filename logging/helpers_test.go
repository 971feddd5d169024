package logging

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// sink collects a JSON slog handler's output; the server writes to it from
// its own goroutines.
type sink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *sink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *sink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

func (s *sink) records(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(s.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		out = append(out, m)
	}
	return out
}

// wait returns the records once there are n: the log is written when the
// handler returns, which can be after the client has read a flushed body.
func (s *sink) wait(t *testing.T, n int) []map[string]any {
	t.Helper()
	require.Eventually(t, func() bool { return strings.Count(s.String(), "\n") >= n },
		5*time.Second, time.Millisecond)
	recs := s.records(t)
	require.Len(t, recs, n, s.String())
	return recs
}

func newLogger(s *sink) *slog.Logger {
	return slog.New(slog.NewJSONHandler(s, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
