// Package logsink is what remains of the log sink now in internal/testutil:
// an alias, so that tests not yet converted keep compiling. Use
// testutil.Sink; delete this package once nothing imports it.
package logsink

import "github.com/seed1f3c5038/mw/internal/testutil"

// Sink is testutil.Sink.
type Sink = testutil.Sink
