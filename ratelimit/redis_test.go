package ratelimit

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed1f3c5038/mw/internal/redistest"
)

// commands counts the commands a go-redis client sends, by name.
type commands struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *commands) DialHook(next redis.DialHook) redis.DialHook { return next }
func (c *commands) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
func (c *commands) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.mu.Lock()
		if c.n == nil {
			c.n = map[string]int{}
		}
		c.n[strings.ToLower(cmd.Name())]++
		c.mu.Unlock()
		return next(ctx, cmd)
	}
}

func (c *commands) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.n {
		n += v
	}
	return n
}

// instance is one "app instance": its own go-redis client and Limiter.
type instance struct {
	l    *Limiter
	c    *redis.Client
	cmds *commands
	h    http.Handler
}

func newInstance(t *testing.T, srv *redistest.Server, rates string, opts ...Option) *instance {
	t.Helper()
	return newInstanceWith(t, srv, nil, rates, opts...)
}

func newInstanceWith(t *testing.T, srv *redistest.Server, o func(*redis.Options), rates string, opts ...Option) *instance {
	t.Helper()
	var c *redis.Client
	if o != nil {
		c = srv.Client(t, o)
	} else {
		c = srv.Client(t)
	}
	in := &instance{c: c, cmds: &commands{}}
	c.AddHook(in.cmds)
	in.l = newLimiter(t, rates, append([]Option{WithRedis(c)}, opts...)...)
	in.h = in.l.Middleware(&ok{})
	return in
}

func admin(t *testing.T, srv *redistest.Server) *redis.Client {
	return srv.Client(t)
}

func TestRedisInstancesShareOneLimit(t *testing.T) {
	srv := redistest.Start(t)
	var ins []*instance
	for range 3 {
		ins = append(ins, newInstance(t, srv, "30-M", WithName("shared"), WithStoreTimeout(5*time.Second)))
	}
	var allowed, denied atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 120 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			w := do(ins[i%3].h, request("192.0.2.1:1"))
			switch w.Code {
			case 200:
				allowed.Add(1)
			case 429:
				denied.Add(1)
			}
		}()
	}
	close(start)
	wg.Wait()
	assert.EqualValues(t, 30, allowed.Load())
	assert.EqualValues(t, 90, denied.Load())
}

func TestRedisKeyLayoutAndExpiry(t *testing.T) {
	srv := redistest.Start(t)
	in := newInstance(t, srv, "5-S, 100-M", WithName("api"))
	rdb := admin(t, srv)
	ctx := context.Background()

	require.Equal(t, 200, do(in.h, request("192.0.2.1:1")).Code)
	require.Equal(t, 200, do(in.h, request("[2001:db8::1]:1")).Code)
	for _, key := range []string{"ratelimit:{api:192.0.2.1}", "ratelimit:{api:2001:db8::/64}"} {
		assert.EqualValues(t, 8*stateWords(2), rdb.StrLen(ctx, key).Val(), "%s: 2+3n float64s for n windows", key)
		st := redisState(t, rdb, key)
		assert.InDelta(t, time.Now().UnixMilli(), st.epoch, 5000, key)
		assert.Equal(t, []int64{0, 0}, st.k[:2], key)
		assert.Equal(t, []int64{1, 1}, st.count[:2], key)
		assert.Equal(t, []int64{0, 0}, st.prev[:2], key)
		assert.Equal(t, st.epoch+60_000, st.expiry, key)
		exp, err := rdb.PExpireTime(ctx, key).Result()
		require.NoError(t, err)
		assert.Equal(t, time.Duration(st.expiry)*time.Millisecond, exp, "the key expires when its state says")
		ttl, err := rdb.PTTL(ctx, key).Result()
		require.NoError(t, err)
		assert.True(t, ttl > 59*time.Second && ttl <= time.Minute, "%s: expires with its longest window, %v", key, ttl)
	}
	n, err := rdb.DBSize(ctx).Result()
	require.NoError(t, err)
	assert.EqualValues(t, 2, n, "one key per client")
}

