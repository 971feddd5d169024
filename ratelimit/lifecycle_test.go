package ratelimit

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/ulule/limiter/v3/drivers/store/memory"
	"go.uber.org/goleak"
)

// unreachableRedis is a client for a port nothing listens on.
func unreachableRedis(t testing.TB) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	t.Cleanup(func() { c.Close() })
	return c
}

func cleanerGoroutines() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return strings.Count(string(buf), "(*memCounter).clean(")
}

func TestCloseStopsCleaner(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	l, err := New("10-M")
	require.NoError(t, err)
	_, err = l.Allow(context.Background(), "k")
	require.NoError(t, err)
	require.NoError(t, l.Close())
	require.NoError(t, l.Close(), "Close is idempotent")
	res, err := l.Allow(context.Background(), "k")
	require.NoError(t, err)
	assert.Equal(t, int64(8), res.Remaining, "still limits after Close")
}

func TestAbandonedLimiterStopsCleaner(t *testing.T) {
	before := cleanerGoroutines()
	func() {
		l, err := New("10-M")
		require.NoError(t, err)
		l.Middleware(&ok{})
		require.Eventually(t, func() bool { return cleanerGoroutines() == before+1 }, 5*time.Second, 10*time.Millisecond)
		runtime.KeepAlive(l)
	}()
	require.Eventually(t, func() bool {
		runtime.GC()
		return cleanerGoroutines() == before
	}, 5*time.Second, 20*time.Millisecond, "the finalizer stops the cleaner of an unreachable Limiter")
}

func TestCleanerRemovesExpiredKeys(t *testing.T) {
	c := newMemCounter(50 * time.Millisecond)
	defer c.close()
	l := newLimiter(t, "5-S")
	w := &l.windows[0]
	for i := range 100 {
		_, err := c.hit(context.Background(), w.keyWith(c.head(w), []byte{byte(i)}), w, 1)
		require.NoError(t, err)
	}
	assert.Equal(t, 100, cacheLen(c))
	assert.Eventually(t, func() bool { return cacheLen(c) == 0 }, 5*time.Second, 50*time.Millisecond)
}

func cacheLen(c *memCounter) int {
	n := 0
	c.cache.Range(func(string, *memory.Counter) { n++ })
	return n
}

func TestCleanInterval(t *testing.T) {
	ws := func(rates string) []window {
		l := newLimiter(t, rates)
		return l.windows
	}
	assert.Equal(t, 10*time.Second, cleanInterval(ws("1-S")))
	assert.Equal(t, time.Minute, cleanInterval(ws("1-M, 5-H")))
	assert.Equal(t, time.Minute, cleanInterval(ws("1-D")))
}
