package ratelimit

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/ulule/limiter/v3"
	"github.com/ulule/limiter/v3/drivers/store/memory"
)

// counter is the store seam: every way of counting (the private in-memory
// store, any ulule store, Redis) sits behind it. Counting itself is always
// ulule's: its memory cache or its Store.Increment.
type counter interface {
	// head is what precedes the client in window w's keys.
	head(w *window) string
	// hit adds cost (negative to refund) to key in window w.
	hit(ctx context.Context, key string, w *window, cost int64) (tally, error)
	// reset forgets key in window w.
	reset(ctx context.Context, key string, w *window) error
}

// tally is one window's state after a hit.
type tally struct {
	count     int64 // the window's count after the hit; valid when known
	known     bool  // ulule's Context hides the count once the limit is passed
	remaining int64
	reached   bool // count > limit: this window denies the request
	// resetLo and resetHi bracket the window's end. The memory store knows
	// it to the nanosecond (lo == hi); ulule's Store only reports Unix
	// seconds, so the end is somewhere in [Reset, Reset+1s). Retry-After and
	// the headers use hi (never tell a client to come back early), the deny
	// cache uses lo (never deny past the real reset).
	resetLo, resetHi time.Time
}

// memCounter counts in ulule's in-memory cache. It uses the cache directly,
// not memory.Store, for two reasons: memory.Store's cleaner goroutine can
// only be stopped by the garbage collector, while ours stops on Close; and
// the cache needs no context and reports the window's exact end.
type memCounter struct {
	cache *memory.CacheWrapper
	stop  chan struct{}
	once  sync.Once
}

// newMemCounter starts a cache and its cleaner, which deletes expired
// counters every interval until stop is called.
func newMemCounter(interval time.Duration) *memCounter {
	c := &memCounter{cache: memory.NewCache(0), stop: make(chan struct{})}
	go c.clean(interval)
	return c
}

func (c *memCounter) clean(interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			c.cache.Clean()
		case <-c.stop:
			return
		}
	}
}

// close stops the cleaner; counting keeps working.
func (c *memCounter) close() { c.once.Do(func() { close(c.stop) }) }

// key is short, since this store is private and keys dominate its memory
// (a million keys take about 180 MB): the window's index, then the client.
func (c *memCounter) head(w *window) string { return w.index }

func (c *memCounter) hit(_ context.Context, key string, w *window, cost int64) (tally, error) {
	n, end := c.cache.Increment(key, cost, w.rate.Period)
	return tallyFromCount(n, w.rate.Limit, end), nil
}

func (c *memCounter) reset(_ context.Context, key string, w *window) error {
	c.cache.Reset(key, w.rate.Period)
	return nil
}

func tallyFromCount(n, limit int64, end time.Time) tally {
	t := tally{count: n, known: true, reached: n > limit, resetLo: end, resetHi: end}
	if n < limit {
		t.remaining = limit - n
	}
	return t
}

// storeCounter counts in any ulule Store (WithStore, WithRedis). The store
// sees keys "<name>:<window>:<client>" and adds its own prefix.
type storeCounter struct {
	store limiter.Store
}

func (c storeCounter) head(w *window) string { return w.head }

func (c storeCounter) hit(ctx context.Context, key string, w *window, cost int64) (tally, error) {
	lc, err := c.store.Increment(ctx, key, cost, w.rate)
	// ulule's Redis store answers NOSCRIPT by loading its scripts and
	// trying once more; a SCRIPT FLUSH (or a restart) between the two makes
	// that try fail too. The script did not run, so trying again is safe.
	for try := 0; err != nil && try < 2 && strings.Contains(err.Error(), "NOSCRIPT"); try++ {
		lc, err = c.store.Increment(ctx, key, cost, w.rate)
	}
	if err != nil {
		return tally{}, err
	}
	t := tally{
		remaining: lc.Remaining,
		reached:   lc.Reached,
		resetLo:   time.Unix(lc.Reset, 0),
		resetHi:   time.Unix(lc.Reset+1, 0),
	}
	if !lc.Reached {
		t.count, t.known = w.rate.Limit-lc.Remaining, true
	}
	return t, nil
}

func (c storeCounter) reset(ctx context.Context, key string, w *window) error {
	_, err := c.store.Reset(ctx, key, w.rate)
	return err
}

// cleanInterval is how often the memory cleaner runs: the shortest window,
// kept between 10 s (a sweep of a million keys costs tens of milliseconds)
// and a minute (so expired keys never pile up for long).
func cleanInterval(ws []window) time.Duration {
	d := time.Minute
	for _, w := range ws {
		if w.rate.Period < d {
			d = w.rate.Period
		}
	}
	if d < 10*time.Second {
		d = 10 * time.Second
	}
	return d
}