// A value another layout left under a client's key (a deployment with
// another number of windows, or not ours) is never read as counts: the
// client starts afresh, and the key takes this limiter's layout.
func TestRedisForeignValueStartsAfresh(t *testing.T) {
	srv := redistest.Start(t)
	rdb := admin(t, srv)
	ctx := context.Background()
	one := newInstance(t, srv, "3-M", WithName("api"))
	two := newInstance(t, srv, "3-M, 10-H", WithName("api"))
	const key = "ratelimit:{api:192.0.2.1}"
	for _, old := range []func(){
		func() { // the one-window layout, at its limit
			for range 3 {
				require.Equal(t, 200, do(one.h, request("192.0.2.1:1")).Code)
			}
			require.EqualValues(t, 8*stateWords(1), rdb.StrLen(ctx, key).Val())
		},
		func() {
			require.NoError(t, rdb.Set(ctx, key, strings.Repeat("\xff", 8*stateWords(4)), time.Hour).Err())
		},
		func() { require.NoError(t, rdb.Set(ctx, key, "", time.Hour).Err()) },
	} {
		old()
		w := do(two.h, request("192.0.2.1:1"))
		require.Equal(t, 200, w.Code)
		assert.Equal(t, "2", w.Header().Get("X-RateLimit-Remaining"))
		st := redisState(t, rdb, key)
		assert.Equal(t, []int64{1, 1}, st.count[:2])
		require.NoError(t, rdb.Del(ctx, key).Err())
	}
}

func TestRedisUnreachableAtStart(t *testing.T) {
	dead := unreachableRedis(t)

	t.Run("FallbackLocal", func(t *testing.T) {
		var reports atomic.Int64
		var last atomic.Value
		l := newLimiter(t, "2-M", WithRedis(dead), WithOnError(func(r *http.Request, err error) {
			reports.Add(1)
			last.Store(err)
		}))
		h := l.Middleware(&ok{})
		codes := []int{}
		for range 4 {
			codes = append(codes, do(h, request("192.0.2.1:1")).Code)
		}
		assert.Equal(t, []int{200, 200, 429, 429}, codes, "limited in memory")
		assert.EqualValues(t, 1, reports.Load(), "at most once a second")
		err := last.Load().(error)
		assert.ErrorIs(t, err, ErrStoreUnavailable)
		var op *net.OpError
		assert.ErrorAs(t, err, &op, "the store's own error is wrapped")
		assert.Contains(t, err.Error(), `ratelimit "default"`, "the limiter is named")
		res, err := l.Allow(context.Background(), "k")
		assert.NoError(t, err, "a decision was made, from memory")
		assert.True(t, res.Allowed)
	})
	t.Run("FailOpen", func(t *testing.T) {
		l := newLimiter(t, "1-M", WithRedis(dead), WithFailure(FailOpen))
		next := &ok{}
		h := l.Middleware(next)
		for range 3 {
			w := do(h, request("192.0.2.1:1"))
			assert.Equal(t, 200, w.Code)
			assert.Empty(t, w.Header().Get("X-RateLimit-Limit"))
		}
		assert.False(t, next.found)
		res, err := l.Allow(context.Background(), "k")
		assert.ErrorIs(t, err, ErrStoreUnavailable)
		assert.True(t, res.Allowed)
	})
	t.Run("FailClosed", func(t *testing.T) {
		l, err := New("1-M", WithRedis(dead), WithFailure(FailClosed))
		require.NoError(t, err, "New does not contact Redis, whatever the policy")
		defer l.Close()
		next := &ok{}
		w := do(l.Middleware(next), request("192.0.2.1:1"))
		assert.Equal(t, http.StatusServiceUnavailable, w.Code)
		assert.Equal(t, "1", w.Header().Get("Retry-After"))
		assert.Zero(t, next.calls.Load())
		res, err := l.Allow(context.Background(), "k")
		assert.ErrorIs(t, err, ErrStoreUnavailable)
		assert.False(t, res.Allowed)
	})
	t.Run("FailClosed in dry run", func(t *testing.T) {
		l := newLimiter(t, "1-M", WithRedis(dead), WithFailure(FailClosed), WithDryRun(true))
		assert.Equal(t, 200, do(l.Middleware(&ok{}), request("192.0.2.1:1")).Code, "dry run never denies")
	})
}

