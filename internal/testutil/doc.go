// Package testutil holds the test doubles and helpers mw's packages share,
// so each exists once: DiscardWriter for benchmarks and allocation counts,
// RaceEnabled, Sink for JSON logs written from server goroutines,
// NewServer for a real server whose error log must stay empty, and
// CheckHeldWriters, which serves a middleware the way echo's
// WrapMiddleware and gin's adapters do (writing after it returned) under
// concurrent clients, and ClientIPCases, the spoofing and malformed-header
// cases both client IP packages are tested on.
//
//	func TestHeld(t *testing.T) { testutil.CheckHeldWriters(t, recovery.New()) }
//
// It is imported only from tests. (The real redis-server launcher is
// internal/redistest.)
package testutil
