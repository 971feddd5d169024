package testutil

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Sink is an io.Writer that collects JSON log lines written from server
// goroutines and hands them back as records. It is safe for concurrent
// writes; the zero value is ready to use.
//
//	var logs testutil.Sink
//	logger := slog.New(slog.NewJSONHandler(&logs, nil))
//	// ... serve requests ...
//	recs := logs.Wait(t, 1)
type Sink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (s *Sink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

// String returns everything written so far.
func (s *Sink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// Records parses every line written so far as a JSON object.
func (s *Sink) Records(t testing.TB) []map[string]any {
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

// Wait returns the records once there are exactly n: a log record may be
// written after the client has already read the response.
func (s *Sink) Wait(t testing.TB, n int) []map[string]any {
	t.Helper()
	require.Eventually(t, func() bool { return strings.Count(s.String(), "\n") >= n },
		5*time.Second, time.Millisecond)
	recs := s.Records(t)
	require.Len(t, recs, n, s.String())
	return recs
}
