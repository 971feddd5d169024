package ratelimit

import (
	"context"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMemoryMillionKeys counts a million distinct clients in the memory
// store and checks they fit in 200 MB. It runs with MW_SOAK=1 (about 10 s
// without -race):
//
//	MW_SOAK=1 go test -run TestMemoryMillionKeys -v ./ratelimit/
func TestMemoryMillionKeys(t *testing.T) {
	if os.Getenv("MW_SOAK") != "1" {
		t.Skip("set MW_SOAK=1 to run")
	}
	const keys = 1_000_000
	base := heapAfterGC()
	l := newLimiter(t, "5-S, 100-M, 1000-H")
	ctx := context.Background()
	for i := range keys {
		_, err := l.Allow(ctx, "192.0."+strconv.Itoa(i>>8)+"."+strconv.Itoa(i&255))
		require.NoError(t, err)
	}
	used := int64(heapAfterGC()) - int64(base)
	t.Logf("1,000,000 keys: %.1f MB (%.0f bytes per key)", float64(used)/1e6, float64(used)/keys)
	assert.Less(t, used, int64(200e6))
	runtime.KeepAlive(l)
}

// TestMemoryFlatUnderAddressFlood: a trusted proxy forwards a flood of
// distinct client addresses; with the size cap the heap stays flat. The
// CI run sends 200,000 addresses through a cap of 20,000 (checking the heap
// after each fifth of the flood); with MW_SOAK=1, 10,000,000 through the
// default cap.
func TestMemoryFlatUnderAddressFlood(t *testing.T) {
	total, maxKeys := 200_000, 20_000
	if os.Getenv("MW_SOAK") == "1" {
		total, maxKeys = 10_000_000, DefaultMaxKeys
	} else if raceEnabled {
		total = 60_000
	}
	l := newLimiter(t, "5-M", WithTrustedProxies("10.0.0.0/8"), WithMaxKeys(maxKeys))
	h := l.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	w := &discardWriter{h: make(http.Header)}
	r := request("10.0.0.1:1")
	var heaps []uint64
	for i := range total {
		r.Header["X-Forwarded-For"] = []string{"2001:db8:" + strconv.FormatInt(int64(i>>16), 16) + ":" + strconv.FormatInt(int64(i&0xffff), 16) + "::1"}
		clear(w.h)
		h.ServeHTTP(w, r)
		if w.code != 0 && w.code != 200 {
			t.Fatalf("request %d: status %d", i, w.code)
		}
		if (i+1)%(total/5) == 0 {
			heaps = append(heaps, heapAfterGC())
		}
	}
	require.LessOrEqual(t, l.mem.len(), maxKeys+memShards)
	t.Logf("heap after each fifth of %d addresses (cap %d): %v MB", total, maxKeys, mb(heaps))
	// Full by the second fifth: from then on the heap does not grow.
	for _, hp := range heaps[2:] {
		assert.Less(t, float64(hp), float64(heaps[1])*1.2+4e6, "heap flat once the cap is reached: %v MB", mb(heaps))
	}
}

func mb(hs []uint64) []int {
	var out []int
	for _, h := range hs {
		out = append(out, int(h/1e6))
	}
	return out
}

func heapAfterGC() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
