package ratelimit

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMemoryMillionKeys counts a million distinct clients in the memory
// store, checks they fit in 200 MB, and that the heap returns to near its
// baseline once their window has expired and the cleaner has run. It takes
// about 20 s, so it only runs with MW_MEMORY_TEST=1:
//
//	MW_MEMORY_TEST=1 go test -run TestMemoryMillionKeys -v ./ratelimit/
func TestMemoryMillionKeys(t *testing.T) {
	if os.Getenv("MW_MEMORY_TEST") != "1" {
		t.Skip("set MW_MEMORY_TEST=1 to run (about 20 s)")
	}
	const keys = 1_000_000
	l := newLimiter(t, "5-S")
	base := heapAfterGC()
	ctx := context.Background()
	var buf []byte
	for i := range keys {
		buf = strconv.AppendInt(buf[:0], int64(i), 10)
		_, err := l.Allow(ctx, "client:"+string(buf))
		require.NoError(t, err)
	}
	full := heapAfterGC()
	used := int64(full) - int64(base)
	t.Logf("1,000,000 keys: %.1f MB (%.0f bytes per key)", float64(used)/1e6, float64(used)/keys)
	assert.Less(t, used, int64(200e6))

	// The window is 1 s and the cleaner runs every 10 s.
	deadline := time.Now().Add(30 * time.Second)
	for cacheLen(l.mem) > 0 && time.Now().Before(deadline) {
		time.Sleep(500 * time.Millisecond)
	}
	require.Zero(t, cacheLen(l.mem), "the cleaner removed every expired key")
	after := heapAfterGC()
	t.Logf("after expiry and cleaning: %.1f MB above the baseline", (float64(after)-float64(base))/1e6)
	assert.Less(t, int64(after)-int64(base), int64(used/10), "back near the baseline")
}

func heapAfterGC() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
