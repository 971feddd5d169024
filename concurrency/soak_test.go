package concurrency

import (
	"context"
	"io"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// soakDuration is a few seconds in CI; MW_SOAK=30s makes it longer.
func soakDuration(t *testing.T) time.Duration {
	if s := os.Getenv("MW_SOAK"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("MW_SOAK: %v", err)
		}
		return d
	}
	if testing.Short() {
		return 500 * time.Millisecond
	}
	return 2 * time.Second
}

// Many clients for seconds, some leaving while queued or in the handler:
// the handler never holds more than the limit (measured inside it), every
// place and every key is given back, and nothing leaks (TestMain).
func TestSoak(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []Option
		max  int // the most the handler may hold at once
	}{
		{"fixed", []Option{WithLimit(8), WithQueue(16, 20*time.Millisecond)}, 8},
		{"fixed-keys-priority", []Option{WithLimit(8), WithQueue(8, 30*time.Millisecond),
			WithKey(func(r *http.Request) string { return r.Header.Get("X-User") }, 3),
			WithPriority(func(r *http.Request) int { n, _ := strconv.Atoi(r.Header.Get("X-Prio")); return n })}, 8},
		{"adaptive", []Option{WithAdaptive(2, 12), WithQueue(16, 20*time.Millisecond)}, 12},
		{"adaptive-no-queue", []Option{WithAdaptive(2, 12)}, 12},
	} {
		t.Run(tc.name, func(t *testing.T) { soak(t, tc.max, tc.opts...) })
	}
}

func soak(t *testing.T, maxIn int, opts ...Option) {
	var rejected atomic.Int64
	opts = append(opts, WithOnReject(func(*http.Request, string) { rejected.Add(1) }))
	l := mustNew(t, opts...)
	var inside, peak, served atomic.Int64
	var overLimit atomic.Int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inside.Add(1)
		defer inside.Add(-1)
		served.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		if n > int64(maxIn) {
			overLimit.Add(1)
		}
		if l.adapt == nil && n > int64(l.Limit()) {
			overLimit.Add(1)
		}
		select {
		case <-time.After(time.Duration(1+rand.Intn(3)) * time.Millisecond):
		case <-r.Context().Done():
		}
		io.WriteString(w, "ok")
	})
	srv := httptest.NewServer(l.Middleware(h))
	defer srv.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}

	stop := time.Now().Add(soakDuration(t))
	var wg sync.WaitGroup
	var canceled atomic.Int64
	for g := 0; g < 48; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(int64(g)))
			for i := 0; i < 100000 && time.Now().Before(stop); i++ {
				ctx, cancel := context.WithCancel(context.Background())
				if rng.Intn(5) == 0 { // a fifth of the clients give up early
					ctx, cancel = context.WithTimeout(context.Background(), time.Duration(rng.Intn(4000))*time.Microsecond)
				}
				req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
				req.Header.Set("X-User", strconv.Itoa(g%6))
				req.Header.Set("X-Prio", strconv.Itoa(rng.Intn(3)))
				res, err := client.Do(req)
				if err == nil {
					io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode != 200 && res.StatusCode != 503 {
						t.Errorf("status %d", res.StatusCode)
					}
				} else {
					canceled.Add(1)
				}
				cancel()
			}
		}(g)
	}
	wg.Wait()
	srv.Close() // waits for every handler

	if n := overLimit.Load(); n > 0 {
		t.Errorf("%d times the handler held more than the limit", n)
	}
	if l.InFlight() != 0 || l.queued() != 0 {
		t.Errorf("at the end: in flight %d, queued %d", l.InFlight(), l.queued())
	}
	l.mu.Lock()
	keys := len(l.keys)
	l.mu.Unlock()
	if keys != 0 {
		t.Errorf("%d keys left", keys)
	}
	if served.Load() == 0 || rejected.Load() == 0 {
		t.Errorf("served %d, rejected %d: the soak did not overload", served.Load(), rejected.Load())
	}
	t.Logf("served %d, rejected %d, canceled %d, peak %d, limit now %d",
		served.Load(), rejected.Load(), canceled.Load(), peak.Load(), l.Limit())
}

// The adaptive limit on a real server in front of a backend with 4 slots
// of 50 ms, under open-loop load at 3x its capacity: the limit settles
// near the capacity (not at max, not at min) and admitted requests stay
// fast (their time in the handler, measured there, so that a slow client
// machine does not count), while the excess is shed.
func TestAdaptiveOnRealServer(t *testing.T) {
	if testing.Short() {
		t.Skip("seconds of load")
	}
	const slots, service = 4, 50 * time.Millisecond
	var counting atomic.Bool
	var mu sync.Mutex
	var took []time.Duration
	sem := make(chan struct{}, slots)
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t0 := time.Now()
		select {
		case sem <- struct{}{}:
		case <-r.Context().Done():
			return
		}
		time.Sleep(service)
		<-sem
		if counting.Load() {
			mu.Lock()
			took = append(took, time.Since(t0))
			mu.Unlock()
		}
	})
	l := mustNew(t)
	srv := httptest.NewServer(l.Middleware(backend))
	defer srv.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: 512}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 5 * time.Second}

	var wg sync.WaitGroup
	rate := 3 * float64(slots) / service.Seconds() // 240/s
	rng := rand.New(rand.NewSource(1))
	start := time.Now()
	for next := start; next.Sub(start) < 4*time.Second; next = next.Add(time.Duration(rng.ExpFloat64() / rate * 1e9)) {
		time.Sleep(time.Until(next))
		counting.Store(next.Sub(start) > 2*time.Second)
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := client.Get(srv.URL)
			if err == nil {
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
		}()
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(took) == 0 {
		t.Fatal("nothing admitted")
	}
	var sum time.Duration
	for _, d := range took {
		sum += d
	}
	mean := sum / time.Duration(len(took))
	t.Logf("limit %d, %d admitted in the last 2s, mean time in the handler %v", l.Limit(), len(took), mean)
	if lim := l.Limit(); lim < slots/2 || lim > 4*slots {
		t.Errorf("limit %d, want near the capacity %d", lim, slots)
	}
	if mean > 3*service {
		t.Errorf("admitted requests took %v on average, want a small multiple of %v", mean, service)
	}
}
