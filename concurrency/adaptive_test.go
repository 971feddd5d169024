package concurrency

import (
	"math/rand"
	"testing"
	"time"
)

// model is a backend with c slots and service time s, under an offered
// concurrency demand (clients wanting that many requests in flight), fed to
// a gradient in simulated time. Requests over c wait inside the backend, so
// latency is s*max(1, inflight/c); noise adds up to ±noise of it.
type model struct {
	c      int
	s      time.Duration
	noise  float64
	demand int
	rng    *rand.Rand
	now    time.Time
	stall  func(now time.Time) float64 // latency multiplier not from queueing; nil: 1
}

// run steps the model for d in steps of one service time and calls check
// after each window closes.
func (m *model) run(g *gradient, d time.Duration, check func(limit int, lat time.Duration)) {
	end := m.now.Add(d)
	for m.now.Before(end) {
		in := min(m.demand, g.limit())
		if in > g.maxIn {
			g.maxIn = in
		}
		lat := m.s
		if in > m.c {
			lat = time.Duration(float64(m.s) * float64(in) / float64(m.c))
		}
		if m.stall != nil {
			lat = time.Duration(float64(lat) * m.stall(m.now))
		}
		step := lat
		m.now = m.now.Add(step)
		for i := 0; i < in; i++ {
			l := time.Duration(float64(lat) * (1 + m.noise*(2*m.rng.Float64()-1)))
			if g.sample(m.now, l) && check != nil {
				check(g.limit(), lat)
			}
		}
	}
}

func newModel(c int, s time.Duration, demand int) *model {
	return &model{c: c, s: s, noise: 0.2, demand: demand, rng: rand.New(rand.NewSource(1)), now: time.Unix(1e9, 0)}
}

// Under sustained overload the limit settles near the capacity, with
// latency a small multiple of the unloaded one, and stays there: it neither
// drifts up towards max nor dips towards min.
func TestAdaptiveSettlesUnderOverload(t *testing.T) {
	for _, c := range []int{4, 16, 100, 400} {
		m := newModel(c, 20*time.Millisecond, 4*c+50)
		g := newGradient(1, 1000)
		m.run(g, 10*time.Second, nil) // learn
		lo, hi := 1000, 0
		var worst time.Duration
		m.run(g, 2*time.Minute, func(limit int, lat time.Duration) {
			lo, hi = min(lo, limit), max(hi, limit)
			worst = max(worst, lat)
		})
		t.Logf("c=%d: limit %d..%d, worst latency %v", c, lo, hi, worst)
		if lo < c*9/10 {
			t.Errorf("c=%d: the limit fell to %d, below 0.9 of the capacity", c, lo)
		}
		if worst > 60*time.Millisecond {
			t.Errorf("c=%d: latency reached %v, more than 3x the unloaded 20ms", c, worst)
		}
	}
}

// When the backend itself becomes slower (not from queueing), the limit
// shrinks for a while, then takes the new latency as normal and recovers
// to the capacity instead of staying at min.
func TestAdaptiveRebasesOnSlowerBackend(t *testing.T) {
	m := newModel(16, 20*time.Millisecond, 100)
	g := newGradient(1, 1000)
	m.run(g, 10*time.Second, nil)
	m.s = 60 * time.Millisecond
	m.run(g, 60*time.Second, nil)
	var lo int = 1000
	m.run(g, 60*time.Second, func(limit int, _ time.Duration) { lo = min(lo, limit) })
	if lo < 14 {
		t.Errorf("after the backend slowed down the limit is %d, want about the capacity 16", lo)
	}
}

// Light load does not move the limit up without bound: growth needs at least
// half the places in use.
func TestAdaptiveAppLimited(t *testing.T) {
	m := newModel(100, 20*time.Millisecond, 10)
	g := newGradient(1, 1000)
	m.run(g, 60*time.Second, nil)
	if l := g.limit(); l < 10 || l > 40 {
		t.Errorf("limit %d with 10 requests in flight, want 10..40", l)
	}
}

// Short stalls (a machine pausing for 600 ms every 3 s, tripling latency
// whatever the load) do not become the baseline: afterwards the limit
// returns to where it was, rather than growing to match the stall.
func TestAdaptiveIgnoresShortStalls(t *testing.T) {
	m := newModel(16, 40*time.Millisecond, 64)
	g := newGradient(1, 1000)
	m.run(g, 10*time.Second, nil)
	start := m.now
	m.stall = func(now time.Time) float64 {
		if now.Sub(start)%(3*time.Second) < 600*time.Millisecond {
			return 3
		}
		return 1
	}
	hi := 0
	m.run(g, 60*time.Second, func(limit int, _ time.Duration) { hi = max(hi, limit) })
	t.Logf("limit at most %d, baseline %.1fms", hi, g.baseline*1000)
	if hi > 40 || g.baseline > 0.05 {
		t.Errorf("after stalls: limit up to %d, baseline %.1fms; want about 25 and 40ms", hi, g.baseline*1000)
	}
}
