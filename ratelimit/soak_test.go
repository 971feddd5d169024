package ratelimit

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed1f3c5038/mw/internal/redistest"
)

// Soak tests: many goroutines hammer one key for seconds, across many
// window edges, as a user's load test would. MW_SOAK=1 makes them last 20 s
// instead of 2 s.

func soakFor() time.Duration {
	if os.Getenv("MW_SOAK") == "1" {
		return 20 * time.Second
	}
	return 2 * time.Second
}

// soakHit is one decision as the soak saw it.
type soakHit struct {
	at       time.Time
	d        decision
	refunded bool // soak took it back
}

// soak runs goroutines that call decide on key through the limiters, in
// turn, for dur, pausing a little between calls so that the record stays
// small, and returns every decision. With refundEvery n > 0 every nth
// call of a goroutine that was allowed is refunded right after its
// decision, as WithRefund does after the handler.
func soak(t *testing.T, ls []*Limiter, goroutines int, dur time.Duration, key string, refundEvery int) []soakHit {
	t.Helper()
	var mu sync.Mutex
	var all []soakHit
	var wg sync.WaitGroup
	stop := time.Now().Add(dur)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []soakHit
			for n := 0; time.Now().Before(stop); n++ {
				l := ls[(g+n)%len(ls)]
				d, out, err := l.decide(context.Background(), nil, []byte(key), 1)
				if out != counted {
					t.Errorf("not counted: %v", err)
					return
				}
				h := soakHit{at: time.Now(), d: d}
				if refundEvery > 0 && d.res.Allowed && n%refundEvery == 0 {
					if err := d.by.refund(context.Background(), []byte(key), 1, &d.ws); err != nil {
						t.Errorf("refund: %v", err)
						return
					}
					h.refunded = true
				}
				mine = append(mine, h)
				time.Sleep(200 * time.Microsecond)
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return all
}

// checkSoak checks the three promises over a soak's decisions, for each
// window: no window ever passes more than its limit; an allowed request's
// Remaining is at most Limit-1; a request is denied only by a window that
// really was full (nobody is locked out while under every limit). Windows
// are told apart by their end on the store's clock (winState.end): exact
// for both stores, since Redis computes a window's end from the client's
// epoch.
func checkSoak(t *testing.T, hits []soakHit, ws []window) {
	t.Helper()
	require.NotEmpty(t, hits)
	allowedN := 0
	for _, h := range hits {
		if h.d.res.Allowed {
			allowedN++
			require.LessOrEqual(t, h.d.res.Remaining, h.d.res.Limit-1, "Remaining on an allowed hit")
		}
	}
	for i, w := range ws {
		tol := int64(0)
		var resets []int64
		for _, h := range hits {
			if h.d.res.Allowed {
				resets = append(resets, h.d.ws[i].end)
			}
		}
		slices.Sort(resets)
		// Group the allowed hits into windows.
		type group struct {
			first, last int64
			n           int64
		}
		var groups []group
		for _, r := range resets {
			if len(groups) > 0 && r-groups[len(groups)-1].last <= tol {
				g := &groups[len(groups)-1]
				g.last, g.n = r, g.n+1
				continue
			}
			groups = append(groups, group{first: r, last: r, n: 1})
		}
		full := 0
		for _, g := range groups {
			require.LessOrEqual(t, g.n, w.rate.Limit, "window %s ending %v passed more than its limit", w.name, g.first)
			if g.n == w.rate.Limit {
				full++
			}
		}
		find := func(r int64) *group {
			for k := range groups {
				if g := &groups[k]; r >= g.first-tol && r <= g.last+tol {
					return g
				}
			}
			return nil
		}
		denied := 0
		for _, h := range hits {
			if h.d.res.Allowed || h.d.over&(1<<i) == 0 {
				continue
			}
			denied++
			require.EqualValues(t, w.rate.Limit, h.d.ws[i].count, "denied by window %s below its limit", w.name)
			g := find(h.d.ws[i].end)
			require.NotNil(t, g, "denied by window %s ending %v, in which nothing passed", w.name, h.d.ws[i].end)
			require.EqualValues(t, w.rate.Limit, g.n, "denied by window %s ending %v, which passed only %d", w.name, g.first, g.n)
		}
		t.Logf("window %s: %d windows seen, %d full; %d denials by it", w.name, len(groups), full, denied)
	}
	t.Logf("%d decisions, %d allowed", len(hits), allowedN)
}

// soakRates: one window, and three of which the minute one fills during
// the soak (so that denials come from both the second and the minute).
var soakRates = func() []string {
	if os.Getenv("MW_SOAK") == "1" {
		return []string{"5-S", "5-S, 40-M, 1000-H"}
	}
	return []string{"5-S", "5-S, 8-M, 1000-H"}
}()

func TestSoakMemory(t *testing.T) {
	for _, rates := range soakRates {
		t.Run(rates, func(t *testing.T) {
			t.Parallel()
			l := newLimiter(t, rates)
			hits := soak(t, []*Limiter{l}, 16, soakFor(), "k", 0)
			checkSoak(t, hits, l.windows)
		})
	}
}

func TestSoakRedis(t *testing.T) {
	srv := redistest.Start(t)
	for _, rates := range soakRates {
		for _, n := range []int{1, 3} {
			t.Run(fmt.Sprintf("%s/instances=%d", rates, n), func(t *testing.T) {
				var ls []*Limiter
				for range n {
					c := srv.Client(t, func(o *redis.Options) { o.ContextTimeoutEnabled = true })
					ls = append(ls, newLimiter(t, rates, WithRedis(c), WithName("soak"+strconv.Itoa(n)+strconv.Itoa(len(rates))),
						WithStoreTimeout(2*time.Second), WithOnError(func(_ *http.Request, err error) { t.Errorf("store error: %v", err) })))
				}
				hits := soak(t, ls, 16, soakFor(), "k", 0)
				checkSoak(t, hits, ls[0].windows)
			})
		}
	}
}

// The same soak on a real three-master Redis Cluster, with three clients
// whose hashes live on different masters.
func TestSoakRedisCluster(t *testing.T) {
	cl := redistest.StartCluster3(t)
	var ls []*Limiter
	for range 3 {
		c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: cl.Addrs, ContextTimeoutEnabled: true})
		t.Cleanup(func() { c.Close() })
		ls = append(ls, newLimiter(t, soakRates[1], WithRedis(c), WithName("cl"), WithStoreTimeout(2*time.Second),
			WithOnError(func(_ *http.Request, err error) { t.Errorf("store error: %v", err) })))
	}
	var keys []string
	for i := range 3 {
		keys = append(keys, "user:"+strconv.Itoa(i))
	}
	var wg sync.WaitGroup
	results := make([][]soakHit, len(keys))
	for i, k := range keys {
		wg.Add(1)
		go func() { defer wg.Done(); results[i] = soak(t, ls, 6, soakFor(), k, 0) }()
	}
	wg.Wait()
	for _, hits := range results {
		checkSoak(t, hits, ls[0].windows)
	}
	// A client's keys are in one slot; the clients spread over the masters.
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: cl.Addrs})
	defer c.Close()
	ctx := context.Background()
	nodes := map[string]bool{}
	for i := range 30 {
		client := []byte("user:" + strconv.Itoa(i))
		var slots []int64
		for _, k := range []string{ls[0].remote.primary.(*redisStore).key(client), "{cl:" + string(client) + "}"} {
			s, err := c.ClusterKeySlot(ctx, k).Result()
			require.NoError(t, err)
			slots = append(slots, s)
		}
		require.Len(t, slices.Compact(slots), 1, "%s hashed by its tag", client)
		n, err := c.MasterForKey(ctx, ls[0].remote.primary.(*redisStore).key(client))
		require.NoError(t, err)
		nodes[n.Options().Addr] = true
	}
	assert.Len(t, nodes, 3, "clients spread over the three masters")
}