func TestRedisKilledMidLoadThenRestarted(t *testing.T) {
	srv := redistest.Start(t)
	const timeout = 100 * time.Millisecond
	var reports [3]atomic.Int64
	var ins []*instance
	for i := range 3 {
		ins = append(ins, newInstance(t, srv, "20-M", WithName("kill"), WithStoreTimeout(timeout),
			WithOnError(func(r *http.Request, err error) { reports[i].Add(1) })))
	}

	var stop atomic.Bool
	var fivexx, total atomic.Int64
	var slowest atomic.Int64
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; !stop.Load(); n++ {
				start := time.Now()
				w := do(ins[g%3].h, request("198.51.100."+itoa(g*40+n%40)+":1"))
				d := time.Since(start)
				for {
					s := slowest.Load()
					if int64(d) <= s || slowest.CompareAndSwap(s, int64(d)) {
						break
					}
				}
				total.Add(1)
				if w.Code >= 500 {
					fivexx.Add(1)
				}
				time.Sleep(time.Millisecond)
			}
		}()
	}
	time.Sleep(200 * time.Millisecond)
	srv.Kill()
	time.Sleep(500 * time.Millisecond)

	// Down: each instance limits on its own.
	for i, in := range ins {
		allowed := 0
		for range 30 {
			if do(in.h, request("203.0.113."+itoa(i)+":1")).Code == 200 {
				allowed++
			}
		}
		assert.Equal(t, 20, allowed, "instance %d limits in memory", i)
	}

	srv.Restart()
	restarted := time.Now()
	rdb := admin(t, srv)
	// Back on Redis within 2 s: each instance's hits land in Redis again.
	for i, in := range ins {
		key := "back-" + itoa(i)
		require.Eventually(t, func() bool {
			in.l.Allow(context.Background(), key)
			n, _ := rdb.Exists(context.Background(), "ratelimit:{kill:"+key+"}").Result()
			return n == 1
		}, 3*time.Second, 20*time.Millisecond)
		assert.Less(t, time.Since(restarted), 2*time.Second+500*time.Millisecond, "instance %d back on Redis", i)
	}
	stop.Store(true)
	wg.Wait()

	assert.Zero(t, fivexx.Load(), "no 5xx under FallbackLocal")
	t.Logf("%d requests, slowest %v", total.Load(), time.Duration(slowest.Load()))
	assert.Less(t, time.Duration(slowest.Load()), timeout+300*time.Millisecond, "bounded by the store timeout")
	for i := range reports {
		assert.GreaterOrEqual(t, reports[i].Load(), int64(2), "failure and recovery reported")
	}

	// Shared again: 3 instances, one limit.
	allowed := 0
	for n := range 60 {
		if do(ins[n%3].h, request("192.0.2.77:1")).Code == 200 {
			allowed++
		}
	}
	assert.Equal(t, 20, allowed)
}

func TestRedisScriptFlushMidRun(t *testing.T) {
	srv := redistest.Start(t)
	var ins []*instance
	for range 3 {
		ins = append(ins, newInstance(t, srv, "50-M", WithName("flush"), WithStoreTimeout(5*time.Second),
			WithOnError(func(r *http.Request, err error) { t.Errorf("store error: %v", err) })))
	}
	rdb := admin(t, srv)
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for i := range 150 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i == 75 {
				require.NoError(t, rdb.ScriptFlush(context.Background()).Err())
			}
			if do(ins[i%3].h, request("192.0.2.1:1")).Code == 200 {
				allowed.Add(1)
			}
		}()
	}
	wg.Wait()
	assert.EqualValues(t, 50, allowed.Load())
	for _, in := range ins {
		assert.False(t, in.l.remote.down.Load(), "NOSCRIPT is not a failure: the scripts are loaded again")
	}
}

