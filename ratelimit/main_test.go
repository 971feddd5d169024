package ratelimit

import (
	"testing"

	"go.uber.org/goleak"
)

// The memory cleaners and the goroutines bounding store calls must all be
// gone when the tests end.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
