package logging

import (
	"testing"

	"github.com/seed1f3c5038/mw/internal/testutil"
)

// Code outside logging that keeps the writer logging handed down and writes
// to it after logging's ServeHTTP returned, as echo's WrapMiddleware and
// gin's adapters do: no panic, no race, and every client gets its own
// bytes, under concurrent requests on a real server.
func TestWriterHeldAfterReturn(t *testing.T) {
	var s sink
	testutil.CheckHeldWriters(t, New(newLogger(&s)))
}
