package ratelimit

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed1f3c5038/mw/internal/redistest"
)

// untilRoom is checked against a search over every instant: the first t at
// which one more request fits, found by moving the window on as the stores
// do.
func TestUntilRoomIsTheFirstInstantWithRoom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		period := int64(1 + rng.IntN(400))
		limit := int64(1 + rng.IntN(12))
		c := counts{count: rng.Int64N(limit + 2), prev: rng.Int64N(2*limit + 1), left: 1 + rng.Int64N(period), period: period}
		for _, sliding := range []bool{false, true} {
			want := int64(0)
			for c.after(want).weighted(sliding)+1 > limit {
				want++
			}
			require.Equal(t, want, c.untilRoom(limit, sliding), "%+v limit %d sliding %v", c, limit, sliding)
		}
	}
}

func TestWeightedCount(t *testing.T) {
	c := counts{count: 3, prev: 10, left: 250, period: 1000}
	assert.EqualValues(t, 3, c.weighted(false), "a fixed window ignores the previous one")
	assert.EqualValues(t, 3+2, c.weighted(true), "a quarter of the previous window still overlaps: 10/4 rounded down")
	assert.EqualValues(t, 3+10, counts{count: 3, prev: 10, left: 1000, period: 1000}.weighted(true))
}

// advance moves the store's clock on by d.
func advance(s *memStore, d time.Duration) { s.base = s.base.Add(-d) }

// The edge burst of the issue, on the store's own clock: one request at 0
// and nine at 0.9 s of a "10-S" window, then ten at 1.1 s. A fixed window
// starts again at 1 s and lets ten more through; a sliding one still
// weighs 90% of the first window, so only one.
func TestEdgeBurstMemoryClock(t *testing.T) {
	for _, alg := range []Algorithm{FixedWindow, SlidingWindow} {
		t.Run(alg.String(), func(t *testing.T) {
			s := newMemStore([]window{newWindow("t", mustRate(t, "10-S"), false)}, alg, 1, DefaultMaxKeys)
			var st [maxWindows]winState
			take := func() bool { ok, _ := s.take(context.Background(), []byte("k"), 1, &st); return ok }
			require.True(t, take())
			advance(s, 900*time.Millisecond)
			for range 9 {
				require.True(t, take())
			}
			require.False(t, take(), "the window is full")
			advance(s, 200*time.Millisecond)
			late := 0
			for range 10 {
				if take() {
					late++
				}
			}
			if alg == FixedWindow {
				assert.Equal(t, 10, late)
				return
			}
			// Just after 1.1 s the first window weighs a little under 9,
			// rounded down to 8, so two pass (httprate's counter lets the
			// same two through); exactly at 1.1 s only one would.
			assert.Equal(t, 2, late)
			assert.EqualValues(t, 10, st[0].count)
			// Room for a third once the first window weighs under 8: at 1.2 s.
			now := s.base.Add(time.Since(s.base))
			assert.InDelta(t, 100*time.Millisecond, st[0].reset.Sub(now), float64(5*time.Millisecond))
		})
	}
}

// A window whose own count is full makes room only in the next window,
// once that count weighs less than the limit.
func TestSlidingRetryWhenTheCurrentWindowIsFull(t *testing.T) {
	s := newMemStore([]window{newWindow("t", mustRate(t, "4-S"), false)}, SlidingWindow, 1, DefaultMaxKeys)
	var st [maxWindows]winState
	for range 4 {
		ok, _ := s.take(context.Background(), []byte("k"), 1, &st)
		require.True(t, ok)
	}
	advance(s, 500*time.Millisecond)
	ok, _ := s.take(context.Background(), []byte("k"), 1, &st)
	require.False(t, ok)
	// Next window, from 1 s: 4 * (1 - f) < 4 for any f > 0.
	now := s.base.Add(time.Since(s.base))
	assert.InDelta(t, 500*time.Millisecond, st[0].reset.Sub(now), float64(5*time.Millisecond))
	advance(s, 501*time.Millisecond)
	ok, _ = s.take(context.Background(), []byte("k"), 1, &st)
	assert.True(t, ok, "room once the window moved on")
	ok, _ = s.take(context.Background(), []byte("k"), 1, &st)
	assert.False(t, ok, "and room for only one: 1 + floor(4*0.999) = 4")
}

