package ratelimit

import (
	"sync"
	"time"
)

// denyCacheSize bounds the deny cache. An entry takes about 200 bytes, so
// the cache stays under 2 to 3 MB; past that, entries are evicted at random,
// which only costs the evicted clients store round trips again.
const denyCacheSize = 10000

// denyCache remembers, per limiter, the clients the store has found over
// their limit, until their exceeded windows reset, so that a client
// hammering the API is refused without a store round trip. An entry never
// outlives the earliest instant its windows can reset (tally.resetLo), so
// the cache never refuses a client the store would let in after a reset.
type denyCache struct {
	mu      sync.RWMutex
	entries map[string]decision
	max     int
	swept   time.Time
}

func newDenyCache(max int) *denyCache {
	return &denyCache{entries: make(map[string]decision), max: max}
}

// lookup returns the cached denial for client, with Retry-After and the
// headers recomputed for now.
func (c *denyCache) lookup(client []byte, now time.Time) (decision, bool) {
	if c == nil {
		return decision{}, false
	}
	c.mu.RLock()
	d, ok := c.entries[string(client)]
	c.mu.RUnlock()
	if !ok || !now.Before(d.denyUntil) {
		return decision{}, false
	}
	d.now = now
	return d, true
}

func (c *denyCache) add(client []byte, d decision) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		c.makeRoom(d.now)
	}
	c.entries[string(client)] = d
}

// makeRoom drops expired entries (at most once a second, since it walks
// the whole map), then random ones until there is room for one more.
func (c *denyCache) makeRoom(now time.Time) {
	if now.Sub(c.swept) >= time.Second {
		c.swept = now
		for k, d := range c.entries {
			if !now.Before(d.denyUntil) {
				delete(c.entries, k)
			}
		}
	}
	for k := range c.entries {
		if len(c.entries) < c.max {
			break
		}
		delete(c.entries, k) // map order is random: a random victim
	}
}

func (c *denyCache) remove(key string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	delete(c.entries, key)
	c.mu.Unlock()
}

func (c *denyCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}