// TestRedisChaosMidSoak: three instances share one Redis under sustained
// load through the middleware while Redis is killed and restarted, paused,
// or flushed. No request gets a 5xx, an allowed response never shows more
// than Limit-1 remaining, and from 2 s after Redis is back, every window
// passes at most its limit, and some pass exactly it: with WithInstances(3)
// the degraded instances would allow 3 each, 9 in all, so a window of 10
// shows they are on Redis again. The store timeout is 400 ms so that a call
// slowed by the loaded machine (-race, other tests) does not fail on its
// own: a single failed call is decided in memory, which is not exact.
func TestRedisChaosMidSoak(t *testing.T) {
	const limit = 10
	for _, event := range []string{"kill", "pause", "flush"} {
		t.Run(event, func(t *testing.T) {
			srv := redistest.Start(t)
			rdb := admin(t, srv)
			type rec struct {
				at  time.Time
				res Result
			}
			var mu sync.Mutex
			var recs []rec
			var hs []http.Handler
			for range 3 {
				c := srv.Client(t, func(o *redis.Options) {
					o.ContextTimeoutEnabled = true
					o.DialerRetries = 1
					o.DialerRetryTimeout = time.Millisecond
				})
				l := newLimiter(t, strconv.Itoa(limit)+"-S", WithRedis(c), WithName("chaos"), WithInstances(3), WithStoreTimeout(400*time.Millisecond),
					WithOnDecision(func(_ *http.Request, res Result) {
						mu.Lock()
						recs = append(recs, rec{time.Now(), res})
						mu.Unlock()
					}))
				hs = append(hs, l.Middleware(&ok{}))
			}
			var wg sync.WaitGroup
			var stopAt atomicTime
			stopAt.set(time.Now().Add(time.Minute))
			var bad sync.Map
			for g := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for n := 0; time.Now().Before(stopAt.get()); n++ {
						w := do(hs[(g+n)%3], request("192.0.2.1:1"))
						switch {
						case w.Code >= 500:
							bad.Store("5xx", w.Code)
						case w.Code == 200:
							if rem, _ := strconv.Atoi(w.Header().Get("X-RateLimit-Remaining")); rem > limit-1 {
								bad.Store("remaining", rem)
							}
						}
						time.Sleep(time.Millisecond)
					}
				}()
			}
			time.Sleep(500 * time.Millisecond)
			var back time.Time
			switch event {
			case "kill":
				srv.Kill()
				time.Sleep(700 * time.Millisecond)
				srv.Restart()
				back = time.Now()
			case "pause":
				require.NoError(t, rdb.Do(context.Background(), "CLIENT", "PAUSE", "1500", "ALL").Err())
				back = time.Now().Add(1500 * time.Millisecond)
			case "flush":
				require.NoError(t, rdb.FlushAll(context.Background()).Err())
				back = time.Now()
			}
			exactFrom := back.Add(2 * time.Second)
			stopAt.set(exactFrom.Add(3 * time.Second))
			wg.Wait()
			bad.Range(func(k, v any) bool { t.Errorf("%s: %v", k, v); return true })

			// Windows after exactFrom, grouped by their reset.
			mu.Lock()
			defer mu.Unlock()
			var resets []time.Time
			for _, r := range recs {
				if r.res.Allowed && r.at.After(exactFrom) && r.res.Reset.Add(-time.Second).After(exactFrom) {
					resets = append(resets, r.res.Reset)
				}
			}
			slices.SortFunc(resets, func(a, b time.Time) int { return a.Compare(b) })
			var counts []int
			var last time.Time
			for _, r := range resets {
				if len(counts) > 0 && r.Sub(last) <= 500*time.Millisecond {
					counts[len(counts)-1]++
				} else {
					counts = append(counts, 1)
				}
				last = r
			}
			t.Logf("%d decisions; allowed per window from 2 s after recovery: %v", len(recs), counts)
			require.NotEmpty(t, counts)
			for _, n := range counts {
				assert.LessOrEqual(t, n, limit)
			}
			assert.Contains(t, counts, limit, "a full window of the shared limit: on Redis again")
		})
	}
}

// atomicTime is a time.Time for several goroutines.
type atomicTime struct {
	mu sync.Mutex
	t  time.Time
}

func (a *atomicTime) set(t time.Time) { a.mu.Lock(); a.t = t; a.mu.Unlock() }
func (a *atomicTime) get() time.Time  { a.mu.Lock(); defer a.mu.Unlock(); return a.t }