// A refund reaches the window the request was counted in even after that
// window has moved on (it is the previous window then, which a sliding
// window still weighs), never the current one.
func TestSlidingRefundAfterTheWindowMovedOn(t *testing.T) {
	s := newMemStore([]window{newWindow("t", mustRate(t, "4-S"), false)}, SlidingWindow, 1, DefaultMaxKeys)
	ctx := context.Background()
	var first, st [maxWindows]winState
	for range 4 {
		ok, _ := s.take(ctx, []byte("k"), 1, &first)
		require.True(t, ok)
	}
	advance(s, 1100*time.Millisecond)
	ok, _ := s.take(ctx, []byte("k"), 1, &st)
	require.True(t, ok, "1 + floor(4*0.9) = 4")
	ok, _ = s.take(ctx, []byte("k"), 1, &st)
	require.False(t, ok)
	require.NoError(t, s.refund(ctx, []byte("k"), 1, &first))
	ok, _ = s.take(ctx, []byte("k"), 1, &st)
	assert.True(t, ok, "the refund lowered the previous window: 2 + floor(3*0.9) = 4")
	assert.EqualValues(t, 4, st[0].count)
	e := s.shards[maphashOf(s, "k")%memShards].m["k"]
	assert.EqualValues(t, 2, e.w[0].count, "the current window kept both its requests")
	assert.EqualValues(t, 3, e.w[0].prev)
}

// Under SlidingWindow an entry lives one longest period past its window's
// end (its count still weighs), then is cleaned away.
func TestSlidingEntryExpiry(t *testing.T) {
	s := newMemStore([]window{newWindow("t", mustRate(t, "5-S"), false)}, SlidingWindow, 1, DefaultMaxKeys)
	var st [maxWindows]winState
	sh := &s.shards[maphashOf(s, "a")%memShards]
	flood := func(prefix string) { // enough requests to reach every shard a few times
		for i := range 8 * memShards {
			s.take(context.Background(), []byte(prefix+strconv.Itoa(i)), 1, &st)
		}
	}
	s.take(context.Background(), []byte("a"), 1, &st)
	advance(s, 1500*time.Millisecond)
	flood("b")
	assert.NotNil(t, sh.m["a"], "1.5 s: a's window ended, but its count still weighs")
	advance(s, 600*time.Millisecond)
	flood("c")
	assert.Nil(t, sh.m["a"], "2.1 s: a expired and was cleaned by later requests")
}

func TestAlgorithmOptionErrors(t *testing.T) {
	_, err := New("10-S", WithStore(uluMemoryStore()), WithAlgorithm(SlidingWindow))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "WithAlgorithm(SlidingWindow) with WithStore")
	_, err = New("10-S", WithAlgorithm(Algorithm(7)))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "WithAlgorithm(7)")
	assert.Contains(t, err.Error(), "FixedWindow or SlidingWindow")
	_, err = New("10-S", WithStore(uluMemoryStore()), WithAlgorithm(FixedWindow))
	assert.NoError(t, err)
	assert.Equal(t, "Algorithm(7)", Algorithm(7).String())
}

// The edge burst over HTTP and the real clock, on memory and on Redis:
// one request, nine at 0.9 s, ten at 1.1 s.
func TestEdgeBurstHTTP(t *testing.T) {
	for name, opts := range storeOptions(t) {
		for _, alg := range []Algorithm{FixedWindow, SlidingWindow} {
			t.Run(name+"/"+alg.String(), func(t *testing.T) {
				t.Parallel()
				l := newLimiter(t, "10-S", append(opts, WithAlgorithm(alg), WithName("edge-"+alg.String()))...)
				h := l.Middleware(&ok{})
				start := time.Now()
				require.Equal(t, 200, do(h, request("192.0.2.1:1")).Code)
				time.Sleep(time.Until(start.Add(900 * time.Millisecond)))
				for range 9 {
					require.Equal(t, 200, do(h, request("192.0.2.1:1")).Code)
				}
				time.Sleep(time.Until(start.Add(1100 * time.Millisecond)))
				late := 0
				var denied *http.Response
				for range 10 {
					w := do(h, request("192.0.2.1:1"))
					if w.Code == 200 {
						late++
					} else {
						denied = w.Result()
					}
				}
				if alg == FixedWindow {
					assert.Equal(t, 10, late, "a fixed window lets ten more through at its edge")
					return
				}
				// 1.1 s, plus however late the scheduler was: 90% or a
				// little less of the first window still weighs.
				assert.GreaterOrEqual(t, late, 1)
				assert.LessOrEqual(t, late, 2, "a sliding window lets about one through")
				require.NotNil(t, denied)
				assert.Equal(t, "1", denied.Header.Get("Retry-After"), "room again within 0.1 s, rounded up")
				assert.Equal(t, "0", denied.Header.Get("X-RateLimit-Remaining"))
			})
		}
	}
}

// Steady traffic just under the limit is never refused by a sliding
// window: 10 per second allowed, one request every 110 ms for 3 s. (At
// exactly the limit a fixed window refuses too, whenever scheduling puts
// eleven requests in one window.)
func TestSlidingSteadyTrafficAllowed(t *testing.T) {
	for name, opts := range storeOptions(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			l := newLimiter(t, "10-S", append(opts, WithAlgorithm(SlidingWindow), WithName("steady"))...)
			h := l.Middleware(&ok{})
			for i := 0; i < 27; i++ {
				w := do(h, request("192.0.2.1:1"))
				require.Equal(t, 200, w.Code, "request %d", i)
				time.Sleep(110 * time.Millisecond)
			}
		})
	}
}

