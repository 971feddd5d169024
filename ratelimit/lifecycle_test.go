package ratelimit

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// unreachableRedis is a client for a port nothing listens on.
func unreachableRedis(t testing.TB) *redis.Client {
	// One dial attempt: go-redis otherwise retries a refused dial for 400 ms,
	// longer than the store timeout, and the error would be the deadline.
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialerRetries: 1, DialerRetryTimeout: time.Millisecond})
	t.Cleanup(func() { c.Close() })
	return c
}

// The memory store removes expired clients as it is used, without a
// goroutine of its own.
func TestMemoryDropsExpiredClients(t *testing.T) {
	l := newLimiter(t, "5-S")
	ctx := context.Background()
	for i := range 2000 {
		_, err := l.Allow(ctx, "client:"+strconv.Itoa(i))
		require.NoError(t, err)
	}
	require.Equal(t, 2000, l.mem.len())
	time.Sleep(1100 * time.Millisecond)
	// Every request drops up to two expired clients of its shard: twice
	// as many requests as expired clients leave none in any shard.
	for i := range 4000 {
		l.Allow(ctx, "other:"+strconv.Itoa(i))
	}
	assert.Equal(t, 4000, l.mem.len(), "only the live clients are left")
}

// At the cap, a new client displaces an expired one first, else the oldest.
func TestMemoryCapEvictsExpiredThenOldest(t *testing.T) {
	s := newMemStore([]window{newWindow("t", mustRate(t, "1-M"), false)}, FixedWindow, 1, memShards) // one entry per shard
	var st [maxWindows]winState
	ctx := context.Background()
	// Find two keys of one shard.
	shardOf := func(k string) uint64 { return maphashOf(s, k) % memShards }
	a, b := "a", ""
	for i := 0; b == ""; i++ {
		if k := "b" + strconv.Itoa(i); shardOf(k) == shardOf(a) {
			b = k
		}
	}
	ok, _ := s.take(ctx, []byte(a), 1, &st)
	require.True(t, ok)
	ok, _ = s.take(ctx, []byte(a), 1, &st)
	require.False(t, ok, "a is at its limit")
	ok, _ = s.take(ctx, []byte(b), 1, &st)
	require.True(t, ok, "b displaces a, the oldest")
	ok, _ = s.take(ctx, []byte(a), 1, &st)
	assert.True(t, ok, "a starts afresh: evicted")
	assert.Equal(t, memShards, s.max*memShards)
}

// Windows are aligned on the client's first request: the shorter ones
// tile the longest, so all of a client's windows end together.
func TestMemoryWindowsAligned(t *testing.T) {
	l := newLimiter(t, "100-S, 1000-M")
	ctx := context.Background()
	var st [maxWindows]winState
	ok, _ := l.mem.take(ctx, []byte("k"), 1, &st)
	require.True(t, ok)
	start := st[1].reset.Add(-time.Minute)
	assert.Equal(t, start.Add(time.Second), st[0].reset)
	time.Sleep(1100 * time.Millisecond)
	l.mem.take(ctx, []byte("k"), 1, &st)
	assert.Equal(t, start.Add(2*time.Second), st[0].reset, "the second window of the epoch")
	assert.EqualValues(t, 1, st[0].count)
	assert.EqualValues(t, 2, st[1].count)
}
