package concurrency

import (
	"math"
	"time"
)

// The adaptive limit's constants; the package documentation explains them.
const (
	windowMin     = 100 * time.Millisecond // a window lasts at least this long
	windowSamples = 5                      // and holds at least this many samples
	windowTimed   = 64                     // timed requests wanted per window
	tolerance     = 1.5                    // latency up to this multiple of the baseline is fine
	minGradient   = 0.5                    // the target is at least half the limit
	decreaseGain  = 0.5                    // decreases move this fraction of the way
	baselineGain  = 0.05                   // the baseline moves down this fraction of the way
	rebaseLimit   = 0.5                    // limit fallen to this fraction of the episode's most in flight
	rebaseLatency = 0.8                    // while latency stayed above this fraction of its worst
	rebaseHold    = time.Second            // for this long
)

// gradient is the adaptive limit (see the package documentation). It is
// guarded by Limiter.mu.
type gradient struct {
	lo, hi    float64
	est       float64
	baseline  float64 // long-term latency, in seconds; 0 before the first window
	slowStart bool

	// Reading the clock costs more than the rest of a request's
	// bookkeeping on some machines (two reads per request, 100 ns or more
	// on a VM), so only every stride-th request is timed: stride is set
	// at each window's end for about windowTimed samples per window. Below
	// about 640 requests a second every request is timed.
	stride, skip int

	// the current window
	start time.Time
	sum   time.Duration
	n     int // timed requests
	done  int // all requests that ended
	maxIn int // most requests in flight at once

	// a congestion episode: windows since latency first went over
	// tolerance; the most requests in flight and the worst latency since
	episode       bool
	epIn, epShort float64
	// once the limit is half that many: when, and the latency of
	// the requests admitted since (the ones before waited behind a longer
	// queue, so their latency says nothing about the new limit)
	halvedAt time.Time
	postSum  time.Duration
	postN    int
	postMin  float64 // the lowest window mean of those, in seconds
}

func newGradient(lo, hi int) *gradient {
	return &gradient{lo: float64(lo), hi: float64(hi), est: float64(lo), slowStart: true, stride: 1}
}

func (g *gradient) limit() int { return int(g.est) }

// pick reports whether the request being admitted is to be timed.
func (g *gradient) pick() bool {
	g.skip--
	if g.skip > 0 {
		return false
	}
	g.skip = g.stride
	return true
}

// sample adds one timed request's latency d, ended at end, and reports
// whether a window closed (and so the limit may have moved). Untimed
// requests only count in done.
func (g *gradient) sample(end time.Time, d time.Duration) bool {
	g.done++
	if g.start.IsZero() {
		g.start = end.Add(-d)
	}
	g.sum += d
	g.n++
	if !g.halvedAt.IsZero() && !end.Add(-d).Before(g.halvedAt) {
		g.postSum += d
		g.postN++
	}
	if g.n < windowSamples || end.Sub(g.start) < windowMin {
		return false
	}
	g.update(end, g.sum.Seconds()/float64(g.n))
	g.stride = max(1, g.done/windowTimed)
	g.start, g.sum, g.n, g.done, g.maxIn = end, 0, 0, 0, 0
	return true
}

// update closes a window, ended at now, whose mean latency was short.
func (g *gradient) update(now time.Time, short float64) {
	if short <= 0 {
		return
	}
	if g.baseline == 0 {
		g.baseline = short
	}
	// The baseline follows the short average down, never up: a rise may
	// be queueing, caused by a limit too high (ours, or the backend's
	// own queue while ours does not bind yet), and must not become the new
	// normal. Only the rebase below raises it.
	if short < g.baseline {
		g.baseline += (short - g.baseline) * baselineGain
	}
	grad := math.Max(minGradient, math.Min(1, tolerance*g.baseline/short))
	switch {
	case grad < 1:
		g.slowStart = false
		if !g.episode {
			g.episode, g.epIn, g.epShort = true, 0, 0
		}
		// The episode's worst latency and most requests in flight:
		// latency lags concurrency by a request's time, so the first
		// window may not show it yet.
		g.epShort = max(g.epShort, short)
		g.epIn = max(g.epIn, float64(g.maxIn))
		// One place over the gradient's: the limit keeps probing
		// upwards by one while latency is just over tolerance.
		if g.halvedAt.IsZero() {
			target := g.est*grad + 1
			g.est += (target - g.est) * decreaseGain
		} // else the limit holds while rebase waits for its answer
		g.rebase(now)
	case g.maxIn*2 < int(g.est):
		// Far from the limit: nothing to learn about a higher one.
		g.endEpisode()
	case g.slowStart:
		g.est *= 2
		g.endEpisode()
	default:
		g.est += math.Sqrt(g.est)
		g.endEpisode()
	}
	g.est = math.Max(g.lo, math.Min(g.hi, g.est))
}

// rebase raises the baseline when the limit has fallen to half the most
// requests in flight in an episode and, for rebaseHold, the latency of the
// requests admitted since has not followed: then it is not queueing behind
// our limit but the backend's own latency (a slower dependency, a new
// deployment), and the limit should stop shrinking. Meanwhile the limit
// holds. A window in which those requests are faster (by 0.2 of the
// episode's worst) ends the episode: it was queueing. Holding for a second
// keeps a short stall (a pause, a noisy neighbour) from becoming the
// baseline.
func (g *gradient) rebase(now time.Time) {
	if g.halvedAt.IsZero() {
		if g.est <= g.epIn*rebaseLimit {
			g.halvedAt, g.postMin = now, math.Inf(1)
		}
		return
	}
	if g.postN >= windowSamples {
		post := g.postSum.Seconds() / float64(g.postN)
		g.postSum, g.postN = 0, 0
		if post < g.epShort*rebaseLatency {
			g.endEpisode()
			return
		}
		g.postMin = min(g.postMin, post)
	}
	if now.Sub(g.halvedAt) >= rebaseHold && !math.IsInf(g.postMin, 1) {
		g.baseline = g.postMin
		g.endEpisode()
	}
}

func (g *gradient) endEpisode() {
	g.episode, g.halvedAt, g.postSum, g.postN = false, time.Time{}, 0, 0
}