// Under sustained concurrent load a sliding window keeps every promise of
// the fixed one that still holds for it (checkSoak), with refunds mixed in.
func TestSoakSlidingWithRefunds(t *testing.T) {
	for name, opts := range storeOptions(t) {
		for _, rates := range soakRates {
			t.Run(name+"/"+rates, func(t *testing.T) {
				t.Parallel()
				var ls []*Limiter
				for range 3 {
					ls = append(ls, newLimiter(t, rates, append(opts, WithAlgorithm(SlidingWindow), WithName("soak-sliding"+strconv.Itoa(len(rates))))...))
					if name == "memory" {
						break // one store: instances share nothing in memory
					}
				}
				hits := soak(t, ls, 12, soakFor(), "k", 3)
				unit := time.Millisecond // Redis's clock
				if name == "memory" {
					unit = time.Nanosecond
				}
				checkSoakSliding(t, hits, ls[0].windows, unit)
			})
		}
	}
}

// checkSoakSliding: every window passes at most its limit net of the
// refunds of requests counted in it (its count never exceeds the limit);
// an allowed request's Remaining is at most Limit-1; and a request is
// denied by a window only when it and the one before passed, net, at
// least the limit between them (the previous one weighs at most its count;
// refunds are not subtracted there, as one may land just after a
// denial): nobody is locked out while under the limit. unit is the store
// clock's, in which window ends are.
func checkSoakSliding(t *testing.T, hits []soakHit, ws []window, unit time.Duration) {
	t.Helper()
	require.NotEmpty(t, hits)
	for _, h := range hits {
		if h.d.res.Allowed {
			require.LessOrEqual(t, h.d.res.Remaining, h.d.res.Limit-1, "Remaining on an allowed hit")
		}
	}
	for i, w := range ws {
		net := map[int64]int64{}   // window end -> allowed minus refunded
		gross := map[int64]int64{} // window end -> allowed
		var ends []int64
		for _, h := range hits {
			if !h.d.res.Allowed {
				continue
			}
			end := h.d.ws[i].end
			if _, seen := net[end]; !seen {
				ends = append(ends, end)
			}
			net[end]++
			gross[end]++
			if h.refunded {
				net[end]--
			}
		}
		full := 0
		for _, end := range ends {
			require.LessOrEqual(t, net[end], w.rate.Limit, "window %s ending %d passed more than its limit", w.name, end)
			if net[end] == w.rate.Limit {
				full++
			}
		}
		period := int64(w.rate.Period / unit)
		denied := 0
		for _, h := range hits {
			if h.d.res.Allowed || h.d.over&(1<<i) == 0 {
				continue
			}
			denied++
			end := h.d.ws[i].end
			require.EqualValues(t, w.rate.Limit, h.d.ws[i].count, "denied by window %s below its limit", w.name)
			require.GreaterOrEqual(t, gross[end]+gross[end-period], w.rate.Limit,
				"denied by window %s ending %d, which with the one before passed only %d", w.name, end, gross[end]+gross[end-period])
		}
		t.Logf("window %s: %d windows seen, %d full net of refunds; %d denials by it", w.name, len(ends), full, denied)
	}
}

// The same on Redis, on the real clock: the refund of a request counted
// in the window that has since moved on lowers that window's count, now
// the previous one, and never the current window's.
func TestSlidingRefundAfterTheWindowMovedOnRedis(t *testing.T) {
	srv := redistest.Start(t)
	rdb := admin(t, srv)
	l := newLimiter(t, "4-S", WithRedis(srv.Client(t)), WithName("moved"), WithAlgorithm(SlidingWindow), WithStoreTimeout(5*time.Second))
	s := l.remote.primary
	ctx := context.Background()
	var first, st [maxWindows]winState
	for range 4 {
		ok, err := s.take(ctx, []byte("k"), 1, &first)
		require.NoError(t, err)
		require.True(t, ok)
	}
	time.Sleep(1100 * time.Millisecond)
	ok, err := s.take(ctx, []byte("k"), 1, &st)
	require.NoError(t, err)
	require.True(t, ok, "1 + floor(4*0.9) = 4")
	require.NoError(t, s.refund(ctx, []byte("k"), 1, &first))
	got := redisState(t, rdb, "ratelimit:{moved:k}")
	assert.EqualValues(t, 1, got.count[0], "the current window kept its request")
	assert.EqualValues(t, 3, got.prev[0], "the refund reached the window it was counted in")
	require.NoError(t, s.refund(ctx, []byte("k"), 1, &st))
	assert.EqualValues(t, 0, redisState(t, rdb, "ratelimit:{moved:k}").count[0])
}