func TestRedisSlowIsBoundedByTimeout(t *testing.T) {
	for _, ctxTimeouts := range []bool{false, true} {
		name := "goroutine-bounded"
		if ctxTimeouts {
			name = "ContextTimeoutEnabled"
		}
		t.Run(name, func(t *testing.T) {
			srv := redistest.Start(t)
			const timeout = 100 * time.Millisecond
			var reports atomic.Int64
			in := newInstanceWith(t, srv, func(o *redis.Options) { o.ContextTimeoutEnabled = ctxTimeouts },
				"5-M", WithStoreTimeout(timeout), WithOnError(func(*http.Request, error) { reports.Add(1) }))
			assert.Equal(t, ctxTimeouts, in.l.remote.inline)
			require.Equal(t, 200, do(in.h, request("192.0.2.1:1")).Code) // scripts loaded
			rdb := admin(t, srv)
			require.NoError(t, rdb.Do(context.Background(), "CLIENT", "PAUSE", "1000").Err())
			paused := time.Now()
			var slowest time.Duration
			for time.Since(paused) < 800*time.Millisecond {
				start := time.Now()
				w := do(in.h, request("192.0.2.1:1"))
				slowest = max(slowest, time.Since(start))
				require.Less(t, w.Code, 500)
			}
			t.Logf("slowest request while Redis was paused: %v", slowest)
			assert.Less(t, slowest, timeout+300*time.Millisecond)
			assert.EqualValues(t, 1, reports.Load())
			assert.False(t, in.l.Degraded(), "a few slow calls in a row are not an outage")
			// Let the pause end so that abandoned calls finish before the
			// leak check.
			time.Sleep(time.Until(paused.Add(1200 * time.Millisecond)))
			require.Equal(t, 200, do(in.h, request("192.0.2.2:1")).Code)
		})
	}
}

func TestRedisOnErrorAtMostOncePerSecond(t *testing.T) {
	var reports []error
	var mu sync.Mutex
	l := newLimiter(t, "100-M", WithRedis(unreachableRedis(t)), WithOnError(func(r *http.Request, err error) {
		mu.Lock()
		reports = append(reports, err)
		mu.Unlock()
	}))
	h := l.Middleware(&ok{})
	start := time.Now()
	for time.Since(start) < 2500*time.Millisecond {
		do(h, request("192.0.2.1:1"))
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	assert.GreaterOrEqual(t, len(reports), 2, "the store is probed again every second")
	assert.LessOrEqual(t, len(reports), 3)
	for _, err := range reports {
		assert.ErrorIs(t, err, ErrStoreUnavailable)
		var op *net.OpError
		assert.ErrorAs(t, err, &op)
		var ne net.Error
		assert.True(t, errors.As(err, &ne) || strings.Contains(err.Error(), "refused"), "%v", err)
	}
}

func TestRedisResetAndAllow(t *testing.T) {
	srv := redistest.Start(t)
	a := newInstance(t, srv, "2-H", WithName("login"))
	b := newInstance(t, srv, "2-H", WithName("login"))
	ctx := context.Background()
	for _, in := range []*instance{a, b} {
		res, err := in.l.Allow(ctx, "account:alice")
		require.NoError(t, err)
		assert.True(t, res.Allowed)
	}
	res, err := a.l.Allow(ctx, "account:alice")
	require.NoError(t, err)
	assert.False(t, res.Allowed)
	assert.True(t, res.RetryAfter() > 59*time.Minute)

	require.NoError(t, a.l.Reset(ctx, "account:alice"))
	n, err := admin(t, srv).Exists(ctx, "ratelimit:{login:account:alice}").Result()
	require.NoError(t, err)
	assert.Zero(t, n)
	res, err = a.l.Allow(ctx, "account:alice")
	require.NoError(t, err)
	assert.True(t, res.Allowed, "Reset clears Redis")
	assert.Equal(t, int64(1), res.Remaining)
}

func TestRedisMultiWindowDeniedHitsNotCharged(t *testing.T) {
	srv := redistest.Start(t)
	in := newInstance(t, srv, "1-S, 3-M", WithName("mw"))
	rdb := admin(t, srv)
	r := request("192.0.2.1:1")
	require.Equal(t, 200, do(in.h, r).Code)
	require.Equal(t, 429, do(in.h, r).Code)
	assert.EqualValues(t, 1, redisState(t, rdb, "ratelimit:{mw:192.0.2.1}").count[1], "the denied request added nothing to the minute window")
}

// storedState is a client's key as takeScript stores it.
type storedState struct {
	epoch, expiry  int64
	k, count, prev [maxWindows]int64
}

func redisState(t *testing.T, rdb *redis.Client, key string) storedState {
	t.Helper()
	v, err := rdb.Get(context.Background(), key).Result()
	require.NoError(t, err, key)
	n := (len(v)/8 - 2) / 3
	require.Len(t, v, 8*stateWords(n), key)
	st := storedState{epoch: int64(unpackFloat(v, 0)), expiry: int64(unpackFloat(v, 1))}
	for i := 0; i < n; i++ {
		st.k[i], st.count[i], st.prev[i] = int64(unpackFloat(v, 2+3*i)), int64(unpackFloat(v, 3+3*i)), int64(unpackFloat(v, 4+3*i))
	}
	return st
}

func itoa(i int) string { return strconv.Itoa(i) }

// commandCalls reads INFO commandstats: calls per command.
func commandCalls(t *testing.T, rdb *redis.Client) map[string]int {
	info, err := rdb.Info(context.Background(), "commandstats").Result()
	require.NoError(t, err)
	out := map[string]int{}
	for _, line := range strings.Split(info, "\r\n") {
		name, rest, ok := strings.Cut(strings.TrimPrefix(line, "cmdstat_"), ":calls=")
		if !ok {
			continue
		}
		n, _, _ := strings.Cut(rest, ",")
		out[name], _ = strconv.Atoi(n)
	}
	return out
}

// One round trip, one EVALSHA, per request, allowed or denied, with three
// windows; the script's own PTTL/HMGET/HSET run inside it.
func TestRedisOneCommandPerRequest(t *testing.T) {
	srv := redistest.Start(t)
	in := newInstance(t, srv, "1000-S, 10000-M, 100000-H", WithName("rt"))
	rdb := admin(t, srv)
	r := request("192.0.2.1:1")
	require.Equal(t, 200, do(in.h, r).Code) // loads the script: NOSCRIPT, then EVAL
	before, stats := in.cmds.total(), commandCalls(t, rdb)
	for range 50 {
		require.Equal(t, 200, do(in.h, r).Code)
	}
	after := commandCalls(t, rdb)
	assert.Equal(t, 50, in.cmds.total()-before, "one round trip per request")
	assert.Equal(t, 50, after["evalsha"]-stats["evalsha"], "one EVALSHA per request (INFO commandstats)")
	assert.Equal(t, stats["eval"], after["eval"])

	d := newInstance(t, srv, "2-S, 10-M, 100-H", WithName("rt-denied"))
	do(d.h, r)
	do(d.h, r)
	before = d.cmds.total()
	for range 20 {
		require.Equal(t, 429, do(d.h, r).Code)
	}
	assert.Equal(t, 20, d.cmds.total()-before, "a denial is one round trip too: nothing to take back")
}

func TestRedisClusterAndSentinelClients(t *testing.T) {
	check := func(t *testing.T, clients []redis.UniversalClient, rdb redis.UniversalClient) {
		var hs []http.Handler
		for _, c := range clients {
			hs = append(hs, newLimiter(t, "5-S, 10-M", WithRedis(c), WithName("topo"), WithStoreTimeout(2*time.Second)).Middleware(&ok{}))
		}
		allowed := 0
		for i := range 20 {
			if do(hs[i%len(hs)], request("192.0.2.1:1")).Code == 200 {
				allowed++
			}
		}
		assert.Equal(t, 5, allowed)
		for _, k := range []string{"ratelimit:{topo:192.0.2.1}"} {
			n, err := rdb.Exists(context.Background(), k).Result()
			require.NoError(t, err)
			assert.EqualValues(t, 1, n, k)
		}
	}
	t.Run("cluster", func(t *testing.T) {
		cl := redistest.StartCluster3(t)
		var clients []redis.UniversalClient
		for range 2 {
			c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: cl.Addrs})
			t.Cleanup(func() { c.Close() })
			clients = append(clients, c)
		}
		check(t, clients, clients[0])
	})
	t.Run("sentinel", func(t *testing.T) {
		master := redistest.Start(t)
		sentinel := redistest.StartSentinel(t, master)
		var clients []redis.UniversalClient
		for range 2 {
			c := redis.NewFailoverClient(&redis.FailoverOptions{MasterName: "mymaster", SentinelAddrs: []string{sentinel.Addr}})
			t.Cleanup(func() { c.Close() })
			clients = append(clients, c)
		}
		check(t, clients, master.Client(t))
	})
}
